package io.wsmux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.wsmux.client.ChannelListener;
import io.wsmux.client.MuxClient;
import io.wsmux.client.MuxClientChannel;
import io.wsmux.client.WsmuxClient;
import io.wsmux.cluster.NatsServerProcess;
import io.wsmux.cluster.TextCollector;
import io.wsmux.demo.DemoServer;
import org.agrona.DirectBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The two-node demo of the README: node a runs the price feed, node b runs none ({@code --no-feed}); both share one
 * nats-server. Chat typed on one node appears on the other (the real npm {@code websocket-multiplex} client on node
 * a, the Java {@link MuxClient} over {@code wsmux.v1} on node b), node b serves prices it does not make, and each
 * node's statistics stay its own.
 */
@Timeout(90)
class DemoClusterIntegrationTest
{
    private static final long WAIT_MS = 15_000;
    private static final int CHAT_MESSAGES = 50;

    @TempDir
    Path directory;

    private NatsServerProcess nats;
    private DemoServer nodeA;
    private DemoServer nodeB;

    @BeforeEach
    void start() throws Exception
    {
        nats = NatsServerProcess.start(directory);
        nodeA = DemoServer.start(settings("a"), true);
        nodeB = DemoServer.start(settings("b"), false);
        for (final DemoServer node : new DemoServer[] {nodeA, nodeB})
        {
            final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
            while (!node.multiplexer().isClusterConnected())
            {
                assertTrue(System.nanoTime() < deadline, "a node did not connect to NATS");
                Thread.sleep(5);
            }
        }
    }

    private WsmuxSettings settings(final String node)
    {
        return new WsmuxSettings().port(0).ioThreads(2).clusterNatsUrl(nats.url()).clusterNode(node);
    }

    @AfterEach
    void stop() throws InterruptedException
    {
        if (null != nodeB)
        {
            nodeB.close();
        }
        if (null != nodeA)
        {
            nodeA.close();
        }
        nats.close();
    }

    @Test
    void shouldCarryChatBetweenTheNpmClientOnOneNodeAndTheJavaClientOnTheOther() throws Exception
    {
        try (WsmuxClient client = WsmuxClient.start())
        {
            final MuxClient java = MuxClient.connect(client,
                URI.create("ws://127.0.0.1:" + nodeB.server().port() + "/mux")).get(WAIT_MS, TimeUnit.MILLISECONDS);
            final BlockingQueue<String> heard = new LinkedBlockingQueue<>();
            final MuxClientChannel chat = java.open("chat", new ChannelListener()
            {
                @Override
                public void onText(
                    final MuxClientChannel channel, final DirectBuffer buffer, final int offset, final int length)
                {
                    heard.add(buffer.getStringWithoutLengthUtf8(offset, length));
                }
            });
            assertEquals("{\"system\":\"welcome to the room\"}", next(heard));
            awaitInterest(nodeB, 1); // node b receives the room's traffic from now on

            final CompletableFuture<Void> npm = CompletableFuture.runAsync(() ->
            {
                try
                {
                    NodeMuxClientsIntegrationTest.runScript("cluster-chat.js",
                        "ws://127.0.0.1:" + nodeA.server().port() + "/mux", String.valueOf(CHAT_MESSAGES));
                }
                catch (final Exception ex)
                {
                    throw new IllegalStateException(ex);
                }
            });

            assertEquals("{\"from\":\"npm\",\"text\":\"hello from npm\"}", next(heard));
            final String answer = "{\"from\":\"java\",\"text\":\"hello from java\"}";
            assertTrue(chat.sendText(answer));
            assertEquals(answer, next(heard), "its own message comes back through the room's topic");
            for (int i = 0; i < CHAT_MESSAGES; i++)
            {
                assertEquals("{\"from\":\"npm\",\"text\":\"n" + i + "\"}", next(heard), "gap or duplicate at " + i);
            }
            final String done = "{\"from\":\"java\",\"text\":\"got " + CHAT_MESSAGES + "\"}";
            assertTrue(chat.sendText(done));
            assertEquals(done, next(heard));

            npm.get(60, TimeUnit.SECONDS);
            assertNull(heard.poll(200, TimeUnit.MILLISECONDS), "more than each message once");
            java.close();
        }
    }

    @Test
    void shouldServePricesOnTheNodeWithoutAFeedAndKeepEachNodesStatistics() throws Exception
    {
        final TextCollector prices = subscribe(nodeB, "prices.EURUSD");
        for (int i = 0; i < 5; i++)
        {
            assertTrue(prices.next().startsWith("msg,prices.EURUSD,EURUSD,"));
        }
        // The first may be the cluster's last value, looked up in JetStream; the others came live through NATS.
        assertTrue(nodeB.multiplexer().clusterReceived() >= 4, "node b's prices come from node a through NATS");

        final TextCollector stats = subscribe(nodeB, "stats");
        final String first = stats.next();
        assertTrue(first.startsWith("msg,stats,{\"connections\":"), first);
        assertEquals(1, nodeB.multiplexer().clusterInterests(), "node b follows prices.EURUSD, not stats");
        assertEquals(0, nodeB.multiplexer().clusterPublished(), "node b published nothing to the other node");
        assertEquals(0, nodeA.multiplexer().clusterReceived(), "node a received nothing: stats stay per node");
    }

    private static TextCollector subscribe(final DemoServer node, final String channel) throws Exception
    {
        final TextCollector collector = new TextCollector(WAIT_MS);
        final WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder()
            .buildAsync(URI.create("ws://127.0.0.1:" + node.server().port() + "/mux"), collector)
            .get(WAIT_MS, TimeUnit.MILLISECONDS);
        socket.sendText("sub," + channel, true).get(WAIT_MS, TimeUnit.MILLISECONDS);
        return collector;
    }

    private static void awaitInterest(final DemoServer node, final int interests) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
        while (node.multiplexer().clusterInterests() != interests)
        {
            assertTrue(System.nanoTime() < deadline, "interests " + node.multiplexer().clusterInterests());
            Thread.sleep(2);
        }
    }

    private static String next(final BlockingQueue<String> queue) throws InterruptedException
    {
        final String message = queue.poll(WAIT_MS, TimeUnit.MILLISECONDS);
        assertTrue(null != message, "nothing received within " + WAIT_MS + " ms");
        return message;
    }
}
