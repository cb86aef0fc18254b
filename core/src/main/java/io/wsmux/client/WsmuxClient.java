package io.wsmux.client;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;

import io.wsmux.transport.ConnectionLimiter;
import io.wsmux.transport.IdleMode;
import io.wsmux.transport.IoLoop;
import io.wsmux.transport.IoLoopConfig;
import io.wsmux.transport.TransportCounters;
import io.wsmux.transport.tls.TlsCredentials;
import io.wsmux.transport.tls.TlsEngineFactory;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.NoOpIdleStrategy;
import org.agrona.concurrent.SystemNanoClock;

/**
 * A WebSocket client for tests and load generation: one client {@link IoLoop} on its own daemon thread,
 * "wsmux-client-0", owning every connection it opens.
 * <pre>
 * try (WsmuxClient client = WsmuxClient.start())
 * {
 *     WebSocketClientConnection c = client.connect(URI.create("ws://127.0.0.1:8080/echo"), null, handler).get();
 *     c.sendText("hello");
 * }
 * </pre>
 * One loop drives thousands of connections; for more CPU, start several clients. Thread safe: {@link #connect} and
 * {@link #close()} may be called from any thread but the client's own (its handler callbacks). A
 * {@link ReconnectingMuxClient} adds a second daemon thread, "wsmux-client-0-reconnect", on first use: its waits
 * between attempts and its connects (which may block on DNS) run there, off the I/O thread.
 */
public final class WsmuxClient implements AutoCloseable
{
    private static final int CORK_BUFFER_LENGTH = 64 * 1024;
    private static final int CHUNK_LENGTH = 16 * 1024;
    private static final int MAX_POOLED_CHUNKS = 256;
    private static final int TASK_QUEUE_CAPACITY = 4096;
    /** About 4 ms: the precision of handshake and close timeouts. */
    private static final long TICK_RESOLUTION_NS = 1L << 22;
    private static final int TICKS_PER_WHEEL = 512;
    private static final int ACCEPT_BACKLOG = 1;
    private static final long CLOSE_POLL_MS = 2;
    private static final String ROLE_NAME = "wsmux-client-0";

    private final ClientSettings settings;
    private final ClientContext context;
    private final ConnectionLimiter limiter;
    private final IoLoop loop;
    private final TransportCounters counters = TransportCounters.unattached();
    private final AgentRunner runner;
    /** Run by {@link #close()} once the loop has stopped: {@link ReconnectingMuxClient}s finish. */
    private final Set<Runnable> closeListeners = ConcurrentHashMap.newKeySet();
    private TlsEngineFactory tls;
    /** Waits and connects of {@link ReconnectingMuxClient}s: made on first use, stopped by {@link #close()}. */
    private ScheduledExecutorService reconnectScheduler;
    private boolean closed;

    private WsmuxClient(final ClientSettings settings)
    {
        this.settings = settings;
        this.context = new ClientContext(settings);
        this.limiter = new ConnectionLimiter(settings.maxConnections());
        final IoLoopConfig config = new IoLoopConfig(
            settings.readBufferLength(),
            CORK_BUFFER_LENGTH,
            CHUNK_LENGTH,
            MAX_POOLED_CHUNKS,
            settings.commandBufferLength(),
            TASK_QUEUE_CAPACITY,
            TICK_RESOLUTION_NS,
            TICKS_PER_WHEEL,
            settings.idleMode(),
            true,
            0,
            0,
            ACCEPT_BACKLOG,
            0);
        this.loop = new IoLoop(
            0, config, context, limiter, new SystemNanoClock(), settings.errorHandler(), null, counters);
        this.runner = new AgentRunner(
            idleStrategy(settings.idleMode()),
            settings.errorHandler(),
            null,
            new ClientAgent(loop, context, settings.dutyCycleWork()));
    }

    /**
     * Start a client with default settings.
     *
     * @return the running client.
     */
    public static WsmuxClient start()
    {
        return start(new ClientSettings());
    }

    /**
     * Start a client.
     *
     * @param settings checked with {@link ClientSettings#conclude()}.
     * @return the running client.
     */
    public static WsmuxClient start(final ClientSettings settings)
    {
        final WsmuxClient client = new WsmuxClient(settings.conclude());
        AgentRunner.startOnThread(client.runner, (task) ->
        {
            final Thread thread = new Thread(task, ROLE_NAME);
            thread.setDaemon(true); // a forgotten test client must not keep the JVM alive
            return thread;
        });
        return client;
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
     * Open a WebSocket.
     *
     * @param uri         {@code ws://host[:port]/path[?query]} or {@code wss://...}.
     * @param subprotocol to ask for with Sec-WebSocket-Protocol, or null; the server must confirm it.
     * @param handler     the connection's callbacks, on the client's thread.
     * @return completes with the open connection (after {@link ClientHandler#onOpen}, on the client's thread), or
     * fails: {@link IllegalArgumentException} for a bad URI, {@link IOException} when TCP cannot connect,
     * {@link WebSocketHandshakeException} when the server does not accept the upgrade.
     */
    public CompletableFuture<WebSocketClientConnection> connect(
        final URI uri, final String subprotocol, final ClientHandler handler)
    {
        return connect(uri, subprotocol, handler, null);
    }

    /**
     * Open a WebSocket from a given source address (to spread many connections over 127.0.0.x, say).
     *
     * @param uri          {@code ws://host[:port]/path[?query]} or {@code wss://...}.
     * @param subprotocol  to ask for with Sec-WebSocket-Protocol, or null; the server must confirm it.
     * @param handler      the connection's callbacks, on the client's thread.
     * @param localAddress source address to bind, or null for any.
     * @return completes with the open connection, or fails (see {@link #connect(URI, String, ClientHandler)}).
     */
    public CompletableFuture<WebSocketClientConnection> connect(
        final URI uri, final String subprotocol, final ClientHandler handler, final InetSocketAddress localAddress)
    {
        if (null == handler)
        {
            throw new NullPointerException("handler");
        }
        final CompletableFuture<WebSocketClientConnection> future = new CompletableFuture<>();
        final ConnectRequest request;
        try
        {
            request = ConnectRequest.of(uri, subprotocol, handler, future);
        }
        catch (final IllegalArgumentException ex)
        {
            future.completeExceptionally(ex);
            return future;
        }
        TlsEngineFactory tlsFactory = null;
        if (request.secure)
        {
            try
            {
                tlsFactory = tls();
            }
            catch (final IllegalArgumentException ex) // the trust store does not load
            {
                future.completeExceptionally(ex);
                return future;
            }
        }
        if (request.remote.isUnresolved())
        {
            future.completeExceptionally(new UnknownHostException("cannot resolve " + uri.getHost() + " of " + uri));
            return future;
        }

        context.pending.add(request);
        if (context.closed)
        {
            failPending(request, "client closed");
        }
        else if (!loop.connect(request.remote, localAddress, request, settings.connectTimeoutNs(), tlsFactory))
        {
            failPending(request, "client task queue full");
        }
        else if (context.closed)
        {
            // Raced with close(): it may have drained the pending set before this request was in it.
            failPending(request, "client closed");
        }
        return future;
    }

    /**
     * The engine factory of this client's {@code wss://} connections, made on first use from the settings.
     */
    private synchronized TlsEngineFactory tls()
    {
        if (null == tls)
        {
            SSLContext context = settings.tlsContext();
            if (null == context)
            {
                final TrustManager[] trust = null == settings.tlsTrustStore() ? null :
                    TlsCredentials.trustManagers(settings.tlsTrustStore(), null);
                context = TlsCredentials.clientContext(trust);
            }
            tls = TlsEngineFactory.client(context, null, null, settings.tlsVerifyHostname());
        }
        return tls;
    }

    /**
     * @return connections open or connecting now.
     */
    public int openConnections()
    {
        return limiter.open();
    }

    /**
     * Bytes read from this client's sockets (HTTP upgrade responses and frames as they came off the wire, so
     * compressed where permessage-deflate was agreed), as the loop published them at the end of its last duty cycle.
     * What a load generator compares with the message bytes it delivered to see what compression saved.
     *
     * @return bytes read since the client started; any thread.
     */
    public long bytesRead()
    {
        return counters.counter(TransportCounters.BYTES_IN).get();
    }

    /**
     * @return the settings in use.
     */
    public ClientSettings settings()
    {
        return settings;
    }

    /**
     * Close every connection and stop the thread: open connections start the close handshake with 1001 (going
     * away) and get up to the close timeout to finish it; connections still handshaking or connecting fail.
     * Idempotent.
     *
     * @throws IllegalStateException when called from the client's own thread (a handler callback), which would
     *                               wait for itself.
     */
    @Override
    public void close()
    {
        if (loop.isLoopThread())
        {
            throw new IllegalStateException("close() called from the client's own I/O thread");
        }
        synchronized (this)
        {
            if (closed)
            {
                return;
            }
            closed = true;
        }
        context.closed = true;

        final boolean queued = loop.execute(() -> loop.forEachConnection(
            (connection) -> ((WebSocketClientConnection)connection).onClientClose()));
        final long deadlineNs = System.nanoTime() + settings.closeTimeoutNs();
        while (queued && limiter.open() > context.pending.size() && System.nanoTime() - deadlineNs < 0)
        {
            try
            {
                Thread.sleep(CLOSE_POLL_MS);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                break;
            }
        }

        loop.prepareClose();
        runner.close();
        final ScheduledExecutorService scheduler;
        synchronized (this)
        {
            scheduler = reconnectScheduler;
        }
        if (null != scheduler)
        {
            scheduler.shutdownNow(); // waits not yet over never end: the close listeners below are told instead
        }
        for (final ConnectRequest request : new ArrayList<>(context.pending))
        {
            failPending(request, "client closed");
        }
        for (final Runnable listener : closeListeners)
        {
            try
            {
                listener.run();
            }
            catch (final Throwable ex)
            {
                settings.errorHandler().onError(ex);
            }
        }
        closeListeners.clear();
    }

    /**
     * @param listener run by {@link #close()} on its thread once the I/O thread has stopped: a
     *                 {@link ReconnectingMuxClient} waiting for its next attempt finishes then.
     */
    void addCloseListener(final Runnable listener)
    {
        closeListeners.add(listener);
    }

    /**
     * @param listener no longer to be run by {@link #close()}.
     */
    void removeCloseListener(final Runnable listener)
    {
        closeListeners.remove(listener);
    }

    /**
     * @return true when called on the client's I/O thread.
     */
    boolean isLoopThread()
    {
        return loop.isLoopThread();
    }

    /**
     * Run a task on the client's I/O thread (cold paths). Any thread; allocates.
     *
     * @param task to run.
     * @return false if the task queue is full.
     */
    boolean execute(final Runnable task)
    {
        return loop.execute(task);
    }

    /**
     * @return true once {@link #close()} has begun.
     */
    boolean isClosed()
    {
        return context.closed;
    }

    /**
     * The thread {@link ReconnectingMuxClient}s wait for their next attempt on and start it from, off the I/O
     * thread: a connect resolves the host name on the caller's thread, which may block on DNS. One daemon thread,
     * "wsmux-client-0-reconnect", made on first use and stopped by {@link #close()}.
     *
     * @return the scheduler.
     * @throws RejectedExecutionException when the client is closed.
     */
    synchronized ScheduledExecutorService reconnectScheduler()
    {
        if (closed)
        {
            throw new RejectedExecutionException("client closed");
        }
        if (null == reconnectScheduler)
        {
            reconnectScheduler = Executors.newSingleThreadScheduledExecutor((task) ->
            {
                final Thread thread = new Thread(task, ROLE_NAME + "-reconnect");
                thread.setDaemon(true);
                return thread;
            });
        }
        return reconnectScheduler;
    }

    private void failPending(final ConnectRequest request, final String why)
    {
        if (context.pending.remove(request))
        {
            request.future.completeExceptionally(new IOException("cannot connect to " + request.uri + ": " + why));
        }
    }

    /**
     * The loop under the client's own role name: the runner names its thread after the agent's role, and the
     * loop's own role name ("wsmux-io-0") would make client and server threads look alike in a thread dump.
     */
    private static final class ClientAgent implements Agent
    {
        private final IoLoop loop;
        private final ClientContext context;
        private final DutyCycleWork work;

        ClientAgent(final IoLoop loop, final ClientContext context, final DutyCycleWork work)
        {
            this.loop = loop;
            this.context = context;
            this.work = work;
        }

        @Override
        public void onStart()
        {
            loop.onStart();
        }

        @Override
        public int doWork()
        {
            final int ioWork = loop.doWork();
            return null == work ? ioWork : ioWork + work.doWork(loop.nowNs());
        }

        @Override
        public void onClose()
        {
            loop.onClose();
            context.onLoopClosed();
        }

        @Override
        public String roleName()
        {
            return ROLE_NAME;
        }
    }

    @Override
    public String toString()
    {
        return "WsmuxClient{openConnections=" + limiter.open() + ", closeTimeoutMs=" +
            TimeUnit.NANOSECONDS.toMillis(settings.closeTimeoutNs()) + "}";
    }
}
