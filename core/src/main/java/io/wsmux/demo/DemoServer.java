package io.wsmux.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

import io.wsmux.EchoHandler;
import io.wsmux.Multiplexer;
import io.wsmux.TopicOptions;
import io.wsmux.WsmuxServer;
import io.wsmux.WsmuxSettings;

/**
 * The demo server: the page at {@code /}, the multiplexed endpoint {@code /mux} with the channels {@code echo},
 * {@code chat} (a topic its members publish to), {@code prices.<SYMBOL>} (last value and conflation) and
 * {@code stats} (this node's own, never shared in a cluster), a price feed and a stats publisher. In a cluster
 * ({@code wsmux.cluster.nats.url}) chat and prices are shared by every node, so one node may run the feed for all.
 * Uses only the public API. Not thread safe: start and close from one thread.
 */
public final class DemoServer implements AutoCloseable
{
    /** Updates per second across all instruments. */
    public static final int PRICE_UPDATES_PER_SECOND = 4000;

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
            .topicPrefix("prices.", TopicOptions.LATEST)
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
