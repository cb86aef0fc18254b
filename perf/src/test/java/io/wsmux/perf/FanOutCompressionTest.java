package io.wsmux.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.concurrent.TimeUnit;

import io.wsmux.Main;
import io.wsmux.WsmuxServer;
import io.wsmux.WsmuxSettings;
import io.wsmux.perf.FanOutCompression.PublicationCounts;
import io.wsmux.perf.load.FanOutResult;
import io.wsmux.perf.load.FanOutScenario;
import io.wsmux.perf.load.LoadOptions;
import io.wsmux.status.SystemCounter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link FanOutCompression#read}: a wsmux server's publication counters, read from its counters file by process id
 * as {@code fanout-compare --deflate} reads them (here the server runs in this JVM, so the pid is this one's).
 */
class FanOutCompressionTest
{
    @Test
    @Timeout(60)
    void shouldReadPublicationsAndCompressionsFromTheServersCountersFile() throws Exception
    {
        final boolean clientDeflates = DeflateSupport.clientOffersDeflate();
        // One I/O loop, as the runner starts wsmux: a loop counts each publication that reaches it.
        try (WsmuxServer server = WsmuxServer.builder(new WsmuxSettings().port(0).ioThreads(1))
            .mux("/", Main.fanOutMultiplexer()).build().start())
        {
            final FanOutResult result = FanOutScenario.run(new LoadOptions()
                .url(URI.create("ws://127.0.0.1:" + server.port() + "/"))
                .subscribers(5)
                .window(4)
                .payloadLength(1024)
                .payloadKind(LoadOptions.PAYLOAD_TICKS)
                .deflate(true)
                .warmupNs(TimeUnit.MILLISECONDS.toNanos(200))
                .durationNs(TimeUnit.MILLISECONDS.toNanos(500))
                .quiet(true));
            assertEquals(0, result.errors().total(), result.errors()::toString);

            final PublicationCounts counts = FanOutCompression.read(ProcessHandle.current().pid());

            assertNull(counts.unreadable());
            assertEquals(server.counter(SystemCounter.PUBLICATIONS_RECEIVED), counts.publications());
            assertTrue(counts.publications() > result.published(), "publications and probes: " + counts);
            assertEquals(server.counter(SystemCounter.DEFLATE_PUBLICATIONS), counts.compressions());
            if (clientDeflates)
            {
                // Once per publication; the probes (18 bytes, under the 128-byte threshold) go uncompressed.
                assertEquals(result.published(), counts.compressions(), counts::toString);
                assertTrue(counts.compressionsPerPublication() > 0.5 && counts.compressionsPerPublication() <= 1,
                    counts::toString);
            }
        }
        final PublicationCounts gone = FanOutCompression.read(ProcessHandle.current().pid());
        assertTrue(gone.unreadable().startsWith("no wsmux counters file of pid "), gone::toString);
        assertTrue(Double.isNaN(gone.compressionsPerPublication()));
    }
}
