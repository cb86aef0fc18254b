package io.wsmux;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A loop that blocked in select for longer than the handshake timeout must not give the connections it then
 * accepts a deadline computed from the clock it read before blocking (they would be refused with 408 at once).
 */
@Timeout(30)
class IdleServerIntegrationTest
{
    @Test
    void shouldUpgradeNormallyAfterTheServerSatIdleLongerThanTheHandshakeTimeout() throws Exception
    {
        final WsmuxSettings settings = new WsmuxSettings().port(0).ioThreads(1)
            .handshakeTimeoutNs(TimeUnit.MILLISECONDS.toNanos(200));
        try (WsmuxServer server = WsmuxServer.builder(settings).anyPath(new EchoHandler()).build().start())
        {
            Thread.sleep(700);
            for (int i = 0; i < 5; i++)
            {
                final CompletableFuture<String> echo = new CompletableFuture<>();
                final WebSocket webSocket = HttpClient.newHttpClient().newWebSocketBuilder()
                    .buildAsync(URI.create("ws://127.0.0.1:" + server.port() + "/idle"), new WebSocket.Listener()
                    {
                        @Override
                        public CompletionStage<?> onText(final WebSocket socket, final CharSequence data,
                            final boolean last)
                        {
                            echo.complete(data.toString());
                            return null;
                        }
                    })
                    .get(5, TimeUnit.SECONDS);
                webSocket.sendText("awake " + i, true);
                assertEquals("awake " + i, echo.get(5, TimeUnit.SECONDS));
                webSocket.abort();
                Thread.sleep(300);
            }
        }
    }
}
