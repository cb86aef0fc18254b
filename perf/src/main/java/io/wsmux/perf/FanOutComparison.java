package io.wsmux.perf;

import java.io.IOException;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.wsmux.perf.load.NativeClient;

/**
 * The fan-out comparison: wsmux against Netty epoll (the idiomatic baseline, as {@link Comparison} starts it) and,
 * when given its binary, an external single-threaded uWebSockets server, side by side on the fan-out scenarios
 * (default {@code 1x1000}, {@code 1x10000}, {@code 100x10000}: topics x subscribers, 64-byte payloads, 32
 * publications in flight per topic).
 * <p>
 * Every measurement starts a fresh server process, pinned to CPU 0 with taskset, and a fresh client pinned to CPU 1
 * (the native C client, or the Java load generator in a child JVM), which warms up and then measures; the server is
 * stopped after each measurement. Rounds are interleaved: for each round, for each scenario, for each server. The
 * report gives, per scenario and server, the median and range over rounds of deliveries per second and of the
 * server's CPU time per delivery, ratios against uWS and Netty epoll, and how each server's CPU per delivery grows
 * from 1x1000 to 1x10000. A run whose client reports errors is marked failed, never averaged.
 * <p>
 * With {@code --deflate} it compares compression instead ({@link FanOutCompression}): wsmux with a client that does
 * not offer permessage-deflate, wsmux with one that does, and Netty epoll with Netty's permessage-deflate, the Java
 * client publishing JSON price ticks ({@code --payload-kind ticks}, 1 KiB by default), and reports beside the
 * deliveries and CPU the bytes on the wire per delivery, the ratios the issue sets goals for, and how many times
 * wsmux compressed each publication (from its counters file).
 * <pre>
 * java -jar perf/target/wsmux-perf.jar fanout-compare --help
 * java -jar perf/target/wsmux-perf.jar fanout-compare --uws-binary /opt/uws/fanout_server --native-client ./fc
 * java -jar perf/target/wsmux-perf.jar fanout-compare --deflate
 * </pre>
 * Run from the repository root; writes the report to {@code perf/target/fanout-comparison.md} too. Exit status 0,
 * 1 if a run failed, 2 on a bad option.
 */
public final class FanOutComparison
{
    static final String WSMUX = "wsmux";
    static final String NETTY_EPOLL = "netty-epoll";
    static final String UWS = "uws";
    static final String NATIVE = "native";
    static final String JAVA = "java";
    static final int PAYLOAD = 64;
    /** Least --payload: the fan-out payload's header (sequence and send time). */
    static final int MIN_PAYLOAD = 33;
    /** Most --payload: the load generator's bound. */
    static final int MAX_PAYLOAD = 60 * 1024;
    static final int WINDOW = 32;
    static final int EXIT_FAILED = 1;
    static final int EXIT_USAGE = 2;
    /** The scenario pair whose CPU per delivery may grow by at most {@link #GROWTH_LIMIT}. */
    static final Shape GROWTH_FROM = new Shape(1, 1000);
    static final Shape GROWTH_TO = new Shape(1, 10000);
    static final double GROWTH_LIMIT = 0.25;

    private static final String NAME = "fanout-compare";
    private static final int SERVER_START_SECONDS = 30;
    /** Beyond warm-up and measurement: JVM start, 10,000 connections, subscription, drain. */
    private static final int CLIENT_SLACK_SECONDS = 120;
    private static final int SERVER_TAIL_LINES = 5;
    private static final String PID_PLACEHOLDER = "<server-pid>";
    private static final Pattern SAFE_WORD = Pattern.compile("[A-Za-z0-9_./:=,@%+-]+");
    private static final int UNSET = -1;

    /** Topics x subscribers. */
    record Shape(int topics, int subscribers)
    {
        private static final Pattern FORM = Pattern.compile("(\\d{1,6})x(\\d{1,7})");

        /**
         * @param text {@code <topics>x<subscribers>}, e.g. {@code 100x10000}.
         * @return the shape.
         * @throws IllegalArgumentException if it is not one, or has fewer subscribers than topics.
         */
        static Shape parse(final String text)
        {
            final Matcher matcher = FORM.matcher(text);
            if (!matcher.matches())
            {
                throw new IllegalArgumentException("bad scenario '" + text + "' (<topics>x<subscribers>, e.g. 1x1000)");
            }
            final Shape shape = new Shape(Integer.parseInt(matcher.group(1)), Integer.parseInt(matcher.group(2)));
            if (shape.topics() < 1 || shape.subscribers() < shape.topics())
            {
                throw new IllegalArgumentException(
                    "bad scenario '" + text + "' (at least 1 topic and a subscriber per topic)");
            }
            return shape;
        }

        @Override
        public String toString()
        {
            return topics + "x" + subscribers;
        }
    }

    /**
     * A server under test: its command without the pinning.
     *
     * @param name           as reported.
     * @param command        how to start it.
     * @param clientDeflates whether the client offers permessage-deflate to it.
     */
    record Server(String name, List<String> command, boolean clientDeflates)
    {
    }

    /**
     * One measurement: the client's numbers, or why the run failed.
     *
     * @param deliveriesPerSecond        deliveries per second in the measured window.
     * @param serverNsPerDelivery        server CPU nanoseconds per delivery (all its threads).
     * @param clientCores                cores the client kept busy.
     * @param wireBytesPerDelivery       bytes the client read off its sockets per delivery (with permessage-deflate
     *                                   offered), else NaN.
     * @param compressionRatio           delivered message bytes over those bytes (with permessage-deflate offered),
     *                                   else NaN.
     * @param compressionsPerPublication the wsmux server's publication compressions over its publications (compressed
     *                                   wsmux runs), else NaN.
     * @param failure                    null for a good run, else why it failed.
     */
    record Measurement(
        double deliveriesPerSecond,
        double serverNsPerDelivery,
        double clientCores,
        double wireBytesPerDelivery,
        double compressionRatio,
        double compressionsPerPublication,
        String failure)
    {
        static Measurement failed(final String why)
        {
            return new Measurement(Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, why);
        }

        boolean ok()
        {
            return null == failure;
        }

        /**
         * @param perPublication the server's compressions per publication.
         * @return this measurement with it.
         */
        Measurement withCompressionsPerPublication(final double perPublication)
        {
            return new Measurement(deliveriesPerSecond, serverNsPerDelivery, clientCores, wireBytesPerDelivery,
                compressionRatio, perPublication, failure);
        }
    }

    /** The options, parsed and checked, not yet checked against the file system. */
    static final class Options
    {
        boolean help;
        boolean deflate;
        int payload = UNSET;
        List<String> servers = new ArrayList<>();
        List<Shape> scenarios = new ArrayList<>(List.of(new Shape(1, 1000), new Shape(1, 10000),
            new Shape(100, 10000)));
        int rounds = 3;
        long durationNs = TimeUnit.SECONDS.toNanos(4);
        long warmupNs = TimeUnit.SECONDS.toNanos(10);
        String client;
        String nativeClient;
        String uwsBinary;
        Map<String, String> extraWsmux = new LinkedHashMap<>();
        int port = 9311;
        String output = "perf/target/fanout-comparison.md";
        String wsmuxJar = BenchServers.WSMUX_JAR;
        String perfJar = BenchServers.PERF_JAR;
        String classpath;

        /**
         * @param args the command line after {@code fanout-compare}.
         * @return the options, every default filled in.
         * @throws IllegalArgumentException with one line naming the bad option.
         */
        static Options parse(final String[] args)
        {
            final Options options = new Options();
            String servers = null;
            for (int i = 0; i < args.length; i++)
            {
                final String option = args[i];
                if ("--help".equals(option) || "-h".equals(option))
                {
                    options.help = true;
                    continue;
                }
                if ("--deflate".equals(option))
                {
                    options.deflate = true;
                    continue;
                }
                if (!option.startsWith("--"))
                {
                    throw new IllegalArgumentException("unexpected argument '" + option + "'");
                }
                if (!isOption(option))
                {
                    throw new IllegalArgumentException("unknown option " + option);
                }
                if (i + 1 >= args.length)
                {
                    throw new IllegalArgumentException(option + " needs a value");
                }
                final String value = args[++i];
                if ("--servers".equals(option))
                {
                    servers = value;
                }
                else
                {
                    options.set(option, value);
                }
            }
            options.resolve(servers);
            return options;
        }

        private static boolean isOption(final String option)
        {
            switch (option)
            {
                case "--servers":
                case "--scenarios":
                case "--payload":
                case "--rounds":
                case "--duration":
                case "--warmup":
                case "--client":
                case "--native-client":
                case "--uws-binary":
                case "--extra-wsmux":
                case "--port":
                case "--output":
                case "--wsmux-jar":
                case "--perf-jar":
                case "--classpath":
                    return true;
                default:
                    return false;
            }
        }

        private void set(final String option, final String value)
        {
            switch (option)
            {
                case "--scenarios":
                    scenarios = new ArrayList<>();
                    for (final String shape : list(option, value))
                    {
                        try
                        {
                            scenarios.add(Shape.parse(shape));
                        }
                        catch (final IllegalArgumentException ex)
                        {
                            throw new IllegalArgumentException(option + ": " + ex.getMessage());
                        }
                    }
                    break;
                case "--rounds":
                    rounds = positive(option, value, 1000);
                    break;
                case "--payload":
                    payload = positive(option, value, MAX_PAYLOAD);
                    if (payload < MIN_PAYLOAD)
                    {
                        throw new IllegalArgumentException(option + " must be " + MIN_PAYLOAD + ".." + MAX_PAYLOAD +
                            " (the header is 33 bytes): '" + value + "'");
                    }
                    break;
                case "--duration":
                    durationNs = duration(option, value);
                    if (0 == durationNs)
                    {
                        throw new IllegalArgumentException(option + " must be > 0: '" + value + "'");
                    }
                    break;
                case "--warmup":
                    warmupNs = duration(option, value);
                    break;
                case "--client":
                    if (!NATIVE.equals(value) && !JAVA.equals(value))
                    {
                        throw new IllegalArgumentException(option + " must be native or java: '" + value + "'");
                    }
                    client = value;
                    break;
                case "--native-client":
                    nativeClient = nonEmpty(option, value);
                    break;
                case "--uws-binary":
                    uwsBinary = nonEmpty(option, value);
                    break;
                case "--extra-wsmux":
                    extraWsmux(option, value);
                    break;
                case "--port":
                    port = positive(option, value, 65535);
                    break;
                case "--output":
                    output = nonEmpty(option, value);
                    break;
                case "--wsmux-jar":
                    wsmuxJar = nonEmpty(option, value);
                    break;
                case "--perf-jar":
                    perfJar = nonEmpty(option, value);
                    break;
                case "--classpath":
                    classpath = nonEmpty(option, value);
                    break;
                default:
                    throw new IllegalArgumentException("unknown option " + option);
            }
        }

        private void extraWsmux(final String option, final String value)
        {
            final int equals = value.indexOf('=');
            if (equals <= 0 || equals == value.length() - 1)
            {
                throw new IllegalArgumentException(option + " must be NAME=PATH: '" + value + "'");
            }
            final String name = value.substring(0, equals);
            if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]*"))
            {
                throw new IllegalArgumentException(option + ": bad name '" + name + "' (letters, digits, . _ -)");
            }
            if (WSMUX.equals(name) || NETTY_EPOLL.equals(name) || UWS.equals(name) || extraWsmux.containsKey(name))
            {
                throw new IllegalArgumentException(option + ": the name '" + name + "' is taken");
            }
            extraWsmux.put(name, value.substring(equals + 1));
        }

        private void resolve(final String serverList)
        {
            if (UNSET == payload)
            {
                payload = deflate ? FanOutCompression.PAYLOAD : PAYLOAD;
            }
            if (deflate)
            {
                resolveDeflate(serverList);
                return;
            }
            if (null == serverList)
            {
                servers.add(WSMUX);
                servers.addAll(extraWsmux.keySet());
                servers.add(NETTY_EPOLL);
                if (null != uwsBinary)
                {
                    servers.add(UWS);
                }
            }
            else
            {
                for (final String name : list("--servers", serverList))
                {
                    if (servers.contains(name))
                    {
                        throw new IllegalArgumentException("--servers: '" + name + "' named twice");
                    }
                    if (UWS.equals(name) && null == uwsBinary)
                    {
                        throw new IllegalArgumentException("--servers: uws needs --uws-binary PATH");
                    }
                    if (!WSMUX.equals(name) && !NETTY_EPOLL.equals(name) && !UWS.equals(name) &&
                        !extraWsmux.containsKey(name))
                    {
                        throw new IllegalArgumentException("--servers: unknown server '" + name + "' (wsmux, " +
                            "netty-epoll, uws, or a name given with --extra-wsmux)");
                    }
                    servers.add(name);
                }
            }
            if (null == client && null != nativeClient)
            {
                client = NATIVE;
            }
        }

        /**
         * The compressed comparison: its own three servers, the Java client (the only one that speaks
         * permessage-deflate), nothing from outside.
         */
        private void resolveDeflate(final String serverList)
        {
            if (NATIVE.equals(client) || null != nativeClient)
            {
                throw new IllegalArgumentException("--deflate needs --client java: the native client does not " +
                    "speak permessage-deflate");
            }
            if (null != uwsBinary)
            {
                throw new IllegalArgumentException("--deflate compares wsmux and Netty only: not with --uws-binary");
            }
            if (!extraWsmux.isEmpty())
            {
                throw new IllegalArgumentException("--deflate compares wsmux and Netty only: not with --extra-wsmux");
            }
            client = JAVA;
            if (null == serverList)
            {
                servers.addAll(FanOutCompression.SERVERS);
                return;
            }
            for (final String name : list("--servers", serverList))
            {
                if (servers.contains(name))
                {
                    throw new IllegalArgumentException("--servers: '" + name + "' named twice");
                }
                if (!FanOutCompression.SERVERS.contains(name))
                {
                    throw new IllegalArgumentException("--servers: unknown server '" + name + "' with --deflate (" +
                        String.join(", ", FanOutCompression.SERVERS) + ")");
                }
                servers.add(name);
            }
        }

        private static List<String> list(final String option, final String value)
        {
            final List<String> items = new ArrayList<>();
            for (final String item : value.split(","))
            {
                if (item.isBlank())
                {
                    throw new IllegalArgumentException(option + ": empty item in '" + value + "'");
                }
                items.add(item.trim());
            }
            if (items.isEmpty())
            {
                throw new IllegalArgumentException(option + ": empty list");
            }
            return items;
        }

        private static String nonEmpty(final String option, final String value)
        {
            if (value.isEmpty())
            {
                throw new IllegalArgumentException(option + " needs a value");
            }
            return value;
        }

        private static int positive(final String option, final String value, final int max)
        {
            try
            {
                final int number = Integer.parseInt(value);
                if (number >= 1 && number <= max)
                {
                    return number;
                }
            }
            catch (final NumberFormatException ignore)
            {
                // reported below
            }
            throw new IllegalArgumentException(option + " must be a whole number 1.." + max + ": '" + value + "'");
        }

        /**
         * @return nanoseconds of {@code 4s}, {@code 500ms}, {@code 1.5s} or {@code 2} (seconds).
         */
        static long duration(final String option, final String value)
        {
            final Matcher matcher = Pattern.compile("(\\d{1,6}(?:\\.\\d{1,9})?)(ms|s)?").matcher(value);
            if (!matcher.matches())
            {
                throw new IllegalArgumentException(option + " must be a duration like 4s or 500ms: '" + value + "'");
            }
            final BigDecimal number = new BigDecimal(matcher.group(1));
            final BigDecimal nanos = number.scaleByPowerOfTen("ms".equals(matcher.group(2)) ? 6 : 9);
            return nanos.longValue();
        }

        /**
         * Settle the client before the run: with neither {@code --client java} nor {@code --native-client}, build
         * the native client ({@link NativeClient}, gcc), falling back to the Java client unless native was asked for.
         *
         * @param out where the choice is explained.
         * @return null when settled, else why the asked-for native client cannot be had.
         */
        String resolveClient(final PrintStream out)
        {
            if (JAVA.equals(client) || null != nativeClient)
            {
                return null;
            }
            String why;
            try
            {
                if (NativeClient.compilerAvailable())
                {
                    nativeClient = NativeClient.build().toString();
                    client = NATIVE;
                    return null;
                }
                why = "gcc not found";
            }
            catch (final IOException | RuntimeException ex)
            {
                why = firstLine(String.valueOf(ex.getMessage()));
            }
            if (NATIVE.equals(client))
            {
                return "cannot build the native client: " + why;
            }
            out.println("native client not available (" + why + "): the Java client measures");
            client = JAVA;
            return null;
        }

        List<Server> serverList()
        {
            final List<Server> list = new ArrayList<>();
            for (final String name : servers)
            {
                if (WSMUX.equals(name) || FanOutCompression.WSMUX_DEFLATE.equals(name))
                {
                    // The same server either way: wsmux accepts permessage-deflate by default (wsmux.deflate).
                    final List<String> launch = null == classpath ? List.of("-jar", wsmuxJar) :
                        List.of("-cp", classpath, BenchServers.WSMUX_MAIN);
                    list.add(new Server(name, BenchServers.serverJvm(BenchServers.wsmux(launch, "fanout", port)),
                        FanOutCompression.clientDeflates(name)));
                }
                else if (NETTY_EPOLL.equals(name))
                {
                    list.add(new Server(name, BenchServers.serverJvm(
                        BenchServers.netty(null == classpath ? perfJar : classpath, "fanout", port, "epoll")), false));
                }
                else if (FanOutCompression.NETTY_EPOLL_DEFLATE.equals(name))
                {
                    list.add(new Server(name, BenchServers.serverJvm(BenchServers.netty(
                        null == classpath ? perfJar : classpath, "fanout", port, "epoll", "--deflate")), true));
                }
                else if (UWS.equals(name))
                {
                    list.add(new Server(name, List.of(uwsBinary, "--port", String.valueOf(port)), false));
                }
                else
                {
                    list.add(new Server(name, BenchServers.serverJvm(
                        BenchServers.wsmux(List.of("-jar", extraWsmux.get(name)), "fanout", port)), false));
                }
            }
            return list;
        }

        /**
         * @param shape     the scenario.
         * @param serverPid the server's process id, for its CPU time.
         * @return the client's command, without the pinning, for a server it offers no compression to.
         */
        List<String> clientCommand(final Shape shape, final String serverPid)
        {
            return clientCommand(shape, serverPid, false);
        }

        /**
         * @param shape     the scenario.
         * @param serverPid the server's process id, for its CPU time.
         * @param deflate   true to offer permessage-deflate (the Java client).
         * @return the client's command, without the pinning.
         */
        List<String> clientCommand(final Shape shape, final String serverPid, final boolean deflate)
        {
            if (NATIVE.equals(client))
            {
                return List.of(nativeClient, "--host", "127.0.0.1", "--port", String.valueOf(port),
                    "--subscribers", String.valueOf(shape.subscribers()), "--topics", String.valueOf(shape.topics()),
                    "--payload", String.valueOf(payload), "--window", String.valueOf(WINDOW),
                    "--duration", seconds(durationNs), "--warmup", seconds(warmupNs), "--server-pid", serverPid,
                    "--quiet");
            }
            final List<String> arguments = new ArrayList<>(null == classpath ? List.of("-jar", perfJar) :
                List.of("-cp", classpath, PerfMain.class.getName()));
            arguments.addAll(List.of("fanout", "--url", "ws://127.0.0.1:" + port + "/",
                "--subscribers", String.valueOf(shape.subscribers()), "--topics", String.valueOf(shape.topics()),
                "--payload", String.valueOf(payload), "--window", String.valueOf(WINDOW), "--rate", "max",
                "--duration", TimeUnit.NANOSECONDS.toMillis(durationNs) + "ms",
                "--warmup", TimeUnit.NANOSECONDS.toMillis(warmupNs) + "ms", "--server-pid", serverPid, "--quiet"));
            if (this.deflate)
            {
                arguments.addAll(List.of("--payload-kind", "ticks"));
            }
            if (deflate)
            {
                arguments.add("--deflate");
            }
            return BenchServers.clientJvm(arguments);
        }

        /**
         * @return the files the run needs that are missing, one line each; empty when all are there.
         */
        List<String> missingFiles()
        {
            final List<String> missing = new ArrayList<>();
            final boolean anyJvm = servers.stream().anyMatch((name) -> !UWS.equals(name)) || JAVA.equals(client);
            if (null == classpath && anyJvm)
            {
                final String build = " (mvn -B -q package -DskipTests, and run from the repository root)";
                if (servers.contains(WSMUX) || servers.contains(FanOutCompression.WSMUX_DEFLATE))
                {
                    requireFile(missing, wsmuxJar, "wsmux jar" + build);
                }
                if (servers.contains(NETTY_EPOLL) || servers.contains(FanOutCompression.NETTY_EPOLL_DEFLATE) ||
                    JAVA.equals(client))
                {
                    requireFile(missing, perfJar, "perf jar" + build);
                }
            }
            for (final Map.Entry<String, String> extra : extraWsmux.entrySet())
            {
                if (servers.contains(extra.getKey()))
                {
                    requireFile(missing, extra.getValue(), "jar of " + extra.getKey());
                }
            }
            if (servers.contains(UWS) && !Files.isExecutable(Path.of(uwsBinary)))
            {
                missing.add("uWS server not executable: " + uwsBinary);
            }
            if (NATIVE.equals(client) && !Files.isExecutable(Path.of(nativeClient)))
            {
                missing.add("native client not executable: " + nativeClient);
            }
            return missing;
        }

        private static void requireFile(final List<String> missing, final String path, final String what)
        {
            if (!Files.isRegularFile(Path.of(path)))
            {
                missing.add(what + " not found: " + path);
            }
        }
    }

    private final Options options;
    private final PrintStream out;
    private final Map<Shape, Map<String, List<Measurement>>> results = new LinkedHashMap<>();
    private final Map<String, String> serverCommands = new LinkedHashMap<>();
    private final List<String> failures = new ArrayList<>();
    /** The first client command of each server (they differ only with --deflate). */
    private final Map<String, String> clientCommands = new LinkedHashMap<>();
    private final List<String> notes = new ArrayList<>();

    FanOutComparison(final Options options, final PrintStream out)
    {
        this.options = options;
        this.out = out;
        for (final Shape shape : options.scenarios)
        {
            final Map<String, List<Measurement>> byServer = new LinkedHashMap<>();
            for (final String server : options.servers)
            {
                byServer.put(server, new ArrayList<>());
            }
            results.put(shape, byServer);
        }
    }

    /**
     * @param args {@code --help} lists the options.
     * @throws Exception on failure.
     */
    public static void main(final String[] args) throws Exception
    {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * @param args the options.
     * @param out  where the progress and the report go.
     * @param err  where a bad option is named.
     * @return the exit status: 0, {@link #EXIT_FAILED} if a run failed, {@link #EXIT_USAGE} on a bad option.
     * @throws IOException if the report cannot be written or the port is taken.
     * @throws InterruptedException if interrupted.
     */
    static int run(final String[] args, final PrintStream out, final PrintStream err)
        throws IOException, InterruptedException
    {
        final Options options;
        try
        {
            options = Options.parse(args);
        }
        catch (final IllegalArgumentException ex)
        {
            err.println(NAME + ": " + ex.getMessage() + " (--help lists the options)");
            return EXIT_USAGE;
        }
        if (options.help)
        {
            usage(out);
            return 0;
        }
        final String noClient = options.resolveClient(out);
        if (null != noClient)
        {
            err.println(NAME + ": " + noClient);
            return EXIT_FAILED;
        }
        final List<String> missing = options.missingFiles();
        if (!missing.isEmpty())
        {
            for (final String line : missing)
            {
                err.println(NAME + ": " + line);
            }
            return EXIT_FAILED;
        }
        return new FanOutComparison(options, out).run();
    }

    static void usage(final PrintStream out)
    {
        out.println("usage: java -jar perf/target/wsmux-perf.jar fanout-compare [options]  (from the repository root)");
        out.println();
        out.println("Fan-out throughput and server CPU per delivery, wsmux vs Netty epoll vs uWebSockets. Every");
        out.println("measurement starts a fresh server (pinned to CPU 0) and a fresh client (CPU 1); the warm-up");
        out.println("runs in every fresh server JVM before the measured window. Rounds interleave servers.");
        out.println();
        out.println("  --servers LIST          wsmux,netty-epoll,uws and --extra-wsmux names, in this order");
        out.println("                          (default: wsmux, the extra ones, netty-epoll, uws with --uws-binary);");
        out.println("                          with --deflate: wsmux,wsmux-deflate,netty-epoll-deflate (default all)");
        out.println("  --deflate               compare compression: wsmux with a client that offers nothing, wsmux");
        out.println("                          with one that offers permessage-deflate (each publication compressed");
        out.println("                          once), Netty epoll with --deflate (each delivery compressed); the Java");
        out.println("                          client with --payload-kind ticks; reports wire bytes per delivery,");
        out.println("                          the goals' ratios and wsmux's compressions per publication (from its");
        out.println("                          counters file). Not with the native client, uws or --extra-wsmux");
        out.println("  --payload N             bytes per publication, 33..61440 (default 64; with --deflate 1024)");
        out.println("  --scenarios LIST        <topics>x<subscribers>,... (default 1x1000,1x10000,100x10000)");
        out.println("  --rounds N              rounds, each a fresh server per scenario and server (default 3)");
        out.println("  --duration D            measured window, e.g. 4s or 2500ms (default 4s)");
        out.println("  --warmup D              warm-up before it, in every fresh server JVM (default 10s: JIT)");
        out.println("  --client native|java    the load client (default native: --native-client, or built with gcc");
        out.println("                          from the perf jar's copy of fanout_client.c; java if that fails)");
        out.println("  --native-client PATH    a built native client (perf/src/main/c/fanout_client.c)");
        out.println("  --uws-binary PATH       an external uWebSockets fan-out server, run as 'PATH --port P';");
        out.println("                          adds the server uws");
        out.println("  --extra-wsmux NAME=PATH another wsmux build (a core/target/wsmux.jar), run with the same");
        out.println("                          flags as the server NAME (repeatable),");
        out.println("                          e.g. --extra-wsmux wsmux-before=/tmp/wsmux-before.jar");
        out.println("  --port P                the servers' port (default 9311)");
        out.println("  --output FILE           the Markdown report (default perf/target/fanout-comparison.md)");
        out.println("  --wsmux-jar PATH        wsmux (default core/target/wsmux.jar)");
        out.println("  --perf-jar PATH         Netty baseline and Java client (default perf/target/wsmux-perf.jar)");
        out.println("  --classpath CP          run wsmux, Netty and the Java client from this class path instead");
        out.println("                          of the jars (tests, IDEs)");
        out.println("  --help                  this list");
        out.println();
        out.printf("Fixed: %d publications in flight per topic. Exit status 0, 1 if a run failed, 2 on a bad option.%n",
            WINDOW);
    }

    private int run() throws IOException, InterruptedException
    {
        final long startNs = System.nanoTime();
        out.print(header());
        final List<Server> servers = options.serverList();
        for (int round = 1; round <= options.rounds; round++)
        {
            for (final Shape shape : options.scenarios)
            {
                for (final Server server : servers)
                {
                    final Measurement measurement = measure(server, shape);
                    add(shape, server.name(), measurement);
                    if (!measurement.ok())
                    {
                        failures.add(shape + " round " + round + " " + server.name() + ": " + measurement.failure());
                    }
                    out.println(String.format(Locale.ROOT, "  %-10s round %d %-14s ", shape, round, server.name()) +
                        (measurement.ok() ? String.format(Locale.ROOT,
                            "%,12.0f deliveries/s %8.1f ns/delivery (server) client cores %.2f",
                            measurement.deliveriesPerSecond(), measurement.serverNsPerDelivery(),
                            measurement.clientCores()) + wire(measurement) :
                            "FAILED: " + lastLines(measurement.failure(), 20)));
                }
            }
        }
        final String report = report((System.nanoTime() - startNs) / 60e9);
        out.println();
        out.println(report);
        final Path output = Path.of(options.output);
        if (null != output.toAbsolutePath().getParent())
        {
            Files.createDirectories(output.toAbsolutePath().getParent());
        }
        Files.writeString(output, report, StandardCharsets.UTF_8);
        out.println("written to " + output);
        return failures.isEmpty() ? 0 : EXIT_FAILED;
    }

    private static String wire(final Measurement measurement)
    {
        return Double.isNaN(measurement.compressionRatio()) ? "" : String.format(Locale.ROOT,
            " wire %.1f B/delivery ratio %.2f", measurement.wireBytesPerDelivery(), measurement.compressionRatio());
    }

    /**
     * @param shape       the scenario measured.
     * @param server      the server's name.
     * @param measurement what was measured.
     */
    void add(final Shape shape, final String server, final Measurement measurement)
    {
        results.get(shape).get(server).add(measurement);
    }

    private String header()
    {
        return String.format(Locale.ROOT, "Fan-out comparison%s, %s%n" +
            "- servers: %s; scenarios (topics x subscribers): %s; %d-byte payloads%s, %d publications in flight " +
            "per topic%n" +
            "- %d round(s), interleaved; every measurement in a fresh server process: %s s of warm-up in each fresh " +
            "server JVM, then %s s measured%n" +
            "- server pinned to CPU 0, client (%s) to CPU 1: %s%n",
            options.deflate ? " with permessage-deflate" : "", LocalDate.now(), String.join(", ", options.servers),
            options.scenarios.toString().replaceAll("[\\[\\]]", ""), options.payload,
            options.deflate ? " of JSON price ticks" : "", WINDOW, options.rounds, seconds(options.warmupNs),
            seconds(options.durationNs), options.client, ChildProcess.TASKSET ? "yes" : "no (taskset missing)");
    }

    /**
     * One measurement: a fresh server, a fresh client, both stopped by their own handles.
     */
    private Measurement measure(final Server server, final Shape shape) throws IOException, InterruptedException
    {
        awaitFreePort();
        final List<String> serverCommand = new ArrayList<>(ChildProcess.pinned(0));
        serverCommand.addAll(server.command());
        serverCommands.putIfAbsent(server.name(), shellLine(serverCommand));
        try (ChildProcess serverProcess = ChildProcess.start(serverCommand, true))
        {
            try
            {
                serverProcess.awaitLine("listening", SERVER_START_SECONDS, TimeUnit.SECONDS);
            }
            catch (final IOException ex)
            {
                return Measurement.failed("server did not start: " + ex.getMessage());
            }
            final List<String> command = new ArrayList<>(ChildProcess.pinned(1));
            command.addAll(
                options.clientCommand(shape, String.valueOf(serverProcess.pid()), server.clientDeflates()));
            clientCommands.putIfAbsent(server.name(), shellLine(command)
                .replace(" " + serverProcess.pid() + " ", " " + PID_PLACEHOLDER + " "));
            try (ChildProcess client = ChildProcess.start(command, false))
            {
                final long timeoutSeconds = TimeUnit.NANOSECONDS.toSeconds(options.warmupNs + options.durationNs) +
                    CLIENT_SLACK_SECONDS;
                if (!client.waitFor(timeoutSeconds, TimeUnit.SECONDS))
                {
                    return Measurement.failed("client still running after " + timeoutSeconds + " s:\n" +
                        client.output());
                }
                final Measurement measurement =
                    measurement(client.stdout(), client.exitValue(), shape, server.clientDeflates());
                if (measurement.ok() && !serverProcess.isAlive())
                {
                    return Measurement.failed("server exited during the run:\n" + serverProcess.output());
                }
                if (measurement.ok() && FanOutCompression.WSMUX_DEFLATE.equals(server.name()))
                {
                    final FanOutCompression.PublicationCounts counts = FanOutCompression.read(serverProcess.pid());
                    if (null != counts.unreadable())
                    {
                        notes.add(shape + " " + server.name() + ": compressions per publication not read: " +
                            counts.unreadable());
                    }
                    return measurement.withCompressionsPerPublication(counts.compressionsPerPublication());
                }
                if (measurement.ok())
                {
                    return measurement;
                }
                // What the server says when it stops (Netty's baseline counts its drops) explains many failures.
                serverProcess.stop();
                return Measurement.failed(measurement.failure() + "\nclient output:\n" + client.output() +
                    "server output, last lines:\n" + lastLines(serverProcess.output(), SERVER_TAIL_LINES));
            }
        }
    }

    /**
     * @param stdout     the client's standard output.
     * @param exitStatus its exit status.
     * @param shape      the scenario it ran.
     * @return the measurement its result line reports, failed if there is none or it reports errors.
     */
    static Measurement measurement(final List<String> stdout, final int exitStatus, final Shape shape)
    {
        return measurement(stdout, exitStatus, shape, false);
    }

    /**
     * @param stdout     the client's standard output.
     * @param exitStatus its exit status.
     * @param shape      the scenario it ran.
     * @param deflate    whether the client offered permessage-deflate: then a run that did not compress fails.
     * @return the measurement its result line reports, failed if there is none or it reports errors.
     */
    static Measurement measurement(
        final List<String> stdout, final int exitStatus, final Shape shape, final boolean deflate)
    {
        String line = null;
        for (final String candidate : stdout)
        {
            final String trimmed = candidate.trim();
            if (trimmed.startsWith("RESULT ") || trimmed.startsWith("{"))
            {
                line = trimmed;
            }
        }
        if (null == line)
        {
            return Measurement.failed("client printed no result (exit status " + exitStatus + ")");
        }
        final Map<String, Object> result;
        try
        {
            result = line.startsWith("{") ? ResultLines.flatJson(line) : ResultLines.resultLine(line);
        }
        catch (final IllegalArgumentException ex)
        {
            return Measurement.failed("client result unreadable: " + ex.getMessage());
        }
        return measurement(result, exitStatus, shape, deflate);
    }

    /**
     * @param result     the client's result, from either client.
     * @param exitStatus its exit status.
     * @param shape      the scenario it ran.
     * @return the measurement, failed if the client reports errors, subscribers that did not subscribe, no
     *     deliveries, or a failing exit status.
     */
    static Measurement measurement(final Map<String, Object> result, final int exitStatus, final Shape shape)
    {
        return measurement(result, exitStatus, shape, false);
    }

    /**
     * @param result     the client's result, from either client.
     * @param exitStatus its exit status.
     * @param shape      the scenario it ran.
     * @param deflate    whether the client offered permessage-deflate.
     * @return the measurement, failed as {@link #measurement(Map, int, Shape)} says and, with deflate, if the
     *     messages were not compressed (a compression ratio not above 1: the server declined, or the client did
     *     not offer).
     */
    static Measurement measurement(
        final Map<String, Object> result, final int exitStatus, final Shape shape, final boolean deflate)
    {
        final double deliveriesPerSecond = number(result, "deliveriesPerSecond");
        final double serverCores = number(result, "serverCores");
        final double clientCores = number(result, "clientCores");
        final double errors = number(result, "errors");
        double nsPerDelivery = number(result, "serverNsPerDelivery");
        if (Double.isNaN(nsPerDelivery) || nsPerDelivery < 0)
        {
            nsPerDelivery = serverCores >= 0 && deliveriesPerSecond > 0 ? serverCores * 1e9 / deliveriesPerSecond :
                Double.NaN;
        }
        double subscribed = number(result, "subscribed");
        if (Double.isNaN(subscribed))
        {
            subscribed = number(result, "subscribersSubscribed");
        }

        final List<String> problems = new ArrayList<>();
        if (Double.isNaN(errors))
        {
            problems.add("no error count");
        }
        else if (errors > 0)
        {
            final StringBuilder kinds = new StringBuilder();
            for (final Map.Entry<String, Object> field : result.entrySet())
            {
                if (isErrorKind(field.getKey()) && field.getValue() instanceof Double && (Double)field.getValue() > 0)
                {
                    kinds.append(kinds.length() == 0 ? "" : " ").append(field.getKey()).append('=')
                        .append(whole((Double)field.getValue()));
                }
            }
            problems.add("errors=" + whole(errors) + (kinds.length() == 0 ? "" : " (" + kinds + ")"));
        }
        if (!Double.isNaN(subscribed) && subscribed < shape.subscribers())
        {
            problems.add("subscribed " + whole(subscribed) + " of " + shape.subscribers());
        }
        if (!(deliveriesPerSecond > 0))
        {
            problems.add("no deliveries");
        }
        if (0 != exitStatus)
        {
            problems.add("exit status " + exitStatus);
        }
        final double wireBytes = deflate ? number(result, "wireBytesPerMessage") : Double.NaN;
        final double compressionRatio = deflate ? number(result, "compressionRatio") : Double.NaN;
        if (deflate && !(compressionRatio > 1))
        {
            problems.add("permessage-deflate not in effect: compressionRatio=" + compressionRatio +
                " (did the server decline, or the client not offer it?)");
        }
        return new Measurement(deliveriesPerSecond, nsPerDelivery, clientCores, wireBytes, compressionRatio,
            Double.NaN, problems.isEmpty() ? null : String.join(", ", problems));
    }

    private static boolean isErrorKind(final String key)
    {
        switch (key)
        {
            case "connectFailures":
            case "unexpectedCloses":
            case "corrupt":
            case "outOfOrder":
            case "duplicates":
            case "missing":
            case "sendFailures":
            case "refused":
            case "notSubscribed":
            case "clientErrors":
            case "childFailures":
                return true;
            default:
                return false;
        }
    }

    private static double number(final Map<String, Object> result, final String key)
    {
        return result.get(key) instanceof Double ? (Double)result.get(key) : Double.NaN;
    }

    private static String whole(final double value)
    {
        return String.format(Locale.ROOT, "%.0f", value);
    }

    /**
     * A server of the previous measurement, or someone else's, must not answer this run's client.
     */
    private void awaitFreePort() throws IOException, InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (portAnswers(options.port))
        {
            if (System.nanoTime() > deadline)
            {
                throw new IOException("port " + options.port + " is in use by another process: choose one with " +
                    "--port");
            }
            Thread.sleep(100);
        }
    }

    private static boolean portAnswers(final int port)
    {
        try (Socket socket = new Socket())
        {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        }
        catch (final IOException ex)
        {
            return false;
        }
    }

    /**
     * @param minutes how long the run took.
     * @return the Markdown report.
     */
    String report(final double minutes)
    {
        final StringBuilder md = new StringBuilder();
        md.append("# ").append(header()).append(String.format(Locale.ROOT, "- took %.1f minutes%n%n", minutes));
        md.append("| scenario | server | deliveries/s median [min-max] | server ns/delivery median [min-max] | ")
            .append(options.deflate ? "wire bytes/delivery | compression ratio | " : "")
            .append("client cores | good runs |\n|---|---|---|---|").append(options.deflate ? "---|---|" : "")
            .append("---|---|\n");
        for (final Map.Entry<Shape, Map<String, List<Measurement>>> scenario : results.entrySet())
        {
            for (final Map.Entry<String, List<Measurement>> server : scenario.getValue().entrySet())
            {
                final List<Measurement> runs = server.getValue();
                final List<Measurement> good = runs.stream().filter(Measurement::ok).toList();
                final int failed = runs.size() - good.size();
                md.append("| ").append(scenario.getKey()).append(" | ").append(server.getKey()).append(" | ");
                if (good.isEmpty())
                {
                    md.append("FAILED | FAILED | ").append(options.deflate ? "- | - | " : "").append("- | 0/")
                        .append(runs.size()).append(" |\n");
                    continue;
                }
                final Spread deliveries = Spread.of(good.stream().map(Measurement::deliveriesPerSecond).toList());
                final Spread ns = Spread.of(good.stream().map(Measurement::serverNsPerDelivery).toList());
                final Spread client = Spread.of(good.stream().map(Measurement::clientCores).toList());
                md.append(String.format(Locale.ROOT, "%,.0f [%,.0f-%,.0f] | %s [%s-%s] | ", deliveries.median(),
                    deliveries.min(), deliveries.max(), ns(ns.median()), ns(ns.min()), ns(ns.max())));
                if (options.deflate)
                {
                    final double wireBytes = Spread.median(good.stream().map(Measurement::wireBytesPerDelivery)
                        .filter((value) -> !value.isNaN()).toList());
                    final double ratio = Spread.median(good.stream().map(Measurement::compressionRatio)
                        .filter((value) -> !value.isNaN()).toList());
                    md.append(ns(wireBytes)).append(" | ")
                        .append(Double.isNaN(ratio) ? "-" : String.format(Locale.ROOT, "%.2f", ratio)).append(" | ");
                }
                md.append(String.format(Locale.ROOT, "%.2f | %d/%d%s |%n", client.median(), good.size(),
                    runs.size(), 0 == failed ? "" : " (" + failed + " FAILED)"));
            }
        }
        md.append("\nMedians over the good runs only; a FAILED run (client errors, missing subscribers, a server that ")
            .append("did not start) is listed below and left out. Server ns/delivery: the server's CPU time, all its ")
            .append("threads, over its deliveries in the measured window.\n");
        if (options.deflate)
        {
            FanOutCompression.appendGoals(md, results);
        }
        ratios(md);
        growth(md);
        if (!notes.isEmpty())
        {
            md.append("\n## Notes\n\n");
            for (final String note : notes)
            {
                md.append("- ").append(note).append('\n');
            }
        }
        if (!failures.isEmpty())
        {
            md.append("\n## Failed runs\n\n");
            for (final String failure : failures)
            {
                md.append("- ").append(firstLine(failure)).append('\n');
            }
        }
        md.append("\n## Commands\n\n```\n");
        for (final Map.Entry<String, String> command : serverCommands.entrySet())
        {
            md.append("# server ").append(command.getKey()).append('\n').append(command.getValue()).append('\n');
        }
        for (final Map.Entry<String, String> command : clientCommands.entrySet())
        {
            md.append("# client (").append(options.client).append(')')
                .append(options.deflate ? " for " + command.getKey() : "").append(", first run\n")
                .append(command.getValue()).append('\n');
            if (!options.deflate)
            {
                break; // the same command for every server
            }
        }
        md.append("```\n");
        return md.toString();
    }

    private void ratios(final StringBuilder md)
    {
        final List<String> references = new ArrayList<>();
        for (final String reference : List.of(UWS, NETTY_EPOLL, WSMUX))
        {
            // wsmux is the reference of the other wsmux builds only (an A/B comparison).
            if (options.servers.contains(reference) && (!WSMUX.equals(reference) || !options.extraWsmux.isEmpty()))
            {
                references.add(reference);
            }
        }
        if (references.isEmpty() || options.servers.size() < 2)
        {
            return;
        }
        md.append("\n## Ratios (medians)\n\nserver/reference: deliveries above 1 and ns per delivery below 1 are ")
            .append("better than the reference.\n\n| scenario | server |");
        for (final String reference : references)
        {
            md.append(" deliveries /").append(reference).append(" | ns per delivery /").append(reference).append(" |");
        }
        md.append("\n|---|---|").append("---|---|".repeat(references.size())).append('\n');
        for (final Shape shape : results.keySet())
        {
            for (final String server : options.servers)
            {
                if (references.contains(server) && !WSMUX.equals(server))
                {
                    continue;
                }
                md.append("| ").append(shape).append(" | ").append(server).append(" |");
                for (final String reference : references)
                {
                    if (reference.equals(server))
                    {
                        md.append(" - | - |");
                        continue;
                    }
                    md.append(' ').append(ratio(median(shape, server, true), median(shape, reference, true)))
                        .append(" | ").append(ratio(median(shape, server, false), median(shape, reference, false)))
                        .append(" |");
                }
                md.append('\n');
            }
        }
    }

    private void growth(final StringBuilder md)
    {
        if (!results.containsKey(GROWTH_FROM) || !results.containsKey(GROWTH_TO))
        {
            return;
        }
        md.append(String.format(Locale.ROOT, "%n## Growth of server ns per delivery, %s to %s%n%n" +
            "The project's bound for wsmux: at most %.0f %%.%n%n| server | ns/delivery %s | ns/delivery %s | growth " +
            "| within %.0f %% |%n|---|---|---|---|---|%n", GROWTH_FROM, GROWTH_TO, GROWTH_LIMIT * 100, GROWTH_FROM,
            GROWTH_TO, GROWTH_LIMIT * 100));
        for (final String server : options.servers)
        {
            final double from = median(GROWTH_FROM, server, false);
            final double to = median(GROWTH_TO, server, false);
            final double growth = to / from - 1;
            md.append("| ").append(server).append(" | ").append(ns(from)).append(" | ").append(ns(to)).append(" | ")
                .append(Double.isNaN(growth) ? "-" : String.format(Locale.ROOT, "%+.1f %%", growth * 100))
                .append(" | ").append(Double.isNaN(growth) ? "-" : growth <= GROWTH_LIMIT ? "yes" : "NO")
                .append(" |\n");
        }
    }

    private double median(final Shape shape, final String server, final boolean deliveries)
    {
        return Spread.median(results.get(shape).get(server).stream().filter(Measurement::ok)
            .map(deliveries ? Measurement::deliveriesPerSecond : Measurement::serverNsPerDelivery).toList());
    }

    private static String ratio(final double value, final double reference)
    {
        final double ratio = value / reference;
        return Double.isNaN(ratio) || Double.isInfinite(ratio) ? "-" : String.format(Locale.ROOT, "%.2f", ratio);
    }

    private static String ns(final double value)
    {
        if (Double.isNaN(value))
        {
            return "-";
        }
        return String.format(Locale.ROOT, value >= 100 ? "%,.0f" : "%.1f", value);
    }

    private static String seconds(final long nanos)
    {
        return BigDecimal.valueOf(nanos, 9).stripTrailingZeros().toPlainString();
    }

    private static String lastLines(final String text, final int count)
    {
        final String[] lines = text.split("\n");
        if (lines.length <= count + 1)
        {
            return text;
        }
        return lines[0] + "\n  ...\n" + String.join("\n", List.of(lines).subList(lines.length - count, lines.length));
    }

    private static String firstLine(final String text)
    {
        final int newline = text.indexOf('\n');
        return newline < 0 ? text : text.substring(0, newline);
    }

    /**
     * @return the command as one line a shell runs as it is.
     */
    static String shellLine(final List<String> command)
    {
        final StringBuilder line = new StringBuilder();
        for (final String word : command)
        {
            if (line.length() > 0)
            {
                line.append(' ');
            }
            line.append(SAFE_WORD.matcher(word).matches() ? word : "'" + word.replace("'", "'\\''") + "'");
        }
        return line.toString();
    }
}
