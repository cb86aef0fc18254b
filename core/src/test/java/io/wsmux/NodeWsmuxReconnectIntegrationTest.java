package io.wsmux;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code wsmux.js} reconnecting by itself and recovering topics, driven from Node by
 * {@code src/test/node/wsmux-reconnect.js}, which fetches the client from this server's {@code /wsmux.js}. The wire
 * checks (OPEN with POSITIONS and RECOVER, offsets, each recovery status, GAP, back-off, jitter, which closes
 * reconnect) run against a fake {@code wsmux.v1} server inside the script; then the script subscribes to this
 * server's topics with history through a TCP proxy of its own that cuts the connection at least 20 times while
 * numbered messages are published, and checks it got each exactly once, in order.
 */
class NodeWsmuxReconnectIntegrationTest
{
    private static final long PROCESS_TIMEOUT_SECONDS = 60;
    private static final String MUX_PATH = "/mux";

    private final ConcurrentLinkedQueue<Throwable> serverErrors = new ConcurrentLinkedQueue<>();
    private Multiplexer mux;
    private WsmuxServer server;

    @BeforeEach
    void startServer() throws IOException
    {
        mux = Multiplexer.builder()
            .service("publish", new PublishService())
            .topicPrefix("history.", TopicOptions.RELIABLE.withHistory(100_000, Duration.ZERO))
            .topicPrefix("small.", TopicOptions.RELIABLE.withHistory(5, Duration.ZERO))
            .topicPrefix("plain.", TopicOptions.RELIABLE)
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
    @Timeout(90)
    void shouldRecoverEveryMessageExactlyOnceThroughCutsAndPassEveryWireCheck() throws Exception
    {
        NodeMuxClientsIntegrationTest.runScript(
            PROCESS_TIMEOUT_SECONDS, "wsmux-reconnect.js", "http://127.0.0.1:" + server.port(), MUX_PATH);

        ClientInteropIntegrationTest.awaitNoOpenConnections(server);
        assertTrue(serverErrors.isEmpty(), () -> "server reported errors: " + serverErrors);
    }

    /**
     * {@code <topic>,<message>} publishes {@code <message>} to {@code <topic>}, then answers {@code published}.
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
