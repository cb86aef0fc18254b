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

import io.wsmux.cluster.NatsServerProcess;
import io.wsmux.cluster.TextCollector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node of a cluster killed (SIGKILL, its own JVM: the jar's fan-out mode) while another node publishes: the other
 * nodes go on unaffected, their subscribers getting every publication in order.
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
