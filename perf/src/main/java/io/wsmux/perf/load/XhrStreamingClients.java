package io.wsmux.perf.load;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

import org.HdrHistogram.Histogram;

/**
 * The SockJS xhr-streaming loops of a run: session i belongs to loop i % n, and connects to the host and port of the
 * run's URL under a SockJS prefix. Session ids are unique in this process and, by a random tag, across the
 * processes of one run (the connections scenario's children). Thread safe for the main thread's reads; each loop's
 * state is written by its thread.
 */
final class XhrStreamingClients implements ClientLoops
{
    /** Sessions opened by this process, for unique ids. */
    private static final AtomicLong SESSIONS = new AtomicLong();
    /** This process's part of every session id: sessions of a run's several processes differ. */
    private static final String PROCESS_TAG = Long.toString(ThreadLocalRandom.current().nextLong(1L << 40), 36);
    /** Server ids are three digits, as sockjs-client makes them (the server ignores them). */
    private static final int SERVER_IDS = 1000;

    private final XhrStreamingClient[] clients;
    private final String host;
    private final String prefix;

    /**
     * Start the loops.
     *
     * @param count         loops.
     * @param url           the server: its host and port are used, its path not.
     * @param prefix        the SockJS endpoint's prefix, e.g. {@code /sockjs}.
     * @param scratchLength bytes of each loop's scratch buffer.
     * @param errors        where the loops' own failures are counted.
     */
    XhrStreamingClients(final int count, final URI url, final String prefix, final int scratchLength,
        final Errors errors)
    {
        final int port = -1 == url.getPort() ? 80 : url.getPort();
        final InetSocketAddress server = new InetSocketAddress(url.getHost(), port);
        this.host = url.getHost() + ":" + port;
        this.prefix = prefix;
        this.clients = new XhrStreamingClient[count];
        for (int i = 0; i < count; i++)
        {
            clients[i] = new XhrStreamingClient(i, server, scratchLength, errors);
        }
    }

    /**
     * Open session i on its loop. Any thread.
     *
     * @param index   the session's number in the run.
     * @param handler its callbacks, on the loop's thread.
     * @param source  local address, or null.
     * @return completed once the {@code o} frame arrived.
     */
    CompletableFuture<XhrStreamingSession> connect(
        final int index, final XhrStreamingHandler handler, final InetSocketAddress source)
    {
        final String id = PROCESS_TAG + "-" + SESSIONS.getAndIncrement();
        final String serverId = String.format("%03d", index % SERVER_IDS);
        return clients[index % clients.length].connect(id, host, prefix + "/" + serverId + "/" + id, handler, source);
    }

    /**
     * @param index a session's number in the run.
     * @return the stats of the loop that owns it (written by that loop's thread only).
     */
    LoadClient forSession(final int index)
    {
        return clients[index % clients.length].stats;
    }

    @Override
    public long received()
    {
        long total = 0;
        for (final XhrStreamingClient client : clients)
        {
            total += client.stats.received.get();
        }
        return total;
    }

    @Override
    public int openConnections()
    {
        int total = 0;
        for (final XhrStreamingClient client : clients)
        {
            total += client.openSessions();
        }
        return total;
    }

    @Override
    public Histogram intervalHistogram()
    {
        final Histogram histogram = LoadClient.newHistogram();
        for (final XhrStreamingClient client : clients)
        {
            client.stats.drainHistogramInto(histogram);
        }
        return histogram;
    }

    @Override
    public void close()
    {
        for (final XhrStreamingClient client : clients)
        {
            client.close();
        }
    }
}
