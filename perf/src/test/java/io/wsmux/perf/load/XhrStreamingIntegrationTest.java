package io.wsmux.perf.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.util.concurrent.TimeUnit;

import io.wsmux.Main;
import io.wsmux.Multiplexer;
import io.wsmux.WsmuxServer;
import io.wsmux.WsmuxSettings;
import io.wsmux.sockjs.SockJsOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The fan-out and connections scenarios over SockJS xhr-streaming against an in-process server set up like
 * {@code --mode fanout} (the multiplexer at / and under /sockjs), with a 4 KiB response limit so that every
 * subscriber's stream ends and is POSTed again many times a second. Correctness only: everything delivered, intact
 * and in order; the numbers mean nothing here.
 */
@Timeout(120)
class XhrStreamingIntegrationTest
{
    private static final long WARMUP_NS = TimeUnit.MILLISECONDS.toNanos(300);
    private static final long DURATION_NS = TimeUnit.SECONDS.toNanos(2);
    /** About 45 deliveries of 64 bytes per response: the re-POST path runs all the time. */
    private static final int RESPONSE_LIMIT = 4096;

    @Test
    void shouldDeliverEveryPublicationInOrderToEveryXhrStreamingSubscriber() throws IOException
    {
        try (WsmuxServer server = fanOutServer())
        {
            final FanOutResult result = FanOutScenario.run(new LoadOptions()
                .url(url(server))
                .transport(LoadOptions.XHR_STREAMING)
                .subscribers(12)
                .topics(3)
                .window(8)
                .clientThreads(2)
                .warmupNs(WARMUP_NS)
                .durationNs(DURATION_NS)
                .quiet(true));

            assertEquals(0, result.errors().total(), result.errors()::toString);
            assertEquals(LoadOptions.XHR_STREAMING, result.transport());
            assertEquals(12, result.subscribersSubscribed());
            assertTrue(result.deliveries() > 0, result::toString);
            assertTrue(result.latency().count() > 0, result::toString);
            assertEquals(result.expectedDeliveries(), result.received());
            assertEquals(result.received(),
                result.deliveriesWarmup() + result.deliveries() + result.deliveriesDrain());
        }
    }

    @Test
    void shouldDeliverEveryPublicationAtFixedRateOverXhrStreaming() throws IOException
    {
        try (WsmuxServer server = fanOutServer())
        {
            final FanOutResult result = FanOutScenario.run(new LoadOptions()
                .url(url(server))
                .transport(LoadOptions.XHR_STREAMING)
                .subscribers(6)
                .topics(2)
                .rate(500)
                .warmupNs(WARMUP_NS)
                .durationNs(DURATION_NS)
                .quiet(true));

            assertEquals(0, result.errors().total(), result.errors()::toString);
            assertEquals("rate", result.mode());
            assertTrue(result.deliveries() > 0, result::toString);
            assertEquals(result.published() * 3, result.expectedDeliveries());
            assertEquals(result.expectedDeliveries(), result.received());
        }
    }

    @Test
    void shouldOpenAndHoldIdleXhrStreamingSessions() throws IOException
    {
        try (WsmuxServer server = fanOutServer())
        {
            final ConnectionsResult result = ConnectionsScenario.run(new LoadOptions()
                .url(url(server))
                .transport(LoadOptions.XHR_STREAMING)
                .connections(100)
                .sourceAddresses(2)
                .clientThreads(2)
                .holdNs(TimeUnit.MILLISECONDS.toNanos(300))
                .quiet(true));

            assertEquals(0, result.errors().total(), result.errors()::toString);
            assertEquals(LoadOptions.XHR_STREAMING, result.transport());
            assertEquals(100, result.opened());
            assertTrue(result.handshakesPerSecond() > 0, result::toString);
        }
    }

    @Test
    void shouldSpreadIdleXhrStreamingSessionsOverChildProcesses() throws IOException
    {
        try (WsmuxServer server = fanOutServer())
        {
            final ConnectionsResult result = ConnectionsScenario.run(new LoadOptions()
                .url(url(server))
                .transport(LoadOptions.XHR_STREAMING)
                .connections(60)
                .perProcess(30)
                .sourceAddresses(2)
                .holdNs(TimeUnit.MILLISECONDS.toNanos(300))
                .quiet(true));

            assertEquals(0, result.errors().total(), result.errors()::toString);
            assertEquals(2, result.processes());
            assertEquals(60, result.opened());
        }
    }

    private static URI url(final WsmuxServer server)
    {
        return URI.create("ws://127.0.0.1:" + server.port() + "/");
    }

    /**
     * Like {@code --mode fanout}, with a small SockJS response limit.
     */
    private static WsmuxServer fanOutServer() throws IOException
    {
        final Multiplexer multiplexer = Main.fanOutMultiplexer();
        return WsmuxServer.builder(new WsmuxSettings().port(0))
            .mux("/", multiplexer)
            .sockJs(LoadOptions.SOCKJS_PREFIX_DEFAULT, multiplexer, null,
                new SockJsOptions().responseLimit(RESPONSE_LIMIT))
            .build()
            .start();
    }
}
