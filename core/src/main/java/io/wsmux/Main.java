package io.wsmux;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import io.wsmux.cluster.NatsUrls;
import io.wsmux.demo.DemoServer;
import io.wsmux.sockjs.SockJsOptions;
import io.wsmux.status.CountersFile;
import io.wsmux.status.WsmuxStat;
import org.agrona.DirectBuffer;

/**
 * The runnable jar: {@code java -jar core/target/wsmux.jar} starts the demo on http://127.0.0.1:8080/;
 * {@code --mode echo --port 9001} starts an echo server. Options override the corresponding {@code wsmux.*}
 * properties.
 */
public final class Main
{
    /** Publications each {@code history.*} topic of {@code --mode fanout} keeps for recovering subscribers. */
    public static final int FANOUT_HISTORY = 1000;
    /** Echo mode's frame and message limits (each unless its property is set): 16 MiB, as conformance suites send. */
    public static final int ECHO_MESSAGE_LIMIT = 16 * 1024 * 1024;

    /**
     * Echo mode's outbound budget, unless {@code wsmux.outbound.budget} is set: twice the message limit, 32 MiB
     * instead of the 1 MiB default. An echo server queues what it receives, and the budget counts the message being
     * sent, so with the default budget a large echo to a client that reads slowly would be refused and the connection
     * closed with 1008; this leaves room for one whole message queued behind another.
     */
    public static final int ECHO_OUTBOUND_BUDGET = 2 * ECHO_MESSAGE_LIMIT;

    /** Exit status once a server started, or after {@code --help}. */
    static final int EXIT_OK = 0;

    /** Exit status when the server cannot start although the settings are valid (the port is taken, say). */
    static final int EXIT_FAILURE = 1;

    /** Exit status after a bad option or setting. */
    static final int EXIT_USAGE = 2;

    private static final int NOT_GIVEN = -1;
    private static final String MODES = "demo, echo, fanout or sockjs-test";
    private static final String PORT_FORMS = "a whole number in [0, " + WsmuxSettings.PORT_MAX + "]";
    private static final String THREADS_FORMS = "a whole number in [1, " + WsmuxSettings.IO_THREADS_MAX + "]";
    private static final String BIND_FORMS = "an IP address or a host name that resolves, such as 127.0.0.1";
    private static final String PID_FORMS = "a process id, a whole number above 0";
    private static final String DIR_FORMS = "a directory holding wsmux-<pid>.counters files";
    private static final String FILE_FORMS = "a wsmux-<pid>.counters file";
    private static final String INTERVAL_FORMS = "a duration such as 1s or 500ms, at least 10ms";
    private static final String COUNT_FORMS = "a whole number of screens, at least 1";

    /** What the jar runs. */
    private enum Mode
    {
        DEMO,
        ECHO,
        FANOUT,
        SOCKJS_TEST
    }

    private Main()
    {
    }

    /**
     * Run {@link #run} with the system properties, and exit with its status unless it is 0 (a server then runs
     * until Ctrl-C).
     *
     * @param args command line.
     */
    public static void main(final String[] args)
    {
        final int status = run(args, System.getProperties(), System.out, System.err);
        if (EXIT_OK != status)
        {
            System.exit(status);
        }
    }

    /**
     * Everything {@link #main} does except exiting: parse the options, read the settings from the properties, start
     * the chosen server and return; the server's threads, and a shutdown hook that closes it, keep the JVM running.
     * A bad option or setting is reported as one line, {@code wsmux: <message>}, with no stack trace.
     *
     * @param args       command line.
     * @param properties where the {@code wsmux.*} settings are read from (the system properties in {@link #main}).
     * @param out        for {@code --help} and the line saying where the server listens.
     * @param err        for the one line saying what is wrong.
     * @return {@link #EXIT_OK} once started or after {@code --help}, {@link #EXIT_USAGE} for a bad option or
     * setting, {@link #EXIT_FAILURE} if the server cannot start (the port is taken, say).
     */
    static int run(final String[] args, final Properties properties, final PrintStream out, final PrintStream err)
    {
        if (args.length > 0 && "stat".equals(args[0]))
        {
            return stat(args, properties, out, err);
        }
        try
        {
            Mode mode = Mode.DEMO;
            int port = NOT_GIVEN;
            int adminPort = NOT_GIVEN;
            int threads = NOT_GIVEN;
            String bindAddress = null;
            int tlsPort = NOT_GIVEN;
            String tlsCert = null;
            String tlsKey = null;
            String tlsKeystore = null;
            String cluster = null;
            String node = null;
            boolean feed = true;
            for (int i = 0; i < args.length; i++)
            {
                final String option = args[i];
                switch (option)
                {
                    case "--help":
                    case "-h":
                        usage(out);
                        return EXIT_OK;
                    case "--mode":
                        mode = SettingsParser.parseEnum(option, value(args, ++i, option, MODES), Mode.class);
                        break;
                    case "--port":
                        port = SettingsParser.parseInt(
                            option, value(args, ++i, option, PORT_FORMS), 0, WsmuxSettings.PORT_MAX);
                        break;
                    case "--admin-port":
                        adminPort = SettingsParser.parseInt(
                            option, value(args, ++i, option, PORT_FORMS), 0, WsmuxSettings.PORT_MAX);
                        break;
                    case "--bind":
                        bindAddress = value(args, ++i, option, BIND_FORMS);
                        if (!WsmuxSettings.isResolvable(bindAddress))
                        {
                            throw new WsmuxConfigurationException(
                                SettingsParser.subject(option, bindAddress) + " is not valid: use " + BIND_FORMS);
                        }
                        break;
                    case "--threads":
                        threads = SettingsParser.parseInt(
                            option, value(args, ++i, option, THREADS_FORMS), 1, WsmuxSettings.IO_THREADS_MAX);
                        break;
                    case "--tls-port":
                        tlsPort = SettingsParser.parseInt(
                            option, value(args, ++i, option, PORT_FORMS), 0, WsmuxSettings.PORT_MAX);
                        break;
                    case "--tls-cert":
                        tlsCert = value(args, ++i, option, "a PEM file of the certificate chain");
                        break;
                    case "--tls-key":
                        tlsKey = value(args, ++i, option, "a PEM file of the private key (PKCS#8)");
                        break;
                    case "--tls-keystore":
                        tlsKeystore = value(args, ++i, option, "a PKCS#12 file");
                        break;
                    case "--cluster":
                        cluster = value(args, ++i, option, "nats://host:port URLs, comma separated");
                        break;
                    case "--node":
                        node = value(args, ++i, option, "this node's name in the cluster");
                        break;
                    case "--no-feed":
                        feed = false;
                        break;
                    default:
                        throw new WsmuxConfigurationException(
                            option + " is not an option: use stat, --mode, --port, --admin-port, --bind, --threads, " +
                            "--tls-port, --tls-cert, --tls-key, --tls-keystore, --cluster, --node, --no-feed or " +
                            "--help");
                }
            }

            final WsmuxSettings settings = new WsmuxSettings(properties);
            if (NOT_GIVEN != port)
            {
                settings.port(port);
            }
            if (NOT_GIVEN != threads)
            {
                settings.ioThreads(threads);
            }
            if (NOT_GIVEN != adminPort)
            {
                settings.adminPort(adminPort);
            }
            if (null != bindAddress)
            {
                settings.bindAddress(bindAddress);
            }
            if (NOT_GIVEN != tlsPort)
            {
                settings.tlsPort(tlsPort);
            }
            if (null != tlsCert)
            {
                settings.tlsCert(tlsCert);
            }
            if (null != tlsKey)
            {
                settings.tlsKey(tlsKey);
            }
            if (null != tlsKeystore)
            {
                settings.tlsKeystore(tlsKeystore);
            }
            if (null != cluster)
            {
                settings.clusterNatsUrl(cluster);
            }
            if (null != node)
            {
                settings.clusterNode(node);
            }
            if (!feed && Mode.DEMO != mode)
            {
                throw new WsmuxConfigurationException("--no-feed applies to --mode demo only (mode " +
                    mode.name().toLowerCase(Locale.ROOT) + " has no price feed)");
            }
            start(mode, settings, feed, out);
            return EXIT_OK;
        }
        catch (final IllegalArgumentException ex) // WsmuxConfigurationException, or a builder's own check
        {
            err.println("wsmux: " + ex.getMessage());
            return EXIT_USAGE;
        }
        catch (final IOException ex)
        {
            err.println("wsmux: " + ex.getMessage());
            return EXIT_FAILURE;
        }
    }

    /**
     * {@code stat [--pid N | --dir D | --file F] [--interval 1s] [--count N]}: print a running server's counters,
     * read from its counters file, every interval; N screens, or until the server is gone or Ctrl-C.
     */
    private static int stat(final String[] args, final Properties properties, final PrintStream out,
        final PrintStream err)
    {
        try
        {
            long pid = 0;
            String dir = null;
            String file = null;
            long intervalNs = TimeUnit.SECONDS.toNanos(1);
            long count = 0;
            for (int i = 1; i < args.length; i++)
            {
                final String option = args[i];
                switch (option)
                {
                    case "--help":
                    case "-h":
                        usage(out);
                        return EXIT_OK;
                    case "--pid":
                        pid = SettingsParser.parseInt(option, value(args, ++i, option, PID_FORMS), 1,
                            Integer.MAX_VALUE);
                        break;
                    case "--dir":
                        dir = value(args, ++i, option, DIR_FORMS);
                        break;
                    case "--file":
                        file = value(args, ++i, option, FILE_FORMS);
                        break;
                    case "--interval":
                        intervalNs = SettingsParser.parseDuration(option, value(args, ++i, option, INTERVAL_FORMS));
                        if (intervalNs < TimeUnit.MILLISECONDS.toNanos(10))
                        {
                            throw new WsmuxConfigurationException(SettingsParser.subject(option, args[i]) +
                                " is not valid: use " + INTERVAL_FORMS);
                        }
                        break;
                    case "--count":
                        count = SettingsParser.parseInt(option, value(args, ++i, option, COUNT_FORMS), 1,
                            Integer.MAX_VALUE);
                        break;
                    default:
                        throw new WsmuxConfigurationException(
                            option + " is not a stat option: use --pid, --dir, --file, --interval, --count or --help");
                }
            }
            final File countersFile = null != file ? new File(file) :
                CountersFile.find(null != dir ? dir : new WsmuxSettings(properties).countersDir(), pid);
            try (CountersFile counters = CountersFile.open(countersFile))
            {
                new WsmuxStat(counters, out, null != System.console()).run(intervalNs, count);
            }
            return EXIT_OK;
        }
        catch (final IllegalArgumentException | IllegalStateException ex)
        {
            err.println("wsmux: " + ex.getMessage());
            return IllegalStateException.class == ex.getClass() ? EXIT_FAILURE : EXIT_USAGE;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return EXIT_OK;
        }
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

    private static void start(
        final Mode mode, final WsmuxSettings settings, final boolean feed, final PrintStream out)
        throws IOException
    {
        switch (mode)
        {
            case ECHO:
                startEcho(settings, out);
                break;
            case FANOUT:
                startFanOut(settings, out);
                break;
            case SOCKJS_TEST:
                startSockJsTest(settings, out);
                break;
            default:
                startDemo(settings, feed, out);
                break;
        }
    }

    private static void startEcho(final WsmuxSettings settings, final PrintStream out) throws IOException
    {
        echoMode(settings);
        final WsmuxServer server = WsmuxServer.builder(settings).anyPath(new EchoHandler()).build().start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> drainThenClose(server, server), "wsmux-shutdown"));
        out.println("wsmux echo server listening on ws://" + server.address().getHostString() + ":" +
            server.port() + "/ (any path, " + settings.ioThreads() + " I/O threads); Ctrl-C stops it");
        announceTls(server, out);
        announceAdmin(server, out);
    }

    private static void startDemo(final WsmuxSettings settings, final boolean feed, final PrintStream out)
        throws IOException
    {
        final DemoServer demo = DemoServer.start(settings, feed);
        Runtime.getRuntime().addShutdownHook(
            new Thread(() -> drainThenClose(demo.server(), demo), "wsmux-shutdown"));
        final WsmuxServer server = demo.server();
        out.println("wsmux demo: open http://" + server.address().getHostString() + ":" + server.port() +
            "/ in a browser (" + settings.ioThreads() + " I/O threads, multiplexed endpoint /mux); Ctrl-C stops it");
        if (null != server.tlsAddress())
        {
            out.println("wsmux demo over TLS: open https://" + server.tlsAddress().getHostString() + ":" +
                server.tlsPort() + "/ (wss:// on the same port)");
        }
        announceCluster(server, out);
        if (!feed)
        {
            out.println("wsmux demo: no price feed here (--no-feed): prices come from another node of the cluster");
        }
        announceAdmin(server, out);
    }

    /**
     * On SIGTERM (a rolling deploy): drain over {@code wsmux.drain.period} (clients told 1012 to reconnect elsewhere,
     * a few at a time), then close.
     */
    private static void drainThenClose(final WsmuxServer server, final AutoCloseable closing)
    {
        server.drain();
        try
        {
            closing.close();
        }
        catch (final Exception ex)
        {
            System.err.println("wsmux: closing: " + ex);
        }
    }

    private static void announceTls(final WsmuxServer server, final PrintStream out)
    {
        if (null != server.tlsAddress())
        {
            out.println("wsmux: TLS (https://, wss://) on " + server.tlsAddress().getHostString() + ":" +
                server.tlsPort());
        }
        announceCluster(server, out);
    }

    private static void announceCluster(final WsmuxServer server, final PrintStream out)
    {
        if (!server.settings().clusterNatsUrl().isEmpty())
        {
            out.println("wsmux: in the cluster at " + NatsUrls.redact(server.settings().clusterNatsUrl()) +
                " (topics shared through NATS, subjects " + server.settings().clusterSubjectPrefix() + ".<topic>)");
        }
    }

    /**
     * The multiplexer of {@code --mode fanout} (a raw WebSocket at {@code /}, SockJS under {@code /sockjs}): topics
     * {@code bench.*}, and {@code publish.<topic>} channels that publish what they receive (for load tests that start
     * the benchmark's server in-process).
     *
     * @return a new multiplexer.
     */
    public static Multiplexer fanOutMultiplexer()
    {
        final Multiplexer[] holder = new Multiplexer[1];
        holder[0] = Multiplexer.builder()
            .topicPrefix("bench.", TopicOptions.RELIABLE)
            .topicPrefix("history.", TopicOptions.RELIABLE.withHistory(FANOUT_HISTORY, Duration.ofMinutes(5)))
            .servicePrefix("publish.", new PublishService(holder))
            .build();
        return holder[0];
    }

    private static void startFanOut(final WsmuxSettings settings, final PrintStream out) throws IOException
    {
        final Multiplexer multiplexer = fanOutMultiplexer();
        final WsmuxServer server = WsmuxServer.builder(settings)
            .mux("/", multiplexer)
            .sockJs("/sockjs", multiplexer, null, null) // SockJS routes are matched before WebSocket endpoints
            .anyPath(new EchoHandler())
            .build()
            .start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> drainThenClose(server, server), "wsmux-shutdown"));
        out.println("wsmux fanout server listening on ws://" + server.address().getHostString() + ":" +
            server.port() + "/ and SockJS under /sockjs (topics bench.* and history.*, publish with " +
            "msg,publish.<topic>,<payload>; " + settings.ioThreads() + " I/O threads)");
        announceTls(server, out);
        announceAdmin(server, out);
    }

    /**
     * The server the SockJS protocol test suite (sockjs-protocol.py) expects: {@code /echo} (response limit 4096),
     * {@code /disabled_websocket_echo}, {@code /cookie_needed_echo} and {@code /close}, which closes every session at
     * once with 3000 "Go away!".
     *
     * @param settings the server's settings.
     * @return the server, not started.
     */
    static WsmuxServer sockJsTestServer(final WsmuxSettings settings)
    {
        final EchoHandler echo = new EchoHandler();
        return WsmuxServer.builder(settings)
            .sockJs("/echo", echo, null, new SockJsOptions().responseLimit(4096))
            .sockJs("/disabled_websocket_echo", echo, null, new SockJsOptions().websocket(false))
            .sockJs("/cookie_needed_echo", echo, null, new SockJsOptions().cookieNeeded(true))
            .sockJs("/close", new WebSocketHandler()
            {
                @Override
                public void onOpen(final Connection connection)
                {
                    connection.close(3000, "Go away!");
                }
            }, null, null)
            .build();
    }

    private static void startSockJsTest(final WsmuxSettings settings, final PrintStream out) throws IOException
    {
        final WsmuxServer server = sockJsTestServer(settings).start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> drainThenClose(server, server), "wsmux-shutdown"));
        out.println("wsmux SockJS test server listening on http://" + server.address().getHostString() + ":" +
            server.port() + "/ (/echo, /disabled_websocket_echo, /cookie_needed_echo, /close; " +
            settings.ioThreads() + " I/O threads)");
        announceTls(server, out);
        announceAdmin(server, out);
    }

    private static void announceAdmin(final WsmuxServer server, final PrintStream out)
    {
        if (null != server.adminAddress())
        {
            out.println("metrics on http://" + server.adminAddress().getHostString() + ":" +
                server.adminAddress().getPort() + "/metrics, health on /health; counters in " + server.countersFile());
        }
    }

    private static String value(final String[] args, final int index, final String option, final String forms)
    {
        if (index >= args.length)
        {
            throw new WsmuxConfigurationException(option + " needs a value: " + forms);
        }
        return args[index];
    }

    private static void usage(final PrintStream out)
    {
        out.println("usage: java -jar wsmux.jar [--mode demo|echo|fanout|sockjs-test] [--port N] [--admin-port N]");
        out.println("                           [--bind ADDRESS] [--threads N]");
        out.println("                           [--tls-port N (--tls-cert FILE --tls-key FILE | --tls-keystore FILE)]");
        out.println("                           [--cluster nats://HOST:PORT[,...] [--node NAME] [--no-feed]]");
        out.println("       java -jar wsmux.jar stat [--pid N | --dir DIR | --file FILE] [--interval 1s] [--count N]");
        out.println("  --mode demo     (default) the trading-desk demo: a page at / and channels on /mux, and the");
        out.println("                  same channels over SockJS at /sockjs (?transport=xhr-streaming, ...)");
        out.println("  --mode echo     echo every text and binary message on every path, with larger limits:");
        out.println("                  frames and messages up to 16 MiB, outbound budget 32 MiB per connection");
        out.println("                  (each unless its property is set: wsmux.max.frame.length,");
        out.println("                  wsmux.max.message.length, wsmux.outbound.budget)");
        out.println("  --mode fanout   the perf suite's fan-out server: text multiplex protocol at / and the same");
        out.println("                  channels over SockJS under /sockjs (every transport); topics bench.*,");
        out.println("                  history.* (each keeps its last 1,000 publications for recovery), and");
        out.println("                  publish.<topic> channels that publish what they receive");
        out.println("  --mode sockjs-test  what the SockJS protocol suite expects: /echo (response limit 4096),");
        out.println("                  /disabled_websocket_echo, /cookie_needed_echo, /close (3000 \"Go away!\")");
        out.println("  --port N        TCP port (default 8080, property wsmux.port)");
        out.println("  --bind ADDRESS  address to listen on (default 127.0.0.1, property wsmux.bind.address)");
        out.println("  --threads N     I/O threads (default: processors, property wsmux.io.threads)");
        out.println("  --admin-port N  serve GET /metrics (Prometheus) and /health on 127.0.0.1:N (default off,");
        out.println("                  properties wsmux.admin.port, wsmux.admin.bind.address)");
        out.println("  --tls-port N    also serve https:// and wss:// on port N, same loops (default off, property");
        out.println("                  wsmux.tls.port); the certificate is one of:");
        out.println("  --tls-cert FILE   PEM certificate chain, leaf first (property wsmux.tls.cert), with");
        out.println("  --tls-key FILE    PEM private key, PKCS#8 unencrypted (property wsmux.tls.key)");
        out.println("  --tls-keystore FILE  PKCS#12 key and chain (property wsmux.tls.keystore; its password:");
        out.println("                  -Dwsmux.tls.keystore.password=...)");
        out.println("                  The files are reloaded when they change (wsmux.tls.reload.interval); mutual");
        out.println("                  TLS: wsmux.tls.client.auth and wsmux.tls.client.ca");
        out.println("  --cluster URLS  join a cluster of wsmux nodes through NATS (nats-server): a publication on any");
        out.println("                  node reaches the subscribers of every node (property wsmux.cluster.nats.url;");
        out.println("                  start nats-server first, e.g. nats-server -a 127.0.0.1 -p 4222 -js)");
        out.println("  --node NAME     this node's name in the cluster (default wsmux-<pid>, wsmux.cluster.node)");
        out.println("                  NATS credentials: user:password@ or a token in the URL, or");
        out.println("                  -Dwsmux.cluster.nats.credentials=FILE (.creds or NKey seed); TLS:");
        out.println("                  -Dwsmux.cluster.nats.tls.ca=FILE (or a tls:// URL), mutual TLS with");
        out.println("                  -Dwsmux.cluster.nats.tls.cert=FILE -Dwsmux.cluster.nats.tls.key=FILE");
        out.println("  --no-feed       demo only: run no price feed on this node; in a cluster the prices come from");
        out.println("                  the node that runs it (chat and prices are shared, stats are per node)");
        out.println("stat: a live table of a running server's counters, read from its counters file");
        out.println("  --pid N         the server's process id (default: the only server in the directory)");
        out.println("  --dir DIR       where the counters files are (default wsmux.counters.dir: /dev/shm or tmp)");
        out.println("  --file FILE     a counters file, e.g. /dev/shm/wsmux-1234.counters");
        out.println("  --interval T    time between screens (default 1s)");
        out.println("  --count N       print N screens, then exit (default: until the server stops or Ctrl-C)");
        out.println("Every mode speaks permessage-deflate (compression) with clients that offer it, as browsers do;");
        out.println("-Dwsmux.deflate=false turns it off (wsmux.deflate.* properties tune it).");
        out.println("On SIGTERM the server drains: it stops accepting and closes its connections with 1012 (service");
        out.println("restart) spread over wsmux.drain.period (default 10s), so clients reconnect elsewhere gradually.");
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
