package io.wsmux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The runnable jar's start-up: a bad option or setting ends with exit status 2 and one line on standard error,
 * {@code wsmux: <message>}, naming the option or property, the value and what is accepted; never a stack trace.
 * Nothing here starts a server: each case fails before binding.
 */
class MainTest
{
    private static final ProcessBuilder.Redirect DISCARD = ProcessBuilder.Redirect.DISCARD;
    private static final ProcessBuilder.Redirect PIPE = ProcessBuilder.Redirect.PIPE;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @Test
    void shouldRejectPortThatIsNotANumber()
    {
        assertEquals(Main.EXIT_USAGE, run(new Properties(), "--port", "abc"));

        assertEquals("wsmux: --port abc is not valid: use a whole number in [0, 65535]", errorLine());
    }

    @Test
    void shouldRejectPortOutOfRange()
    {
        assertEquals(Main.EXIT_USAGE, run(new Properties(), "--mode", "echo", "--port", "70000"));

        assertEquals("wsmux: --port 70000 is not valid: use a whole number in [0, 65535]", errorLine());
    }

    @Test
    void shouldRejectUnknownOption()
    {
        assertEquals(Main.EXIT_USAGE, run(new Properties(), "--bogus"));

        assertEquals("wsmux: --bogus is not an option: use stat, --mode, --port, --admin-port, --bind, --threads, " +
            "--tls-port, --tls-cert, --tls-key, --tls-keystore, --cluster, --node, --no-feed or --help", errorLine());
    }

    @Test
    void shouldRejectNoFeedOutsideTheDemo()
    {
        assertEquals(Main.EXIT_USAGE, run(new Properties(), "--mode", "echo", "--no-feed"));

        assertEquals("wsmux: --no-feed applies to --mode demo only (mode echo has no price feed)", errorLine());
    }

    @Test
    void shouldRejectOptionWithoutValue()
    {
        assertEquals(Main.EXIT_USAGE, run(new Properties(), "--threads"));

        assertEquals("wsmux: --threads needs a value: a whole number in [1, 256]", errorLine());
    }

    @Test
    void shouldRejectThreadsOutOfRange()
    {
        assertEquals(Main.EXIT_USAGE, run(new Properties(), "--threads", "0"));

        assertEquals("wsmux: --threads 0 is not valid: use a whole number in [1, 256]", errorLine());
    }

    @Test
    void shouldRejectUnknownMode()
    {
        assertEquals(Main.EXIT_USAGE, run(new Properties(), "--mode", "turbo"));

        assertEquals("wsmux: --mode turbo is not valid: use demo, echo, fanout or sockjs-test", errorLine());
    }

    @Test
    void shouldRejectBindAddressThatDoesNotResolve()
    {
        assertEquals(Main.EXIT_USAGE, run(new Properties(), "--bind", "no-such-host.invalid"));

        assertTrue(errorLine().startsWith("wsmux: --bind no-such-host.invalid is not valid: use an IP address"));
    }

    @Test
    void shouldRejectMalformedProperty()
    {
        final Properties properties = new Properties();
        properties.setProperty(WsmuxSettings.IDLE_MODE_PROP_NAME, "turbo");

        assertEquals(Main.EXIT_USAGE, run(properties, "--mode", "echo", "--port", "0"));

        assertEquals("wsmux: wsmux.idle.mode=turbo is not valid: use blocking, backoff or spin", errorLine());
    }

    @Test
    void shouldRejectPropertyOutOfRangeWhenServerIsBuilt()
    {
        final Properties properties = new Properties();
        properties.setProperty(WsmuxSettings.READ_BUFFER_LENGTH_PROP_NAME, "512");

        assertEquals(Main.EXIT_USAGE, run(properties, "--mode", "echo", "--port", "0"));

        assertEquals("wsmux: wsmux.read.buffer.length must be a size of at least 1k: readBufferLength=512",
            errorLine());
    }

    @Test
    void shouldRejectMisspelledProperty()
    {
        final Properties properties = new Properties();
        properties.setProperty("wsmux.idle.timout", "5s");

        assertEquals(Main.EXIT_USAGE, run(properties, "--mode", "echo", "--port", "0"));

        assertTrue(errorLine().contains("did you mean wsmux.idle.timeout?"), errorLine());
    }

    @Test
    void shouldPrintHelpEvenWithBadProperty()
    {
        final Properties properties = new Properties();
        properties.setProperty(WsmuxSettings.PORT_PROP_NAME, "abc");

        assertEquals(Main.EXIT_OK, run(properties, "--help"));

        assertEquals("", err.toString(StandardCharsets.UTF_8));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("outbound budget 32 MiB"));
    }

    @Test
    @Timeout(60)
    void shouldExitNonZeroWithOneLineAndNoStackTraceWhenJarIsRunWithBadOption() throws Exception
    {
        final Process process = ChildJvm.launch(List.of(), DISCARD, PIPE, "--port", "abc");

        assertProcessFailsWithOneLine(process, "wsmux: --port abc is not valid: use a whole number in [0, 65535]");
    }

    @Test
    @Timeout(60)
    void shouldExitNonZeroWithOneLineAndNoStackTraceWhenJarIsRunWithBadProperty() throws Exception
    {
        final Process process = ChildJvm.launch(
            List.of("-Dwsmux.read.buffer.length=abc"), DISCARD, PIPE, "--mode", "echo", "--port", "0");

        assertProcessFailsWithOneLine(process, "wsmux: wsmux.read.buffer.length=abc is not a size: use a whole " +
            "number of bytes with an optional k, m or g suffix, such as 64k");
    }

    private int run(final Properties properties, final String... args)
    {
        return Main.run(args, properties, new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String errorLine()
    {
        final String text = err.toString(StandardCharsets.UTF_8);
        final String[] lines = text.split("\\R");
        assertEquals(1, lines.length, text);
        assertFalse(text.contains("Exception") || text.contains("\tat "), text);
        return lines[0];
    }

    private static void assertProcessFailsWithOneLine(final Process process, final String expectedLine)
        throws Exception
    {
        final boolean exited = process.waitFor(30, TimeUnit.SECONDS); // one line fits the pipe: no reader needed
        if (!exited)
        {
            process.destroyForcibly();
        }
        assertTrue(exited, "the process did not exit: it started a server");
        final String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);

        assertNotEquals(0, process.exitValue(), stderr);
        final String[] lines = stderr.split("\\R");
        assertEquals(1, lines.length, stderr);
        assertFalse(stderr.contains("Exception"), stderr);
        assertFalse(stderr.contains("at io."), stderr);
        assertEquals(expectedLine, lines[0]);
    }
}
