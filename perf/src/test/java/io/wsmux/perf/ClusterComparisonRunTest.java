package io.wsmux.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cluster-compare} for real, as short as it goes: nats-server and three wsmux node JVMs, 30 subscribers, one
 * round of four one-second runs of the load generator, all from the test class path (the jars are not built yet in
 * the test phase). Needs Debian's nats-server, as core's cluster tests do: scripts/test.sh installs it, and without
 * it the test fails rather than skips.
 */
class ClusterComparisonRunTest
{
    private static final String NATS_SERVER = System.getProperty("nats.server.path", "/usr/sbin/nats-server");
    private static final String NUMBER = "([0-9][0-9,.]*)";

    @Test
    @Timeout(180)
    void shouldMeasureFanOutAcrossThreeNodesAgainstOne(@TempDir final Path directory) throws Exception
    {
        assertTrue(new File(NATS_SERVER).canExecute(),
            "nats-server is needed at " + NATS_SERVER + " (Debian package nats-server; scripts/test.sh installs it)");
        final Path report = directory.resolve("cluster-comparison.md");
        final String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();

        final int status = ClusterComparison.run(new String[]{ "--subscribers", "30", "--rounds", "1",
            "--duration", "1s", "--warmup", "500ms", "--latency-rate", "50", "--node-heap", "256m",
            "--nats-server", NATS_SERVER, "--classpath", classpath, "--output", report.toString() },
            new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));

        final String printed = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, status, printed + err.toString(StandardCharsets.UTF_8));
        final String table = Files.readString(report);
        assertTrue(printed.contains(table.lines().findFirst().orElseThrow()), printed);

        final Matcher deliveries = row(table, "deliveries/s, --rate max");
        assertTrue(number(deliveries.group(1)) > 0, deliveries.group());
        assertTrue(number(deliveries.group(2)) > 0, deliveries.group());

        final Matcher perNode = Pattern.compile("\\| deliveries/s per node a / b / c, --rate max \\| - \\| " +
            NUMBER + " / " + NUMBER + " / " + NUMBER + " \\|").matcher(table);
        assertTrue(perNode.find(), table);
        for (int node = 1; node <= 3; node++)
        {
            assertTrue(number(perNode.group(node)) > 0, perNode.group());
        }

        final Matcher share = row(table, "cross-node share of deliveries, --rate max");
        assertEquals(0, number(share.group(1)), share.group());
        // Subscribers 10 on each node: two thirds of the deliveries are on b and c.
        assertEquals(0.667, number(share.group(2)), 0.05, share.group());

        for (final String percentile : new String[]{ "p50", "p99", "p99.9" })
        {
            final Matcher latency = row(table, "latency " + percentile + " at 50/s (ms)");
            assertTrue(number(latency.group(1)) > 0 && number(latency.group(2)) > 0, latency.group());
        }

        for (final String rate : new String[]{ "--rate max", "50/s" })
        {
            final Matcher in = row(table, "NATS in-messages per publication, " + rate);
            for (int variant = 1; variant <= 2; variant++)
            {
                final double perPublication = number(in.group(variant));
                assertTrue(perPublication >= 0.9 && perPublication <= 1.2, in.group());
            }
            final Matcher outMessages = row(table, "NATS out-messages per publication, " + rate);
            assertEquals(0, number(outMessages.group(1)), 0.1, outMessages.group());
            assertEquals(2, number(outMessages.group(2)), 0.2, outMessages.group());
        }
        assertTrue(table.contains("| good runs, --rate max; 50/s | 1/1; 1/1 | 1/1; 1/1 | |"), table);
        assertTrue(table.contains("--subscriber-urls ws://127.0.0.1:"), table);
    }

    /**
     * @return the row's single and cluster medians as groups 1 and 2.
     */
    private static Matcher row(final String table, final String metric)
    {
        final Matcher matcher = Pattern.compile("\\| " + Pattern.quote(metric) + " \\| " + NUMBER +
            " \\[[^]]*\\] \\| " + NUMBER + " \\[[^]]*\\] \\|").matcher(table);
        assertTrue(matcher.find(), metric + "\n" + table);
        return matcher;
    }

    private static double number(final String text)
    {
        return Double.parseDouble(text.replace(",", ""));
    }
}
