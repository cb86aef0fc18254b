package io.wsmux;

import static io.wsmux.SockJsHttpClient.connect;
import static io.wsmux.SockJsHttpClient.once;
import static io.wsmux.SockJsHttpClient.request;
import static io.wsmux.SockJsTransportIntegrationTest.PRELUDE;
import static io.wsmux.SockJsTransportIntegrationTest.assertSent;
import static io.wsmux.SockJsTransportIntegrationTest.session;
import static io.wsmux.SockJsTransportIntegrationTest.xhr;
import static io.wsmux.SockJsTransportIntegrationTest.xhrSend;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import io.wsmux.SockJsHttpClient.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Session rules: the open frame, heartbeats, one receiver at a time (2010), the close frame repeated, an aborted
 * receiver (1002), the disconnect delay, the JSESSIONID cookie, and JSON escaping both ways.
 */
@Timeout(30)
class SockJsSessionIntegrationTest
{
    private static final String ANOTHER_CONNECTION = "c[2010,\"Another connection still open\"]";
    private static final String GO_AWAY = "c[3000,\"Go away!\"]";
    private static final String INTERRUPTED = "c[1002,\"Connection interrupted\"]";
    private static final long HEARTBEAT_MS = 200;
    private static final long DISCONNECT_DELAY_MS = 300;

    private static WsmuxServer server;
    private static int port;

    @BeforeAll
    static void startServer() throws Exception
    {
        server = SockJsHttpClient.start(SockJsHttpClient.testSettings());
        port = server.port();
    }

    @AfterAll
    static void stopServer()
    {
        if (null != server)
        {
            server.close();
        }
    }

    private static WsmuxServer startFast() throws Exception
    {
        return SockJsHttpClient.start(SockJsHttpClient.testSettings()
            .sockJsHeartbeatNs(TimeUnit.MILLISECONDS.toNanos(HEARTBEAT_MS))
            .sockJsDisconnectDelayNs(TimeUnit.MILLISECONDS.toNanos(DISCONNECT_DELAY_MS)));
    }

    // ---- heartbeats ----

    @Test
    void shouldAnswerAWaitingPollWithAHeartbeat() throws Exception
    {
        try (WsmuxServer fast = startFast())
        {
            final String base = session("/echo");
            assertEquals("o\n", xhr(fast.port(), base).bodyText());

            final Response poll = xhr(fast.port(), base);

            assertEquals(200, poll.status());
            assertEquals("h\n", poll.bodyText());
        }
    }

    @Test
    void shouldSendHeartbeatsOnEveryStreamingTransport() throws Exception
    {
        try (WsmuxServer fast = startFast();
            SockJsHttpClient xhrStream = connect(fast.port());
            SockJsHttpClient eventSource = connect(fast.port());
            SockJsHttpClient htmlFile = connect(fast.port()))
        {
            xhrStream.send(request("POST", session("/echo") + "/xhr_streaming", ""));
            eventSource.send(request("GET", session("/echo") + "/eventsource", null));
            htmlFile.send(request("GET", session("/echo") + "/htmlfile?c=f", null));
            for (final SockJsHttpClient stream : new SockJsHttpClient[] {xhrStream, eventSource, htmlFile})
            {
                assertEquals(200, stream.readHead().status());
                stream.readChunk();
                stream.readChunk();
            }

            for (int i = 0; i < 2; i++)
            {
                assertEquals("h\n", xhrStream.readChunkString());
                assertEquals("data: h\r\n\r\n", eventSource.readChunkString());
                assertEquals("<script>\np(\"h\");\n</script>\r\n", htmlFile.readChunkString());
            }
        }
    }

    @Test
    void shouldSendHeartbeatsOnTheWebSocketTransport() throws Exception
    {
        try (WsmuxServer fast = startFast();
            SockJsWebSocketProbe ws = SockJsWebSocketProbe.open(HttpClient.newHttpClient(), fast.port(),
                session("/echo") + "/websocket"))
        {
            assertEquals("o", ws.next());
            assertEquals("h", ws.next());
            assertEquals("h", ws.next());
        }
    }

    @Test
    void shouldNotSendHeartbeatsBeforeTheInterval() throws Exception
    {
        final String base = session("/echo");
        xhr(port, base);
        try (SockJsHttpClient poll = connect(port))
        {
            poll.send(request("POST", base + "/xhr", ""));

            assertTrue(poll.isQuietFor(500), "the default heartbeat is 25 s");
        }
    }

    // ---- one receiver at a time ----

    @Test
    void shouldAnswerASecondPollWith2010AndKeepTheFirst() throws Exception
    {
        final String base = session("/echo");
        xhr(port, base);
        try (SockJsHttpClient first = connect(port))
        {
            first.send(request("POST", base + "/xhr", ""));
            assertTrue(first.isQuietFor(100));

            assertEquals(ANOTHER_CONNECTION + "\n", xhr(port, base).bodyText());

            assertSent(xhrSend(port, base, "[\"x\"]"));
            assertEquals("a[\"x\"]\n", first.readResponse().bodyText());
        }
    }

    @Test
    void shouldEndASecondStreamWith2010AndKeepTheFirst() throws Exception
    {
        final String base = session("/echo");
        try (SockJsHttpClient first = connect(port); SockJsHttpClient second = connect(port))
        {
            first.send(request("POST", base + "/xhr_streaming", ""));
            first.readHead();
            assertEquals(PRELUDE, first.readChunkString());
            assertEquals("o\n", first.readChunkString());

            second.send(request("POST", base + "/xhr_streaming", ""));
            assertEquals(200, second.readHead().status());
            assertEquals(PRELUDE, second.readChunkString());
            assertEquals(ANOTHER_CONNECTION + "\n", second.readChunkString());
            assertArrayEquals(new byte[0], second.readChunk());

            assertSent(xhrSend(port, base, "[\"x\"]"));
            assertEquals("a[\"x\"]\n", first.readChunkString());
        }
    }

    @Test
    void shouldAnswerAPollWith2010WhileAStreamHoldsTheSession() throws Exception
    {
        final String base = session("/echo");
        try (SockJsHttpClient stream = connect(port))
        {
            stream.send(request("GET", base + "/eventsource", null));
            stream.readHead();
            stream.readChunk();
            assertEquals("data: o\r\n\r\n", stream.readChunkString());

            assertEquals("/**/cb(\"" + ANOTHER_CONNECTION.replace("\"", "\\\"") + "\");\r\n",
                once(port, "GET", base + "/jsonp?c=cb", null).bodyText());
        }
    }

    // ---- closing ----

    @Test
    void shouldRepeatTheCloseFrameToEveryLaterPoll() throws Exception
    {
        final String base = session("/close");

        assertEquals("o\n", xhr(port, base).bodyText());
        assertEquals(GO_AWAY + "\n", xhr(port, base).bodyText());
        assertEquals(GO_AWAY + "\n", xhr(port, base).bodyText());
        assertEquals(404, xhrSend(port, base, "[\"x\"]").status(), "a closed session takes no messages");
    }

    @Test
    void shouldRepeatTheCloseFrameToEveryLaterStream() throws Exception
    {
        final String base = session("/close");
        try (SockJsHttpClient stream = connect(port))
        {
            stream.send(request("POST", base + "/xhr_streaming", ""));
            final Response head = stream.readHead();
            assertTrue(head.isChunked());
            assertNull(head.header("Content-Length"));
            assertEquals(PRELUDE, stream.readChunkString());
            assertEquals("o\n", stream.readChunkString());
            assertEquals(GO_AWAY + "\n", stream.readChunkString());
            assertArrayEquals(new byte[0], stream.readChunk());

            stream.send(request("POST", base + "/xhr_streaming", ""));
            stream.readHead();
            assertEquals(PRELUDE, stream.readChunkString());
            assertEquals(GO_AWAY + "\n", stream.readChunkString());
            assertArrayEquals(new byte[0], stream.readChunk());
        }
    }

    @Test
    void shouldRepeatTheCloseFrameOverJsonp() throws Exception
    {
        final String base = session("/close");

        assertEquals("/**/x(\"o\");\r\n", once(port, "GET", base + "/jsonp?c=x", null).bodyText());
        final String closed = "/**/x(\"c[3000,\\\"Go away!\\\"]\");\r\n";
        assertEquals(closed, once(port, "GET", base + "/jsonp?c=x", null).bodyText());
        assertEquals(closed, once(port, "GET", base + "/jsonp?c=x", null).bodyText());
    }

    @ParameterizedTest
    @ValueSource(strings = {"xhr_streaming", "eventsource", "htmlfile?c=f", "xhr"})
    void shouldInterruptTheSessionWhenTheReceiverGoesAway(final String transport) throws Exception
    {
        final String base = session("/echo");
        final String method = transport.startsWith("xhr") ? "POST" : "GET";
        if ("xhr".equals(transport))
        {
            xhr(port, base);
        }
        try (SockJsHttpClient receiver = connect(port))
        {
            receiver.send(request(method, base + "/" + transport, "POST".equals(method) ? "" : null));
            if ("xhr".equals(transport))
            {
                assertTrue(receiver.isQuietFor(100), "the poll waits");
            }
            else
            {
                receiver.readHead();
                receiver.readChunk();
                receiver.readChunk();
            }
        }

        // Sent at once, as the protocol's own tests do: the server must see the disconnect first.
        assertEquals(INTERRUPTED + "\n", xhr(port, base).bodyText());
        assertEquals(INTERRUPTED + "\n", xhr(port, base).bodyText());
        assertEquals(404, xhrSend(port, base, "[\"x\"]").status());
    }

    @Test
    void shouldForgetASessionWithoutReceiverAfterTheDisconnectDelay() throws Exception
    {
        try (WsmuxServer fast = startFast())
        {
            final String base = session("/echo");
            assertEquals("o\n", xhr(fast.port(), base).bodyText());
            assertSent(xhrSend(fast.port(), base, "[\"within the delay\"]"));

            awaitGone(fast.port(), base);

            assertEquals("o\n", xhr(fast.port(), base).bodyText(), "the id opens a new session");
        }
    }

    @Test
    void shouldForgetAClosedSessionAfterTheDisconnectDelay() throws Exception
    {
        try (WsmuxServer fast = startFast())
        {
            final String base = session("/close");
            assertEquals("o\n", xhr(fast.port(), base).bodyText());
            assertEquals(GO_AWAY + "\n", xhr(fast.port(), base).bodyText());

            final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            String frame = GO_AWAY + "\n";
            while (frame.equals(GO_AWAY + "\n") && System.nanoTime() < deadlineNs)
            {
                Thread.sleep(100);
                frame = xhr(fast.port(), base).bodyText();
            }

            assertEquals("o\n", frame, "after the delay the id is free again");
        }
    }

    @Test
    void shouldKeepASessionWithAWaitingReceiverPastTheDisconnectDelay() throws Exception
    {
        try (WsmuxServer slow = SockJsHttpClient.start(SockJsHttpClient.testSettings()
            .sockJsDisconnectDelayNs(TimeUnit.MILLISECONDS.toNanos(DISCONNECT_DELAY_MS)));
            SockJsHttpClient poll = connect(slow.port()))
        {
            final String base = session("/echo");
            xhr(slow.port(), base);
            poll.send(request("POST", base + "/xhr", ""));

            assertTrue(poll.isQuietFor((int)(3 * DISCONNECT_DELAY_MS)));

            assertSent(xhrSend(slow.port(), base, "[\"alive\"]"));
            assertEquals("a[\"alive\"]\n", poll.readResponse().bodyText());
        }
    }

    @Test
    void shouldCloseEveryReceiverWith1001WhenTheServerShutsDown() throws Exception
    {
        final WsmuxServer doomed = SockJsHttpClient.start(SockJsHttpClient.testSettings());
        try (SockJsHttpClient stream = connect(doomed.port()); SockJsHttpClient poll = connect(doomed.port()))
        {
            stream.send(request("POST", session("/echo") + "/xhr_streaming", ""));
            stream.readHead();
            stream.readChunk();
            stream.readChunk();
            final String polled = session("/echo");
            xhr(doomed.port(), polled);
            poll.send(request("POST", polled + "/xhr", ""));
            assertTrue(poll.isQuietFor(100));

            doomed.close();

            final String goingAway = "c[1001,\"server shutting down\"]\n";
            assertEquals(goingAway, stream.readChunkString());
            assertArrayEquals(new byte[0], stream.readChunk(), "the stream ends");
            assertEquals(goingAway, poll.readResponse().bodyText());
            assertTrue(stream.awaitClosed());
            assertTrue(poll.awaitClosed());
        }
        finally
        {
            doomed.close();
        }
    }

    private static void awaitGone(final int port, final String base) throws Exception
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        int status = 204;
        while (204 == status && System.nanoTime() < deadlineNs)
        {
            Thread.sleep(100);
            status = xhrSend(port, base, "[\"probe\"]").status();
        }
        assertEquals(404, status, "the session times out after the disconnect delay");
    }

    // ---- JSESSIONID ----

    @Test
    void shouldSetADummyJsessionIdWhenTheClientHasNone() throws Exception
    {
        final Response response = xhr(port, session("/cookie_needed_echo"));

        assertEquals("JSESSIONID=dummy; path=/", response.header("Set-Cookie"));
        assertEquals(1, response.headerCount("Set-Cookie"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"JSESSIONID=abcdef", "a=b; JSESSIONID=abcdef", "JSESSIONID=abcdef;x=y",
        "  JSESSIONID=abcdef "})
    void shouldEchoTheClientsJsessionId(final String cookie) throws Exception
    {
        final Response response = xhr(port, session("/cookie_needed_echo"), "Cookie: " + cookie);

        assertEquals("JSESSIONID=abcdef; path=/", response.header("Set-Cookie"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"JSESSIONID=", "JSESSIONID=a\"b", "JSESSIONID=a,b", "jsessionid=abc", "XJSESSIONID=abc",
        "JSESSIONID=a\\b"})
    void shouldFallBackToDummyForACookieThatCannotBeEchoed(final String cookie) throws Exception
    {
        final Response response = xhr(port, session("/cookie_needed_echo"), "Cookie: " + cookie);

        assertEquals("JSESSIONID=dummy; path=/", response.header("Set-Cookie"), cookie);
    }

    @Test
    void shouldSetTheCookieOnEveryTransportOfACookieEndpoint() throws Exception
    {
        final String base = session("/cookie_needed_echo");
        final String cookie = "Cookie: JSESSIONID=abc";
        final String expected = "JSESSIONID=abc; path=/";
        assertEquals(expected, xhr(port, base, cookie).header("Set-Cookie"), "xhr");
        assertEquals(expected, xhrSend(port, base, "[\"x\"]", cookie).header("Set-Cookie"), "xhr_send");
        assertEquals(expected, once(port, "POST", base + "/jsonp_send", "[\"y\"]", cookie).header("Set-Cookie"));
        assertEquals(expected, once(port, "GET", base + "/jsonp?c=x", null, cookie).header("Set-Cookie"), "jsonp");
        try (SockJsHttpClient stream = connect(port))
        {
            stream.send(request("POST", base + "/xhr_streaming", "", cookie));
            assertEquals(expected, stream.readHead().header("Set-Cookie"), "xhr_streaming");
        }

        final String other = session("/cookie_needed_echo");
        for (final String transport : new String[] {"/eventsource", "/htmlfile?c=x"})
        {
            try (SockJsHttpClient stream = connect(port))
            {
                stream.send(request("GET", other + transport, null, cookie));
                assertEquals(expected, stream.readHead().header("Set-Cookie"), transport);
            }
            assertEquals(INTERRUPTED + "\n", xhr(port, other, cookie).bodyText());
        }
    }

    @Test
    void shouldAnswerAWaitingPollOnACookieEndpointWithTheCookie() throws Exception
    {
        final String base = session("/cookie_needed_echo");
        xhr(port, base);
        try (SockJsHttpClient poll = connect(port))
        {
            poll.send(request("POST", base + "/xhr", "", "Cookie: JSESSIONID=late", "Origin: http://o"));
            assertTrue(poll.isQuietFor(100));

            assertSent(xhrSend(port, base, "[\"x\"]"));

            final Response response = poll.readResponse();
            assertEquals("a[\"x\"]\n", response.bodyText());
            assertEquals("JSESSIONID=late; path=/", response.header("Set-Cookie"));
            assertEquals("http://o", response.header("Access-Control-Allow-Origin"));
        }
        try (SockJsHttpClient poll = connect(port))
        {
            poll.send(request("GET", base + "/jsonp?c=cb", null, "Cookie: JSESSIONID=jsonp"));
            assertTrue(poll.isQuietFor(100));

            assertSent(xhrSend(port, base, "[\"y\"]"));

            final Response response = poll.readResponse();
            assertEquals("/**/cb(\"a[\\\"y\\\"]\");\r\n", response.bodyText());
            assertEquals("JSESSIONID=jsonp; path=/", response.header("Set-Cookie"));
        }
    }

    @Test
    void shouldNotSetCookiesOnAnEndpointThatDoesNotNeedThem() throws Exception
    {
        final String base = session("/echo");

        assertNull(xhr(port, base, "Cookie: JSESSIONID=abc").header("Set-Cookie"));
        assertNull(xhrSend(port, base, "[\"x\"]", "Cookie: JSESSIONID=abc").header("Set-Cookie"));
    }

    // ---- JSON escaping ----

    @Test
    void shouldEscapeWhatBrowsersAndProxiesMangleAndPassTheRestAsUtf8() throws Exception
    {
        final String base = session("/echo");
        xhr(port, base);
        final String sent = "[\"\\u200c\\u200d\\u200e\\u200f\\u2028\\u2029\\u202a\\u202f\\u2060\\u206f\\ufff0\\uFFFF" +
            "\\ud83d\\ude00\\u0001\\u001f\\u007f\\u00ad\\ufeff\\u0600\\u00e9/\\/\\\"\\\\\\b\\t\\n\\f\\r\"]";

        assertSent(xhrSend(port, base, sent));

        final String expected = "a[\"\\u200c\\u200d\\u200e\\u200f\\u2028\\u2029\\u202a\\u202f\\u2060\\u206f\\ufff0" +
            "\\uffff\\ud83d\\ude00\\u0001\\u001f\u007f\u00ad\ufeff\u0600\u00e9//\\\"\\\\\\b\\t\\n\\f\\r\"]\n";
        assertArrayEquals(expected.getBytes(StandardCharsets.UTF_8), xhr(port, base).body());
    }

    @Test
    void shouldEscapeRawUtf8InputTheSameWay() throws Exception
    {
        final String base = session("/echo");
        xhr(port, base);

        assertSent(xhrSend(port, base, "[\"\u00e9\ud83d\ude00\u2028\ufff9\u4e2d\"]"));

        assertEquals("a[\"\u00e9\\ud83d\\ude00\\u2028\\ufff9\u4e2d\"]\n", xhr(port, base).bodyText());
    }

    @Test
    void shouldRoundTripEveryBmpCharacterEscaped() throws Exception
    {
        final String base = session("/echo");
        xhr(port, base);
        final StringBuilder expected = new StringBuilder();
        for (int from = 0; from < 0x10000; from += 0x4000)
        {
            final StringBuilder json = new StringBuilder("[\"");
            final StringBuilder text = new StringBuilder();
            for (int c = from; c < from + 0x4000; c++)
            {
                if (c >= 0xd800 && c <= 0xdfff)
                {
                    continue;
                }
                json.append(String.format("\\u%04x", c));
                text.append((char)c);
            }
            assertSent(xhrSend(port, base, json.append("\"]").toString()));
            expected.append(text);
        }

        final String reply = xhr(port, base).bodyText();

        final String decoded = decodeFrameStrings(reply);
        assertEquals(expected.toString(), decoded);
        assertOnlySafeCharactersRaw(reply);
    }

    @Test
    void shouldEscapeOverTheWebSocketTransportToo() throws Exception
    {
        try (SockJsWebSocketProbe ws = SockJsWebSocketProbe.open(HttpClient.newHttpClient(), port,
            session("/echo") + "/websocket"))
        {
            assertEquals("o", ws.next());
            ws.send("[\"\\u2028\ud83d\ude00\\u0000x\"]");

            assertEquals("a[\"\\u2028\\ud83d\\ude00\\u0000x\"]", ws.next());
        }
    }

    @Test
    void shouldReplaceLoneSurrogatesAndRefuseInvalidUtf8() throws Exception
    {
        final String base = session("/echo");
        xhr(port, base);
        final byte[] invalid = {'[', '"', 'a', (byte)0xff, 'b', (byte)0xc3, '"', ']'};

        assertSent(xhrSend(port, base, "[\"\\ud800x\\udc00\"]"));
        try (SockJsHttpClient client = connect(port))
        {
            final byte[] head = ("POST " + base + "/xhr_send HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                invalid.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
            final byte[] request = new byte[head.length + invalid.length];
            System.arraycopy(head, 0, request, 0, head.length);
            System.arraycopy(invalid, 0, request, head.length, invalid.length);
            // Handlers are promised valid UTF-8: raw bytes that are not are refused, as broken JSON, not delivered.
            final SockJsHttpClient.Response response = client.exchange(request);
            assertEquals(500, response.status());
            assertTrue(response.bodyText().contains("Broken JSON encoding."), response.bodyText());
        }

        assertEquals("a[\"\\ufffdx\\ufffd\"]\n", xhr(port, base).bodyText());
    }

    /**
     * Decode the strings of an {@code a[...]} frame and join them (test-side JSON, independent of the server's).
     */
    static String decodeFrameStrings(final String frame)
    {
        assertTrue(frame.startsWith("a[\"") && frame.endsWith("\"]\n"),
            frame.length() > 80 ? frame.substring(0, 80) : frame);
        final StringBuilder out = new StringBuilder();
        boolean inString = false;
        int i = 2;
        final int end = frame.length() - 2;
        while (i < end)
        {
            final char c = frame.charAt(i);
            if (!inString)
            {
                assertTrue('"' == c || ',' == c, "between strings: " + c);
                inString = '"' == c;
                i++;
            }
            else if ('"' == c)
            {
                inString = false;
                i++;
            }
            else if ('\\' == c)
            {
                final char e = frame.charAt(i + 1);
                switch (e)
                {
                    case 'u' -> out.append((char)Integer.parseInt(frame.substring(i + 2, i + 6), 16));
                    case 'n' -> out.append('\n');
                    case 'r' -> out.append('\r');
                    case 't' -> out.append('\t');
                    case 'b' -> out.append('\b');
                    case 'f' -> out.append('\f');
                    default -> out.append(e);
                }
                i += 'u' == e ? 6 : 2;
            }
            else
            {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    /**
     * SockJS sends these UTF-16 units escaped, as lower-case {@code \\uXXXX}: C0 controls, U+200C-U+200F,
     * U+2028-U+202F, U+2060-U+206F, surrogates, U+FFF0-U+FFFF.
     */
    private static void assertOnlySafeCharactersRaw(final String reply)
    {
        int i = 0;
        while (i < reply.length() - 1)
        {
            final char c = reply.charAt(i);
            final boolean mustEscape = c < 0x20 || (c >= 0x200c && c <= 0x200f) || (c >= 0x2028 && c <= 0x202f) ||
                (c >= 0x2060 && c <= 0x206f) || (c >= 0xd800 && c <= 0xdfff) || c >= 0xfff0;
            assertTrue(!mustEscape, "raw U+" + Integer.toHexString(c) + " at " + i);
            if ('\\' == c && 'u' == reply.charAt(i + 1))
            {
                final String hex = reply.substring(i + 2, i + 6);
                assertEquals(hex.toLowerCase(java.util.Locale.ROOT), hex, "lower-case hex");
                i += 6;
            }
            else
            {
                i += '\\' == c ? 2 : 1;
            }
        }
    }
}
