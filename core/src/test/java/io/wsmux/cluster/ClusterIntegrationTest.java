package io.wsmux.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.wsmux.Multiplexer;
import io.wsmux.TopicOptions;
import io.wsmux.WsmuxServer;
import io.wsmux.WsmuxSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several wsmux nodes in one JVM sharing their topics through a real nats-server: each node's subscribers, over the
 * text multiplex protocol with the JDK's WebSocket client, get every publication made on any node exactly once and in
 * each publisher's order.
 */
@Timeout(60)
class ClusterIntegrationTest
{
    private static final long WAIT_MS = 10_000;

    @TempDir
    Path directory;

    private NatsServerProcess nats;
    private final List<WsmuxServer> nodes = new ArrayList<>();
    private final List<Multiplexer> multiplexers = new ArrayList<>();
    private final List<WebSocket> sockets = new ArrayList<>();

    @BeforeEach
    void startNats() throws Exception
    {
        nats = NatsServerProcess.start(directory);
    }

    @AfterEach
    void stop() throws InterruptedException
    {
        for (final WebSocket socket : sockets)
        {
            socket.abort();
        }
        for (final WsmuxServer node : nodes)
        {
            node.close();
        }
        nats.close();
    }

    private void startNodes(final int count) throws IOException
    {
        for (int i = 0; i < count; i++)
        {
            final Multiplexer mux = Multiplexer.builder().topicPrefix("prices.", TopicOptions.RELIABLE)
                .topicPrefix("quotes.", TopicOptions.LATEST).build();
            final WsmuxServer node = WsmuxServer.builder(new WsmuxSettings().port(0).ioThreads(2)
                .clusterNatsUrl(nats.url()).clusterNode("node-" + i)).mux("/mux", mux).build().start();
            nodes.add(node);
            multiplexers.add(mux);
        }
    }

    /**
     * A text-protocol subscriber on a node, waited for until its subscription took effect there.
     */
    private TextCollector subscribe(final int node, final String topic) throws Exception
    {
        final TextCollector subscriber = new TextCollector(WAIT_MS);
        final WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder()
            .buildAsync(URI.create("ws://127.0.0.1:" + nodes.get(node).port() + "/mux"), subscriber)
            .get(WAIT_MS, TimeUnit.MILLISECONDS);
        sockets.add(socket);
        final int before = multiplexers.get(node).topic(topic).subscriberCount();
        socket.sendText("sub," + topic, true).get(WAIT_MS, TimeUnit.MILLISECONDS);
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
        while (multiplexers.get(node).topic(topic).subscriberCount() <= before ||
            0 == multiplexers.get(node).clusterInterests())
        {
            assertTrue(System.nanoTime() < deadline, "the subscription did not take effect");
            Thread.sleep(2);
        }
        return subscriber;
    }

    @Test
    void shouldDeliverAPublicationOnOneNodeToSubscribersOnEveryNodeOnce() throws Exception
    {
        startNodes(2);
        final TextCollector local = subscribe(0, "prices.EURUSD");
        final TextCollector remote = subscribe(1, "prices.EURUSD");
        awaitConnected();

        for (int i = 0; i < 200; i++)
        {
            multiplexers.get(0).topic("prices.EURUSD").publish("tick " + i);
        }
        for (int i = 0; i < 200; i++)
        {
            assertEquals("msg,prices.EURUSD,tick " + i, remote.next());
            assertEquals("msg,prices.EURUSD,tick " + i, local.next());
        }
        // Exactly once: a node does not get its own publications back from NATS.
        assertNull(local.poll(300));
        assertNull(remote.poll(0));
    }

    @Test
    void shouldKeepEachPublishersOrderAcrossThreeNodes() throws Exception
    {
        startNodes(3);
        final List<TextCollector> subscribers = new ArrayList<>();
        for (int node = 0; node < 3; node++)
        {
            subscribers.add(subscribe(node, "prices.GBPUSD"));
        }
        awaitConnected();

        final int perPublisher = 300;
        final List<Thread> publishers = new ArrayList<>();
        for (int node = 0; node < 3; node++)
        {
            final int publisher = node;
            publishers.add(new Thread(() ->
            {
                for (int i = 0; i < perPublisher; i++)
                {
                    multiplexers.get(publisher).topic("prices.GBPUSD").publish(publisher + ":" + i);
                }
            }));
        }
        publishers.forEach(Thread::start);
        for (final Thread publisher : publishers)
        {
            publisher.join(WAIT_MS);
        }

        for (final TextCollector subscriber : subscribers)
        {
            final Map<Integer, Integer> next = new HashMap<>();
            for (int received = 0; received < 3 * perPublisher; received++)
            {
                final String message = subscriber.next();
                final String[] parts = message.substring("msg,prices.GBPUSD,".length()).split(":");
                final int publisher = Integer.parseInt(parts[0]);
                final int sequence = Integer.parseInt(parts[1]);
                assertEquals(next.getOrDefault(publisher, 0), sequence, "gap or duplicate from node " + publisher);
                next.put(publisher, sequence + 1);
            }
            assertNull(subscriber.poll(200), "more than each publication once");
        }
        for (int node = 0; node < 3; node++)
        {
            assertEquals(perPublisher, multiplexers.get(node).clusterPublished());
        }
    }

    @Test
    void shouldReceiveATopicOnlyWhileItHasSubscribersHere() throws Exception
    {
        startNodes(2);
        final TextCollector subscriber = subscribe(0, "prices.USDJPY");
        awaitConnected();
        awaitCount(() -> multiplexers.get(0).clusterInterests(), 1);
        assertEquals(0, multiplexers.get(1).clusterInterests());

        // Node 1 has no subscriber: none of the topic's traffic reaches it.
        multiplexers.get(0).topic("prices.USDJPY").publish("only here");
        assertEquals("msg,prices.USDJPY,only here", subscriber.next());
        multiplexers.get(1).topic("prices.USDJPY").publish("from node 1");
        assertEquals("msg,prices.USDJPY,from node 1", subscriber.next());
        assertEquals(0, multiplexers.get(1).clusterReceived());

        // A subscriber comes to node 1: it receives from then on; it leaves: the traffic stops again.
        final WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder()
            .buildAsync(URI.create("ws://127.0.0.1:" + nodes.get(1).port() + "/mux"), new TextCollector(WAIT_MS))
            .get(WAIT_MS, TimeUnit.MILLISECONDS);
        sockets.add(socket);
        socket.sendText("sub,prices.USDJPY", true).get(WAIT_MS, TimeUnit.MILLISECONDS);
        awaitCount(() -> multiplexers.get(1).clusterInterests(), 1);
        multiplexers.get(0).topic("prices.USDJPY").publish("to both");
        awaitCount(() -> multiplexers.get(1).clusterReceived(), 1);

        socket.sendText("uns,prices.USDJPY", true).get(WAIT_MS, TimeUnit.MILLISECONDS);
        awaitCount(() -> multiplexers.get(1).clusterInterests(), 0);
        final long received = multiplexers.get(1).clusterReceived();
        for (int i = 0; i < 20; i++)
        {
            multiplexers.get(0).topic("prices.USDJPY").publish("after " + i);
        }
        for (int i = 0; i < 20; i++)
        {
            assertTrue(subscriber.next().startsWith("msg,prices.USDJPY,"));
        }
        Thread.sleep(200);
        assertEquals(received, multiplexers.get(1).clusterReceived(), "node 1 still receives the topic");
    }

    @Test
    void shouldDeliverLocallyWhileNatsIsDownAndResumeTheClusterWhenItIsBack() throws Exception
    {
        startNodes(2);
        final TextCollector local = subscribe(0, "prices.AUDUSD");
        final TextCollector remote = subscribe(1, "prices.AUDUSD");
        awaitConnected();
        multiplexers.get(0).topic("prices.AUDUSD").publish("before");
        assertEquals("msg,prices.AUDUSD,before", local.next());
        assertEquals("msg,prices.AUDUSD,before", remote.next());

        nats.kill();
        for (final Multiplexer mux : multiplexers)
        {
            awaitCount(() -> mux.isClusterConnected() ? 1 : 0, 0);
        }
        // Publishing never blocks, and local subscribers get everything at once.
        for (int i = 0; i < 100; i++)
        {
            multiplexers.get(0).topic("prices.AUDUSD").publish("down " + i);
        }
        for (int i = 0; i < 100; i++)
        {
            assertEquals("msg,prices.AUDUSD,down " + i, local.next());
        }

        nats.restart();
        awaitConnected();
        for (int i = 0; i < 20; i++)
        {
            multiplexers.get(0).topic("prices.AUDUSD").publish("up " + i);
        }
        // Node 1 resubscribed by itself: it gets the new publications, in order, each once (some of those buffered
        // while NATS was down may come first, or be lost if they reached NATS before node 1's subscription did).
        int lastUp = -1;
        while (lastUp < 19)
        {
            final String message = remote.next();
            if (message.startsWith("msg,prices.AUDUSD,up "))
            {
                final int up = Integer.parseInt(message.substring("msg,prices.AUDUSD,up ".length()));
                assertTrue(up > lastUp, "out of order or twice: " + message);
                lastUp = up;
            }
            else
            {
                assertTrue(message.startsWith("msg,prices.AUDUSD,down "), message);
                assertTrue(lastUp < 0, "a publication of the outage after a newer one: " + message);
            }
        }
        for (int i = 0; i < 20; i++)
        {
            assertEquals("msg,prices.AUDUSD,up " + i, local.next());
        }
    }

    @Test
    void shouldGiveAFirstSubscriberOnAnyNodeTheLastValuePublishedAnywhere() throws Exception
    {
        startNodes(2);
        awaitConnected();
        awaitCount(() -> multiplexers.get(0).clusterKeepsLastValues() ? 1 : 0, 1);
        awaitCount(() -> multiplexers.get(1).clusterKeepsLastValues() ? 1 : 0, 1);

        // Published on node 0 while nobody anywhere subscribes: the cluster keeps the last one.
        for (int i = 1; i <= 5; i++)
        {
            multiplexers.get(0).topic("quotes.EURUSD").publish("v" + i);
        }
        final TextCollector onOtherNode = subscribe(1, "quotes.EURUSD");
        assertEquals("msg,quotes.EURUSD,v5", onOtherNode.next());
        final TextCollector onSameNode = subscribe(0, "quotes.EURUSD");
        assertEquals("msg,quotes.EURUSD,v5", onSameNode.next());

        // And the values go on live to both.
        multiplexers.get(1).topic("quotes.EURUSD").publish("v6");
        assertEquals("msg,quotes.EURUSD,v6", onOtherNode.next());
        assertEquals("msg,quotes.EURUSD,v6", onSameNode.next());
        assertNull(onOtherNode.poll(200), "the last value twice");
        assertNull(onSameNode.poll(0), "the last value twice");
    }

    private static void awaitCount(final java.util.function.LongSupplier value, final long expected)
        throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
        while (value.getAsLong() != expected)
        {
            assertTrue(System.nanoTime() < deadline, "count=" + value.getAsLong() + ", expected " + expected);
            Thread.sleep(2);
        }
    }

    private void awaitConnected() throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
        for (final Multiplexer mux : multiplexers)
        {
            while (!mux.isClusterConnected())
            {
                assertTrue(System.nanoTime() < deadline, "a node did not connect to NATS");
                Thread.sleep(5);
            }
        }
    }
}
