package io.wsmux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A drain for a rolling deploy: the server stops accepting, then closes its WebSockets with 1012 "service restart"
 * spread over the drain period, not all at once.
 */
@Timeout(60)
class DrainIntegrationTest
{
    private static final long WAIT_MS = 10_000;
    private static final int CLIENTS = 100;

    private WsmuxServer server;

    @AfterEach
    void stop()
    {
        if (null != server)
        {
            server.close();
        }
    }

    @Test
    void shouldCloseEveryConnectionWith1012SpreadOverThePeriod() throws Exception
    {
        server = WsmuxServer.builder(new WsmuxSettings().port(0).ioThreads(2)).anyPath(new EchoHandler()).build()
            .start();
        final HttpClient http = HttpClient.newHttpClient();
        final List<Closing> clients = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++)
        {
            final Closing closing = new Closing();
            http.newWebSocketBuilder().buildAsync(uri(), closing).get(WAIT_MS, TimeUnit.MILLISECONDS);
            clients.add(closing);
        }
        awaitOpen(CLIENTS);

        final long periodNs = TimeUnit.MILLISECONDS.toNanos(1000);
        final long startNs = System.nanoTime();
        final CompletableFuture<Boolean> drained = CompletableFuture.supplyAsync(() -> server.drain(periodNs));

        // No new connection once the drain has begun.
        final long refusedBy = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
        boolean refused = false;
        while (!refused && System.nanoTime() < refusedBy)
        {
            try
            {
                http.newWebSocketBuilder().buildAsync(uri(), new Closing()).get(WAIT_MS, TimeUnit.MILLISECONDS);
                Thread.sleep(5);
            }
            catch (final ExecutionException ex)
            {
                refused = true;
            }
        }
        assertTrue(refused, "still accepting during the drain");

        assertTrue(drained.get(WAIT_MS, TimeUnit.MILLISECONDS), "connections left after the drain");
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        for (final Closing closing : clients)
        {
            assertEquals("1012 service restart", closing.closed.get(WAIT_MS, TimeUnit.MILLISECONDS));
            first = Math.min(first, closing.closedAtNs);
            last = Math.max(last, closing.closedAtNs);
        }
        // Spread: the last close comes late in the period whatever the machine's load (a stall only delays closes).
        assertTrue(last - startNs >= periodNs * 7 / 10, "the last close came " +
            TimeUnit.NANOSECONDS.toMillis(last - startNs) + " ms into a 1000 ms drain: not spread");
        assertTrue(last - first >= periodNs / 2, "closes bunched: " + TimeUnit.NANOSECONDS.toMillis(last - first) +
            " ms from first to last");
        assertEquals(0, server.openConnections());
    }

    @Test
    void shouldCloseAllAtOnceWithAPeriodOfZero() throws Exception
    {
        server = WsmuxServer.builder(new WsmuxSettings().port(0).ioThreads(1).drainPeriodNs(0))
            .anyPath(new EchoHandler()).build().start();
        final Closing closing = new Closing();
        HttpClient.newHttpClient().newWebSocketBuilder().buildAsync(uri(), closing)
            .get(WAIT_MS, TimeUnit.MILLISECONDS);
        awaitOpen(1);

        assertTrue(server.drain());
        assertEquals("1012 service restart", closing.closed.get(WAIT_MS, TimeUnit.MILLISECONDS));
        assertThrows(ExecutionException.class, () -> HttpClient.newHttpClient().newWebSocketBuilder()
            .buildAsync(uri(), new Closing()).get(WAIT_MS, TimeUnit.MILLISECONDS));
    }

    private void awaitOpen(final int count) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
        while (server.openConnections() != count)
        {
            assertTrue(System.nanoTime() < deadline, "open " + server.openConnections());
            Thread.sleep(2);
        }
    }

    private URI uri()
    {
        return URI.create("ws://127.0.0.1:" + server.port() + "/");
    }

    /** Records the close code, reason and time. */
    private static final class Closing implements WebSocket.Listener
    {
        final CompletableFuture<String> closed = new CompletableFuture<>();
        volatile long closedAtNs;

        @Override
        public CompletionStage<?> onClose(final WebSocket webSocket, final int statusCode, final String reason)
        {
            closedAtNs = System.nanoTime();
            closed.complete(statusCode + " " + reason);
            return null;
        }

        @Override
        public void onError(final WebSocket webSocket, final Throwable error)
        {
            closed.complete("error " + error);
        }
    }
}
