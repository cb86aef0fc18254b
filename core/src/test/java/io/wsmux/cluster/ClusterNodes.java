package io.wsmux.cluster;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import io.wsmux.Multiplexer;
import io.wsmux.TopicOptions;
import io.wsmux.WsmuxServer;
import io.wsmux.WsmuxSettings;

/**
 * wsmux nodes in the test's JVM, each with a multiplexer of topics {@code prices.*}, and text-protocol subscribers
 * over the JDK's WebSocket client (as {@link ClusterIntegrationTest} sets them up); closes them all.
 */
final class ClusterNodes implements AutoCloseable
{
    private final long waitMs;
    private final List<WsmuxServer> nodes = new ArrayList<>();
    private final List<Multiplexer> multiplexers = new ArrayList<>();
    private final List<WebSocket> sockets = new ArrayList<>();

    /**
     * @param waitMs how long each wait lasts before the test fails.
     */
    ClusterNodes(final long waitMs)
    {
        this.waitMs = waitMs;
    }

    /**
     * @param settings the node's settings (a cluster URL among them); port and threads are set here.
     * @return the node's index.
     * @throws Exception if it does not start.
     */
    int start(final WsmuxSettings settings) throws Exception
    {
        return start(settings.ioThreads(1),
            Multiplexer.builder().topicPrefix("prices.", TopicOptions.RELIABLE).build());
    }

    /**
     * @param settings the node's settings (a cluster URL among them); the port is set here.
     * @param mux      its multiplexer, served at {@code /mux}.
     * @return the node's index.
     * @throws Exception if it does not start.
     */
    int start(final WsmuxSettings settings, final Multiplexer mux) throws Exception
    {
        nodes.add(WsmuxServer.builder(settings.port(0)).mux("/mux", mux).build().start());
        multiplexers.add(mux);
        return nodes.size() - 1;
    }

    /**
     * @param node a node's index.
     * @return its server.
     */
    WsmuxServer server(final int node)
    {
        return nodes.get(node);
    }

    /**
     * @param node a node's index.
     * @return its multiplexed endpoint's URI.
     */
    URI uri(final int node)
    {
        return URI.create("ws://127.0.0.1:" + nodes.get(node).port() + "/mux");
    }

    /**
     * Wait until every node is connected to NATS, or is not.
     *
     * @param connected which.
     * @throws InterruptedException if interrupted.
     */
    void awaitConnected(final boolean connected) throws InterruptedException
    {
        for (final Multiplexer mux : multiplexers)
        {
            await(() -> mux.isClusterConnected() == connected, "a node's NATS connection is not " +
                (connected ? "up" : "down"));
        }
    }

    /**
     * @return nodes started.
     */
    int count()
    {
        return nodes.size();
    }

    /**
     * @param node a node's index.
     * @return its multiplexer.
     */
    Multiplexer mux(final int node)
    {
        return multiplexers.get(node);
    }

    /**
     * A subscriber on a node, waited for until its subscription took effect there, and in the cluster when the
     * node is connected.
     *
     * @param node  a node's index.
     * @param topic the topic.
     * @return what the subscriber receives.
     * @throws Exception if it cannot subscribe.
     */
    TextCollector subscribe(final int node, final String topic) throws Exception
    {
        final TextCollector subscriber = new TextCollector(waitMs);
        final WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder()
            .buildAsync(URI.create("ws://127.0.0.1:" + nodes.get(node).port() + "/mux"), subscriber)
            .get(waitMs, TimeUnit.MILLISECONDS);
        sockets.add(socket);
        final Multiplexer mux = multiplexers.get(node);
        final int before = mux.topic(topic).subscriberCount();
        socket.sendText("sub," + topic, true).get(waitMs, TimeUnit.MILLISECONDS);
        await(() -> mux.topic(topic).subscriberCount() > before &&
            (!mux.isClusterConnected() || mux.clusterInterests() > 0), "the subscription did not take effect");
        return subscriber;
    }

    /**
     * @param condition what to wait for.
     * @param failure   the test's failure message if it does not come true in time.
     * @throws InterruptedException if interrupted.
     */
    void await(final BooleanSupplier condition, final String failure) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMs);
        while (!condition.getAsBoolean())
        {
            assertTrue(System.nanoTime() < deadline, failure);
            Thread.sleep(5);
        }
    }

    @Override
    public void close()
    {
        for (final WebSocket socket : sockets)
        {
            socket.abort();
        }
        for (final WsmuxServer node : nodes)
        {
            node.close();
        }
    }
}
