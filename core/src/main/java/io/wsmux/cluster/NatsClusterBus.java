package io.wsmux.cluster;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;

import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.Dispatcher;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamSubscription;
import io.nats.client.PushSubscribeOptions;
import io.nats.client.JetStreamManagement;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.MessageInfo;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.StreamInfo;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The cluster on NATS (nats-server, through jnats): each local publication is one NATS message on
 * {@code <prefix>.<topic>}, and a node subscribes to a topic's subject only while it has subscribers to the topic
 * (one NATS subscription per such topic, made and dropped on a thread of the bus's own), so a node receives no
 * traffic of topics nobody follows there. The connection is made
 * with {@code noEcho}, so a node never receives its own publications back; it reconnects by itself, and while it is
 * disconnected jnats buffers what is published up to {@code bufferLength} bytes, then this bus drops and counts.
 * <p>
 * A message is one flags byte (bit 0: text), the publication's random 8-byte identity and the publication's
 * bytes. A topic name becomes the subject's tokens:
 * its dots stay (so {@code prices.EURUSD} is {@code wsmux.prices.EURUSD}, and NATS wildcards work on it), and every
 * character NATS does not allow in a token ({@code *}, {@code >}, whitespace, anything outside ASCII letters, digits,
 * {@code -} and {@code _}) is percent-encoded, as are all dots of a name that would make an empty token.
 * <p>
 * Thread safe. Allocates per publication (jnats takes byte arrays), never per subscriber.
 */
public final class NatsClusterBus implements ClusterBus
{
    private static final byte TEXT = 1;
    /** A message: a flags byte, the publication's 8-byte identity (little endian), then its bytes. */
    private static final int HEADER_LENGTH = 1 + Long.BYTES;
    private static final VarHandle ID = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    /** How long a topic waits to be read from the history stream again while NATS or the stream is not there. */
    private static final long HISTORY_RETRY_MS = 500;
    /** How often the history stream is checked for having been lost (made anew). */
    private static final long HISTORY_CHECK_SECONDS = 2;
    /** The last-value stream keeps one message per topic; this bounds it all (NATS drops the oldest past it). */
    private static final long STREAM_MAX_BYTES = 1L << 30;

    private final Connection connection;
    private final String prefix;
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final UnsafeBuffer receiveBuffer = new UnsafeBuffer(new byte[0]); // the dispatcher's thread only
    private volatile Dispatcher dispatcher;
    private final String streamName;
    /** Topics with a history: their subjects' root, their stream and its limits (docs/architecture.md). */
    private final String historyRoot;
    private final String historyStreamName;
    private int historyMaxPerTopic;
    private long historyMaxAgeNs;
    private volatile long historyEpoch;
    private volatile Dispatcher historyDispatcher;
    /** Topics read from the history stream: changed by the interest thread only. */
    private final Map<String, JetStreamSubscription> historySubscriptions = new ConcurrentHashMap<>();
    private final UnsafeBuffer lastValueBuffer = new UnsafeBuffer(new byte[0]); // the interest thread only
    private volatile boolean streamReady; // written by the interest thread only
    private boolean streamWarned; // the interest thread only
    private volatile Receiver receiver;
    private final Link link;
    /** Losses of the link reported to the receiver; written under {@link #gapLock}. */
    private volatile long reportedLosses;
    private final Object gapLock = new Object();
    /** Subjects subscribed, one per topic with subscribers here: changed on the interest thread only. */
    private final Set<String> interests = ConcurrentHashMap.newKeySet();
    /** Subjects subscribed at the dispatcher (interests once NATS confirmed them): the interest thread's only. */
    private final Set<String> subscribed = new HashSet<>();
    private final AtomicBoolean interestDrainScheduled = new AtomicBoolean();
    /**
     * Topics whose interest changed, taken by one drain task at a time, and topics whose last value is to be looked
     * up, one task each: however often clients come and go, what waits for the interest thread is bounded by the
     * topics that exist (which the topic limits bound), never a growing queue of changes.
     */
    private final ConcurrentHashMap<String, IntSupplier> pendingInterest = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Receiver> pendingFetches = new ConcurrentHashMap<>();
    /** Subscribes and unsubscribes, in order, off the I/O loops (jnats takes locks). */
    private final ScheduledExecutorService interestThread = Executors.newSingleThreadScheduledExecutor((task) ->
    {
        final Thread thread = new Thread(task, "wsmux-cluster-interest");
        thread.setDaemon(true);
        return thread;
    });

    private NatsClusterBus(final Connection connection, final String prefix, final Link link)
    {
        this.connection = connection;
        this.link = link;
        this.prefix = prefix;
        this.streamName = prefix.replace('.', '_') + "_last";
        this.historyRoot = prefix + "-h";
        this.historyStreamName = prefix.replace('.', '_') + "_hist";
    }

    /**
     * Connect to NATS; blocks until a server accepts the connection, or until jnats gives up (it closes a connection
     * that a server refused twice with the same authentication error): {@link NatsClusterLink} calls it on a thread
     * of its own.
     *
     * @param options      the servers, credentials and TLS, and where errors are reported.
     * @param node         this node's name, the connection's name in NATS's monitoring.
     * @param prefix       first token(s) of every subject.
     * @param bufferLength bytes buffered while disconnected.
     * @return the bus.
     * @throws IOException if interrupted while connecting.
     */
    public static NatsClusterBus connect(
        final NatsConnectionOptions options, final String node, final String prefix, final long bufferLength)
        throws IOException
    {
        final Link link = new Link();
        final Options natsOptions = options.builder() // servers, credentials, TLS; errors to the options' listener
            .connectionName(node)
            .noEcho()
            .maxReconnects(-1)
            .reconnectWait(Duration.ofMillis(250))
            .reconnectBufferSize(bufferLength)
            .discardMessagesWhenOutgoingQueueFull()
            .connectionListener((connection, event) ->
            {
                link.connectionEvent(connection, event);
                options.onConnectionEvent(connection, event);
            })
            .build();
        try
        {
            final NatsClusterBus bus = new NatsClusterBus(Nats.connectReconnectOnConnect(natsOptions), prefix, link);
            link.bus = bus;
            return bus;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while connecting to NATS", ex);
        }
    }

    /**
     * The state of the link to NATS, told by jnats's connection events: one line on stderr when it is lost and when
     * it is back (what an operator needs, without a line per reconnect attempt), and a count of losses, which the bus
     * reports to its receiver as gaps once the link is back.
     */
    private static final class Link implements ConnectionListener
    {
        private final AtomicBoolean lost = new AtomicBoolean(true); // nothing to lose before the first connection
        private final AtomicLong losses = new AtomicLong();
        private volatile NatsClusterBus bus;

        @Override
        public void connectionEvent(final Connection connection, final Events event)
        {
            switch (event)
            {
                case CONNECTED:
                    lost.set(false);
                    break;
                case DISCONNECTED:
                    if (!lost.compareAndSet(false, true))
                    {
                        break; // each failed attempt reports it again; nothing to lose before the first connection
                    }
                    losses.incrementAndGet();
                    System.err.println("wsmux: cluster: lost NATS (" + connection.getOptions().getConnectionName() +
                        "); local delivery goes on, publications for the other nodes are buffered; reconnecting");
                    break;
                case RECONNECTED:
                    lost.set(false);
                    System.err.println("wsmux: cluster: reconnected to NATS at " +
                        NatsUrls.redact(connection.getConnectedUrl()));
                    final NatsClusterBus current = bus;
                    if (null != current)
                    {
                        current.reportGap();
                    }
                    break;
                default:
                    break;
            }
        }
    }

    @Override
    public synchronized void start(final Receiver receiver)
    {
        if (null != this.receiver)
        {
            throw new IllegalStateException("already started");
        }
        this.receiver = receiver;
        dispatcher = connection.createDispatcher(this::onMessage);
        historyDispatcher = connection.createDispatcher();
        interestThread.execute(() ->
        {
            if (isConnected())
            {
                ensureStream(); // before publications, so that the stream keeps the first ones too
            }
        });
        if (historyMaxPerTopic > 0)
        {
            interestThread.scheduleWithFixedDelay(this::checkHistoryStream, HISTORY_CHECK_SECONDS,
                HISTORY_CHECK_SECONDS, TimeUnit.SECONDS);
        }
    }

    @Override
    public boolean keepsLastValues()
    {
        return streamReady;
    }

    @Override
    public void interestChanged(final String topic, final IntSupplier subscribed)
    {
        pendingInterest.put(topic, subscribed);
        if (!interestDrainScheduled.compareAndSet(false, true))
        {
            return; // a drain waits already: it takes this change too, and reads the count when it runs
        }
        try
        {
            interestThread.execute(this::drainInterest);
        }
        catch (final RejectedExecutionException ex)
        {
            pendingInterest.clear(); // closed: nothing to receive any more
        }
    }

    /**
     * On the interest thread: make the NATS subscriptions of every topic whose interest changed match this node's
     * interest now, then wait once for NATS to have them all (one round trip for a whole storm of changes) before they
     * count as interests.
     */
    private void drainInterest()
    {
        interestDrainScheduled.set(false); // changes from now on schedule another drain (this one may take them)
        final List<String> added = new ArrayList<>();
        for (final String topic : pendingInterest.keySet())
        {
            final IntSupplier latest = pendingInterest.remove(topic);
            if (null == latest)
            {
                continue;
            }
            final boolean wanted = latest.getAsInt() > 0;
            final String subject = subject(prefix, topic);
            if (wanted && subscribed.add(subject))
            {
                dispatcher.subscribe(subject);
                added.add(subject);
            }
            else if (!wanted && subscribed.remove(subject))
            {
                interests.remove(subject);
                dispatcher.unsubscribe(subject);
            }
        }
        if (!added.isEmpty())
        {
            flushQuietly(); // in place at NATS before they count as interests
            for (final String subject : added)
            {
                if (subscribed.contains(subject))
                {
                    interests.add(subject);
                }
            }
        }
    }

    /**
     * Wait (on the bus's own thread, up to a second) until NATS has processed what was sent; skipped while
     * disconnected: jnats sends the subscriptions again when it reconnects.
     */
    private void flushQuietly()
    {
        if (!isConnected())
        {
            return;
        }
        try
        {
            connection.flush(Duration.ofSeconds(1));
        }
        catch (final TimeoutException ex)
        {
            // NATS is slow or just went away: the subscription is sent all the same.
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void fetchLastValue(final String topic, final Receiver receiver)
    {
        if (null != pendingFetches.putIfAbsent(topic, receiver))
        {
            return; // a look-up of this topic waits already: it delivers the same last value
        }
        try
        {
            interestThread.execute(() ->
            {
                final Receiver waiting = pendingFetches.remove(topic);
                if (null != waiting)
                {
                    lastValue(topic, waiting);
                }
            });
        }
        catch (final RejectedExecutionException ex)
        {
            pendingFetches.remove(topic); // closed
        }
    }

    /**
     * On the interest thread: the stream's last message on the topic's subject, handed to the receiver.
     */
    private void lastValue(final String topic, final Receiver receiver)
    {
        if (!isConnected() || !ensureStream())
        {
            return;
        }
        final MessageInfo last;
        try
        {
            last = connection.jetStreamManagement().getLastMessage(streamName, subject(prefix, topic));
        }
        catch (final JetStreamApiException ex)
        {
            return; // no message on that subject: nothing was ever published to the topic
        }
        catch (final IOException ex)
        {
            return; // NATS went away meanwhile: the subscriber gets the next publication instead
        }
        final byte[] data = last.getData();
        if (null != data && data.length >= HEADER_LENGTH)
        {
            lastValueBuffer.wrap(data);
            receiver.onRemotePublication(topic, TEXT == (data[0] & TEXT), (long)ID.get(data, 1), lastValueBuffer,
                HEADER_LENGTH, data.length - HEADER_LENGTH);
        }
    }

    /**
     * Make sure the stream that keeps each subject's last message exists (JetStream, one message per subject, on
     * file): every publication of the cluster goes through NATS, so the stream captures it, whichever node made
     * it. Interest thread. Without JetStream, last values stay per node, said once on stderr.
     *
     * @return true when the stream is there.
     */
    private boolean ensureStream()
    {
        if (streamReady)
        {
            return true;
        }
        try
        {
            final JetStreamManagement management = connection.jetStreamManagement();
            try
            {
                management.getStreamInfo(streamName);
            }
            catch (final JetStreamApiException ex)
            {
                management.addStream(StreamConfiguration.builder()
                    .name(streamName)
                    .subjects(prefix + ".>")
                    .maxMessagesPerSubject(1)
                    .storageType(StorageType.File)
                    .maxBytes(STREAM_MAX_BYTES)
                    .build());
            }
            streamReady = true;
        }
        catch (final IOException | JetStreamApiException ex)
        {
            if (!streamWarned)
            {
                streamWarned = true;
                System.err.println("wsmux: cluster: no JetStream stream " + streamName + " (" + ex.getMessage() +
                    "); last values are kept per node only (start nats-server with -js)");
            }
        }
        return streamReady;
    }

    @Override
    public void configureHistory(final int maxPerTopic, final long maxAgeNs)
    {
        this.historyMaxPerTopic = maxPerTopic;
        this.historyMaxAgeNs = maxAgeNs;
    }

    @Override
    public boolean publishHistory(
        final String topic, final boolean text, final long id, final DirectBuffer buffer, final int offset,
        final int length)
    {
        return send(subject(historyRoot, topic), text, id, buffer, offset, length);
    }

    @Override
    public void historyInterest(final String topic, final boolean wanted)
    {
        try
        {
            interestThread.execute(() ->
            {
                if (wanted)
                {
                    startHistory(topic);
                }
                else
                {
                    final JetStreamSubscription subscription = historySubscriptions.remove(topic);
                    if (null != subscription && isConnected())
                    {
                        subscription.unsubscribe();
                    }
                }
            });
        }
        catch (final RejectedExecutionException ex)
        {
            // Closed.
        }
    }

    /**
     * On the interest thread: read a topic from the history stream with an ordered consumer, everything it kept
     * first (a backfill: kept here, not delivered), then live, each with its stream sequence as its offset. Tried
     * again every half second while NATS or the stream is not there.
     */
    private void startHistory(final String topic)
    {
        if (historySubscriptions.containsKey(topic))
        {
            return;
        }
        if (!isConnected() || !ensureHistoryStream())
        {
            retryHistory(topic);
            return;
        }
        final String subject = subject(historyRoot, topic);
        try
        {
            long last = 0;
            try
            {
                last = connection.jetStreamManagement().getLastMessage(historyStreamName, subject).getSeq();
            }
            catch (final JetStreamApiException ex)
            {
                last = 0; // nothing kept for this topic
            }
            final long backfillThrough = last;
            final AtomicBoolean ready = new AtomicBoolean(0 == last);
            final UnsafeBuffer historyBuffer = new UnsafeBuffer(new byte[0]); // the history dispatcher's thread only
            final JetStreamSubscription subscription = connection.jetStream().subscribe(subject, historyDispatcher,
                (message) -> onHistoryMessage(topic, message, backfillThrough, ready, historyBuffer), false,
                PushSubscribeOptions.builder().stream(historyStreamName).ordered(true)
                    .configuration(ConsumerConfiguration.builder().deliverPolicy(DeliverPolicy.All).build()).build());
            historySubscriptions.put(topic, subscription);
            if (0 == last)
            {
                receiver.onHistoryReady(topic, historyEpoch);
            }
        }
        catch (final IOException | JetStreamApiException | IllegalStateException ex)
        {
            retryHistory(topic);
        }
    }

    /**
     * On the interest thread, every few seconds: is the history stream still the one whose epoch the topics carry?
     * If JetStream lost it (deleted, or a NATS cluster that lost its data), make it anew and read every topic again
     * from it: their histories start a new epoch, and their positioned subscribers are told of the gap, so that a
     * client asking to recover learns it cannot (never a silent stall or a history passed off as the old one).
     */
    private void checkHistoryStream()
    {
        final long epoch = historyEpoch;
        if (0 == epoch || !isConnected())
        {
            return;
        }
        long current;
        try
        {
            current = epochOf(connection.jetStreamManagement().getStreamInfo(historyStreamName));
        }
        catch (final JetStreamApiException ex)
        {
            current = 0; // gone
        }
        catch (final IOException | RuntimeException ex)
        {
            return; // NATS went away meanwhile: checked again later
        }
        if (current == epoch)
        {
            return;
        }
        System.err.println("wsmux: cluster: the history stream " + historyStreamName + " was lost; topics with a " +
            "history start a new epoch (their subscribers cannot recover from before)");
        historyEpoch = 0;
        final List<String> topics = new ArrayList<>(historySubscriptions.keySet());
        for (final String topic : topics)
        {
            final JetStreamSubscription subscription = historySubscriptions.remove(topic);
            try
            {
                subscription.unsubscribe();
            }
            catch (final RuntimeException ex)
            {
                // Its consumer went with the stream.
            }
        }
        for (final String topic : topics)
        {
            startHistory(topic);
        }
    }

    private long epochOf(final StreamInfo info)
    {
        final long created = info.getCreateTime().toInstant().getEpochSecond() * 1_000_000_000L +
            info.getCreateTime().toInstant().getNano();
        final long epoch = created ^ ((long)historyStreamName.hashCode() << 32);
        return 0 == epoch ? 1 : epoch;
    }

    private void retryHistory(final String topic)
    {
        try
        {
            interestThread.schedule(() -> startHistory(topic), HISTORY_RETRY_MS, TimeUnit.MILLISECONDS);
        }
        catch (final RejectedExecutionException ex)
        {
            // Closed.
        }
    }

    private void onHistoryMessage(
        final String topic,
        final Message message,
        final long backfillThrough,
        final AtomicBoolean ready,
        final UnsafeBuffer historyBuffer)
    {
        final byte[] data = message.getData();
        if (null == data || data.length < HEADER_LENGTH || !message.isJetStream())
        {
            return;
        }
        final long sequence = message.metaData().streamSequence();
        received.incrementAndGet();
        historyBuffer.wrap(data);
        receiver.onHistoryPublication(topic, historyEpoch, sequence, sequence <= backfillThrough,
            TEXT == (data[0] & TEXT), historyBuffer, HEADER_LENGTH, data.length - HEADER_LENGTH);
        if (sequence >= backfillThrough && !ready.get() && ready.compareAndSet(false, true))
        {
            receiver.onHistoryReady(topic, historyEpoch);
        }
    }

    /**
     * Make sure the stream of the topics with a history exists (JetStream, on file, at most the largest history per
     * subject and its age), and take its epoch from when it was made: the same on every node, another if the stream
     * is lost and made anew. Interest thread.
     *
     * @return true when the stream is there.
     */
    private boolean ensureHistoryStream()
    {
        if (0 != historyEpoch)
        {
            return true;
        }
        try
        {
            final JetStreamManagement management = connection.jetStreamManagement();
            StreamInfo info;
            try
            {
                info = management.getStreamInfo(historyStreamName);
            }
            catch (final JetStreamApiException ex)
            {
                final StreamConfiguration.Builder configuration = StreamConfiguration.builder()
                    .name(historyStreamName)
                    .subjects(historyRoot + ".>")
                    .maxMessagesPerSubject(Math.max(1, historyMaxPerTopic))
                    .storageType(StorageType.File)
                    .maxBytes(STREAM_MAX_BYTES);
                if (historyMaxAgeNs > 0)
                {
                    configuration.maxAge(Duration.ofNanos(historyMaxAgeNs));
                }
                info = management.addStream(configuration.build());
            }
            historyEpoch = epochOf(info);
            return true;
        }
        catch (final IOException | JetStreamApiException ex)
        {
            if (!streamWarned)
            {
                streamWarned = true;
                System.err.println("wsmux: cluster: no JetStream stream " + historyStreamName + " (" +
                    ex.getMessage() + "); topics with a history wait for it (start nats-server with -js)");
            }
            return false;
        }
    }

    @Override
    public int interests()
    {
        return interests.size() + historySubscriptions.size();
    }

    @Override
    public boolean publish(
        final String topic, final boolean text, final long id, final DirectBuffer buffer, final int offset,
        final int length)
    {
        return send(subject(prefix, topic), text, id, buffer, offset, length);
    }

    /**
     * One NATS message: a flags byte, the publication's identity, its bytes. Never blocks: a full buffer drops it.
     */
    private boolean send(
        final String subject, final boolean text, final long id, final DirectBuffer buffer, final int offset,
        final int length)
    {
        final byte[] body = new byte[HEADER_LENGTH + length];
        body[0] = text ? TEXT : 0;
        ID.set(body, 1, id);
        buffer.getBytes(offset, body, HEADER_LENGTH, length);
        try
        {
            connection.publish(subject, body);
            published.incrementAndGet();
            return true;
        }
        catch (final IllegalStateException ex)
        {
            // The reconnect buffer or the outgoing queue is full, or the connection closed: never block a publisher.
            dropped.incrementAndGet();
            return false;
        }
    }

    /**
     * Tell the receiver of a loss of the link, once it is back: from jnats's connection thread when it reconnects, or
     * from the dispatcher's thread if a message received after the reconnect comes first, so that the gap is always
     * reported before any publication that follows it. Cold path: runs once per loss.
     */
    private void reportGap()
    {
        synchronized (gapLock)
        {
            final long losses = link.losses.get();
            if (losses == reportedLosses || !isConnected() || null == receiver)
            {
                return;
            }
            reportedLosses = losses;
            receiver.onGap();
        }
    }

    private void onMessage(final Message message)
    {
        if (link.losses.get() != reportedLosses)
        {
            reportGap(); // no-op while still disconnected (messages received before the loss drain first)
        }
        final byte[] data = message.getData();
        if (null == data || data.length < HEADER_LENGTH)
        {
            return;
        }
        final String topic = topic(prefix, message.getSubject());
        if (null == topic)
        {
            return;
        }
        received.incrementAndGet();
        receiveBuffer.wrap(data);
        receiver.onRemotePublication(topic, TEXT == (data[0] & TEXT), (long)ID.get(data, 1), receiveBuffer,
            HEADER_LENGTH, data.length - HEADER_LENGTH);
    }

    @Override
    public long published()
    {
        return published.get();
    }

    @Override
    public long received()
    {
        return received.get();
    }

    @Override
    public long dropped()
    {
        return dropped.get();
    }

    @Override
    public long gaps()
    {
        return reportedLosses;
    }

    @Override
    public boolean isConnected()
    {
        return Connection.Status.CONNECTED == connection.getStatus();
    }

    @Override
    public void close()
    {
        interestThread.shutdownNow();
        try
        {
            connection.close();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * @param prefix the subjects' prefix.
     * @param topic  a topic's name.
     * @return the NATS subject of the topic's publications.
     */
    static String subject(final String prefix, final String topic)
    {
        final boolean keepDots = !topic.isEmpty() && !topic.startsWith(".") && !topic.endsWith(".") &&
            !topic.contains("..");
        final StringBuilder subject = new StringBuilder(prefix.length() + 1 + topic.length()).append(prefix)
            .append('.');
        final byte[] bytes = topic.getBytes(StandardCharsets.UTF_8);
        for (final byte b : bytes)
        {
            final int c = b & 0xFF;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || '-' == c || '_' == c ||
                ('.' == c && keepDots))
            {
                subject.append((char)c);
            }
            else
            {
                subject.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                    .append(Character.toUpperCase(Character.forDigit(c & 0xF, 16)));
            }
        }
        return subject.toString();
    }

    /**
     * @param prefix  the subjects' prefix.
     * @param subject a subject of the cluster's.
     * @return the topic's name, or null when the subject is not one of {@link #subject}'s.
     */
    static String topic(final String prefix, final String subject)
    {
        if (subject.length() <= prefix.length() + 1 || !subject.startsWith(prefix) ||
            '.' != subject.charAt(prefix.length()))
        {
            return null;
        }
        final String encoded = subject.substring(prefix.length() + 1);
        if (encoded.indexOf('%') < 0)
        {
            return encoded;
        }
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream(encoded.length());
        int i = 0;
        while (i < encoded.length())
        {
            final char c = encoded.charAt(i);
            if ('%' != c)
            {
                bytes.write(c);
                i++;
                continue;
            }
            if (i + 2 >= encoded.length())
            {
                return null;
            }
            final int high = Character.digit(encoded.charAt(i + 1), 16);
            final int low = Character.digit(encoded.charAt(i + 2), 16);
            if (high < 0 || low < 0)
            {
                return null;
            }
            bytes.write((high << 4) | low);
            i += 3;
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
