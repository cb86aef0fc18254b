package io.wsmux;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import java.nio.charset.StandardCharsets;

import javax.net.ssl.SSLContext;

import io.wsmux.cluster.ClusterBus;
import io.wsmux.cluster.NatsClusterLink;
import io.wsmux.cluster.NatsConnectionOptions;
import io.wsmux.codec.mux.BinaryMuxDescriptor;
import io.wsmux.sockjs.SockJsOptions;
import io.wsmux.status.AdminServer;
import io.wsmux.status.SystemCounter;
import io.wsmux.status.WsmuxCounters;
import io.wsmux.transport.ConnectionLimiter;
import io.wsmux.transport.IdleMode;
import io.wsmux.transport.IoLoop;
import io.wsmux.transport.IoLoopConfig;
import io.wsmux.transport.LoopTask;
import org.agrona.DirectBuffer;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.NoOpIdleStrategy;
import org.agrona.concurrent.SystemNanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersReader;

/**
 * An embeddable WebSocket server: N I/O loops, each on its own thread, each accepting on the same port (SO_REUSEPORT
 * where the OS has it, else one acceptor handing sockets out round-robin) and owning its connections for life.
 * <pre>
 * WsmuxServer server = WsmuxServer.builder()
 *     .endpoint("/echo", new WebSocketHandler()
 *     {
 *         public void onText(Connection c, DirectBuffer b, int offset, int length) { c.sendText(b, offset, length); }
 *     })
 *     .build()
 *     .start();
 * </pre>
 * {@link #close()} is graceful: stop accepting, send 1001 to every connection, wait for the close handshakes up to
 * {@code wsmux.shutdown.timeout}, then close what remains. Thread safe.
 * <p>
 * Its counters live in a memory-mapped file ({@link #countersFile()}, removed by {@link #close()}) that
 * {@code java -jar wsmux.jar stat} reads from another process; with {@code wsmux.admin.port} set, {@code /metrics}
 * serves them to Prometheus and {@code /health} says whether the server accepts or drains.
 */
public final class WsmuxServer implements AutoCloseable
{
    private static final int TICKS_PER_WHEEL = 512;
    /** Longest the start waits for the cluster connections' first outcome (jnats's connection timeout is 2 s). */
    private static final long CLUSTER_FIRST_OUTCOME_WAIT_NS = TimeUnit.SECONDS.toNanos(3);

    private final WsmuxSettings settings;
    private final Map<String, Endpoint> endpoints;
    private final Endpoint anyPath;
    private final Map<String, DirectBuffer> resources;
    private final SockJsEndpoint[] sockJsEndpoints;
    private final List<Multiplexer> multiplexers;
    private final ErrorHandler errorHandler;
    private final ConnectionLimiter limiter;
    private final List<IoLoop> loops = new ArrayList<>();
    private final List<AgentRunner> runners = new ArrayList<>();
    private final ServerTls tls;
    private final NatsConnectionOptions clusterOptions;
    private final List<ClusterBus> clusterBuses = new ArrayList<>();
    private InetSocketAddress address;
    private InetSocketAddress tlsAddress;
    private WsmuxCounters counters;
    private AdminServer admin;
    private volatile boolean accepting;
    private boolean draining;
    private boolean started;
    private boolean closed;

    private WsmuxServer(final Builder builder)
    {
        this.settings = builder.settings.conclude();
        this.endpoints = Map.copyOf(builder.endpoints);
        this.anyPath = builder.anyPath;
        this.resources = Map.copyOf(builder.resources);
        final AtomicInteger sockJsSessions = new AtomicInteger();
        this.sockJsEndpoints = builder.sockJs.stream()
            .map((s) -> new SockJsEndpoint(s.prefix, s.handler, s.hook, s.options, settings, sockJsSessions))
            .toArray(SockJsEndpoint[]::new);
        this.multiplexers = List.copyOf(builder.multiplexers);
        this.errorHandler = builder.errorHandler;
        this.limiter = new ConnectionLimiter(settings.maxConnections());
        if (settings.tlsPort() < 0)
        {
            this.tls = null;
        }
        else
        {
            // Loaded now, so that a wrong certificate fails the build with one line naming the file.
            this.tls = null != builder.tlsContext ?
                ServerTls.of(settings, builder.tlsContext) : ServerTls.open(settings);
        }
        // Loaded now too: a missing or malformed credentials or TLS file fails the build with one line.
        this.clusterOptions = settings.clusterNatsUrl().isEmpty() ? null : ClusterConnection.options(settings);
    }

    /**
     * @return a builder with settings read from system properties.
     * @throws WsmuxConfigurationException naming the property, its value and the accepted forms when a
     *                                     {@code wsmux.*} system property is malformed or unknown.
     */
    public static Builder builder()
    {
        return new Builder(new WsmuxSettings());
    }

    /**
     * @param settings the settings to use.
     * @return a builder.
     */
    public static Builder builder(final WsmuxSettings settings)
    {
        return new Builder(settings);
    }

    /**
     * Bind and start the I/O threads.
     *
     * @return this.
     * @throws IOException if the address cannot be bound (port in use, say).
     */
    public synchronized WsmuxServer start() throws IOException
    {
        if (started)
        {
            throw new IllegalStateException("already started");
        }
        started = true;
        if (settings.printConfiguration())
        {
            System.out.println(settings);
        }

        final int loopCount = settings.ioThreads();
        final boolean reusePort = settings.reusePort() && IoLoop.isReusePortSupported();
        final IoLoopConfig config = new IoLoopConfig(
            settings.readBufferLength(),
            settings.corkBufferLength(),
            settings.outboundChunkLength(),
            settings.outboundPooledChunks(),
            settings.commandBufferLength(),
            settings.loopQueueCapacity(),
            settings.timerTickNs(),
            TICKS_PER_WHEEL,
            settings.idleMode(),
            settings.tcpNoDelay(),
            settings.socketSendBuffer(),
            settings.socketReceiveBuffer(),
            settings.acceptBacklog(),
            settings.outboundBudget()); // a connection over its budget is not read: see WsConnection

        counters = createCounters(loopCount);
        final IoLoop[] acceptTargets = reusePort ? null : new IoLoop[loopCount];
        for (int i = 0; i < loopCount; i++)
        {
            final LoopContext context =
                new LoopContext(settings, endpoints, resources, anyPath, errorHandler, sockJsEndpoints);
            final IoLoop loop = new IoLoop(i, config, context, limiter, new SystemNanoClock(), errorHandler,
                0 == i ? acceptTargets : null, counters.transportCounters(i, settings.dutyCycleThresholdNs()));
            context.loop = loop;
            context.counters = counters.loopCounters(i);
            loops.add(loop);
            if (null != acceptTargets)
            {
                acceptTargets[i] = loop;
            }
        }

        try
        {
            InetSocketAddress bindAddress = new InetSocketAddress(settings.bindAddress(), settings.port());
            if (reusePort && 0 != settings.port())
            {
                // With SO_REUSEPORT a second server would silently share the port with the first: bind once
                // without it to find out whether the port is taken.
                try (ServerSocketChannel probe = ServerSocketChannel.open())
                {
                    probe.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                    probe.bind(bindAddress);
                }
            }
            for (int i = 0; i < loopCount; i++)
            {
                if (0 == i || reusePort)
                {
                    final InetSocketAddress bound = loops.get(i).listen(bindAddress, reusePort);
                    if (0 == i)
                    {
                        address = bound;
                        bindAddress = bound;
                    }
                }
            }
        }
        catch (final IOException ex)
        {
            closeLoopsAtStart();
            throw new IOException("cannot listen on " + settings.bindAddress() + ":" + settings.port() + ": " +
                ex.getMessage(), ex);
        }
        if (null != tls)
        {
            try
            {
                InetSocketAddress bindAddress = new InetSocketAddress(settings.bindAddress(), settings.tlsPort());
                for (int i = 0; i < loopCount; i++)
                {
                    if (0 == i || reusePort)
                    {
                        final InetSocketAddress bound = loops.get(i).listen(bindAddress, reusePort, tls.factory());
                        if (0 == i)
                        {
                            tlsAddress = bound;
                            bindAddress = bound;
                        }
                    }
                }
            }
            catch (final IOException ex)
            {
                closeLoopsAtStart();
                throw new IOException("cannot listen on " + settings.bindAddress() + ":" + settings.tlsPort() + " (" +
                    WsmuxSettings.TLS_PORT_PROP_NAME + "): " + ex.getMessage(), ex);
            }
            tls.startWatching();
        }

        final IoLoop[] loopArray = loops.toArray(new IoLoop[0]);
        for (final Multiplexer multiplexer : multiplexers)
        {
            multiplexer.bind(loopArray, settings);
        }
        if (!settings.clusterNatsUrl().isEmpty())
        {
            joinCluster();
        }

        if (0 != settings.adminPort())
        {
            try
            {
                admin = new AdminServer(new InetSocketAddress(settings.adminBindAddress(), settings.adminPort()),
                    counters.reader(), () -> accepting);
            }
            catch (final IOException ex)
            {
                closeLoopsAtStart(); // and the cluster's links, whose threads would go on otherwise
                throw new IOException("cannot listen on " + settings.adminBindAddress() + ":" + settings.adminPort() +
                    " (" + WsmuxSettings.ADMIN_PORT_PROP_NAME + "): " + ex.getMessage(), ex);
            }
        }

        accepting = true;
        for (final IoLoop loop : loops)
        {
            final AgentRunner runner = new AgentRunner(idleStrategy(settings.idleMode()), errorHandler, null, loop);
            runners.add(runner);
            AgentRunner.startOnThread(runner, (task) ->
            {
                final Thread thread = new Thread(task, loop.roleName());
                thread.setDaemon(false);
                return thread;
            });
        }
        return this;
    }

    /**
     * Create the counters file, sized for the loops and the topic families of every multiplexer, and give each
     * family its counters: the first {@code wsmux.counters.max.topic.families} their own, the rest a shared
     * {@code (other)}.
     */
    private WsmuxCounters createCounters(final int loopCount)
    {
        int families = 0;
        for (final Multiplexer multiplexer : multiplexers)
        {
            families += multiplexer.topicFamilies().size();
        }
        final int ownFamilies = Math.min(families, settings.countersMaxTopicFamilies());
        final boolean other = families > ownFamilies;
        final WsmuxCounters counters = new WsmuxCounters(
            settings.countersDir(), loopCount, ownFamilies + (other ? 1 : 0), settings.dutyCycleThresholdNs());
        // (other) is filled in after the named families, so that it comes last in the file and in stat's table.
        final FamilyCounters[] otherCounters = other ? new FamilyCounters[loopCount] : null;
        final Set<String> names = new HashSet<>();
        int next = 0;
        for (final Multiplexer multiplexer : multiplexers)
        {
            next = multiplexer.bindCounters(counters, next, ownFamilies, otherCounters, names);
        }
        if (other)
        {
            FamilyCounters.allocate(counters, ownFamilies, WsmuxCounters.OTHER_FAMILY, otherCounters);
        }
        return counters;
    }

    private static IdleStrategy idleStrategy(final IdleMode mode)
    {
        switch (mode)
        {
            case SPIN:
                return new BusySpinIdleStrategy();
            case BACKOFF:
                return new BackoffIdleStrategy();
            default:
                return NoOpIdleStrategy.INSTANCE; // the loop blocks in select itself
        }
    }

    /**
     * @return the address listened on (the real port when 0 was asked for).
     */
    public InetSocketAddress address()
    {
        return address;
    }

    /**
     * @return the port listened on.
     */
    public int port()
    {
        return address.getPort();
    }

    /**
     * @return the TLS listener's address (the real port when 0 was asked for), or null without one.
     */
    public InetSocketAddress tlsAddress()
    {
        return tlsAddress;
    }

    /**
     * @return the TLS port listened on, or -1 without a TLS listener.
     */
    public int tlsPort()
    {
        return null == tlsAddress ? -1 : tlsAddress.getPort();
    }

    /**
     * Load the certificate and key files again ({@code wsmux.tls.cert}, {@code wsmux.tls.key} or
     * {@code wsmux.tls.keystore}, and {@code wsmux.tls.client.ca}) and use them for new handshakes; established
     * connections keep theirs. The server also does this by itself when the files change (checked every
     * {@code wsmux.tls.reload.interval}). Any thread.
     *
     * @throws WsmuxConfigurationException naming the file that is wrong and why: the certificate in use stays.
     * @throws IllegalStateException       without a TLS listener, or when the server was given an SSLContext.
     */
    public void reloadTls()
    {
        if (null == tls)
        {
            throw new IllegalStateException("no TLS listener: " + WsmuxSettings.TLS_PORT_PROP_NAME + " is not set");
        }
        tls.reload();
    }

    /**
     * @return certificate reloads done since start.
     */
    public long tlsReloads()
    {
        return null == tls ? 0 : tls.reloads();
    }

    /**
     * @return the settings in use.
     */
    public WsmuxSettings settings()
    {
        return settings;
    }

    /**
     * @return connections open now, handshaking ones included (exact: the connection limiter's count).
     */
    public int openConnections()
    {
        return limiter.open();
    }

    /**
     * @return the counters file another process reads ({@code java -jar wsmux.jar stat}); null before start.
     */
    public File countersFile()
    {
        return null == counters ? null : counters.file();
    }

    /**
     * @return a reader of this server's counters (what {@code stat} and {@code /metrics} show); null before start.
     */
    public CountersReader countersReader()
    {
        return null == counters ? null : counters.reader();
    }

    /**
     * @return the admin listener's address, or null when {@code wsmux.admin.port} is 0.
     */
    public InetSocketAddress adminAddress()
    {
        return null == admin ? null : admin.address();
    }

    /**
     * @param counter a loop counter.
     * @return its sum over the loops (read from the counters: at most one duty cycle stale); 0 before start.
     */
    public long counter(final SystemCounter counter)
    {
        return null == counters ? 0 : counters.sum(counter);
    }

    /**
     * @return messages received on all loops (sum of the loops' counters, at most a duty cycle old).
     */
    public long messagesIn()
    {
        return counter(SystemCounter.MESSAGES_IN);
    }

    /**
     * @return messages sent on all loops (sum of the loops' counters, at most a duty cycle old).
     */
    public long messagesOut()
    {
        return counter(SystemCounter.MESSAGES_OUT);
    }

    /**
     * @return protocol violations seen on all loops.
     */
    public long protocolErrors()
    {
        return counter(SystemCounter.PROTOCOL_ERRORS);
    }

    /**
     * @return upgrade requests answered with an HTTP error.
     */
    public long handshakesRejected()
    {
        return counter(SystemCounter.HANDSHAKES_FAILED_MALFORMED) + counter(SystemCounter.HANDSHAKES_FAILED_NOT_FOUND) +
            counter(SystemCounter.HANDSHAKES_FAILED_HOOK) + counter(SystemCounter.HANDSHAKES_FAILED_TIMEOUT) +
            counter(SystemCounter.HANDSHAKES_FAILED_BUSY);
    }

    /**
     * @return sockets refused at the connection limit.
     */
    public long refusedConnections()
    {
        return counter(SystemCounter.CONNECTIONS_REFUSED);
    }

    /**
     * @return connections closed for exceeding their outbound budget.
     */
    public long slowConsumerCloses()
    {
        return counter(SystemCounter.SLOW_CONSUMER_CLOSES);
    }

    /**
     * @return times a connection was not read because more than its outbound budget was queued for it (back-pressure
     * on a client that sends requests without reading the replies; sum of the loops' counters).
     */
    public long readPauses()
    {
        return counter(SystemCounter.READ_PAUSES);
    }

    /**
     * @return bytes of queued frames dropped before they were sent: a slow consumer's data before its close frame,
     * and pongs replaced by a newer one (sum of the loops' counters).
     */
    public long discardedBytes()
    {
        return counter(SystemCounter.DISCARDED_BYTES);
    }

    /**
     * @return connections closed because the multiplex protocol replies queued for them went past the outbound budget
     * plus its 64 KiB headroom (counted in {@link #slowConsumerCloses()} too; sum of the loops' counters).
     */
    public long protocolReplyOverflows()
    {
        return counter(SystemCounter.PROTOCOL_REPLY_OVERFLOWS);
    }

    /**
     * @return connections answered 503 because {@code wsmux.max.handshakes} connections of their loop were already in
     * their handshake (counted in {@link #handshakesRejected()} too; sum of the loops' counters).
     */
    public long handshakesRefusedBusy()
    {
        return counter(SystemCounter.HANDSHAKES_FAILED_BUSY);
    }

    /**
     * @return connections closed with 1013 because their partly received message would have taken their loop past
     * {@code wsmux.assembly.budget} (sum of the loops' counters).
     */
    public long assemblyRefusals()
    {
        return counter(SystemCounter.ASSEMBLY_REFUSALS);
    }

    /**
     * @return multiplex messages ignored: for channels not open, to topic channels, or malformed text-protocol
     * messages (sum of the loops' counters).
     */
    public long muxIgnoredMessages()
    {
        return counter(SystemCounter.MUX_IGNORED);
    }

    /**
     * @return topic publications written to subscribers (sum of the loops' counters).
     */
    public long deliveries()
    {
        return counter(SystemCounter.DELIVERIES);
    }

    /**
     * @return pending topic values replaced by newer ones for slow or throttled subscribers (sum of the loops'
     * counters).
     */
    public long conflations()
    {
        return counter(SystemCounter.CONFLATED_SLOW) + counter(SystemCounter.CONFLATED_RATE);
    }

    /**
     * @return outbound chunks the loops had to allocate (pool misses): grows only with the data really queued.
     */
    public long outboundChunksAllocated()
    {
        return counter(SystemCounter.CHUNKS_ALLOCATED);
    }

    /**
     * @return bytes written to sockets by all loops (sum of the loops' counters).
     */
    public long bytesWritten()
    {
        return counter(SystemCounter.BYTES_OUT);
    }

    /**
     * @return bytes of data frames waiting in outbound queues on all loops (sum of the loops' counters).
     */
    public long queuedBytes()
    {
        return counter(SystemCounter.QUEUED_BYTES);
    }

    /**
     * @return multiplexed channels open on all loops (from the loops' counters).
     */
    public long openChannels()
    {
        return counter(SystemCounter.CHANNELS_OPENED) - counter(SystemCounter.CHANNELS_CLOSED);
    }

    /**
     * @return messages received on channels and sent to channels and subscribers (sum of the loops' counters).
     */
    public long channelMessages()
    {
        return counter(SystemCounter.CHANNEL_MESSAGES_IN) + counter(SystemCounter.CHANNEL_MESSAGES_OUT) +
            counter(SystemCounter.DELIVERIES);
    }

    /**
     * Drain for a rolling deploy, over {@code wsmux.drain.period}: see {@link #drain(long)}.
     *
     * @return true if every connection closed within the period and the shutdown timeout after it.
     */
    public boolean drain()
    {
        return drain(settings.drainPeriodNs());
    }

    /**
     * Drain for a rolling deploy: stop accepting (on every port; {@code /health} answers 503 from now on, so a load
     * balancer takes the node out), then close the WebSocket connections with 1012 "service restart", spread evenly
     * over the period, loop by loop, so that their clients reconnect to the other nodes gradually rather than all at
     * once; SockJS sessions end at the end of the period. Returns once none is left, or the period and
     * {@code wsmux.shutdown.timeout} have passed. Call {@link #close()} afterwards (it closes what remains). Blocks the
     * caller; not on an I/O thread.
     *
     * @param periodNs over how long, 0 for all at once.
     * @return true if every connection closed in time.
     */
    public boolean drain(final long periodNs)
    {
        synchronized (this)
        {
            if (closed || !started || draining)
            {
                return 0 == limiter.open();
            }
            draining = true;
            accepting = false;
        }
        for (final IoLoop loop : loops)
        {
            loop.execute(() ->
            {
                loop.closeListener();
                new Drainer(loop, periodNs).start();
            });
        }
        final long deadlineNs = System.nanoTime() + periodNs + settings.shutdownTimeoutNs();
        while (limiter.open() > 0 && System.nanoTime() - deadlineNs < 0)
        {
            try
            {
                Thread.sleep(5);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return 0 == limiter.open();
    }

    /**
     * Closes one loop's connections with 1012 a few at a time, evenly over the drain period, on the loop's timer; then
     * ends the loop's SockJS sessions. Loop thread.
     */
    private final class Drainer implements LoopTask
    {
        private static final long TICK_NS = 10_000_000L;

        private final IoLoop loop;
        private final long periodNs;
        private final List<WsConnection> connections = new ArrayList<>();
        private long startNs;
        private int next;

        Drainer(final IoLoop loop, final long periodNs)
        {
            this.loop = loop;
            this.periodNs = periodNs;
        }

        void start()
        {
            loop.forEachConnection((connection) -> connections.add((WsConnection)connection));
            startNs = loop.nowNs();
            run(loop);
        }

        @Override
        public void run(final IoLoop loop)
        {
            final long elapsedNs = loop.nowNs() - startNs;
            final int total = connections.size();
            final int due = periodNs <= 0 || elapsedNs >= periodNs ? total :
                (int)Math.min(total, (long)Math.ceil((double)total * (elapsedNs + TICK_NS) / periodNs));
            while (next < due)
            {
                connections.get(next++).onDrain();
            }
            if (next < total)
            {
                loop.scheduleTask(this, loop.nowNs() + TICK_NS);
                return;
            }
            for (final SockJsEndpoint endpoint : sockJsEndpoints)
            {
                endpoint.sessions.values().stream().filter((session) -> session.loop == loop)
                    .forEach(SockJsSession::onShutdown);
            }
        }
    }

    /**
     * Graceful shutdown: stop accepting, close every connection with 1001, wait up to wsmux.shutdown.timeout for
     * the close handshakes, then close what remains and stop the I/O threads. Idempotent.
     */
    @Override
    public synchronized void close()
    {
        if (closed || !started)
        {
            closed = true;
            return;
        }
        closed = true;
        accepting = false; // /health answers 503 from now on

        for (final IoLoop loop : loops)
        {
            loop.execute(() ->
            {
                loop.closeListener();
                loop.forEachConnection((connection) -> ((WsConnection)connection).onShutdown());
                for (final SockJsEndpoint endpoint : sockJsEndpoints)
                {
                    endpoint.sessions.values().stream().filter((session) -> session.loop == loop)
                        .forEach(SockJsSession::onShutdown);
                }
            });
        }

        final long deadlineNs = System.nanoTime() + settings.shutdownTimeoutNs();
        while (limiter.open() > 0 && System.nanoTime() - deadlineNs < 0)
        {
            try
            {
                Thread.sleep(5);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                break;
            }
        }

        for (int i = 0; i < runners.size(); i++)
        {
            loops.get(i).prepareClose();
            runners.get(i).close();
            ((LoopContext)loops.get(i).connectionFactory()).onLoopClosed();
        }
        if (null != admin)
        {
            admin.close();
        }
        if (null != tls)
        {
            tls.close();
        }
        for (final ClusterBus bus : clusterBuses)
        {
            bus.close();
        }
        counters.close(); // a clean close removes the file
    }

    /**
     * Connect each multiplexer to the cluster's NATS: one connection each, the second and later ones under a subject
     * prefix of their own so that their topics do not mix. The connections are made in the background; the start
     * waits a moment for their first outcome, so that a node whose NATS answers starts connected, while one whose
     * NATS is unreachable or refuses it starts anyway (one line on stderr says why) and keeps trying.
     */
    private void joinCluster()
    {
        final String node = settings.clusterNode().isEmpty() ?
            "wsmux-" + ProcessHandle.current().pid() : settings.clusterNode();
        final List<NatsClusterLink> links = new ArrayList<>();
        for (int i = 0; i < multiplexers.size(); i++)
        {
            final String prefix = settings.clusterSubjectPrefix() + (0 == i ? "" : ".mux" + i);
            final NatsClusterLink link =
                NatsClusterLink.open(clusterOptions, node, prefix, settings.clusterBufferLength());
            clusterBuses.add(link);
            links.add(link);
            multiplexers.get(i).joinCluster(link);
        }
        final long deadlineNs = System.nanoTime() + CLUSTER_FIRST_OUTCOME_WAIT_NS;
        try
        {
            for (final NatsClusterLink link : links)
            {
                link.awaitFirstOutcome(deadlineNs - System.nanoTime());
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        final ClusterCounters sampler = new ClusterCounters(List.copyOf(multiplexers), counters);
        final IoLoop first = loops.get(0);
        first.execute(() -> sampler.run(first));
    }

    private void closeLoopsAtStart()
    {
        for (final ClusterBus bus : clusterBuses)
        {
            bus.close();
        }
        for (final IoLoop loop : loops)
        {
            loop.onClose();
        }
        counters.close();
        if (null != tls)
        {
            tls.close();
        }
    }

    /**
     * Configures a server: endpoints and handlers. Not thread safe.
     */
    public static final class Builder
    {
        private final WsmuxSettings settings;
        private final Map<String, Endpoint> endpoints = new HashMap<>();
        private final List<Multiplexer> multiplexers = new ArrayList<>();
        private final Map<String, DirectBuffer> resources = new HashMap<>();
        private final List<SockJsRegistration> sockJs = new ArrayList<>();
        private Endpoint anyPath;
        private ErrorHandler errorHandler = Throwable::printStackTrace;
        private SSLContext tlsContext;

        private Builder(final WsmuxSettings settings)
        {
            this.settings = settings;
        }

        /**
         * Serve WebSockets at a path.
         *
         * @param path    exact request path, starting with '/'.
         * @param handler callbacks.
         * @return this.
         */
        public Builder endpoint(final String path, final WebSocketHandler handler)
        {
            return endpoint(path, handler, null);
        }

        /**
         * Serve WebSockets at a path, with an upgrade hook and supported subprotocols.
         *
         * @param path         exact request path, starting with '/'.
         * @param handler      callbacks.
         * @param hook         decides each upgrade, or null to accept all.
         * @param subprotocols subprotocols spoken, in order of preference.
         * @return this.
         */
        public Builder endpoint(
            final String path, final WebSocketHandler handler, final UpgradeHook hook, final String... subprotocols)
        {
            if (null == path || !path.startsWith("/"))
            {
                throw new IllegalArgumentException("endpoint path must start with '/': path=" + path);
            }
            if (null != endpoints.putIfAbsent(path, new Endpoint(path, handler, hook, List.of(subprotocols), true)))
            {
                throw new IllegalArgumentException("endpoint already registered: path=" + path);
            }
            return this;
        }

        /**
         * Switch permessage-deflate off (or on again) for one endpoint: off, its connections decline every offer and
         * nothing they send or receive is compressed, whatever {@code wsmux.deflate} says (which must be on for
         * {@code true} to mean anything).
         *
         * @param path    an endpoint registered already ({@link #endpoint} or {@link #mux}).
         * @param enabled whether the endpoint negotiates compression.
         * @return this.
         */
        public Builder compression(final String path, final boolean enabled)
        {
            final Endpoint endpoint = endpoints.get(path);
            if (null == endpoint)
            {
                throw new IllegalArgumentException("no endpoint registered at this path: path=" + path);
            }
            endpoints.put(path, new Endpoint(
                endpoint.path(), endpoint.handler(), endpoint.hook(), endpoint.subprotocols(), enabled));
            return this;
        }

        /**
         * Serve multiplexed WebSockets at a path: both the text protocol ({@code websocket-multiplex}) and the
         * binary protocol ({@code wsmux.v1}, by subprotocol), reaching the multiplexer's services and topics. Also
         * serves the browser client for both protocols at {@code /wsmux.js}.
         *
         * @param path        exact request path, starting with '/'.
         * @param multiplexer services, topics and authorization.
         * @param hook        decides each upgrade, or null to accept all.
         * @return this.
         */
        public Builder mux(final String path, final Multiplexer multiplexer, final UpgradeHook hook)
        {
            endpoint(path, new MuxEndpointHandler(multiplexer), hook, BinaryMuxDescriptor.SUBPROTOCOL);
            if (!multiplexers.contains(multiplexer))
            {
                multiplexers.add(multiplexer);
            }
            resource("/wsmux.js", "text/javascript; charset=utf-8", BrowserClient.script());
            return this;
        }

        /**
         * Serve multiplexed WebSockets at a path, accepting every upgrade.
         *
         * @param path        exact request path, starting with '/'.
         * @param multiplexer services, topics and authorization.
         * @return this.
         */
        public Builder mux(final String path, final Multiplexer multiplexer)
        {
            return mux(path, multiplexer, null);
        }

        /**
         * Serve the SockJS protocol under a prefix: every SockJS transport (WebSocket, xhr-streaming, eventsource,
         * htmlfile, xhr and JSONP polling) and the raw WebSocket at {@code prefix/websocket}. Each SockJS session is
         * a {@link Connection} to the handler, whatever transport carries it. Also serves sockjs-client at
         * {@link SockJsOptions#BUNDLED_CLIENT_PATH} when the jar carries it.
         *
         * @param prefix  the base URL's path, starting with '/' and not ending with one.
         * @param handler callbacks.
         * @param hook    decides each new session (and raw WebSocket), or null to accept all.
         * @param options per-endpoint options, or null for the server's settings.
         * @return this.
         */
        public Builder sockJs(
            final String prefix, final WebSocketHandler handler, final UpgradeHook hook, final SockJsOptions options)
        {
            if (null == prefix || !prefix.startsWith("/") || prefix.endsWith("/") || prefix.indexOf('?') >= 0)
            {
                throw new IllegalArgumentException("SockJS prefix must start with '/' and not end with one: prefix=" +
                    prefix);
            }
            for (final SockJsRegistration existing : sockJs)
            {
                if (existing.prefix.equals(prefix) || existing.prefix.startsWith(prefix + "/") ||
                    prefix.startsWith(existing.prefix + "/"))
                {
                    throw new IllegalArgumentException("SockJS prefix overlaps another: prefix=" + prefix);
                }
            }
            sockJs.add(new SockJsRegistration(prefix, handler, hook, null == options ? new SockJsOptions() : options));
            final byte[] client = BrowserClient.sockJsClient();
            if (null != client)
            {
                resource(SockJsOptions.BUNDLED_CLIENT_PATH, "application/javascript; charset=UTF-8", client);
            }
            return this;
        }

        /**
         * Serve the SockJS protocol under a prefix with the server's settings, accepting every session.
         *
         * @param prefix  the base URL's path.
         * @param handler callbacks.
         * @return this.
         */
        public Builder sockJs(final String prefix, final WebSocketHandler handler)
        {
            return sockJs(prefix, handler, null, null);
        }

        /**
         * Serve a multiplexer over SockJS under a prefix: the text protocol ({@code websocket-multiplex}) over every
         * SockJS transport, reaching the same services and topics as the multiplexer's WebSocket endpoint. Also
         * serves websocket-multiplex's browser client at {@code /websocket-multiplex.js} when the jar carries it.
         *
         * @param prefix      the base URL's path.
         * @param multiplexer services, topics and authorization.
         * @param hook        decides each new session, or null to accept all.
         * @param options     per-endpoint options, or null.
         * @return this.
         */
        public Builder sockJs(
            final String prefix, final Multiplexer multiplexer, final UpgradeHook hook, final SockJsOptions options)
        {
            if (!multiplexers.contains(multiplexer))
            {
                multiplexers.add(multiplexer);
            }
            final byte[] client = BrowserClient.multiplexClient();
            if (null != client)
            {
                resource("/websocket-multiplex.js", "application/javascript; charset=UTF-8", client);
            }
            return sockJs(prefix, new MuxEndpointHandler(multiplexer), hook, options);
        }

        /**
         * Serve a fixed resource (a page, a script) to plain HTTP GETs of a path: the whole response is built once.
         * For small files the server ships with (the browser client, the demo page), not a web server.
         *
         * @param path        exact request path, starting with '/'.
         * @param contentType e.g. {@code text/javascript; charset=utf-8}.
         * @param body        the bytes.
         * @return this.
         */
        public Builder resource(final String path, final String contentType, final byte[] body)
        {
            if (null == path || !path.startsWith("/"))
            {
                throw new IllegalArgumentException("resource path must start with '/': path=" + path);
            }
            final byte[] head = ("HTTP/1.1 200 OK\r\nContent-Type: " + contentType + "\r\nContent-Length: " +
                body.length + "\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
            final UnsafeBuffer response = new UnsafeBuffer(new byte[head.length + body.length]);
            response.putBytes(0, head);
            response.putBytes(head.length, body);
            resources.put(path, response);
            return this;
        }

        /**
         * Serve WebSockets on every path no other endpoint claims (echo mode).
         *
         * @param handler callbacks.
         * @return this.
         */
        public Builder anyPath(final WebSocketHandler handler)
        {
            anyPath = new Endpoint(null, handler, null, List.of(), true);
            return this;
        }

        /**
         * Serve TLS with a context of the application's own (its key manager, a hardware module) instead of the
         * files {@code wsmux.tls.cert}/{@code wsmux.tls.key} or {@code wsmux.tls.keystore} name; the port is still
         * {@code wsmux.tls.port}, which must be set. Such a server does not reload its certificate: give the
         * context a key manager that does.
         *
         * @param context the server's TLS context.
         * @return this.
         */
        public Builder tls(final SSLContext context)
        {
            this.tlsContext = context;
            return this;
        }

        /**
         * @param errorHandler told about unexpected errors (bugs, I/O failures); default prints them.
         * @return this.
         */
        public Builder errorHandler(final ErrorHandler errorHandler)
        {
            this.errorHandler = errorHandler;
            return this;
        }

        /**
         * Check the settings ({@link WsmuxSettings#conclude()}) and build the server.
         *
         * @return the server, not yet started.
         * @throws WsmuxConfigurationException naming the property, the accepted range and the value when a setting
         *                                     is out of range, however it was set.
         * @throws IllegalStateException       if no endpoint is configured.
         */
        public WsmuxServer build()
        {
            if (endpoints.isEmpty() && null == anyPath && sockJs.isEmpty())
            {
                throw new IllegalStateException("no endpoint configured");
            }
            return new WsmuxServer(this);
        }

        private record SockJsRegistration(
            String prefix, WebSocketHandler handler, UpgradeHook hook, SockJsOptions options)
        {
        }
    }
}
