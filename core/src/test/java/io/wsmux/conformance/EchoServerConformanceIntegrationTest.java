package io.wsmux.conformance;

import java.io.IOException;
import java.net.InetSocketAddress;

import io.wsmux.EchoHandler;
import io.wsmux.Main;
import io.wsmux.WsmuxServer;
import io.wsmux.WsmuxSettings;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The strict RFC 6455 conformance suite (Autobahn cases 1-7 and 9, raw bytes) against the echo server exactly as
 * {@code java -jar wsmux.jar --mode echo} runs it: every path, 16 MiB message limit, 32 MiB outbound budget.
 */
class EchoServerConformanceIntegrationTest extends AbstractEchoConformanceTest
{
    private static WsmuxServer server;

    @BeforeAll
    static void startServer() throws IOException
    {
        final WsmuxSettings settings = Main.echoMode(new WsmuxSettings().port(0).ioThreads(2));
        server = WsmuxServer.builder(settings).anyPath(new EchoHandler()).build().start();
    }

    @AfterAll
    static void stopServer()
    {
        server.close();
    }

    @Override
    protected InetSocketAddress serverAddress()
    {
        return server.address();
    }
}
