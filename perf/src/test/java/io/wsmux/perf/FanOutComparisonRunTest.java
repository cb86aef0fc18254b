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
 * not built yet in the test phase).
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
        final String printed = run(report, "--client", "java");

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

        run(report);

        final String table = Files.readString(report);
        assertWsmuxRow(table);
        assertTrue(table.contains("client (native) to CPU 1"), table);
        assertTrue(table.contains("fanout_client --host 127.0.0.1 --port "), table);
    }

    private static String run(final Path report, final String... more) throws Exception
    {
        final String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final List<String> args = new ArrayList<>(List.of("--servers", "wsmux", "--scenarios", "1x50",
            "--rounds", "1", "--duration", "1s", "--warmup", "500ms",
            "--classpath", classpath, "--port", String.valueOf(freePort()), "--output", report.toString()));
        args.addAll(List.of(more));

        final int status = FanOutComparison.run(args.toArray(new String[0]),
            new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));

        final String printed = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, status, printed + err.toString(StandardCharsets.UTF_8));
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
