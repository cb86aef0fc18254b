package io.wsmux.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.wsmux.perf.load.NativeClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code fanout-compare} for real, as short as it goes: one wsmux server JVM and one client, the Java load generator
 * in a JVM or the native client (built with gcc where there is one), started from the test class path (the jars are
 * not built yet in the test phase); and {@code --deflate} on its three servers.
 */
class FanOutComparisonRunTest
{
    private static final Pattern WSMUX_ROW =
        Pattern.compile("\\| 1x50 \\| wsmux \\| ([0-9,]+) \\[[0-9,]+-[0-9,]+\\] \\| ([0-9,.]+) \\[.*\\| 1/1 \\|");

    @Test
    @Timeout(60)
    void shouldMeasureWsmuxWithTheJavaClient(@TempDir final Path directory) throws Exception
    {
        final Path report = directory.resolve("fanout-comparison.md");
        final String printed = run(report, 0, "--servers", "wsmux", "--client", "java");

        final String table = Files.readString(report);
        assertWsmuxRow(table);
        assertTrue(printed.contains(table.lines().findFirst().orElseThrow()), printed);
        assertTrue(table.contains("0.5 s of warm-up in each fresh server JVM"), table);
        assertTrue(table.contains("fanout --url ws://127.0.0.1:"), table);
    }

    @Test
    @Timeout(120)
    void shouldBuildAndUseTheNativeClientByDefault(@TempDir final Path directory) throws Exception
    {
        assumeTrue(NativeClient.compilerAvailable(), "gcc is not installed");
        final Path report = directory.resolve("fanout-comparison.md");

        run(report, 0, "--servers", "wsmux");

        final String table = Files.readString(report);
        assertWsmuxRow(table);
        assertTrue(table.contains("client (native) to CPU 1"), table);
        assertTrue(table.contains("fanout_client --host 127.0.0.1 --port "), table);
    }

    /**
     * wsmux uncompressed, wsmux compressed and Netty epoll compressed, one round of 1x50. Until the Java client offers
     * permessage-deflate, the compressed runs must fail and say why (and the run exit with 1): the servers, the
     * commands and the failure path are checked. Once it does, every run must succeed, compressed, with the goals'
     * table filled and wsmux compressing each publication once.
     */
    @Test
    @Timeout(240)
    void shouldCompareCompressionOnItsThreeServers(@TempDir final Path directory) throws Exception
    {
        final boolean clientDeflates = DeflateSupport.clientOffersDeflate();
        final Path report = directory.resolve("fanout-comparison.md");

        run(report, clientDeflates ? 0 : 1, "--deflate");

        final String table = Files.readString(report);
        assertTrue(table.contains("Fan-out comparison with permessage-deflate"), table);
        assertTrue(table.contains("1024-byte payloads of JSON price ticks"), table);
        assertTrue(table.contains("--transport epoll --threads 1 --deflate"), table);
        assertTrue(table.contains("# client (java) for wsmux-deflate, first run"), table);
        assertTrue(table.contains("--payload-kind ticks --deflate"), table);
        assertTrue(Pattern.compile("\\| 1x50 \\| wsmux \\| [0-9,]+ \\[.*\\| - \\| - \\| [0-9.]+ \\| 1/1 \\|")
            .matcher(table).find(), table);
        if (clientDeflates)
        {
            for (final String server : List.of("wsmux-deflate", "netty-epoll-deflate"))
            {
                final Matcher row = Pattern.compile("\\| 1x50 \\| " + server + " \\| [0-9,]+ \\[.*\\| " +
                    "([0-9.,]+) \\| ([0-9.]+) \\| [0-9.]+ \\| 1/1 \\|").matcher(table);
                assertTrue(row.find(), table);
                assertTrue(Double.parseDouble(row.group(2)) > 1.5, row.group());
            }
            final Matcher goals = Pattern.compile("\\| 1x50 \\| [0-9.]+ \\| (met|NOT met) \\| [0-9.]+ \\| " +
                "(met|NOT met) \\| [0-9,.]+ \\| [0-9,.]+ \\| [0-9.]+ \\| ([0-9.]+) \\|").matcher(table);
            assertTrue(goals.find(), table);
            final double perPublication = Double.parseDouble(goals.group(3));
            assertTrue(perPublication > 0.5 && perPublication <= 1, goals.group());
        }
        else
        {
            assertTrue(table.contains("| 1x50 | wsmux-deflate | FAILED | FAILED | - | - | - | 0/1 |"), table);
            assertTrue(table.contains("| 1x50 | netty-epoll-deflate | FAILED | FAILED | - | - | - | 0/1 |"), table);
            assertTrue(table.contains("- 1x50 round 1 wsmux-deflate: permessage-deflate not in effect"), table);
            assertTrue(table.contains("- 1x50 round 1 netty-epoll-deflate: permessage-deflate not in effect"), table);
        }
    }

    private static String run(final Path report, final int expectedStatus, final String... more) throws Exception
    {
        final String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final List<String> args = new ArrayList<>(List.of("--scenarios", "1x50",
            "--rounds", "1", "--duration", "1s", "--warmup", "500ms",
            "--classpath", classpath, "--port", String.valueOf(freePort()), "--output", report.toString()));
        args.addAll(List.of(more));

        final int status = FanOutComparison.run(args.toArray(new String[0]),
            new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));

        final String printed = out.toString(StandardCharsets.UTF_8);
        assertEquals(expectedStatus, status, printed + err.toString(StandardCharsets.UTF_8));
        return printed;
    }

    private static void assertWsmuxRow(final String table)
    {
        final Matcher row = WSMUX_ROW.matcher(table);
        assertTrue(row.find(), table);
        assertTrue(Double.parseDouble(row.group(1).replace(",", "")) > 0, row.group());
        assertTrue(Double.parseDouble(row.group(2).replace(",", "")) > 0, row.group());
    }

    private static int freePort() throws IOException
    {
        try (ServerSocket socket = new ServerSocket(0))
        {
            return socket.getLocalPort();
        }
    }
}
