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
 * interleaved (wsmux, Netty NIO, Netty epoll, wsmux, ...), and prints for every scenario the median, min and max
 * of each server and wsmux's advantage (throughput ratio, or latency and memory ratio the other way round). After
 * the throughput scenarios it measures echo latency at half the slower server's maximum rate, and the heap and RSS
 * each server needs per idle connection. Writes the same table as Markdown to
 * {@code perf/target/comparison.md}.
 * <pre>
 * mvn -B -q package -DskipTests
 * java -jar perf/target/wsmux-perf.jar compare            # full: about 20 minutes on 2 cores
 * java -jar perf/target/wsmux-perf.jar compare --quick    # about 4 minutes
 * </pre>
 * Run from the repository root. Every child process is stopped by the runner, also on failure.
 */
public final class Comparison
{
    private static final String ADD_EXPORTS = "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED";
    private static final List<String> SERVER_JVM = List.of("-Xms1g", "-Xmx1g", "-XX:+UseG1GC", ADD_EXPORTS);
    private static final List<String> CLIENT_JVM = List.of("-Xms1g", "-Xmx2g", ADD_EXPORTS);
    private static final int PORT = 9301;
    private static final String NETTY_TUNING = "-Dio.netty.leakDetection.level=disabled";
    private static final long MAX_OPEN_LOOP_RATE = 20_000;

    /** A server under test. */
    record Server(String name, String mode, List<String> command)
    {
    }

    /**
     * A load scenario: the load generator's arguments and the RESULT keys it is judged by (the first one decides
     * the progress line); lower is better for latency and memory.
     */
    record Scenario(
        String name, String serverMode, List<String> metrics, boolean higherIsBetter, List<String> arguments)
    {
        Scenario(final String name, final String serverMode, final String metric, final boolean higherIsBetter,
            final List<String> arguments)
        {
            this(name, serverMode, List.of(metric), higherIsBetter, arguments);
        }
    }

    private final boolean quick;
    private final String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    private final boolean taskset = new File("/usr/bin/taskset").canExecute();
    private final Map<String, Map<String, List<Double>>> results = new LinkedHashMap<>();
    private final Map<String, Boolean> higherIsBetter = new LinkedHashMap<>();

    private Comparison(final boolean quick)
    {
        this.quick = quick;
    }

    /**
     * @param args {@code --quick} for the short run.
     * @throws Exception on failure.
     */
    public static void main(final String[] args) throws Exception
    {
        final boolean quick = Arrays.asList(args).contains("--quick");
        new Comparison(quick).run();
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

    private List<Scenario> scenarios()
    {
        final String duration = quick ? "3s" : "10s";
        final String warmup = quick ? "2s" : "3s";
        final List<Scenario> scenarios = new ArrayList<>();
        for (final int connections : quick ? new int[]{ 100 } : new int[]{ 100, 1000 })
        {
            for (final int payload : new int[]{ 32, 1024 })
            {
                scenarios.add(new Scenario("echo " + connections + " conns " + payload + " B", "echo",
                    "messagesPerSecond", true, List.of("echo", "--connections", String.valueOf(connections),
                    "--payload", String.valueOf(payload), "--in-flight", "10", "--duration", duration,
                    "--warmup", warmup)));
            }
        }
        scenarios.add(new Scenario("fanout 1 topic 1000 subs", "fanout", "deliveriesPerSecond", true,
            List.of("fanout", "--subscribers", "1000", "--topics", "1", "--rate", "max", "--payload", "64",
            "--duration", duration, "--warmup", warmup)));
        if (!quick)
        {
            scenarios.add(new Scenario("fanout 1 topic 10000 subs", "fanout", "deliveriesPerSecond", true,
                List.of("fanout", "--subscribers", "10000", "--topics", "1", "--rate", "max", "--payload", "64",
                "--duration", duration, "--warmup", warmup)));
            scenarios.add(new Scenario("fanout 100 topics 10000 subs", "fanout", "deliveriesPerSecond", true,
                List.of("fanout", "--subscribers", "10000", "--topics", "100", "--rate", "max", "--payload", "64",
                "--duration", duration, "--warmup", warmup)));
        }
        return scenarios;
    }

    private void run() throws Exception
    {
        final int rounds = quick ? 1 : 3;
        System.out.printf("wsmux vs Netty, %d round(s), server pinned to CPU 0 and client to CPU 1: %s%n", rounds,
            taskset ? "yes" : "no (taskset missing)");
        for (final Scenario scenario : scenarios())
        {
            runScenario(scenario, rounds);
        }
        runScenario(latencyScenario(), rounds);
        runScenario(connectionsScenario(), quick ? 1 : 2);

        final String table = table();
        System.out.println();
        System.out.println(table);
        Files.createDirectories(Path.of("perf", "target"));
        Files.writeString(Path.of("perf", "target", "comparison.md"), table, StandardCharsets.UTF_8);
    }

    private void runScenario(final Scenario scenario, final int rounds) throws IOException, InterruptedException
    {
        for (int round = 1; round <= rounds; round++)
        {
            for (final Server server : servers(scenario.serverMode()))
            {
                final Map<String, Double> values = measure(server, scenario);
                for (final String metric : scenario.metrics())
                {
                    final String key = scenario.name() + ", " + metric;
                    higherIsBetter.put(key, scenario.higherIsBetter());
                    results.computeIfAbsent(key, (k) -> new LinkedHashMap<>())
                        .computeIfAbsent(server.name(), (k) -> new ArrayList<>()).add(values.get(metric));
                }
                System.out.printf(Locale.ROOT, "  %-28s round %d %-16s %s%n", scenario.name(), round,
                    server.name(), values);
            }
        }
    }

    /**
     * Echo latency at a fixed rate of half the slower server's closed-loop maximum (100 connections, 32 B), capped
     * at what the open-loop client can pace.
     */
    private Scenario latencyScenario()
    {
        double slowest = Double.MAX_VALUE;
        for (final List<Double> values : results.get("echo 100 conns 32 B, messagesPerSecond").values())
        {
            slowest = Math.min(slowest, median(values));
        }
        // The load generator's open loop paces every send from one thread through the client loop's queue and
        // sustains about 40 k messages/s on this machine; beyond that its own lag, not the server, is measured.
        final long rate = Math.min(Math.round(slowest / 2), MAX_OPEN_LOOP_RATE);
        return new Scenario("echo latency at " + rate + "/s", "echo", List.of("p50Us", "p99Us", "p999Us"), false,
            List.of("echo", "--connections", "100", "--payload", "32", "--rate", String.valueOf(rate),
            "--duration", quick ? "3s" : "10s", "--warmup", quick ? "2s" : "3s"));
    }

    /**
     * Idle connections held open: the server's heap and RSS per connection.
     */
    private Scenario connectionsScenario()
    {
        final int connections = quick ? 5000 : 19000;
        return new Scenario(connections + " idle connections", "echo",
            List.of("heapPerConnectionBytes", "rssPerConnectionBytes"), false,
            List.of("connections", "--connections", String.valueOf(connections), "--hold", "3s",
            "--source-addresses", "4"));
    }

    private Map<String, Double> measure(final Server server, final Scenario scenario)
        throws IOException, InterruptedException
    {
        final List<String> serverCommand = new ArrayList<>(pinned(0));
        serverCommand.add(java);
        serverCommand.addAll(SERVER_JVM);
        serverCommand.addAll(server.command());
        final Process serverProcess = new ProcessBuilder(serverCommand).redirectErrorStream(true).start();
        try
        {
            awaitLine(serverProcess, "listening", 30);
            final List<String> clientCommand = new ArrayList<>(pinned(1));
            clientCommand.add(java);
            clientCommand.addAll(CLIENT_JVM);
            clientCommand.addAll(List.of("-cp", "perf/target/wsmux-perf.jar", "io.wsmux.perf.load.LoadGenerator"));
            clientCommand.addAll(scenario.arguments());
            clientCommand.addAll(List.of("--url", "ws://127.0.0.1:" + PORT + "/", "--label", server.name(),
                "--server-pid", String.valueOf(serverProcess.pid())));
            final Process client = new ProcessBuilder(clientCommand).redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
            final String result = awaitLine(client, "RESULT", 600);
            client.waitFor(30, TimeUnit.SECONDS);
            final Map<String, Double> values = new LinkedHashMap<>();
            for (final String metric : scenario.metrics())
            {
                values.put(metric, value(result, metric));
            }
            return values;
        }
        finally
        {
            serverProcess.destroy();
            if (!serverProcess.waitFor(10, TimeUnit.SECONDS))
            {
                serverProcess.destroyForcibly().waitFor();
            }
        }
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
        out.append("\nwsmux advantage: wsmux / this for throughput, this / wsmux for latency and memory.\n");
        return out.toString();
    }

    private static double median(final List<Double> values)
    {
        final double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return 0 == sorted.length ? Double.NaN : (sorted.length % 2 == 1 ? sorted[sorted.length / 2] :
            (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2);
    }
}
