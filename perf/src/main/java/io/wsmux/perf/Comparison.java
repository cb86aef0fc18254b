package io.wsmux.perf;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
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
 * <pre>
 * mvn -B -q package -DskipTests
 * java -jar perf/target/wsmux-perf.jar compare            # full: 3 rounds (2 for memory), under 10 minutes
 * java -jar perf/target/wsmux-perf.jar compare --quick    # 1 round, fewer scenarios, under 2 minutes
 * </pre>
 * Run from the repository root. Every child process is stopped by the runner, also on failure.
 */
public final class Comparison
{
    private static final String ADD_EXPORTS = "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED";
    /** Pre-touched heap: its pages are resident from the start, so RSS grows only by what is not heap. */
    private static final List<String> SERVER_JVM =
        List.of("-Xms1g", "-Xmx1g", "-XX:+UseG1GC", "-XX:+AlwaysPreTouch", ADD_EXPORTS);
    /** The client is not under test: Agrona's bounds checks off, as on a tuned deployment. */
    private static final List<String> CLIENT_JVM =
        List.of("-Xms1g", "-Xmx2g", "-Dagrona.disable.bounds.checks=true", ADD_EXPORTS);
    private static final int PORT = 9301;
    private static final String NETTY_TUNING = "-Dio.netty.leakDetection.level=disabled";
    /**
     * The open-loop echo rate (100 connections, 32 B) at which a server here needs a whole core: each message then
     * travels in a packet of its own, one read and one write, where the closed loop's ten in flight share them. Both
     * wsmux and Netty epoll reach it at about 200,000 messages/s (docs/performance.md); latency is measured at half
     * of it, which the runner checks is also at most half the slower closed-loop maximum.
     */
    private static final long OPEN_LOOP_SATURATION_RATE = 200_000;
    /** The derived metric: server CPU nanoseconds per message (or delivery). */
    private static final String SERVER_NS_PER_MESSAGE = "serverNsPerMessage";

    /** A server under test. */
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
    private final long latencyRate;
    private final String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    private final boolean taskset = new File("/usr/bin/taskset").canExecute();
    private final Map<String, Map<String, List<Double>>> results = new LinkedHashMap<>();
    private final Map<String, Boolean> higherIsBetter = new LinkedHashMap<>();

    private Comparison(final boolean quick, final long latencyRate)
    {
        this.quick = quick;
        this.latencyRate = latencyRate;
    }

    /**
     * @param args {@code --quick} for the short run; {@code --latency-rate R} for the latency scenario's rate (default
     *             half of {@link #OPEN_LOOP_SATURATION_RATE}, measured on the machine in docs/performance.md: on
     *             another machine, find where a server needs a whole core with {@code LoadGenerator echo --rate}).
     * @throws Exception on failure.
     */
    public static void main(final String[] args) throws Exception
    {
        final List<String> arguments = Arrays.asList(args);
        final int rateIndex = arguments.indexOf("--latency-rate");
        final long latencyRate = rateIndex >= 0 && rateIndex + 1 < args.length ?
            Long.parseLong(args[rateIndex + 1]) : OPEN_LOOP_SATURATION_RATE / 2;
        new Comparison(arguments.contains("--quick"), latencyRate).run();
    }

    private List<Server> servers(final String mode)
    {
        final String jar = "perf/target/wsmux-perf.jar";
        final String port = String.valueOf(PORT);
        final List<Server> servers = new ArrayList<>();
        // Like for like with Netty, which drops for a subscriber above its write-buffer high water mark.
        final String overflow = "-Dwsmux.outbound.overflow=drop";
        servers.add(new Server("wsmux", mode, List.of(overflow, "-jar", "core/target/wsmux.jar", "--mode", mode,
            "--port", port, "--threads", "1")));
        for (final String transport : List.of("nio", "epoll"))
        {
            servers.add(new Server("netty-" + transport, mode, List.of(NETTY_TUNING, "-cp", jar,
                "io.wsmux.perf.baseline.NettyServer", "--mode", mode, "--port", port, "--transport", transport,
                "--threads", "1")));
        }
        if ("fanout".equals(mode))
        {
            // The idiomatic Netty fan-out re-encodes the frame header per subscriber; "wire" encodes the frame once,
            // as wsmux does. Both are reported.
            servers.add(new Server("netty-epoll-wire", mode, List.of(NETTY_TUNING, "-cp", jar,
                "io.wsmux.perf.baseline.NettyServer", "--mode", mode, "--port", port, "--transport", "epoll",
                "--threads", "1", "--fanout-write", "wire")));
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
        System.out.printf("wsmux vs Netty, %d round(s), server pinned to CPU 0 and client to CPU 1: %s%n", rounds,
            taskset ? "yes" : "no (taskset missing)");
        // Latency runs last in each echo server's round, so its JIT has compiled the echo path by then.
        final List<Scenario> echo = new ArrayList<>(echoScenarios());
        echo.add(latencyScenario());
        runRounds(rounds, echo);
        checkLatencyRate();
        runRounds(rounds, fanOutScenarios());
        // Memory varies little between rounds, and each round waits for the JVMs to settle before reading RSS.
        runRounds(Math.min(rounds, 2), List.of(connectionsScenario()));

        final String table = table();
        System.out.println();
        System.out.println(table);
        System.out.printf(Locale.ROOT, "comparison took %.1f minutes%n", (System.nanoTime() - startNs) / 60e9);
        Files.createDirectories(Path.of("perf", "target"));
        Files.writeString(Path.of("perf", "target", "comparison.md"), table, StandardCharsets.UTF_8);
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
                final Process serverProcess = startServer(server);
                try
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
                    }
                }
                finally
                {
                    stop(serverProcess);
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
            slowest = Math.min(slowest, median(values));
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

    private Process startServer(final Server server) throws IOException, InterruptedException
    {
        final List<String> serverCommand = new ArrayList<>(pinned(0));
        serverCommand.add(java);
        serverCommand.addAll(SERVER_JVM);
        serverCommand.addAll(server.command());
        final Process serverProcess = new ProcessBuilder(serverCommand).redirectErrorStream(true).start();
        try
        {
            awaitLine(serverProcess, "listening", 30);
        }
        catch (final IOException ex)
        {
            stop(serverProcess);
            throw ex;
        }
        return serverProcess;
    }

    private static void stop(final Process process) throws InterruptedException
    {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS))
        {
            process.destroyForcibly().waitFor();
        }
    }

    private Map<String, Double> measure(final Server server, final Process serverProcess, final Scenario scenario)
        throws IOException, InterruptedException
    {
        final List<String> clientCommand = new ArrayList<>(pinned(1));
        clientCommand.add(java);
        clientCommand.addAll(CLIENT_JVM);
        clientCommand.addAll(List.of("-cp", "perf/target/wsmux-perf.jar", "io.wsmux.perf.load.LoadGenerator"));
        clientCommand.addAll(scenario.arguments());
        clientCommand.addAll(List.of("--url", "ws://127.0.0.1:" + PORT + "/", "--label", server.name(),
            "--server-pid", String.valueOf(serverProcess.pid())));
        final Process client = new ProcessBuilder(clientCommand).redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
        final String result;
        try
        {
            result = awaitLine(client, "RESULT", 600);
            client.waitFor(30, TimeUnit.SECONDS);
        }
        finally
        {
            if (client.isAlive())
            {
                client.destroyForcibly().waitFor();
            }
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

    private List<String> pinned(final int cpu)
    {
        return taskset ? List.of("/usr/bin/taskset", "-c", String.valueOf(cpu)) : List.of();
    }

    private static String awaitLine(final Process process, final String marker, final int timeoutSeconds)
        throws IOException
    {
        final BufferedReader reader =
            new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        final StringBuilder seen = new StringBuilder();
        String line;
        while (System.nanoTime() < deadline && null != (line = reader.readLine()))
        {
            seen.append(line).append('\n');
            if (line.contains(marker))
            {
                return line;
            }
        }
        throw new IOException("no line containing '" + marker + "' from " + process.info().commandLine()
            .orElse("?") + ":\n" + seen);
    }

    private static double value(final String resultLine, final String key)
    {
        for (final String field : resultLine.split("\\s+"))
        {
            if (field.startsWith(key + "="))
            {
                return Double.parseDouble(field.substring(key.length() + 1));
            }
        }
        throw new IllegalStateException("no " + key + " in: " + resultLine);
    }

    private String table()
    {
        final StringBuilder out = new StringBuilder();
        out.append("| scenario, metric | server | median | min | max | wsmux advantage |\n|---|---|---|---|---|---|\n");
        for (final Map.Entry<String, Map<String, List<Double>>> scenario : results.entrySet())
        {
            final boolean higher = higherIsBetter.get(scenario.getKey());
            final double wsmux = median(scenario.getValue().get("wsmux"));
            for (final Map.Entry<String, List<Double>> server : scenario.getValue().entrySet())
            {
                final List<Double> values = server.getValue();
                final double median = median(values);
                final double advantage = higher ? wsmux / median : median / wsmux;
                out.append(String.format(Locale.ROOT, "| %s | %s | %,.0f | %,.0f | %,.0f | %s |%n",
                    scenario.getKey(), server.getKey(), median,
                    values.stream().mapToDouble(Double::doubleValue).min().orElse(0),
                    values.stream().mapToDouble(Double::doubleValue).max().orElse(0),
                    "wsmux".equals(server.getKey()) ? "-" : String.format(Locale.ROOT, "%.2fx", advantage)));
            }
        }
        out.append("\nwsmux advantage: wsmux / this for throughput, this / wsmux for latency, server CPU per message ")
            .append("(serverNsPerMessage: server cores busy x 1e9 / rate) and memory.\n");
        return out.toString();
    }

    private static double median(final List<Double> values)
    {
        final double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return 0 == sorted.length ? Double.NaN : (sorted.length % 2 == 1 ? sorted[sorted.length / 2] :
            (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2);
    }
}
