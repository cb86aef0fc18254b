package io.wsmux.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wsmux.EchoHandler;
import io.wsmux.Main;
import io.wsmux.WsmuxServer;
import io.wsmux.WsmuxSettings;
import io.wsmux.status.SystemCounter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Headless Chromium against the echo server exactly as {@code --mode echo} runs it: the browser offers
 * permessage-deflate, the server agrees, and echoes of every size come back intact, compressed both ways
 * (echo-browser.js).
 */
@Timeout(120)
class EchoBrowserDeflateIntegrationTest
{
    @Test
    void shouldNegotiateCompressionWithChromiumAndEchoIntact() throws Exception
    {
        final WsmuxSettings settings = Main.echoMode(new WsmuxSettings().port(0).ioThreads(1));
        try (WsmuxServer server = WsmuxServer.builder(settings).anyPath(new EchoHandler()).build().start())
        {
            final NodeBrowserScript run =
                NodeBrowserScript.run("echo-browser.js", 100, "ws://127.0.0.1:" + server.port() + "/echo");
            assertTrue(run.finished(), "the browser test did not finish:\n" + run.output());
            assertEquals(0, run.exitValue(), "the browser test failed:\n" + run.output());
            assertTrue(run.output().contains("PASS"), run.output());
            assertEquals(1, server.counter(SystemCounter.DEFLATE_CONNECTIONS), "Chromium compressed");
            assertTrue(server.counter(SystemCounter.DEFLATE_INFLATED) > 0, "Chromium compresses what it sends");
            assertTrue(server.counter(SystemCounter.DEFLATE_COMPRESSED) > 0, "the echoes went out compressed");
        }
    }
}
