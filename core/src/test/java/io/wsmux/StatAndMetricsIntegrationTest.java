package io.wsmux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.wsmux.status.CountersFile;
import io.wsmux.status.PrometheusText;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The two ways to read a running server from outside: {@code stat} on a server in another JVM, and the Prometheus
 * text of {@code /metrics}, checked by {@code promtool check metrics} (Debian's prometheus package: the test fails,
 * it does not skip, when promtool is missing), with {@code /health} answering 503 while the server drains.
 */
class StatAndMetricsIntegrationTest
{
    private static final Pattern LISTENING = Pattern.compile("ws://127\\.0\\.0\\.1:(\\d+)/");

    @TempDir
    Path countersDir;

    @Test
    @Timeout(60)
    void shouldShowAServerRunningInAnotherJvmWithStat() throws Exception
    {
        final Process server = ChildJvm.launch(List.of("-Dwsmux.counters.dir=" + countersDir, "-Dwsmux.io.threads=2"),
            ProcessBuilder.Redirect.PIPE, ProcessBuilder.Redirect.DISCARD, "--mode", "echo", "--port", "0");
        try
        {
            final int port = port(server);
            for (int i = 0; i < 3; i++)
            {
                try (HostileClient client = HostileClient.connect(port).upgrade("/"))
                {
                    client.sendText("hello " + i);
                    assertEquals("hello " + i, client.readFrame().text());
                    client.sendClose(1000, "");
                    client.readFrame();
                }
            }

            final ByteArrayOutputStream out = new ByteArrayOutputStream();
            final ByteArrayOutputStream err = new ByteArrayOutputStream();
            final int status = Main.run(new String[]{ "stat", "--dir", countersDir.toString(), "--pid",
                Long.toString(server.pid()), "--interval", "200ms", "--count", "2" }, new Properties(),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));

            final String screens = out.toString(StandardCharsets.UTF_8);
            assertEquals(Main.EXIT_OK, status, err.toString(StandardCharsets.UTF_8));
            assertEquals(2, screens.split("wsmux stat: pid " + server.pid(), -1).length - 1, screens);
            assertTrue(screens.contains("2 loop(s)"), screens);
            assertEquals(3, total(screens, "handshakes"), screens);
            assertEquals(3, total(screens, "messages in"), screens);
            assertEquals(3, total(screens, "closed normal"), screens);
            assertEquals(0, total(screens, "connections open"), screens);

            final ByteArrayOutputStream wrongErr = new ByteArrayOutputStream();
            assertEquals(Main.EXIT_FAILURE, Main.run(new String[]{ "stat", "--dir", countersDir.toString(), "--pid",
                "1", "--count", "1" }, new Properties(), new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(wrongErr, true, StandardCharsets.UTF_8)));
            assertTrue(wrongErr.toString(StandardCharsets.UTF_8).startsWith("wsmux: no wsmux counters file of pid 1"),
                wrongErr.toString(StandardCharsets.UTF_8));
        }
        finally
        {
            server.destroy(); // SIGTERM: the shutdown hook closes the server, which removes its file
            if (!server.waitFor(20, TimeUnit.SECONDS))
            {
                server.destroyForcibly();
                fail("the server did not stop");
            }
        }
        assertEquals(0, CountersFile.list(countersDir.toString()).length, "a clean close removes the counters file");
    }

    @Test
    @Timeout(60)
    void shouldServeMetricsThatPromtoolAcceptsAndAHealthThatTurns503WhileDraining() throws Exception
    {
        final int adminPort;
        try (ServerSocket probe = new ServerSocket(0))
        {
            adminPort = probe.getLocalPort();
        }
        final Multiplexer multiplexer = Multiplexer.builder()
            .topicPrefix("prices.", TopicOptions.LATEST)
            .topic("news \"quoted\"", TopicOptions.RELIABLE)
            .build();
        final WsmuxServer server = WsmuxServer.builder(new WsmuxSettings()
                .port(0)
                .ioThreads(2)
                .countersDir(countersDir.toString())
                .adminPort(adminPort)
                .shutdownTimeoutNs(TimeUnit.SECONDS.toNanos(3)))
            .mux("/mux", multiplexer)
            .endpoint("/echo", new WebSocketHandler()
            {
            })
            .build()
            .start();
        final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        final URI metrics = URI.create("http://127.0.0.1:" + adminPort + "/metrics");
        final URI health = URI.create("http://127.0.0.1:" + adminPort + "/health");
        try (HostileClient stubborn = HostileClient.connect(server.port()).upgrade("/echo"))
        {
            multiplexer.topic("prices.a").publish("1");

            final HttpResponse<String> response = http.send(HttpRequest.newBuilder(metrics).build(),
                HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode());
            assertEquals(PrometheusText.CONTENT_TYPE, response.headers().firstValue("Content-Type").orElse(""));
            final String text = response.body();
            assertTrue(text.contains("# TYPE wsmux_connections_accepted_total counter\n"), text);
            assertTrue(text.contains("wsmux_connections_accepted_total{loop=\"0\"} "), text);
            assertTrue(text.contains("# TYPE wsmux_queued_bytes gauge\n"), text);
            assertTrue(text.contains("wsmux_connections_closed_total{loop=\"1\",class=\"abnormal\"} 0\n"), text);
            assertTrue(text.contains("wsmux_topic_subscribers{loop=\"0\",family=\"prices.\"} 0\n"), text);
            assertTrue(text.contains("family=\"news \\\"quoted\\\"\""), text);
            promtoolCheckMetrics(text);

            assertEquals(200, http.send(HttpRequest.newBuilder(health).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode());

            // The stubborn client never answers the 1001: close() waits for it, and meanwhile /health says 503.
            final CompletableFuture<Void> closing = CompletableFuture.runAsync(server::close);
            final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            int status = 200;
            while (200 == status && System.nanoTime() - deadlineNs < 0)
            {
                status = http.send(HttpRequest.newBuilder(health).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode();
            }
            assertEquals(503, status);
            assertFalse(closing.isDone(), "the drain should still be waiting for the stubborn client");
            closing.get(10, TimeUnit.SECONDS);
        }
        finally
        {
            server.close();
        }
        assertEquals(0, CountersFile.list(countersDir.toString()).length, "a clean close removes the counters file");
    }

    private static void promtoolCheckMetrics(final String text) throws Exception
    {
        final Path file = Files.createTempFile("wsmux-metrics", ".txt");
        try
        {
            Files.writeString(file, text);
            final Process promtool;
            try
            {
                promtool = new ProcessBuilder("promtool", "check", "metrics")
                    .redirectInput(file.toFile())
                    .redirectErrorStream(true)
                    .start();
            }
            catch (final IOException ex)
            {
                fail("promtool not found: install Debian's prometheus package (scripts/test.sh does): " +
                    ex.getMessage());
                return;
            }
            final String output = new String(promtool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(promtool.waitFor(30, TimeUnit.SECONDS), "promtool did not finish");
            assertEquals(0, promtool.exitValue(), "promtool check metrics: " + output);
        }
        finally
        {
            Files.deleteIfExists(file);
        }
    }

    private static long total(final String screens, final String counter)
    {
        // the last screen's row: name, total, rate, per loop
        final Matcher matcher = Pattern.compile("(?m)^" + Pattern.quote(counter) + " +(\\d+)").matcher(screens);
        long total = -1;
        while (matcher.find())
        {
            total = Long.parseLong(matcher.group(1));
        }
        return total;
    }

    private static int port(final Process server) throws Exception
    {
        final BufferedReader reader = new BufferedReader(
            new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
        final String line = CompletableFuture.supplyAsync(() ->
        {
            try
            {
                return reader.readLine();
            }
            catch (final IOException ex)
            {
                return null;
            }
        }).get(30, TimeUnit.SECONDS);
        final Matcher matcher = LISTENING.matcher(null == line ? "" : line);
        assertTrue(matcher.find(), "server said: " + line);
        return Integer.parseInt(matcher.group(1));
    }

}
