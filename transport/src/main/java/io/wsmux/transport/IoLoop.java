package io.wsmux.transport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import org.agrona.CloseHelper;
import org.agrona.DeadlineTimerWheel;
import org.agrona.DirectBuffer;
import org.agrona.ErrorHandler;
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.agrona.concurrent.status.AtomicCounter;
import org.jctools.queues.MessagePassingQueue;
import org.jctools.queues.MpscArrayQueue;

import io.wsmux.transport.tls.TlsBuffers;
import io.wsmux.transport.tls.TlsEngineFactory;
import io.wsmux.transport.tls.TlsSession;

/**
 * One I/O thread's duty cycle: a {@link Selector}, the listening socket it accepts on, the connections it accepted
 * (for life), their outbound queues, one timer wheel for their deadlines, and two inbound queues from other
 * threads: a many-to-one ring buffer of byte commands (sends, closes: no allocation) and a bounded MPSC queue of
 * objects (sockets handed over by another loop's acceptor, tasks).
 * <p>
 * Each cycle reads the clock once, drains the queues with a limit, polls the sockets, polls the timer wheel, and
 * returns the work done. In {@link IdleMode#BLOCKING} the select itself is the idle: the loop blocks only when the
 * cycle found nothing else to do, for at most the time to the next timer tick, after setting {@code parked} and
 * re-checking its queues; a producer that offers and then wins the CAS on {@code parked} wakes the selector, so a
 * burst of commands costs one wake-up.
 * <p>
 * Writes go through its {@link OutboundWriter}: replies to the connection being read are gathered in one loop-wide
 * cork buffer and flushed with one system call after the read is handled (uWebSockets' cork), so a client
 * pipelining a hundred requests gets a hundred replies in one {@code write}.
 * <p>
 * <b>Not thread safe</b> except {@link #offerCommand}, {@link #offerSocket}, {@link #execute} and
 * {@link #wakeup}, which any thread may call. Allocates nothing per event on its own paths.
 */
public final class IoLoop implements Agent
{
    private static final int COMMAND_DRAIN_LIMIT = 256;
    private static final int TASK_DRAIN_LIMIT = 256;
    private static final int TIMER_EXPIRY_LIMIT = 1024;
    private static final int ACCEPT_LIMIT = 64;
    private static final long ACCEPT_PAUSE_NS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final int COMMAND_HEADER_LENGTH = Long.BYTES + Integer.BYTES;
    /** Spill buffers (17 KiB each) a loop keeps for its TLS connections' partial records: 4.25 MiB at most. */
    private static final int MAX_POOLED_TLS_SPILLS = 256;

    private final int index;
    private final IoLoopConfig config;
    private final ConnectionFactory factory;
    private final ConnectionLimiter limiter;
    private final NanoClock clock;
    private final ErrorHandler errorHandler;
    private final Selector selector;
    private final DeadlineTimerWheel timerWheel;
    private final Long2ObjectHashMap<TcpConnection> connections = new Long2ObjectHashMap<>();
    private final Long2ObjectHashMap<TcpConnection> connectionByTimerId = new Long2ObjectHashMap<>();
    /** Outgoing connections still in their TCP handshake, by the timer of their connect timeout. */
    private final Long2ObjectHashMap<PendingConnect> connectByTimerId = new Long2ObjectHashMap<>();
    /** Loop duties due at a time (the topic reclaimer's sweep), by their timer. */
    private final Long2ObjectHashMap<LoopTask> taskByTimerId = new Long2ObjectHashMap<>();
    private final ManyToOneRingBuffer commands;
    private final MpscArrayQueue<Object> tasks;
    private final AtomicBoolean parked = new AtomicBoolean();
    private final OutboundWriter writer;
    private final ByteBuffer readByteBuffer;
    private final UnsafeBuffer readBuffer;
    private final Consumer<SelectionKey> onKeyReady = this::onKeyReady;
    private final MessageHandler onCommand = this::onCommand;
    private final MessagePassingQueue.Consumer<Object> onTask = this::onTask;
    /** Never committed: tells whether JFR records duty-cycle stalls. */
    private static final DutyCycleStallEvent STALL_EVENT_PROBE = new DutyCycleStallEvent();

    private final DeadlineTimerWheel.TimerHandler onTimerExpiry = this::onTimerExpiry;
    private final IoLoop[] acceptTargets;

    /** The sockets this loop accepts on: the plain port, a TLS port. */
    private Listener[] listeners = new Listener[0];
    /** Working buffers of this loop's TLS connections: made with the first one. */
    private TlsBuffers tlsBuffers;
    private int nextAcceptTarget;
    private long acceptPausedUntilNs;
    private long connectionSequence;
    private long nowNs;
    private Thread thread;
    private volatile boolean accepting = true;
    private volatile boolean closing;
    private boolean clockStale;
    /** When this cycle's work began: its start, or the first event after a blocking select. */
    private long workStartNs;

    private final TransportCounters counters;
    private final AtomicCounter commandQueueOverflows;
    private final AtomicCounter taskQueueOverflows;
    private long bytesRead;
    private long readPauses;
    private long acceptedConnections;
    private long refusedConnections;
    private long acceptErrors;
    private long dutyCycleMaxNs;
    private long dutyCyclesOverThreshold;
    private long commandQueueMaxBytes;
    private long taskQueueMax;
    /** Frames written by this loop's connections ({@link TcpConnection#writeFrame}, its control frames). */
    long framesOut;
    private long socketReads;

    /**
     * @param index         this loop's number, 0 to loops - 1: also the low bits of its connection ids.
     * @param config        sizes and options.
     * @param factory       creates the protocol's connection objects.
     * @param limiter       shared connection limit.
     * @param clock         time source (a hand-driven clock in tests).
     * @param errorHandler  told about callback failures and unexpected I/O errors.
     * @param acceptTargets when this loop is the only acceptor (no SO_REUSEPORT), the loops it hands accepted
     *                      sockets to round-robin (itself included); null or empty to keep every socket.
     */
    public IoLoop(
        final int index,
        final IoLoopConfig config,
        final ConnectionFactory factory,
        final ConnectionLimiter limiter,
        final NanoClock clock,
        final ErrorHandler errorHandler,
        final IoLoop[] acceptTargets)
    {
        this(index, config, factory, limiter, clock, errorHandler, acceptTargets, TransportCounters.unattached());
    }

    /**
     * @param index         this loop's number, 0 to loops - 1: also the low bits of its connection ids.
     * @param config        sizes and options.
     * @param factory       creates the protocol's connection objects.
     * @param limiter       shared connection limit.
     * @param clock         time source (a hand-driven clock in tests).
     * @param errorHandler  told about callback failures and unexpected I/O errors.
     * @param acceptTargets when this loop is the only acceptor (no SO_REUSEPORT), the loops it hands accepted
     *                      sockets to round-robin (itself included); null or empty to keep every socket.
     * @param counters      where this loop publishes its counters once per duty cycle.
     */
    public IoLoop(
        final int index,
        final IoLoopConfig config,
        final ConnectionFactory factory,
        final ConnectionLimiter limiter,
        final NanoClock clock,
        final ErrorHandler errorHandler,
        final IoLoop[] acceptTargets,
        final TransportCounters counters)
    {
        if (index < 0 || index > 255)
        {
            throw new IllegalArgumentException("loop index must be 0..255: index=" + index);
        }
        this.index = index;
        this.config = config;
        this.factory = factory;
        this.limiter = limiter;
        this.clock = clock;
        this.errorHandler = errorHandler;
        this.acceptTargets = acceptTargets;
        this.counters = counters;
        this.commandQueueOverflows = counters.counter(TransportCounters.COMMAND_QUEUE_OVERFLOWS);
        this.taskQueueOverflows = counters.counter(TransportCounters.TASK_QUEUE_OVERFLOWS);
        try
        {
            this.selector = Selector.open();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        this.nowNs = clock.nanoTime();
        this.timerWheel = new DeadlineTimerWheel(
            TimeUnit.NANOSECONDS, nowNs, config.tickResolutionNs(), config.ticksPerWheel());
        this.commands = new ManyToOneRingBuffer(new UnsafeBuffer(ByteBuffer.allocateDirect(
            config.commandBufferLength() + RingBufferDescriptor.TRAILER_LENGTH)));
        this.tasks = new MpscArrayQueue<>(config.taskQueueCapacity());
        this.writer = new OutboundWriter(
            this, config.corkBufferLength(), config.chunkLength(), config.maxPooledChunks());
        this.readByteBuffer = ByteBuffer.allocateDirect(config.readBufferLength());
        this.readBuffer = new UnsafeBuffer(readByteBuffer);
    }

    /**
     * Open this loop's listening socket. Call before the loop runs.
     *
     * @param address   where to listen; port 0 picks a free port.
     * @param reusePort set SO_REUSEPORT so that every loop can listen on the same port and the kernel spreads
     *                  connections across them.
     * @return the bound address.
     * @throws IOException if the socket cannot be bound (port taken, say).
     */
    public InetSocketAddress listen(final InetSocketAddress address, final boolean reusePort) throws IOException
    {
        return listen(address, reusePort, null);
    }

    /**
     * Open a listening socket of this loop, plaintext or TLS. Call before the loop runs; a loop may listen on several.
     *
     * @param address   where to listen; port 0 picks a free port.
     * @param reusePort set SO_REUSEPORT so that every loop can listen on the same port and the kernel spreads
     *                  connections across them.
     * @param tls       makes the TLS engine of each connection accepted, or null for plaintext.
     * @return the bound address.
     * @throws IOException if the socket cannot be bound (port taken, say).
     */
    public InetSocketAddress listen(
        final InetSocketAddress address, final boolean reusePort, final TlsEngineFactory tls) throws IOException
    {
        if (null != tls && tls.isClientMode())
        {
            throw new IllegalArgumentException("a listening socket needs a server-side TLS engine factory");
        }
        final ServerSocketChannel channel = ServerSocketChannel.open();
        try
        {
            channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            if (reusePort)
            {
                channel.setOption(StandardSocketOptions.SO_REUSEPORT, true);
            }
            channel.bind(address, config.acceptBacklog());
            channel.configureBlocking(false);
            final Listener listener = new Listener(channel, tls);
            listener.key = channel.register(selector, SelectionKey.OP_ACCEPT, listener);
            listeners = java.util.Arrays.copyOf(listeners, listeners.length + 1);
            listeners[listeners.length - 1] = listener;
            return (InetSocketAddress)channel.getLocalAddress();
        }
        catch (final IOException ex)
        {
            CloseHelper.quietClose(channel);
            throw ex;
        }
    }

    /**
     * Whether SO_REUSEPORT can be set on this platform's server sockets.
     *
     * @return true on Linux and the BSDs.
     */
    public static boolean isReusePortSupported()
    {
        try (ServerSocketChannel channel = ServerSocketChannel.open())
        {
            return channel.supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT);
        }
        catch (final IOException ex)
        {
            return false;
        }
    }

    @Override
    public String roleName()
    {
        return "wsmux-io-" + index;
    }

    @Override
    public void onStart()
    {
        thread = Thread.currentThread();
    }

    @Override
    public int doWork()
    {
        nowNs = clock.nanoTime();
        workStartNs = nowNs;

        // High-water marks of the queues other threads fill: a few volatile reads a cycle.
        final int commandBytes = commands.size();
        if (commandBytes > commandQueueMaxBytes)
        {
            commandQueueMaxBytes = commandBytes;
        }
        final int taskCount = tasks.size();
        if (taskCount > taskQueueMax)
        {
            taskQueueMax = taskCount;
        }

        writer.beginBatch();
        int workCount;
        try
        {
            workCount = commands.read(onCommand, COMMAND_DRAIN_LIMIT);
            workCount += tasks.drain(onTask, TASK_DRAIN_LIMIT);
        }
        finally
        {
            writer.endBatch();
        }
        workCount += pollSockets(workCount);
        workCount += pollTimers();
        if (0 != acceptPausedUntilNs && nowNs - acceptPausedUntilNs >= 0)
        {
            resumeAccepting();
        }

        if (workCount > 0)
        {
            endDutyCycle();
        }
        return workCount;
    }

    /**
     * A cycle that did work: time it (from its start, or from the first event after its blocking select: the time
     * blocked is idle, not work) and publish the counters, so that readers see values at most one cycle old. An
     * idle cycle changes nothing to publish.
     */
    private void endDutyCycle()
    {
        final long cycleNs = clock.nanoTime() - workStartNs;
        if (cycleNs > dutyCycleMaxNs)
        {
            dutyCycleMaxNs = cycleNs;
        }
        if (cycleNs > counters.dutyCycleThresholdNs())
        {
            dutyCyclesOverThreshold++;
            if (STALL_EVENT_PROBE.isEnabled()) // no event object unless JFR records it: a long cycle allocates nothing
            {
                final DutyCycleStallEvent event = new DutyCycleStallEvent();
                if (event.shouldCommit())
                {
                    event.loop = index;
                    event.cycleNs = cycleNs;
                    event.thresholdNs = counters.dutyCycleThresholdNs();
                    event.connections = connections.size();
                    event.commit();
                }
            }
        }
        publishCounters();
        factory.onDutyCycleEnd(this);
    }

    private void publishCounters()
    {
        final TransportCounters counters = this.counters;
        TransportCounters.publish(counters.counter(TransportCounters.CONNECTIONS_OPEN), connections.size());
        TransportCounters.publish(counters.counter(TransportCounters.CONNECTIONS_ACCEPTED), acceptedConnections);
        TransportCounters.publish(counters.counter(TransportCounters.CONNECTIONS_REFUSED), refusedConnections);
        TransportCounters.publish(counters.counter(TransportCounters.ACCEPT_ERRORS), acceptErrors);
        TransportCounters.publish(counters.counter(TransportCounters.BYTES_IN), bytesRead);
        TransportCounters.publish(counters.counter(TransportCounters.BYTES_OUT), writer.bytesWritten());
        TransportCounters.publish(counters.counter(TransportCounters.QUEUED_BYTES), writer.queuedBytes());
        TransportCounters.publish(counters.counter(TransportCounters.QUEUED_BYTES_MAX), writer.queuedBytesMax());
        TransportCounters.publish(counters.counter(TransportCounters.SOCKET_FULL_WRITES), writer.socketFullWrites());
        TransportCounters.publish(counters.counter(TransportCounters.READ_PAUSES), readPauses);
        TransportCounters.publish(counters.counter(TransportCounters.CHUNKS_ALLOCATED), writer.chunksAllocated());
        TransportCounters.publish(counters.counter(TransportCounters.DUTY_CYCLE_MAX_NS), dutyCycleMaxNs);
        TransportCounters.publish(
            counters.counter(TransportCounters.DUTY_CYCLES_OVER_THRESHOLD), dutyCyclesOverThreshold);
        TransportCounters.publish(counters.counter(TransportCounters.COMMAND_QUEUE_MAX_BYTES), commandQueueMaxBytes);
        TransportCounters.publish(counters.counter(TransportCounters.TASK_QUEUE_MAX), taskQueueMax);
        TransportCounters.publish(counters.counter(TransportCounters.FRAMES_OUT), framesOut);
        TransportCounters.publish(counters.counter(TransportCounters.SOCKET_WRITES), writer.socketWrites());
        TransportCounters.publish(counters.counter(TransportCounters.SOCKET_READS), socketReads);
        final TlsBuffers tls = tlsBuffers;
        if (null != tls)
        {
            TransportCounters.publish(counters.counter(TransportCounters.TLS_HANDSHAKES), tls.handshakes());
            TransportCounters.publish(
                counters.counter(TransportCounters.TLS_HANDSHAKE_FAILURES), tls.handshakeFailures());
            TransportCounters.publish(
                counters.counter(TransportCounters.TLS_PLAINTEXT_REFUSED), tls.plaintextRefused());
            TransportCounters.publish(counters.counter(TransportCounters.TLS_BAD_RECORDS), tls.badRecords());
            TransportCounters.publish(counters.counter(TransportCounters.TLS_TRUNCATED), tls.truncated());
            TransportCounters.publish(
                counters.counter(TransportCounters.TLS_RENEGOTIATIONS_REFUSED), tls.renegotiationsRefused());
            TransportCounters.publish(counters.counter(TransportCounters.TLS_TASKS_OFF_LOOP), tls.tasksOffLoop());
            TransportCounters.publish(counters.counter(TransportCounters.TLS_HANDSHAKING), tls.handshaking());
            TransportCounters.publish(counters.counter(TransportCounters.TLS_BYTES_OUT), tls.bytesOut());
            TransportCounters.publish(
                counters.counter(TransportCounters.TLS_SPILLS_ALLOCATED), tls.spillsAllocated());
        }
    }

    /**
     * @return this loop's TLS buffers and counters, or null before its first TLS connection. Loop thread only.
     */
    public TlsBuffers tlsBuffersOrNull()
    {
        return tlsBuffers;
    }

    @Override
    public void onClose()
    {
        final List<TcpConnection> open = new ArrayList<>(connections.values());
        for (final TcpConnection connection : open)
        {
            close(connection, null);
        }
        closeListener();
        for (final SelectionKey key : selector.isOpen() ? selector.keys() : Set.<SelectionKey>of())
        {
            if (key.attachment() instanceof PendingConnect)
            {
                failConnect((PendingConnect)key.attachment(),
                    new IOException("loop closed before the connection was made"));
            }
        }
        Object task;
        while (null != (task = tasks.poll()))
        {
            if (task instanceof SocketChannel)
            {
                CloseHelper.quietClose((SocketChannel)task);
            }
        }
        CloseHelper.quietClose(selector);
        publishCounters(); // the connections closed above
        factory.onDutyCycleEnd(this);
    }

    /**
     * Send a command to a connection of this loop from any thread, without allocating: the bytes are copied into
     * the loop's ring buffer and handed to {@link TcpConnection#onCommand} on the loop's thread. A command for a
     * connection that has closed in the meantime is dropped.
     *
     * @param type         command type, at least 1.
     * @param connectionId target connection.
     * @param arg          an int argument.
     * @param buffer       command bytes.
     * @param offset       of the bytes.
     * @param length       of the bytes.
     * @return false when the ring buffer is full or the command longer than it can hold (back-pressure).
     */
    public boolean offerCommand(
        final int type,
        final long connectionId,
        final int arg,
        final DirectBuffer buffer,
        final int offset,
        final int length)
    {
        if (length + COMMAND_HEADER_LENGTH > commands.maxMsgLength())
        {
            return false;
        }
        final int claimIndex = commands.tryClaim(type, COMMAND_HEADER_LENGTH + length);
        if (claimIndex <= 0)
        {
            commandQueueOverflows.increment(); // any thread: atomic, and rare
            return false;
        }
        final MutableDirectBuffer ring = commands.buffer();
        ring.putLong(claimIndex, connectionId);
        ring.putInt(claimIndex + Long.BYTES, arg);
        if (length > 0)
        {
            ring.putBytes(claimIndex + COMMAND_HEADER_LENGTH, buffer, offset, length);
        }
        commands.commit(claimIndex);
        wakeup();
        return true;
    }

    /**
     * @return the largest command payload {@link #offerCommand} accepts.
     */
    public int maxCommandLength()
    {
        return commands.maxMsgLength() - COMMAND_HEADER_LENGTH;
    }

    /**
     * Hand an accepted socket to this loop (from the acceptor loop).
     *
     * @param channel non-blocking accepted socket, its connection slot already acquired from the limiter.
     * @return false if the task queue is full.
     */
    public boolean offerSocket(final SocketChannel channel)
    {
        return offerAccepted(channel, null);
    }

    private boolean offerAccepted(final SocketChannel channel, final TlsEngineFactory tls)
    {
        if (tasks.offer(null == tls ? channel : new TlsSocket(channel, tls)))
        {
            wakeup();
            return true;
        }
        taskQueueOverflows.increment(); // any thread: atomic, and rare
        return false;
    }

    /**
     * Open an outgoing connection from this loop (clients, load generators). Any thread. The factory's
     * {@link ConnectionFactory#newClientConnection} creates the connection when the TCP handshake completes, or
     * {@link ConnectionFactory#onConnectFailed} is told why it did not.
     *
     * @param remote    where to connect.
     * @param local     source address to bind (spreads clients over 127.0.0.x), or null for any.
     * @param context   handed back to the factory.
     * @param timeoutNs how long the TCP handshake may take (the kernel would retry a SYN nobody answers for about
     *                  two minutes); then the factory is told it failed with a {@link java.net.ConnectException}.
     * @return false if the task queue is full.
     */
    public boolean connect(
        final InetSocketAddress remote, final InetSocketAddress local, final Object context, final long timeoutNs)
    {
        return connect(remote, local, context, timeoutNs, null);
    }

    /**
     * Open an outgoing connection from this loop, plaintext or TLS (wss://). Any thread.
     *
     * @param remote    where to connect: its host string is the TLS server name and the name the certificate must
     *                  carry, so make it with the host name (an unresolved or a resolved one, not a bare address).
     * @param local     source address to bind, or null for any.
     * @param context   handed back to the factory.
     * @param timeoutNs how long the TCP handshake may take.
     * @param tls       client-side TLS engine factory, or null for plaintext.
     * @return false if the task queue is full.
     */
    public boolean connect(
        final InetSocketAddress remote,
        final InetSocketAddress local,
        final Object context,
        final long timeoutNs,
        final TlsEngineFactory tls)
    {
        if (null != tls && !tls.isClientMode())
        {
            throw new IllegalArgumentException("an outgoing connection needs a client-side TLS engine factory");
        }
        return execute(() -> startConnect(remote, local, context, timeoutNs, tls));
    }

    /**
     * Hand a task to the loop without allocating (a publication to fan out, say). Any thread.
     *
     * @param task to run on the loop's thread.
     * @return false if the task queue is full.
     */
    public boolean offerTask(final LoopTask task)
    {
        if (tasks.offer(task))
        {
            wakeup();
            return true;
        }
        taskQueueOverflows.increment(); // any thread: atomic, and rare
        return false;
    }

    /**
     * Run a task on this loop's thread once its clock reaches a deadline (within a timer tick): a periodic duty
     * re-schedules itself from its own run. Loop thread only; allocation free once the timer map has grown.
     *
     * @param task       to run.
     * @param deadlineNs loop clock time to run it at.
     */
    public void scheduleTask(final LoopTask task, final long deadlineNs)
    {
        taskByTimerId.put(timerWheel.scheduleTimer(deadlineNs), task);
    }

    /**
     * Run a task on the loop's thread (cold paths: shutdown, inspection). Allocates.
     *
     * @param task to run.
     * @return false if the task queue is full.
     */
    public boolean execute(final Runnable task)
    {
        if (tasks.offer(task))
        {
            wakeup();
            return true;
        }
        taskQueueOverflows.increment(); // any thread: atomic, and rare
        return false;
    }

    /**
     * Stop blocking in select from now on and wake the loop, so that its runner can stop it promptly.
     * Any thread.
     */
    public void prepareClose()
    {
        closing = true;
        selector.wakeup();
    }

    /**
     * Wake the loop if it is blocked in select; coalesced: only the caller that flips {@code parked} pays for the
     * system call.
     */
    public void wakeup()
    {
        if (parked.get() && parked.compareAndSet(true, false))
        {
            selector.wakeup();
        }
    }

    /**
     * @return true when called on this loop's thread.
     */
    public boolean isLoopThread()
    {
        return Thread.currentThread() == thread;
    }

    /**
     * @return true while the loop is in a batch (reading a connection, or draining its queues): frames written to
     * connections other than the one being read then go out together at the batch's end. Loop thread only.
     */
    public boolean isBatching()
    {
        return writer.isBatching();
    }

    /**
     * Copy bytes into the current batch's arena once, so that any number of connections can then queue them by
     * reference ({@link TcpConnection#writeStaged}) instead of each copying them. Valid until the batch ends.
     *
     * @param buffer the bytes: whole frames, at most {@link #maxStageLength()} of them.
     * @param offset of the bytes.
     * @param length of the bytes.
     * @return where they are in the arena, or -1 when no batch is open, they are too long or the arena is full.
     */
    public int stage(final DirectBuffer buffer, final int offset, final int length)
    {
        return writer.stage(buffer, offset, length);
    }

    /**
     * @return the most bytes one {@link #stage} call takes (one outbound chunk).
     */
    public int maxStageLength()
    {
        return writer.maxStageLength();
    }

    /**
     * @return the factory that makes this loop's connections (the protocol's per-loop state).
     */
    public ConnectionFactory connectionFactory()
    {
        return factory;
    }

    void onBatchEnd()
    {
        try
        {
            factory.onBatchEnd(this);
        }
        catch (final Throwable ex)
        {
            errorHandler.onError(ex);
        }
    }

    /**
     * @return this loop's number.
     */
    public int index()
    {
        return index;
    }

    /**
     * @return the loop clock as read at the start of the current cycle.
     */
    public long nowNs()
    {
        return nowNs;
    }

    /**
     * @return connections this loop owns. Loop thread only.
     */
    public int connectionCount()
    {
        return connections.size();
    }

    /**
     * Visit every open connection. Loop thread only; cold path.
     *
     * @param consumer visitor; it may close the connection it is given.
     */
    public void forEachConnection(final Consumer<TcpConnection> consumer)
    {
        final List<TcpConnection> open = new ArrayList<>(connections.values());
        for (final TcpConnection connection : open)
        {
            consumer.accept(connection);
        }
    }

    /**
     * Stop accepting and close the listening socket. Loop thread only.
     */
    public void closeListener()
    {
        accepting = false;
        for (final Listener listener : listeners)
        {
            listener.key.cancel();
            CloseHelper.quietClose(listener.channel);
        }
        listeners = new Listener[0];
    }

    /**
     * A listening socket and, for a TLS port, what makes its connections' engines.
     */
    private static final class Listener
    {
        final ServerSocketChannel channel;
        final TlsEngineFactory tls;
        SelectionKey key;

        Listener(final ServerSocketChannel channel, final TlsEngineFactory tls)
        {
            this.channel = channel;
            this.tls = tls;
        }
    }

    /**
     * An accepted TLS socket on its way to the loop that will own it.
     */
    private record TlsSocket(SocketChannel channel, TlsEngineFactory tls)
    {
    }

    /**
     * @return sockets refused at the connection limit.
     */
    public long refusedConnections()
    {
        return refusedConnections;
    }

    // ---- the duty cycle ----

    private int pollSockets(final int workCount)
    {
        try
        {
            if (0 == workCount && IdleMode.BLOCKING == config.idleMode() && !closing)
            {
                parked.set(true);
                if (commands.size() > 0 || !tasks.isEmpty())
                {
                    parked.set(false);
                    return selector.selectNow(onKeyReady);
                }
                clockStale = true; // the wait may be long: the first event after it reads the clock again
                final int selected = selector.select(onKeyReady, selectTimeoutMs());
                parked.set(false);
                final boolean noEvent = clockStale;
                clockStale = false;
                nowNs = clock.nanoTime();
                if (noEvent)
                {
                    workStartNs = nowNs; // woken without a socket event: the cycle's work starts now
                }
                return selected;
            }
            return selector.selectNow(onKeyReady);
        }
        catch (final IOException ex)
        {
            errorHandler.onError(ex);
            return 0;
        }
    }

    private long selectTimeoutMs()
    {
        if (0 == timerWheel.timerCount())
        {
            timerWheel.currentTickTime(nowNs);
            return 0 != acceptPausedUntilNs ? 1 + TimeUnit.NANOSECONDS.toMillis(acceptPausedUntilNs - nowNs) : 0;
        }
        final long untilTickNs = timerWheel.currentTickTime() - nowNs;
        return Math.max(1, TimeUnit.NANOSECONDS.toMillis(untilTickNs + 999_999));
    }

    private int pollTimers()
    {
        int expired = 0;
        do
        {
            expired += timerWheel.poll(nowNs, onTimerExpiry, TIMER_EXPIRY_LIMIT);
        }
        while (timerWheel.currentTickTime() <= nowNs && expired < TIMER_EXPIRY_LIMIT);
        return expired;
    }

    private void startConnect(
        final InetSocketAddress remote,
        final InetSocketAddress local,
        final Object context,
        final long timeoutNs,
        final TlsEngineFactory tls)
    {
        if (!limiter.tryAcquire())
        {
            factory.onConnectFailed(context, new IOException("connection limit reached"));
            return;
        }
        SocketChannel channel = null;
        try
        {
            channel = SocketChannel.open();
            channel.configureBlocking(false);
            if (null != local)
            {
                channel.bind(local);
            }
            final PendingConnect pending = new PendingConnect(channel, context, remote, timeoutNs, tls);
            if (channel.connect(remote))
            {
                onConnected(pending);
            }
            else
            {
                channel.register(selector, SelectionKey.OP_CONNECT, pending);
                pending.timerId = timerWheel.scheduleTimer(nowNs + timeoutNs);
                connectByTimerId.put(pending.timerId, pending);
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            CloseHelper.quietClose(channel);
            limiter.release();
            factory.onConnectFailed(context, ex);
        }
    }

    private void onConnected(final PendingConnect pending)
    {
        final SocketChannel channel = pending.channel;
        try
        {
            if (!channel.finishConnect())
            {
                return;
            }
        }
        catch (final IOException ex)
        {
            failConnect(pending, ex);
            return;
        }
        cancelConnectTimer(pending);
        register(channel, pending.context, true, channel.keyFor(selector), pending.tls, pending.remote.getHostString(),
            pending.remote.getPort());
    }

    private void failConnect(final PendingConnect pending, final IOException cause)
    {
        cancelConnectTimer(pending);
        CloseHelper.quietClose(pending.channel);
        limiter.release();
        factory.onConnectFailed(pending.context, cause);
    }

    private void cancelConnectTimer(final PendingConnect pending)
    {
        if (TcpConnection.NULL_TIMER != pending.timerId)
        {
            timerWheel.cancelTimer(pending.timerId);
            connectByTimerId.remove(pending.timerId);
            pending.timerId = TcpConnection.NULL_TIMER;
        }
    }

    /**
     * An outgoing connection waiting for its TCP handshake.
     */
    private static final class PendingConnect
    {
        final SocketChannel channel;
        final Object context;
        final InetSocketAddress remote;
        final long timeoutNs;
        final TlsEngineFactory tls;
        long timerId = TcpConnection.NULL_TIMER;

        PendingConnect(
            final SocketChannel channel,
            final Object context,
            final InetSocketAddress remote,
            final long timeoutNs,
            final TlsEngineFactory tls)
        {
            this.channel = channel;
            this.context = context;
            this.remote = remote;
            this.timeoutNs = timeoutNs;
            this.tls = tls;
        }
    }

    private void onKeyReady(final SelectionKey key)
    {
        if (clockStale)
        {
            nowNs = clock.nanoTime();
            workStartNs = nowNs; // the time blocked in select is not the cycle's work
            clockStale = false;
        }
        final Object attachment = key.attachment();
        if (attachment instanceof PendingConnect)
        {
            onConnected((PendingConnect)attachment);
            return;
        }
        if (attachment instanceof TcpConnection)
        {
            final TcpConnection connection = (TcpConnection)attachment;
            final int readyOps;
            try
            {
                readyOps = key.readyOps();
            }
            catch (final RuntimeException ex)
            {
                return;
            }
            if ((readyOps & SelectionKey.OP_WRITE) != 0)
            {
                onWritable(connection);
            }
            if ((readyOps & SelectionKey.OP_READ) != 0 && !connection.closed)
            {
                onReadable(connection);
            }
        }
        else if (attachment instanceof Listener && key.isValid())
        {
            accept((Listener)attachment);
        }
    }

    private void onReadable(final TcpConnection connection)
    {
        if (null != connection.tls)
        {
            onReadableTls(connection);
            return;
        }
        final int length;
        try
        {
            readByteBuffer.clear();
            length = connection.channel.read(readByteBuffer);
        }
        catch (final IOException ex)
        {
            close(connection, ex);
            return;
        }

        if (length < 0)
        {
            try
            {
                connection.onEndOfStream(nowNs);
            }
            catch (final Throwable ex)
            {
                errorHandler.onError(ex);
            }
            close(connection, null);
            return;
        }

        if (length > 0)
        {
            bytesRead += length;
            socketReads++;
            writer.cork(connection);
            try
            {
                connection.onRead(readBuffer, 0, length, nowNs);
            }
            catch (final Throwable ex)
            {
                errorHandler.onError(ex);
                close(connection, ex);
            }
            finally
            {
                writer.uncork();
            }
            pauseReadIfOverLimit(connection);
        }
    }

    private void onReadableTls(final TcpConnection connection)
    {
        final TlsSession tls = connection.tls;
        final int length;
        try
        {
            length = tls.fill(connection.channel);
        }
        catch (final IOException ex)
        {
            close(connection, ex);
            return;
        }
        if (length < 0)
        {
            if (tls.hasPartialInput() || !tls.isEstablished())
            {
                tlsBuffers.countTruncated(); // the peer cut a record, or the handshake, short
            }
            endOfStream(connection);
            return;
        }
        bytesRead += length;
        if (length > 0)
        {
            socketReads++;
        }
        processTlsInput(connection, true);
    }

    /**
     * Decrypt what a TLS connection has read (or kept), handing each run of plaintext to the connection, and drive
     * its handshake: run its tasks (here or on the pool), write its records, and once it is done send what the
     * connection queued meanwhile.
     *
     * @param filled true when {@link TlsSession#fill} has just made its input ready, false to resume from what it
     *               kept.
     */
    private void processTlsInput(final TcpConnection connection, final boolean filled)
    {
        final TlsSession tls = connection.tls;
        if (!filled)
        {
            tls.resumeInput();
        }
        final boolean wasEstablished = tls.isEstablished();
        int result;
        writer.cork(connection);
        try
        {
            while (true)
            {
                result = tls.unwrap(connection.channel);
                if (result > 0)
                {
                    connection.onRead(tlsBuffers.plaintext(), 0, result, nowNs);
                    if (connection.closed)
                    {
                        return;
                    }
                }
                else if (TlsSession.NEED_TASKS == result && null == tls.taskExecutor())
                {
                    tls.runDelegatedTasks();
                }
                else
                {
                    break;
                }
            }
        }
        catch (final Throwable ex)
        {
            if (!(ex instanceof IOException))
            {
                errorHandler.onError(ex);
            }
            close(connection, ex);
            return;
        }
        finally
        {
            writer.uncork();
        }
        if (connection.closed)
        {
            return;
        }

        switch (result)
        {
            case TlsSession.CLOSED:
                endOfStream(connection);
                return;

            case TlsSession.FAILED:
                close(connection, tls.failure()); // a client learns why its handshake failed
                return;

            case TlsSession.PLAINTEXT:
                refusePlaintext(connection);
                return;

            case TlsSession.NEED_TASKS:
                tls.keepRemainder();
                runTlsTasksOffLoop(connection);
                break;

            default: // NEED_INPUT, NEED_WRITABLE
                tls.keepRemainder();
                break;
        }

        if (!wasEstablished && tls.isEstablished() && OutboundWriter.hasBacklog(connection))
        {
            onWritable(connection); // what the connection queued during the handshake can be encrypted now
        }
        if (!connection.closed)
        {
            updateInterest(connection);
            pauseReadIfOverLimit(connection);
        }
    }

    private void runTlsTasksOffLoop(final TcpConnection connection)
    {
        final TlsSession tls = connection.tls;
        connection.tlsTasksRunning = true;
        final LoopTask resume = (loop) ->
        {
            connection.tlsTasksRunning = false;
            if (!connection.closed)
            {
                processTlsInput(connection, false);
            }
        };
        try
        {
            tls.taskExecutor().execute(() ->
            {
                try
                {
                    tls.runDelegatedTasks();
                }
                catch (final RuntimeException ignore)
                {
                    // The engine reports the failure on the loop, at its next step.
                }
                while (!offerTask(resume))
                {
                    Thread.onSpinWait(); // the loop's task queue is full: it drains it every cycle
                }
            });
            tlsBuffers.countTaskOffLoop();
        }
        catch (final RejectedExecutionException ex)
        {
            connection.tlsTasksRunning = false;
            tls.runDelegatedTasks();
            processTlsInput(connection, false);
        }
    }

    /**
     * Plaintext, an HTTP request typically, on a TLS port: answer in plaintext with a 400 that says which scheme the
     * port speaks, then close (nginx does the same). Best effort: one non-blocking write.
     */
    private void refusePlaintext(final TcpConnection connection)
    {
        try
        {
            final ByteBuffer response = PLAINTEXT_ON_TLS_PORT.duplicate();
            connection.channel.write(response);
        }
        catch (final IOException ignore)
        {
            // Best effort: the socket closes either way.
        }
        close(connection, null);
    }

    private static final ByteBuffer PLAINTEXT_ON_TLS_PORT = plaintextOnTlsPortResponse();

    private static ByteBuffer plaintextOnTlsPortResponse()
    {
        final String body = "This port speaks TLS: use https:// or wss://\n";
        final String response = "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n" +
            "Content-Length: " + body.length() + "\r\nConnection: close\r\n\r\n" + body;
        final byte[] bytes = response.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        return ByteBuffer.allocateDirect(bytes.length).put(bytes).flip().asReadOnlyBuffer();
    }

    private void endOfStream(final TcpConnection connection)
    {
        try
        {
            connection.onEndOfStream(nowNs);
        }
        catch (final Throwable ex)
        {
            errorHandler.onError(ex);
        }
        close(connection, null);
    }

    private TlsBuffers tlsBuffers()
    {
        if (null == tlsBuffers)
        {
            tlsBuffers = TlsBuffers.forJdkEngine(config.readBufferLength(), MAX_POOLED_TLS_SPILLS);
        }
        return tlsBuffers;
    }

    private void accept(final Listener listener)
    {
        for (int i = 0; i < ACCEPT_LIMIT && accepting && listener.key.isValid(); i++)
        {
            final SocketChannel channel;
            try
            {
                channel = listener.channel.accept();
            }
            catch (final IOException ex)
            {
                // Out of file descriptors, typically: stop accepting for a moment rather than spin on it.
                acceptErrors++;
                pauseAccepting();
                return;
            }
            if (null == channel)
            {
                return;
            }

            if (!limiter.tryAcquire())
            {
                refuse(channel);
                continue;
            }

            if (null == acceptTargets || acceptTargets.length <= 1)
            {
                register(channel, null, false, null, listener.tls, null, -1);
            }
            else
            {
                final IoLoop target = acceptTargets[nextAcceptTarget];
                nextAcceptTarget = (nextAcceptTarget + 1) % acceptTargets.length;
                if (target == this)
                {
                    register(channel, null, false, null, listener.tls, null, -1);
                }
                else if (!configure(channel) || !target.offerAccepted(channel, listener.tls))
                {
                    CloseHelper.quietClose(channel);
                    limiter.release();
                }
            }
        }
    }

    private void pauseAccepting()
    {
        for (final Listener listener : listeners)
        {
            if (listener.key.isValid())
            {
                listener.key.interestOps(0);
            }
        }
        acceptPausedUntilNs = nowNs + ACCEPT_PAUSE_NS;
        if (0 == acceptPausedUntilNs)
        {
            acceptPausedUntilNs = 1;
        }
    }

    private void resumeAccepting()
    {
        acceptPausedUntilNs = 0;
        for (final Listener listener : listeners)
        {
            if (listener.key.isValid())
            {
                listener.key.interestOps(SelectionKey.OP_ACCEPT);
            }
        }
    }

    private void refuse(final SocketChannel channel)
    {
        refusedConnections++;
        try
        {
            channel.configureBlocking(false);
            final DirectBuffer response = factory.refusalResponse();
            if (null != response && response.capacity() > 0)
            {
                readByteBuffer.clear();
                readBuffer.putBytes(0, response, 0, Math.min(response.capacity(), readByteBuffer.capacity()));
                readByteBuffer.limit(Math.min(response.capacity(), readByteBuffer.capacity()));
                channel.write(readByteBuffer);
            }
        }
        catch (final IOException ignore)
        {
            // Best effort: the peer is refused either way.
        }
        CloseHelper.quietClose(channel);
    }

    private boolean configure(final SocketChannel channel)
    {
        try
        {
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, config.tcpNoDelay());
            if (config.socketSendBufferLength() > 0)
            {
                channel.setOption(StandardSocketOptions.SO_SNDBUF, config.socketSendBufferLength());
            }
            if (config.socketReceiveBufferLength() > 0)
            {
                channel.setOption(StandardSocketOptions.SO_RCVBUF, config.socketReceiveBufferLength());
            }
            return true;
        }
        catch (final IOException ex)
        {
            return false;
        }
    }

    private void register(final SocketChannel channel)
    {
        register(channel, null, false, null, null, null, -1);
    }

    private void register(
        final SocketChannel channel,
        final Object context,
        final boolean client,
        final SelectionKey existingKey,
        final TlsEngineFactory tls,
        final String peerHost,
        final int peerPort)
    {
        if (!configure(channel))
        {
            CloseHelper.quietClose(channel);
            limiter.release();
            return;
        }

        final long id = (++connectionSequence << 8) | index;
        final TcpConnection connection;
        try
        {
            if (context instanceof HandOff)
            {
                connection = factory.newHandedOffConnection(this, channel, id, nowNs, ((HandOff)context).context);
            }
            else
            {
                connection = client ?
                    factory.newClientConnection(this, channel, id, nowNs, context) :
                    factory.newConnection(this, channel, id, nowNs);
            }
            if (null != tls)
            {
                connection.tls = new TlsSession(tls.newEngine(peerHost, peerPort), tlsBuffers(), tls.taskExecutor());
            }
            else if (context instanceof HandOff && null != ((HandOff)context).tls)
            {
                connection.tls = ((HandOff)context).tls;
                connection.tls.moveTo(tlsBuffers()); // its session goes on, in this loop's buffers
            }
            if (null != existingKey)
            {
                existingKey.interestOps(SelectionKey.OP_READ);
                existingKey.attach(connection);
                connection.key = existingKey;
            }
            else
            {
                connection.key = channel.register(selector, SelectionKey.OP_READ, connection);
            }
        }
        catch (final Throwable ex)
        {
            errorHandler.onError(ex);
            CloseHelper.quietClose(channel);
            limiter.release();
            if (client)
            {
                factory.onConnectFailed(context, ex);
            }
            return;
        }

        connections.put(id, connection);
        acceptedConnections++;
        try
        {
            connection.onOpen(nowNs);
        }
        catch (final Throwable ex)
        {
            errorHandler.onError(ex);
            close(connection, ex);
        }
        if (null != connection.tls && client && !connection.closed)
        {
            processTlsInput(connection, false); // a client speaks first: its ClientHello
        }
    }

    private void onTask(final Object task)
    {
        if (task instanceof HandOff)
        {
            final HandOff handOff = (HandOff)task;
            if (accepting)
            {
                register(handOff.channel, handOff, false, null, null, null, -1);
            }
            else
            {
                CloseHelper.quietClose(handOff.channel);
                limiter.release();
            }
        }
        else if (task instanceof TlsSocket)
        {
            final TlsSocket socket = (TlsSocket)task;
            if (accepting)
            {
                register(socket.channel(), null, false, null, socket.tls(), null, -1);
            }
            else
            {
                CloseHelper.quietClose(socket.channel());
                limiter.release();
            }
        }
        else if (task instanceof SocketChannel)
        {
            if (accepting)
            {
                register((SocketChannel)task);
            }
            else
            {
                CloseHelper.quietClose((SocketChannel)task);
                limiter.release();
            }
        }
        else if (task instanceof LoopTask)
        {
            try
            {
                ((LoopTask)task).run(this);
            }
            catch (final Throwable ex)
            {
                errorHandler.onError(ex);
            }
        }
        else
        {
            try
            {
                ((Runnable)task).run();
            }
            catch (final Throwable ex)
            {
                errorHandler.onError(ex);
            }
        }
    }

    private void onCommand(final int type, final MutableDirectBuffer buffer, final int index, final int length)
    {
        final TcpConnection connection = connections.get(buffer.getLong(index));
        if (null == connection || connection.closed)
        {
            return;
        }
        try
        {
            connection.onCommand(
                type,
                buffer.getInt(index + Long.BYTES),
                buffer,
                index + COMMAND_HEADER_LENGTH,
                length - COMMAND_HEADER_LENGTH,
                nowNs);
        }
        catch (final Throwable ex)
        {
            errorHandler.onError(ex);
            close(connection, ex);
        }
    }

    // ---- deadlines ----

    void deadline(final TcpConnection connection, final long deadlineNs)
    {
        connection.deadlineNs = deadlineNs;
        if (TcpConnection.NO_DEADLINE == deadlineNs)
        {
            cancelTimer(connection);
            return;
        }
        if (connection.closed)
        {
            return;
        }
        if (TcpConnection.NULL_TIMER != connection.timerId)
        {
            if (timerWheel.deadline(connection.timerId) <= deadlineNs)
            {
                return; // the earlier timer fires first and re-arms for the later deadline
            }
            cancelTimer(connection);
        }
        final long timerId = timerWheel.scheduleTimer(deadlineNs);
        connection.timerId = timerId;
        connectionByTimerId.put(timerId, connection);
    }

    private void cancelTimer(final TcpConnection connection)
    {
        if (TcpConnection.NULL_TIMER != connection.timerId)
        {
            timerWheel.cancelTimer(connection.timerId);
            connectionByTimerId.remove(connection.timerId);
            connection.timerId = TcpConnection.NULL_TIMER;
        }
    }

    private boolean onTimerExpiry(final TimeUnit timeUnit, final long now, final long timerId)
    {
        final PendingConnect pending = connectByTimerId.isEmpty() ? null : connectByTimerId.remove(timerId);
        if (null != pending)
        {
            pending.timerId = TcpConnection.NULL_TIMER;
            failConnect(pending, new ConnectException("cannot connect to " + pending.remote + ": no answer within " +
                TimeUnit.NANOSECONDS.toMillis(pending.timeoutNs) + " ms"));
            return true;
        }
        final TcpConnection connection = connectionByTimerId.remove(timerId);
        if (null == connection)
        {
            // Not a connection's: a scheduled duty's, looked up only now so that connection timers pay nothing.
            final LoopTask task = taskByTimerId.isEmpty() ? null : taskByTimerId.remove(timerId);
            if (null != task)
            {
                try
                {
                    task.run(this);
                }
                catch (final Throwable ex)
                {
                    errorHandler.onError(ex);
                }
            }
            return true;
        }
        if (connection.closed)
        {
            return true;
        }
        connection.timerId = TcpConnection.NULL_TIMER;
        final long deadlineNs = connection.deadlineNs;
        if (deadlineNs - now <= 0)
        {
            connection.deadlineNs = TcpConnection.NO_DEADLINE;
            try
            {
                connection.onDeadline(now);
            }
            catch (final Throwable ex)
            {
                errorHandler.onError(ex);
                close(connection, ex);
            }
        }
        else
        {
            deadline(connection, deadlineNs);
        }
        return true;
    }

    // ---- writes ----

    void write(
        final TcpConnection connection,
        final boolean control,
        final DirectBuffer first,
        final int firstOffset,
        final int firstLength,
        final DirectBuffer second,
        final int secondOffset,
        final int secondLength)
    {
        writer.write(connection, control, first, firstOffset, firstLength, second, secondOffset, secondLength);
    }

    void writeStaged(final TcpConnection connection, final int arenaOffset, final int length)
    {
        writer.writeStaged(connection, arenaOffset, length);
    }

    private void onWritable(final TcpConnection connection)
    {
        final TlsSession tls = connection.tls;
        final boolean tlsWaiting = null != tls && tls.isWaitingToWrite();
        if (writer.flush(connection) && !connection.closed)
        {
            onDrained(connection);
        }
        else if (!connection.closed)
        {
            updateInterest(connection);
        }
        if (tlsWaiting && !connection.closed && !tls.hasPendingOutput() && !connection.tlsTasksRunning)
        {
            processTlsInput(connection, false); // a handshake record went out: the handshake can go on
        }
    }

    /**
     * Both lanes of a connection are empty again: stop watching for writability, then close it if asked, else tell
     * it (so it can send values it held back).
     */
    void onDrained(final TcpConnection connection)
    {
        writer.releaseIdleChunks(connection);
        connection.readPaused = false;
        updateInterest(connection);
        if (connection.closeWhenFlushed)
        {
            close(connection, null);
        }
        else
        {
            try
            {
                connection.onFlushed();
            }
            catch (final Throwable ex)
            {
                errorHandler.onError(ex);
                close(connection, ex);
            }
        }
    }

    // ---- back-pressure on input ----

    /**
     * After a read: a connection with more queued than {@link IoLoopConfig#readPauseQueuedLength()} is not read
     * again until the socket takes enough of it, so a peer that sends requests without reading the replies cannot
     * make the server queue without bound.
     */
    private void pauseReadIfOverLimit(final TcpConnection connection)
    {
        final int limit = config.readPauseQueuedLength();
        if (limit > 0 && !connection.readPaused && !connection.closed &&
            connection.queuedBytes + connection.queuedControlBytes > limit)
        {
            connection.readPaused = true;
            readPauses++;
            updateInterest(connection);
            try
            {
                connection.onReadPaused(nowNs);
            }
            catch (final Throwable ex)
            {
                errorHandler.onError(ex);
                close(connection, ex);
            }
        }
    }

    /**
     * After a write made progress: read a paused connection again once what is queued is back within the limit.
     */
    void resumeReadIfUnderLimit(final TcpConnection connection)
    {
        if (connection.readPaused && !connection.closed &&
            connection.queuedBytes + connection.queuedControlBytes <= config.readPauseQueuedLength())
        {
            connection.readPaused = false;
            updateInterest(connection);
        }
    }

    /**
     * Set the key's interest from the connection's state: read unless paused, write while something is queued.
     */
    void updateInterest(final TcpConnection connection)
    {
        final SelectionKey key = connection.key;
        if (null != key && key.isValid())
        {
            final int ops = (connection.readPaused || connection.tlsTasksRunning ? 0 : SelectionKey.OP_READ) |
                (OutboundWriter.wantsWrite(connection) ? SelectionKey.OP_WRITE : 0);
            if (key.interestOps() != ops)
            {
                key.interestOps(ops);
            }
        }
    }

    long discardUnstarted(final TcpConnection connection, final boolean control)
    {
        writer.uncorkIfOwner(connection);
        final long discarded = writer.discardUnstarted(connection, control);
        resumeReadIfUnderLimit(connection);
        return discarded;
    }

    // ---- closing ----

    void closeWhenFlushed(final TcpConnection connection)
    {
        if (connection.closed)
        {
            return;
        }
        writer.uncorkIfOwner(connection);
        if (null != connection.tls && !connection.tls.isEstablished())
        {
            close(connection, null); // nothing of the connection's can be sent before its handshake is done
        }
        else if (OutboundWriter.hasBacklog(connection))
        {
            connection.closeWhenFlushed = true;
        }
        else
        {
            close(connection, null);
        }
    }

    /**
     * Move an accepted connection to another loop, its socket left open: this loop forgets it (no
     * {@link TcpConnection#onClosed} call: the caller is done with it), and the target loop makes a new connection of
     * the socket with {@link ConnectionFactory#newHandedOffConnection}, handing it the context. For protocols whose
     * state lives on one loop while its requests may arrive on any (SockJS sessions). Loop thread only; allocates.
     *
     * @param connection of this loop, with nothing queued to write.
     * @param target     the loop to move it to.
     * @param context    handed to the target's factory (the bytes read and not yet answered, say).
     * @return false, with the connection closed, when it had bytes queued or the target's task queue is full.
     */
    public boolean handOff(final TcpConnection connection, final IoLoop target, final Object context)
    {
        if (connection.closed)
        {
            return false;
        }
        if (connection.queuedBytes() > 0 || connection.queuedControlBytes() > 0 ||
            (null != connection.tls && (!connection.tls.isEstablished() || connection.tls.hasPendingOutput())))
        {
            close(connection, null);
            return false;
        }
        connection.closed = true;
        if (null != connection.key)
        {
            connection.key.cancel();
        }
        writer.release(connection);
        cancelTimer(connection);
        connections.remove(connection.id); // the limiter's slot goes with the socket
        if (target.tasks.offer(new HandOff(connection.channel, context, connection.tls)))
        {
            target.wakeup();
            return true;
        }
        target.taskQueueOverflows.increment();
        CloseHelper.quietClose(connection.channel);
        limiter.release();
        return false;
    }

    /**
     * A socket moving between loops, and what its new connection is told.
     */
    private static final class HandOff
    {
        final SocketChannel channel;
        final Object context;
        final TlsSession tls;

        HandOff(final SocketChannel channel, final Object context, final TlsSession tls)
        {
            this.channel = channel;
            this.context = context;
            this.tls = tls;
        }
    }

    void close(final TcpConnection connection, final Throwable cause)
    {
        if (connection.closed)
        {
            return;
        }
        connection.closed = true;
        if (null != connection.key)
        {
            connection.key.cancel();
        }
        if (null != connection.tls)
        {
            connection.tls.release(connection.channel, null == cause);
        }
        CloseHelper.quietClose(connection.channel);
        writer.release(connection);
        cancelTimer(connection);
        if (null != connections.remove(connection.id))
        {
            limiter.release();
        }
        try
        {
            connection.onClosed(cause);
        }
        catch (final Throwable ex)
        {
            errorHandler.onError(ex);
        }
    }
}
