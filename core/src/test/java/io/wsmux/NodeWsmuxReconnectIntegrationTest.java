package io.wsmux;

import java.io.IOException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code wsmux.js} reconnecting by itself and recovering topics, driven from Node by
 * {@code src/test/node/wsmux-reconnect.js}, which fetches the client from this server's {@code /wsmux.js}. The wire
 * checks (OPEN with POSITIONS and RECOVER, offsets, each recovery status, GAP, back-off, jitter, which closes
 * reconnect) run against a fake {@code wsmux.v1} server inside the script.
 */
class NodeWsmuxReconnectIntegrationTest
{
    private static final long PROCESS_TIMEOUT_SECONDS = 60;

    private WsmuxServer server;

    @BeforeEach
    void startServer() throws IOException
    {
        final Multiplexer mux = Multiplexer.builder().topicPrefix("prices.", TopicOptions.LATEST).build();
        server = WsmuxServer.builder(new WsmuxSettings().port(0).ioThreads(1))
            .mux("/mux", mux)
            .build()
            .start();
    }

    @AfterEach
    void closeServer()
    {
        if (null != server)
        {
            server.close();
        }
    }

    @Test
    @Timeout(90)
    void shouldPassEveryWireCheckOfWsmuxJsReconnectAgainstFakeServer() throws Exception
    {
        NodeMuxClientsIntegrationTest.runScript(
            PROCESS_TIMEOUT_SECONDS, "wsmux-reconnect.js", "http://127.0.0.1:" + server.port());
    }
}
