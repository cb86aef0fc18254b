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
 * {@code chat}, {@code prices.<SYMBOL>} (last value and conflation) and {@code stats}, a price feed and a stats
 * publisher. Uses only the public API. Not thread safe: start and close from one thread.
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

    private DemoServer(final WsmuxSettings settings) throws IOException
    {
        multiplexer = Multiplexer.builder()
            .service("echo", new EchoHandler())
            .service("chat", chat)
            .topicPrefix("prices.", TopicOptions.LATEST)
            .topic("stats", TopicOptions.LATEST)
            .build();
        server = WsmuxServer.builder(settings)
            .mux("/mux", multiplexer)
            .sockJs("/sockjs", multiplexer, null, null)
            .resource("/", "text/html; charset=utf-8", resource("index.html"))
            .resource("/app.js", "text/javascript; charset=utf-8", resource("app.js"))
            .resource("/style.css", "text/css; charset=utf-8", resource("style.css"))
            .build()
            .start();
        feed = new PriceFeed(multiplexer, PRICE_UPDATES_PER_SECOND);
        stats = new StatsPublisher(server, multiplexer.topic("stats"));
        feedThread = new Thread(feed, "demo-price-feed");
        statsThread = new Thread(stats, "demo-stats");
        feedThread.setDaemon(true);
        statsThread.setDaemon(true);
        feedThread.start();
        statsThread.start();
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
        return new DemoServer(settings);
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
        feed.stop();
        stats.stop();
        statsThread.interrupt();
        try
        {
            feedThread.join(1000);
            statsThread.join(1000);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        server.close();
    }
}
