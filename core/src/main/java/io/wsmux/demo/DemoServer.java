package io.wsmux.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;

import io.wsmux.EchoHandler;
import io.wsmux.Multiplexer;
import io.wsmux.TopicOptions;
import io.wsmux.WsmuxServer;
import io.wsmux.WsmuxSettings;

/**
 * The demo server: the page at {@code /}, the multiplexed endpoint {@code /mux} with the channels {@code echo},
 * {@code chat} (a topic its members publish to), {@code prices.<SYMBOL>} (last value, conflation and a history, so
 * that a page whose connection blinked recovers the updates it missed: {@link #PRICE_TOPIC_OPTIONS}) and
 * {@code stats} (this node's own, never shared in a cluster), a price feed and a stats publisher. In a cluster
 * ({@code wsmux.cluster.nats.url}) chat and prices are shared by every node, so one node may run the feed for all.
 * Uses only the public API. Not thread safe: start and close from one thread.
 */
public final class DemoServer implements AutoCloseable
{
    /** Updates per second across all instruments. */
    public static final int PRICE_UPDATES_PER_SECOND = 4000;

    /**
     * Publications each {@code prices.} topic keeps for recovery: 20 s of one instrument's updates (the feed makes
     * {@link #PRICE_UPDATES_PER_SECOND} over its 20 instruments, 200 a second each). Twice the 10 s blink it is meant
     * to cover, because the page is cut off for longer than the network: wsmux.js's back-off doubles its waits
     * (250 ms, 500 ms, 1 s, ... up to 10 s), so after a blink of T seconds the attempt that gets through may come up
     * to about T later (a 6 s pause of the test's proxy left a page cut off for 13 to 14 s). After a longer outage an
     * instrument is not recovered and the page shows its latest price.
     * <p>
     * The connection's outbound budget binds before this on a slow link: a replay must fit {@code
     * wsmux.outbound.budget} (1 MiB by default) beside what the connection has queued when it is asked for, or it is
     * refused (NOT_RECOVERED, the latest price instead). The server reckons 69 bytes per replayed price (an update of
     * about 46 bytes, the 9-byte offset tag and 14 for the frame header at most), so 1 MiB holds about 15,000: where
     * the replays of one reconnect pile up (a link slower than the replay), the page's 8 instruments recover an
     * outage of about 9 s, all 20 of them about 3.5 s (a typical blink); where the socket drains between them, more
     * (on loopback the page's 8 recovered 17,912 updates, 1.2 MB as reckoned, after 14 s cut off). {@code
     * -Dwsmux.outbound.budget=6m} covers 20 instruments for 20 s on any link. The histories hold 20 x 4,000 pooled
     * publications of 256 bytes: about 30 MB of heap.
     */
    public static final int PRICE_HISTORY_COUNT = 4000;

    /**
     * How long a price stays recoverable. At the feed's rate {@link #PRICE_HISTORY_COUNT} binds first (20 s); the
     * age bound is for a feed that runs slower (a cluster node that gets prices from another through NATS, or a
     * feed that stalls): no replay of prices older than this.
     */
    public static final Duration PRICE_HISTORY_MAX_AGE = Duration.ofSeconds(30);

    /**
     * The {@code prices.} family: last value on subscribe, conflation for slow subscribers, and a history for
     * recovery after a reconnect (docs/protocol.md, positions and recovery).
     */
    public static final TopicOptions PRICE_TOPIC_OPTIONS =
        TopicOptions.LATEST.withHistory(PRICE_HISTORY_COUNT, PRICE_HISTORY_MAX_AGE);

    private final WsmuxServer server;
    private final Multiplexer multiplexer;
    private final ChatService chat = new ChatService();
    private final PriceFeed feed;
    private final StatsPublisher stats;
    private final Thread feedThread;
    private final Thread statsThread;

    private DemoServer(final WsmuxSettings settings, final boolean runFeed) throws IOException
    {
        multiplexer = Multiplexer.builder()
            .service("echo", new EchoHandler())
            .topic("chat", TopicOptions.RELIABLE, chat)
            .topicPrefix("prices.", PRICE_TOPIC_OPTIONS)
            .topic("stats", TopicOptions.LATEST.withNodeLocal(true))
            .build();
        server = WsmuxServer.builder(settings)
            .mux("/mux", multiplexer)
            .sockJs("/sockjs", multiplexer, null, null)
            .resource("/", "text/html; charset=utf-8", resource("index.html"))
            .resource("/app.js", "text/javascript; charset=utf-8", resource("app.js"))
            .resource("/style.css", "text/css; charset=utf-8", resource("style.css"))
            .build()
            .start();
        chat.room(multiplexer.topic("chat"));
        stats = new StatsPublisher(server, multiplexer.topic("stats"));
        statsThread = new Thread(stats, "demo-stats");
        statsThread.setDaemon(true);
        statsThread.start();
        if (runFeed)
        {
            feed = new PriceFeed(multiplexer, PRICE_UPDATES_PER_SECOND);
            feedThread = new Thread(feed, "demo-price-feed");
            feedThread.setDaemon(true);
            feedThread.start();
        }
        else
        {
            feed = null;
            feedThread = null;
        }
    }

    /**
     * Start the demo.
     *
     * @param settings server settings (port, bind address, threads).
     * @return the running demo.
     * @throws IOException if the port cannot be bound.
     */
    public static DemoServer start(final WsmuxSettings settings) throws IOException
    {
        return new DemoServer(settings, true);
    }

    /**
     * Start the demo, with or without its price feed: in a cluster one node's feed serves the prices of all.
     *
     * @param settings server settings (port, bind address, threads, cluster).
     * @param runFeed  false to publish no prices from this node (they come from another node of the cluster).
     * @return the running demo.
     * @throws IOException if the port cannot be bound.
     */
    public static DemoServer start(final WsmuxSettings settings, final boolean runFeed) throws IOException
    {
        return new DemoServer(settings, runFeed);
    }

    private static byte[] resource(final String name)
    {
        try (InputStream in = DemoServer.class.getResourceAsStream("/io/wsmux/demo/" + name))
        {
            if (null == in)
            {
                throw new IllegalStateException("demo resource missing from the jar: " + name);
            }
            return in.readAllBytes();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * @return the underlying server.
     */
    public WsmuxServer server()
    {
        return server;
    }

    /**
     * @return the demo's services and topics.
     */
    public Multiplexer multiplexer()
    {
        return multiplexer;
    }

    /**
     * @return the chat room.
     */
    public ChatService chat()
    {
        return chat;
    }

    /**
     * Stop the feed and statistics, then close the server gracefully.
     */
    @Override
    public void close()
    {
        if (null != feed)
        {
            feed.stop();
        }
        stats.stop();
        statsThread.interrupt();
        try
        {
            if (null != feedThread)
            {
                feedThread.join(1000);
            }
            statsThread.join(1000);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        server.close();
    }
}
