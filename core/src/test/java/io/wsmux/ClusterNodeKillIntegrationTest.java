package io.wsmux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.wsmux.client.ChannelListener;
import io.wsmux.client.MuxClient;
import io.wsmux.client.MuxClientChannel;
import io.wsmux.client.WsmuxClient;
import io.wsmux.cluster.NatsServerProcess;
import io.wsmux.codec.mux.BinaryMuxDescriptor;
import io.wsmux.cluster.TextCollector;
import org.agrona.DirectBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node of a cluster killed (SIGKILL, its own JVM: the jar's fan-out mode) while another node publishes: the other
 * nodes go on unaffected, their subscribers getting every publication in order; and a client of the killed node,
 * subscribed with positions to a topic with a history, recovers exactly on another node.
 */
@Timeout(90)
class ClusterNodeKillIntegrationTest
{
    private static final long WAIT_MS = 15_000;

    @TempDir
    Path directory;

    @Test
    void shouldLeaveTheOtherNodesUnaffectedWhenANodeDies() throws Exception
    {
        try (NatsServerProcess nats = NatsServerProcess.start(directory))
        {
            final int childPort;
            try (ServerSocket probe = new ServerSocket(0))
            {
                childPort = probe.getLocalPort();
            }
            final Process child = ChildJvm.launch(List.of(), ProcessBuilder.Redirect.DISCARD,
                ProcessBuilder.Redirect.DISCARD, "--mode", "fanout", "--port", String.valueOf(childPort),
                "--threads", "1", "--cluster", nats.url(), "--node", "doomed");
            final Multiplexer publisherMux = Multiplexer.builder().topicPrefix("bench.", TopicOptions.RELIABLE)
                .build();
            final Multiplexer survivorMux = Multiplexer.builder().topicPrefix("bench.", TopicOptions.RELIABLE)
                .build();
            try (WsmuxServer publisher = WsmuxServer.builder(new WsmuxSettings().port(0).ioThreads(1)
                    .clusterNatsUrl(nats.url()).clusterNode("publisher")).mux("/", publisherMux).build().start();
                WsmuxServer survivor = WsmuxServer.builder(new WsmuxSettings().port(0).ioThreads(1)
                    .clusterNatsUrl(nats.url()).clusterNode("survivor")).mux("/", survivorMux).build().start())
            {
                awaitListening(childPort, child);
                final TextCollector onSurvivor = subscribe(survivor.port(), "bench.tick");
                final TextCollector onDoomed = subscribe(childPort, "bench.tick");
                final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
                while (survivorMux.clusterInterests() < 1 || !publisherMux.isClusterConnected())
                {
                    assertTrue(System.nanoTime() < deadline, "the survivor's subscription did not reach NATS");
                    Thread.sleep(5);
                }

                // Publish until the doomed node shows it receives too, then kill it mid-stream.
                int sequence = 0;
                while (null == onDoomed.poll(0))
                {
                    publisherMux.topic("bench.tick").publish(String.valueOf(sequence++));
                    Thread.sleep(5);
                    assertTrue(System.nanoTime() < deadline, "the doomed node never received a publication");
                }
                child.destroyForcibly();
                assertTrue(child.waitFor(10, TimeUnit.SECONDS));
                for (int i = 0; i < 500; i++)
                {
                    publisherMux.topic("bench.tick").publish(String.valueOf(sequence++));
                }

                for (int expected = 0; expected < sequence; expected++)
                {
                    assertEquals("msg,bench.tick," + expected, onSurvivor.next());
                }
                assertEquals(0, publisherMux.clusterDropped());
                assertTrue(publisherMux.isClusterConnected() && survivorMux.isClusterConnected());
            }
            finally
            {
                child.destroyForcibly();
            }
        }
    }

    @Test
    void shouldRecoverExactlyOnAnotherNodeWhenTheClientsNodeIsKilled() throws Exception
    {
        try (NatsServerProcess nats = NatsServerProcess.start(directory);
            WsmuxClient client = WsmuxClient.start())
        {
            final int childPort;
            try (ServerSocket probe = new ServerSocket(0))
            {
                childPort = probe.getLocalPort();
            }
            final Process child = ChildJvm.launch(List.of(), ProcessBuilder.Redirect.DISCARD,
                ProcessBuilder.Redirect.DISCARD, "--mode", "fanout", "--port", String.valueOf(childPort),
                "--threads", "1", "--cluster", nats.url(), "--node", "doomed");
            final Multiplexer publisherMux = Main.fanOutMultiplexer();
            final Multiplexer survivorMux = Main.fanOutMultiplexer();
            try (WsmuxServer publisher = WsmuxServer.builder(new WsmuxSettings().port(0).ioThreads(1)
                    .clusterNatsUrl(nats.url()).clusterNode("publisher")).mux("/", publisherMux).build().start();
                WsmuxServer survivor = WsmuxServer.builder(new WsmuxSettings().port(0).ioThreads(1)
                    .clusterNatsUrl(nats.url()).clusterNode("survivor")).mux("/", survivorMux).build().start())
            {
                awaitListening(childPort, child);
                final java.util.concurrent.BlockingQueue<String> received =
                    new java.util.concurrent.LinkedBlockingQueue<>();
                final ChannelListener listener = new ChannelListener()
                {
                    @Override
                    public void onRecovery(
                        final MuxClientChannel channel, final int recovery, final long epoch, final long offset)
                    {
                        received.add("recovery " + recovery);
                    }

                    @Override
                    public void onText(
                        final MuxClientChannel channel, final DirectBuffer buffer, final int offset, final int length)
                    {
                        received.add(buffer.getStringWithoutLengthUtf8(offset, length));
                    }
                };
                final MuxClient onDoomed = MuxClient.connect(client, URI.create("ws://127.0.0.1:" + childPort + "/"))
                    .get(WAIT_MS, TimeUnit.MILLISECONDS);
                final MuxClientChannel channel = onDoomed.openWithPositions("history.kill", 0, listener);
                assertEquals("recovery " + BinaryMuxDescriptor.RECOVERY_FRESH, next(received));

                // Publish until the client has a few, then kill its node (SIGKILL) mid-stream.
                int sequence = 1;
                int last = 0;
                final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
                while (last < 20)
                {
                    publisherMux.topic("history.kill").publish(String.valueOf(sequence++));
                    Thread.sleep(5);
                    String message;
                    while (null != (message = received.poll()))
                    {
                        assertEquals(last + 1, Integer.parseInt(message), "in order, each once");
                        last++;
                    }
                    assertTrue(System.nanoTime() < deadline, "the client on the doomed node received nothing");
                }
                final long epoch = channel.epoch();
                child.destroyForcibly();
                assertTrue(child.waitFor(10, TimeUnit.SECONDS));
                String message;
                while (null != (message = received.poll(200, TimeUnit.MILLISECONDS)))
                {
                    if (message.startsWith("recovery"))
                    {
                        continue;
                    }
                    assertEquals(last + 1, Integer.parseInt(message), "in order, each once");
                    last++;
                }
                final long offset = channel.position();
                for (int i = 0; i < 100; i++)
                {
                    publisherMux.topic("history.kill").publish(String.valueOf(sequence++));
                }

                // The client comes back on the survivor: exactly what it missed, then live.
                final MuxClient onSurvivor = MuxClient.connect(client,
                    URI.create("ws://127.0.0.1:" + survivor.port() + "/")).get(WAIT_MS, TimeUnit.MILLISECONDS);
                onSurvivor.recover("history.kill", 0, epoch, offset, listener);
                assertEquals("recovery " + BinaryMuxDescriptor.RECOVERY_RECOVERED, next(received));
                publisherMux.topic("history.kill").publish(String.valueOf(sequence++));
                while (last < sequence - 1)
                {
                    assertEquals(String.valueOf(last + 1), next(received), "exactly once and in order");
                    last++;
                }
                assertEquals(null, received.poll(300, TimeUnit.MILLISECONDS), "nothing twice");
            }
            finally
            {
                child.destroyForcibly();
            }
        }
    }

    private static String next(final java.util.concurrent.BlockingQueue<String> queue) throws InterruptedException
    {
        final String message = queue.poll(WAIT_MS, TimeUnit.MILLISECONDS);
        assertTrue(null != message, "nothing within " + WAIT_MS + " ms");
        return message;
    }

    private static void awaitListening(final int port, final Process child) throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
        while (true)
        {
            try (Socket socket = new Socket())
            {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            }
            catch (final IOException ex)
            {
                assertTrue(child.isAlive(), "the child node exited at start");
                assertTrue(System.nanoTime() < deadline, "the child node does not listen");
                Thread.sleep(20);
            }
        }
    }

    private static TextCollector subscribe(final int port, final String topic) throws Exception
    {
        final TextCollector collector = new TextCollector(WAIT_MS);
        final WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder()
            .buildAsync(URI.create("ws://127.0.0.1:" + port + "/"), collector).get(WAIT_MS, TimeUnit.MILLISECONDS);
        socket.sendText("sub," + topic, true).get(WAIT_MS, TimeUnit.MILLISECONDS);
        return collector;
    }
}
