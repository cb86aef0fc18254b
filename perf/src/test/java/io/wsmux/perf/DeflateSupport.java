package io.wsmux.perf;

import java.net.URI;
import java.util.concurrent.TimeUnit;

import io.wsmux.EchoHandler;
import io.wsmux.WsmuxServer;
import io.wsmux.WsmuxSettings;
import io.wsmux.client.ClientHandler;
import io.wsmux.client.ClientSettings;
import io.wsmux.client.WsmuxClient;
import io.wsmux.status.SystemCounter;

/**
 * Whether the Java client offers permessage-deflate yet ({@code ClientSettings.perMessageDeflate} is honoured once
 * the client's side of issue 14 lands): the tests that need it run from then on and are skipped before.
 */
final class DeflateSupport
{
    private static final long WAIT_MS = 500;

    private DeflateSupport()
    {
    }

    /**
     * @return true if a client with {@code perMessageDeflate(true)} gets permessage-deflate from a wsmux server.
     * @throws Exception if the probe cannot run at all.
     */
    static boolean clientOffersDeflate() throws Exception
    {
        try (WsmuxServer server =
            WsmuxServer.builder(new WsmuxSettings().port(0)).anyPath(new EchoHandler()).build().start();
            WsmuxClient client = WsmuxClient.start(new ClientSettings().perMessageDeflate(true)))
        {
            client.connect(URI.create("ws://127.0.0.1:" + server.port() + "/"), null, new ClientHandler()
            {
            }).get(10, TimeUnit.SECONDS);
            // The server publishes its counters at the end of a duty cycle.
            final long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
            while (System.nanoTime() - deadlineNs < 0)
            {
                if (server.counter(SystemCounter.DEFLATE_CONNECTIONS) > 0)
                {
                    return true;
                }
                Thread.sleep(10);
            }
            return false;
        }
    }
}
