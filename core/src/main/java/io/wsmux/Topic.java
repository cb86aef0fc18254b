package io.wsmux;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLong;

import io.wsmux.cluster.ClusterBus;
import io.wsmux.codec.FrameDescriptor;
import io.wsmux.codec.FrameEncoder;
import io.wsmux.codec.Opcode;
import io.wsmux.codec.deflate.DeflateNegotiation;
import io.wsmux.codec.deflate.MessageDeflater;
import io.wsmux.codec.mux.BinaryMuxDescriptor;
import io.wsmux.codec.mux.JsEscape;
import io.wsmux.codec.mux.TextMuxEncoder;
import io.wsmux.transport.IoLoop;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A named publish/subscribe stream. {@link #publish} frames the message once into a pooled, reference-counted
 * buffer and hands that one buffer to each I/O loop that has subscribers (N loops, not M subscribers); each loop
 * writes the same bytes to its subscribers. Publishing from a loop's own thread delivers to that loop's subscribers
 * at once.
 * <p>
 * <b>Reclaim.</b> A topic created on demand under a topic prefix is removed once it has had no subscriber on any loop
 * and no publication for its prefix's reclaim delay ({@link TopicOptions#withReclaimDelay}); one registered under an
 * exact name never is. Its life is one atomic {@code state}:
 * <pre>
 *  created (0) --subscribe: CAS n to n+1--> n subscribers --unsubscribe: n-1--> ... --> 0 (listed as idle)
 *      0, unused for the delay --reclaimer: CAS 0 to RECLAIMED--> RECLAIMED (final; removed from the name map)
 * </pre>
 * A subscribing loop must win the CAS from a count (never from RECLAIMED), so no subscriber lands on a removed topic:
 * it re-resolves the name and gets a fresh topic. The reclaimer CASes from exactly 0, so a topic with a subscriber
 * is never removed. A publication only sets a "used" flag (read, and written when clear), which the reclaimer
 * clears and which restarts the idle clock: no lock, no atomic read-modify-write on the publish path. A publication
 * that races with the reclaim CAS reaches nobody (there are no subscribers) and its value goes with the topic, as
 * if published just before; an application holding this object after the reclaim keeps working, since
 * {@link #publish} on a RECLAIMED topic publishes to {@code multiplexer.topic(name)} instead.
 * <p>
 * Thread safe: publish from any thread. Messages from one publishing thread reach every subscriber in order.
 */
public final class Topic
{
    /** The state of a removed topic; otherwise the state is its subscriber count. */
    static final int RECLAIMED = -1;

    private static final AtomicIntegerFieldUpdater<Topic> STATE =
        AtomicIntegerFieldUpdater.newUpdater(Topic.class, "state");
    private static final AtomicIntegerFieldUpdater<Topic> LISTED =
        AtomicIntegerFieldUpdater.newUpdater(Topic.class, "listed");
    /** A publishing thread's own loop, when it is one, found under the history's monitor and run after it. */
    private static final ThreadLocal<IoLoop[]> OWN_LOOP = ThreadLocal.withInitial(() -> new IoLoop[1]);

    private final String name;
    /** Loops with subscribers to this topic now: the cluster receives it only while some have. */
    private final AtomicInteger interestedLoops = new AtomicInteger();
    /** Publications delivered here, counted only in a cluster for a topic with a last value (see onLoopInterest). */
    private final AtomicLong publications = new AtomicLong();
    private final boolean trackPublications;
    /** The identity of the last publication delivered here, with trackPublications. */
    private volatile long lastPublicationId;
    private final TopicOptions options;
    private final Multiplexer multiplexer;
    private final UnsafeBuffer textPrefix;
    private final byte[] escapedName;
    private final IoLoop[] loops;
    private final LoopTopic[] loopTopics;
    private final long reclaimDelayNs;
    private final Multiplexer.Target target;
    /** The topic's history, or null for a topic without one (docs/protocol.md, positions and recovery). */
    final TopicHistory history;
    /**
     * In a cluster, a topic with a history is ordered by JetStream: its publications go to the stream only and come
     * back to every node, this one included, with the stream's sequence as their offsets.
     */
    private final boolean clusterHistory;
    /** False while a cluster's history is being read from the stream: positioned subscribers wait (park). */
    private volatile boolean historyReady;
    private final AtomicBoolean historyRequested = new AtomicBoolean();
    /** Channels waiting for the history to be ready, with what they asked for; changed under the history's monitor. */
    private final ArrayList<ParkedOpen> parked = new ArrayList<>();

    /**
     * A positioned OPEN waiting for the history (only while it waits, so that a channel carries none of it).
     *
     * @param channel the channel, among its loop's subscribers, skipping everything meanwhile.
     * @param flags   OPEN's position flags.
     * @param epoch   the epoch to recover from.
     * @param offset  the offset to resume after.
     */
    record ParkedOpen(MuxChannel channel, int flags, long epoch, long offset)
    {
    }
    /** Subscribers on all loops, or RECLAIMED. */
    private volatile int state;
    /** 1 while the topic is in the reclaimer's idle queue or candidate list. */
    private volatile int listed;
    /** Set by publications and subscriptions, cleared by the reclaimer: restarts the idle clock. */
    private volatile boolean used;
    /** When the reclaimer last saw the topic idle and unused, on loop 0's clock; the reclaimer's alone. */
    long idleSinceNs;

    Topic(final String name, final Multiplexer.Target target, final Multiplexer multiplexer, final IoLoop[] loops)
    {
        this.name = name;
        this.target = target;
        this.options = target.topicOptions();
        this.reclaimDelayNs = target.reclaimDelayNs();
        this.multiplexer = multiplexer;
        this.loops = loops;
        this.trackPublications = null != multiplexer.cluster() && !options.nodeLocal() && options.lastValue();
        this.clusterHistory = null != multiplexer.cluster() && !options.nodeLocal() && options.hasHistory();
        this.historyReady = !clusterHistory;
        this.history = options.hasHistory() ?
            new TopicHistory(options.historySize(), options.historyMaxAgeNs(), clusterHistory) : null;
        final byte[] escaped = JsEscape.escape(name).getBytes(StandardCharsets.US_ASCII);
        this.escapedName = escaped;
        final UnsafeBuffer prefix = new UnsafeBuffer(new byte[TextMuxEncoder.messagePrefixLength(escaped.length)]);
        TextMuxEncoder.writeMessagePrefix(prefix, 0, escaped);
        this.textPrefix = prefix;
        this.loopTopics = new LoopTopic[loops.length];
        for (int i = 0; i < loops.length; i++)
        {
            loopTopics[i] = new LoopTopic(this, i, loops[i]);
        }
    }

    /**
     * @return the topic's name (unescaped).
     */
    public String name()
    {
        return name;
    }

    /**
     * @return the topic's options.
     */
    public TopicOptions options()
    {
        return options;
    }

    /**
     * A loop's first subscriber to this topic came, or its last left: tell the cluster, which receives the topic's
     * publications from the other nodes only while some loop here has subscribers. Loop thread; cold path.
     *
     * @param interested true for the first subscriber, false for the last.
     */
    void onLoopInterest(final boolean interested)
    {
        final int loops = interested ? interestedLoops.incrementAndGet() : interestedLoops.decrementAndGet();
        final ClusterBus cluster = multiplexer.cluster();
        if (clusterHistory)
        {
            if (interested && null != cluster && historyRequested.compareAndSet(false, true))
            {
                // Read from the stream from now on, for as long as this topic lives (so that its history stays
                // complete here for clients that reconnect to this node), the kept publications first.
                cluster.historyInterest(name, true);
            }
            return;
        }
        if (null != cluster && !options.nodeLocal() && (interested ? 1 == loops : 0 == loops))
        {
            cluster.interestChanged(name, interestedLoops::get);
            if (interested && options.lastValue())
            {
                fetchClusterLastValue(cluster); // the first subscriber here: it may have been published elsewhere
            }
        }
    }

    /**
     * Ask the cluster for the latest value published to this topic on any node, and deliver it here unless this node
     * has it already as its last value, or something newer reached it meanwhile. Cold path.
     */
    private void fetchClusterLastValue(final ClusterBus cluster)
    {
        final long seen = publications.get();
        cluster.fetchLastValue(name, (topic, text, id, buffer, offset, length) ->
        {
            if (id != lastPublicationId && publications.get() == seen)
            {
                publishLocal(text, id, buffer, offset, length);
            }
        });
    }

    /**
     * The cluster's link was lost for a while and is back: tell this node's binary-protocol subscribers, on their
     * loops, and take the cluster's latest value if it has one this node missed. The bus's thread; cold path.
     */
    void reportClusterGap()
    {
        for (int i = 0; i < loops.length; i++)
        {
            final LoopTopic loopTopic = loopTopics[i];
            if (loopTopic.subscriberCount > 0)
            {
                loops[i].execute(() -> multiplexer.gapMessagesSent(loopTopic.reportGap(
                    BinaryMuxDescriptor.CODE_CLUSTER_GAP, "publications of other nodes may be missing")));
            }
        }
        final ClusterBus cluster = multiplexer.cluster();
        if (null != cluster && options.lastValue() && !clusterHistory)
        {
            fetchClusterLastValue(cluster);
        }
    }

    /**
     * @return false while a cluster's history is still being read from the stream (positioned subscribers wait).
     */
    boolean isHistoryReady()
    {
        return historyReady;
    }

    /**
     * Keep a positioned OPEN waiting until the history is ready. The caller holds the history's monitor.
     */
    void park(final ParkedOpen open)
    {
        parked.add(open);
    }

    /**
     * @return positioned OPENs waiting for the history (tests).
     */
    int parkedCount()
    {
        synchronized (history)
        {
            return parked.size();
        }
    }

    /**
     * A parked channel closed before the history was ready: forget it, so that clients opening and closing while a
     * history cannot be read (NATS down) hold nothing here. The channel's loop; cold path.
     */
    void unpark(final MuxChannel channel)
    {
        synchronized (history)
        {
            parked.removeIf((open) -> open.channel() == channel);
        }
    }

    /**
     * A publication of this topic from the cluster's stream (the bus's thread), with its offset: kept in the history,
     * and delivered unless it is one of those kept before this node started reading (a backfill) or seen already.
     *
     * @param epoch    the stream's epoch.
     * @param offset   its sequence in the stream.
     * @param backfill true for a publication made before this node started reading the stream.
     */
    void onHistoryPublication(
        final long epoch,
        final long offset,
        final boolean backfill,
        final boolean text,
        final DirectBuffer buffer,
        final int bufferOffset,
        final int length)
    {
        if (RECLAIMED == state || null == history)
        {
            return;
        }
        final Publication publication = frame(text, buffer, bufferOffset, length);
        boolean lost = false;
        synchronized (history)
        {
            if (epoch != history.epoch())
            {
                lost = 0 != history.epoch();
                history.restart(epoch); // the stream is new: its offsets start again
            }
            if (history.appendAt(publication, System.nanoTime(), offset) && !backfill)
            {
                handToLoops(publication, options.lastValue(), null);
            }
        }
        publication.release();
        if (lost)
        {
            reportClusterGap(); // positioned subscribers re-open, and learn the new epoch (NOT_RECOVERED)
        }
    }

    /**
     * The history has everything the stream kept (the bus's thread): parked channels are positioned on their loops.
     *
     * @param epoch the stream's epoch.
     */
    void onHistoryReady(final long epoch)
    {
        if (null == history)
        {
            return;
        }
        final ParkedOpen[] waiting;
        boolean lost = false;
        synchronized (history)
        {
            if (epoch != history.epoch())
            {
                lost = 0 != history.epoch();
                history.restart(epoch);
            }
            historyReady = true;
            waiting = parked.toArray(new ParkedOpen[0]);
            parked.clear();
        }
        if (lost)
        {
            reportClusterGap(); // the stream was made anew: positioned subscribers re-open and learn the new epoch
        }
        for (final ParkedOpen open : waiting)
        {
            loops[open.channel().topic.loopIndex].execute(() -> open.channel().session.resumeParked(open));
        }
    }

    /**
     * @return subscribers on all loops (racy snapshot).
     */
    public int subscriberCount()
    {
        int total = 0;
        for (final LoopTopic loopTopic : loopTopics)
        {
            total += loopTopic.subscriberCount;
        }
        return total;
    }

    /**
     * Publish a text message (UTF-8, not checked) to every subscriber.
     *
     * @param buffer holding the message; copied once, not retained.
     * @param offset of the message.
     * @param length of the message, at most {@code wsmux.max.publication.length}.
     * @return false if some loop's queue was full and its subscribers miss this message (counted).
     * @throws IllegalStateException if this topic was reclaimed and its prefix is now at its topic limit, so the
     *                               name cannot be created again (as {@link Multiplexer#topic}).
     */
    public boolean publish(final DirectBuffer buffer, final int offset, final int length)
    {
        return publish(true, buffer, offset, length);
    }

    /**
     * Publish a text message; convenience that encodes the string (allocates).
     *
     * @param text the message.
     * @return as {@link #publish(DirectBuffer, int, int)}.
     */
    public boolean publish(final CharSequence text)
    {
        final byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
        return publish(true, new UnsafeBuffer(bytes), 0, bytes.length);
    }

    /**
     * Publish a binary message. Text-protocol subscribers cannot receive binary messages and skip it.
     *
     * @param buffer holding the message; copied once, not retained.
     * @param offset of the message.
     * @param length of the message, at most {@code wsmux.max.publication.length}.
     * @return as {@link #publish(DirectBuffer, int, int)}.
     */
    public boolean publishBinary(final DirectBuffer buffer, final int offset, final int length)
    {
        return publish(false, buffer, offset, length);
    }

    private boolean publish(final boolean text, final DirectBuffer buffer, final int offset, final int length)
    {
        if (length > multiplexer.maxPublicationLength())
        {
            throw new IllegalArgumentException("publication longer than wsmux.max.publication.length: length=" +
                length + ", max=" + multiplexer.maxPublicationLength());
        }
        final ClusterBus cluster = multiplexer.cluster();
        if (clusterHistory && null != cluster)
        {
            // Ordered by the stream: delivered here too when it comes back from JetStream, with its offset.
            if (!used)
            {
                used = true;
            }
            return cluster.publishHistory(name, text, ThreadLocalRandom.current().nextLong(), buffer, offset, length);
        }
        if (null != cluster && !options.nodeLocal())
        {
            final long id = ThreadLocalRandom.current().nextLong();
            cluster.publish(name, text, id, buffer, offset, length); // never blocks; counts what it drops
            return publishLocal(text, id, buffer, offset, length);
        }
        return publishLocal(text, 0, buffer, offset, length);
    }

    /**
     * Deliver another node's publication here, unless this node has it already as its last value: the cluster's
     * latest value, looked up for a first subscriber or after a gap, may overtake the same publication arriving live.
     */
    void publishRemote(
        final boolean text, final long id, final DirectBuffer buffer, final int offset, final int length)
    {
        if (trackPublications && id == lastPublicationId)
        {
            multiplexer.remoteDuplicate();
            return;
        }
        publishLocal(text, id, buffer, offset, length);
    }

    /**
     * Deliver to this node's subscribers only: a local publication after it went to the cluster, or one another node
     * made.
     */
    boolean publishLocal(
        final boolean text, final long id, final DirectBuffer buffer, final int offset, final int length)
    {
        if (trackPublications)
        {
            lastPublicationId = id;
            publications.incrementAndGet();
        }
        if (0 != reclaimDelayNs)
        {
            if (RECLAIMED == state)
            {
                // A stale reference: the name lives on in a fresh topic (the cost is paid only after a reclaim).
                return multiplexer.topic(name).publishLocal(text, id, buffer, offset, length);
            }
            if (!used)
            {
                used = true;
            }
        }

        final boolean lastValue = options.lastValue();
        if (!lastValue && null == history && 0 == subscriberCount())
        {
            return true;
        }

        final Publication publication = frame(text, buffer, offset, length);

        final boolean delivered;
        if (null == history)
        {
            delivered = handToLoops(publication, lastValue, null);
        }
        else
        {
            // Offsets reach every loop in order, and a recovering subscriber's cut is consistent (see MuxSession):
            // the append and the hand-off happen under the history's monitor; this thread's own loop, if it is one,
            // delivers after it is released.
            final IoLoop[] ownLoop = OWN_LOOP.get();
            synchronized (history)
            {
                history.append(publication, System.nanoTime());
                delivered = handToLoops(publication, lastValue, ownLoop);
            }
            final IoLoop own = ownLoop[0];
            if (null != own)
            {
                ownLoop[0] = null;
                publication.run(own);
            }
        }
        publication.release();
        return delivered;
    }

    /**
     * Frame a message once into a pooled publication: the text protocol's whole frame, and the compressed form when
     * some subscriber takes it. Holds one reference, the caller's.
     */
    private Publication frame(final boolean text, final DirectBuffer buffer, final int offset, final int length)
    {
        final int prefixLength = textPrefix.capacity();
        final boolean compress = options.compress() && multiplexer.compresses(length) && hasSharedDeflateSubscribers();
        final int plainEnd = Publication.FRAME_START + prefixLength + length;
        final Publication publication = multiplexer.publicationPool().acquire(!compress ? plainEnd :
            plainEnd + Publication.FRAME_START + MessageDeflater.STORED_BLOCK_OVERHEAD + prefixLength +
            MessageDeflater.maxCompressedLength(length));
        final UnsafeBuffer frame = publication.buffer;
        frame.putBytes(Publication.FRAME_START, textPrefix, 0, prefixLength);
        frame.putBytes(Publication.FRAME_START + prefixLength, buffer, offset, length);
        final int textLength = prefixLength + length;
        final int headerLength = FrameDescriptor.headerLength(textLength, false);
        publication.topic = this;
        publication.text = text;
        publication.payloadOffset = Publication.FRAME_START + prefixLength;
        publication.payloadLength = length;
        publication.textFrameOffset = Publication.FRAME_START - headerLength;
        publication.textFrameLength = headerLength + textLength;
        FrameEncoder.writeHeader(frame, publication.textFrameOffset, true, Opcode.TEXT, textLength);
        publication.deflated = compress && compress(publication, plainEnd, prefixLength);
        publication.references(1); // the publisher's own hold, released below once every loop has its own
        publication.offset = 0;
        return publication;
    }

    /**
     * Hand a publication to every loop that has subscribers (every loop, for a topic with a last value or a history):
     * to the loop's queue, or at once if this thread is that loop.
     *
     * @param deferOwn null to deliver on this thread's own loop at once; else its first slot gets that loop, retained,
     *                 for the caller to run.
     */
    private boolean handToLoops(final Publication publication, final boolean everyLoop, final IoLoop[] deferOwn)
    {
        boolean delivered = true;
        for (int i = 0; i < loops.length; i++)
        {
            if (everyLoop || loopTopics[i].subscriberCount > 0)
            {
                final IoLoop loop = loops[i];
                publication.retain();
                if (loop.isLoopThread())
                {
                    if (null == deferOwn)
                    {
                        publication.run(loop);
                    }
                    else
                    {
                        deferOwn[0] = loop;
                    }
                }
                else if (!offer(loop, publication))
                {
                    delivered = false;
                    multiplexer.onPublicationDropped(i);
                    publication.release();
                }
            }
        }
        return delivered;
    }

    /**
     * Compress the publication once, for every subscriber that negotiated permessage-deflate without context
     * takeover, into its buffer after the plain frame (see {@link Publication}), on the publishing thread.
     *
     * @return false when compressing does not make it smaller: every subscriber gets the plain frame.
     */
    private boolean compress(final Publication publication, final int plainEnd, final int prefixLength)
    {
        final UnsafeBuffer frame = publication.buffer;
        final int blockOffset = plainEnd + Publication.FRAME_START;
        final int deflatedOffset = blockOffset + MessageDeflater.STORED_BLOCK_OVERHEAD + prefixLength;
        final MessageDeflater deflater = multiplexer.acquireDeflater();
        final int deflatedLength;
        try
        {
            deflatedLength = deflater.deflate(frame, publication.payloadOffset, publication.payloadLength,
                frame.byteArray(), deflatedOffset, DeflateNegotiation.MAX_WINDOW_BITS);
        }
        finally
        {
            multiplexer.releaseDeflater(deflater);
        }
        multiplexer.onPublicationCompressed();
        final int compressedLength = MessageDeflater.STORED_BLOCK_OVERHEAD + prefixLength + deflatedLength;
        if (compressedLength >= prefixLength + publication.payloadLength)
        {
            return false;
        }
        MessageDeflater.writeStoredBlock(frame, blockOffset, textPrefix, 0, prefixLength);
        final int headerLength = FrameDescriptor.headerLength(compressedLength, false);
        publication.deflatedFrameOffset = blockOffset - headerLength;
        publication.deflatedFrameLength = headerLength + compressedLength;
        publication.deflatedPayloadOffset = deflatedOffset;
        publication.deflatedPayloadLength = deflatedLength;
        FrameEncoder.writeHeader(
            frame, publication.deflatedFrameOffset, true, Opcode.TEXT | FrameDescriptor.RSV1, compressedLength);
        return true;
    }

    /**
     * @return whether some loop has a subscriber that takes the publication compressed once for all (racy: one that
     * subscribes meanwhile gets it uncompressed, which permessage-deflate allows).
     */
    private boolean hasSharedDeflateSubscribers()
    {
        for (final LoopTopic loopTopic : loopTopics)
        {
            if (loopTopic.deflateSubscriberCount > 0)
            {
                return true;
            }
        }
        return false;
    }

    private static boolean offer(final IoLoop loop, final Publication publication)
    {
        for (int attempt = 0; attempt < 1000; attempt++)
        {
            if (loop.offerTask(publication))
            {
                return true;
            }
            Thread.onSpinWait();
        }
        return false;
    }

    void deliver(final Publication publication, final IoLoop loop)
    {
        loopTopics[loop.index()].deliver(publication, loop, loop.nowNs());
    }

    /**
     * @return whether a text-protocol channel under this wire name can take the shared frame as is (its name is
     * the topic's escaped name, not, say, with a {@code ?maxRate=} suffix).
     */
    boolean isSharedWireName(final DirectBuffer wireName)
    {
        if (null == wireName || wireName.capacity() != escapedName.length)
        {
            return false;
        }
        for (int i = 0; i < escapedName.length; i++)
        {
            if (escapedName[i] != wireName.getByte(i))
            {
                return false;
            }
        }
        return true;
    }

    /**
     * A subscriber joins (on its loop): count it unless the topic is already reclaimed.
     *
     * @return false if the topic was reclaimed: resolve the name again.
     */
    boolean acquire()
    {
        int current;
        do
        {
            current = state;
            if (RECLAIMED == current)
            {
                return false;
            }
        }
        while (!STATE.compareAndSet(this, current, current + 1));
        if (0 != reclaimDelayNs && !used)
        {
            used = true;
        }
        return true;
    }

    /**
     * A subscriber leaves (on its loop); the last one lists the topic with the reclaimer.
     */
    void release()
    {
        if (0 == STATE.decrementAndGet(this) && 0 != reclaimDelayNs)
        {
            multiplexer.onTopicIdle(this);
        }
    }

    boolean isReclaimed()
    {
        return RECLAIMED == state;
    }

    boolean isReclaimable()
    {
        return 0 != reclaimDelayNs;
    }

    long reclaimDelayNs()
    {
        return reclaimDelayNs;
    }

    Multiplexer.Target target()
    {
        return target;
    }

    int state()
    {
        return state;
    }

    /**
     * @return true if this caller listed the topic (it was not listed).
     */
    boolean list()
    {
        return LISTED.compareAndSet(this, 0, 1);
    }

    void unlist()
    {
        listed = 0;
    }

    /**
     * @return whether a publication or subscription happened since the last call (which clears it).
     */
    boolean takeUsed()
    {
        if (used)
        {
            used = false;
            return true;
        }
        return false;
    }

    /**
     * @return true if this call moved the idle topic (no subscriber) to RECLAIMED.
     */
    boolean tryReclaim()
    {
        return STATE.compareAndSet(this, 0, RECLAIMED);
    }

    LoopTopic loopTopic(final int loopIndex)
    {
        return loopTopics[loopIndex];
    }

    @Override
    public String toString()
    {
        return "Topic{" + name + ", " + options + "}";
    }
}
