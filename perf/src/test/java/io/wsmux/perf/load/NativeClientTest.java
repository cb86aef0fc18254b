package io.wsmux.perf.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.wsmux.Main;
import io.wsmux.WsmuxServer;
import io.wsmux.WsmuxSettings;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The native fan-out client ({@link NativeClient}), compiled with gcc, against an in-process server configured as
 * {@code --mode fanout}: everything delivered, intact and in order, and a bad command line refused with exit status
 * 2 and one line naming the option. Skipped only when there is no gcc.
 */
@Timeout(180)
class NativeClientTest
{
    private static final long PROCESS_TIMEOUT_S = 90;
    private static Path client;

    @TempDir
    Path output;

    @BeforeAll
    static void build() throws IOException
    {
        assumeTrue(NativeClient.compilerAvailable(), "no gcc on this machine");
        client = NativeClient.build();
    }

    @Test
    void shouldDeliverEveryPublicationInOrderToEverySubscriber() throws Exception
    {
        try (WsmuxServer server = fanOutServer())
        {
            final Result result = run(
                "--port", Integer.toString(server.port()),
                "--subscribers", "50",
                "--topics", "2",
                "--duration", "1",
                "--warmup", "0.3",
                "--server-pid", Long.toString(ProcessHandle.current().pid()),
                "--quiet");

            assertEquals(0, result.status, result::toString);
            assertEquals(1, result.stdout.size(), result::toString);
            final String json = result.stdout.get(0);
            assertTrue(json.startsWith("{\"client\":\"native\","), json);
            assertEquals(0, number(json, "errors"), json);
            assertEquals(50, number(json, "subscribed"), json);
            assertEquals(50, number(json, "subscribers"), json);
            assertEquals(0, number(json, "missing"), json);
            assertEquals(0, number(json, "outOfOrder"), json);
            assertEquals(0, number(json, "connectFailures"), json);
            assertTrue(number(json, "deliveries") > 0, json);
            assertTrue(number(json, "publications") > 0, json);
            assertTrue(number(json, "seconds") > 0.9, json);
            assertTrue(number(json, "serverCores") >= 0, json); // -1 would mean the server's CPU was not read
            assertTrue(number(json, "deliveriesPerRecv") >= 1, json);
        }
    }

    @Test
    void shouldRejectUnknownOptionWithOneLineAndStatus2() throws Exception
    {
        final Result result = run("--port", "1", "--subscribers", "1", "--topics", "1", "--bogus");

        assertEquals(2, result.status, result::toString);
        assertEquals(List.of(), result.stdout, result::toString);
        assertEquals(1, result.stderr.size(), result::toString);
        assertTrue(result.stderr.get(0).contains("--bogus"), result::toString);
    }

    @Test
    void shouldRejectBadValueWithOneLineNamingTheOption() throws Exception
    {
        final Result result = run("--port", "1", "--subscribers", "many", "--topics", "1");

        assertEquals(2, result.status, result::toString);
        assertEquals(List.of(), result.stdout, result::toString);
        assertEquals(1, result.stderr.size(), result::toString);
        assertTrue(result.stderr.get(0).contains("--subscribers"), result::toString);
        assertTrue(result.stderr.get(0).contains("many"), result::toString);
    }

    private Result run(final String... args) throws IOException, InterruptedException
    {
        final List<String> command = new ArrayList<>();
        command.add(client.toString());
        command.addAll(List.of(args));
        final Path stdout = output.resolve("stdout");
        final Path stderr = output.resolve("stderr");
        final Process process = new ProcessBuilder(command)
            .redirectOutput(stdout.toFile())
            .redirectError(stderr.toFile())
            .start();
        if (!process.waitFor(PROCESS_TIMEOUT_S, TimeUnit.SECONDS))
        {
            process.destroyForcibly().waitFor();
            throw new AssertionError(client + " did not finish in " + PROCESS_TIMEOUT_S + " s: " +
                Files.readString(stderr, StandardCharsets.UTF_8));
        }
        return new Result(process.exitValue(), Files.readAllLines(stdout, StandardCharsets.UTF_8),
            Files.readAllLines(stderr, StandardCharsets.UTF_8));
    }

    private static double number(final String json, final String key)
    {
        final Matcher matcher = Pattern.compile("\"" + key + "\":(-?[0-9.]+)[,}]").matcher(json);
        assertTrue(matcher.find(), () -> key + " missing from " + json);
        return Double.parseDouble(matcher.group(1));
    }

    private record Result(int status, List<String> stdout, List<String> stderr)
    {
    }

    /**
     * Configured like {@code --mode fanout}: topics {@code bench.*}, and {@code publish.<topic>} channels that
     * publish what they receive.
     */
    private static WsmuxServer fanOutServer() throws IOException
    {
        return WsmuxServer.builder(new WsmuxSettings().port(0)).mux("/", Main.fanOutMultiplexer()).build().start();
    }
}
