package io.wsmux.perf;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

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
 * <pre>
 * mvn -B -q package -DskipTests
 * java -jar perf/target/wsmux-perf.jar compare            # full: 3 rounds (2 for memory), under 10 minutes
 * java -jar perf/target/wsmux-perf.jar compare --quick    # 1 round, fewer scenarios, under 2 minutes
 * java -jar perf/target/wsmux-perf.jar compare --deflate  # echo with permessage-deflate, 3 rounds
 * </pre>
 * Run from the repository root. Every child process is stopped by the runner, also on failure.
 */
public final class Comparison
{
    private static final int PORT = 9301;
    /**
     * The open-loop echo rate (100 connections, 32 B) at which a server here needs a whole core: each message then
     * travels in a packet of its own, one read and one write, where the closed loop's ten in flight share them. Both
     * wsmux and Netty epoll reach it at about 200,000 messages/s (docs/performance.md); latency is measured at half
     * of it, which the runner checks is also at most half the slower closed-loop maximum.
     */
    private static final long OPEN_LOOP_SATURATION_RATE = 200_000;
    /** The derived metric: server CPU nanoseconds per message (or delivery). */
    private static final String SERVER_NS_PER_MESSAGE = "serverNsPerMessage";
    /** With --deflate: the client's compression ratio, which must be above 1 for the run to have compressed. */
    private static final String COMPRESSION_RATIO = "compressionRatio";
    /** Echo payloads with --deflate: above wsmux's 128-byte threshold, a small and a large message. */
    private static final int[] DEFLATE_PAYLOADS = { 1024, 16 * 1024 };

    /** A server under test: its command without the pinning. */
    record Server(String name, String mode, List<String> command)
    {
    }

    /** A RESULT key a scenario is judged by, and which way is better. */
    record Metric(String key, boolean higherIsBetter)
    {
    }

    /** A load scenario: the load generator's arguments and the metrics it is judged by. */
    record Scenario(String name, String serverMode, List<Metric> metrics, List<String> arguments)
    {
    }

    private final boolean quick;
    private final boolean deflate;
    private final long latencyRate;
    private final Map<String, Map<String, List<Double>>> results = new LinkedHashMap<>();
    private final Map<String, Boolean> higherIsBetter = new LinkedHashMap<>();

    private Comparison(final boolean quick, final boolean deflate, final long latencyRate)
    {
        this.quick = quick;
        this.deflate = deflate;
        this.latencyRate = latencyRate;
    }

    /**
     * @param args {@code --quick} for the short run; {@code --deflate} for the permessage-deflate echo comparison;
     *             {@code --latency-rate R} for the latency scenario's rate (default half of
     *             {@link #OPEN_LOOP_SATURATION_RATE}, measured on the machine in docs/performance.md: on another
     *             machine, find where a server needs a whole core with {@code LoadGenerator echo --rate});
     *             {@code --help} for these.
     * @throws Exception on failure.
     */
    public static void main(final String[] args) throws Exception
    {
        final List<String> arguments = Arrays.asList(args);
        if (arguments.contains("--help") || arguments.contains("-h"))
        {
            usage();
            return;
        }
        final int rateIndex = arguments.indexOf("--latency-rate");
        final long latencyRate = rateIndex >= 0 && rateIndex + 1 < args.length ?
            Long.parseLong(args[rateIndex + 1]) : OPEN_LOOP_SATURATION_RATE / 2;
        new Comparison(arguments.contains("--quick"), arguments.contains("--deflate"), latencyRate).run();
    }

    private static void usage()
    {
        System.out.println("usage: java -jar perf/target/wsmux-perf.jar compare [--quick] [--deflate] " +
            "[--latency-rate R]  (from the repository root)");
        System.out.println("  wsmux vs Netty NIO and epoll, interleaved rounds, server on CPU 0 and client on CPU 1:");
        System.out.println("  echo throughput and server CPU per message, echo latency at a fixed rate, fan-out,");
        System.out.println("  memory per idle connection; perf/target/comparison.md");
        System.out.println("  --quick            1 round, fewer scenarios");
        System.out.println("  --deflate          echo only, with permessage-deflate: Netty with --deflate, the client");
        System.out.println("                     offering it (--deflate) and sending 1 KiB and 16 KiB of JSON price");
        System.out.println("                     ticks (--payload-kind ticks); server CPU per message, wire bytes per");
        System.out.println("                     echo, compression ratio; perf/target/comparison-deflate.md");
        System.out.println("  --latency-rate R   the latency scenario's rate (default " +
            OPEN_LOOP_SATURATION_RATE / 2 + "/s)");
    }

    private List<Server> servers(final String mode)
    {
        final String jar = BenchServers.PERF_JAR;
        final List<Server> servers = new ArrayList<>();
        servers.add(new Server("wsmux", mode, BenchServers.serverJvm(
            BenchServers.wsmux(List.of("-jar", BenchServers.WSMUX_JAR), mode, PORT))));
        for (final String transport : List.of("nio", "epoll"))
        {
            servers.add(new Server("netty-" + transport, mode, BenchServers.serverJvm(deflate ?
                BenchServers.netty(jar, mode, PORT, transport, "--deflate") :
                BenchServers.netty(jar, mode, PORT, transport))));
        }
        if ("fanout".equals(mode))
        {
            // The idiomatic Netty fan-out re-encodes the frame header per subscriber; "wire" encodes the frame once,
            // as wsmux does. Both are reported.
            servers.add(new Server("netty-epoll-wire", mode,
                BenchServers.serverJvm(BenchServers.netty(jar, mode, PORT, "epoll", "--fanout-write", "wire"))));
        }
        return servers;
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

    private void run() throws Exception
    {
        final long startNs = System.nanoTime();
        final int rounds = quick ? 1 : 3;
        System.out.printf("wsmux vs Netty%s, %d round(s), server pinned to CPU 0 and client to CPU 1: %s%n",
            deflate ? " with permessage-deflate" : "", rounds, ChildProcess.TASKSET ? "yes" : "no (taskset missing)");
        if (deflate)
        {
            runRounds(rounds, deflateScenarios());
            finish(startNs, "comparison-deflate.md");
            return;
        }
        // Latency runs last in each echo server's round, so its JIT has compiled the echo path by then.
        final List<Scenario> echo = new ArrayList<>(echoScenarios());
        echo.add(latencyScenario());
        runRounds(rounds, echo);
        checkLatencyRate();
        runRounds(rounds, fanOutScenarios());
        // Memory varies little between rounds, and each round waits for the JVMs to settle before reading RSS.
        runRounds(Math.min(rounds, 2), List.of(connectionsScenario()));
        finish(startNs, "comparison.md");
    }

    private void finish(final long startNs, final String fileName) throws IOException
    {
        final String table = table();
        System.out.println();
        System.out.println(table);
        System.out.printf(Locale.ROOT, "comparison took %.1f minutes%n", (System.nanoTime() - startNs) / 60e9);
        Files.createDirectories(Path.of("perf", "target"));
        Files.writeString(Path.of("perf", "target", fileName), table, StandardCharsets.UTF_8);
    }

    /**
     * Each round starts every server in turn (one JVM per server per round) and runs the scenarios against it.
     */
    private void runRounds(final int rounds, final List<Scenario> scenarios)
        throws IOException, InterruptedException
    {
        for (int round = 1; round <= rounds; round++)
        {
            for (final Server server : servers(scenarios.get(0).serverMode()))
            {
                try (ChildProcess serverProcess = startServer(server))
                {
                    for (final Scenario scenario : scenarios)
                    {
                        final Map<String, Double> values = measure(server, serverProcess, scenario);
                        for (final Metric metric : scenario.metrics())
                        {
                            final String key = scenario.name() + ", " + metric.key();
                            higherIsBetter.put(key, metric.higherIsBetter());
                            results.computeIfAbsent(key, (k) -> new LinkedHashMap<>())
                                .computeIfAbsent(server.name(), (k) -> new ArrayList<>()).add(values.get(metric.key()));
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

    private Map<String, Double> measure(
        final Server server, final ChildProcess serverProcess, final Scenario scenario)
        throws IOException, InterruptedException
    {
        final List<String> clientCommand = new ArrayList<>(ChildProcess.pinned(1));
        final List<String> arguments =
            new ArrayList<>(List.of("-cp", BenchServers.PERF_JAR, "io.wsmux.perf.load.LoadGenerator"));
        arguments.addAll(scenario.arguments());
        arguments.addAll(List.of("--url", "ws://127.0.0.1:" + PORT + "/", "--label", server.name(),
            "--server-pid", String.valueOf(serverProcess.pid())));
        clientCommand.addAll(BenchServers.clientJvm(arguments));
        final Map<String, Object> result;
        try (ChildProcess client = ChildProcess.start(clientCommand, false))
        {
            result = ResultLines.resultLine(client.awaitLine("RESULT", 600, TimeUnit.SECONDS));
            client.waitFor(30, TimeUnit.SECONDS);
        }
        final Map<String, Double> values = new LinkedHashMap<>();
        for (final Metric metric : scenario.metrics())
        {
            if (SERVER_NS_PER_MESSAGE.equals(metric.key()))
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
            final double wsmux = Spread.median(scenario.getValue().get("wsmux"));
            for (final Map.Entry<String, List<Double>> server : scenario.getValue().entrySet())
            {
                final Spread spread = Spread.of(server.getValue());
                final double median = spread.median();
                final double advantage = higher ? wsmux / median : median / wsmux;
                out.append(String.format(Locale.ROOT, "| %s | %s | %,.0f | %,.0f | %,.0f | %s |%n",
                    scenario.getKey(), server.getKey(), median, spread.min(), spread.max(),
                    "wsmux".equals(server.getKey()) ? "-" : String.format(Locale.ROOT, "%.2fx", advantage)));
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
}
