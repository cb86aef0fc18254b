package io.wsmux.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import io.wsmux.CutProxy;
import io.wsmux.WsmuxSettings;
import io.wsmux.status.SystemCounter;
import io.wsmux.transport.tls.TestCertificates;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Timeout;

/**
 * The demo in a real headless browser: Debian's Chromium driven by playwright-core (core/src/test/node/demo-e2e.js):
 * one WebSocket per page, live prices, chat between two browser contexts (one per protocol), closing a panel closes
 * only its channel. Then the same over https:// and wss:// on the TLS port, Chromium trusting exactly the test
 * server's key (its SPKI hash), not every certificate. And the recovery notice: the page's connection cut through a
 * {@link CutProxy} (core/src/test/node/demo-recovery-e2e.js). On failure the scripts save screenshots under
 * core/target/.
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

    @Test
    void shouldRunTheDemoOverHttpsAndWssInHeadlessChromium(@TempDir final Path directory) throws Exception
    {
        final TestCertificates certificates = TestCertificates.create(directory);
        final WsmuxSettings settings = new WsmuxSettings().port(0).ioThreads(2).tlsPort(0)
            .tlsCert(certificates.serverChainPem().toString())
            .tlsKey(certificates.serverKeyPem().toString());
        try (DemoServer demo = DemoServer.start(settings))
        {
            final NodeBrowserScript run = NodeBrowserScript.run("demo-e2e.js", 100,
                "https://localhost:" + demo.server().tlsPort(), certificates.serverSpkiSha256Base64());
            assertTrue(run.finished(), "the browser test did not finish:\n" + run.output());
            assertEquals(0, run.exitValue(), "the browser test failed:\n" + run.output());
            assertTrue(run.output().contains("PASS"), run.output());
            assertTrue(run.output().contains("opened its WebSocket over TLS: wss://"), run.output());
            assertTrue(demo.server().counter(SystemCounter.TLS_HANDSHAKES) >= 2, "pages and sockets over TLS");
            assertTrue(demo.server().counter(SystemCounter.DEFLATE_CONNECTIONS) >= 2, "compression over TLS too");
        }
    }

    @Test
    void shouldReconnectRecoverAndShowTheNoticeAfterACutInHeadlessChromium() throws Exception
    {
        try (DemoServer demo = DemoServer.start(new WsmuxSettings().port(0).ioThreads(2));
            CutProxy proxy = CutProxy.start(new InetSocketAddress("127.0.0.1", demo.server().port())))
        {
            // The script asks for the blink: refuse new connections and reset the open ones (the page's WebSocket,
            // and its HTTP connection), then, a second later, forward again.
            final NodeBrowserScript run = NodeBrowserScript.runWithRequests("demo-recovery-e2e.js", 100,
                "http://127.0.0.1:" + proxy.port(), (request) ->
                {
                    switch (request)
                    {
                        case "cut":
                            proxy.pause();
                            return "cut " + proxy.cutAll();
                        case "resume":
                            proxy.resume();
                            return "resumed";
                        default:
                            throw new IllegalArgumentException("unknown request: " + request);
                    }
                });
            assertTrue(run.finished(), "the browser test did not finish:\n" + run.output());
            assertEquals(0, run.exitValue(), "the browser test failed:\n" + run.output());
            assertTrue(run.output().contains("PASS"), run.output());

            // What the page counted is what the server replayed: every price channel recovered, none refused.
            final String recoveredLine = run.line("RECOVERED ");
            assertTrue(null != recoveredLine, run.output());
            final long updates = Long.parseLong(recoveredLine.substring("RECOVERED ".length()));
            assertTrue(updates > 0, run.output());
            assertEquals(1, proxy.cuts(), proxy.toString());
            assertTrue(proxy.refused() >= 1, "reconnect attempts were refused while paused: " + proxy);
            awaitCounter(demo, SystemCounter.RECOVERIES, 8);
            awaitCounter(demo, SystemCounter.RECOVERED_PUBLICATIONS, updates);
            assertEquals(0, demo.server().counter(SystemCounter.RECOVERIES_FAILED), "no recovery failed");
        }
    }

    private static void awaitCounter(final DemoServer demo, final SystemCounter counter, final long expected)
        throws InterruptedException
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (demo.server().counter(counter) < expected && System.nanoTime() < deadlineNs)
        {
            Thread.sleep(10); // each loop publishes its counters at the end of a duty cycle
        }
        assertEquals(expected, demo.server().counter(counter), counter.name());
    }
}
