package io.wsmux.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import io.wsmux.WsmuxSettings;
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
        // not under wsmux.: surefire passes -D properties on to this JVM, where WsmuxSettings refuses unknown ones
        final File chromium = new File(System.getProperty("chromium.path", "/usr/bin/chromium"));
        assertTrue(chromium.canExecute(), "Chromium is needed at " + chromium +
            " (Debian package chromium; scripts/test.sh installs it)");
        final File nodeDirectory = new File(System.getProperty("user.dir"), "src/test/node");
        assertTrue(new File(nodeDirectory, "node_modules/playwright-core").isDirectory(),
            "playwright-core is missing: Maven's npm ci should have installed it in " + nodeDirectory);

        try (DemoServer demo = DemoServer.start(new WsmuxSettings().port(0).ioThreads(2)))
        {
            final String base = "http://127.0.0.1:" + demo.server().port();
            final File screenshots = new File(System.getProperty("user.dir"), "target");
            final Process process = new ProcessBuilder("node", "demo-e2e.js", base, screenshots.getPath())
                .directory(nodeDirectory)
                .redirectErrorStream(true)
                .start();
            process.getOutputStream().close();
            final boolean finished = process.waitFor(100, TimeUnit.SECONDS);
            final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!finished)
            {
                process.destroyForcibly();
            }
            assertTrue(finished, "the browser test did not finish:\n" + output);
            assertEquals(0, process.exitValue(), "the browser test failed:\n" + output);
            assertTrue(output.contains("PASS"), output);
            assertTrue(demo.multiplexer().topicCount() >= 20, "every instrument has a topic");
        }
    }
}
