package io.wsmux;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import io.wsmux.cluster.ClusterBus;
import io.wsmux.codec.deflate.MessageDeflater;
import io.wsmux.status.SystemCounter;
import io.wsmux.status.WsmuxCounters;
import io.wsmux.transport.IoLoop;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.jctools.queues.MpmcArrayQueue;

/**
 * The services and topics reachable as channels through a multiplexed endpoint, and the hook that authorizes
 * opening them. Names are exact ({@code echo}) or prefixes ({@code chat.}, {@code prices.}); exact names win over
 * prefixes and the longest prefix wins. Topics under a prefix are created on first use.
 * <pre>
 * Multiplexer mux = Multiplexer.builder()
 *     .service("echo", new EchoService())
 *     .topicPrefix("prices.", TopicOptions.LATEST)
 *     .authorizer((webSocket, channel) -&gt;
 *         channel.startsWith("admin.") &amp;&amp; !((User)webSocket.identity()).admin() ? "admins only" : null)
 *     .build();
 * WsmuxServer server = WsmuxServer.builder().mux("/mux", mux, tokenCheck).build().start();
 * mux.topic("prices.EURUSD").publish("EURUSD,1.08412,1.08415");
 * </pre>
 * A topic created under a prefix is removed again once it has had no subscriber and no publication for the
 * prefix's reclaim delay, and a prefix holds at most its topic limit ({@link TopicOptions#withReclaimDelay},
 * {@link TopicOptions#withMaxTopics}; server defaults {@code wsmux.topic.reclaim.delay} and
 * {@code wsmux.topic.max.per.prefix}), so clients naming topics at will cannot grow the heap without bound.
 * <p>
 * Thread safe once built. Bound to one server when it starts.
 */
public final class Multiplexer
{
    /** Publication compressors kept between publications: as many threads as publish at once, up to this. */
    private static final int MAX_POOLED_DEFLATERS = 16;

    /**
     * What a channel name resolves to: a service, or a topic (exact or prefix) with its options; for a topic prefix
     * also its effective reclaim delay and topic limit (fixed when the server starts) and how many topics it has.
     */
    static final class Target
    {
        private final String name;
        private final WebSocketHandler service;
        private final TopicOptions topicOptions;
        private final boolean prefix;
        private final AtomicInteger topicCount = new AtomicInteger();
        private long reclaimDelayNs;
        private int maxTopics = Integer.MAX_VALUE;
        /** This family's counters by loop, once the server has allocated them. */
        private FamilyCounters[] familyCounters;

        Target(final String name, final WebSocketHandler service, final TopicOptions topicOptions,
            final boolean prefix)
        {
            this.name = name;
            this.service = service;
            this.topicOptions = topicOptions;
            this.prefix = prefix;
        }

        /**
         * @return the service's handler, or a topic's handler of what its subscribers send, or null for a plain
         * topic.
         */
        WebSocketHandler service()
        {
            return service;
        }

        /**
         * @return the topic's options, or null for a service (a target with both is a topic whose subscribers send).
         */
        TopicOptions topicOptions()
        {
            return topicOptions;
        }

        /**
         * @return 0 for topics never reclaimed (exact names, services, or a prefix with reclaim off).
         */
        long reclaimDelayNs()
        {
            return reclaimDelayNs;
        }

        /**
         * @param loopIndex a loop.
         * @return the counters of this topic family on that loop.
         */
        FamilyCounters familyCounters(final int loopIndex)
        {
            final FamilyCounters[] counters = familyCounters;
            return null == counters ? FamilyCounters.UNATTACHED : counters[loopIndex];
        }

        void bind(final WsmuxSettings settings)
        {
            if (null != topicOptions && prefix)
            {
                reclaimDelayNs = TopicOptions.SERVER_DEFAULT == topicOptions.reclaimDelayNs() ?
                    settings.topicReclaimDelayNs() : topicOptions.reclaimDelayNs();
                maxTopics = TopicOptions.SERVER_DEFAULT == topicOptions.maxTopics() ?
                    settings.topicMaxPerPrefix() : topicOptions.maxTopics();
            }
        }
    }

    private final Map<String, Target> exact;
    private final Map<String, Target> prefixes;
    private final ChannelAuthorizer authorizer;
    private final Consumer<Connection> onWebSocketOpen;
    private final WebSocketCloseListener onWebSocketClose;
    private final ConcurrentHashMap<String, Topic> topics = new ConcurrentHashMap<>();
    private final AtomicLong droppedPublications = new AtomicLong();
    private final AtomicLong refusedTopics = new AtomicLong();
    private final AtomicLong reclaimedTopics = new AtomicLong();
    private final TopicReclaimer reclaimer = new TopicReclaimer(this);
    private volatile AtomicCounter[] droppedQueueFull;
    private volatile IoLoop[] loops;
    /** The other nodes of a cluster, or null on a single node. */
    private volatile ClusterBus cluster;
    private final AtomicLong remoteDropped = new AtomicLong();
    private final AtomicLong clusterGapMessages = new AtomicLong();
    private final AtomicLong remoteDuplicates = new AtomicLong();
    private PublicationPool publicationPool;
    /** Compressors for publications, lent to publishing threads (any thread) one publication at a time. */
    private final MpmcArrayQueue<MessageDeflater> deflaters = new MpmcArrayQueue<>(MAX_POOLED_DEFLATERS);
    private final AtomicLong publicationCompressions = new AtomicLong();
    private volatile AtomicCounter compressionsCounter;
    private boolean deflate;
    private int deflateMinLength;
    private int deflateLevel;
    private int maxChannels;
    private int maxChannelNameLength;
    private int maxPublicationLength;

    private Multiplexer(final Builder builder)
    {
        this.exact = Map.copyOf(builder.exact);
        this.prefixes = Map.copyOf(builder.prefixes);
        this.authorizer = builder.authorizer;
        this.onWebSocketOpen = builder.onWebSocketOpen;
        this.onWebSocketClose = builder.onWebSocketClose;
    }

    /**
     * @return a builder.
     */
    public static Builder builder()
    {
        return new Builder();
    }

    synchronized void bind(final IoLoop[] loops, final WsmuxSettings settings)
    {
        if (null != this.loops)
        {
            throw new IllegalStateException("a Multiplexer serves one server");
        }
        this.maxChannels = settings.muxMaxChannels();
        this.maxChannelNameLength = settings.muxMaxChannelNameLength();
        this.maxPublicationLength = settings.maxPublicationLength();
        this.deflate = settings.deflate();
        this.deflateMinLength = settings.deflateMinLength();
        this.deflateLevel = settings.deflateLevel();
        final int maxPrefixLength = 4 + 6 * maxChannelNameLength;
        // Room for the plain frame and, beside it, the compressed one (Publication's layout).
        this.publicationPool = new PublicationPool(
            Publication.FRAME_START + maxPrefixLength + maxPublicationLength +
            Publication.FRAME_START + MessageDeflater.STORED_BLOCK_OVERHEAD + maxPrefixLength +
            MessageDeflater.maxCompressedLength(maxPublicationLength), 1024);
        long shortestDelayNs = Long.MAX_VALUE;
        for (final Target target : prefixes.values())
        {
            target.bind(settings);
            if (target.reclaimDelayNs() > 0)
            {
                shortestDelayNs = Math.min(shortestDelayNs, target.reclaimDelayNs());
            }
        }
        this.loops = loops; // volatile: publishes the targets' settings to the threads that create topics
        if (Long.MAX_VALUE != shortestDelayNs)
        {
            // A quarter of the shortest delay: a topic goes at most 25% past its delay; at least every second.
            reclaimer.start(loops, Math.max(TimeUnit.MILLISECONDS.toNanos(1),
                Math.min(TimeUnit.SECONDS.toNanos(1), shortestDelayNs / 4)));
        }
    }

    /**
     * Join a cluster: local publications go to the other nodes through the bus, and theirs come to this node's topics.
     * Called by the server at start, before any publication. Cold path.
     *
     * @param bus the cluster's bus.
     */
    synchronized void joinCluster(final ClusterBus bus)
    {
        if (null != cluster)
        {
            throw new IllegalStateException("a Multiplexer joins one cluster");
        }
        cluster = bus;
        int historyMax = 0;
        long historyAgeNs = 0;
        boolean unboundedAge = false;
        for (final Target target : topicFamilies())
        {
            final TopicOptions options = target.topicOptions();
            if (options.hasHistory() && !options.nodeLocal())
            {
                historyMax = Math.max(historyMax, options.historySize());
                unboundedAge |= 0 == options.historyMaxAgeNs();
                historyAgeNs = Math.max(historyAgeNs, options.historyMaxAgeNs());
            }
        }
        bus.configureHistory(historyMax, unboundedAge ? 0 : historyAgeNs);
        bus.start(new ClusterBus.Receiver()
        {
            @Override
            public void onHistoryPublication(
                final String name, final long epoch, final long offset, final boolean backfill, final boolean text,
                final DirectBuffer buffer, final int bufferOffset, final int length)
            {
                final Topic topic = topics.get(name);
                if (null == topic || length > maxPublicationLength())
                {
                    remoteDropped.incrementAndGet();
                    return;
                }
                topic.onHistoryPublication(epoch, offset, backfill, text, buffer, bufferOffset, length);
            }

            @Override
            public void onHistoryReady(final String name, final long epoch)
            {
                final Topic topic = topics.get(name);
                if (null != topic)
                {
                    topic.onHistoryReady(epoch);
                }
            }

            @Override
            public void onRemotePublication(
                final String topic, final boolean text, final long id, final DirectBuffer buffer, final int offset,
                final int length)
            {
                Multiplexer.this.onRemotePublication(topic, text, id, buffer, offset, length);
            }

            @Override
            public void onGap()
            {
                onClusterGap();
            }
        });
    }

    /**
     * The cluster's link was lost for a while and is back (on the bus's thread, before any publication received
     * after it): every binary-protocol subscriber of a shared topic is told of the possible gap (GAP 503, on its
     * loop, after what the loop delivered before), and a topic with a last value takes the cluster's latest value
     * if it missed it. Cold path: once per loss.
     */
    private void onClusterGap()
    {
        for (final Topic topic : topics.values())
        {
            // A topic with a history reads the stream with an ordered consumer, which resumes where it was: no gap.
            if (!topic.options().nodeLocal() && !topic.options().hasHistory() && topic.subscriberCount() > 0)
            {
                topic.reportClusterGap();
            }
        }
    }

    /**
     * A remote publication this node had already delivered (as the cluster's last value): skipped.
     */
    void remoteDuplicate()
    {
        remoteDuplicates.incrementAndGet();
    }

    /**
     * @return publications from other nodes skipped because this node had already delivered them as the cluster's
     * last value (looked up for a first subscriber or after a gap, and overtaking the live one).
     */
    public long clusterDuplicates()
    {
        return remoteDuplicates.get();
    }

    /**
     * @param messages GAP messages a loop sent.
     */
    void gapMessagesSent(final int messages)
    {
        clusterGapMessages.addAndGet(messages);
    }

    /**
     * @return GAP messages sent to binary-protocol subscribers after losses of the cluster's link.
     */
    public long clusterGapMessages()
    {
        return clusterGapMessages.get();
    }

    /**
     * @return losses of the cluster's link that came back and were reported to subscribers as gaps; 0 on a single
     * node.
     */
    public long clusterGaps()
    {
        final ClusterBus bus = cluster;
        return null == bus ? 0 : bus.gaps();
    }

    /**
     * @return the cluster's bus, or null on a single node.
     */
    ClusterBus cluster()
    {
        return cluster;
    }

    /**
     * Another node published: deliver to this node's subscribers, on the bus's thread (which only hands the
     * publication to the loops). The bus receives only topics this node has subscribers to; a topic gone meanwhile
     * (its last subscriber left, it was reclaimed) is skipped: a later first subscriber gets the cluster's last value
     * from the bus ({@link Topic#onLoopInterest}).
     */
    private void onRemotePublication(
        final String name,
        final boolean text,
        final long id,
        final DirectBuffer buffer,
        final int offset,
        final int length)
    {
        final Topic topic = topics.get(name);
        if (length > maxPublicationLength() || null == topic || topic.options().nodeLocal())
        {
            remoteDropped.incrementAndGet();
            return;
        }
        topic.publishRemote(text, id, buffer, offset, length);
    }

    /**
     * @return publications this node sent to the other nodes of its cluster; 0 on a single node.
     */
    public long clusterPublished()
    {
        final ClusterBus bus = cluster;
        return null == bus ? 0 : bus.published();
    }

    /**
     * @return publications this node received from the other nodes of its cluster; 0 on a single node.
     */
    public long clusterReceived()
    {
        final ClusterBus bus = cluster;
        return null == bus ? 0 : bus.received();
    }

    /**
     * @return topics this node receives from its cluster now: those it has subscribers to; 0 on a single node.
     */
    public int clusterInterests()
    {
        final ClusterBus bus = cluster;
        return null == bus ? 0 : bus.interests();
    }

    /**
     * @return true once the cluster keeps each topic's last publication for first subscribers on any node.
     */
    public boolean clusterKeepsLastValues()
    {
        final ClusterBus bus = cluster;
        return null != bus && bus.keepsLastValues();
    }

    /**
     * @return publications that could not go to the other nodes (NATS unreachable and the buffer full).
     */
    public long clusterDropped()
    {
        final ClusterBus bus = cluster;
        return null == bus ? 0 : bus.dropped();
    }

    /**
     * @return true while this node is connected to its cluster's NATS; false on a single node.
     */
    public boolean isClusterConnected()
    {
        final ClusterBus bus = cluster;
        return null != bus && bus.isConnected();
    }

    /**
     * @return why this node's connection to its cluster's NATS last failed (NATS refused the credentials, the TLS
     *         handshake failed, NATS unreachable before the first connection), one line; null when connected since,
     *         and on a single node.
     */
    public String clusterLastError()
    {
        final ClusterBus bus = cluster;
        return null == bus ? null : bus.lastError();
    }

    /**
     * @return publications from other nodes this node did not deliver: too long, or their topic gone here meanwhile.
     */
    public long remoteDropped()
    {
        return remoteDropped.get();
    }

    /**
     * The topic of that name, created if a topic or topic prefix was registered for it.
     *
     * @param name topic name, unescaped.
     * @return the topic.
     * @throws IllegalArgumentException if no topic is registered under that name or a prefix of it.
     * @throws IllegalStateException    if the server has not started.
     */
    public Topic topic(final String name)
    {
        final Target target = resolve(name);
        if (null == target || null == target.topicOptions())
        {
            throw new IllegalArgumentException("no topic registered for: " + name);
        }
        final Topic topic = topic(name, target);
        if (null == topic)
        {
            throw new IllegalStateException("too many topics under the prefix '" + target.name + "': max=" +
                target.maxTopics + " (TopicOptions.withMaxTopics or " + WsmuxSettings.TOPIC_MAX_PER_PREFIX_PROP_NAME +
                "); cannot create: " + name);
        }
        return topic;
    }

    /**
     * The live topic of a name, created if absent and its prefix is under its limit.
     *
     * @return the topic, or null when its prefix is at its topic limit.
     */
    Topic topic(final String name, final Target target)
    {
        final IoLoop[] boundLoops = loops;
        if (null == boundLoops)
        {
            throw new IllegalStateException("the server has not started");
        }
        while (true)
        {
            final Topic existing = topics.get(name);
            if (null != existing)
            {
                if (!existing.isReclaimed())
                {
                    return existing;
                }
                topics.remove(name, existing); // the reclaimer removes it too; whoever comes first
                continue;
            }
            if (target.prefix && target.topicCount.incrementAndGet() > target.maxTopics)
            {
                target.topicCount.decrementAndGet();
                return null;
            }
            final Topic fresh = new Topic(name, target, this, boundLoops);
            final Topic raced = topics.putIfAbsent(name, fresh);
            if (null == raced)
            {
                if (fresh.isReclaimable())
                {
                    onTopicIdle(fresh); // created idle: an application's lookup or a subscriber about to acquire it
                }
                return fresh;
            }
            if (target.prefix)
            {
                target.topicCount.decrementAndGet();
            }
        }
    }

    /**
     * A subscriber's loop takes a hold on the live topic of a name (creating it if needed).
     *
     * @return the topic, held; or null when its prefix is at its topic limit (counted).
     */
    Topic acquireTopic(final String name, final Target target)
    {
        while (true)
        {
            final Topic topic = topic(name, target);
            if (null == topic)
            {
                refusedTopics.incrementAndGet();
                return null;
            }
            if (topic.acquire())
            {
                return topic;
            }
            topics.remove(name, topic); // reclaimed between the lookup and the hold: resolve again
        }
    }

    void onTopicIdle(final Topic topic)
    {
        reclaimer.onIdle(topic);
    }

    /**
     * The reclaimer moved a topic to RECLAIMED: forget it. Loop 0's thread.
     */
    void onTopicReclaimed(final Topic topic)
    {
        topics.remove(topic.name(), topic);
        topic.target().topicCount.decrementAndGet();
        reclaimedTopics.incrementAndGet();
        final TopicHistory history = topic.history;
        if (null != history)
        {
            synchronized (history)
            {
                history.clear(); // its publications go back to the pool; the name's next topic starts a new epoch
            }
            final ClusterBus bus = cluster;
            if (null != bus && !topic.options().nodeLocal())
            {
                bus.historyInterest(topic.name(), false); // stop reading it from the cluster's stream
            }
        }
    }

    Target resolve(final String name)
    {
        final Target target = exact.get(name);
        if (null != target)
        {
            return target;
        }
        Target best = null;
        int bestLength = -1;
        for (final Map.Entry<String, Target> entry : prefixes.entrySet())
        {
            final String prefix = entry.getKey();
            if (prefix.length() > bestLength && name.startsWith(prefix) && name.length() > prefix.length())
            {
                best = entry.getValue();
                bestLength = prefix.length();
            }
        }
        return best;
    }

    ChannelAuthorizer authorizer()
    {
        return authorizer;
    }

    Consumer<Connection> onWebSocketOpen()
    {
        return onWebSocketOpen;
    }

    WebSocketCloseListener onWebSocketClose()
    {
        return onWebSocketClose;
    }

    PublicationPool publicationPool()
    {
        return publicationPool;
    }

    int maxChannels()
    {
        return maxChannels;
    }

    int maxChannelNameLength()
    {
        return maxChannelNameLength;
    }

    int maxPublicationLength()
    {
        return maxPublicationLength;
    }

    /**
     * The topic families (topic prefixes and exact topics) in a stable order: by name.
     */
    List<Target> topicFamilies()
    {
        final List<Target> families = new ArrayList<>();
        for (final Target target : exact.values())
        {
            if (null != target.topicOptions)
            {
                families.add(target);
            }
        }
        for (final Target target : prefixes.values())
        {
            if (null != target.topicOptions)
            {
                families.add(target);
            }
        }
        families.sort(Comparator.comparing((final Target target) -> target.name));
        return families;
    }

    /**
     * Give the topic families their counters: the first {@code maxFamilies} of the server (over all its
     * multiplexers) their own, the rest the shared {@code other}. Start-up thread, before {@link #bind}.
     *
     * @param counters    the server's counters file.
     * @param firstIndex  number of the first family of this multiplexer.
     * @param maxFamilies families with counters of their own.
     * @param other       counters of the families past it (null when there are none).
     * @param names       family names taken so far (a name used by two multiplexers gets a suffix).
     * @return number of the next multiplexer's first family.
     */
    int bindCounters(
        final WsmuxCounters counters,
        final int firstIndex,
        final int maxFamilies,
        final FamilyCounters[] other,
        final Set<String> names)
    {
        int index = firstIndex;
        for (final Target target : topicFamilies())
        {
            if (index < maxFamilies)
            {
                String name = target.name;
                if (!names.add(name))
                {
                    name = target.name + "#" + index;
                    names.add(name);
                }
                target.familyCounters = FamilyCounters.allocate(counters, index, name);
            }
            else
            {
                target.familyCounters = other;
            }
            index++;
        }
        compressionsCounter = counters.loopCounter(0, SystemCounter.DEFLATE_PUBLICATIONS);
        droppedQueueFull = new AtomicCounter[counters.loopCount()];
        for (int loop = 0; loop < droppedQueueFull.length; loop++)
        {
            droppedQueueFull[loop] = counters.loopCounter(loop, SystemCounter.DROPPED_LOOP_QUEUE_FULL);
        }
        return index;
    }

    /**
     * A publication could not be handed to a loop: its task queue stayed full. Publishing thread: the loop's counter
     * is incremented atomically (several publishers may drop at once; a cold path).
     */
    void onPublicationDropped(final int loopIndex)
    {
        droppedPublications.incrementAndGet();
        final AtomicCounter[] counters = droppedQueueFull;
        if (null != counters)
        {
            counters[loopIndex].increment();
        }
    }

    /**
     * Whether publications of this length are compressed for subscribers that negotiated permessage-deflate.
     */
    boolean compresses(final int length)
    {
        return deflate && length >= deflateMinLength;
    }

    /**
     * A compressor for one publication, on the publishing thread (any thread): from the pool, or new when every
     * pooled one is lent (as many as threads publish at once). Give it back with {@link #releaseDeflater}.
     */
    MessageDeflater acquireDeflater()
    {
        final MessageDeflater deflater = deflaters.relaxedPoll();
        return null != deflater ? deflater : new MessageDeflater(deflateLevel, true);
    }

    void releaseDeflater(final MessageDeflater deflater)
    {
        if (!deflaters.relaxedOffer(deflater))
        {
            deflater.close();
        }
    }

    /**
     * A publication was compressed (once, for all its subscribers). Publishing thread: counted atomically, next to a
     * compression that costs microseconds.
     */
    void onPublicationCompressed()
    {
        publicationCompressions.incrementAndGet();
        final AtomicCounter counter = compressionsCounter;
        if (null != counter)
        {
            counter.increment();
        }
    }

    /**
     * @return publications compressed for permessage-deflate subscribers: one per publication, whatever the number
     * of subscribers.
     */
    public long publicationCompressions()
    {
        return publicationCompressions.get();
    }

    /**
     * @return publications a loop missed because its queue stayed full.
     */
    public long droppedPublications()
    {
        return droppedPublications.get();
    }

    /**
     * @return names from clients refused because their topic prefix was at its topic limit.
     */
    public long refusedTopics()
    {
        return refusedTopics.get();
    }

    /**
     * @return topics removed after their reclaim delay without subscribers or publications.
     */
    public long reclaimedTopics()
    {
        return reclaimedTopics.get();
    }

    /**
     * @return topics that exist now.
     */
    public int topicCount()
    {
        return topics.size();
    }

    /**
     * Told when a multiplexed WebSocket closes: see {@link Builder#onWebSocketClose}.
     */
    @FunctionalInterface
    public interface WebSocketCloseListener
    {
        /**
         * @param webSocket the WebSocket (not a channel); its {@link Connection#identity()} is still set.
         * @param code      the close code: the peer's, the server's (1008 slow consumer, 1001 shutdown, ...) or
         *                  1006 when the connection ended without a close handshake.
         * @param reason    the close reason, possibly empty.
         */
        void onClose(Connection webSocket, int code, String reason);
    }

    /**
     * Registers services and topics. Not thread safe.
     */
    public static final class Builder
    {
        private final Map<String, Target> exact = new HashMap<>();
        private final Map<String, Target> prefixes = new HashMap<>();
        private ChannelAuthorizer authorizer;
        private Consumer<Connection> onWebSocketOpen;
        private WebSocketCloseListener onWebSocketClose;

        private Builder()
        {
        }

        /**
         * A service under an exact channel name.
         *
         * @param name    channel name (unescaped; text-protocol clients reach it under its escape()d form).
         * @param handler gets open, messages and close for every channel opened on it.
         * @return this.
         */
        public Builder service(final String name, final WebSocketHandler handler)
        {
            return register(exact, name, new Target(name, handler, null, false));
        }

        /**
         * A service for every channel name starting with a prefix.
         *
         * @param prefix  e.g. {@code chat.}
         * @param handler gets open, messages and close for every channel opened under the prefix.
         * @return this.
         */
        public Builder servicePrefix(final String prefix, final WebSocketHandler handler)
        {
            return register(prefixes, prefix, new Target(prefix, handler, null, true));
        }

        /**
         * A topic under an exact name.
         *
         * @param name    topic name.
         * @param options topic options.
         * @return this.
         */
        public Builder topic(final String name, final TopicOptions options)
        {
            return register(exact, name, new Target(name, null, options, false));
        }

        /**
         * Topics for every name starting with a prefix, created on first use and removed again after the options'
         * reclaim delay without subscribers or publications; at most the options' topic limit at once.
         *
         * @param prefix  e.g. {@code prices.}
         * @param options options of every topic under the prefix.
         * @return this.
         */
        public Builder topicPrefix(final String prefix, final TopicOptions options)
        {
            return register(prefixes, prefix, new Target(prefix, null, options, true));
        }

        /**
         * A topic whose subscribers may also send: a channel opened on it subscribes to the topic, and what its client
         * sends goes to the handler (open, messages and close per channel, on the channel's loop, as for a service),
         * which decides what to publish to the topic, after checking it. Messages a client sends on a plain topic's
         * channel are ignored. A chat room built this way works across a cluster, since its messages travel as
         * publications.
         *
         * @param name    topic name.
         * @param options topic options.
         * @param handler gets open, messages and close for every channel opened on the topic.
         * @return this.
         */
        public Builder topic(final String name, final TopicOptions options, final WebSocketHandler handler)
        {
            return register(exact, name, new Target(name, Objects.requireNonNull(handler, "handler"), options, false));
        }

        /**
         * Topics under a prefix, as {@link #topicPrefix(String, TopicOptions)}, whose subscribers may send, as
         * {@link #topic(String, TopicOptions, WebSocketHandler)}.
         *
         * @param prefix  e.g. {@code rooms.}
         * @param options options of every topic under the prefix.
         * @param handler gets open, messages and close for every channel opened under the prefix.
         * @return this.
         */
        public Builder topicPrefix(final String prefix, final TopicOptions options, final WebSocketHandler handler)
        {
            return register(prefixes, prefix,
                new Target(prefix, Objects.requireNonNull(handler, "handler"), options, true));
        }

        /**
         * @param authorizer decides each channel open; null allows all.
         * @return this.
         */
        public Builder authorizer(final ChannelAuthorizer authorizer)
        {
            this.authorizer = authorizer;
            return this;
        }

        /**
         * Called when a multiplexed WebSocket opens, on its loop, before any of its channels: its
         * {@link Connection#identity()} is set and {@link Connection#handshake()} is still readable. A hook that
         * throws closes the WebSocket with 1011.
         *
         * @param onOpen gets the WebSocket (not a channel); null for none.
         * @return this.
         */
        public Builder onWebSocketOpen(final Consumer<Connection> onOpen)
        {
            this.onWebSocketOpen = onOpen;
            return this;
        }

        /**
         * Called once when a multiplexed WebSocket that opened closes, on its loop, after every channel it carried
         * was closed (and its services told).
         *
         * @param onClose gets the WebSocket and its close code and reason; null for none.
         * @return this.
         */
        public Builder onWebSocketClose(final WebSocketCloseListener onClose)
        {
            this.onWebSocketClose = onClose;
            return this;
        }

        private Builder register(final Map<String, Target> map, final String name, final Target target)
        {
            if (null == name || name.isEmpty())
            {
                throw new IllegalArgumentException("channel names and prefixes must not be empty");
            }
            if (null != map.putIfAbsent(name, target))
            {
                throw new IllegalArgumentException("already registered: " + name);
            }
            return this;
        }

        /**
         * @return the multiplexer.
         */
        public Multiplexer build()
        {
            return new Multiplexer(this);
        }
    }
}
