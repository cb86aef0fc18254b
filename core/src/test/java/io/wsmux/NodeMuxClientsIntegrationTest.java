package io.wsmux;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Node clients of the multiplexed endpoint, run as processes from {@code src/test/node} (Maven installs their
 * dependencies there with {@code npm ci}): {@code multiplex-client.js} drives the real {@code websocket-multiplex}
 * 0.1.0 client over Node's {@code ws} (text protocol); {@code wsmux-client.js} fetches the browser client from the
 * server's {@code /wsmux.js} and drives it over each protocol. Each script exits 0 only when every check passed.
 * Node missing is a failure, not a skip.
 */
class NodeMuxClientsIntegrationTest
{
    private static final long PROCESS_TIMEOUT_SECONDS = 30;
    private static final String MUX_PATH = "/mux";

    private final BlockingQueue<String> serviceEvents = new LinkedBlockingQueue<>();
    private final ConcurrentLinkedQueue<Throwable> serverErrors = new ConcurrentLinkedQueue<>();
    private final Set<Connection> chatMembers = new CopyOnWriteArraySet<>();
    private Multiplexer mux;
    private WsmuxServer server;

    @BeforeEach
    void startServer() throws IOException
    {
        mux = Multiplexer.builder()
            .service("echo", new EchoService())
            .service("chat room", new ChatService())
            .service("publish", new PublishService())
            .service("secret", new EchoService())
            .topicPrefix("prices.", TopicOptions.LATEST)
            .authorizer((webSocket, channel) -> "secret".equals(channel) ? "not for you" : null)
            .build();
        server = WsmuxServer.builder(new WsmuxSettings().port(0).ioThreads(2))
            .mux(MUX_PATH, mux)
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

    @Test
    @Timeout(60)
    void shouldPassEveryCheckOfWebsocketMultiplexClient() throws Exception
    {
        runScript("multiplex-client.js", "ws://127.0.0.1:" + server.port() + MUX_PATH);

        final List<String> events = new ArrayList<>();
        serviceEvents.drainTo(events);
        assertTrue(events.contains("close echo 1000"), () -> "echo's service saw no close after uns: " + events);
        ClientInteropIntegrationTest.awaitNoOpenConnections(server);
        assertTrue(serverErrors.isEmpty(), () -> "server reported errors: " + serverErrors);
    }

    @Test
    @Timeout(60)
    void shouldPassEveryCheckOfWsmuxJsOverBinaryProtocol() throws Exception
    {
        runScript("wsmux-client.js", "http://127.0.0.1:" + server.port(), MUX_PATH, "binary");

        ClientInteropIntegrationTest.awaitNoOpenConnections(server);
        assertTrue(serverErrors.isEmpty(), () -> "server reported errors: " + serverErrors);
    }

    @Test
    @Timeout(60)
    void shouldPassEveryCheckOfWsmuxJsOverTextProtocol() throws Exception
    {
        runScript("wsmux-client.js", "http://127.0.0.1:" + server.port(), MUX_PATH, "text");

        ClientInteropIntegrationTest.awaitNoOpenConnections(server);
        assertTrue(serverErrors.isEmpty(), () -> "server reported errors: " + serverErrors);
    }

    static void runScript(final String scriptName, final String... arguments) throws Exception
    {
        runScript(PROCESS_TIMEOUT_SECONDS, scriptName, arguments);
    }

    static void runScript(final long timeoutSeconds, final String scriptName, final String... arguments)
        throws Exception
    {
        final Path nodeDir = Paths.get(System.getProperty("user.dir"), "src", "test", "node").toAbsolutePath();
        final Path script = nodeDir.resolve(scriptName);
        assertTrue(Files.isRegularFile(script), () -> "missing " + script);
        assertTrue(Files.isRegularFile(nodeDir.resolve("node_modules/websocket-multiplex/multiplex_client.js")) &&
            Files.isRegularFile(nodeDir.resolve("node_modules/ws/package.json")),
            () -> "ws and websocket-multiplex are not installed in " + nodeDir + "/node_modules: Maven installs " +
            "them with 'npm ci' in generate-test-resources (run the build with tests enabled, e.g. mvn -pl core " +
            "verify)");

        final List<String> command = new ArrayList<>();
        command.add("node");
        command.add(script.toString());
        command.addAll(List.of(arguments));
        final ProcessBuilder builder = new ProcessBuilder(command)
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

        final NodeWsInteropIntegrationTest.OutputCollector output =
            new NodeWsInteropIntegrationTest.OutputCollector(process.getInputStream());
        output.start();
        final boolean exited = process.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        if (!exited)
        {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
        output.join(TimeUnit.SECONDS.toMillis(5));
        final String text = output.text();
        final String commandLine = String.join(" ", command);
        System.out.println("$ " + commandLine + "\n" + text);
        assertTrue(exited, () -> commandLine + " did not exit within " + timeoutSeconds + " s:\n" + text);
        assertEquals(0, process.exitValue(), () -> commandLine + " failed:\n" + text);
        assertTrue(text.contains("all checks passed"), () -> commandLine + ": unexpected output:\n" + text);
    }

    /**
     * Echoes text and binary; the text {@code close me} makes it close the channel with 4001.
     */
    private final class EchoService implements WebSocketHandler
    {
        @Override
        public void onOpen(final Connection connection)
        {
            serviceEvents.add("open " + connection.path());
        }

        @Override
        public void onText(final Connection connection, final DirectBuffer buffer, final int offset, final int length)
        {
            if ("close me".equals(buffer.getStringWithoutLengthUtf8(offset, length)))
            {
                connection.close(4001, "closed as asked");
            }
            else
            {
                connection.sendText(buffer, offset, length);
            }
        }

        @Override
        public void onBinary(
            final Connection connection, final DirectBuffer buffer, final int offset, final int length)
        {
            connection.sendBinary(buffer, offset, length);
        }

        @Override
        public void onClose(final Connection connection, final int code, final String reason)
        {
            serviceEvents.add("close " + connection.path() + " " + code);
        }
    }

    /**
     * Says {@code welcome} to each channel once it is a member, then sends every message to every member. Members
     * live on both I/O loops, so sends to the other loop's channels cross threads (allowed by {@link Connection}).
     */
    private final class ChatService implements WebSocketHandler
    {
        @Override
        public void onOpen(final Connection connection)
        {
            chatMembers.add(connection);
            connection.sendText("welcome");
        }

        @Override
        public void onText(final Connection connection, final DirectBuffer buffer, final int offset, final int length)
        {
            for (final Connection member : chatMembers)
            {
                member.sendText(buffer, offset, length);
            }
        }

        @Override
        public void onClose(final Connection connection, final int code, final String reason)
        {
            chatMembers.remove(connection);
        }
    }

    /**
     * {@code <topic>,<message>} publishes {@code <message>} to {@code <topic>} (from the loop thread, so this loop's
     * subscribers have it before the reply), then answers {@code published}.
     */
    private final class PublishService implements WebSocketHandler
    {
        private final UnsafeBuffer published = new UnsafeBuffer("published".getBytes(StandardCharsets.US_ASCII));

        @Override
        public void onText(final Connection connection, final DirectBuffer buffer, final int offset, final int length)
        {
            final String request = buffer.getStringWithoutLengthUtf8(offset, length);
            final int comma = request.indexOf(',');
            if (comma <= 0)
            {
                connection.sendText("expected <topic>,<message>: " + request);
                return;
            }
            mux.topic(request.substring(0, comma)).publish(request.substring(comma + 1));
            connection.sendText(published, 0, published.capacity());
        }
    }
}
