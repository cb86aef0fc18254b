package io.wsmux.perf;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.wsmux.transport.tls.TestCertificates;
import io.wsmux.transport.tls.TestCertificates.KeyAlgorithm;

/**
 * Runs the perf suite's scenarios against wsmux and the Netty baselines side by side: each server in its own JVM
 * with the same flags, pinned to CPU 0 while the load generator runs on CPU 1 (when {@code taskset} exists), rounds
 * interleaved (wsmux, Netty NIO, Netty epoll, wsmux, ...; a server runs all scenarios of its mode in one JVM per
 * round), and prints for every scenario the median, min and max of each server and wsmux's advantage (throughput
 * ratio, or latency, CPU and memory ratio the other way round). Beside each throughput it reports the server's CPU
 * time per message (its cores busy over its rate): where the one client core is the limit, throughput ties and
 * the CPU per message still tells the servers apart. After the echo throughput scenarios, on the same warm
 * server, it measures echo latency at a fixed rate of half what a server can do when every message travels alone
 * (the open loop); last, the heap, RSS and kernel memory each server needs per idle connection.
 * Writes the same table as Markdown to {@code perf/target/comparison.md}.
 * <p>
 * With {@code --deflate} it compares permessage-deflate instead, on echo only: wsmux and Netty NIO and epoll (with
 * {@code NettyServer --deflate}), the load generator offering permessage-deflate ({@code --deflate}) and sending
 * JSON price ticks ({@code --payload-kind ticks}) of 1 KiB and 16 KiB (32 B is below wsmux's 128-byte threshold),
 * reporting beside the throughput the server's CPU time per message, the bytes on the wire per echo and the
 * compression ratio the client saw; to {@code perf/target/comparison-deflate.md}.
 * <p>
 * With {@code --tls} it compares {@code wss://}: it writes a throwaway CA and server certificate (EC P-256, or RSA
 * 2048 with {@code --tls-key-type rsa}; {@link TestCertificates}) into a temporary directory, starts wsmux with its
 * TLS port ({@code --tls-port}, {@code --tls-cert}, {@code --tls-key}) and Netty NIO and epoll with
 * {@code NettyServer --tls-cert --tls-key} (Netty's SslHandler over the JDK's SSLEngine), all restricted to
 * {@link #TLS_PROTOCOL} and {@link #TLS_CIPHER}, the client pinned to the same and trusting the CA, and measures:
 * handshakes per second and the server's CPU per handshake (32 connections at once opening and closing, every one a
 * full handshake), also for wsmux with its handshakes on the loop ({@code -Dwsmux.tls.handshake.threads=0}) and for
 * wsmux over plain {@code ws://}; echo of 32 B and 1 KiB over 100 connections; fan-out to 1,000 subscribers, also
 * over wsmux's plaintext; and the memory per idle connection, wsmux over TLS and plaintext and Netty over TLS. It
 * judges the goals in a table of their own; to {@code perf/target/comparison-tls.md}.
 * <pre>
 * mvn -B -q package -DskipTests
 * java -jar perf/target/wsmux-perf.jar compare            # full: 3 rounds (2 for memory), under 10 minutes
 * java -jar perf/target/wsmux-perf.jar compare --quick    # 1 round, fewer scenarios, under 2 minutes
 * java -jar perf/target/wsmux-perf.jar compare --deflate  # echo with permessage-deflate, 3 rounds
 * java -jar perf/target/wsmux-perf.jar compare --tls      # wss://: 3 rounds (2 for memory), about 15 minutes
 * java -jar perf/target/wsmux-perf.jar compare --tls --quick   # 1 round, about 3 minutes
 * </pre>
 * Run from the repository root. Every child process is stopped by the runner, also on failure.
 */
public final class Comparison
{
    private static final int PORT = 9301;
    /** wsmux's TLS port beside its plain {@link #PORT} (Netty serves TLS on {@link #PORT} itself). */
    private static final int TLS_PORT = 9302;
    /**
     * The open-loop echo rate (100 connections, 32 B) at which a server here needs a whole core: each message then
     * travels in a packet of its own, one read and one write, where the closed loop's ten in flight share them. Both
     * wsmux and Netty epoll reach it at about 200,000 messages/s (docs/performance.md); latency is measured at half
     * of it, which the runner checks is also at most half the slower closed-loop maximum.
     */
    private static final long OPEN_LOOP_SATURATION_RATE = 200_000;
    /** The derived metric: server CPU nanoseconds per message (or delivery). */
    private static final String SERVER_NS_PER_MESSAGE = "serverNsPerMessage";
    /** The derived metric of the handshakes scenario: server CPU nanoseconds per handshake. */
    private static final String SERVER_NS_PER_HANDSHAKE = "serverNsPerHandshake";
    /** Reported beside the handshakes, not judged: near 1.0, the client's one core was the limit. */
    private static final String CLIENT_CORES = "clientCores";
    /** With --deflate: the client's compression ratio, which must be above 1 for the run to have compressed. */
    private static final String COMPRESSION_RATIO = "compressionRatio";
    /** Echo payloads with --deflate: above wsmux's 128-byte threshold, a small and a large message. */
    private static final int[] DEFLATE_PAYLOADS = { 1024, 16 * 1024 };

    /** With --tls: the one protocol every server and the client enable. */
    static final String TLS_PROTOCOL = "TLSv1.3";
    /** With --tls: the one cipher suite every server and the client enable. */
    static final String TLS_CIPHER = "TLS_AES_128_GCM_SHA256";
    /** The wsmux server every other is judged against; over TLS with --tls. */
    static final String WSMUX = "wsmux";
    /** With --tls: wsmux over plain ws://, to show what TLS costs. */
    static final String WSMUX_PLAIN = "wsmux-plain";
    /** With --tls: wsmux running the handshakes' delegated tasks on its loop. */
    static final String WSMUX_HANDSHAKES_ON_LOOP = "wsmux-hs-on-loop";
    static final String NETTY_NIO = "netty-nio";
    static final String NETTY_EPOLL = "netty-epoll";
    /** With --tls: connections opening and closing at once in the handshakes scenario. */
    static final int TLS_HANDSHAKE_CONNECTIONS = 32;
    /** With --tls: fan-out subscribers. */
    static final int TLS_FANOUT_SUBSCRIBERS = 1000;
    /**
     * With --tls: TLS handshakes in progress at once while a scenario opens its connections: every one costs the
     * one client core milliseconds, and 256 (the default) would wait past the client's handshake timeout.
     */
    static final int TLS_CONNECT_CONCURRENCY = 32;
    /** The goal: Netty's server CPU per echoed message over wsmux's, over TLS. */
    static final double GOAL_CPU_PER_MESSAGE = 1.2;
    /** The goal: wsmux's fan-out deliveries over TLS over its plaintext ones. */
    static final double GOAL_FANOUT_TLS_OVER_PLAIN = 0.5;
    /** The goal: wsmux's handshakes per second over Netty's. */
    static final double GOAL_HANDSHAKES = 1.0;
    /** The goal: what an idle TLS connection may cost wsmux's heap above a plaintext one. */
    static final double GOAL_TLS_HEAP_EXTRA_BYTES = 4096;

    /**
     * A server under test: its command without the pinning, and the URL the client connects to.
     *
     * @param name    as reported.
     * @param mode    echo or fanout.
     * @param command how to start it.
     * @param url     where the client connects: ws:// or wss://.
     */
    record Server(String name, String mode, List<String> command, String url)
    {
        boolean tls()
        {
            return url.startsWith("wss:");
        }
    }

    /** A RESULT key a scenario is judged by, and which way is better. */
    record Metric(String key, boolean higherIsBetter)
    {
    }

    /**
     * A load scenario: the load generator's arguments and the metrics it is judged by.
     *
     * @param name       as reported.
     * @param serverMode the mode of the servers it runs against.
     * @param metrics    the first is the rate the CPU per unit is derived from.
     * @param arguments  the load generator's, without the URL and the TLS options.
     * @param servers    the servers of its group it runs against, or null for all.
     */
    record Scenario(String name, String serverMode, List<Metric> metrics, List<String> arguments, Set<String> servers)
    {
        Scenario(final String name, final String serverMode, final List<Metric> metrics, final List<String> arguments)
        {
            this(name, serverMode, metrics, arguments, null);
        }

        boolean runsOn(final Server server)
        {
            return null == servers || servers.contains(server.name());
        }
    }

    /**
     * Servers and the scenarios run against them: each server in one JVM per round, running its scenarios in order.
     *
     * @param servers   in the order they run.
     * @param scenarios in the order they run on each server.
     */
    record Group(List<Server> servers, List<Scenario> scenarios)
    {
    }

    /**
     * The TLS material of a --tls run.
     *
     * @param chain     the server's PEM certificate chain.
     * @param key       its PEM PKCS#8 key.
     * @param ca        the PEM CA certificate the client trusts.
     * @param algorithm the keys' algorithm.
     */
    record TlsFiles(Path chain, Path key, Path ca, KeyAlgorithm algorithm)
    {
    }

    /**
     * The command line, parsed and checked.
     *
     * @param help        --help.
     * @param quick       --quick: 1 round, fewer and shorter scenarios.
     * @param deflate     --deflate: the permessage-deflate comparison.
     * @param tls         --tls: the wss:// comparison.
     * @param tlsKey      --tls-key-type: the certificate's key, EC P-256 (default) or RSA 2048.
     * @param latencyRate --latency-rate: the latency scenario's rate.
     */
    record Options(boolean help, boolean quick, boolean deflate, boolean tls, KeyAlgorithm tlsKey, long latencyRate)
    {
        /**
         * @param args the command line after {@code compare}.
         * @return the options.
         * @throws IllegalArgumentException naming the option that is unknown, lacks its value or conflicts.
         */
        static Options parse(final String[] args)
        {
            boolean help = false;
            boolean quick = false;
            boolean deflate = false;
            boolean tls = false;
            KeyAlgorithm tlsKey = null;
            long latencyRate = OPEN_LOOP_SATURATION_RATE / 2;
            for (int i = 0; i < args.length; i++)
            {
                switch (args[i])
                {
                    case "--help":
                    case "-h":
                        help = true;
                        break;
                    case "--quick":
                        quick = true;
                        break;
                    case "--deflate":
                        deflate = true;
                        break;
                    case "--tls":
                        tls = true;
                        break;
                    case "--tls-key-type":
                        tlsKey = keyAlgorithm(value(args, ++i));
                        break;
                    case "--latency-rate":
                        latencyRate = positive("--latency-rate", value(args, ++i));
                        break;
                    default:
                        throw new IllegalArgumentException("unknown option " + args[i]);
                }
            }
            if (tls && deflate)
            {
                throw new IllegalArgumentException("--tls and --deflate are separate comparisons: run one, then the " +
                    "other");
            }
            if (null != tlsKey && !tls)
            {
                throw new IllegalArgumentException("--tls-key-type needs --tls");
            }
            return new Options(help, quick, deflate, tls, null == tlsKey ? KeyAlgorithm.EC_P256 : tlsKey,
                latencyRate);
        }

        private static String value(final String[] args, final int index)
        {
            if (index >= args.length)
            {
                throw new IllegalArgumentException(args[index - 1] + " needs a value");
            }
            return args[index];
        }

        private static KeyAlgorithm keyAlgorithm(final String value)
        {
            switch (value.toLowerCase(Locale.ROOT))
            {
                case "ec":
                    return KeyAlgorithm.EC_P256;
                case "rsa":
                    return KeyAlgorithm.RSA_2048;
                default:
                    throw new IllegalArgumentException("--tls-key-type must be ec or rsa: '" + value + "'");
            }
        }

        private static long positive(final String option, final String value)
        {
            try
            {
                final long number = Long.parseLong(value);
                if (number > 0)
                {
                    return number;
                }
            }
            catch (final NumberFormatException ignore)
            {
                // said below
            }
            throw new IllegalArgumentException(option + " must be a positive number: '" + value + "'");
        }
    }

    private final boolean quick;
    private final boolean deflate;
    private final long latencyRate;
    private final TlsFiles tlsFiles;
    private final Map<String, Map<String, List<Double>>> results = new LinkedHashMap<>();
    private final Map<String, Boolean> higherIsBetter = new LinkedHashMap<>();
    /** With --tls: what each server's client negotiated, as "protocol suite". */
    private final Map<String, Set<String>> negotiated = new LinkedHashMap<>();
    private final List<String> notes = new ArrayList<>();

    Comparison(final boolean quick, final boolean deflate, final long latencyRate, final TlsFiles tlsFiles)
    {
        this.quick = quick;
        this.deflate = deflate;
        this.latencyRate = latencyRate;
        this.tlsFiles = tlsFiles;
    }

    /**
     * @param args {@code --quick} for the short run; {@code --deflate} for the permessage-deflate echo comparison;
     *             {@code --tls} for the wss:// comparison ({@code --tls-key-type ec|rsa} for its certificate);
     *             {@code --latency-rate R} for the latency scenario's rate (default half of
     *             {@link #OPEN_LOOP_SATURATION_RATE}, measured on the machine in docs/performance.md: on another
     *             machine, find where a server needs a whole core with {@code LoadGenerator echo --rate});
     *             {@code --help} for these.
     * @throws Exception on failure.
     */
    public static void main(final String[] args) throws Exception
    {
        final Options options;
        try
        {
            options = Options.parse(args);
        }
        catch (final IllegalArgumentException ex)
        {
            System.err.println("compare: " + ex.getMessage());
            usage(System.err);
            System.exit(2);
            return;
        }
        if (options.help())
        {
            usage(System.out);
            return;
        }
        if (!options.tls())
        {
            new Comparison(options.quick(), options.deflate(), options.latencyRate(), null).run();
            return;
        }
        final Path directory = Files.createTempDirectory("wsmux-perf-tls-");
        try
        {
            final TestCertificates certificates =
                TestCertificates.create(directory, options.tlsKey(), TestCertificates.DEFAULT_CLIENT_NAME);
            new Comparison(options.quick(), false, options.latencyRate(), new TlsFiles(certificates.serverChainPem(),
                certificates.serverKeyPem(), certificates.caPem(), options.tlsKey())).run();
        }
        finally
        {
            deleteTree(directory);
        }
    }

    static void usage(final PrintStream out)
    {
        out.println("usage: java -jar perf/target/wsmux-perf.jar compare [--quick] [--deflate | --tls " +
            "[--tls-key-type ec|rsa]]");
        out.println("         [--latency-rate R]  (from the repository root)");
        out.println("  wsmux vs Netty NIO and epoll, interleaved rounds, server on CPU 0 and client on CPU 1:");
        out.println("  echo throughput and server CPU per message, echo latency at a fixed rate, fan-out,");
        out.println("  memory per idle connection; perf/target/comparison.md");
        out.println("  --quick            1 round, fewer scenarios");
        out.println("  --deflate          echo only, with permessage-deflate: Netty with --deflate, the client");
        out.println("                     offering it (--deflate) and sending 1 KiB and 16 KiB of JSON price");
        out.println("                     ticks (--payload-kind ticks); server CPU per message, wire bytes per");
        out.println("                     echo, compression ratio; perf/target/comparison-deflate.md");
        out.println("  --tls              wss:// with throwaway certificates in a temporary directory: wsmux's TLS");
        out.println("                     port vs Netty NIO and epoll with SslHandler over the JDK's SSLEngine,");
        out.println("                     all and the client on " + TLS_PROTOCOL + " " + TLS_CIPHER + ":");
        out.println("                     handshakes/s and server CPU per handshake (" + TLS_HANDSHAKE_CONNECTIONS +
            " at once, each a full");
        out.println("                     handshake; also wsmux with -Dwsmux.tls.handshake.threads=0, and wsmux");
        out.println("                     over ws://), echo 32 B and 1 KiB over 100 connections, fan-out to");
        out.println("                     1,000 subscribers (also wsmux over ws://), memory per idle connection");
        out.println("                     (wsmux TLS and ws://, Netty TLS), and the issue's goals;");
        out.println("                     perf/target/comparison-tls.md (--quick: about 3 minutes, else 15)");
        out.println("  --tls-key-type T   with --tls: ec (default, P-256) or rsa (2048): the certificate's key");
        out.println("  --latency-rate R   the latency scenario's rate (default " +
            OPEN_LOOP_SATURATION_RATE / 2 + "/s)");
    }

    private List<Server> servers(final String mode)
    {
        final String jar = BenchServers.PERF_JAR;
        final String url = "ws://127.0.0.1:" + PORT + "/";
        final List<Server> servers = new ArrayList<>();
        servers.add(new Server(WSMUX, mode, BenchServers.serverJvm(
            BenchServers.wsmux(List.of("-jar", BenchServers.WSMUX_JAR), mode, PORT)), url));
        for (final String transport : List.of("nio", "epoll"))
        {
            servers.add(new Server("netty-" + transport, mode, BenchServers.serverJvm(deflate ?
                BenchServers.netty(jar, mode, PORT, transport, "--deflate") :
                BenchServers.netty(jar, mode, PORT, transport)), url));
        }
        if ("fanout".equals(mode))
        {
            // The idiomatic Netty fan-out re-encodes the frame header per subscriber; "wire" encodes the frame once,
            // as wsmux does. Both are reported.
            servers.add(new Server("netty-epoll-wire", mode,
                BenchServers.serverJvm(BenchServers.netty(jar, mode, PORT, "epoll", "--fanout-write", "wire")), url));
        }
        return servers;
    }

    /**
     * With --tls: wsmux on its TLS port, Netty NIO and epoll with their SslHandler, every one restricted to
     * {@link #TLS_PROTOCOL} and {@link #TLS_CIPHER}; in echo mode also wsmux with its handshakes on the loop; and
     * wsmux over plain ws://.
     *
     * @param mode echo or fanout.
     * @return the servers, in the order they run.
     */
    List<Server> tlsServers(final String mode)
    {
        final List<Server> servers = new ArrayList<>();
        servers.add(new Server(WSMUX, mode, wsmuxTls(mode, List.of()), "wss://127.0.0.1:" + TLS_PORT + "/"));
        if ("echo".equals(mode))
        {
            servers.add(new Server(WSMUX_HANDSHAKES_ON_LOOP, mode, wsmuxTls(mode,
                List.of("-Dwsmux.tls.handshake.threads=0")), "wss://127.0.0.1:" + TLS_PORT + "/"));
        }
        for (final String transport : List.of("nio", "epoll"))
        {
            servers.add(new Server("netty-" + transport, mode, BenchServers.serverJvm(BenchServers.netty(
                BenchServers.PERF_JAR, mode, PORT, transport, "--tls-cert", tlsFiles.chain().toString(), "--tls-key",
                tlsFiles.key().toString(), "--tls-protocol", TLS_PROTOCOL, "--tls-cipher", TLS_CIPHER)),
                "wss://127.0.0.1:" + PORT + "/"));
        }
        servers.add(new Server(WSMUX_PLAIN, mode, BenchServers.serverJvm(
            BenchServers.wsmux(List.of("-jar", BenchServers.WSMUX_JAR), mode, PORT)), "ws://127.0.0.1:" + PORT + "/"));
        return servers;
    }

    private List<String> wsmuxTls(final String mode, final List<String> properties)
    {
        final List<String> arguments = new ArrayList<>(List.of("-Dwsmux.tls.protocols=" + TLS_PROTOCOL,
            "-Dwsmux.tls.cipher.suites=" + TLS_CIPHER));
        arguments.addAll(properties);
        arguments.addAll(BenchServers.wsmux(List.of("-jar", BenchServers.WSMUX_JAR), mode, PORT));
        arguments.addAll(List.of("--tls-port", String.valueOf(TLS_PORT), "--tls-cert", tlsFiles.chain().toString(),
            "--tls-key", tlsFiles.key().toString()));
        return BenchServers.serverJvm(arguments);
    }

    private List<String> timing()
    {
        return List.of("--duration", quick ? "2s" : "2500ms", "--warmup", "1s");
    }

    private List<Scenario> echoScenarios()
    {
        final List<Scenario> scenarios = new ArrayList<>();
        for (final int connections : quick ? new int[]{ 100 } : new int[]{ 100, 1000 })
        {
            for (final int payload : new int[]{ 32, 1024 })
            {
                final List<String> arguments = new ArrayList<>(List.of("echo", "--connections",
                    String.valueOf(connections), "--payload", String.valueOf(payload), "--in-flight", "10"));
                arguments.addAll(timing());
                scenarios.add(new Scenario("echo " + connections + " conns " + payload + " B", "echo",
                    List.of(new Metric("messagesPerSecond", true), new Metric(SERVER_NS_PER_MESSAGE, false)),
                    arguments));
            }
        }
        return scenarios;
    }

    /**
     * Echo with permessage-deflate: JSON price ticks of 1 KiB and 16 KiB, compressed both ways.
     */
    private List<Scenario> deflateScenarios()
    {
        final List<Scenario> scenarios = new ArrayList<>();
        for (final int connections : quick ? new int[]{ 100 } : new int[]{ 100, 1000 })
        {
            for (final int payload : DEFLATE_PAYLOADS)
            {
                final List<String> arguments = new ArrayList<>(List.of("echo", "--connections",
                    String.valueOf(connections), "--payload", String.valueOf(payload), "--in-flight", "10",
                    "--payload-kind", "ticks", "--deflate"));
                arguments.addAll(timing());
                scenarios.add(new Scenario("deflate echo " + connections + " conns " + payload + " B ticks", "echo",
                    List.of(new Metric("messagesPerSecond", true), new Metric(SERVER_NS_PER_MESSAGE, false),
                        new Metric("wireBytesPerMessage", false), new Metric(COMPRESSION_RATIO, true)),
                    arguments));
            }
        }
        return scenarios;
    }

    private List<Scenario> fanOutScenarios()
    {
        final List<Scenario> scenarios = new ArrayList<>();
        final int[][] shapes = quick ? new int[][]{ { 1, 1000 } } :
            new int[][]{ { 1, 1000 }, { 1, 10000 }, { 100, 10000 } };
        for (final int[] shape : shapes)
        {
            final List<String> arguments = new ArrayList<>(List.of("fanout", "--subscribers",
                String.valueOf(shape[1]), "--topics", String.valueOf(shape[0]), "--rate", "max", "--payload", "64"));
            arguments.addAll(timing());
            scenarios.add(new Scenario("fanout " + shape[0] + " topic" + (1 == shape[0] ? "" : "s") + " " +
                shape[1] + " subs", "fanout",
                List.of(new Metric("deliveriesPerSecond", true), new Metric(SERVER_NS_PER_MESSAGE, false)),
                arguments));
        }
        return scenarios;
    }

    /**
     * With --tls, the servers in echo mode: first the handshakes (every server's JVM as cold as the others'; a long
     * warm-up, 5 s, 2 s quick, as each handshake is milliseconds of work on either side and the JIT compiles its
     * path only after a few hundred), then echo over TLS.
     *
     * @return the group.
     */
    Group tlsEchoGroup()
    {
        final List<Scenario> scenarios = new ArrayList<>();
        scenarios.add(new Scenario("handshakes " + TLS_HANDSHAKE_CONNECTIONS + " at once", "echo",
            List.of(new Metric("handshakesPerSecond", true), new Metric(SERVER_NS_PER_HANDSHAKE, false),
                new Metric(CLIENT_CORES, false)),
            List.of("handshakes", "--connections", String.valueOf(TLS_HANDSHAKE_CONNECTIONS), "--duration",
                quick ? "2s" : "2500ms", "--warmup", quick ? "2s" : "5s"),
            Set.of(WSMUX, WSMUX_HANDSHAKES_ON_LOOP, NETTY_NIO, NETTY_EPOLL, WSMUX_PLAIN)));
        for (final int payload : new int[]{ 32, 1024 })
        {
            final List<String> arguments = new ArrayList<>(List.of("echo", "--connections", "100", "--payload",
                String.valueOf(payload), "--in-flight", "10", "--connect-concurrency",
                String.valueOf(TLS_CONNECT_CONCURRENCY)));
            arguments.addAll(timing());
            scenarios.add(new Scenario("echo 100 conns " + payload + " B", "echo",
                List.of(new Metric("messagesPerSecond", true), new Metric(SERVER_NS_PER_MESSAGE, false)),
                arguments, Set.of(WSMUX, NETTY_NIO, NETTY_EPOLL)));
        }
        return new Group(tlsServers("echo"), scenarios);
    }

    /**
     * @return with --tls, fan-out to 1,000 subscribers: wsmux and Netty over TLS (--quick: NIO only), wsmux over
     *     ws://.
     */
    Group tlsFanOutGroup()
    {
        final List<String> arguments = new ArrayList<>(List.of("fanout", "--subscribers",
            String.valueOf(TLS_FANOUT_SUBSCRIBERS), "--topics", "1", "--rate", "max", "--payload", "64",
            "--connect-concurrency", String.valueOf(TLS_CONNECT_CONCURRENCY)));
        arguments.addAll(timing());
        return new Group(tlsServers("fanout"), List.of(new Scenario("fanout 1 topic " + TLS_FANOUT_SUBSCRIBERS +
            " subs", "fanout", List.of(new Metric("deliveriesPerSecond", true),
            new Metric(SERVER_NS_PER_MESSAGE, false)), arguments,
            quick ? Set.of(WSMUX, NETTY_NIO, WSMUX_PLAIN) : null)));
    }

    /**
     * @return with --tls, the memory per idle connection: wsmux over TLS and ws://, Netty over TLS (--quick: NIO
     *     only, fewer connections, 2 s for RSS to settle instead of 5.5).
     */
    Group tlsMemoryGroup()
    {
        final int connections = quick ? 1000 : 4000;
        final List<String> arguments = new ArrayList<>(List.of("connections", "--connections",
            String.valueOf(connections), "--per-process", "19000", "--hold", "1s", "--source-addresses", "4",
            "--warmup-connections", quick ? "200" : "500", "--connect-concurrency",
            String.valueOf(TLS_CONNECT_CONCURRENCY)));
        if (quick)
        {
            arguments.addAll(List.of("--settle", "2s"));
        }
        return new Group(tlsServers("echo"), List.of(new Scenario(connections + " idle connections", "echo",
            List.of(new Metric("heapPerConnectionBytes", false), new Metric("rssPerConnectionBytes", false),
                new Metric("kernelSlabPerConnectionBytes", false)), arguments,
            quick ? Set.of(WSMUX, WSMUX_PLAIN, NETTY_NIO) : Set.of(WSMUX, WSMUX_PLAIN, NETTY_NIO, NETTY_EPOLL))));
    }

    private void run() throws Exception
    {
        final long startNs = System.nanoTime();
        final int rounds = quick ? 1 : 3;
        System.out.printf("wsmux vs Netty%s, %d round(s), server pinned to CPU 0 and client to CPU 1: %s%n",
            deflate ? " with permessage-deflate" : null != tlsFiles ? " over TLS" : "", rounds,
            ChildProcess.TASKSET ? "yes" : "no (taskset missing)");
        if (deflate)
        {
            runRounds(rounds, new Group(servers("echo"), deflateScenarios()));
            finish(startNs, "comparison-deflate.md");
            return;
        }
        if (null != tlsFiles)
        {
            runRounds(rounds, tlsEchoGroup());
            runRounds(rounds, tlsFanOutGroup());
            runRounds(Math.min(rounds, 2), tlsMemoryGroup());
            finish(startNs, "comparison-tls.md");
            return;
        }
        // Latency runs last in each echo server's round, so its JIT has compiled the echo path by then.
        final List<Scenario> echo = new ArrayList<>(echoScenarios());
        echo.add(latencyScenario());
        runRounds(rounds, new Group(servers("echo"), echo));
        checkLatencyRate();
        runRounds(rounds, new Group(servers("fanout"), fanOutScenarios()));
        // Memory varies little between rounds, and each round waits for the JVMs to settle before reading RSS.
        runRounds(Math.min(rounds, 2), new Group(servers("echo"), List.of(connectionsScenario())));
        finish(startNs, "comparison.md");
    }

    private void finish(final long startNs, final String fileName) throws IOException
    {
        final double minutes = (System.nanoTime() - startNs) / 60e9;
        final String table = report(minutes);
        System.out.println();
        System.out.println(table);
        System.out.printf(Locale.ROOT, "comparison took %.1f minutes%n", minutes);
        Files.createDirectories(Path.of("perf", "target"));
        Files.writeString(Path.of("perf", "target", fileName), table, StandardCharsets.UTF_8);
    }

    /**
     * @param minutes how long the run took.
     * @return the Markdown report: the table, and with --tls the setup, the goals and what was negotiated.
     */
    String report(final double minutes)
    {
        return null == tlsFiles ? table() : tlsHeader() + table() + tlsGoals() + tlsNotes(minutes);
    }

    /**
     * Keep one measurement.
     *
     * @param scenario the scenario's name.
     * @param metric   what was measured.
     * @param server   the server's name.
     * @param value    the value.
     */
    void record(final String scenario, final Metric metric, final String server, final double value)
    {
        final String key = scenario + ", " + metric.key();
        higherIsBetter.put(key, metric.higherIsBetter());
        results.computeIfAbsent(key, (k) -> new LinkedHashMap<>()).computeIfAbsent(server, (k) -> new ArrayList<>())
            .add(value);
    }

    /**
     * Each round starts every server of the group in turn (one JVM per server per round) and runs its scenarios
     * against it.
     */
    private void runRounds(final int rounds, final Group group) throws IOException, InterruptedException
    {
        for (int round = 1; round <= rounds; round++)
        {
            for (final Server server : group.servers())
            {
                final List<Scenario> scenarios =
                    group.scenarios().stream().filter((scenario) -> scenario.runsOn(server)).toList();
                if (scenarios.isEmpty())
                {
                    continue;
                }
                try (ChildProcess serverProcess = startServer(server))
                {
                    for (final Scenario scenario : scenarios)
                    {
                        final Map<String, Double> values = measure(server, serverProcess, scenario);
                        for (final Metric metric : scenario.metrics())
                        {
                            record(scenario.name(), metric, server.name(), values.get(metric.key()));
                        }
                        System.out.printf(Locale.ROOT, "  %-28s round %d %-16s %s%n", scenario.name(), round,
                            server.name(), values);
                        final Double ratio = values.get(COMPRESSION_RATIO);
                        if (null != ratio && !(ratio > 1))
                        {
                            System.out.printf(Locale.ROOT, "  warning: %s did not compress (compressionRatio=%s): " +
                                "did the server decline, or the client not offer permessage-deflate?%n",
                                server.name(), ratio);
                        }
                    }
                }
            }
        }
    }

    /**
     * Echo latency at a fixed rate (100 connections, 32 B): half the open-loop saturation rate, with a longer
     * warm-up so the client's JIT is done too.
     */
    private Scenario latencyScenario()
    {
        final long rate = latencyRate;
        return new Scenario("echo latency at " + rate + "/s", "echo",
            List.of(new Metric("p50Us", false), new Metric("p99Us", false), new Metric("p999Us", false)),
            List.of("echo", "--connections", "100", "--payload", "32", "--rate", String.valueOf(rate),
            "--duration", quick ? "2s" : "2500ms", "--warmup", quick ? "1s" : "3s"));
    }

    /**
     * The latency rate must be at most half the slower server's closed-loop maximum too; say so if it was not.
     */
    private void checkLatencyRate()
    {
        double slowest = Double.MAX_VALUE;
        for (final List<Double> values : results.get("echo 100 conns 32 B, messagesPerSecond").values())
        {
            slowest = Math.min(slowest, Spread.median(values));
        }
        if (slowest < 2 * latencyRate)
        {
            System.out.printf(Locale.ROOT, "warning: the slower server's closed-loop maximum (%,.0f/s) is below " +
                "twice the latency rate: the latency scenario measured a loaded server%n", slowest);
        }
    }

    /**
     * Idle connections held open: the server's heap and RSS per connection.
     */
    private Scenario connectionsScenario()
    {
        final int connections = quick ? 5000 : 19000;
        return new Scenario(connections + " idle connections", "echo",
            List.of(new Metric("heapPerConnectionBytes", false), new Metric("rssPerConnectionBytes", false),
                new Metric("kernelSlabPerConnectionBytes", false)),
            List.of("connections", "--connections", String.valueOf(connections), "--per-process", "19000",
            "--hold", "1s",
            "--source-addresses", "4", "--warmup-connections", quick ? "500" : "1000"));
    }

    private static ChildProcess startServer(final Server server) throws IOException, InterruptedException
    {
        final List<String> serverCommand = new ArrayList<>(ChildProcess.pinned(0));
        serverCommand.addAll(server.command());
        final ChildProcess serverProcess = ChildProcess.start(serverCommand, true);
        try
        {
            serverProcess.awaitLine("listening", 30, TimeUnit.SECONDS);
        }
        catch (final IOException ex)
        {
            serverProcess.stop();
            throw ex;
        }
        return serverProcess;
    }

    /**
     * @param server   the server.
     * @param scenario the scenario.
     * @return the load generator's arguments for them: the scenario's, the server's URL, and over TLS the CA to
     *     trust and the protocol and suite to pin.
     */
    List<String> clientArguments(final Server server, final Scenario scenario)
    {
        final List<String> arguments = new ArrayList<>(scenario.arguments());
        arguments.addAll(List.of("--url", server.url(), "--label", server.name()));
        if (server.tls())
        {
            arguments.addAll(List.of("--trust", tlsFiles.ca().toString(), "--tls-protocol", TLS_PROTOCOL,
                "--tls-cipher", TLS_CIPHER));
        }
        return arguments;
    }

    private Map<String, Double> measure(
        final Server server, final ChildProcess serverProcess, final Scenario scenario)
        throws IOException, InterruptedException
    {
        final List<String> clientCommand = new ArrayList<>(ChildProcess.pinned(1));
        final List<String> arguments =
            new ArrayList<>(List.of("-cp", BenchServers.PERF_JAR, "io.wsmux.perf.load.LoadGenerator"));
        arguments.addAll(clientArguments(server, scenario));
        arguments.addAll(List.of("--server-pid", String.valueOf(serverProcess.pid())));
        clientCommand.addAll(BenchServers.clientJvm(arguments));
        final Map<String, Object> result;
        try (ChildProcess client = ChildProcess.start(clientCommand, false))
        {
            result = ResultLines.resultLine(client.awaitLine("RESULT", 600, TimeUnit.SECONDS));
            client.waitFor(30, TimeUnit.SECONDS);
        }
        if (null != tlsFiles)
        {
            checkTls(server, scenario, result);
        }
        final Map<String, Double> values = new LinkedHashMap<>();
        for (final Metric metric : scenario.metrics())
        {
            if (SERVER_NS_PER_MESSAGE.equals(metric.key()) || SERVER_NS_PER_HANDSHAKE.equals(metric.key()))
            {
                final double rate = value(result, scenario.metrics().get(0).key());
                final double cores = value(result, "serverCores");
                values.put(metric.key(), cores < 0 || rate <= 0 ? Double.NaN : cores * 1e9 / rate);
            }
            else
            {
                values.put(metric.key(), value(result, metric.key()));
            }
        }
        return values;
    }

    /**
     * With --tls: a run with errors, or whose TLS connections negotiated another protocol or suite than every side
     * was restricted to, is noted (and said at once): its numbers would not compare like with like.
     */
    private void checkTls(final Server server, final Scenario scenario, final Map<String, Object> result)
    {
        final Object errors = result.get("errors");
        if (errors instanceof Double && (Double)errors > 0)
        {
            note(String.format(Locale.ROOT, "%s, %s: the client counted %.0f errors (connectFailures=%s, " +
                "unexpectedCloses=%s)", scenario.name(), server.name(), (Double)errors, result.get("connectFailures"),
                result.get("unexpectedCloses")));
        }
        if (!server.tls())
        {
            return;
        }
        final String agreed = result.get("tlsProtocol") + " " + result.get("tlsCipher");
        negotiated.computeIfAbsent(server.name(), (k) -> new LinkedHashSet<>()).add(agreed);
        if (!(TLS_PROTOCOL + " " + TLS_CIPHER).equals(agreed))
        {
            note(scenario.name() + ", " + server.name() + ": negotiated " + agreed + ", not " + TLS_PROTOCOL + " " +
                TLS_CIPHER);
        }
    }

    private void note(final String note)
    {
        System.out.println("  warning: " + note);
        notes.add(note);
    }

    private static double value(final Map<String, Object> result, final String key)
    {
        if (!(result.get(key) instanceof Double))
        {
            throw new IllegalStateException("no number " + key + " in: " + result);
        }
        return (Double)result.get(key);
    }

    private String table()
    {
        final StringBuilder out = new StringBuilder();
        out.append("| scenario, metric | server | median | min | max | wsmux advantage |\n|---|---|---|---|---|---|\n");
        for (final Map.Entry<String, Map<String, List<Double>>> scenario : results.entrySet())
        {
            final boolean higher = higherIsBetter.get(scenario.getKey());
            final List<Double> reference = scenario.getValue().get(WSMUX);
            final double wsmux = null == reference ? Double.NaN : Spread.median(reference);
            final boolean judged = !scenario.getKey().endsWith(", " + CLIENT_CORES);
            for (final Map.Entry<String, List<Double>> server : scenario.getValue().entrySet())
            {
                final Spread spread = Spread.of(server.getValue());
                final double median = spread.median();
                final double advantage = higher ? wsmux / median : median / wsmux;
                out.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s |%n",
                    scenario.getKey(), server.getKey(), number(median), number(spread.min()), number(spread.max()),
                    WSMUX.equals(server.getKey()) || !judged || Double.isNaN(advantage) ? "-" :
                    String.format(Locale.ROOT, "%.2fx", advantage)));
            }
        }
        out.append("\nwsmux advantage: wsmux / this for throughput, this / wsmux for latency, server CPU per message ")
            .append("(serverNsPerMessage: server cores busy x 1e9 / rate) and memory.\n");
        if (deflate)
        {
            out.append("\nWith permessage-deflate: wireBytesPerMessage is what the client read off its sockets per ")
                .append("echo (frame headers included; lower is better), compressionRatio the echoed bytes over ")
                .append("those (higher is better; not above 1 means nothing was compressed). wsmux answers ")
                .append("server_no_context_takeover and client_no_context_takeover and compresses from 128 bytes; ")
                .append("Netty keeps its context both ways and compresses every message (NettyServer).\n");
        }
        return out.toString();
    }

    private static String number(final double value)
    {
        if (Double.isNaN(value))
        {
            return "-";
        }
        return String.format(Locale.ROOT, Math.abs(value) >= 100 ? "%,.0f" : "%.2f", value);
    }

    private String tlsHeader()
    {
        return "# wsmux vs Netty over TLS\n\n" +
            "Every server and the client restricted to " + TLS_PROTOCOL + " and " + TLS_CIPHER + ", certificate " +
            (KeyAlgorithm.EC_P256 == tlsFiles.algorithm() ? "EC P-256 (ECDSA)" : "RSA 2048") + " from a throwaway " +
            "CA (TestCertificates), the JDK's SSLEngine on every side: wsmux's TLS port; Netty " +
            "(NettyServer --tls-cert) with SslHandler first in its pipeline, SslProvider.JDK, delegated tasks on the " +
            "event loop. `" + WSMUX + "` runs its handshakes' delegated tasks on one pool thread (the default), `" +
            WSMUX_HANDSHAKES_ON_LOOP + "` on its loop (-Dwsmux.tls.handshake.threads=0), `" + WSMUX_PLAIN +
            "` is wsmux over ws://. One I/O thread each, pinned to CPU 0 with the client on CPU 1 " +
            (ChildProcess.TASKSET ? "" : "(taskset missing: not pinned) ") + "(" + (quick ? "1 round" :
            "3 rounds, 2 for memory") + "). The client makes every connection's TLS engine from a fresh JDK context:" +
            " no session is resumed, each handshake is a full one.\n\n";
    }

    /**
     * The goals, judged on the medians.
     */
    private String tlsGoals()
    {
        final StringBuilder md = new StringBuilder("\n## Goals\n\n| goal | measured | met |\n|---|---|---|\n");
        for (final String scenario : List.of("echo 100 conns 32 B", "echo 100 conns 1024 B"))
        {
            for (final String netty : List.of(NETTY_NIO, NETTY_EPOLL))
            {
                final double ratio = median(scenario + ", " + SERVER_NS_PER_MESSAGE, netty) /
                    median(scenario + ", " + SERVER_NS_PER_MESSAGE, WSMUX);
                goal(md, scenario + ": " + netty + " server CPU per message / wsmux's >= " + GOAL_CPU_PER_MESSAGE,
                    ratio, ratio >= GOAL_CPU_PER_MESSAGE);
            }
        }
        final String fanOut = "fanout 1 topic " + TLS_FANOUT_SUBSCRIBERS + " subs, deliveriesPerSecond";
        final double fanOutRatio = median(fanOut, WSMUX) / median(fanOut, WSMUX_PLAIN);
        goal(md, "fan-out to " + TLS_FANOUT_SUBSCRIBERS + ": wsmux deliveries/s over TLS / over ws:// >= " +
            GOAL_FANOUT_TLS_OVER_PLAIN, fanOutRatio, fanOutRatio >= GOAL_FANOUT_TLS_OVER_PLAIN);
        final String handshakes = "handshakes " + TLS_HANDSHAKE_CONNECTIONS + " at once, ";
        for (final String netty : List.of(NETTY_NIO, NETTY_EPOLL))
        {
            final double ratio = median(handshakes + "handshakesPerSecond", WSMUX) /
                median(handshakes + "handshakesPerSecond", netty);
            goal(md, "handshakes/s: wsmux / " + netty + " >= " + GOAL_HANDSHAKES, ratio, ratio >= GOAL_HANDSHAKES);
        }
        for (final String key : results.keySet())
        {
            if (key.endsWith("idle connections, heapPerConnectionBytes"))
            {
                final double tls = median(key, WSMUX);
                final double plain = median(key, WSMUX_PLAIN);
                md.append(String.format(Locale.ROOT, "| heap per idle connection: wsmux over TLS <= over ws:// + " +
                    "%.0f B | %s B vs %s B + %.0f B (%+,.0f B) | %s |%n", GOAL_TLS_HEAP_EXTRA_BYTES, number(tls),
                    number(plain), GOAL_TLS_HEAP_EXTRA_BYTES, tls - plain, Double.isNaN(tls - plain) ? "-" :
                    tls <= plain + GOAL_TLS_HEAP_EXTRA_BYTES ? "yes" : "NO"));
            }
        }
        md.append("\nFor information: server CPU per handshake, ")
            .append(WSMUX_HANDSHAKES_ON_LOOP).append(" / ").append(WSMUX).append(": ")
            .append(ratio(median(handshakes + SERVER_NS_PER_HANDSHAKE, WSMUX_HANDSHAKES_ON_LOOP),
                median(handshakes + SERVER_NS_PER_HANDSHAKE, WSMUX)))
            .append("; wsmux's over TLS / over ws://: ")
            .append(ratio(median(handshakes + SERVER_NS_PER_HANDSHAKE, WSMUX),
                median(handshakes + SERVER_NS_PER_HANDSHAKE, WSMUX_PLAIN)))
            .append(". A handshake costs the client about as much as the server (it verifies the chain and the ")
            .append("server's signature): where clientCores is near 1.0 the client's core was the limit, the ")
            .append("handshakes/s tie, and the server CPU per handshake is what tells the servers apart.\n");
        return md.toString();
    }

    private static void goal(final StringBuilder md, final String goal, final double ratio, final boolean met)
    {
        md.append("| ").append(goal).append(" | ").append(Double.isNaN(ratio) ? "-" :
            String.format(Locale.ROOT, "%.2fx", ratio)).append(" | ")
            .append(Double.isNaN(ratio) ? "-" : met ? "yes" : "NO").append(" |\n");
    }

    private static String ratio(final double value, final double reference)
    {
        final double ratio = value / reference;
        return Double.isNaN(ratio) || Double.isInfinite(ratio) ? "-" : String.format(Locale.ROOT, "%.2fx", ratio);
    }

    private double median(final String key, final String server)
    {
        final Map<String, List<Double>> servers = results.get(key);
        final List<Double> values = null == servers ? null : servers.get(server);
        return null == values ? Double.NaN : Spread.median(values);
    }

    private String tlsNotes(final double minutes)
    {
        final StringBuilder md = new StringBuilder("\n## Negotiated\n\n");
        for (final Map.Entry<String, Set<String>> server : negotiated.entrySet())
        {
            md.append("- ").append(server.getKey()).append(": ").append(String.join(", ", server.getValue()))
                .append('\n');
        }
        if (!notes.isEmpty())
        {
            md.append("\n## Warnings\n\n");
            for (final String note : notes)
            {
                md.append("- ").append(note).append('\n');
            }
        }
        md.append(String.format(Locale.ROOT, "%nThe comparison took %.1f minutes.%n", minutes));
        return md.toString();
    }

    private static void deleteTree(final Path directory) throws IOException
    {
        try (Stream<Path> paths = Files.walk(directory))
        {
            for (final Path path : paths.sorted(Comparator.reverseOrder()).toList())
            {
                Files.deleteIfExists(path);
            }
        }
    }
}
