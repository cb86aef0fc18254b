package io.wsmux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Graceful shutdown over real sockets: every open connection is told 1001, handshaking ones are dropped, the
 * listener stops, and close() returns with nothing left open.
 */
@Timeout(30)
class ShutdownIntegrationTest
{
    @Test
    void shouldRefuseToStartOnAPortAnotherServerHoldsEvenWithReusePort() throws Exception
    {
        try (WsmuxServer first = WsmuxServer.builder(new WsmuxSettings().port(0).ioThreads(2))
            .anyPath(new EchoHandler()).build().start())
        {
            final WsmuxServer second = WsmuxServer.builder(new WsmuxSettings().port(first.port()).ioThreads(2))
                .anyPath(new EchoHandler()).build();
            final IOException refused = assertThrows(IOException.class, second::start);
            assertTrue(refused.getMessage().contains("cannot listen on"), refused.getMessage());
            second.close();
        }
    }

    @Test
    void shouldSendGoingAwayToEveryConnectionAndStopAccepting() throws Exception
    {
        final ConcurrentLinkedQueue<Integer> serverSideCloseCodes = new ConcurrentLinkedQueue<>();
        final WsmuxServer server = WsmuxServer.builder(new WsmuxSettings().port(0).ioThreads(2))
            .endpoint("/ws", new WebSocketHandler()
            {
                @Override
                public void onClose(final Connection connection, final int code, final String reason)
                {
                    serverSideCloseCodes.add(code);
                }
            })
            .build()
            .start();
        final HttpClient http = HttpClient.newHttpClient();
        final List<CompletableFuture<Integer>> clientCloseCodes = new ArrayList<>();
        for (int i = 0; i < 5; i++)
        {
            final CompletableFuture<Integer> closed = new CompletableFuture<>();
            clientCloseCodes.add(closed);
            http.newWebSocketBuilder()
                .buildAsync(URI.create("ws://127.0.0.1:" + server.port() + "/ws"), new WebSocket.Listener()
                {
                    @Override
                    public CompletionStage<?> onClose(final WebSocket webSocket, final int code, final String reason)
                    {
                        closed.complete(code);
                        return null; // the JDK client then answers with its own close frame
                    }
                })
                .get(5, TimeUnit.SECONDS);
        }
        final Socket handshaking = new Socket("127.0.0.1", server.port());
        handshaking.setSoTimeout(5000);
        final OutputStream out = handshaking.getOutputStream();
        out.write("GET /ws HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        while (server.openConnections() < 6)
        {
            Thread.sleep(1);
        }

        server.close();

        for (final CompletableFuture<Integer> closed : clientCloseCodes)
        {
            assertEquals(1001, closed.get(5, TimeUnit.SECONDS));
        }
        final InputStream in = handshaking.getInputStream();
        assertEquals(-1, in.read(), "a connection still handshaking is closed");
        assertEquals(0, server.openConnections());
        assertEquals(5, serverSideCloseCodes.size());
        serverSideCloseCodes.forEach((code) -> assertEquals(1001, code));
        boolean refused = false;
        try (Socket late = new Socket("127.0.0.1", server.port()))
        {
            late.setSoTimeout(2000);
            refused = -1 == late.getInputStream().read();
        }
        catch (final IOException ex)
        {
            refused = true;
        }
        assertTrue(refused, "no longer accepting");
        handshaking.close();
    }
}
