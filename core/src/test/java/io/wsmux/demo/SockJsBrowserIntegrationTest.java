package io.wsmux.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wsmux.WsmuxSettings;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The demo's multiplexer over every SockJS transport in a real headless browser: Debian's Chromium driven by
 * playwright-core (core/src/test/node/sockjs-e2e.js) with the sockjs-client 1.6.1 and websocket-multiplex client the
 * server serves. Per transport: sockjs-client held to it (and using it: no silent fallback), echo, chat and a prices
 * topic on one session, text with commas and non-ASCII echoed exactly, and two channels still flowing after the third
 * closes. Then the demo page with {@code ?transport=xhr-streaming}. One browser run serves every case; each case is
 * reported on its own. On failure the script saves screenshots under core/target/.
 */
@Timeout(120)
class SockJsBrowserIntegrationTest
{
    private static NodeBrowserScript run;

    @BeforeAll
    @Timeout(110)
    static void runEveryTransportInChromium() throws Exception
    {
        try (DemoServer demo = DemoServer.start(new WsmuxSettings().port(0).ioThreads(2)))
        {
            run = NodeBrowserScript.run("sockjs-e2e.js", 100, "http://127.0.0.1:" + demo.server().port());
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = { "websocket", "xhr-streaming", "xhr-polling", "eventsource", "iframe-eventsource",
        "iframe-htmlfile", "iframe-xhr-polling", "jsonp-polling" })
    void shouldCarryEchoChatAndPricesOverTheOneSockJsTransport(final String transport)
    {
        assertCasePassed(transport);
    }

    @Test
    void shouldRunTheDemoPanelsOverXhrStreaming()
    {
        assertCasePassed("demo-page");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = { "websocket", "xhr-polling", "eventsource", "iframe-eventsource", "iframe-htmlfile",
        "iframe-xhr-polling", "jsonp-polling" })
    void shouldRunTheDemoPageOverEveryOtherTransport(final String transport)
    {
        assertCasePassed("demo-page-" + transport);
    }

    @Test
    void shouldFinishWithEveryCasePassed()
    {
        assertTrue(run.finished(), "the browser test did not finish:\n" + run.output());
        assertEquals(0, run.exitValue(), "the browser test failed:\n" + run.output());
    }

    private static void assertCasePassed(final String name)
    {
        assertNotNull(run.line("PASS " + name + " ("), () ->
        {
            final String failure = run.line("FAIL " + name + ":");
            return (null != failure ? failure : "no result for " + name) + "\n" + run.output();
        });
    }
}
