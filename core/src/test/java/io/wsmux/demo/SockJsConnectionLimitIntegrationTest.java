package io.wsmux.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.wsmux.WsmuxSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Why multiplex over SockJS, shown in a real headless Chromium (core/src/test/node/sockjs-connection-limit.js):
 * HTTP/1.1 gives a page 6 connections per host. Eight xhr-streaming sessions, one channel each, do not all flow
 * within 5 s (at once: 6 open and none can send its subscription; one after another: 5 flow), while the same eight
 * channels on one xhr-streaming session all do. Prints the counts.
 */
@Timeout(60)
class SockJsConnectionLimitIntegrationTest
{
    private static final int CHANNEL_COUNT = 8;
    private static final Pattern RESULT = Pattern.compile(
        "RESULT separate opened=(\\d+) received=(\\d+) multiplexed received=(\\d+) of 8 within \\d+ ms; " +
        "one after another opened=(\\d+) received=(\\d+) of 8");

    @Test
    void shouldStallSeparateXhrStreamingSessionsPastTheHostLimitButNotMultiplexedChannels() throws Exception
    {
        try (DemoServer demo = DemoServer.start(new WsmuxSettings().port(0).ioThreads(2)))
        {
            final NodeBrowserScript run = NodeBrowserScript.run(
                "sockjs-connection-limit.js", 50, "http://127.0.0.1:" + demo.server().port());
            final String result = run.line("RESULT ");
            System.out.println("SockJsConnectionLimitIntegrationTest " + result);
            assertTrue(run.finished(), "the browser test did not finish:\n" + run.output());
            assertNotNull(result, "no RESULT line:\n" + run.output());
            final Matcher counts = RESULT.matcher(result);
            assertTrue(counts.matches(), result);
            assertTrue(Integer.parseInt(counts.group(2)) < CHANNEL_COUNT, "separate sessions at once stall: " + result);
            assertTrue(Integer.parseInt(counts.group(5)) < CHANNEL_COUNT, "one after another stall: " + result);
            assertEquals(CHANNEL_COUNT, Integer.parseInt(counts.group(3)), "multiplexed channels all flow: " + result);
            assertEquals(0, run.exitValue(), "the browser test failed:\n" + run.output());
            assertTrue(run.output().contains("PASS"), run.output());
        }
    }
}
