package io.wsmux.perf.load;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

import io.wsmux.client.ClientHandler;
import io.wsmux.client.WebSocketClientConnection;

/**
 * Opens the connections of a run (WebSockets, or SockJS xhr-streaming sessions) over its client loops: connection
 * i on loop i % loops, from source address i % sources, with at most a given number of handshakes in progress (a
 * client's task queue holds 4,096 connects, and a burst beyond the server's accept backlog costs SYN
 * retransmissions of a second each).
 * <p>
 * One instance per batch of connections; {@link #opened()} and {@link #failed()} may be read from any thread while
 * {@link #openAll} runs.
 */
final class Connector
{
    private final AtomicInteger opened = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();
    private long durationNs;

    /**
     * Open connections and wait until each is open or has failed (failures are counted in errors).
     *
     * @param clients     the loops.
     * @param uri         where to connect.
     * @param subprotocol to ask for, or null.
     * @param count       how many.
     * @param handlers    the handler of connection i.
     * @param sources     source addresses, empty for any.
     * @param concurrency handshakes in progress at once.
     * @param timeoutNs   how long one connection may take, from the TCP connect to the upgrade response; a
     *                    connection still pending then is counted as failed (a server that stops accepting leaves
     *                    connects pending for the kernel's two minutes of SYN retries).
     * @param errors      where failures are counted.
     * @return connection i, or null where it failed.
     */
    WebSocketClientConnection[] openAll(
        final LoadClients clients,
        final URI uri,
        final String subprotocol,
        final int count,
        final IntFunction<ClientHandler> handlers,
        final InetSocketAddress[] sources,
        final int concurrency,
        final long timeoutNs,
        final Errors errors)
    {
        return openAll(clients, (i) -> uri, subprotocol, count, handlers, sources, concurrency, timeoutNs, errors);
    }

    /**
     * Open connections, each to its own URL, and wait until each is open or has failed (failures are counted in
     * errors).
     *
     * @param clients     the loops.
     * @param uris        where connection i connects.
     * @param subprotocol to ask for, or null.
     * @param count       how many.
     * @param handlers    the handler of connection i.
     * @param sources     source addresses, empty for any.
     * @param concurrency handshakes in progress at once.
     * @param timeoutNs   how long one connection may take, as for {@link #openAll(LoadClients, URI, String, int,
     *                    IntFunction, InetSocketAddress[], int, long, Errors)}.
     * @param errors      where failures are counted.
     * @return connection i, or null where it failed.
     */
    WebSocketClientConnection[] openAll(
        final LoadClients clients,
        final IntFunction<URI> uris,
        final String subprotocol,
        final int count,
        final IntFunction<ClientHandler> handlers,
        final InetSocketAddress[] sources,
        final int concurrency,
        final long timeoutNs,
        final Errors errors)
    {
        final WebSocketClientConnection[] connections = new WebSocketClientConnection[count];
        open(connections,
            (i, source) -> clients.clientFor(i).connect(uris.apply(i), subprotocol, handlers.apply(i), source),
            sources, concurrency, timeoutNs, errors);
        return connections;
    }

    /**
     * Open SockJS xhr-streaming sessions and wait until each is open (its {@code o} frame arrived) or has failed
     * (failures are counted in errors).
     *
     * @param clients     the loops.
     * @param count       how many.
     * @param handlers    the handler of session i.
     * @param sources     source addresses, empty for any.
     * @param concurrency sessions opening at once.
     * @param timeoutNs   how long one session may take to open; one still opening then is closed and counted as
     *                    failed.
     * @param errors      where failures are counted.
     * @return session i, or null where it failed.
     */
    XhrStreamingSession[] openAll(
        final XhrStreamingClients clients,
        final int count,
        final IntFunction<XhrStreamingHandler> handlers,
        final InetSocketAddress[] sources,
        final int concurrency,
        final long timeoutNs,
        final Errors errors)
    {
        final XhrStreamingSession[] sessions = new XhrStreamingSession[count];
        open(sessions, (i, source) -> clients.connect(i, handlers.apply(i), source), sources, concurrency, timeoutNs,
            errors);
        return sessions;
    }

    /**
     * Start one connection.
     *
     * @param <T> what a connection is.
     */
    @FunctionalInterface
    private interface Connect<T>
    {
        CompletableFuture<T> connect(int index, InetSocketAddress source);
    }

    private <T> void open(
        final T[] results,
        final Connect<T> connect,
        final InetSocketAddress[] sources,
        final int concurrency,
        final long timeoutNs,
        final Errors errors)
    {
        final Semaphore permits = new Semaphore(concurrency);
        final long startNs = System.nanoTime();
        for (int i = 0; i < results.length; i++)
        {
            permits.acquireUninterruptibly();
            final int index = i;
            final InetSocketAddress source = 0 == sources.length ? null : sources[i % sources.length];
            connect.connect(i, source)
                .orTimeout(timeoutNs, TimeUnit.NANOSECONDS)
                .whenComplete(
                (connection, failure) ->
                {
                    if (null == failure)
                    {
                        results[index] = connection;
                        opened.incrementAndGet();
                    }
                    else
                    {
                        failed.incrementAndGet();
                        if (errors.record(ErrorKind.CONNECT_FAILED))
                        {
                            errors.log("connection " + index + (null == source ? "" : " from " + source) + ": " +
                                failure);
                        }
                    }
                    permits.release(); // the semaphore also publishes results[index] to the waiting thread
                });
        }
        permits.acquireUninterruptibly(concurrency);
        durationNs = System.nanoTime() - startNs;
    }

    /**
     * @return connections opened so far.
     */
    int opened()
    {
        return opened.get();
    }

    /**
     * @return connections that failed so far.
     */
    int failed()
    {
        return failed.get();
    }

    /**
     * @return how long {@link #openAll} took, in nanoseconds.
     */
    long durationNs()
    {
        return durationNs;
    }
}
