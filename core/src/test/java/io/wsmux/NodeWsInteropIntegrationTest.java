package io.wsmux;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.wsmux.status.SystemCounter;
import org.agrona.DirectBuffer;
import io.wsmux.transport.tls.TestCertificates;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Node's {@code ws} client (installed by Maven with {@code npm ci} into {@code src/test/node/node_modules}) against
 * the echo server: {@code src/test/node/echo-client.js} checks text, binary, 1 MiB messages, ping/pong and the close
 * handshake, and exits 0 only when every check passed. Node missing is a failure, not a skip.
 */
class NodeWsInteropIntegrationTest
{
    private static final long PROCESS_TIMEOUT_SECONDS = 40;
    /** The script sends 1 MiB messages: the outbound budget must hold one echo (see ClientInteropIntegrationTest). */
    private static final int OUTBOUND_BUDGET = 8 * 1024 * 1024;

    private final BlockingQueue<String> closes = new LinkedBlockingQueue<>();
    private final BlockingQueue<String> opens = new LinkedBlockingQueue<>();
    private final ConcurrentLinkedQueue<Throwable> serverErrors = new ConcurrentLinkedQueue<>();
    private WsmuxServer server;

    void startServer(final boolean deflate) throws IOException
    {
        startServer(deflate, null);
    }

    void startServer(final boolean deflate, final TestCertificates tls) throws IOException
    {
        final EchoHandler echo = new EchoHandler();
        final WebSocketHandler handler = new WebSocketHandler()
        {
            @Override
            public void onOpen(final Connection connection)
            {
                opens.add(connection.path() + " " + connection.handshake().header("Sec-WebSocket-Extensions"));
            }

            @Override
            public void onText(
                final Connection connection, final DirectBuffer buffer, final int offset, final int length)
            {
                echo.onText(connection, buffer, offset, length);
            }

            @Override
            public void onBinary(
                final Connection connection, final DirectBuffer buffer, final int offset, final int length)
            {
                echo.onBinary(connection, buffer, offset, length);
            }

            @Override
            public void onClose(final Connection connection, final int code, final String reason)
            {
                closes.add(code + " " + reason);
            }
        };

        final WsmuxSettings settings = new WsmuxSettings();
        if (null != tls)
        {
            settings.tlsPort(0).tlsCert(tls.serverChainPem().toString()).tlsKey(tls.serverKeyPem().toString());
        }
        server = WsmuxServer.builder(settings
            .port(0)
            .ioThreads(2)
            .maxFrameLength(16 << 20)
            .maxMessageLength(16 << 20)
            .outboundBudget(OUTBOUND_BUDGET)
            .deflate(deflate))
            .anyPath(handler)
            .errorHandler(serverErrors::add)
            .build()
            .start();
    }

    @AfterEach
    void closeServer()
    {
        if (null != server)
        {
            server.close();
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"plain", "deflate", "tls"})
    @Timeout(60)
    void shouldPassEveryCheckOfNodeWsEchoClient(final String mode, @TempDir final Path certificates) throws Exception
    {
        final boolean tls = "tls".equals(mode);
        final boolean deflate = !"plain".equals(mode);
        final TestCertificates tlsCertificates = tls ? TestCertificates.create(certificates) : null;
        startServer(deflate, tlsCertificates);
        final Path nodeDir = Paths.get(System.getProperty("user.dir"), "src", "test", "node").toAbsolutePath();
        final Path script = nodeDir.resolve("echo-client.js");
        assertTrue(Files.isRegularFile(script), () -> "missing " + script);
        assertTrue(Files.isRegularFile(nodeDir.resolve("node_modules/ws/package.json")),
            () -> "Node's ws is not installed in " + nodeDir + "/node_modules: Maven installs it with 'npm ci' in " +
            "generate-test-resources (run the build with tests enabled, e.g. mvn -pl core verify)");

        final String url = tls ? "wss://localhost:" + server.tlsPort() + "/node" :
            "ws://127.0.0.1:" + server.port() + "/node";
        final ProcessBuilder builder = (tls ?
            new ProcessBuilder("node", script.toString(), url, mode, tlsCertificates.caPem().toString()) :
            new ProcessBuilder("node", script.toString(), url, mode))
            .directory(nodeDir.toFile())
            .redirectErrorStream(true);
        final Process process;
        try
        {
            process = builder.start();
        }
        catch (final IOException ex)
        {
            fail("cannot run 'node' (is Node.js installed and on the PATH? the test needs it): " + ex.getMessage(), ex);
            return;
        }

        final OutputCollector output = new OutputCollector(process.getInputStream());
        output.start();
        final boolean exited = process.waitFor(PROCESS_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        if (!exited)
        {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
        output.join(TimeUnit.SECONDS.toMillis(5));
        final String text = output.text();
        assertTrue(exited, () -> "node echo-client.js did not exit within " + PROCESS_TIMEOUT_SECONDS + " s:\n" + text);
        assertEquals(0, process.exitValue(), () -> "node echo-client.js failed:\n" + text);
        assertTrue(text.contains("ok all checks passed"), () -> "unexpected output:\n" + text);

        final String opened = opens.poll(5, TimeUnit.SECONDS);
        assertNotNull(opened, "the server saw no onOpen");
        assertTrue(opened.startsWith("/node permessage-deflate"), () -> "ws offers permessage-deflate: " + opened);
        assertEquals("1000 node done", closes.poll(5, TimeUnit.SECONDS), "the server's onClose");
        ClientInteropIntegrationTest.awaitNoOpenConnections(server);
        assertTrue(serverErrors.isEmpty(), () -> "server reported errors: " + serverErrors);
        if (deflate)
        {
            // Both directions compressed: ws compresses all it sends; the server its echoes of 128 bytes or more.
            awaitCounterAtLeast(SystemCounter.DEFLATE_CONNECTIONS, 1);
            awaitCounterAtLeast(SystemCounter.DEFLATE_INFLATED, 25);
            awaitCounterAtLeast(SystemCounter.DEFLATE_COMPRESSED, 20);
            if (tls)
            {
                awaitCounterAtLeast(SystemCounter.TLS_HANDSHAKES, 1);
            }
        }
        else
        {
            assertEquals(0, server.counter(SystemCounter.DEFLATE_CONNECTIONS));
        }
    }

    private void awaitCounterAtLeast(final SystemCounter counter, final long expected) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (server.counter(counter) < expected && System.nanoTime() < deadline)
        {
            Thread.sleep(10);
        }
        assertTrue(server.counter(counter) >= expected, () -> counter + "=" + server.counter(counter));
    }

    /**
     * Drains a process's output so it cannot block on a full pipe.
     */
    static final class OutputCollector extends Thread
    {
        private final InputStream in;
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        OutputCollector(final InputStream in)
        {
            super("node-output");
            setDaemon(true);
            this.in = in;
        }

        @Override
        public void run()
        {
            final byte[] buffer = new byte[4096];
            try
            {
                int read;
                while ((read = in.read(buffer)) >= 0)
                {
                    synchronized (bytes)
                    {
                        bytes.write(buffer, 0, read);
                    }
                }
            }
            catch (final IOException ignore)
            {
                // The process was killed: keep what was read.
            }
        }

        String text()
        {
            synchronized (bytes)
            {
                return bytes.toString(StandardCharsets.UTF_8);
            }
        }
    }
}
