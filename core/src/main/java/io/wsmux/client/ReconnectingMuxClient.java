package io.wsmux.client;

import java.net.ProtocolException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;

import io.wsmux.codec.CloseCode;

/**
 * A {@code wsmux.v1} client that reconnects by itself, as {@code wsmux.js} does (its header comment, "Reconnect"):
 * one {@link MuxClient} at a time, a new one after each close, and {@link ReconnectingChannel}s that stay the same
 * objects across them.
 * <pre>
 * ReconnectingMuxClient mux = ReconnectingMuxClient.connect(client, uri, ReconnectPolicy.DEFAULT, muxListener);
 * ReconnectingChannel trades = mux.channel("trades.EURUSD", 0, true, listener);  // positions: recover after a cut
 * ReconnectingChannel orders = mux.channel("orders", 0, false, ordersListener);
 * orders.sendText("buy 1M EURUSD");                                              // queued until open
 * </pre>
 * <ul>
 * <li>When the WebSocket closes without {@link #close()}, or an attempt to open one fails (a refused handshake
 * too), the client waits as the {@link ReconnectPolicy} says ({@link MuxListener#onReconnecting}), opens a new one
 * ({@link MuxListener#onReconnected}), and re-opens every channel not closed, in the order they were first asked
 * for, with the same names and options.</li>
 * <li>It does not reconnect after {@link #close()}, nor after a close code that blames this client (1002, 1003,
 * 1007, 1009, 1010: {@link ReconnectPolicy#reconnectsAfter}), including a 1002 it sent itself because the server
 * broke {@code wsmux.v1}; then every channel gets its final callback and {@link MuxListener#onClose} is called,
 * once. Closing the {@link WsmuxClient} ends it too (1001).</li>
 * <li>A channel with positions re-opens with RECOVER from the last position it delivered, after a reconnect and
 * after a GAP; {@link ReconnectingChannelListener#onRecovery} says RECOVERED (how many follow) or NOT_RECOVERED
 * (nothing replayed; the last value follows if the topic keeps one).</li>
 * <li>Sends while a channel is not open are queued, up to the queue limit per channel, then refused (false).</li>
 * </ul>
 * Why a class over {@link MuxClient} rather than a mode of it: a {@link MuxClient} and its channel ids live and die
 * with one WebSocket, and its receive path stays as it was (allocation free); reconnecting is a cold path of state
 * machines, queues and timers kept out of it.
 * <p>
 * Threads: callbacks run on the {@link WsmuxClient}'s I/O thread. The waits between attempts, and the attempts
 * themselves (a connect resolves the host name, which may block on DNS), run on the client's reconnect thread,
 * never on the I/O thread. Once the {@link WsmuxClient} is closing, the callbacks that finish this client may run on
 * the thread that closes it. A listener that throws is reported to {@link MuxListener#onFailure} and closes nothing.
 * Thread safe: channels may be opened, used and closed, and the client closed, from any thread.
 */
public final class ReconnectingMuxClient implements AutoCloseable
{
    /** Messages each channel holds while it is not open, as wsmux.js's {@code queueLimit} default. */
    public static final int QUEUE_LIMIT_DEFAULT = 1000;

    private static final int MAX_NAME_LENGTH = 0xFFFF;
    private static final String CLIENT_CLOSED_REASON = "client closed";
    private static final MuxListener NO_LISTENER = new MuxListener()
    {
    };

    private final WsmuxClient client;
    private final URI uri;
    private final ReconnectPolicy policy;
    private final int queueLimit;
    private final MuxListener listener;
    private final Events events = new Events();
    /** Told by the {@link WsmuxClient}'s close, which ends any wait for the next attempt. */
    private final Runnable onClientClosed = () -> finish(CloseCode.GOING_AWAY, CLIENT_CLOSED_REASON);

    /** I/O thread only (see {@link #runOnLoop}). */
    private final Backoff backoff;
    private final List<ReconnectingChannel> channels = new ArrayList<>();
    private MuxClient lastMux;
    private boolean everOpened;
    /** The current connection sent 1002 itself: the server broke {@code wsmux.v1}. */
    private boolean protocolFailure;
    private int finishCode;
    private String finishReason;

    /** The open connection, or null while waiting or connecting. */
    private volatile MuxClient mux;
    /** {@link #close()} was called, or the client finished. */
    private volatile boolean closed;
    /** Set once, under this: the final callbacks are under way. */
    private volatile boolean finished;

    private ReconnectingMuxClient(
        final WsmuxClient client,
        final URI uri,
        final ReconnectPolicy policy,
        final int queueLimit,
        final MuxListener listener,
        final DoubleSupplier random)
    {
        this.client = client;
        this.uri = uri;
        this.policy = policy;
        this.queueLimit = queueLimit;
        this.listener = null == listener ? NO_LISTENER : listener;
        this.backoff = new Backoff(policy, random);
    }

    /**
     * Start connecting, with {@link #QUEUE_LIMIT_DEFAULT}.
     *
     * @param client   to connect with.
     * @param uri      the server's multiplexing endpoint, e.g. {@code ws://127.0.0.1:8080/mux}.
     * @param policy   when to try again; {@link ReconnectPolicy#DEFAULT} for wsmux.js's defaults.
     * @param listener told of the connection's life ({@link MuxListener#onOpen}, {@link MuxListener#onReconnecting},
     *                 {@link MuxListener#onReconnected}, {@link MuxListener#onClose}), ERROR messages and failures;
     *                 null for none.
     * @return the client, connecting: channels may be asked for at once.
     */
    public static ReconnectingMuxClient connect(
        final WsmuxClient client, final URI uri, final ReconnectPolicy policy, final MuxListener listener)
    {
        return connect(client, uri, policy, QUEUE_LIMIT_DEFAULT, listener);
    }

    /**
     * Start connecting.
     *
     * @param client     to connect with.
     * @param uri        the server's multiplexing endpoint.
     * @param policy     when to try again.
     * @param queueLimit messages each channel holds while it is not open, at least 0.
     * @param listener   told of the connection's life; null for none.
     * @return the client, connecting.
     */
    public static ReconnectingMuxClient connect(
        final WsmuxClient client,
        final URI uri,
        final ReconnectPolicy policy,
        final int queueLimit,
        final MuxListener listener)
    {
        return connect(client, uri, policy, queueLimit, listener, () -> ThreadLocalRandom.current().nextDouble());
    }

    static ReconnectingMuxClient connect(
        final WsmuxClient client,
        final URI uri,
        final ReconnectPolicy policy,
        final int queueLimit,
        final MuxListener listener,
        final DoubleSupplier random)
    {
        if (null == client || null == uri || null == policy)
        {
            throw new NullPointerException("client, uri and policy are required");
        }
        if (queueLimit < 0)
        {
            throw new IllegalArgumentException("queueLimit must be >= 0: queueLimit=" + queueLimit);
        }
        final ReconnectingMuxClient mux = new ReconnectingMuxClient(client, uri, policy, queueLimit, listener, random);
        client.addCloseListener(mux.onClientClosed);
        mux.scheduleAttempt(0);
        return mux;
    }

    /**
     * Open a channel, now if the WebSocket is open, else when it opens; re-opened after every reconnect.
     *
     * @param name      the service or topic name, 1 to 65535 bytes of UTF-8.
     * @param maxRate   at most this many messages per second for a topic subscription, 0 for no limit.
     * @param positions ask for positions: on a topic with a history, messages carry offsets and the channel
     *                  recovers what it missed after a reconnect or a GAP.
     * @param listener  the channel's callbacks.
     * @return the channel.
     * @throws IllegalArgumentException for an empty or too long name, or a negative rate.
     * @throws IllegalStateException    when the client is closed.
     */
    public ReconnectingChannel channel(
        final String name, final int maxRate, final boolean positions, final ReconnectingChannelListener listener)
    {
        return add(name, maxRate, positions, false, 0, 0, listener);
    }

    /**
     * Open a channel with positions that resumes after a position saved earlier ({@link ReconnectingChannel#epoch()}
     * and {@link ReconnectingChannel#position()}, before a restart of the application, say), as wsmux.js's
     * {@code from}: its first {@link ReconnectingChannelListener#onRecovery} says whether it recovered.
     *
     * @param name     the topic name.
     * @param maxRate  at most this many messages per second, 0 for no limit.
     * @param epoch    the epoch of the last message the application has.
     * @param offset   its offset.
     * @param listener the channel's callbacks.
     * @return the channel.
     */
    public ReconnectingChannel recover(
        final String name,
        final int maxRate,
        final long epoch,
        final long offset,
        final ReconnectingChannelListener listener)
    {
        if (offset < 0)
        {
            throw new IllegalArgumentException("offset must be >= 0: offset=" + offset);
        }
        return add(name, maxRate, true, true, epoch, offset, listener);
    }

    /**
     * @return the WebSocket's {@link MuxClient} while one is open, else null.
     */
    public MuxClient mux()
    {
        return mux;
    }

    /**
     * @return true while a WebSocket is open.
     */
    public boolean isOpen()
    {
        final MuxClient current = mux;
        return null != current && current.isOpen();
    }

    /**
     * @return true once {@link #close()} was called or the client gave up.
     */
    public boolean isClosed()
    {
        return closed;
    }

    /**
     * @return the endpoint.
     */
    public URI uri()
    {
        return uri;
    }

    /**
     * @return the reconnect policy.
     */
    public ReconnectPolicy policy()
    {
        return policy;
    }

    /**
     * Close for good, no reconnect: the WebSocket closes with 1000 (at once with 1000 while waiting to reconnect);
     * every channel gets its final callback with that code, then {@link MuxListener#onClose}. Idempotent.
     */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        runOnLoop(this::onCloseRequested);
    }

    @Override
    public String toString()
    {
        return "ReconnectingMuxClient{uri=" + uri + ", open=" + isOpen() + ", closed=" + closed + "}";
    }

    // ---- from channels ----

    /**
     * Run a task on the I/O thread: at once if this is it. Once the {@link WsmuxClient} is closing its loop may never
     * run another task: then the task runs here.
     */
    void runOnLoop(final Runnable task)
    {
        if (client.isLoopThread())
        {
            task.run();
        }
        else if (client.isClosed() || !client.execute(task))
        {
            task.run();
        }
    }

    void remove(final ReconnectingChannel channel)
    {
        channels.remove(channel);
    }

    void onListenerFailure(final Throwable cause)
    {
        try
        {
            listener.onFailure(mux, cause);
        }
        catch (final Throwable ex)
        {
            client.settings().errorHandler().onError(ex);
        }
    }

    // ---- channels ----

    private ReconnectingChannel add(
        final String name,
        final int maxRate,
        final boolean positions,
        final boolean hasPosition,
        final long epoch,
        final long offset,
        final ReconnectingChannelListener listener)
    {
        if (null == listener)
        {
            throw new NullPointerException("listener");
        }
        final int nameLength = name.getBytes(StandardCharsets.UTF_8).length;
        if (0 == nameLength || nameLength > MAX_NAME_LENGTH)
        {
            throw new IllegalArgumentException("channel name must be 1..65535 bytes of UTF-8: length=" + nameLength);
        }
        if (maxRate < 0)
        {
            throw new IllegalArgumentException("maxRate must be >= 0: maxRate=" + maxRate);
        }
        if (closed)
        {
            throw new IllegalStateException("the client is closed: " + this);
        }
        final ReconnectingChannel channel = new ReconnectingChannel(
            this, name, maxRate, positions, hasPosition, epoch, offset, queueLimit, listener);
        runOnLoop(() -> onChannelAdded(channel));
        return channel;
    }

    private void onChannelAdded(final ReconnectingChannel channel)
    {
        if (channel.isFinished())
        {
            return; // closed before it got here
        }
        if (finished)
        {
            channel.finish(finishCode, finishReason);
            return;
        }
        channels.add(channel);
        final MuxClient current = mux;
        if (null != current && current.isOpen())
        {
            channel.openOn(current);
        }
    }

    // ---- the WebSocket, and reconnecting ----

    private void scheduleAttempt(final long delayNs)
    {
        try
        {
            client.reconnectScheduler().schedule(this::attempt, delayNs, TimeUnit.NANOSECONDS);
        }
        catch (final RejectedExecutionException ex)
        {
            runOnLoop(() -> finish(CloseCode.GOING_AWAY, CLIENT_CLOSED_REASON));
        }
    }

    /**
     * On the reconnect thread: open a WebSocket. {@link Events#onOpen} or {@link #onConnectFailed} follows.
     */
    private void attempt()
    {
        if (closed)
        {
            return;
        }
        if (client.isClosed())
        {
            runOnLoop(() -> finish(CloseCode.GOING_AWAY, CLIENT_CLOSED_REASON));
            return;
        }
        CompletableFuture<MuxClient> future;
        try
        {
            future = MuxClient.connect(client, uri, events);
        }
        catch (final RuntimeException ex)
        {
            future = CompletableFuture.failedFuture(ex);
        }
        future.whenComplete((connected, error) ->
        {
            if (null != error)
            {
                runOnLoop(() -> onConnectFailed(unwrap(error)));
            }
        });
    }

    private void onOpened(final MuxClient opened)
    {
        if (closed)
        {
            opened.close(); // closed while this attempt was under way; its close is not ours any more
            return;
        }
        mux = opened;
        lastMux = opened;
        protocolFailure = false;
        backoff.onOpened(System.nanoTime());
        final boolean reconnected = everOpened;
        everOpened = true;
        try
        {
            if (reconnected)
            {
                listener.onReconnected(opened, backoff.attempt());
            }
            else
            {
                listener.onOpen(opened);
            }
        }
        catch (final Throwable ex)
        {
            onListenerFailure(ex);
        }
        for (final ReconnectingChannel channel : new ArrayList<>(channels))
        {
            if (mux != opened || !opened.isOpen())
            {
                break; // closed by a callback: its close re-opens them on the next
            }
            channel.openOn(opened);
        }
    }

    private void onClosed(final MuxClient closedMux, final int code, final String reason)
    {
        if (closedMux != mux)
        {
            return; // one opened after close(), closed by onOpened
        }
        mux = null;
        for (final ReconnectingChannel channel : channels)
        {
            channel.onDisconnected();
        }
        // A 1002 this client sent (the server broke wsmux.v1) blames the server, but a reconnect would meet it again.
        final int effectiveCode = protocolFailure && ReconnectPolicy.reconnectsAfter(code) ?
            CloseCode.PROTOCOL_ERROR : code;
        if (closed || client.isClosed() || !ReconnectPolicy.reconnectsAfter(effectiveCode))
        {
            finish(effectiveCode, reason);
            return;
        }
        reconnectAfter(code, reason, true);
    }

    private void onConnectFailed(final Throwable cause)
    {
        if (closed)
        {
            return;
        }
        onListenerFailure(cause);
        if (client.isClosed())
        {
            finish(CloseCode.GOING_AWAY, CLIENT_CLOSED_REASON);
        }
        else if (cause instanceof IllegalArgumentException)
        {
            finish(CloseCode.ABNORMAL, String.valueOf(cause.getMessage())); // a URI it cannot use: nothing to retry
        }
        else
        {
            reconnectAfter(CloseCode.ABNORMAL, String.valueOf(cause.getMessage()), false);
        }
    }

    private void reconnectAfter(final int code, final String reason, final boolean wasOpen)
    {
        final long delayNs = backoff.nextDelayNs(System.nanoTime(), wasOpen);
        try
        {
            listener.onReconnecting(backoff.attempt(), TimeUnit.NANOSECONDS.toMillis(delayNs), code, reason);
        }
        catch (final Throwable ex)
        {
            onListenerFailure(ex);
        }
        if (!closed) // close() in onReconnecting has finished the client
        {
            scheduleAttempt(delayNs);
        }
    }

    private void onCloseRequested()
    {
        final MuxClient current = mux;
        if (null == current)
        {
            finish(CloseCode.NORMAL, ""); // waiting or connecting: done now; an attempt that opens is closed
        }
        else if (current.isOpen())
        {
            current.close(); // 1000: its close finishes the client
        }
        // else closing already: its close finishes the client
    }

    /**
     * The client is done: close every channel, then tell the application.
     */
    private void finish(final int code, final String reason)
    {
        synchronized (this)
        {
            if (finished)
            {
                return;
            }
            finished = true;
            finishCode = code;
            finishReason = reason;
        }
        closed = true;
        mux = null;
        client.removeCloseListener(onClientClosed);
        final List<ReconnectingChannel> all = new ArrayList<>(channels);
        channels.clear();
        for (final ReconnectingChannel channel : all)
        {
            channel.finish(code, reason);
        }
        try
        {
            listener.onClose(lastMux, code, reason);
        }
        catch (final Throwable ex)
        {
            onListenerFailure(ex);
        }
    }

    private static Throwable unwrap(final Throwable error)
    {
        Throwable cause = error;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) &&
            null != cause.getCause())
        {
            cause = cause.getCause();
        }
        return cause;
    }

    /**
     * The callbacks of each {@link MuxClient} under this client.
     */
    private final class Events implements MuxListener
    {
        @Override
        public void onOpen(final MuxClient opened)
        {
            onOpened(opened);
        }

        @Override
        public void onError(final MuxClient from, final long channelId, final int code, final String reason)
        {
            try
            {
                listener.onError(from, channelId, code, reason);
            }
            catch (final Throwable ex)
            {
                onListenerFailure(ex);
            }
        }

        @Override
        public void onFailure(final MuxClient from, final Throwable cause)
        {
            if (from == mux && cause instanceof ProtocolException)
            {
                protocolFailure = true;
            }
            try
            {
                listener.onFailure(from, cause);
            }
            catch (final Throwable ex)
            {
                client.settings().errorHandler().onError(ex);
            }
        }

        @Override
        public void onClose(final MuxClient closedMux, final int code, final String reason)
        {
            onClosed(closedMux, code, reason);
        }
    }
}
