package io.wsmux;

import static io.wsmux.SockJsHttpClient.connect;
import static io.wsmux.SockJsHttpClient.once;
import static io.wsmux.SockJsHttpClient.request;
import static io.wsmux.SockJsTransportIntegrationTest.PRELUDE;
import static io.wsmux.SockJsTransportIntegrationTest.assertSent;
import static io.wsmux.SockJsTransportIntegrationTest.session;
import static io.wsmux.SockJsTransportIntegrationTest.xhr;
import static io.wsmux.SockJsTransportIntegrationTest.xhrSend;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.wsmux.SockJsHttpClient.Response;
import io.wsmux.status.SystemCounter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Bounds and hostile clients: the queue between polls within {@code wsmux.outbound.budget} (dropped or closed by
 * policy), {@code wsmux.sockjs.max.sessions}, one bad client next to a good session, and a session whose requests
 * arrive on both loops (socket hand-off).
 */
@Timeout(30)
class SockJsBoundsIntegrationTest
{
    private static final int BUDGET = 1024;
    private static final int MESSAGES = 20;

    private static String burst()
    {
        final StringBuilder json = new StringBuilder("[");
        for (int i = 0; i < MESSAGES; i++)
        {
            json.append(i > 0 ? "," : "").append('"').append(message(i)).append('"');
        }
        return json.append(']').toString();
    }

    private static String message(final int i)
    {
        return String.format("%02d", i) + "m".repeat(98);
    }

    private static List<String> messages(final String frame)
    {
        assertTrue(frame.startsWith("a[\"") && frame.endsWith("\"]\n"), frame);
        final List<String> messages = new ArrayList<>();
        for (final String quoted : frame.substring(2, frame.length() - 2).split(","))
        {
            messages.add(quoted.substring(1, quoted.length() - 1));
        }
        return messages;
    }

    private static void awaitCounter(final WsmuxServer server, final SystemCounter counter, final long atLeast)
        throws InterruptedException
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (server.counter(counter) < atLeast && System.nanoTime() < deadlineNs)
        {
            Thread.sleep(10);
        }
        assertTrue(server.counter(counter) >= atLeast, counter + "=" + server.counter(counter) + " < " + atLeast);
    }

    // ---- the queue between polls ----

    @Test
    void shouldDropMessagesPastTheBudgetBetweenPollsAndKeepTheSession() throws Exception
    {
        try (WsmuxServer server = SockJsHttpClient.start(SockJsHttpClient.testSettings()
            .outboundBudget(BUDGET).outboundOverflow(WsmuxSettings.OverflowPolicy.DROP)))
        {
            final int port = server.port();
            final String base = session("/echo");
            xhr(port, base);

            assertSent(xhrSend(port, base, burst()));
            final Response poll = xhr(port, base);

            final List<String> kept = messages(poll.bodyText());
            assertTrue(kept.size() >= 1 && kept.size() < MESSAGES, "kept " + kept.size());
            for (int i = 0; i < kept.size(); i++)
            {
                assertEquals(message(i), kept.get(i), "the first messages are kept, in order");
            }
            assertTrue(poll.body().length <= BUDGET + 3, "the frame stays within the budget: " + poll.body().length);
            awaitCounter(server, SystemCounter.DROPPED_OVER_BUDGET, MESSAGES - kept.size());

            assertSent(xhrSend(port, base, "[\"after\"]"));
            assertEquals("a[\"after\"]\n", xhr(port, base).bodyText(), "an emptied queue takes messages again");
        }
    }

    @Test
    void shouldCloseTheSessionPastTheBudgetUnderTheClosePolicy() throws Exception
    {
        try (WsmuxServer server = SockJsHttpClient.start(SockJsHttpClient.testSettings()
            .outboundBudget(BUDGET).outboundOverflow(WsmuxSettings.OverflowPolicy.CLOSE).slowConsumerGraceNs(0)))
        {
            final int port = server.port();
            final String base = session("/echo");
            final String other = session("/echo");
            xhr(port, base);
            xhr(port, other);

            assertSent(xhrSend(port, base, burst()));

            assertEquals("c[1008,\"slow consumer\"]\n", xhr(port, base).bodyText());
            assertEquals("c[1008,\"slow consumer\"]\n", xhr(port, base).bodyText());
            assertEquals(404, xhrSend(port, base, "[\"x\"]").status());
            awaitCounter(server, SystemCounter.SLOW_CONSUMER_CLOSES, 1);

            assertSent(xhrSend(port, other, "[\"fine\"]"));
            assertEquals("a[\"fine\"]\n", xhr(port, other).bodyText(), "another session is not touched");
        }
    }

    @Test
    void shouldKeepEverythingWithinTheBudget() throws Exception
    {
        try (WsmuxServer server = SockJsHttpClient.start(SockJsHttpClient.testSettings()
            .outboundBudget(64 * 1024).outboundOverflow(WsmuxSettings.OverflowPolicy.CLOSE).slowConsumerGraceNs(0)))
        {
            final String base = session("/echo");
            xhr(server.port(), base);

            assertSent(xhrSend(server.port(), base, burst()));

            assertEquals(MESSAGES, messages(xhr(server.port(), base).bodyText()).size());
        }
    }

    @Test
    void shouldCloseAClientThatPipelinesRequestsWithoutReadingTheAnswers() throws Exception
    {
        final int requests = 20_000;
        try (WsmuxServer server = SockJsHttpClient.start(SockJsHttpClient.testSettings()
            .outboundBudget(BUDGET).socketSendBuffer(8 * 1024));
            SockJsHttpClient flood = connect(server.port()))
        {
            final byte[] one = request("GET", "/echo", null);
            final byte[] many = new byte[one.length * requests];
            for (int i = 0; i < requests; i++)
            {
                System.arraycopy(one, 0, many, i * one.length, one.length);
            }
            final Thread writer = new Thread(() ->
            {
                try
                {
                    flood.send(many);
                }
                catch (final java.io.IOException ignore)
                {
                    // the server closed the connection while we were still writing: expected
                }
            }, "pipelining-flood");
            writer.start();
            Thread.sleep(300);

            final String answers = new String(flood.readToEnd(), StandardCharsets.US_ASCII);
            writer.join(5_000);

            final int answered = answers.split("Welcome to SockJS!", -1).length - 1;
            assertTrue(answered < requests, "closed before answering all: " + answered);
            assertEquals(200, once(server.port(), "GET", "/echo", null).status(), "the server serves others");
            awaitCounter(server, SystemCounter.SLOW_CONSUMER_CLOSES, 1);
        }
    }

    // ---- the session cap ----

    @Test
    void shouldRefuseSessionsPastTheCapWith503UntilOneEnds() throws Exception
    {
        try (WsmuxServer server = SockJsHttpClient.start(SockJsHttpClient.testSettings()
            .sockJsMaxSessions(2).sockJsDisconnectDelayNs(TimeUnit.MILLISECONDS.toNanos(300))))
        {
            final int port = server.port();
            final String first = session("/echo");
            final String second = session("/cookie_needed_echo");
            final String third = session("/echo");
            assertEquals("o\n", xhr(port, first).bodyText());
            assertEquals("o\n", xhr(port, second).bodyText());

            assertEquals(503, xhr(port, third).status(), "the cap counts every endpoint's sessions");
            assertEquals(503, once(port, "GET", third + "/eventsource", null).status());
            assertEquals(503, once(port, "GET", third + "/jsonp?c=x", null).status());
            assertEquals(404, xhrSend(port, third, "[\"x\"]").status(), "a refused session does not exist");

            assertSent(xhrSend(port, first, "[\"x\"]"));
            assertEquals("a[\"x\"]\n", xhr(port, first).bodyText(), "sessions under the cap work");

            final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            Response retry = xhr(port, third);
            while (503 == retry.status() && System.nanoTime() < deadlineNs)
            {
                Thread.sleep(50);
                retry = xhr(port, third);
            }
            assertEquals("o\n", retry.bodyText(), "a session that timed out frees its place");
        }
    }

    // ---- one bad client, one good session ----

    @Test
    void shouldKeepAGoodSessionStreamingWhileOtherClientsMisbehave() throws Exception
    {
        try (WsmuxServer server = SockJsHttpClient.start(SockJsHttpClient.testSettings()
            .handshakeTimeoutNs(TimeUnit.MILLISECONDS.toNanos(200)).sockJsMaxBodyLength(1024));
            SockJsHttpClient good = connect(server.port()))
        {
            final int port = server.port();
            final String base = session("/echo");
            good.send(request("POST", base + "/xhr_streaming", ""));
            good.readHead();
            assertEquals(PRELUDE, good.readChunkString());
            assertEquals("o\n", good.readChunkString());

            misbehave(port, base);

            for (int i = 0; i < 3; i++)
            {
                assertSent(xhrSend(port, base, "[\"still " + i + "\"]"));
                assertEquals("a[\"still " + i + "\"]\n", good.readChunkString());
            }
        }
    }

    private static void misbehave(final int port, final String goodBase) throws Exception
    {
        // A body over the limit, a malformed head, garbage bytes, broken JSON and an empty body to its own session,
        // a second receiver for the good session (2010), a slowloris head, a reset mid-stream, a bad WebSocket.
        assertEquals(413, once(port, request("POST", goodBase + "/xhr_send", "[\"" + "x".repeat(2000) + "\"]"))
            .status());
        try (SockJsHttpClient client = connect(port))
        {
            client.send("GET /echo HTTP/1.1\r\nBad Header\r\n\r\n");
            assertEquals(400, client.readResponse().status());
        }
        try (SockJsHttpClient client = connect(port))
        {
            final byte[] garbage = new byte[512];
            new java.util.Random(42).nextBytes(garbage);
            garbage[garbage.length - 1] = '\n';
            client.send(garbage);
            client.readToEnd();
        }
        final String bad = session("/echo");
        xhr(port, bad);
        assertEquals(500, xhrSend(port, bad, "[\"x").status());
        assertEquals(500, xhrSend(port, bad, "").status());
        assertEquals("c[2010,\"Another connection still open\"]\n", xhr(port, goodBase).bodyText());
        try (SockJsHttpClient slowloris = connect(port); SockJsHttpClient reset = connect(port))
        {
            slowloris.send("POST " + bad + "/xhr_send HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n[");
            reset.send(request("GET", bad + "/eventsource", null));
            reset.readHead();
            reset.abort();
            assertEquals(408, slowloris.readResponse().status());
        }
        try (HostileClient ws = HostileClient.connect(port).upgrade(session("/echo") + "/websocket"))
        {
            ws.readFrame();
            ws.sendBinary(new byte[] {(byte)0xff, 0});
            ws.readFrame();
        }
    }

    // ---- a session over both loops ----

    @Test
    void shouldServeOneSessionsRequestsArrivingOnBothLoops() throws Exception
    {
        try (WsmuxServer server = SockJsHttpClient.start(SockJsHttpClient.testSettings().ioThreads(2)))
        {
            final int port = server.port();
            final String base = session("/echo");
            assertEquals("o\n", xhr(port, base).bodyText());
            for (int i = 0; i < 12; i++)
            {
                assertSent(xhrSend(port, base, "[\"m" + i + "\"]"));
                assertEquals("a[\"m" + i + "\"]\n", xhr(port, base).bodyText());
                assertEquals("ok", once(port, "POST", base + "/jsonp_send", "d=%5B%22j" + i + "%22%5D",
                    "Content-Type: application/x-www-form-urlencoded").bodyText());
                assertEquals("/**/f(\"a[\\\"j" + i + "\\\"]\");\r\n",
                    once(port, "GET", base + "/jsonp?c=f", null).bodyText());
            }
            awaitCounter(server, SystemCounter.SOCKET_HANDOFFS, 1);
        }
    }

    @Test
    void shouldHandOffRequestsWhoseBodyArrivesLaterAndKeepTheConnection() throws Exception
    {
        try (WsmuxServer server = SockJsHttpClient.start(SockJsHttpClient.testSettings().ioThreads(2));
            SockJsHttpClient stream = connect(server.port()))
        {
            final int port = server.port();
            final String base = session("/echo");
            stream.send(request("GET", base + "/eventsource", null));
            stream.readHead();
            stream.readChunk();
            assertEquals("data: o\r\n\r\n", stream.readChunkString());

            for (int i = 0; i < 8; i++)
            {
                final byte[] body = ("[\"late " + i + "\"]").getBytes(StandardCharsets.UTF_8);
                try (SockJsHttpClient client = connect(port))
                {
                    client.send("POST " + base + "/xhr_send HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length +
                        "\r\n\r\n" + "[\"la");
                    Thread.sleep(20);
                    client.send(java.util.Arrays.copyOfRange(body, 4, body.length));
                    assertSent(client.readResponse());
                    assertEquals("data: a[\"late " + i + "\"]\r\n\r\n", stream.readChunkString());

                    assertSent(client.exchange("POST", base + "/xhr_send", "[\"again " + i + "\"]"));
                    assertEquals("data: a[\"again " + i + "\"]\r\n\r\n", stream.readChunkString());
                    assertEquals(200, client.exchange("GET", "/echo", null).status(), "kept alive after hand-off");
                }
            }
            awaitCounter(server, SystemCounter.SOCKET_HANDOFFS, 1);
        }
    }

    @Test
    void shouldKeepWebSocketSessionsApartFromTheCap() throws Exception
    {
        try (WsmuxServer server = SockJsHttpClient.start(SockJsHttpClient.testSettings().sockJsMaxSessions(1)))
        {
            assertEquals("o\n", xhr(server.port(), session("/echo")).bodyText());
            assertEquals(503, xhr(server.port(), session("/echo")).status());

            try (SockJsWebSocketProbe ws = SockJsWebSocketProbe.open(HttpClient.newHttpClient(), server.port(),
                session("/echo") + "/websocket"))
            {
                assertEquals("o", ws.next(), "a WebSocket session is bounded by the connection limit instead");
            }
        }
    }

    @Test
    void shouldCountBodiesThatSpanReadsAgainstTheAssemblyBudget() throws Exception
    {
        // Two slow bodies of 6,000 bytes against a budget of 8 KiB: the second is refused at once (503), the first
        // completes; slowloris bodies cannot hold more than wsmux.assembly.budget.
        try (WsmuxServer server = SockJsHttpClient.start(SockJsHttpClient.testSettings()
            .maxFrameLength(4096).maxMessageLength(4096).assemblyBudget(8192)))
        {
            final int port = server.port();
            final String base = session("/echo");
            xhr(port, base);
            final String json = "[\"" + "x".repeat(5996) + "\"]";
            final String head = "POST " + base + "/xhr_send HTTP/1.1\r\nHost: x\r\nContent-Length: " + json.length() +
                "\r\n\r\n";
            try (SockJsHttpClient first = connect(port); SockJsHttpClient second = connect(port))
            {
                final long before = server.counter(SystemCounter.BYTES_IN);
                final String firstPart = head + json.substring(0, 100);
                first.send(firstPart);
                awaitCounter(server, SystemCounter.BYTES_IN, before + firstPart.length()); // held, partly received
                second.send(head + json.substring(0, 100));
                final Response refused = second.readResponse();
                assertEquals(503, refused.status());
                assertTrue(refused.bodyText().contains("wsmux.assembly.budget"), refused.bodyText());

                first.send(json.substring(100));
                assertEquals(204, first.readResponse().status());
            }
            assertEquals("a[\"" + "x".repeat(5996) + "\"]\n", xhr(port, base).bodyText());
        }
    }
}
