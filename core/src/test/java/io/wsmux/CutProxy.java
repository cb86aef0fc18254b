package io.wsmux;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy for tests that cuts connections as a network blink would: it listens on 127.0.0.1 on a free port and
 * forwards each accepted connection to one target, both ways, with blocking sockets and two daemon threads per
 * connection (named {@code cut-proxy-<port>-<id>-up} and {@code -down}). {@link #cutAll()} resets every connection
 * open now, {@link #pause()} refuses new ones until {@link #resume()}, and {@link #cutRandomly} cuts on a random
 * schedule, for reconnect-and-recover tests (issue 17).
 * <p>
 * A half-close is forwarded (a FIN from one side shuts down output to the other); a reset or error on either side
 * resets both. A connection is closed once both directions have ended.
 * <p>
 * Thread safe: every method may be called from any thread. Allocates a 16 KiB buffer per direction per connection.
 */
public final class CutProxy implements AutoCloseable
{
    /** Bytes read and written at a time by each direction of a connection. */
    private static final int BUFFER_LENGTH = 16 * 1024;

    /** Time to connect to the target before the client is reset; the target is local, so this is generous. */
    private static final int CONNECT_TIMEOUT_MS = 5_000;

    /** Wait after a failed accept (other than on close) before the next. */
    private static final long ACCEPT_RETRY_MS = 10;

    /** How long {@link #close()} waits for the proxy's threads to end. */
    private static final long CLOSE_JOIN_NS = TimeUnit.SECONDS.toNanos(1);

    private final InetSocketAddress target;
    private final ServerSocket serverSocket;
    private final String threadNamePrefix;
    private final Set<Link> links = ConcurrentHashMap.newKeySet();
    private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
    private final Set<CompletableFuture<Integer>> schedules = ConcurrentHashMap.newKeySet();
    private final AtomicLong nextLinkId = new AtomicLong();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong bytesForwarded = new AtomicLong();
    private final AtomicInteger cuts = new AtomicInteger();
    private final AtomicLong connectionsCut = new AtomicLong();
    private volatile boolean paused;
    private volatile boolean closed;

    private CutProxy(final InetSocketAddress target, final ServerSocket serverSocket)
    {
        this.target = target;
        this.serverSocket = serverSocket;
        this.threadNamePrefix = "cut-proxy-" + serverSocket.getLocalPort() + "-";
    }

    /**
     * Listens on 127.0.0.1 on a free port and starts accepting.
     *
     * @param target where each accepted connection is forwarded.
     * @return the running proxy; {@link #close()} it.
     * @throws IOException if the listening socket cannot be bound.
     */
    public static CutProxy start(final InetSocketAddress target) throws IOException
    {
        Objects.requireNonNull(target, "target");
        final ServerSocket serverSocket = new ServerSocket();
        try
        {
            serverSocket.setReuseAddress(true);
            serverSocket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
        }
        catch (final IOException | RuntimeException ex)
        {
            serverSocket.close();
            throw ex;
        }
        final CutProxy proxy = new CutProxy(target, serverSocket);
        proxy.startThread("accept", proxy::acceptLoop);
        return proxy;
    }

    /**
     * @return the port the proxy listens on, on 127.0.0.1.
     */
    public int port()
    {
        return serverSocket.getLocalPort();
    }

    /**
     * @return 127.0.0.1 and {@link #port()}: where clients connect.
     */
    public InetSocketAddress address()
    {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port());
    }

    /**
     * @return where connections are forwarded.
     */
    public InetSocketAddress target()
    {
        return target;
    }

    /**
     * @return the prefix of every thread this proxy starts: {@code cut-proxy-<port>-}.
     */
    public String threadNamePrefix()
    {
        return threadNamePrefix;
    }

    /**
     * Resets every connection open now, both sides (SO_LINGER 0, so each peer sees a reset, as after a network
     * blink), including ones still connecting to the target. Connections made afterwards work normally.
     *
     * @return how many connections were cut.
     */
    public int cutAll()
    {
        return cut(true);
    }

    /**
     * Closes every connection open now, both sides, gracefully: each peer sees EOF (FIN). A side whose unread bytes
     * are still in the proxy's receive buffer sees a reset instead: that is how TCP closes with unread data.
     *
     * @return how many connections were closed.
     */
    public int closeAll()
    {
        return cut(false);
    }

    /**
     * Refuses new connections until {@link #resume()}: each is accepted and reset at once (the client's connect
     * succeeds, its first read sees a reset), as a server down behind a load balancer would look. Connections open
     * now are left alone: call {@link #cutAll()} after this to simulate a longer outage.
     */
    public void pause()
    {
        paused = true;
    }

    /**
     * Forwards new connections again after {@link #pause()}.
     */
    public void resume()
    {
        paused = false;
    }

    /**
     * @return true between {@link #pause()} and {@link #resume()}.
     */
    public boolean paused()
    {
        return paused;
    }

    /**
     * Cuts all open connections ({@link #cutAll()}) {@code cuts} times from a daemon thread, waiting a random time
     * in [minGap, maxGap] before each cut, then stops by itself: it ends within {@code cuts * maxGap}, or at once on
     * {@link #close()} or when the returned future is cancelled.
     *
     * @param random decides the gaps; seed it and print the seed to make a failure repeatable.
     * @param minGap shortest wait before a cut.
     * @param maxGap longest wait before a cut, at least minGap.
     * @param cuts   how many cuts, at least 0.
     * @return completes with the number of connections cut in all when the last cut is done; cancel it to stop.
     */
    public CompletableFuture<Integer> cutRandomly(
        final Random random, final Duration minGap, final Duration maxGap, final int cuts)
    {
        Objects.requireNonNull(random, "random");
        final long minGapNs = minGap.toNanos();
        final long maxGapNs = maxGap.toNanos();
        if (minGapNs < 0 || maxGapNs < minGapNs || cuts < 0)
        {
            throw new IllegalArgumentException(
                "need 0 <= minGap <= maxGap and cuts >= 0: minGap=" + minGap + ", maxGap=" + maxGap + ", cuts=" + cuts);
        }
        final CompletableFuture<Integer> schedule = new CompletableFuture<>();
        schedules.add(schedule);
        schedule.whenComplete((count, error) -> schedules.remove(schedule));
        if (closed)
        {
            schedule.cancel(false);
            return schedule;
        }
        startThread("cutter", () ->
        {
            int connections = 0;
            for (int i = 0; i < cuts; i++)
            {
                final long gapNs = minGapNs + random.nextLong(maxGapNs - minGapNs + 1);
                try
                {
                    // The future is the sleep: cancelling it (or close()) wakes this thread at once.
                    schedule.get(gapNs, TimeUnit.NANOSECONDS);
                    return;
                }
                catch (final TimeoutException ex)
                {
                    connections += cutAll();
                }
                catch (final CancellationException | ExecutionException ex)
                {
                    return;
                }
                catch (final InterruptedException ex)
                {
                    schedule.cancel(false);
                    return;
                }
            }
            schedule.complete(connections);
        });
        return schedule;
    }

    /**
     * @return how many cuts so far: calls of {@link #cutAll()} and {@link #closeAll()}, by hand or by a schedule,
     * each counted once however many connections it cut.
     */
    public int cuts()
    {
        return cuts.get();
    }

    /**
     * @return how many connections all cuts so far have cut.
     */
    public long connectionsCut()
    {
        return connectionsCut.get();
    }

    /**
     * @return connections accepted and forwarded (or being connected to the target) so far; refused ones excluded.
     */
    public long accepted()
    {
        return accepted.get();
    }

    /**
     * @return connections reset at once because the proxy was paused or closing.
     */
    public long refused()
    {
        return refused.get();
    }

    /**
     * @return connections open now: accepted and not yet closed, including ones still connecting to the target.
     */
    public int open()
    {
        return links.size();
    }

    /**
     * @return bytes forwarded so far, both directions together.
     */
    public long bytesForwarded()
    {
        return bytesForwarded.get();
    }

    /**
     * Stops listening, cancels any {@link #cutRandomly} schedule, resets every connection, and waits up to a second
     * for the proxy's threads to end. Idempotent.
     */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        closeQuietly(serverSocket);
        for (final CompletableFuture<Integer> schedule : schedules)
        {
            schedule.cancel(false);
        }
        for (final Link link : links)
        {
            link.close(true);
        }
        final long deadlineNs = System.nanoTime() + CLOSE_JOIN_NS;
        for (final Thread thread : threads)
        {
            final long remainingMs = TimeUnit.NANOSECONDS.toMillis(deadlineNs - System.nanoTime());
            if (thread != Thread.currentThread() && remainingMs > 0)
            {
                try
                {
                    thread.join(remainingMs);
                }
                catch (final InterruptedException ex)
                {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    @Override
    public String toString()
    {
        return "CutProxy{port=" + port() + ", target=" + target + ", open=" + open() + ", accepted=" + accepted() +
            ", refused=" + refused() + ", cuts=" + cuts() + ", bytesForwarded=" + bytesForwarded() +
            ", paused=" + paused + ", closed=" + closed + "}";
    }

    private int cut(final boolean reset)
    {
        int count = 0;
        for (final Link link : links)
        {
            if (link.close(reset))
            {
                count++;
            }
        }
        cuts.incrementAndGet();
        connectionsCut.addAndGet(count);
        return count;
    }

    private void acceptLoop()
    {
        while (!closed)
        {
            final Socket client;
            try
            {
                client = serverSocket.accept();
            }
            catch (final IOException ex)
            {
                if (closed)
                {
                    return;
                }
                pauseAfterAcceptFailure(); // e.g. too many open files: the listening socket is still good
                continue;
            }

            if (paused || closed)
            {
                refused.incrementAndGet();
                reset(client);
                continue;
            }

            accepted.incrementAndGet();
            final Link link = new Link(nextLinkId.getAndIncrement(), client);
            links.add(link);
            if (closed)
            {
                // close() may have walked the links before this one was added.
                link.close(true);
                continue;
            }
            if (!startThread(link.id + "-up", link::connectAndForward))
            {
                link.close(true);
            }
        }
    }

    private static void pauseAfterAcceptFailure()
    {
        try
        {
            Thread.sleep(ACCEPT_RETRY_MS); // rather than spin on a failure that repeats, on 2 shared cores
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    private boolean startThread(final String name, final Runnable task)
    {
        final Thread thread = new Thread(() ->
        {
            try
            {
                task.run();
            }
            finally
            {
                threads.remove(Thread.currentThread());
            }
        }, threadNamePrefix + name);
        thread.setDaemon(true);
        threads.add(thread);
        try
        {
            thread.start();
            return true;
        }
        catch (final OutOfMemoryError ex)
        {
            // "unable to create native thread": the caller closes what the thread would have served.
            threads.remove(thread);
            return false;
        }
    }

    private static void reset(final Socket socket)
    {
        try
        {
            socket.setSoLinger(true, 0);
        }
        catch (final IOException ex)
        {
            // already closed: nothing to reset
        }
        closeQuietly(socket);
    }

    private static void closeQuietly(final AutoCloseable closeable)
    {
        try
        {
            closeable.close();
        }
        catch (final Exception ex)
        {
            // closing on a path that is already failing or cutting: nothing more to do
        }
    }

    /**
     * One forwarded connection: the accepted client socket and the socket to the target. Closed exactly once.
     */
    private final class Link
    {
        private final long id;
        private final Socket client;
        private Socket upstream;
        private int directionsEnded;
        private boolean linkClosed;

        Link(final long id, final Socket client)
        {
            this.id = id;
            this.client = client;
        }

        /**
         * Runs on the {@code -up} thread: connects to the target, starts the {@code -down} thread, then forwards
         * client to target.
         */
        void connectAndForward()
        {
            final Socket socket = new Socket();
            if (!upstream(socket))
            {
                closeQuietly(socket);
                return;
            }
            try
            {
                client.setTcpNoDelay(true);
                socket.setTcpNoDelay(true);
                socket.connect(target, CONNECT_TIMEOUT_MS);
            }
            catch (final IOException ex)
            {
                // Target refused or unreachable (or this link was cut meanwhile): close the client at once.
                close(true);
                return;
            }
            if (!startThread(id + "-down", () -> forward(socket, client)))
            {
                close(true);
                return;
            }
            forward(client, socket);
        }

        private synchronized boolean upstream(final Socket socket)
        {
            if (linkClosed)
            {
                return false;
            }
            upstream = socket; // set before connect, so that a cut can abort a connect in progress
            return true;
        }

        private void forward(final Socket from, final Socket to)
        {
            final byte[] buffer = new byte[BUFFER_LENGTH];
            try
            {
                final InputStream in = from.getInputStream();
                final OutputStream out = to.getOutputStream();
                int length;
                while ((length = in.read(buffer)) != -1)
                {
                    out.write(buffer, 0, length);
                    bytesForwarded.addAndGet(length);
                }
                endDirection(to);
            }
            catch (final IOException ex)
            {
                // A reset, a write to a closed peer, or a cut: reset both sides, as the network would.
                close(true);
            }
        }

        /**
         * Forwards a FIN: shuts down output to {@code to}, and closes the link once both directions have ended.
         */
        private void endDirection(final Socket to)
        {
            final boolean both;
            synchronized (this)
            {
                if (linkClosed)
                {
                    return;
                }
                both = ++directionsEnded == 2;
            }
            if (both)
            {
                close(false);
                return;
            }
            try
            {
                to.shutdownOutput();
            }
            catch (final IOException ex)
            {
                close(true);
            }
        }

        /**
         * @param reset SO_LINGER 0 first, so both peers see a reset rather than EOF.
         * @return true if this call closed the link, false if it was closed already.
         */
        boolean close(final boolean reset)
        {
            final Socket toTarget;
            synchronized (this)
            {
                if (linkClosed)
                {
                    return false;
                }
                linkClosed = true;
                toTarget = upstream;
            }
            links.remove(this);
            if (reset)
            {
                reset(client);
            }
            else
            {
                closeQuietly(client);
            }
            if (null != toTarget)
            {
                if (reset)
                {
                    reset(toTarget);
                }
                else
                {
                    closeQuietly(toTarget);
                }
            }
            return true;
        }
    }
}
