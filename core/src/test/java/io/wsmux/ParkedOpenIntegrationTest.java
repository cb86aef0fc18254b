package io.wsmux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.wsmux.client.ChannelEvents;
import io.wsmux.client.MuxClient;
import io.wsmux.client.MuxClientChannel;
import io.wsmux.client.WsmuxClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A cluster node whose NATS is unreachable cannot read a topic's history, so positioned OPENs on it wait (parked,
 * no OPENED yet); a client that opens and closes them again and again makes the node hold none of them.
 */
@Timeout(60)
class ParkedOpenIntegrationTest
{
    private static final long WAIT_MS = 10_000;

    @Test
    void shouldForgetParkedOpensThatClose() throws Exception
    {
        final int unreachable;
        try (ServerSocket probe = new ServerSocket(0))
        {
            unreachable = probe.getLocalPort();
        }
        final Multiplexer mux = Multiplexer.builder()
            .topicPrefix("h.", TopicOptions.RELIABLE.withHistory(100, Duration.ZERO)).build();
        try (WsmuxServer server = WsmuxServer.builder(new WsmuxSettings().port(0).ioThreads(1)
                .clusterNatsUrl("nats://127.0.0.1:" + unreachable).clusterNode("cut-off")).mux("/mux", mux).build()
                .start();
            WsmuxClient client = WsmuxClient.start())
        {
            final MuxClient connection = MuxClient.connect(client,
                URI.create("ws://127.0.0.1:" + server.port() + "/mux")).get(WAIT_MS, TimeUnit.MILLISECONDS);
            for (int i = 0; i < 200; i++)
            {
                final ChannelEvents events = new ChannelEvents(WAIT_MS);
                final MuxClientChannel channel = connection.recover("h.A", 0, 1, 1, events);
                channel.close();
            }
            final ChannelEvents waiting = new ChannelEvents(WAIT_MS);
            connection.openWithPositions("h.A", 0, waiting);
            final Topic topic = mux.topic("h.A");
            final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
            while (1 != topic.parkedCount() || 1 != topic.subscriberCount())
            {
                assertTrue(System.nanoTime() < deadline, "parked " + topic.parkedCount() + ", subscribers " +
                    topic.subscriberCount());
                Thread.sleep(2);
            }
            assertNull(waiting.poll(200), "no OPENED while the history cannot be read");
            connection.close();
            while (0 != topic.parkedCount())
            {
                assertTrue(System.nanoTime() < deadline, "a closed channel stays parked");
                Thread.sleep(2);
            }
            assertEquals(0, topic.subscriberCount());
        }
    }
}
