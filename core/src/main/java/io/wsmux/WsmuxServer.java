package io.wsmux;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;

import java.nio.charset.StandardCharsets;

import io.wsmux.codec.mux.BinaryMuxDescriptor;
import io.wsmux.transport.ConnectionLimiter;
import io.wsmux.transport.IdleMode;
import io.wsmux.transport.IoLoop;
import io.wsmux.transport.IoLoopConfig;
import org.agrona.DirectBuffer;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.NoOpIdleStrategy;
import org.agrona.concurrent.SystemNanoClock;
import org.agrona.concurrent.UnsafeBuffer;

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
 */
public final class WsmuxServer implements AutoCloseable
{
    private static final int TICKS_PER_WHEEL = 512;

    private final WsmuxSettings settings;
    private final Map<String, Endpoint> endpoints;
    private final Endpoint anyPath;
    private final Map<String, DirectBuffer> resources;
    private final List<Multiplexer> multiplexers;
    private final ErrorHandler errorHandler;
    private final ConnectionLimiter limiter;
    private final List<IoLoop> loops = new ArrayList<>();
    private final List<LoopContext> contexts = new ArrayList<>();
    private final List<AgentRunner> runners = new ArrayList<>();
    private InetSocketAddress address;
    private boolean started;
    private boolean closed;

    private WsmuxServer(final Builder builder)
    {
        this.settings = builder.settings.conclude();
        this.endpoints = Map.copyOf(builder.endpoints);
        this.anyPath = builder.anyPath;
        this.resources = Map.copyOf(builder.resources);
        this.multiplexers = List.copyOf(builder.multiplexers);
        this.errorHandler = builder.errorHandler;
        this.limiter = new ConnectionLimiter(settings.maxConnections());
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

        final IoLoop[] acceptTargets = reusePort ? null : new IoLoop[loopCount];
        for (int i = 0; i < loopCount; i++)
        {
            final LoopContext context = new LoopContext(settings, endpoints, resources, anyPath, errorHandler);
            final IoLoop loop = new IoLoop(
                i, config, context, limiter, new SystemNanoClock(), errorHandler, 0 == i ? acceptTargets : null);
            context.loop = loop;
            contexts.add(context);
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
            for (final IoLoop loop : loops)
            {
                loop.onClose();
            }
            throw new IOException("cannot listen on " + settings.bindAddress() + ":" + settings.port() + ": " +
                ex.getMessage(), ex);
        }

        final IoLoop[] loopArray = loops.toArray(new IoLoop[0]);
        for (final Multiplexer multiplexer : multiplexers)
        {
            multiplexer.bind(loopArray, settings);
        }

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
     * @return the settings in use.
     */
    public WsmuxSettings settings()
    {
        return settings;
    }

    /**
     * @return connections open now, handshaking ones included.
     */
    public int openConnections()
    {
        return limiter.open();
    }

    /**
     * @return messages received on all loops (racy sum of per-loop counters).
     */
    public long messagesIn()
    {
        return sumOverLoops((context) -> context.messagesIn);
    }

    /**
     * @return messages sent on all loops (racy sum of per-loop counters).
     */
    public long messagesOut()
    {
        return sumOverLoops((context) -> context.messagesOut);
    }

    /**
     * @return protocol violations seen on all loops.
     */
    public long protocolErrors()
    {
        return sumOverLoops((context) -> context.protocolErrors);
    }

    /**
     * @return upgrade requests answered with an HTTP error.
     */
    public long handshakesRejected()
    {
        return sumOverLoops((context) -> context.handshakesRejected);
    }

    /**
     * @return sockets refused at the connection limit.
     */
    public long refusedConnections()
    {
        return sumOverLoops((context) -> context.loop.refusedConnections());
    }

    /**
     * @return connections closed for exceeding their outbound budget.
     */
    public long slowConsumerCloses()
    {
        return sumOverLoops((context) -> context.slowConsumerCloses);
    }

    /**
     * @return times a connection was not read because more than its outbound budget was queued for it (back-pressure
     * on a client that sends requests without reading the replies; racy sum).
     */
    public long readPauses()
    {
        return sumOverLoops((context) -> context.loop.readPauses());
    }

    /**
     * @return bytes of queued frames dropped before they were sent: a slow consumer's data before its close frame,
     * and pongs replaced by a newer one (racy sum).
     */
    public long discardedBytes()
    {
        return sumOverLoops((context) -> context.discardedBytes);
    }

    /**
     * @return connections closed because the multiplex protocol replies queued for them went past the outbound budget
     * plus its 64 KiB headroom (counted in {@link #slowConsumerCloses()} too; racy sum).
     */
    public long protocolReplyOverflows()
    {
        return sumOverLoops((context) -> context.protocolReplyOverflows);
    }

    /**
     * @return connections answered 503 because {@code wsmux.max.handshakes} connections of their loop were already in
     * their handshake (counted in {@link #handshakesRejected()} too; racy sum).
     */
    public long handshakesRefusedBusy()
    {
        return sumOverLoops((context) -> context.handshakesRefusedBusy);
    }

    /**
     * @return connections closed with 1013 because their partly received message would have taken their loop past
     * {@code wsmux.assembly.budget} (racy sum).
     */
    public long assemblyRefusals()
    {
        return sumOverLoops((context) -> context.assemblyRefusals);
    }

    /**
     * @return multiplex messages ignored: for channels not open, to topic channels, or malformed text-protocol
     * messages (racy sum).
     */
    public long muxIgnoredMessages()
    {
        return sumOverLoops((context) -> context.muxIgnoredMessages);
    }

    /**
     * @return topic publications written to subscribers (racy sum).
     */
    public long deliveries()
    {
        return sumOverLoops((context) -> context.deliveries);
    }

    /**
     * @return pending topic values replaced by newer ones for slow or throttled subscribers (racy sum).
     */
    public long conflations()
    {
        return sumOverLoops((context) -> context.conflations);
    }

    /**
     * @return outbound chunks the loops had to allocate (pool misses): grows only with the data really queued.
     */
    public long outboundChunksAllocated()
    {
        return sumOverLoops((context) -> context.loop.chunksAllocated());
    }

    /**
     * @return bytes written to sockets by all loops (racy sum).
     */
    public long bytesWritten()
    {
        return sumOverLoops((context) -> context.loop.bytesWritten());
    }

    /**
     * @return bytes of data frames waiting in outbound queues on all loops (racy sum).
     */
    public long queuedBytes()
    {
        return sumOverLoops((context) -> context.loop.queuedBytes());
    }

    /**
     * @return multiplexed channels open on all loops (racy).
     */
    public long openChannels()
    {
        return sumOverLoops((context) -> context.channelsOpened - context.channelsClosed);
    }

    /**
     * @return messages received on channels and sent to channels and subscribers (racy sum).
     */
    public long channelMessages()
    {
        return sumOverLoops((context) -> context.channelMessagesIn + context.channelMessagesOut + context.deliveries);
    }

    private long sumOverLoops(final ToLongFunction<LoopContext> counter)
    {
        long total = 0;
        for (final LoopContext context : contexts)
        {
            total += counter.applyAsLong(context);
        }
        return total;
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

        for (final IoLoop loop : loops)
        {
            loop.execute(() ->
            {
                loop.closeListener();
                loop.forEachConnection((connection) -> ((WsConnection)connection).onShutdown());
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
        private Endpoint anyPath;
        private ErrorHandler errorHandler = Throwable::printStackTrace;

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
            if (null != endpoints.putIfAbsent(path, new Endpoint(path, handler, hook, List.of(subprotocols))))
            {
                throw new IllegalArgumentException("endpoint already registered: path=" + path);
            }
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
            multiplexers.add(multiplexer);
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
            anyPath = new Endpoint(null, handler, null, List.of());
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
            if (endpoints.isEmpty() && null == anyPath)
            {
                throw new IllegalStateException("no endpoint configured");
            }
            return new WsmuxServer(this);
        }
    }
}
