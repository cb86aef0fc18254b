package io.wsmux.perf;

import java.io.IOException;
import java.io.PrintStream;
import java.math.BigDecimal;
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
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The cluster comparison (issue 16): fan-out over three wsmux nodes joined by NATS against fan-out on one node,
 * measured in the same run. It starts nats-server with JetStream and three nodes a, b and c ({@code --mode fanout
 * --threads 1 --cluster ... --node a|b|c}, {@link ClusterProcesses}), then in interleaved rounds runs the load
 * generator ({@code fanout}, a child JVM) four times, the publisher always on node a:
 * <ul>
 *     <li>single, {@code --rate max}: every subscriber on node a;</li>
 *     <li>cluster, {@code --rate max}: the subscribers split evenly over a, b and c ({@code --subscriber-urls});</li>
 *     <li>single and cluster again at a fixed rate ({@code --latency-rate}), for publish-to-receive latency.</li>
 * </ul>
 * The order of single and cluster alternates from round to round. Around every run it reads nats-server's
 * {@code /varz} and divides the messages NATS took in and sent out by the publications of the run (the load
 * generator's publications and its subscription probes): a publication should be one message in, and one out per
 * other node with subscribers to its topic (2 for the cluster, 0 for the single node), never one per subscriber.
 * The report (medians and ranges over rounds, ratios of medians, the commands) is printed and written to
 * {@code perf/target/cluster-comparison.md}. Nothing is pinned: five processes share the machine's cores.
 * <pre>
 * java -jar perf/target/wsmux-perf.jar cluster-compare --help
 * java -jar perf/target/wsmux-perf.jar cluster-compare --subscribers 1000 --rounds 3
 * </pre>
 * Run from the repository root. Every child process is stopped by its handle at the end, also on failure. Exit
 * status 0, 1 if a run failed or nats-server is missing, 2 on a bad option.
 */
public final class ClusterComparison
{
    static final int EXIT_FAILED = 1;
    static final int EXIT_USAGE = 2;
    static final String NATS_SERVER_DEFAULT = "/usr/sbin/nats-server";
    /** Least --payload: the fan-out payload's header (sequence and send time). */
    static final int MIN_PAYLOAD = 33;
    /** Most --payload: the load generator's bound. */
    static final int MAX_PAYLOAD = 60 * 1024;

    private static final String NAME = "cluster-compare";
    /** Beyond warm-up and measurement: JVM start, connections, subscription, drain, close. */
    private static final int CLIENT_SLACK_SECONDS = 120;
    private static final String PID_PLACEHOLDER = "<node-a-pid>";
    private static final Pattern HEAP = Pattern.compile("[1-9][0-9]{0,5}[mMgG]");

    /**
     * What one run of the load generator measures.
     *
     * @param cluster   subscribers over the three nodes, else all on node a.
     * @param fixedRate at {@code --latency-rate}, else {@code --rate max}.
     */
    record Variant(boolean cluster, boolean fixedRate)
    {
        static final Variant SINGLE_MAX = new Variant(false, false);
        static final Variant CLUSTER_MAX = new Variant(true, false);
        static final Variant SINGLE_RATE = new Variant(false, true);
        static final Variant CLUSTER_RATE = new Variant(true, true);

        /**
         * @param round 1, 2, ...
         * @return the variants in the order of that round: single first in odd rounds, cluster first in even ones.
         */
        static List<Variant> order(final int round)
        {
            return round % 2 == 1 ? List.of(SINGLE_MAX, CLUSTER_MAX, SINGLE_RATE, CLUSTER_RATE) :
                List.of(CLUSTER_MAX, SINGLE_MAX, CLUSTER_RATE, SINGLE_RATE);
        }

        String label(final long latencyRate)
        {
            return (cluster ? "cluster" : "single") + ", " + (fixedRate ? latencyRate + "/s" : "max");
        }
    }

    /**
     * What one node delivered in a run.
     *
     * @param deliveriesPerSecond deliveries per second in the measured window.
     * @param p50Us               median publish-to-receive latency, µs.
     * @param p99Us               99th percentile, µs.
     * @param p999Us              99.9th percentile, µs.
     */
    record NodeFigures(double deliveriesPerSecond, double p50Us, double p99Us, double p999Us)
    {
    }

    /**
     * One run: the load generator's figures and NATS's messages per publication, or why the run failed.
     *
     * @param deliveriesPerSecond  deliveries per second in the measured window, every node.
     * @param crossNodeShare       the share of them on nodes other than the publisher's.
     * @param p50Us                median latency over every node, µs.
     * @param p99Us                99th percentile, µs.
     * @param p999Us               99.9th percentile, µs.
     * @param nodes                per node with subscribers, in the order a, b, c.
     * @param publications         publications of the whole run, probes included.
     * @param inPerPublication     messages NATS took in over the run, per publication.
     * @param outPerPublication    messages NATS sent out over the run, per publication.
     * @param failure              null for a good run, else why it failed.
     */
    record Measurement(
        double deliveriesPerSecond,
        double crossNodeShare,
        double p50Us,
        double p99Us,
        double p999Us,
        List<NodeFigures> nodes,
        double publications,
        double inPerPublication,
        double outPerPublication,
        String failure)
    {
        static Measurement failed(final String why)
        {
            return new Measurement(Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, List.of(), Double.NaN,
                Double.NaN, Double.NaN, why);
        }

        boolean ok()
        {
            return null == failure;
        }
    }

    /** The options, parsed and checked, not yet checked against the file system. */
    static final class Options
    {
        boolean help;
        int subscribers = 1000;
        int payload = 64;
        long durationNs = TimeUnit.SECONDS.toNanos(8);
        long warmupNs = TimeUnit.SECONDS.toNanos(4);
        int rounds = 3;
        long latencyRate = 50;
        String natsServer = NATS_SERVER_DEFAULT;
        String jar = BenchServers.WSMUX_JAR;
        String perfJar = BenchServers.PERF_JAR;
        String classpath;
        String nodeHeap = "1g";
        String output = "perf/target/cluster-comparison.md";

        /**
         * @param args the command line after {@code cluster-compare}.
         * @return the options, every default filled in.
         * @throws IllegalArgumentException with one line naming the bad option.
         */
        static Options parse(final String[] args)
        {
            final Options options = new Options();
            for (int i = 0; i < args.length; i++)
            {
                final String option = args[i];
                if ("--help".equals(option) || "-h".equals(option))
                {
                    options.help = true;
                    continue;
                }
                if (!option.startsWith("--"))
                {
                    throw new IllegalArgumentException("unexpected argument '" + option + "'");
                }
                if (i + 1 >= args.length)
                {
                    throw new IllegalArgumentException(option + " needs a value");
                }
                options.set(option, args[++i]);
            }
            return options;
        }

        private void set(final String option, final String value)
        {
            switch (option)
            {
                case "--subscribers":
                    // At least one subscriber per node.
                    subscribers = (int)whole(option, value, ClusterProcesses.NODES.size(), 100_000);
                    break;
                case "--payload":
                    payload = (int)whole(option, value, MIN_PAYLOAD, MAX_PAYLOAD);
                    break;
                case "--duration":
                    durationNs = FanOutComparison.Options.duration(option, value);
                    if (0 == durationNs)
                    {
                        throw new IllegalArgumentException(option + " must be > 0: '" + value + "'");
                    }
                    break;
                case "--warmup":
                    warmupNs = FanOutComparison.Options.duration(option, value);
                    break;
                case "--rounds":
                    rounds = (int)whole(option, value, 1, 1000);
                    break;
                case "--latency-rate":
                    latencyRate = whole(option, value, 1, 1_000_000);
                    break;
                case "--nats-server":
                    natsServer = nonEmpty(option, value);
                    break;
                case "--jar":
                    jar = nonEmpty(option, value);
                    break;
                case "--perf-jar":
                    perfJar = nonEmpty(option, value);
                    break;
                case "--classpath":
                    classpath = nonEmpty(option, value);
                    break;
                case "--node-heap":
                    if (!HEAP.matcher(value).matches())
                    {
                        throw new IllegalArgumentException(option + " must be a size like 1g or 256m: '" + value +
                            "'");
                    }
                    nodeHeap = value;
                    break;
                case "--output":
                    output = nonEmpty(option, value);
                    break;
                default:
                    throw new IllegalArgumentException("unknown option " + option);
            }
        }

        private static long whole(final String option, final String value, final long min, final long max)
        {
            try
            {
                final long number = Long.parseLong(value);
                if (number >= min && number <= max)
                {
                    return number;
                }
            }
            catch (final NumberFormatException ignore)
            {
                // reported below
            }
            throw new IllegalArgumentException(option + " must be a whole number " + min + ".." + max + ": '" +
                value + "'");
        }

        private static String nonEmpty(final String option, final String value)
        {
            if (value.isEmpty())
            {
                throw new IllegalArgumentException(option + " needs a value");
            }
            return value;
        }

        /**
         * @return the files the run needs that are missing, one line each; empty when all are there.
         */
        List<String> missingFiles()
        {
            final List<String> missing = new ArrayList<>();
            if (!Files.isRegularFile(Path.of(natsServer)) || !Files.isExecutable(Path.of(natsServer)))
            {
                missing.add("nats-server not found or not executable: " + natsServer +
                    " (Debian package nats-server, or --nats-server PATH)");
            }
            if (null == classpath)
            {
                final String build = " (mvn -B -q package -DskipTests, and run from the repository root)";
                if (!Files.isRegularFile(Path.of(jar)))
                {
                    missing.add("wsmux jar not found: " + jar + build);
                }
                if (!Files.isRegularFile(Path.of(perfJar)))
                {
                    missing.add("perf jar not found: " + perfJar + build);
                }
            }
            return missing;
        }

        /**
         * @param node    the node's name.
         * @param port    its port.
         * @param natsUrl the cluster's NATS.
         * @return the node's command: fanout mode, one I/O thread, slow subscribers dropped, as the other runners
         *     start wsmux, with a heap of {@link #nodeHeap}.
         */
        List<String> nodeCommand(final String node, final int port, final String natsUrl)
        {
            final List<String> command = new ArrayList<>(List.of(ChildProcess.JAVA, "-Xms" + nodeHeap,
                "-Xmx" + nodeHeap, "-XX:+UseG1GC", "-XX:+AlwaysPreTouch", BenchServers.ADD_EXPORTS));
            final List<String> launch = null == classpath ? List.of("-jar", jar) :
                List.of("-cp", classpath, BenchServers.WSMUX_MAIN);
            command.addAll(BenchServers.wsmux(launch, "fanout", port));
            command.addAll(List.of("--cluster", natsUrl, "--node", node));
            return command;
        }

        /**
         * @param variant        what the run measures.
         * @param publisherUrl   node a.
         * @param subscriberUrls where the subscribers go: node a, or nodes a, b and c.
         * @param serverPid      node a's process id.
         * @return the load generator's command.
         */
        List<String> clientCommand(
            final Variant variant, final String publisherUrl, final List<String> subscriberUrls, final long serverPid)
        {
            final List<String> arguments = new ArrayList<>(null == classpath ? List.of("-jar", perfJar) :
                List.of("-cp", classpath, PerfMain.class.getName()));
            arguments.addAll(List.of("fanout", "--url", publisherUrl, "--publisher-url", publisherUrl,
                "--subscriber-urls", String.join(",", subscriberUrls),
                "--subscribers", String.valueOf(subscribers), "--topics", "1", "--payload", String.valueOf(payload),
                "--rate", variant.fixedRate() ? String.valueOf(latencyRate) : "max",
                "--duration", TimeUnit.NANOSECONDS.toMillis(durationNs) + "ms",
                "--warmup", TimeUnit.NANOSECONDS.toMillis(warmupNs) + "ms",
                "--server-pid", String.valueOf(serverPid), "--quiet"));
            return BenchServers.clientJvm(arguments);
        }
    }

    private final Options options;
    private final PrintStream out;
    private final Map<Variant, List<Measurement>> results = new LinkedHashMap<>();
    private final Map<String, String> commands = new LinkedHashMap<>();
    private final List<String> failures = new ArrayList<>();
    private String natsVersion = "?";

    ClusterComparison(final Options options, final PrintStream out)
    {
        this.options = options;
        this.out = out;
        for (final Variant variant : Variant.order(1))
        {
            results.put(variant, new ArrayList<>());
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
     * @param err  where a bad option or a missing file is named, one line each.
     * @return the exit status: 0, {@link #EXIT_FAILED} if a run failed or a file is missing, {@link #EXIT_USAGE}
     *     on a bad option.
     * @throws IOException if the report cannot be written.
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
        final List<String> missing = options.missingFiles();
        if (!missing.isEmpty())
        {
            for (final String line : missing)
            {
                err.println(NAME + ": " + line);
            }
            return EXIT_FAILED;
        }
        return new ClusterComparison(options, out).run();
    }

    static void usage(final PrintStream out)
    {
        out.println("usage: java -jar perf/target/wsmux-perf.jar cluster-compare [options]");
        out.println("       (from the repository root)");
        out.println();
        out.println("Fan-out across three wsmux nodes joined by NATS against fan-out on one node, in the same run.");
        out.println("Starts nats-server -js and nodes a, b, c (--mode fanout --threads 1 --cluster ...), then per");
        out.println("round runs the load generator four times, the publisher on node a: single (every subscriber");
        out.println("on a) and cluster (subscribers split evenly over a, b, c), each at --rate max and at");
        out.println("--latency-rate. Reports deliveries/s in total and per node, the cross-node share, latency");
        out.println("p50/p99/p99.9 overall and per node, and NATS's messages in and out per publication (/varz).");
        out.println();
        out.println("  --subscribers N         subscribers on the one topic, at least 3 (default 1000)");
        out.println("  --payload N             bytes per publication, 33..61440 (default 64)");
        out.println("  --duration D            measured window of each run, e.g. 8s or 2500ms (default 8s)");
        out.println("  --warmup D              load before it, not counted (default 4s)");
        out.println("  --rounds N              rounds of four runs each, the order alternating (default 3)");
        out.println("  --latency-rate R        publications/s of the latency runs (default 50: with 1,000");
        out.println("                          subscribers 50,000 deliveries/s)");
        out.println("  --nats-server PATH      the nats-server binary, 2.9 or later (default /usr/sbin/nats-server)");
        out.println("  --jar PATH              wsmux (default core/target/wsmux.jar)");
        out.println("  --perf-jar PATH         the load generator (default perf/target/wsmux-perf.jar)");
        out.println("  --classpath CP          run the nodes and the load generator from this class path instead");
        out.println("                          of the jars (tests, IDEs)");
        out.println("  --node-heap SIZE        each node's heap, pre-touched, e.g. 256m (default 1g, as the other");
        out.println("                          runners give their servers)");
        out.println("  --output FILE           the Markdown report (default perf/target/cluster-comparison.md)");
        out.println("  --help                  this list");
        out.println();
        out.println("Fixed: one topic, 32 publications in flight with --rate max, nothing pinned. Exit status 0, 1");
        out.println("if a run failed or nats-server is missing, 2 on a bad option.");
    }

    private int run() throws IOException, InterruptedException
    {
        final long startNs = System.nanoTime();
        try (ClusterProcesses cluster = ClusterProcesses.start(options.natsServer, options::nodeCommand))
        {
            natsVersion = cluster.natsVersion();
            commands.putAll(cluster.commands());
            out.print(header(Double.NaN));
            rounds(cluster);
        }
        catch (final IOException ex)
        {
            failures.add("the cluster did not start: " + ex.getMessage());
            out.println("FAILED: the cluster did not start: " + ex.getMessage());
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

    private void rounds(final ClusterProcesses cluster) throws InterruptedException
    {
        final String publisherUrl = cluster.url(ClusterProcesses.NODES.get(0));
        final List<String> allUrls = ClusterProcesses.NODES.stream().map(cluster::url).toList();
        for (int round = 1; round <= options.rounds; round++)
        {
            for (final Variant variant : Variant.order(round))
            {
                final String dead = cluster.deadProcess();
                final Measurement measurement = null != dead ? Measurement.failed(dead) : measure(cluster, variant,
                    publisherUrl, variant.cluster() ? allUrls : List.of(publisherUrl));
                results.get(variant).add(measurement);
                final String label = variant.label(options.latencyRate);
                if (!measurement.ok())
                {
                    failures.add("round " + round + " " + label + ": " + measurement.failure());
                }
                out.println(String.format(Locale.ROOT, "  round %d %-14s ", round, label) + (measurement.ok() ?
                    String.format(Locale.ROOT, "%,12.0f deliveries/s, cross-node %.3f, p50/p99/p99.9 %s/%s/%s ms, " +
                    "NATS per publication in %.3f out %.3f", measurement.deliveriesPerSecond(),
                    measurement.crossNodeShare(), ms(measurement.p50Us()), ms(measurement.p99Us()),
                    ms(measurement.p999Us()), measurement.inPerPublication(), measurement.outPerPublication()) :
                    "FAILED: " + measurement.failure()));
                if (null != dead)
                {
                    return; // every later run would fail the same way
                }
            }
        }
    }

    private Measurement measure(
        final ClusterProcesses cluster, final Variant variant, final String publisherUrl,
        final List<String> subscriberUrls) throws InterruptedException
    {
        final long nodeAPid = cluster.pid(ClusterProcesses.NODES.get(0));
        final List<String> command = options.clientCommand(variant, publisherUrl, subscriberUrls, nodeAPid);
        commands.putIfAbsent("client, " + variant.label(options.latencyRate) + ", first run",
            FanOutComparison.shellLine(command).replace(" " + nodeAPid + " ", " " + PID_PLACEHOLDER + " "));
        final ClusterProcesses.NatsCounts before;
        try
        {
            before = cluster.natsCounts();
        }
        catch (final IOException ex)
        {
            return Measurement.failed("nats-server's /varz: " + ex.getMessage());
        }
        try (ChildProcess client = ChildProcess.start(command, false))
        {
            final long timeoutSeconds =
                TimeUnit.NANOSECONDS.toSeconds(options.warmupNs + options.durationNs) + CLIENT_SLACK_SECONDS;
            if (!client.waitFor(timeoutSeconds, TimeUnit.SECONDS))
            {
                return Measurement.failed("client still running after " + timeoutSeconds + " s:\n" + client.output());
            }
            final ClusterProcesses.NatsCounts after = cluster.natsCounts();
            final Measurement measurement = measurement(client.stdout(), client.exitValue(), options.subscribers,
                subscriberUrls.size(), after.inMsgs() - before.inMsgs(), after.outMsgs() - before.outMsgs());
            return measurement.ok() ? measurement :
                Measurement.failed(measurement.failure() + "\nclient output:\n" + client.output());
        }
        catch (final IOException ex)
        {
            return Measurement.failed(ex.getMessage());
        }
    }

    /**
     * @param stdout      the load generator's standard output.
     * @param exitStatus  its exit status.
     * @param subscribers subscribers asked for.
     * @param nodes       nodes they were spread over.
     * @param natsIn      messages NATS took in during the run.
     * @param natsOut     messages NATS sent out during the run.
     * @return the run's figures, failed if there is no RESULT line, it reports errors, a subscriber did not
     *     subscribe, a node delivered nothing, or the exit status is not 0.
     */
    static Measurement measurement(
        final List<String> stdout, final int exitStatus, final int subscribers, final int nodes, final long natsIn,
        final long natsOut)
    {
        String line = null;
        for (final String candidate : stdout)
        {
            if (candidate.trim().startsWith("RESULT "))
            {
                line = candidate.trim();
            }
        }
        if (null == line)
        {
            return Measurement.failed("client printed no result (exit status " + exitStatus + ")");
        }
        final Map<String, Object> result;
        try
        {
            result = ResultLines.resultLine(line);
        }
        catch (final IllegalArgumentException ex)
        {
            return Measurement.failed("client result unreadable: " + ex.getMessage());
        }
        final List<String> problems = new ArrayList<>();
        final double errors = number(result, "errors");
        if (Double.isNaN(errors) || errors > 0)
        {
            problems.add("errors=" + errors);
        }
        if (!(number(result, "subscribersSubscribed") >= subscribers))
        {
            problems.add("subscribed " + number(result, "subscribersSubscribed") + " of " + subscribers);
        }
        final List<NodeFigures> figures = new ArrayList<>();
        for (int k = 1; k <= nodes; k++)
        {
            final String prefix = "node" + k;
            final NodeFigures node = new NodeFigures(number(result, prefix + "DeliveriesPerSecond"),
                number(result, prefix + "P50Us"), number(result, prefix + "P99Us"), number(result, prefix + "P999Us"));
            if (!(node.deliveriesPerSecond() > 0))
            {
                problems.add(prefix + " (" + result.get(prefix + "Url") + ") delivered nothing");
            }
            figures.add(node);
        }
        if (0 != exitStatus)
        {
            problems.add("exit status " + exitStatus);
        }
        final double publications = number(result, "published") + number(result, "probes");
        if (!(publications > 0))
        {
            problems.add("no publications");
        }
        if (!problems.isEmpty())
        {
            return Measurement.failed(String.join(", ", problems));
        }
        return new Measurement(number(result, "deliveriesPerSecond"), number(result, "crossNodeShare"),
            number(result, "p50Us"), number(result, "p99Us"), number(result, "p999Us"), figures, publications,
            natsIn / publications, natsOut / publications, null);
    }

    private static double number(final Map<String, Object> result, final String key)
    {
        return result.get(key) instanceof Double ? (Double)result.get(key) : Double.NaN;
    }

    private String header(final double minutes)
    {
        return String.format(Locale.ROOT, "Cluster comparison, %s%n" +
            "- nats-server %s -js; three wsmux nodes a, b, c (--mode fanout --threads 1, %s heap each), the load " +
            "generator in a JVM of its own; nothing pinned: five processes share %d cores%n" +
            "- %,d subscribers on one topic, %d-byte payloads, the publisher on node a; single: every subscriber " +
            "on a; cluster: an even split over a, b, c%n" +
            "- %d round(s), interleaved (single first in odd rounds, cluster first in even ones); each run %s of " +
            "warm-up, then %s measured; throughput at --rate max (32 publications in flight), latency at %,d " +
            "publications/s (%,d deliveries/s)%n%s",
            LocalDate.now(), natsVersion, options.nodeHeap, Runtime.getRuntime().availableProcessors(),
            options.subscribers, options.payload, options.rounds, seconds(options.warmupNs),
            seconds(options.durationNs), options.latencyRate, options.latencyRate * options.subscribers,
            Double.isNaN(minutes) ? "" : String.format(Locale.ROOT, "- took %.1f minutes%n", minutes));
    }

    /**
     * @param minutes how long the run took.
     * @return the Markdown report.
     */
    String report(final double minutes)
    {
        final String rate = options.latencyRate + "/s";
        final StringBuilder md = new StringBuilder();
        md.append("# ").append(header(minutes)).append('\n');
        md.append("| metric, median [min-max] over good runs | single node (a) | cluster (a, b, c) | ")
            .append("cluster / single |\n|---|---|---|---|\n");
        row(md, "deliveries/s, --rate max", Variant.SINGLE_MAX, Variant.CLUSTER_MAX, Measurement::deliveriesPerSecond,
            ClusterComparison::whole, true);
        md.append("| deliveries/s per node a / b / c, --rate max | - | ")
            .append(perNode(Variant.CLUSTER_MAX, NodeFigures::deliveriesPerSecond, ClusterComparison::whole))
            .append(" | |\n");
        row(md, "cross-node share of deliveries, --rate max", Variant.SINGLE_MAX, Variant.CLUSTER_MAX,
            Measurement::crossNodeShare, ClusterComparison::share, false);
        row(md, "latency p50 at " + rate + " (ms)", Variant.SINGLE_RATE, Variant.CLUSTER_RATE, Measurement::p50Us,
            ClusterComparison::ms, true);
        row(md, "latency p99 at " + rate + " (ms)", Variant.SINGLE_RATE, Variant.CLUSTER_RATE, Measurement::p99Us,
            ClusterComparison::ms, true);
        row(md, "latency p99.9 at " + rate + " (ms)", Variant.SINGLE_RATE, Variant.CLUSTER_RATE,
            Measurement::p999Us, ClusterComparison::ms, true);
        md.append("| latency p50 / p99 / p99.9 per node a; b; c at ").append(rate).append(" (ms) | - | ")
            .append(perNodeLatency(Variant.CLUSTER_RATE)).append(" | |\n");
        row(md, "NATS in-messages per publication, --rate max", Variant.SINGLE_MAX, Variant.CLUSTER_MAX,
            Measurement::inPerPublication, ClusterComparison::perPublication, false);
        row(md, "NATS in-messages per publication, " + rate, Variant.SINGLE_RATE, Variant.CLUSTER_RATE,
            Measurement::inPerPublication, ClusterComparison::perPublication, false);
        row(md, "NATS out-messages per publication, --rate max", Variant.SINGLE_MAX, Variant.CLUSTER_MAX,
            Measurement::outPerPublication, ClusterComparison::perPublication, false);
        row(md, "NATS out-messages per publication, " + rate, Variant.SINGLE_RATE, Variant.CLUSTER_RATE,
            Measurement::outPerPublication, ClusterComparison::perPublication, false);
        md.append("| good runs, --rate max; ").append(rate).append(" | ").append(good(Variant.SINGLE_MAX))
            .append("; ").append(good(Variant.SINGLE_RATE)).append(" | ").append(good(Variant.CLUSTER_MAX))
            .append("; ").append(good(Variant.CLUSTER_RATE)).append(" | |\n");
        md.append("\nLatency is from the publish (its intended time at the fixed rate) to each delivery, over every ")
            .append("subscriber; the cross-node share is the deliveries made on b and c. NATS messages per ")
            .append("publication are nats-server's in_msgs and out_msgs (/varz) over each whole run, divided by its ")
            .append("publications (warm-up, measured, and the load generator's subscription probes): expected in ")
            .append("1.0 either way (every publication is one NATS message) and out 0 for the single node (no other ")
            .append("node has subscribers) and 2.0 for the cluster (one per other node with subscribers to the ")
            .append("topic), never one per subscriber.\n");
        if (!failures.isEmpty())
        {
            md.append("\n## Failed runs\n\n");
            for (final String failure : failures)
            {
                md.append("- ").append(firstLine(failure)).append('\n');
            }
        }
        md.append("\n## Commands\n\n```\n");
        for (final Map.Entry<String, String> command : commands.entrySet())
        {
            md.append("# ").append(command.getKey()).append('\n').append(command.getValue()).append('\n');
        }
        md.append("```\n");
        return md.toString();
    }

    private void row(
        final StringBuilder md,
        final String metric,
        final Variant single,
        final Variant cluster,
        final Function<Measurement, Double> value,
        final Function<Double, String> format,
        final boolean ratio)
    {
        final Spread a = spread(single, value);
        final Spread b = spread(cluster, value);
        md.append("| ").append(metric).append(" | ").append(spreadText(a, format)).append(" | ")
            .append(spreadText(b, format)).append(" | ")
            .append(ratio && a.median() > 0 && b.median() >= 0 ?
                String.format(Locale.ROOT, "%.2fx", b.median() / a.median()) : "")
            .append(" |\n");
    }

    private Spread spread(final Variant variant, final Function<Measurement, Double> value)
    {
        return Spread.of(results.get(variant).stream().filter(Measurement::ok).map(value).toList());
    }

    private static String spreadText(final Spread spread, final Function<Double, String> format)
    {
        if (0 == spread.count())
        {
            return "-";
        }
        return format.apply(spread.median()) + " [" + format.apply(spread.min()) + "-" + format.apply(spread.max()) +
            "]";
    }

    private String perNode(
        final Variant variant, final Function<NodeFigures, Double> value, final Function<Double, String> format)
    {
        final List<String> texts = new ArrayList<>();
        for (int node = 0; node < ClusterProcesses.NODES.size(); node++)
        {
            final int index = node;
            final List<Double> values = results.get(variant).stream().filter(Measurement::ok)
                .filter((measurement) -> measurement.nodes().size() > index)
                .map((measurement) -> value.apply(measurement.nodes().get(index))).toList();
            texts.add(values.isEmpty() ? "-" : format.apply(Spread.median(values)));
        }
        return String.join(" / ", texts);
    }

    private String perNodeLatency(final Variant variant)
    {
        final String p50 = perNode(variant, NodeFigures::p50Us, ClusterComparison::ms);
        final String p99 = perNode(variant, NodeFigures::p99Us, ClusterComparison::ms);
        final String p999 = perNode(variant, NodeFigures::p999Us, ClusterComparison::ms);
        final String[] a = p50.split(" / ");
        final String[] b = p99.split(" / ");
        final String[] c = p999.split(" / ");
        final List<String> nodes = new ArrayList<>();
        for (int i = 0; i < a.length; i++)
        {
            nodes.add(a[i] + " / " + b[i] + " / " + c[i]);
        }
        return String.join("; ", nodes);
    }

    private String good(final Variant variant)
    {
        final List<Measurement> runs = results.get(variant);
        return runs.stream().filter(Measurement::ok).count() + "/" + runs.size();
    }

    private static String whole(final double value)
    {
        return String.format(Locale.ROOT, "%,.0f", value);
    }

    private static String share(final double value)
    {
        return String.format(Locale.ROOT, "%.3f", value);
    }

    private static String perPublication(final double value)
    {
        return String.format(Locale.ROOT, "%.3f", value);
    }

    /**
     * @return microseconds as milliseconds: two decimals below 10 ms, one above.
     */
    static String ms(final double us)
    {
        if (Double.isNaN(us))
        {
            return "-";
        }
        return String.format(Locale.ROOT, us < 10_000 ? "%.2f" : "%.1f", us / 1000);
    }

    private static String seconds(final long nanos)
    {
        return BigDecimal.valueOf(nanos, 9).stripTrailingZeros().toPlainString() + " s";
    }

    private static String firstLine(final String text)
    {
        final int newline = text.indexOf('\n');
        return newline < 0 ? text : text.substring(0, newline);
    }
}
