package io.wsmux;

import java.io.IOException;
import java.io.PrintStream;
import java.util.Locale;

import io.wsmux.demo.DemoServer;
import org.agrona.DirectBuffer;

/**
 * The runnable jar: {@code java -jar core/target/wsmux.jar} starts the demo on http://127.0.0.1:8080/;
 * {@code --mode echo --port 9001} starts an echo server. Options override the corresponding {@code wsmux.*}
 * properties.
 */
public final class Main
{
    /** Echo mode's frame and message limits (each unless its property is set): 16 MiB, as conformance suites send. */
    public static final int ECHO_MESSAGE_LIMIT = 16 * 1024 * 1024;

    /**
     * Echo mode's outbound budget, unless {@code wsmux.outbound.budget} is set: twice the message limit, 32 MiB
     * instead of the 1 MiB default. An echo server queues what it receives, and the budget counts the message being
     * sent, so with the default budget a large echo to a client that reads slowly would be refused and the connection
     * closed with 1008; this leaves room for one whole message queued behind another.
     */
    public static final int ECHO_OUTBOUND_BUDGET = 2 * ECHO_MESSAGE_LIMIT;

    private Main()
    {
    }

    /**
     * @param args command line.
     */
    public static void main(final String[] args)
    {
        final WsmuxSettings settings = new WsmuxSettings();
        String mode = null;
        for (int i = 0; i < args.length; i++)
        {
            final String arg = args[i];
            switch (arg)
            {
                case "--help":
                case "-h":
                    usage(System.out);
                    return;
                case "--mode":
                    mode = value(args, ++i, arg).toLowerCase(Locale.ROOT);
                    break;
                case "--port":
                    settings.port(Integer.parseInt(value(args, ++i, arg)));
                    break;
                case "--bind":
                    settings.bindAddress(value(args, ++i, arg));
                    break;
                case "--threads":
                    settings.ioThreads(Integer.parseInt(value(args, ++i, arg)));
                    break;
                default:
                    fail("unknown option: " + arg);
            }
        }

        if (null == mode || "demo".equals(mode))
        {
            startDemo(settings);
            return;
        }
        if ("fanout".equals(mode))
        {
            startFanOut(settings);
            return;
        }
        if (!"echo".equals(mode))
        {
            fail("unknown mode: " + mode);
        }

        echoMode(settings);
        final WsmuxServer server;
        try
        {
            server = WsmuxServer.builder(settings).anyPath(new EchoHandler()).build().start();
        }
        catch (final IOException | IllegalArgumentException ex)
        {
            fail(ex.getMessage());
            return;
        }

        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "wsmux-shutdown"));
        System.out.println("wsmux echo server listening on ws://" + server.address().getHostString() + ":" +
            server.port() + "/ (any path, " + settings.ioThreads() + " I/O threads); Ctrl-C stops it");
    }

    /**
     * Apply echo mode's limits, as {@code --mode echo} does: {@link #ECHO_MESSAGE_LIMIT} for frames and messages and
     * {@link #ECHO_OUTBOUND_BUDGET}, each only where its property was not set.
     *
     * @param settings to change.
     * @return settings.
     */
    public static WsmuxSettings echoMode(final WsmuxSettings settings)
    {
        return settings.defaultLimits(ECHO_MESSAGE_LIMIT, ECHO_MESSAGE_LIMIT, ECHO_OUTBOUND_BUDGET);
    }

    private static void startDemo(final WsmuxSettings settings)
    {
        final DemoServer demo;
        try
        {
            demo = DemoServer.start(settings);
        }
        catch (final IOException | IllegalArgumentException ex)
        {
            fail(ex.getMessage());
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(demo::close, "wsmux-shutdown"));
        final WsmuxServer server = demo.server();
        System.out.println("wsmux demo: open http://" + server.address().getHostString() + ":" + server.port() +
            "/ in a browser (" + settings.ioThreads() + " I/O threads, multiplexed endpoint /mux); Ctrl-C stops it");
    }

    private static void startFanOut(final WsmuxSettings settings)
    {
        final Multiplexer[] holder = new Multiplexer[1];
        final Multiplexer multiplexer = Multiplexer.builder()
            .topicPrefix("bench.", TopicOptions.RELIABLE)
            .servicePrefix("publish.", new PublishService(holder))
            .build();
        holder[0] = multiplexer;
        final WsmuxServer server;
        try
        {
            server = WsmuxServer.builder(settings).mux("/", multiplexer).anyPath(new EchoHandler()).build().start();
        }
        catch (final IOException | IllegalArgumentException ex)
        {
            fail(ex.getMessage());
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "wsmux-shutdown"));
        System.out.println("wsmux fanout server listening on ws://" + server.address().getHostString() + ":" +
            server.port() + "/ (topics bench.*, publish with msg,publish.<topic>,<payload>; " +
            settings.ioThreads() + " I/O threads)");
    }

    private static String value(final String[] args, final int index, final String option)
    {
        if (index >= args.length)
        {
            fail(option + " needs a value");
        }
        return args[index];
    }

    private static void fail(final String message)
    {
        System.err.println("wsmux: " + message);
        usage(System.err);
        System.exit(2);
    }

    private static void usage(final PrintStream out)
    {
        out.println("usage: java -jar wsmux.jar [--mode demo|echo|fanout] [--port N] [--bind ADDRESS] [--threads N]");
        out.println("  --mode demo     (default) the trading-desk demo: a page at / and channels on /mux");
        out.println("  --mode echo     echo every text and binary message on every path, with larger limits:");
        out.println("                  frames and messages up to 16 MiB, outbound budget 32 MiB per connection");
        out.println("                  (each unless its property is set: wsmux.max.frame.length,");
        out.println("                  wsmux.max.message.length, wsmux.outbound.budget)");
        out.println("  --mode fanout   the perf suite's fan-out server: text multiplex protocol on every path,");
        out.println("                  topics bench.*, and publish.<topic> channels that publish what they receive");
        out.println("  --port N        TCP port (default 8080, property wsmux.port)");
        out.println("  --bind ADDRESS  address to listen on (default 127.0.0.1, property wsmux.bind.address)");
        out.println("  --threads N     I/O threads (default: processors, property wsmux.io.threads)");
        out.println("Every other setting is a wsmux.* system property: see docs/tuning.md.");
    }

    /**
     * The fan-out benchmark's publishing channels: a message on {@code publish.<topic>} is published to
     * {@code <topic>}. The topic is looked up once, when the channel opens.
     */
    static final class PublishService implements WebSocketHandler
    {
        private static final String PREFIX = "publish.";
        private final Multiplexer[] multiplexer;

        PublishService(final Multiplexer[] multiplexer)
        {
            this.multiplexer = multiplexer;
        }

        @Override
        public void onOpen(final Connection channel)
        {
            channel.attach(multiplexer[0].topic(channel.path().substring(PREFIX.length())));
        }

        @Override
        public void onText(final Connection channel, final DirectBuffer buffer, final int offset, final int length)
        {
            ((Topic)channel.attachment()).publish(buffer, offset, length);
        }
    }
}
