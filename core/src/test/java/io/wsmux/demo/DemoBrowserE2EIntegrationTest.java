package io.wsmux.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wsmux.WsmuxSettings;
import io.wsmux.status.SystemCounter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The demo in a real headless browser: Debian's Chromium driven by playwright-core (core/src/test/node/demo-e2e.js):
 * one WebSocket per page, live prices, chat between two browser contexts (one per protocol), closing a panel closes
 * only its channel. On failure the script saves screenshots under core/target/.
 */
@Timeout(120)
class DemoBrowserE2EIntegrationTest
{
    @Test
    void shouldRunTheDemoInHeadlessChromium() throws Exception
    {
        try (DemoServer demo = DemoServer.start(new WsmuxSettings().port(0).ioThreads(2)))
        {
            final NodeBrowserScript run =
                NodeBrowserScript.run("demo-e2e.js", 100, "http://127.0.0.1:" + demo.server().port());
            assertTrue(run.finished(), "the browser test did not finish:\n" + run.output());
            assertEquals(0, run.exitValue(), "the browser test failed:\n" + run.output());
            assertTrue(run.output().contains("PASS"), run.output());
            assertTrue(demo.multiplexer().topicCount() >= 20, "every instrument has a topic");
            // Chromium offered permessage-deflate on both pages and the server agreed; the stats (JSON, above
            // wsmux.deflate.min.length) went out compressed once per publication, shared by both pages.
            assertTrue(demo.server().counter(SystemCounter.DEFLATE_CONNECTIONS) >= 2, "both pages compress");
            assertTrue(demo.multiplexer().publicationCompressions() >= 1, "stats compressed");
            assertTrue(demo.server().counter(SystemCounter.DEFLATE_SHARED_SENDS) >= 1, "sent compressed");
        }
    }
}
