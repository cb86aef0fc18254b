package io.wsmux.perf.load;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * One client loop of SockJS xhr-streaming sessions: a thread, "wsmux-xhr-client-N", with a NIO selector over the
 * sessions' HTTP connections, and one 64 KiB direct read buffer that every connection's bytes are decoded in place
 * from ({@link XhrStreamingSession}). The loop blocks in {@code select} until a socket is ready or a command
 * arrives; per ready socket it reads until a short read (at most {@value #READS_PER_READY} reads, so one busy
 * socket does not starve the others).
 * <p>
 * Its {@link #stats} count deliveries and record latencies as a WebSocket client loop's {@link LoadClient} does,
 * written by this loop's thread alone. Thread safe: {@link #connect} and {@link #close} may be called from any
 * thread but the loop's own.
 */
final class XhrStreamingClient implements AutoCloseable
{
    /** Bytes read from a socket at a time. */
    static final int READ_BUFFER_LENGTH = 64 * 1024;
    private static final int READS_PER_READY = 4;
    /** How long {@code select} blocks with nothing ready: only the bound on noticing a close request late. */
    private static final long SELECT_TIMEOUT_MS = 100;
    private static final long JOIN_TIMEOUT_MS = TimeUnit.SECONDS.toMillis(10);

    final LoadClient stats;
    private final InetSocketAddress server;
    private final Errors errors;
    private final Selector selector;
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(READ_BUFFER_LENGTH);
    private final UnsafeBuffer readView = new UnsafeBuffer(readBuffer);
    private final Queue<XhrStreamingSession> commands = new ConcurrentLinkedQueue<>();
    private final Consumer<SelectionKey> onReady = this::onReady;
    private final AtomicInteger openSessions = new AtomicInteger();
    private final Thread thread;
    private volatile boolean running = true;

    /**
     * Start the loop.
     *
     * @param number        names the thread.
     * @param server        where every session connects.
     * @param scratchLength bytes of the stats' scratch buffer.
     * @param errors        where the loop's own failures are counted.
     */
    XhrStreamingClient(final int number, final InetSocketAddress server, final int scratchLength, final Errors errors)
    {
        this.server = server;
        this.errors = errors;
        this.stats = new LoadClient(scratchLength);
        try
        {
            this.selector = Selector.open();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        this.thread = new Thread(this::run, "wsmux-xhr-client-" + number);
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Open a session: POST xhr_streaming, wait for the {@code o} frame. Any thread.
     *
     * @param id      the session id, unique on the server.
     * @param host    the Host header.
     * @param path    the SockJS prefix, then "/server-id/session-id".
     * @param handler its callbacks.
     * @param source  local address to bind to, or null.
     * @return completed with the session once the {@code o} frame arrived, or failed; a failure (a timeout too)
     * closes the session.
     */
    CompletableFuture<XhrStreamingSession> connect(
        final String id, final String host, final String path, final XhrStreamingHandler handler,
        final InetSocketAddress source)
    {
        final XhrStreamingSession session = new XhrStreamingSession(this, id, host, path, handler, source);
        session.opened.whenComplete((opened, failure) ->
        {
            if (null != failure)
            {
                session.requestAbort(); // a timeout: stop trying
            }
        });
        enqueue(session);
        return session.opened;
    }

    /**
     * @return sessions connecting or open.
     */
    int openSessions()
    {
        return openSessions.get();
    }

    /**
     * Close every session (the connections, without a word to the server, as a browser's sockjs-client does) and
     * stop the loop.
     */
    @Override
    public void close()
    {
        running = false;
        selector.wakeup();
        try
        {
            thread.join(JOIN_TIMEOUT_MS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    void enqueue(final XhrStreamingSession session)
    {
        commands.add(session);
        selector.wakeup();
    }

    InetSocketAddress serverAddress()
    {
        return server;
    }

    SelectionKey register(final SocketChannel channel, final int ops, final XhrStreamingSession.Leg leg)
        throws ClosedChannelException
    {
        return channel.register(selector, ops, leg);
    }

    void sessionStarted()
    {
        openSessions.lazySet(openSessions.get() + 1);
    }

    void sessionEnded()
    {
        openSessions.lazySet(openSessions.get() - 1);
    }

    /**
     * Read what a leg's socket holds and decode it in place.
     */
    void read(final XhrStreamingSession.Leg leg) throws IOException
    {
        final SocketChannel channel = leg.channel;
        for (int i = 0; i < READS_PER_READY; i++)
        {
            readBuffer.clear();
            final int length = channel.read(readBuffer);
            if (length < 0)
            {
                leg.onEndOfStream();
                return;
            }
            if (0 == length)
            {
                return;
            }
            leg.decoder.decode(readView, 0, length);
            if (leg.channel != channel || length < READ_BUFFER_LENGTH)
            {
                return; // closed or reconnected while decoding, or drained
            }
        }
    }

    private void run()
    {
        try
        {
            while (running)
            {
                drainCommands();
                selector.select(onReady, SELECT_TIMEOUT_MS);
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            if (errors.record(ErrorKind.CLIENT_ERROR))
            {
                errors.log(thread.getName() + ": " + ex);
            }
        }
        finally
        {
            shutdown();
        }
    }

    private void drainCommands()
    {
        XhrStreamingSession session;
        while (null != (session = commands.poll()))
        {
            if (session.abortRequested)
            {
                session.close();
            }
            else
            {
                session.start();
            }
        }
    }

    private void onReady(final SelectionKey key)
    {
        final XhrStreamingSession.Leg leg = (XhrStreamingSession.Leg)key.attachment();
        try
        {
            leg.onReady(key);
        }
        catch (final RuntimeException ex)
        {
            // A handler that throws: count it, end its session, keep the loop.
            if (errors.record(ErrorKind.CLIENT_ERROR))
            {
                errors.log(thread.getName() + ": " + ex);
            }
            leg.onIoFailure(new IOException(ex));
        }
    }

    private void shutdown()
    {
        XhrStreamingSession queued;
        while (null != (queued = commands.poll()))
        {
            queued.close(); // never started: its connect fails
        }
        for (final SelectionKey key : selector.keys().toArray(new SelectionKey[0]))
        {
            if (key.attachment() instanceof XhrStreamingSession.Leg)
            {
                ((XhrStreamingSession.Leg)key.attachment()).session().close();
            }
        }
        try
        {
            selector.close();
        }
        catch (final IOException ignore)
        {
            // stopping: nothing to do
        }
    }
}
