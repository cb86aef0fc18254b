package io.wsmux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Sends from an application thread: small messages go through the loop's ring buffer, messages too large for it
 * are parked aside with only a ticket in the ring, and a thread's messages arrive in the order it sent them.
 */
@Timeout(30)
class CrossThreadSendIntegrationTest
{
    @Test
    void shouldKeepOrderOfSmallAndLargeMessagesSentFromAnotherThread() throws Exception
    {
        final CompletableFuture<Connection> opened = new CompletableFuture<>();
        final WsmuxSettings settings = new WsmuxSettings().port(0).ioThreads(1).commandBufferLength(64 * 1024)
            .outboundBudget(64 << 20);
        try (WsmuxServer server = WsmuxServer.builder(settings).endpoint("/ws", new WebSocketHandler()
        {
            @Override
            public void onOpen(final Connection connection)
            {
                opened.complete(connection);
            }
        }).build().start())
        {
            final int count = 60;
            final List<String> received = new ArrayList<>();
            final CountDownLatch all = new CountDownLatch(1);
            HttpClient.newHttpClient().newWebSocketBuilder()
                .buildAsync(URI.create("ws://127.0.0.1:" + server.port() + "/ws"), new WebSocket.Listener()
                {
                    private final StringBuilder partial = new StringBuilder();

                    @Override
                    public CompletionStage<?> onText(final WebSocket webSocket, final CharSequence data,
                        final boolean last)
                    {
                        partial.append(data);
                        if (last)
                        {
                            received.add(partial.toString());
                            partial.setLength(0);
                            if (received.size() == count)
                            {
                                all.countDown();
                            }
                        }
                        webSocket.request(1);
                        return null;
                    }
                })
                .get(5, TimeUnit.SECONDS);
            final Connection connection = opened.get(5, TimeUnit.SECONDS);

            final List<String> sent = new ArrayList<>();
            for (int i = 0; i < count; i++)
            {
                final String message = i + ":" + (i % 3 == 0 ? "L".repeat(20_000 + i) : "s");
                final byte[] bytes = message.getBytes(StandardCharsets.US_ASCII);
                assertTrue(connection.sendText(new UnsafeBuffer(bytes), 0, bytes.length), "sent " + i);
                sent.add(message);
            }

            assertTrue(all.await(10, TimeUnit.SECONDS), "received " + received.size());
            assertEquals(sent, received);
        }
    }
}
