package io.wsmux.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wsmux.Main;
import io.wsmux.WsmuxServer;
import io.wsmux.WsmuxSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class RecoverStormTest
{
    @Test
    @Timeout(120)
    void shouldReconnectEveryClientAndRecoverEveryMissedPublication() throws Exception
    {
        try (WsmuxServer server = WsmuxServer.builder(new WsmuxSettings().port(0).ioThreads(1))
            .mux("/", Main.fanOutMultiplexer()).build().start())
        {
            final String result =
                RecoverStorm.runParent("ws://127.0.0.1:" + server.port() + "/", 60, 30, 20, 100);

            assertTrue(result.startsWith("RESULT scenario=recover-storm clients=60 processes=2 messages=20 "),
                result);
            assertTrue(result.contains(" recovered=60 notRecovered=0 failed=0 "), result);
            assertTrue(!result.contains("timeToAllRecoveredMs=0 "), result);
        }
    }

    @Test
    void shouldRefuseAnUnknownOptionOrNoUrl()
    {
        assertThrows(IllegalArgumentException.class, () -> RecoverStorm.main(new String[] {"--bogus"}));
        final IllegalArgumentException noUrl =
            assertThrows(IllegalArgumentException.class, () -> RecoverStorm.main(new String[] {"--clients", "5"}));
        assertEquals("recover-storm needs --url, and --clients, --per-process >= 1, --messages 1..1000 (the " +
            "history), --timeout >= 1", noUrl.getMessage());
    }
}
