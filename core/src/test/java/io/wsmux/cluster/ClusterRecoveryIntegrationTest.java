package io.wsmux.cluster;

import static io.wsmux.codec.mux.BinaryMuxDescriptor.RECOVERY_FRESH;
import static io.wsmux.codec.mux.BinaryMuxDescriptor.RECOVERY_RECOVERED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.wsmux.Multiplexer;
import io.wsmux.TopicOptions;
import io.wsmux.WsmuxSettings;
import io.wsmux.client.ChannelEvents;
import io.wsmux.client.MuxClient;
import io.wsmux.client.MuxClientChannel;
import io.wsmux.client.WsmuxClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recovery across nodes: a topic with a history is ordered and kept by JetStream, so its positions are the same on
 * every node, and a client whose node goes away recovers exactly on another one, which reads the topic's history from
 * the stream first if it had no subscriber to it.
 */
@Timeout(90)
class ClusterRecoveryIntegrationTest
{
    private static final long WAIT_MS = 15_000;

    @TempDir
    Path directory;

    private NatsServerProcess nats;
    private ClusterNodes nodes;
    private final List<Multiplexer> multiplexers = new ArrayList<>();
    private WsmuxClient client;

    @BeforeEach
    void start() throws Exception
    {
        nats = NatsServerProcess.start(directory);
        nodes = new ClusterNodes(WAIT_MS);
        for (int i = 0; i < 2; i++)
        {
            nodes.start(new WsmuxSettings().ioThreads(2).clusterNatsUrl(nats.url()).clusterNode("node-" + i),
                Multiplexer.builder().topicPrefix("h.", TopicOptions.RELIABLE.withHistory(1000, Duration.ZERO))
                .build());
            multiplexers.add(nodes.mux(i));
        }
        client = WsmuxClient.start();
        nodes.awaitConnected(true);
    }

    @AfterEach
    void stop() throws InterruptedException
    {
        if (null != client)
        {
            client.close();
        }
        nodes.close();
        nats.close();
    }

    @Test
    void shouldRecoverExactlyOnAnotherNodeWhenTheClientsNodeGoesAway() throws Exception
    {
        // A subscriber with positions on node 0; publications made on node 0 reach it through the stream, with the
        // stream's sequence as offsets.
        final MuxClient first = MuxClient.connect(client, uri(0)).get(WAIT_MS, TimeUnit.MILLISECONDS);
        final ChannelEvents before = new ChannelEvents(WAIT_MS);
        final MuxClientChannel channel = first.openWithPositions("h.A", 0, before);
        assertEquals("opened", before.next());
        assertTrue(before.next().startsWith("recovery " + RECOVERY_FRESH + " "));
        final long epoch = channel.epoch();
        assertTrue(0 != epoch);
        for (int i = 1; i <= 30; i++)
        {
            multiplexers.get(0).topic("h.A").publish("m" + i);
        }
        long lastOffset = 0;
        for (int i = 1; i <= 30; i++)
        {
            final String[] event = before.next().split(" ");
            assertEquals("m" + i, event[1]);
            final long offset = Long.parseLong(event[2].substring(1));
            assertTrue(offset > lastOffset, "offsets grow: " + offset + " after " + lastOffset);
            lastOffset = offset;
        }

        // Node 0 goes away; more is published on node 1 meanwhile.
        nodes.server(0).close();
        for (int i = 31; i <= 60; i++)
        {
            multiplexers.get(1).topic("h.A").publish("m" + i);
        }

        // The client comes back on node 1, which had no subscriber to h.A: it reads the history from the stream,
        // then answers with the same epoch, replays m31..m60, and goes on live.
        final MuxClient second = MuxClient.connect(client, uri(1)).get(WAIT_MS, TimeUnit.MILLISECONDS);
        final ChannelEvents after = new ChannelEvents(WAIT_MS);
        second.recover("h.A", 0, epoch, lastOffset, after);
        assertEquals("opened", after.next());
        final String[] recovery = after.next().split(" ");
        assertEquals(String.valueOf(RECOVERY_RECOVERED), recovery[1], String.join(" ", recovery));
        assertEquals(String.valueOf(epoch), recovery[2], "the same epoch on every node");
        for (int i = 31; i <= 60; i++)
        {
            final String[] event = after.next().split(" ");
            assertEquals("m" + i, event[1], "replayed in order, each once");
            final long offset = Long.parseLong(event[2].substring(1));
            assertTrue(offset > lastOffset);
            lastOffset = offset;
        }
        multiplexers.get(1).topic("h.A").publish("m61");
        final String[] live = after.next().split(" ");
        assertEquals("m61", live[1]);
        assertTrue(Long.parseLong(live[2].substring(1)) > lastOffset);
        assertNull(after.poll(300), "nothing twice");
        second.close();
    }

    @Test
    void shouldStartANewEpochAndSaySoWhenJetStreamLosesTheStream() throws Exception
    {
        final MuxClient mux = MuxClient.connect(client, uri(0)).get(WAIT_MS, TimeUnit.MILLISECONDS);
        final ChannelEvents events = new ChannelEvents(WAIT_MS);
        final MuxClientChannel channel = mux.openWithPositions("h.B", 0, events);
        assertEquals("opened", events.next());
        events.next();
        final long epoch = channel.epoch();
        multiplexers.get(1).topic("h.B").publish("before");
        assertTrue(events.next().startsWith("text before @"));
        final long offset = channel.position();

        try (io.nats.client.Connection admin = io.nats.client.Nats.connect(nats.url()))
        {
            admin.jetStreamManagement().deleteStream("wsmux_hist");
        }

        // The node notices (within its check period), makes the stream anew and tells the subscriber of the gap.
        String event = events.next();
        while (!event.startsWith("gap "))
        {
            event = events.next();
        }
        assertTrue(event.startsWith("gap 503 "), event);

        // Re-opening with RECOVER: another epoch, so NOT_RECOVERED, never the new stream's offsets taken as the old.
        channel.close();
        final ChannelEvents again = new ChannelEvents(WAIT_MS);
        mux.recover("h.B", 0, epoch, offset, again);
        assertEquals("opened", again.next());
        final String[] recovery = again.next().split(" ");
        assertEquals(String.valueOf(io.wsmux.codec.mux.BinaryMuxDescriptor.RECOVERY_NOT_RECOVERED), recovery[1]);
        assertTrue(!String.valueOf(epoch).equals(recovery[2]), "a new epoch");
        multiplexers.get(1).topic("h.B").publish("after");
        assertTrue(again.next().startsWith("text after @"));
        mux.close();
    }

    private URI uri(final int node)
    {
        return nodes.uri(node);
    }
}
