package io.wsmux.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import io.wsmux.Multiplexer;
import io.wsmux.TopicOptions;
import io.wsmux.WsmuxServer;
import io.wsmux.WsmuxSettings;
import io.wsmux.client.ChannelEvents;
import io.wsmux.client.MuxClient;
import io.wsmux.client.WsmuxClient;
import io.wsmux.status.SystemCounter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * After a node loses NATS and gets it back, its binary-protocol subscribers of shared topics are told of the possible
 * gap (GAP 503) before anything received after it; text-protocol subscribers and node-local topics get nothing; a
 * topic with a last value takes the cluster's latest value once. Also: interest changes of many topics in a storm end
 * in the right subscriptions.
 */
@Timeout(90)
class ClusterGapIntegrationTest
{
    private static final long WAIT_MS = 15_000;

    @TempDir
    Path directory;

    private NatsServerProcess nats;
    private final List<WsmuxServer> nodes = new ArrayList<>();
    private final List<Multiplexer> multiplexers = new ArrayList<>();
    private final List<WebSocket> sockets = new ArrayList<>();
    private WsmuxClient client;

    @BeforeEach
    void start() throws Exception
    {
        nats = NatsServerProcess.start(directory);
        for (int i = 0; i < 2; i++)
        {
            final Multiplexer mux = Multiplexer.builder()
                .topicPrefix("prices.", TopicOptions.RELIABLE)
                .topicPrefix("quotes.", TopicOptions.LATEST)
                .topic("local", TopicOptions.RELIABLE.withNodeLocal(true))
                .build();
            nodes.add(WsmuxServer.builder(new WsmuxSettings().port(0).ioThreads(2).clusterNatsUrl(nats.url())
                .clusterNode("node-" + i)).mux("/mux", mux).build().start());
            multiplexers.add(mux);
        }
        client = WsmuxClient.start();
        awaitConnected(true);
    }

    @AfterEach
    void stop() throws InterruptedException
    {
        sockets.forEach(WebSocket::abort);
        if (null != client)
        {
            client.close();
        }
        nodes.forEach(WsmuxServer::close);
        nats.close();
    }

    @Test
    void shouldTellBinarySubscribersOfSharedTopicsOfTheGapBeforeWhatFollowsIt() throws Exception
    {
        final MuxClient mux = MuxClient.connect(client, uri(1)).get(WAIT_MS, TimeUnit.MILLISECONDS);
        final ChannelEvents prices = new ChannelEvents(WAIT_MS);
        final ChannelEvents local = new ChannelEvents(WAIT_MS);
        mux.open("prices.EURUSD", prices);
        mux.open("local", local);
        assertEquals("opened", prices.next());
        assertEquals("opened", local.next());
        final TextCollector text = subscribeText(1, "prices.EURUSD");
        await(() -> multiplexers.get(1).clusterInterests(), 1);

        multiplexers.get(0).topic("prices.EURUSD").publish("before");
        assertEquals("text before @0", prices.next());
        assertEquals("msg,prices.EURUSD,before", text.next());

        nats.kill();
        awaitConnected(false);
        multiplexers.get(1).topic("local").publish("local while down");
        assertEquals("text local while down @0", local.next(), "local delivery goes on");
        nats.restart();
        awaitConnected(true);
        await(() -> multiplexers.get(1).clusterGaps(), 1);

        // Publish until node 1 (subscribed again by itself) receives: the GAP must come before the first of them.
        int published = 0;
        String first = null;
        while (null == first)
        {
            assertTrue(published < 400, "node 1 receives nothing after the reconnect");
            multiplexers.get(0).topic("prices.EURUSD").publish("after " + published++);
            first = text.poll(25);
        }
        assertTrue(first.startsWith("msg,prices.EURUSD,after "), first);
        assertEquals("gap 503 publications of other nodes may be missing", prices.next());
        final String afterGap = prices.next();
        assertEquals("text " + first.substring("msg,prices.EURUSD,".length()) + " @0", afterGap,
            "the binary and the text subscriber resume at the same publication");
        assertNull(local.poll(200), "a node-local topic has no gap");
        assertEquals(1, multiplexers.get(1).clusterGapMessages(), "one GAP: to the one binary subscriber");
        assertEquals(0, multiplexers.get(0).clusterGapMessages(), "node 0 has no subscribers");

        // The same figures in the counters file (/metrics, stat), sampled once a second.
        final WsmuxServer node = nodes.get(1);
        await(() -> node.counter(SystemCounter.CLUSTER_GAP_MESSAGES), 1);
        await(() -> node.counter(SystemCounter.CLUSTER_GAPS), 1);
        await(() -> node.counter(SystemCounter.CLUSTER_CONNECTED), 1);
        await(() -> node.counter(SystemCounter.CLUSTER_INTERESTS), 1);
        await(() -> node.counter(SystemCounter.CLUSTER_RECEIVED), multiplexers.get(1).clusterReceived());
        await(() -> nodes.get(0).counter(SystemCounter.CLUSTER_PUBLISHED), multiplexers.get(0).clusterPublished());
        mux.close();
    }

    @Test
    void shouldGiveALastValueTopicTheClustersLatestValueOnceAfterTheGap() throws Exception
    {
        awaitKeepsLastValues();
        final MuxClient mux = MuxClient.connect(client, uri(1)).get(WAIT_MS, TimeUnit.MILLISECONDS);
        final ChannelEvents quotes = new ChannelEvents(WAIT_MS);
        mux.open("quotes.EURUSD", quotes);
        assertEquals("opened", quotes.next());
        await(() -> multiplexers.get(1).clusterInterests(), 1);
        multiplexers.get(0).topic("quotes.EURUSD").publish("v0");
        assertEquals("text v0 @0", quotes.next());

        nats.kill();
        awaitConnected(false);
        for (int i = 1; i <= 10; i++)
        {
            multiplexers.get(0).topic("quotes.EURUSD").publish("during " + i); // buffered by node 0's NATS client
        }
        nats.restart();
        awaitConnected(true);

        // Whether node 1 got the buffered publications live or missed them, it ends with the latest value, once.
        assertEquals("gap 503 publications of other nodes may be missing", quotes.next());
        String last = quotes.next();
        while (!"text during 10 @0".equals(last))
        {
            assertTrue(last.startsWith("text during "), last);
            last = quotes.next();
        }
        assertNull(quotes.poll(500), "the latest value twice");
        mux.close();
    }

    @Test
    void shouldEndWithTheRightSubscriptionsAfterAStormOfInterestChanges() throws Exception
    {
        final WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder()
            .buildAsync(URI.create("ws://127.0.0.1:" + nodes.get(1).port() + "/mux"), new TextCollector(WAIT_MS))
            .get(WAIT_MS, TimeUnit.MILLISECONDS);
        sockets.add(socket);
        for (int round = 0; round < 20; round++)
        {
            for (int topic = 0; topic < 100; topic++)
            {
                socket.sendText("sub,prices.S" + topic, true).get(WAIT_MS, TimeUnit.MILLISECONDS);
            }
            for (int topic = 0; topic < 100; topic++)
            {
                if (round < 19 || topic % 2 == 0)
                {
                    socket.sendText("uns,prices.S" + topic, true).get(WAIT_MS, TimeUnit.MILLISECONDS);
                }
            }
        }
        await(() -> multiplexers.get(1).topic("prices.S1").subscriberCount(), 1);
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
        while (50 != multiplexers.get(1).clusterInterests())
        {
            if (System.nanoTime() > deadline)
            {
                final StringBuilder subscribed = new StringBuilder();
                for (int topic = 0; topic < 100; topic++)
                {
                    final int count = multiplexers.get(1).topic("prices.S" + topic).subscriberCount();
                    if (count != topic % 2)
                    {
                        subscribed.append(" S").append(topic).append('=').append(count);
                    }
                }
                throw new AssertionError("interests " + multiplexers.get(1).clusterInterests() +
                    ", expected 50; topics with unexpected subscriber counts:" + subscribed);
            }
            Thread.sleep(2);
        }

        // The 50 topics it still follows reach it from node 0; the others do not.
        final long received = multiplexers.get(1).clusterReceived();
        for (int topic = 0; topic < 100; topic++)
        {
            multiplexers.get(0).topic("prices.S" + topic).publish("x");
        }
        await(() -> multiplexers.get(1).clusterReceived() - received, 50);
        Thread.sleep(200);
        assertEquals(received + 50, multiplexers.get(1).clusterReceived());
    }

    private URI uri(final int node)
    {
        return URI.create("ws://127.0.0.1:" + nodes.get(node).port() + "/mux");
    }

    private TextCollector subscribeText(final int node, final String topic) throws Exception
    {
        final TextCollector collector = new TextCollector(WAIT_MS);
        final WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder()
            .buildAsync(uri(node), collector).get(WAIT_MS, TimeUnit.MILLISECONDS);
        sockets.add(socket);
        final int before = multiplexers.get(node).topic(topic).subscriberCount();
        socket.sendText("sub," + topic, true).get(WAIT_MS, TimeUnit.MILLISECONDS);
        await(() -> multiplexers.get(node).topic(topic).subscriberCount(), before + 1);
        return collector;
    }

    private void awaitConnected(final boolean connected) throws InterruptedException
    {
        for (final Multiplexer mux : multiplexers)
        {
            await(() -> mux.isClusterConnected() == connected ? 1 : 0, 1);
        }
    }

    private void awaitKeepsLastValues() throws InterruptedException
    {
        for (final Multiplexer mux : multiplexers)
        {
            await(() -> mux.clusterKeepsLastValues() ? 1 : 0, 1);
        }
    }

    private static void await(final LongSupplier value, final long expected) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
        while (value.getAsLong() != expected)
        {
            assertTrue(System.nanoTime() < deadline, "value " + value.getAsLong() + ", expected " + expected);
            Thread.sleep(2);
        }
    }
}
