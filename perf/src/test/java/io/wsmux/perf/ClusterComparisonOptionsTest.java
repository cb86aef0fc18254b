package io.wsmux.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import io.wsmux.perf.ClusterComparison.Measurement;
import io.wsmux.perf.ClusterComparison.Options;
import io.wsmux.perf.ClusterComparison.Variant;
import org.junit.jupiter.api.Test;

/**
 * {@code cluster-compare}'s options, and how the load generator's result and NATS's counters become a measurement,
 * without running anything.
 */
class ClusterComparisonOptionsTest
{
    private static final String RESULT = "RESULT scenario=fanout label=- url=ws://127.0.0.1:1/ subscribers=30 " +
        "subscribersOpened=30 subscribersSubscribed=30 published=998 deliveriesPerSecond=90000.5 p50Us=1500 " +
        "p99Us=9000 p999Us=12000 nodes=3 probes=2 crossNodeShare=0.667 node1Url=ws://127.0.0.1:1/ " +
        "node1DeliveriesPerSecond=30000 node1P50Us=1000 node1P99Us=8000 node1P999Us=9000 " +
        "node2Url=ws://127.0.0.1:2/ node2DeliveriesPerSecond=30000.25 node2P50Us=1600 node2P99Us=9100 " +
        "node2P999Us=12000 node3Url=ws://127.0.0.1:3/ node3DeliveriesPerSecond=30000.25 node3P50Us=1700 " +
        "node3P99Us=9200 node3P999Us=12100 errors=0";

    @Test
    void shouldDefaultToTheIssuesShape()
    {
        final Options options = Options.parse(new String[0]);

        assertEquals(1000, options.subscribers);
        assertEquals(64, options.payload);
        assertEquals(8_000_000_000L, options.durationNs);
        assertEquals(4_000_000_000L, options.warmupNs);
        assertEquals(3, options.rounds);
        assertEquals(50, options.latencyRate);
        assertEquals("/usr/sbin/nats-server", options.natsServer);
        assertEquals("core/target/wsmux.jar", options.jar);
        assertEquals("perf/target/wsmux-perf.jar", options.perfJar);
        assertNull(options.classpath);
        assertEquals("1g", options.nodeHeap);
        assertEquals("perf/target/cluster-comparison.md", options.output);
        assertFalse(options.help);
    }

    @Test
    void shouldParseEveryOption()
    {
        final Options options = Options.parse(new String[]{ "--subscribers", "30", "--payload", "100", "--duration",
            "1500ms", "--warmup", "0.5", "--rounds", "2", "--latency-rate", "20", "--nats-server", "/opt/nats",
            "--jar", "/tmp/w.jar", "--perf-jar", "/tmp/p.jar", "--node-heap", "256m", "--output", "/tmp/r.md" });

        assertEquals(30, options.subscribers);
        assertEquals(100, options.payload);
        assertEquals(1_500_000_000L, options.durationNs);
        assertEquals(500_000_000L, options.warmupNs);
        assertEquals(2, options.rounds);
        assertEquals(20, options.latencyRate);
        assertEquals("/opt/nats", options.natsServer);
        assertEquals("/tmp/r.md", options.output);
        assertTrue(String.join(" ", options.nodeCommand("b", 9312, "nats://127.0.0.1:4444")).endsWith(
            " -Xms256m -Xmx256m -XX:+UseG1GC -XX:+AlwaysPreTouch --add-exports=java.base/jdk.internal.misc=" +
            "ALL-UNNAMED -Dwsmux.outbound.overflow=drop -jar /tmp/w.jar --mode fanout --port 9312 --threads 1 " +
            "--cluster nats://127.0.0.1:4444 --node b"));
        final List<String> client = options.clientCommand(Variant.CLUSTER_RATE, "ws://127.0.0.1:1/",
            List.of("ws://127.0.0.1:1/", "ws://127.0.0.1:2/", "ws://127.0.0.1:3/"), 42);
        assertTrue(String.join(" ", client).endsWith("-jar /tmp/p.jar fanout --url ws://127.0.0.1:1/ " +
            "--publisher-url ws://127.0.0.1:1/ " +
            "--subscriber-urls ws://127.0.0.1:1/,ws://127.0.0.1:2/,ws://127.0.0.1:3/ --subscribers 30 --topics 1 " +
            "--payload 100 --rate 20 --duration 1500ms --warmup 500ms --server-pid 42 --quiet"), client::toString);
        assertTrue(String.join(" ", options.clientCommand(Variant.SINGLE_MAX, "ws://a/", List.of("ws://a/"), 1))
            .contains(" --subscriber-urls ws://a/ --subscribers 30 --topics 1 --payload 100 --rate max "));
    }

    @Test
    void shouldAlternateWhichGoesFirstFromRoundToRound()
    {
        assertEquals(List.of(Variant.SINGLE_MAX, Variant.CLUSTER_MAX, Variant.SINGLE_RATE, Variant.CLUSTER_RATE),
            Variant.order(1));
        assertEquals(List.of(Variant.CLUSTER_MAX, Variant.SINGLE_MAX, Variant.CLUSTER_RATE, Variant.SINGLE_RATE),
            Variant.order(2));
        assertEquals(Variant.order(1), Variant.order(3));
        assertEquals("cluster, 50/s", Variant.CLUSTER_RATE.label(50));
        assertEquals("single, max", Variant.SINGLE_MAX.label(50));
    }

    @Test
    void shouldNameEachBadOptionInOneLine()
    {
        assertOneLine("cluster-compare: unknown option --servers (--help lists the options)", "--servers", "x");
        assertOneLine("cluster-compare: --subscribers must be a whole number 3..100000: '2' (--help lists the " +
            "options)", "--subscribers", "2");
        assertOneLine("cluster-compare: --payload must be a whole number 33..61440: '32' (--help lists the " +
            "options)", "--payload", "32");
        assertOneLine("cluster-compare: --rounds must be a whole number 1..1000: 'three' (--help lists the " +
            "options)", "--rounds", "three");
        assertOneLine("cluster-compare: --latency-rate must be a whole number 1..1000000: '0' (--help lists the " +
            "options)", "--latency-rate", "0");
        assertOneLine("cluster-compare: --duration must be > 0: '0s' (--help lists the options)", "--duration", "0s");
        assertOneLine("cluster-compare: --warmup must be a duration like 4s or 500ms: '1m' (--help lists the " +
            "options)", "--warmup", "1m");
        assertOneLine("cluster-compare: --node-heap must be a size like 1g or 256m: '1t' (--help lists the " +
            "options)", "--node-heap", "1t");
        assertOneLine("cluster-compare: --jar needs a value (--help lists the options)", "--jar");
        assertOneLine("cluster-compare: unexpected argument 'now' (--help lists the options)", "now");
    }

    @Test
    void shouldSayInOneLineThatNatsServerIsMissing() throws Exception
    {
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final int status = ClusterComparison.run(new String[]{ "--nats-server", "/nonexistent/nats-server",
            "--classpath", "x" }, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));

        assertEquals(ClusterComparison.EXIT_FAILED, status);
        assertEquals("cluster-compare: nats-server not found or not executable: /nonexistent/nats-server (Debian " +
            "package nats-server, or --nats-server PATH)\n", err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void shouldListTheOptionsInTheHelp() throws Exception
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertEquals(0, ClusterComparison.run(new String[]{ "--help" },
            new PrintStream(out, true, StandardCharsets.UTF_8), System.err));
        final String help = out.toString(StandardCharsets.UTF_8);
        for (final String option : List.of("--subscribers", "--payload", "--duration", "--warmup", "--rounds",
            "--latency-rate", "--nats-server", "--jar", "--perf-jar", "--classpath", "--node-heap", "--output"))
        {
            assertTrue(help.contains("  " + option + " "), option);
        }
        for (final String line : help.split("\n"))
        {
            assertTrue(line.length() <= 120, line);
        }
        final ByteArrayOutputStream perfMain = new ByteArrayOutputStream();
        PerfMain.usage(new PrintStream(perfMain, true, StandardCharsets.UTF_8));
        assertTrue(perfMain.toString(StandardCharsets.UTF_8).contains("cluster-compare [options]"));
    }

    @Test
    void shouldReadTheFiguresPerNodeAndTheNatsMessagesPerPublication()
    {
        final Measurement measurement = ClusterComparison.measurement(List.of("progress", RESULT), 0, 30, 3, 1000,
            2000);

        assertTrue(measurement.ok(), measurement::failure);
        assertEquals(90000.5, measurement.deliveriesPerSecond());
        assertEquals(0.667, measurement.crossNodeShare());
        assertEquals(1500, measurement.p50Us());
        assertEquals(12000, measurement.p999Us());
        assertEquals(1000, measurement.publications());
        assertEquals(1.0, measurement.inPerPublication());
        assertEquals(2.0, measurement.outPerPublication());
        assertEquals(3, measurement.nodes().size());
        assertEquals(new ClusterComparison.NodeFigures(30000.25, 1600, 9100, 12000), measurement.nodes().get(1));
    }

    @Test
    void shouldFailARunWithErrorsMissingSubscribersOrANodeThatDeliveredNothing()
    {
        final Measurement errors = ClusterComparison.measurement(
            List.of(RESULT.replace("errors=0", "errors=3")), 1, 30, 3, 1000, 2000);
        assertEquals("errors=3.0, exit status 1", errors.failure());

        final Measurement subscribed = ClusterComparison.measurement(
            List.of(RESULT.replace("subscribersSubscribed=30", "subscribersSubscribed=29")), 0, 30, 3, 1000, 2000);
        assertEquals("subscribed 29.0 of 30", subscribed.failure());

        final Measurement silent = ClusterComparison.measurement(
            List.of(RESULT.replace("node3DeliveriesPerSecond=30000.25", "node3DeliveriesPerSecond=0")), 0, 30, 3,
            1000, 2000);
        assertEquals("node3 (ws://127.0.0.1:3/) delivered nothing", silent.failure());

        assertEquals("client printed no result (exit status 2)",
            ClusterComparison.measurement(List.of("load: bad"), 2, 30, 3, 0, 0).failure());
    }

    @Test
    void shouldPutEveryMetricInTheReport()
    {
        final Options options = Options.parse(new String[]{ "--subscribers", "30", "--rounds", "1" });
        final ClusterComparison comparison = new ClusterComparison(options, System.out);

        final String report = comparison.report(0.5);

        for (final String metric : List.of("| deliveries/s, --rate max |",
            "| deliveries/s per node a / b / c, --rate max |", "| cross-node share of deliveries, --rate max |",
            "| latency p50 at 50/s (ms) |", "| latency p99 at 50/s (ms) |", "| latency p99.9 at 50/s (ms) |",
            "| NATS in-messages per publication, --rate max |", "| NATS out-messages per publication, 50/s |"))
        {
            assertTrue(report.contains(metric), metric + "\n" + report);
        }
        assertTrue(report.contains("- took 0.5 minutes"), report);
    }

    private static void assertOneLine(final String expected, final String... args)
    {
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final int status;
        try
        {
            status = ClusterComparison.run(args, new PrintStream(new ByteArrayOutputStream(), true,
                StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        }
        catch (final Exception ex)
        {
            throw new AssertionError(ex);
        }
        assertEquals(ClusterComparison.EXIT_USAGE, status);
        assertEquals(expected + "\n", err.toString(StandardCharsets.UTF_8));
    }
}
