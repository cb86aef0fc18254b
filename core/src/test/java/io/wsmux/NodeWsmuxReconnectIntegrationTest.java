package io.wsmux;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;

import io.wsmux.status.SystemCounter;
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
 * numbered messages are published, and checks it got each exactly once, in order; and again while it stalls the
 * subscriber until the server drops publications for it (policy {@code drop}): GAP 507, then recovery.
 */
class NodeWsmuxReconnectIntegrationTest
{
    private static final long PROCESS_TIMEOUT_SECONDS = 60;
    private static final String MUX_PATH = "/mux";
    private static final String PADDING_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    private final ConcurrentLinkedQueue<Throwable> serverErrors = new ConcurrentLinkedQueue<>();
    private Multiplexer mux;
    private WsmuxServer server;

    @BeforeEach
    void startServer() throws IOException
    {
        mux = Multiplexer.builder()
            .service("publish", new PublishService())
            .service("bulk", new BulkPublishService())
            .topicPrefix("history.", TopicOptions.RELIABLE.withHistory(100_000, Duration.ZERO))
            .topicPrefix("small.", TopicOptions.RELIABLE.withHistory(5, Duration.ZERO))
            .topicPrefix("dropped.", TopicOptions.RELIABLE.withHistory(1_000, Duration.ZERO))
            .topicPrefix("plain.", TopicOptions.RELIABLE)
            .build();
        // drop: a subscriber that does not read loses publications and gets GAP 507 (the script stalls one); the
        // small send buffer makes that take 1 MiB (the budget) plus a little more, not megabytes of kernel buffer.
        final WsmuxSettings settings = new WsmuxSettings().port(0).ioThreads(2)
            .outboundOverflow(WsmuxSettings.OverflowPolicy.DROP)
            .socketSendBuffer(16 * 1024);
        server = WsmuxServer.builder(settings)
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

    /**
     * {@code <topic>,<from>,<to>,<padLength>} publishes {@code <n>,<padding>} for each n from {@code from} to
     * {@code to}, then answers {@code published <gaps>}: how many GAP 507 the server has sent so far.
     */
    private final class BulkPublishService implements WebSocketHandler
    {
        @Override
        public void onText(final Connection connection, final DirectBuffer buffer, final int offset, final int length)
        {
            final String[] fields = buffer.getStringWithoutLengthUtf8(offset, length).split(",");
            final Topic topic = mux.topic(fields[0]);
            final String padding = incompressible(Integer.parseInt(fields[3]));
            for (int n = Integer.parseInt(fields[1]), to = Integer.parseInt(fields[2]); n <= to; n++)
            {
                topic.publish(n + "," + padding);
            }
            connection.sendText("published " + server.counter(SystemCounter.GAPS_OVER_BUDGET));
        }

        // The client negotiates permessage-deflate: repeated characters would shrink to nothing on the wire.
        private String incompressible(final int length)
        {
            final Random random = new Random(length);
            final StringBuilder padding = new StringBuilder(length);
            for (int i = 0; i < length; i++)
            {
                padding.append(PADDING_ALPHABET.charAt(random.nextInt(PADDING_ALPHABET.length())));
            }
            return padding.toString();
        }
    }
}
