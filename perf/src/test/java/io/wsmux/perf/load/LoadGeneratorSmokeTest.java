package io.wsmux.perf.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.wsmux.EchoHandler;
import io.wsmux.Main;
import io.wsmux.WsmuxServer;
import io.wsmux.WsmuxSettings;
import io.wsmux.status.SystemCounter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Each scenario of the {@link LoadGenerator} against an in-process server, with small counts and short times: the
 * runs must deliver everything, intact and in order. Correctness only; the numbers mean nothing here.
 */
@Timeout(120)
class LoadGeneratorSmokeTest
{
    private static final long WARMUP_NS = TimeUnit.MILLISECONDS.toNanos(200);
    private static final long DURATION_NS = TimeUnit.MILLISECONDS.toNanos(800);

    @Test
    void shouldEchoEveryMessageInOrderInClosedLoop() throws IOException
    {
        try (WsmuxServer server = echoServer())
        {
            final EchoResult result = EchoScenario.run(new LoadOptions()
                .url(url(server))
                .connections(8)
                .inFlight(4)
                .payloadLength(100)
                .clientThreads(2)
                .warmupNs(WARMUP_NS)
                .durationNs(DURATION_NS)
                .quiet(true));

            assertEquals(0, result.errors().total(), result.errors()::toString);
            assertEquals("closed", result.mode());
            assertEquals(8, result.connectionsOpened());
            assertTrue(result.messages() > 0, result::toString);
            assertEquals(result.sent(), result.received());
            assertTrue(result.latency().count() > 0, result::toString);
        }
    }

    @Test
    void shouldEchoEveryMessageInOrderAtFixedRate() throws IOException
    {
        try (WsmuxServer server = echoServer())
        {
            final EchoResult result = EchoScenario.run(new LoadOptions()
                .url(url(server))
                .connections(4)
                .rate(2_000)
                .payloadLength(16)
                .sourceAddresses(2)
                .warmupNs(WARMUP_NS)
                .durationNs(DURATION_NS)
                .quiet(true));

            assertEquals(0, result.errors().total(), result.errors()::toString);
            assertEquals("rate", result.mode());
            assertEquals(result.sent(), result.received());
            // 1 s at 2,000/s: the pacer sends on schedule (a generous bound for a loaded machine).
            assertTrue(result.sent() >= 1_800 && result.sent() <= 2_001, result::toString);
            assertTrue(result.latency().count() > 0, result::toString);
        }
    }

    @Test
    void shouldDeliverEveryPublicationInOrderToEverySubscriber() throws IOException
    {
        try (WsmuxServer server = fanOutServer())
        {
            final FanOutResult result = FanOutScenario.run(new LoadOptions()
                .url(url(server))
                .subscribers(30)
                .topics(3)
                .window(8)
                .payloadLength(64)
                .warmupNs(WARMUP_NS)
                .durationNs(DURATION_NS)
                .quiet(true));

            assertEquals(0, result.errors().total(), result.errors()::toString);
            assertEquals("max", result.mode());
            assertEquals(30, result.subscribersSubscribed());
            assertTrue(result.published() > 0, result::toString);
            assertEquals(result.expectedDeliveries(), result.received());
            assertEquals(result.received(),
                result.deliveriesWarmup() + result.deliveries() + result.deliveriesDrain());
        }
    }

    @Test
    void shouldDeliverEveryPublicationInOrderAtFixedRate() throws IOException
    {
        try (WsmuxServer server = fanOutServer())
        {
            final FanOutResult result = FanOutScenario.run(new LoadOptions()
                .url(url(server))
                .subscribers(20)
                .topics(2)
                .rate(500)
                .clientThreads(2)
                .warmupNs(WARMUP_NS)
                .durationNs(DURATION_NS)
                .quiet(true));

            assertEquals(0, result.errors().total(), result.errors()::toString);
            assertEquals("rate", result.mode());
            assertTrue(result.published() >= 450 && result.published() <= 501, result::toString);
            assertEquals(result.published() * 10, result.expectedDeliveries());
            assertEquals(result.expectedDeliveries(), result.received());
        }
    }

    @Test
    void shouldEchoAndDeliverTicksWithoutMeasuringTheWire() throws IOException
    {
        try (WsmuxServer server = echoServer())
        {
            final EchoResult result = EchoScenario.run(new LoadOptions()
                .url(url(server))
                .connections(4)
                .inFlight(4)
                .payloadLength(1024)
                .payloadKind(LoadOptions.PAYLOAD_TICKS)
                .warmupNs(WARMUP_NS)
                .durationNs(DURATION_NS)
                .quiet(true));

            assertEquals(0, result.errors().total(), result.errors()::toString);
            assertTrue(result.messages() > 0, result::toString);
            assertEquals("ticks", result.fields().get("payloadKind"));
            assertEquals(false, result.fields().get("deflate"));
            assertEquals(0.0, result.fields().get("wireBytesPerMessage"));
            assertEquals(1.0, result.fields().get("compressionRatio"));
        }
        try (WsmuxServer server = fanOutServer())
        {
            final FanOutResult result = FanOutScenario.run(new LoadOptions()
                .url(url(server))
                .subscribers(10)
                .topics(2)
                .window(8)
                .payloadLength(1024)
                .payloadKind(LoadOptions.PAYLOAD_TICKS)
                .warmupNs(WARMUP_NS)
                .durationNs(DURATION_NS)
                .quiet(true));

            assertEquals(0, result.errors().total(), result.errors()::toString);
            assertEquals(result.expectedDeliveries(), result.received());
            assertEquals(0.0, result.fields().get("wireBytesPerMessage"));
            assertEquals(1.0, result.fields().get("compressionRatio"));
        }
    }

    /**
     * A server that declines permessage-deflate: every frame goes uncompressed, so the bytes on the wire per message
     * are exactly the frame: 4 bytes of header (126..65535 bytes of payload, unmasked) and the payload.
     */
    @Test
    void shouldCountTheFramesOnTheWireWithDeflateOffered() throws IOException
    {
        try (WsmuxServer server = echoServer(new WsmuxSettings().port(0).deflate(false)))
        {
            final EchoResult result = EchoScenario.run(deflateEcho(server));

            assertEquals(0, result.errors().total(), result.errors()::toString);
            assertEquals(true, result.fields().get("deflate"));
            assertEquals(1028.0, (Double)result.fields().get("wireBytesPerMessage"), 1.0, result::toString);
            assertEquals(1024.0 / 1028, (Double)result.fields().get("compressionRatio"), 0.001, result::toString);
        }
        try (WsmuxServer server = fanOutServer(new WsmuxSettings().port(0).deflate(false)))
        {
            final FanOutResult result = FanOutScenario.run(deflateFanOut(server));

            assertEquals(0, result.errors().total(), result.errors()::toString);
            // "msg,bench.0," and the payload, after a 4-byte header
            assertEquals(1040.0, (Double)result.fields().get("wireBytesPerMessage"), 2.0, result::toString);
            assertEquals(1036.0 / 1040, (Double)result.fields().get("compressionRatio"), 0.002, result::toString);
        }
    }

    /**
     * Runs once the client offers permessage-deflate ({@code ClientSettings.perMessageDeflate}); skipped before.
     */
    @Test
    void shouldReportWhatCompressionSavedWhenTheServerAgrees() throws IOException
    {
        try (WsmuxServer server = echoServer())
        {
            final EchoResult result = EchoScenario.run(deflateEcho(server));

            assumeTrue(server.counter(SystemCounter.DEFLATE_CONNECTIONS) > 0,
                "the client does not offer permessage-deflate yet");
            assertEquals(0, result.errors().total(), result.errors()::toString);
            assertTrue((Double)result.fields().get("compressionRatio") > 2, result::toString);
            assertTrue((Double)result.fields().get("wireBytesPerMessage") < 512, result::toString);
        }
        try (WsmuxServer server = fanOutServer())
        {
            final FanOutResult result = FanOutScenario.run(deflateFanOut(server));

            assertEquals(0, result.errors().total(), result.errors()::toString);
            assertEquals(result.expectedDeliveries(), result.received());
            assertTrue((Double)result.fields().get("compressionRatio") > 2, result::toString);
            assertTrue(server.counter(SystemCounter.DEFLATE_PUBLICATIONS) > 0, result::toString);
        }
    }

    private static LoadOptions deflateEcho(final WsmuxServer server)
    {
        return new LoadOptions()
            .url(url(server))
            .connections(4)
            .inFlight(4)
            .payloadLength(1024)
            .payloadKind(LoadOptions.PAYLOAD_TICKS)
            .deflate(true)
            .warmupNs(WARMUP_NS)
            .durationNs(DURATION_NS)
            .quiet(true);
    }

    private static LoadOptions deflateFanOut(final WsmuxServer server)
    {
        return new LoadOptions()
            .url(url(server))
            .subscribers(10)
            .topics(1)
            .window(8)
            .payloadLength(1024)
            .payloadKind(LoadOptions.PAYLOAD_TICKS)
            .deflate(true)
            .warmupNs(WARMUP_NS)
            .durationNs(DURATION_NS)
            .quiet(true);
    }

    @Test
    void shouldOpenAndHoldIdleConnections() throws IOException
    {
        try (WsmuxServer server = echoServer())
        {
            final ConnectionsResult result = ConnectionsScenario.run(new LoadOptions()
                .url(url(server))
                .connections(200)
                .sourceAddresses(4)
                .holdNs(TimeUnit.MILLISECONDS.toNanos(300))
                .quiet(true));

            assertEquals(0, result.errors().total(), result.errors()::toString);
            assertEquals(200, result.opened());
            assertEquals(1, result.processes());
            assertTrue(result.handshakesPerSecond() > 0, result::toString);
        }
    }

    @Test
    void shouldSpreadConnectionsOverChildProcesses() throws IOException
    {
        try (WsmuxServer server = echoServer())
        {
            final ConnectionsResult result = ConnectionsScenario.run(new LoadOptions()
                .url(url(server))
                .connections(200)
                .perProcess(100)
                .sourceAddresses(2)
                .holdNs(TimeUnit.MILLISECONDS.toNanos(300))
                .quiet(true));

            assertEquals(0, result.errors().total(), result.errors()::toString);
            assertEquals(2, result.processes());
            assertEquals(200, result.opened());
        }
    }

    /**
     * Subscribers over two URLs that reach the same server (127.0.0.1 and 127.0.0.2, the server on every address):
     * each URL counts as a node of its own, the second one's deliveries as crossing nodes.
     */
    @Test
    void shouldReportDeliveriesAndLatencyPerSubscriberUrl() throws IOException
    {
        try (WsmuxServer server = fanOutServer(new WsmuxSettings().port(0).bindAddress("0.0.0.0")))
        {
            final URI first = url(server);
            final URI second = URI.create("ws://127.0.0.2:" + server.port() + "/");
            final FanOutResult result = FanOutScenario.run(new LoadOptions()
                .url(first)
                .subscriberUrls(List.of(first, second))
                .subscribers(20)
                .topics(2)
                .rate(500)
                .clientThreads(2)
                .warmupNs(WARMUP_NS)
                .durationNs(DURATION_NS)
                .quiet(true));

            assertEquals(0, result.errors().total(), result.errors()::toString);
            assertEquals(result.expectedDeliveries(), result.received());
            assertEquals(2, result.nodes().size());
            assertTrue(result.probes() >= 2, result::toString);
            long deliveries = 0;
            for (final FanOutNodeResult node : result.nodes())
            {
                assertEquals(10, node.subscribers(), node::toString);
                assertEquals(10, node.subscribed(), node::toString);
                assertTrue(node.deliveries() > 0, node::toString);
                assertTrue(node.latency().count() > 0, node::toString);
                deliveries += node.deliveries();
            }
            assertTrue(result.nodes().get(0).publisherNode());
            assertFalse(result.nodes().get(1).publisherNode());
            // The per-node counts are read a moment apart from the total: allow a few deliveries of difference.
            assertTrue(Math.abs(deliveries - result.deliveries()) <= 20, deliveries + " vs " + result);
            assertEquals(result.latency().count(), result.nodes().get(0).latency().count() +
                result.nodes().get(1).latency().count());
            assertTrue(result.crossNodeShare() > 0.3 && result.crossNodeShare() < 0.7, result::toString);
            final String line = ResultFormat.line(result);
            assertTrue(line.contains(" nodes=2 ") && line.contains(" node2Url=" + second + " ") &&
                line.contains(" node2DeliveriesPerSecond=") && line.contains(" node1P999Us="), line);
        }
    }

    private static URI url(final WsmuxServer server)
    {
        return URI.create("ws://127.0.0.1:" + server.port() + "/");
    }

    private static WsmuxServer echoServer() throws IOException
    {
        return echoServer(new WsmuxSettings().port(0));
    }

    private static WsmuxServer echoServer(final WsmuxSettings settings) throws IOException
    {
        return WsmuxServer.builder(settings).anyPath(new EchoHandler()).build().start();
    }

    /**
     * Configured like {@code --mode fanout}: topics {@code bench.*}, and {@code publish.<topic>} channels that
     * publish what they receive.
     */
    private static WsmuxServer fanOutServer() throws IOException
    {
        return fanOutServer(new WsmuxSettings().port(0));
    }

    private static WsmuxServer fanOutServer(final WsmuxSettings settings) throws IOException
    {
        return WsmuxServer.builder(settings).mux("/", Main.fanOutMultiplexer()).build().start();
    }
}
