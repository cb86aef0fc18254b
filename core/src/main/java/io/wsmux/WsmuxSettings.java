package io.wsmux;

import java.util.Locale;
import java.util.concurrent.TimeUnit;

import io.wsmux.transport.IdleMode;
import org.agrona.BitUtil;
import org.agrona.SystemUtil;

/**
 * Every wsmux knob in one place: property name, default and unit, read once when an instance is created, each
 * overridable with a fluent setter, checked by {@link #conclude()}. Sizes accept {@code k}, {@code m} and {@code g}
 * suffixes ({@code 64k}); durations accept {@code ns}, {@code us}, {@code ms} and {@code s} ({@code 500ms},
 * {@code 30s}). docs/tuning.md documents each one. This is the only class in wsmux that reads system properties.
 * <p>
 * Not thread safe: configure, then hand to {@link WsmuxServer#builder(WsmuxSettings)}.
 */
public final class WsmuxSettings
{
    /** I/O threads (event loops). Default: available processors. */
    public static final String IO_THREADS_PROP_NAME = "wsmux.io.threads";
    /** Default I/O threads. */
    public static final int IO_THREADS_DEFAULT = Runtime.getRuntime().availableProcessors();

    /** How idle loops wait: {@code blocking} (select), {@code backoff} or {@code spin}. */
    public static final String IDLE_MODE_PROP_NAME = "wsmux.idle.mode";
    /** Default idle mode. */
    public static final IdleMode IDLE_MODE_DEFAULT = IdleMode.BLOCKING;

    /** Address to listen on. {@code 0.0.0.0} listens on every interface. */
    public static final String BIND_ADDRESS_PROP_NAME = "wsmux.bind.address";
    /** Default bind address: loopback only, so nothing is exposed by accident. */
    public static final String BIND_ADDRESS_DEFAULT = "127.0.0.1";

    /** TCP port to listen on; 0 picks a free port. */
    public static final String PORT_PROP_NAME = "wsmux.port";
    /** Default port. */
    public static final int PORT_DEFAULT = 8080;

    /** SO_REUSEPORT: one listening socket per loop where the OS supports it, else one acceptor. */
    public static final String REUSE_PORT_PROP_NAME = "wsmux.reuse.port";
    /** Default: use SO_REUSEPORT when supported. */
    public static final boolean REUSE_PORT_DEFAULT = true;

    /** Listen backlog. */
    public static final String ACCEPT_BACKLOG_PROP_NAME = "wsmux.accept.backlog";
    /** Default listen backlog. */
    public static final int ACCEPT_BACKLOG_DEFAULT = 1024;

    /** Most connections open at once (handshaking ones included); more are refused with HTTP 503. */
    public static final String MAX_CONNECTIONS_PROP_NAME = "wsmux.max.connections";
    /** Default connection limit. */
    public static final int MAX_CONNECTIONS_DEFAULT = 1_000_000;

    /** Bytes of each loop's shared read buffer. */
    public static final String READ_BUFFER_LENGTH_PROP_NAME = "wsmux.read.buffer.length";
    /**
     * Default read buffer: 256 KiB. What one read takes from a publisher is one batch of fan-out: with 100 topics
     * and 10,000 subscribers, 256 KiB gave 28 frames per subscriber write where 64 KiB gave 6, and twice the
     * deliveries per second.
     */
    public static final int READ_BUFFER_LENGTH_DEFAULT = 256 * 1024;

    /** Bytes of each loop's write-combining (cork) buffer. */
    public static final String CORK_BUFFER_LENGTH_PROP_NAME = "wsmux.cork.buffer.length";
    /** Default cork buffer: 64 KiB. */
    public static final int CORK_BUFFER_LENGTH_DEFAULT = 64 * 1024;

    /** Bytes of each pooled outbound chunk (queued data a socket did not take at once). */
    public static final String OUTBOUND_CHUNK_LENGTH_PROP_NAME = "wsmux.outbound.chunk.length";
    /**
     * Default chunk: 4 KiB. A connection with something queued holds at least one, so with thousands of slow or
     * busy subscribers at once a small chunk is what keeps them all in the pool.
     */
    public static final int OUTBOUND_CHUNK_LENGTH_DEFAULT = 4 * 1024;

    /** Free outbound chunks each loop keeps for reuse. */
    public static final String OUTBOUND_POOLED_CHUNKS_PROP_NAME = "wsmux.outbound.pooled.chunks";
    /**
     * Default pooled chunks per loop (64 MiB at the default chunk size, kept only once reached): enough for 16,384
     * connections with a backlog at once, beyond which chunks are allocated (a direct buffer each) and dropped.
     */
    public static final int OUTBOUND_POOLED_CHUNKS_DEFAULT = 16384;

    /** Bytes a connection may have queued; beyond it the overflow policy applies. */
    public static final String OUTBOUND_BUDGET_PROP_NAME = "wsmux.outbound.budget";
    /** Default budget: 1 MiB. */
    public static final int OUTBOUND_BUDGET_DEFAULT = 1024 * 1024;

    /** What a send over budget does: {@code close} (close with 1008 "slow consumer") or {@code drop}. */
    public static final String OUTBOUND_OVERFLOW_PROP_NAME = "wsmux.outbound.overflow";
    /** Default overflow policy. */
    public static final OverflowPolicy OUTBOUND_OVERFLOW_DEFAULT = OverflowPolicy.CLOSE;

    /** With the {@code close} overflow policy, how long a connection may stay over budget before it is closed. */
    public static final String SLOW_CONSUMER_GRACE_PROP_NAME = "wsmux.slow.consumer.grace";
    /** Default grace: 1 s; 0 closes at the first overflow. */
    public static final long SLOW_CONSUMER_GRACE_DEFAULT_NS = TimeUnit.SECONDS.toNanos(1);

    /** Channels one multiplexed WebSocket may have open at once. */
    public static final String MUX_MAX_CHANNELS_PROP_NAME = "wsmux.mux.max.channels";
    /** Default channel limit per WebSocket. */
    public static final int MUX_MAX_CHANNELS_DEFAULT = 256;

    /** Longest channel name in bytes, as on the wire. */
    public static final String MUX_MAX_CHANNEL_NAME_LENGTH_PROP_NAME = "wsmux.mux.max.channel.name.length";
    /** Default channel name limit. */
    public static final int MUX_MAX_CHANNEL_NAME_LENGTH_DEFAULT = 256;

    /**
     * How long a topic created on demand under a topic prefix may stay without subscribers and publications before it
     * is removed (with its last value); 0 never removes. Per prefix: {@link TopicOptions#withReclaimDelay}.
     */
    public static final String TOPIC_RECLAIM_DELAY_PROP_NAME = "wsmux.topic.reclaim.delay";
    /** Default reclaim delay: 30 s. */
    public static final long TOPIC_RECLAIM_DELAY_DEFAULT_NS = TimeUnit.SECONDS.toNanos(30);

    /**
     * Topics that may exist at once under one topic prefix; a client asking for one more is refused. Per prefix:
     * {@link TopicOptions#withMaxTopics}.
     */
    public static final String TOPIC_MAX_PER_PREFIX_PROP_NAME = "wsmux.topic.max.per.prefix";
    /** Default topic limit per prefix. */
    public static final int TOPIC_MAX_PER_PREFIX_DEFAULT = 10_000;

    /** Largest message a topic accepts for publication. */
    public static final String MAX_PUBLICATION_LENGTH_PROP_NAME = "wsmux.max.publication.length";
    /** Default publication limit: 64 KiB. */
    public static final int MAX_PUBLICATION_LENGTH_DEFAULT = 64 * 1024;

    /** Capacity of each loop's queue of tasks from other threads (publications, accepted sockets). */
    public static final String LOOP_QUEUE_CAPACITY_PROP_NAME = "wsmux.loop.queue.capacity";
    /** Default task queue capacity. */
    public static final int LOOP_QUEUE_CAPACITY_DEFAULT = 65536;

    /** Bytes of each loop's ring buffer for sends and closes from other threads (power of two). */
    public static final String COMMAND_BUFFER_LENGTH_PROP_NAME = "wsmux.command.buffer.length";
    /** Default command ring: 1 MiB; one command carries at most an eighth of it. */
    public static final int COMMAND_BUFFER_LENGTH_DEFAULT = 1024 * 1024;

    /** Largest frame payload accepted; larger closes with 1009. */
    public static final String MAX_FRAME_LENGTH_PROP_NAME = "wsmux.max.frame.length";
    /** Default frame limit: 1 MiB. */
    public static final int MAX_FRAME_LENGTH_DEFAULT = 1024 * 1024;

    /** Largest message (all fragments) accepted; larger closes with 1009. */
    public static final String MAX_MESSAGE_LENGTH_PROP_NAME = "wsmux.max.message.length";
    /** Default message limit: 1 MiB. */
    public static final int MAX_MESSAGE_LENGTH_DEFAULT = 1024 * 1024;

    /** Largest HTTP upgrade request head; larger is answered 431. */
    public static final String MAX_HANDSHAKE_LENGTH_PROP_NAME = "wsmux.max.handshake.length";
    /** Default head limit: 8 KiB. */
    public static final int MAX_HANDSHAKE_LENGTH_DEFAULT = 8 * 1024;

    /** Most header lines in the upgrade request; more is answered 431. */
    public static final String MAX_HEADER_COUNT_PROP_NAME = "wsmux.max.header.count";
    /** Default header line limit. */
    public static final int MAX_HEADER_COUNT_DEFAULT = 64;

    /** Time allowed from accept to a complete upgrade request; then the socket is closed (slowloris). */
    public static final String HANDSHAKE_TIMEOUT_PROP_NAME = "wsmux.handshake.timeout";
    /** Default handshake timeout. */
    public static final long HANDSHAKE_TIMEOUT_DEFAULT_NS = TimeUnit.SECONDS.toNanos(10);

    /** Inbound silence after which the server sends a ping; 0 disables pings. */
    public static final String PING_INTERVAL_PROP_NAME = "wsmux.ping.interval";
    /** Default ping interval. */
    public static final long PING_INTERVAL_DEFAULT_NS = TimeUnit.SECONDS.toNanos(30);

    /** Inbound silence after which the connection is closed with 1001; 0 disables. Must exceed the ping interval. */
    public static final String IDLE_TIMEOUT_PROP_NAME = "wsmux.idle.timeout";
    /** Default idle timeout. */
    public static final long IDLE_TIMEOUT_DEFAULT_NS = TimeUnit.SECONDS.toNanos(75);

    /** Time a server-initiated close waits for the client's close frame before closing TCP. */
    public static final String CLOSE_TIMEOUT_PROP_NAME = "wsmux.close.timeout";
    /** Default close timeout. */
    public static final long CLOSE_TIMEOUT_DEFAULT_NS = TimeUnit.SECONDS.toNanos(5);

    /** Time {@link WsmuxServer#close()} waits for connections to finish their close handshakes. */
    public static final String SHUTDOWN_TIMEOUT_PROP_NAME = "wsmux.shutdown.timeout";
    /** Default shutdown timeout. */
    public static final long SHUTDOWN_TIMEOUT_DEFAULT_NS = TimeUnit.SECONDS.toNanos(5);

    /** Timer wheel tick: deadline precision (rounded up to a power of two nanoseconds). */
    public static final String TIMER_TICK_PROP_NAME = "wsmux.timer.tick";
    /** Default tick: about 16.8 ms. */
    public static final long TIMER_TICK_DEFAULT_NS = 1L << 24;

    /** TCP_NODELAY on accepted sockets. */
    public static final String TCP_NODELAY_PROP_NAME = "wsmux.tcp.nodelay";
    /** Default: Nagle off, latency first. */
    public static final boolean TCP_NODELAY_DEFAULT = true;

    /** SO_SNDBUF for accepted sockets; 0 keeps the OS default (and its auto-tuning). */
    public static final String SOCKET_SEND_BUFFER_PROP_NAME = "wsmux.socket.send.buffer";
    /** Default: OS default. */
    public static final int SOCKET_SEND_BUFFER_DEFAULT = 0;

    /** SO_RCVBUF for accepted sockets; 0 keeps the OS default (and its auto-tuning). */
    public static final String SOCKET_RECEIVE_BUFFER_PROP_NAME = "wsmux.socket.receive.buffer";
    /** Default: OS default. */
    public static final int SOCKET_RECEIVE_BUFFER_DEFAULT = 0;

    /** Print the settings to standard output when the server starts. */
    public static final String PRINT_CONFIGURATION_PROP_NAME = "wsmux.print.configuration";
    /** Default: quiet. */
    public static final boolean PRINT_CONFIGURATION_DEFAULT = false;

    /** What a send does when the connection's outbound budget is exhausted. */
    public enum OverflowPolicy
    {
        /** Close the connection with 1008 "slow consumer"; the close frame bypasses the budget. */
        CLOSE,
        /** Drop the message, count it, and report false to the sender. */
        DROP
    }

    private int ioThreads = SystemUtil.getSizeAsInt(IO_THREADS_PROP_NAME, IO_THREADS_DEFAULT);
    private IdleMode idleMode = IdleMode.valueOf(
        System.getProperty(IDLE_MODE_PROP_NAME, IDLE_MODE_DEFAULT.name()).trim().toUpperCase(Locale.ROOT));
    private String bindAddress = System.getProperty(BIND_ADDRESS_PROP_NAME, BIND_ADDRESS_DEFAULT);
    private int port = Integer.getInteger(PORT_PROP_NAME, PORT_DEFAULT);
    private boolean reusePort = booleanProperty(REUSE_PORT_PROP_NAME, REUSE_PORT_DEFAULT);
    private int acceptBacklog = SystemUtil.getSizeAsInt(ACCEPT_BACKLOG_PROP_NAME, ACCEPT_BACKLOG_DEFAULT);
    private int maxConnections = SystemUtil.getSizeAsInt(MAX_CONNECTIONS_PROP_NAME, MAX_CONNECTIONS_DEFAULT);
    private int readBufferLength = SystemUtil.getSizeAsInt(READ_BUFFER_LENGTH_PROP_NAME, READ_BUFFER_LENGTH_DEFAULT);
    private int corkBufferLength = SystemUtil.getSizeAsInt(CORK_BUFFER_LENGTH_PROP_NAME, CORK_BUFFER_LENGTH_DEFAULT);
    private int outboundChunkLength =
        SystemUtil.getSizeAsInt(OUTBOUND_CHUNK_LENGTH_PROP_NAME, OUTBOUND_CHUNK_LENGTH_DEFAULT);
    private int outboundPooledChunks =
        SystemUtil.getSizeAsInt(OUTBOUND_POOLED_CHUNKS_PROP_NAME, OUTBOUND_POOLED_CHUNKS_DEFAULT);
    private int outboundBudget = SystemUtil.getSizeAsInt(OUTBOUND_BUDGET_PROP_NAME, OUTBOUND_BUDGET_DEFAULT);
    private OverflowPolicy outboundOverflow = OverflowPolicy.valueOf(
        System.getProperty(OUTBOUND_OVERFLOW_PROP_NAME, OUTBOUND_OVERFLOW_DEFAULT.name()).trim()
            .toUpperCase(Locale.ROOT));
    private long slowConsumerGraceNs =
        SystemUtil.getDurationInNanos(SLOW_CONSUMER_GRACE_PROP_NAME, SLOW_CONSUMER_GRACE_DEFAULT_NS);
    private int muxMaxChannels = SystemUtil.getSizeAsInt(MUX_MAX_CHANNELS_PROP_NAME, MUX_MAX_CHANNELS_DEFAULT);
    private int muxMaxChannelNameLength =
        SystemUtil.getSizeAsInt(MUX_MAX_CHANNEL_NAME_LENGTH_PROP_NAME, MUX_MAX_CHANNEL_NAME_LENGTH_DEFAULT);
    private int maxPublicationLength =
        SystemUtil.getSizeAsInt(MAX_PUBLICATION_LENGTH_PROP_NAME, MAX_PUBLICATION_LENGTH_DEFAULT);
    private long topicReclaimDelayNs =
        SystemUtil.getDurationInNanos(TOPIC_RECLAIM_DELAY_PROP_NAME, TOPIC_RECLAIM_DELAY_DEFAULT_NS);
    private int topicMaxPerPrefix =
        SystemUtil.getSizeAsInt(TOPIC_MAX_PER_PREFIX_PROP_NAME, TOPIC_MAX_PER_PREFIX_DEFAULT);
    private int loopQueueCapacity = SystemUtil.getSizeAsInt(LOOP_QUEUE_CAPACITY_PROP_NAME, LOOP_QUEUE_CAPACITY_DEFAULT);
    private int commandBufferLength =
        SystemUtil.getSizeAsInt(COMMAND_BUFFER_LENGTH_PROP_NAME, COMMAND_BUFFER_LENGTH_DEFAULT);
    private int maxFrameLength = SystemUtil.getSizeAsInt(MAX_FRAME_LENGTH_PROP_NAME, MAX_FRAME_LENGTH_DEFAULT);
    private int maxMessageLength = SystemUtil.getSizeAsInt(MAX_MESSAGE_LENGTH_PROP_NAME, MAX_MESSAGE_LENGTH_DEFAULT);
    private int maxHandshakeLength =
        SystemUtil.getSizeAsInt(MAX_HANDSHAKE_LENGTH_PROP_NAME, MAX_HANDSHAKE_LENGTH_DEFAULT);
    private int maxHeaderCount = SystemUtil.getSizeAsInt(MAX_HEADER_COUNT_PROP_NAME, MAX_HEADER_COUNT_DEFAULT);
    private long handshakeTimeoutNs =
        SystemUtil.getDurationInNanos(HANDSHAKE_TIMEOUT_PROP_NAME, HANDSHAKE_TIMEOUT_DEFAULT_NS);
    private long pingIntervalNs = SystemUtil.getDurationInNanos(PING_INTERVAL_PROP_NAME, PING_INTERVAL_DEFAULT_NS);
    private long idleTimeoutNs = SystemUtil.getDurationInNanos(IDLE_TIMEOUT_PROP_NAME, IDLE_TIMEOUT_DEFAULT_NS);
    private long closeTimeoutNs = SystemUtil.getDurationInNanos(CLOSE_TIMEOUT_PROP_NAME, CLOSE_TIMEOUT_DEFAULT_NS);
    private long shutdownTimeoutNs =
        SystemUtil.getDurationInNanos(SHUTDOWN_TIMEOUT_PROP_NAME, SHUTDOWN_TIMEOUT_DEFAULT_NS);
    private long timerTickNs = SystemUtil.getDurationInNanos(TIMER_TICK_PROP_NAME, TIMER_TICK_DEFAULT_NS);
    private boolean tcpNoDelay = booleanProperty(TCP_NODELAY_PROP_NAME, TCP_NODELAY_DEFAULT);
    private int socketSendBuffer = SystemUtil.getSizeAsInt(SOCKET_SEND_BUFFER_PROP_NAME, SOCKET_SEND_BUFFER_DEFAULT);
    private int socketReceiveBuffer =
        SystemUtil.getSizeAsInt(SOCKET_RECEIVE_BUFFER_PROP_NAME, SOCKET_RECEIVE_BUFFER_DEFAULT);
    private boolean printConfiguration = booleanProperty(PRINT_CONFIGURATION_PROP_NAME, PRINT_CONFIGURATION_DEFAULT);

    private static boolean booleanProperty(final String name, final boolean defaultValue)
    {
        final String value = System.getProperty(name);
        return null == value ? defaultValue : Boolean.parseBoolean(value.trim());
    }

    /**
     * Raise the frame and message limits, and the outbound budget to twice the message limit, for a mode that needs
     * larger ones (echo mode: conformance suites send 16 MiB messages), unless the properties were set explicitly.
     *
     * @param frameLength   frame limit to use when {@link #MAX_FRAME_LENGTH_PROP_NAME} is not set.
     * @param messageLength message limit to use when {@link #MAX_MESSAGE_LENGTH_PROP_NAME} is not set.
     * @return this.
     */
    public WsmuxSettings defaultLimits(final int frameLength, final int messageLength)
    {
        if (null == System.getProperty(OUTBOUND_BUDGET_PROP_NAME))
        {
            outboundBudget = Math.max(outboundBudget, 2 * messageLength); // an echo server queues what it receives
        }
        if (null == System.getProperty(MAX_FRAME_LENGTH_PROP_NAME))
        {
            maxFrameLength = frameLength;
        }
        if (null == System.getProperty(MAX_MESSAGE_LENGTH_PROP_NAME))
        {
            maxMessageLength = messageLength;
        }
        return this;
    }

    /**
     * Check every value and derive what depends on others. Called by the server builder.
     *
     * @return this.
     * @throws IllegalArgumentException naming the property and the value when one is out of range.
     */
    public WsmuxSettings conclude()
    {
        check(ioThreads >= 1 && ioThreads <= 256, IO_THREADS_PROP_NAME + " must be in [1, 256]: ioThreads=" +
            ioThreads);
        check(port >= 0 && port <= 65535, PORT_PROP_NAME + " must be in [0, 65535]: port=" + port);
        check(maxConnections >= 1, MAX_CONNECTIONS_PROP_NAME + " must be >= 1: maxConnections=" + maxConnections);
        check(readBufferLength >= 1024, READ_BUFFER_LENGTH_PROP_NAME + " must be >= 1k: readBufferLength=" +
            readBufferLength);
        check(corkBufferLength >= 1024, CORK_BUFFER_LENGTH_PROP_NAME + " must be >= 1k: corkBufferLength=" +
            corkBufferLength);
        check(outboundChunkLength >= 256, OUTBOUND_CHUNK_LENGTH_PROP_NAME + " must be >= 256: outboundChunkLength=" +
            outboundChunkLength);
        check(outboundPooledChunks >= 0, OUTBOUND_POOLED_CHUNKS_PROP_NAME + " must be >= 0: outboundPooledChunks=" +
            outboundPooledChunks);
        check(outboundBudget >= 1024, OUTBOUND_BUDGET_PROP_NAME + " must be >= 1k: outboundBudget=" +
            outboundBudget);
        check(slowConsumerGraceNs >= 0, SLOW_CONSUMER_GRACE_PROP_NAME + " must be >= 0: slowConsumerGraceNs=" +
            slowConsumerGraceNs);
        check(muxMaxChannels >= 1, MUX_MAX_CHANNELS_PROP_NAME + " must be >= 1: muxMaxChannels=" + muxMaxChannels);
        check(muxMaxChannelNameLength >= 1 && muxMaxChannelNameLength <= 65535,
            MUX_MAX_CHANNEL_NAME_LENGTH_PROP_NAME + " must be in [1, 65535]: muxMaxChannelNameLength=" +
            muxMaxChannelNameLength);
        check(topicReclaimDelayNs >= 0, TOPIC_RECLAIM_DELAY_PROP_NAME + " must be >= 0: topicReclaimDelayNs=" +
            topicReclaimDelayNs);
        check(topicMaxPerPrefix >= 1, TOPIC_MAX_PER_PREFIX_PROP_NAME + " must be >= 1: topicMaxPerPrefix=" +
            topicMaxPerPrefix);
        check(maxPublicationLength >= 1 && maxPublicationLength <= 64 * 1024 * 1024,
            MAX_PUBLICATION_LENGTH_PROP_NAME + " must be in [1, 64m]: maxPublicationLength=" + maxPublicationLength);
        check(loopQueueCapacity >= 64, LOOP_QUEUE_CAPACITY_PROP_NAME + " must be >= 64: loopQueueCapacity=" +
            loopQueueCapacity);
        check(BitUtil.isPowerOfTwo(commandBufferLength) && commandBufferLength >= 64 * 1024,
            COMMAND_BUFFER_LENGTH_PROP_NAME + " must be a power of two >= 64k: commandBufferLength=" +
            commandBufferLength);
        check(maxFrameLength >= 125, MAX_FRAME_LENGTH_PROP_NAME + " must be >= 125: maxFrameLength=" +
            maxFrameLength);
        check(maxMessageLength >= maxFrameLength, MAX_MESSAGE_LENGTH_PROP_NAME + " must be >= " +
            MAX_FRAME_LENGTH_PROP_NAME + ": maxMessageLength=" + maxMessageLength + ", maxFrameLength=" +
            maxFrameLength);
        check(maxHandshakeLength >= 256, MAX_HANDSHAKE_LENGTH_PROP_NAME + " must be >= 256: maxHandshakeLength=" +
            maxHandshakeLength);
        check(maxHeaderCount >= 4, MAX_HEADER_COUNT_PROP_NAME + " must be >= 4: maxHeaderCount=" + maxHeaderCount);
        check(handshakeTimeoutNs > 0, HANDSHAKE_TIMEOUT_PROP_NAME + " must be > 0: handshakeTimeoutNs=" +
            handshakeTimeoutNs);
        check(pingIntervalNs >= 0, PING_INTERVAL_PROP_NAME + " must be >= 0: pingIntervalNs=" + pingIntervalNs);
        check(idleTimeoutNs >= 0, IDLE_TIMEOUT_PROP_NAME + " must be >= 0: idleTimeoutNs=" + idleTimeoutNs);
        check(0 == idleTimeoutNs || 0 == pingIntervalNs || idleTimeoutNs > pingIntervalNs,
            IDLE_TIMEOUT_PROP_NAME + " must exceed " + PING_INTERVAL_PROP_NAME + ": idleTimeoutNs=" + idleTimeoutNs +
            ", pingIntervalNs=" + pingIntervalNs);
        check(closeTimeoutNs > 0, CLOSE_TIMEOUT_PROP_NAME + " must be > 0: closeTimeoutNs=" + closeTimeoutNs);
        check(shutdownTimeoutNs >= 0, SHUTDOWN_TIMEOUT_PROP_NAME + " must be >= 0: shutdownTimeoutNs=" +
            shutdownTimeoutNs);
        check(timerTickNs >= 1000 && timerTickNs <= TimeUnit.SECONDS.toNanos(1),
            TIMER_TICK_PROP_NAME + " must be in [1us, 1s]: timerTickNs=" + timerTickNs);
        timerTickNs = BitUtil.findNextPositivePowerOfTwo(timerTickNs);
        check(socketSendBuffer >= 0, SOCKET_SEND_BUFFER_PROP_NAME + " must be >= 0: socketSendBuffer=" +
            socketSendBuffer);
        check(socketReceiveBuffer >= 0, SOCKET_RECEIVE_BUFFER_PROP_NAME + " must be >= 0: socketReceiveBuffer=" +
            socketReceiveBuffer);
        return this;
    }

    private static void check(final boolean condition, final String message)
    {
        if (!condition)
        {
            throw new IllegalArgumentException(message);
        }
    }

    // ---- accessors and fluent setters, in the order of the properties above ----

    /** @return I/O threads. */
    public int ioThreads()
    {
        return ioThreads;
    }

    /** @param ioThreads I/O threads. @return this. */
    public WsmuxSettings ioThreads(final int ioThreads)
    {
        this.ioThreads = ioThreads;
        return this;
    }

    /** @return idle mode. */
    public IdleMode idleMode()
    {
        return idleMode;
    }

    /** @param idleMode idle mode. @return this. */
    public WsmuxSettings idleMode(final IdleMode idleMode)
    {
        this.idleMode = idleMode;
        return this;
    }

    /** @return bind address. */
    public String bindAddress()
    {
        return bindAddress;
    }

    /** @param bindAddress bind address. @return this. */
    public WsmuxSettings bindAddress(final String bindAddress)
    {
        this.bindAddress = bindAddress;
        return this;
    }

    /** @return port. */
    public int port()
    {
        return port;
    }

    /** @param port port, 0 for any free one. @return this. */
    public WsmuxSettings port(final int port)
    {
        this.port = port;
        return this;
    }

    /** @return whether to use SO_REUSEPORT. */
    public boolean reusePort()
    {
        return reusePort;
    }

    /** @param reusePort whether to use SO_REUSEPORT. @return this. */
    public WsmuxSettings reusePort(final boolean reusePort)
    {
        this.reusePort = reusePort;
        return this;
    }

    /** @return listen backlog. */
    public int acceptBacklog()
    {
        return acceptBacklog;
    }

    /** @param acceptBacklog listen backlog. @return this. */
    public WsmuxSettings acceptBacklog(final int acceptBacklog)
    {
        this.acceptBacklog = acceptBacklog;
        return this;
    }

    /** @return connection limit. */
    public int maxConnections()
    {
        return maxConnections;
    }

    /** @param maxConnections connection limit. @return this. */
    public WsmuxSettings maxConnections(final int maxConnections)
    {
        this.maxConnections = maxConnections;
        return this;
    }

    /** @return read buffer bytes. */
    public int readBufferLength()
    {
        return readBufferLength;
    }

    /** @param readBufferLength read buffer bytes. @return this. */
    public WsmuxSettings readBufferLength(final int readBufferLength)
    {
        this.readBufferLength = readBufferLength;
        return this;
    }

    /** @return cork buffer bytes. */
    public int corkBufferLength()
    {
        return corkBufferLength;
    }

    /** @param corkBufferLength cork buffer bytes. @return this. */
    public WsmuxSettings corkBufferLength(final int corkBufferLength)
    {
        this.corkBufferLength = corkBufferLength;
        return this;
    }

    /** @return outbound chunk bytes. */
    public int outboundChunkLength()
    {
        return outboundChunkLength;
    }

    /** @param outboundChunkLength outbound chunk bytes. @return this. */
    public WsmuxSettings outboundChunkLength(final int outboundChunkLength)
    {
        this.outboundChunkLength = outboundChunkLength;
        return this;
    }

    /** @return pooled outbound chunks per loop. */
    public int outboundPooledChunks()
    {
        return outboundPooledChunks;
    }

    /** @param outboundPooledChunks pooled outbound chunks per loop. @return this. */
    public WsmuxSettings outboundPooledChunks(final int outboundPooledChunks)
    {
        this.outboundPooledChunks = outboundPooledChunks;
        return this;
    }

    /** @return outbound budget bytes per connection. */
    public int outboundBudget()
    {
        return outboundBudget;
    }

    /** @param outboundBudget outbound budget bytes per connection. @return this. */
    public WsmuxSettings outboundBudget(final int outboundBudget)
    {
        this.outboundBudget = outboundBudget;
        return this;
    }

    /** @return overflow policy. */
    public OverflowPolicy outboundOverflow()
    {
        return outboundOverflow;
    }

    /** @param outboundOverflow overflow policy. @return this. */
    public WsmuxSettings outboundOverflow(final OverflowPolicy outboundOverflow)
    {
        this.outboundOverflow = outboundOverflow;
        return this;
    }

    /** @return slow-consumer grace. */
    public long slowConsumerGraceNs()
    {
        return slowConsumerGraceNs;
    }

    /** @param slowConsumerGraceNs slow-consumer grace, 0 to close at once. @return this. */
    public WsmuxSettings slowConsumerGraceNs(final long slowConsumerGraceNs)
    {
        this.slowConsumerGraceNs = slowConsumerGraceNs;
        return this;
    }

    /** @return channels per multiplexed WebSocket. */
    public int muxMaxChannels()
    {
        return muxMaxChannels;
    }

    /** @param muxMaxChannels channels per multiplexed WebSocket. @return this. */
    public WsmuxSettings muxMaxChannels(final int muxMaxChannels)
    {
        this.muxMaxChannels = muxMaxChannels;
        return this;
    }

    /** @return longest channel name in bytes. */
    public int muxMaxChannelNameLength()
    {
        return muxMaxChannelNameLength;
    }

    /** @param muxMaxChannelNameLength longest channel name in bytes. @return this. */
    public WsmuxSettings muxMaxChannelNameLength(final int muxMaxChannelNameLength)
    {
        this.muxMaxChannelNameLength = muxMaxChannelNameLength;
        return this;
    }

    /** @return largest publication. */
    public int maxPublicationLength()
    {
        return maxPublicationLength;
    }

    /** @return topic reclaim delay, 0 for never. */
    public long topicReclaimDelayNs()
    {
        return topicReclaimDelayNs;
    }

    /** @param topicReclaimDelayNs topic reclaim delay, 0 for never. @return this. */
    public WsmuxSettings topicReclaimDelayNs(final long topicReclaimDelayNs)
    {
        this.topicReclaimDelayNs = topicReclaimDelayNs;
        return this;
    }

    /** @return topics per topic prefix. */
    public int topicMaxPerPrefix()
    {
        return topicMaxPerPrefix;
    }

    /** @param topicMaxPerPrefix topics per topic prefix. @return this. */
    public WsmuxSettings topicMaxPerPrefix(final int topicMaxPerPrefix)
    {
        this.topicMaxPerPrefix = topicMaxPerPrefix;
        return this;
    }

    /** @param maxPublicationLength largest publication. @return this. */
    public WsmuxSettings maxPublicationLength(final int maxPublicationLength)
    {
        this.maxPublicationLength = maxPublicationLength;
        return this;
    }

    /** @return task queue capacity per loop. */
    public int loopQueueCapacity()
    {
        return loopQueueCapacity;
    }

    /** @param loopQueueCapacity task queue capacity per loop. @return this. */
    public WsmuxSettings loopQueueCapacity(final int loopQueueCapacity)
    {
        this.loopQueueCapacity = loopQueueCapacity;
        return this;
    }

    /** @return command ring bytes. */
    public int commandBufferLength()
    {
        return commandBufferLength;
    }

    /** @param commandBufferLength command ring bytes (power of two). @return this. */
    public WsmuxSettings commandBufferLength(final int commandBufferLength)
    {
        this.commandBufferLength = commandBufferLength;
        return this;
    }

    /** @return frame limit. */
    public int maxFrameLength()
    {
        return maxFrameLength;
    }

    /** @param maxFrameLength frame limit. @return this. */
    public WsmuxSettings maxFrameLength(final int maxFrameLength)
    {
        this.maxFrameLength = maxFrameLength;
        return this;
    }

    /** @return message limit. */
    public int maxMessageLength()
    {
        return maxMessageLength;
    }

    /** @param maxMessageLength message limit. @return this. */
    public WsmuxSettings maxMessageLength(final int maxMessageLength)
    {
        this.maxMessageLength = maxMessageLength;
        return this;
    }

    /** @return upgrade head limit. */
    public int maxHandshakeLength()
    {
        return maxHandshakeLength;
    }

    /** @param maxHandshakeLength upgrade head limit. @return this. */
    public WsmuxSettings maxHandshakeLength(final int maxHandshakeLength)
    {
        this.maxHandshakeLength = maxHandshakeLength;
        return this;
    }

    /** @return header line limit. */
    public int maxHeaderCount()
    {
        return maxHeaderCount;
    }

    /** @param maxHeaderCount header line limit. @return this. */
    public WsmuxSettings maxHeaderCount(final int maxHeaderCount)
    {
        this.maxHeaderCount = maxHeaderCount;
        return this;
    }

    /** @return handshake timeout. */
    public long handshakeTimeoutNs()
    {
        return handshakeTimeoutNs;
    }

    /** @param handshakeTimeoutNs handshake timeout. @return this. */
    public WsmuxSettings handshakeTimeoutNs(final long handshakeTimeoutNs)
    {
        this.handshakeTimeoutNs = handshakeTimeoutNs;
        return this;
    }

    /** @return ping interval, 0 if disabled. */
    public long pingIntervalNs()
    {
        return pingIntervalNs;
    }

    /** @param pingIntervalNs ping interval, 0 to disable. @return this. */
    public WsmuxSettings pingIntervalNs(final long pingIntervalNs)
    {
        this.pingIntervalNs = pingIntervalNs;
        return this;
    }

    /** @return idle timeout, 0 if disabled. */
    public long idleTimeoutNs()
    {
        return idleTimeoutNs;
    }

    /** @param idleTimeoutNs idle timeout, 0 to disable. @return this. */
    public WsmuxSettings idleTimeoutNs(final long idleTimeoutNs)
    {
        this.idleTimeoutNs = idleTimeoutNs;
        return this;
    }

    /** @return close handshake timeout. */
    public long closeTimeoutNs()
    {
        return closeTimeoutNs;
    }

    /** @param closeTimeoutNs close handshake timeout. @return this. */
    public WsmuxSettings closeTimeoutNs(final long closeTimeoutNs)
    {
        this.closeTimeoutNs = closeTimeoutNs;
        return this;
    }

    /** @return shutdown timeout. */
    public long shutdownTimeoutNs()
    {
        return shutdownTimeoutNs;
    }

    /** @param shutdownTimeoutNs shutdown timeout. @return this. */
    public WsmuxSettings shutdownTimeoutNs(final long shutdownTimeoutNs)
    {
        this.shutdownTimeoutNs = shutdownTimeoutNs;
        return this;
    }

    /** @return timer tick. */
    public long timerTickNs()
    {
        return timerTickNs;
    }

    /** @param timerTickNs timer tick (rounded up to a power of two). @return this. */
    public WsmuxSettings timerTickNs(final long timerTickNs)
    {
        this.timerTickNs = timerTickNs;
        return this;
    }

    /** @return TCP_NODELAY. */
    public boolean tcpNoDelay()
    {
        return tcpNoDelay;
    }

    /** @param tcpNoDelay TCP_NODELAY. @return this. */
    public WsmuxSettings tcpNoDelay(final boolean tcpNoDelay)
    {
        this.tcpNoDelay = tcpNoDelay;
        return this;
    }

    /** @return SO_SNDBUF, 0 for the OS default. */
    public int socketSendBuffer()
    {
        return socketSendBuffer;
    }

    /** @param socketSendBuffer SO_SNDBUF, 0 for the OS default. @return this. */
    public WsmuxSettings socketSendBuffer(final int socketSendBuffer)
    {
        this.socketSendBuffer = socketSendBuffer;
        return this;
    }

    /** @return SO_RCVBUF, 0 for the OS default. */
    public int socketReceiveBuffer()
    {
        return socketReceiveBuffer;
    }

    /** @param socketReceiveBuffer SO_RCVBUF, 0 for the OS default. @return this. */
    public WsmuxSettings socketReceiveBuffer(final int socketReceiveBuffer)
    {
        this.socketReceiveBuffer = socketReceiveBuffer;
        return this;
    }

    /** @return whether to print the settings at start. */
    public boolean printConfiguration()
    {
        return printConfiguration;
    }

    /** @param printConfiguration whether to print the settings at start. @return this. */
    public WsmuxSettings printConfiguration(final boolean printConfiguration)
    {
        this.printConfiguration = printConfiguration;
        return this;
    }

    @Override
    public String toString()
    {
        return "WsmuxSettings{" +
            IO_THREADS_PROP_NAME + "=" + ioThreads +
            ", " + IDLE_MODE_PROP_NAME + "=" + idleMode +
            ", " + BIND_ADDRESS_PROP_NAME + "=" + bindAddress +
            ", " + PORT_PROP_NAME + "=" + port +
            ", " + REUSE_PORT_PROP_NAME + "=" + reusePort +
            ", " + ACCEPT_BACKLOG_PROP_NAME + "=" + acceptBacklog +
            ", " + MAX_CONNECTIONS_PROP_NAME + "=" + maxConnections +
            ", " + READ_BUFFER_LENGTH_PROP_NAME + "=" + readBufferLength +
            ", " + CORK_BUFFER_LENGTH_PROP_NAME + "=" + corkBufferLength +
            ", " + OUTBOUND_CHUNK_LENGTH_PROP_NAME + "=" + outboundChunkLength +
            ", " + OUTBOUND_POOLED_CHUNKS_PROP_NAME + "=" + outboundPooledChunks +
            ", " + OUTBOUND_BUDGET_PROP_NAME + "=" + outboundBudget +
            ", " + OUTBOUND_OVERFLOW_PROP_NAME + "=" + outboundOverflow +
            ", " + SLOW_CONSUMER_GRACE_PROP_NAME + "=" + slowConsumerGraceNs + "ns" +
            ", " + MUX_MAX_CHANNELS_PROP_NAME + "=" + muxMaxChannels +
            ", " + MUX_MAX_CHANNEL_NAME_LENGTH_PROP_NAME + "=" + muxMaxChannelNameLength +
            ", " + TOPIC_RECLAIM_DELAY_PROP_NAME + "=" + topicReclaimDelayNs + "ns" +
            ", " + TOPIC_MAX_PER_PREFIX_PROP_NAME + "=" + topicMaxPerPrefix +
            ", " + MAX_PUBLICATION_LENGTH_PROP_NAME + "=" + maxPublicationLength +
            ", " + LOOP_QUEUE_CAPACITY_PROP_NAME + "=" + loopQueueCapacity +
            ", " + COMMAND_BUFFER_LENGTH_PROP_NAME + "=" + commandBufferLength +
            ", " + MAX_FRAME_LENGTH_PROP_NAME + "=" + maxFrameLength +
            ", " + MAX_MESSAGE_LENGTH_PROP_NAME + "=" + maxMessageLength +
            ", " + MAX_HANDSHAKE_LENGTH_PROP_NAME + "=" + maxHandshakeLength +
            ", " + MAX_HEADER_COUNT_PROP_NAME + "=" + maxHeaderCount +
            ", " + HANDSHAKE_TIMEOUT_PROP_NAME + "=" + handshakeTimeoutNs + "ns" +
            ", " + PING_INTERVAL_PROP_NAME + "=" + pingIntervalNs + "ns" +
            ", " + IDLE_TIMEOUT_PROP_NAME + "=" + idleTimeoutNs + "ns" +
            ", " + CLOSE_TIMEOUT_PROP_NAME + "=" + closeTimeoutNs + "ns" +
            ", " + SHUTDOWN_TIMEOUT_PROP_NAME + "=" + shutdownTimeoutNs + "ns" +
            ", " + TIMER_TICK_PROP_NAME + "=" + timerTickNs + "ns" +
            ", " + TCP_NODELAY_PROP_NAME + "=" + tcpNoDelay +
            ", " + SOCKET_SEND_BUFFER_PROP_NAME + "=" + socketSendBuffer +
            ", " + SOCKET_RECEIVE_BUFFER_PROP_NAME + "=" + socketReceiveBuffer +
            ", " + PRINT_CONFIGURATION_PROP_NAME + "=" + printConfiguration +
            "}";
    }
}
