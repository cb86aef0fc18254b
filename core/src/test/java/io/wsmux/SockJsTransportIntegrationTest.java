package io.wsmux;

import static io.wsmux.SockJsHttpClient.connect;
import static io.wsmux.SockJsHttpClient.newSessionId;
import static io.wsmux.SockJsHttpClient.once;
import static io.wsmux.SockJsHttpClient.request;
import static io.wsmux.SockJsStaticIntegrationTest.NO_CACHE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;

import io.wsmux.SockJsHttpClient.Response;
import io.wsmux.codec.Opcode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every SockJS transport on {@link Main#sockJsTestServer}, good and bad: xhr and xhr_send, xhr_streaming,
 * eventsource, htmlfile, jsonp and jsonp_send, the framed WebSocket and the raw one.
 */
@Timeout(30)
class SockJsTransportIntegrationTest
{
    static final String JAVASCRIPT = "application/javascript; charset=UTF-8";
    static final String TEXT_PLAIN = "text/plain; charset=UTF-8";
    static final String PRELUDE = "h".repeat(2048) + "\n";

    private static WsmuxServer server;
    private static int port;
    private static HttpClient webSockets;

    @BeforeAll
    static void startServer() throws Exception
    {
        server = SockJsHttpClient.start(SockJsHttpClient.testSettings());
        port = server.port();
        webSockets = HttpClient.newHttpClient();
    }

    @AfterAll
    static void stopServer()
    {
        if (null != server)
        {
            server.close();
        }
    }

    static String session(final String prefix)
    {
        return prefix + "/000/" + newSessionId();
    }

    static Response xhr(final int port, final String base, final String... headers) throws Exception
    {
        return once(port, "POST", base + "/xhr", "", headers);
    }

    static Response xhrSend(final int port, final String base, final String json, final String... headers)
        throws Exception
    {
        return once(port, "POST", base + "/xhr_send", json, headers);
    }

    static void assertSent(final Response response)
    {
        assertEquals(204, response.status(), response.toString());
    }

    // ---- xhr, xhr_send ----

    @Test
    void shouldOpenPollAndSendOverXhr() throws Exception
    {
        final String base = session("/echo");

        final Response open = xhr(port, base, "Origin: test");
        final Response send = xhrSend(port, base, "[\"a\"]", "Origin: test", "Content-Type: text/plain");
        final Response message = xhr(port, base);

        assertEquals(200, open.status(), open.toString());
        assertEquals("o\n", open.bodyText());
        assertEquals(JAVASCRIPT, open.header("Content-Type"));
        assertEquals(NO_CACHE, open.header("Cache-Control"));
        assertEquals("test", open.header("Access-Control-Allow-Origin"));
        assertEquals("true", open.header("Access-Control-Allow-Credentials"));
        assertNull(open.header("Set-Cookie"));
        assertNull(open.header("Expires"));

        assertSent(send);
        assertEquals(0, send.body().length);
        assertEquals(TEXT_PLAIN, send.header("Content-Type"));
        assertEquals(NO_CACHE, send.header("Cache-Control"));
        assertEquals("test", send.header("Access-Control-Allow-Origin"));
        assertEquals("true", send.header("Access-Control-Allow-Credentials"));

        assertEquals("a[\"a\"]\n", message.bodyText());
        assertEquals("*", message.header("Access-Control-Allow-Origin"));
        assertNull(message.header("Access-Control-Allow-Credentials"));
    }

    @Test
    void shouldHoldAPollUntilAMessageArrives() throws Exception
    {
        final String base = session("/echo");
        xhr(port, base);
        try (SockJsHttpClient poll = connect(port))
        {
            poll.send(request("POST", base + "/xhr", ""));
            assertTrue(poll.isQuietFor(300), "a poll with nothing queued waits");

            assertSent(xhrSend(port, base, "[\"late\"]"));

            assertEquals("a[\"late\"]\n", poll.readResponse().bodyText());
        }
    }

    @Test
    void shouldJoinMessagesQueuedBetweenPollsIntoOneFrame() throws Exception
    {
        final String base = session("/echo");
        xhr(port, base);
        for (int i = 0; i < 8; i++)
        {
            assertSent(xhrSend(port, base, "[\"a\"]"));
        }
        assertSent(xhrSend(port, base, "[\"b\",\"c\"]"));

        assertEquals("a[\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"b\",\"c\"]\n", xhr(port, base).bodyText());
    }

    @ParameterizedTest
    @ValueSource(strings = {"text/plain", "T", "application/json", "application/xml", "",
        "application/json; charset=utf-8", "text/xml; charset=utf-8", "text/xml", "application/octet-stream"})
    void shouldAcceptAnyContentTypeOnXhrSend(final String contentType) throws Exception
    {
        final String base = session("/echo");
        xhr(port, base);

        assertSent(xhrSend(port, base, "[\"x\"]", "Content-Type: " + contentType));
        assertEquals("a[\"x\"]\n", xhr(port, base).bodyText());
    }

    @Test
    void shouldAcceptAnEmptyArrayAsNoMessage() throws Exception
    {
        final String base = session("/echo");
        xhr(port, base);

        assertSent(xhrSend(port, base, "[]"));
        assertSent(xhrSend(port, base, " [ \"z\" ] "));

        assertEquals("a[\"z\"]\n", xhr(port, base).bodyText());
    }

    @Test
    void shouldIgnoreTheServerPartOfTheUrl() throws Exception
    {
        final String id = newSessionId();
        xhr(port, "/echo/000/" + id);

        assertSent(xhrSend(port, "/echo/999/" + id, "[\"x\"]"));
        assertEquals("a[\"x\"]\n", xhr(port, "/echo/abc/" + id).bodyText());
    }

    @Test
    void shouldAnswer404ToXhrSendForAnUnknownSession() throws Exception
    {
        final Response response = xhrSend(port, session("/echo"), "[\"x\"]");

        assertEquals(404, response.status(), response.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"[\"x", "[", "]", "{\"a\":1}", "\"x\"", "[1]", "[\"a\",]", "[\"a\"]x", "[\"\\x\"]",
        "[\"\\u12\"]", "[\"a\"\"b\"]", "[\"a\" \"b\"]", "nul", "[null]", "[\"\t\"]", "[\"a\"]]"})
    void shouldAnswer500BrokenJsonAndDeliverNothing(final String body) throws Exception
    {
        final String base = session("/echo");
        xhr(port, base);

        final Response response = xhrSend(port, base, body);

        assertEquals(500, response.status(), body + " -> " + response);
        assertTrue(response.bodyText().contains("Broken JSON encoding."), response.toString());
        assertSent(xhrSend(port, base, "[\"after\"]"));
        assertEquals("a[\"after\"]\n", xhr(port, base).bodyText(), "nothing of the broken body was delivered");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   "})
    void shouldAnswer500PayloadExpectedToAnEmptyBody(final String body) throws Exception
    {
        final String base = session("/echo");
        xhr(port, base);

        final Response response = xhrSend(port, base, body);

        assertEquals(500, response.status(), response.toString());
        final String expected = body.isEmpty() ? "Payload expected." : "Broken JSON encoding.";
        assertTrue(response.bodyText().contains(expected), response.toString());
    }

    // ---- xhr_streaming ----

    @Test
    void shouldStreamPreludeThenOneChunkPerFrame() throws Exception
    {
        final String base = session("/echo");
        try (SockJsHttpClient stream = connect(port))
        {
            stream.send(request("POST", base + "/xhr_streaming", "", "Origin: test"));
            final Response head = stream.readHead();

            assertEquals(200, head.status(), head.toString());
            assertTrue(head.isChunked());
            assertNull(head.header("Content-Length"));
            assertEquals(JAVASCRIPT, head.header("Content-Type"));
            assertEquals(NO_CACHE, head.header("Cache-Control"));
            assertEquals("test", head.header("Access-Control-Allow-Origin"));
            assertEquals("true", head.header("Access-Control-Allow-Credentials"));
            assertEquals(PRELUDE, stream.readChunkString());
            assertEquals("o\n", stream.readChunkString());

            assertSent(xhrSend(port, base, "[\"x\"]"));
            assertEquals("a[\"x\"]\n", stream.readChunkString());
            assertSent(xhrSend(port, base, "[\"y\",\"z\"]"));
            assertEquals("a[\"y\"]\n", stream.readChunkString());
            assertEquals("a[\"z\"]\n", stream.readChunkString());
        }
    }

    @Test
    void shouldEndTheStreamOnceTheResponseLimitIsReachedAndKeepTheSession() throws Exception
    {
        final String base = session("/echo");
        final String payload = "x".repeat(128); // a["x..."]\n is 134 bytes
        try (SockJsHttpClient stream = connect(port))
        {
            stream.send(request("POST", base + "/xhr_streaming", ""));
            stream.readHead();
            assertEquals(PRELUDE, stream.readChunkString());
            assertEquals("o\n", stream.readChunkString());
            // 2 + 30 * 134 = 4022 bytes stay under the endpoint's 4096; the 31st frame reaches it.
            for (int i = 0; i < 31; i++)
            {
                assertSent(xhrSend(port, base, "[\"" + payload + "\"]"));
                assertEquals("a[\"" + payload + "\"]\n", stream.readChunkString(), "frame " + i);
            }
            assertArrayEquals(new byte[0], stream.readChunk(), "the last chunk ends the response");

            final Response next = stream.exchange(request("GET", "/echo", null));
            assertEquals(200, next.status(), "the connection is kept alive after the stream ends");
        }
        assertSent(xhrSend(port, base, "[\"still here\"]"));
        assertEquals("a[\"still here\"]\n", xhr(port, base).bodyText());
    }

    // ---- eventsource ----

    @Test
    void shouldStreamEventSourceFrames() throws Exception
    {
        final String base = session("/echo");
        try (SockJsHttpClient stream = connect(port))
        {
            stream.send(request("GET", base + "/eventsource", null));
            final Response head = stream.readHead();

            assertEquals(200, head.status(), head.toString());
            assertEquals("text/event-stream", head.header("Content-Type"));
            assertEquals(NO_CACHE, head.header("Cache-Control"));
            assertTrue(head.isChunked());
            assertEquals("\r\n", stream.readChunkString());
            assertEquals("data: o\r\n\r\n", stream.readChunkString());

            assertSent(xhrSend(port, base, "[\"x\"]"));
            assertEquals("data: a[\"x\"]\r\n\r\n", stream.readChunkString());
            assertSent(xhrSend(port, base, "[\"  \\u0000\\n\\r \"]"));
            assertEquals("data: a[\"  \\u0000\\n\\r \"]\r\n\r\n", stream.readChunkString());
        }
    }

    @Test
    void shouldEndEventSourceAtTheResponseLimit() throws Exception
    {
        final String base = session("/echo");
        final String big = "x".repeat(4096);
        try (SockJsHttpClient stream = connect(port))
        {
            stream.send(request("GET", base + "/eventsource", null));
            stream.readHead();
            stream.readChunk();
            stream.readChunk();

            assertSent(xhrSend(port, base, "[\"" + big + "\"]"));

            assertEquals("data: a[\"" + big + "\"]\r\n\r\n", stream.readChunkString());
            assertArrayEquals(new byte[0], stream.readChunk());
        }
    }

    // ---- htmlfile ----

    @Test
    void shouldStreamHtmlFileScripts() throws Exception
    {
        final String base = session("/echo");
        try (SockJsHttpClient stream = connect(port))
        {
            stream.send(request("GET", base + "/htmlfile?c=%63allback", null));
            final Response head = stream.readHead();

            assertEquals(200, head.status(), head.toString());
            assertEquals("text/html; charset=UTF-8", head.header("Content-Type"));
            assertEquals(NO_CACHE, head.header("Cache-Control"));
            assertTrue(head.isChunked());
            final String page = stream.readChunkString();
            assertTrue(page.length() > 1024, "padded past 1 KiB so browsers run it at once: " + page.length());
            final String text = page.strip();
            assertTrue(text.startsWith("<!doctype html>"), text);
            assertTrue(text.contains("var c = parent.callback;"), text);
            assertTrue(text.contains("function p(d) {c.message(d);};"), text);
            assertTrue(text.contains("document.domain = document.domain;"), text);
            assertTrue(text.endsWith("</script>"), text);
            assertEquals("<script>\np(\"o\");\n</script>\r\n", stream.readChunkString());

            assertSent(xhrSend(port, base, "[\"x\"]"));
            assertEquals("<script>\np(\"a[\\\"x\\\"]\");\n</script>\r\n", stream.readChunkString());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"htmlfile", "jsonp"})
    void shouldRequireACallback(final String transport) throws Exception
    {
        for (final String query : new String[] {"", "?c=", "?cb=x", "?c", "?c=%zz"})
        {
            final Response response = once(port, "GET", session("/echo") + "/" + transport + query, null);

            assertEquals(500, response.status(), query + " -> " + response);
            assertTrue(response.bodyText().contains("\"callback\" parameter required"), response.toString());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"htmlfile", "jsonp"})
    void shouldRefuseCallbacksThatAreNotNames(final String transport) throws Exception
    {
        for (final String callback : new String[] {"%20", "*", "abc(", "abc%28", "a;alert(1)", "%3C/script%3E",
            "a%0Ab", "a+b", "x".repeat(300), "%C3%A9"})
        {
            final String base = session("/echo");

            final Response response = once(port, "GET", base + "/" + transport + "?c=" + callback, null);

            assertEquals(500, response.status(), callback + " -> " + response);
            assertTrue(response.bodyText().contains("invalid \"callback\" parameter"), response.toString());
            assertEquals(404, xhrSend(port, base, "[\"x\"]").status(), "a refused receiver opens no session");
        }
    }

    // ---- jsonp ----

    @Test
    void shouldPollAndSendOverJsonp() throws Exception
    {
        final String base = session("/echo");

        final Response open = once(port, "GET", base + "/jsonp?c=%63allback", null);
        final Response send = once(port, "POST", base + "/jsonp_send", "d=%5B%22x%22%5D",
            "Content-Type: application/x-www-form-urlencoded");
        final Response message = once(port, "GET", base + "/jsonp?c=callback", null);

        assertEquals(200, open.status(), open.toString());
        assertEquals(JAVASCRIPT, open.header("Content-Type"));
        assertEquals(NO_CACHE, open.header("Cache-Control"));
        assertEquals("/**/callback(\"o\");\r\n", open.bodyText());
        assertEquals(200, send.status(), send.toString());
        assertEquals("ok", send.bodyText());
        assertEquals("2", send.header("Content-Length"));
        assertEquals(TEXT_PLAIN, send.header("Content-Type"));
        assertEquals(NO_CACHE, send.header("Cache-Control"));
        assertEquals("/**/callback(\"a[\\\"x\\\"]\");\r\n", message.bodyText());
    }

    @Test
    void shouldReadJsonpSendRawUnlessFormEncoded() throws Exception
    {
        final String base = session("/echo");
        once(port, "GET", base + "/jsonp?c=x", null);

        assertEquals("ok", once(port, "POST", base + "/jsonp_send", "[\"%61bc\"]",
            "Content-Type: text/plain").bodyText());
        assertEquals("ok", once(port, "POST", base + "/jsonp_send", "a=1&d=%5B%22b+c%22%5D&d=ignored",
            "Content-Type: application/x-www-form-urlencoded; charset=UTF-8").bodyText());
        assertEquals("ok", once(port, "POST", base + "/jsonp_send", "[\"raw\"]").bodyText());

        assertEquals("/**/x(\"a[\\\"%61bc\\\",\\\"b c\\\",\\\"raw\\\"]\");\r\n",
            once(port, "GET", base + "/jsonp?c=x", null).bodyText());
    }

    @Test
    void shouldKeepRawUtf8InAFormEncodedJsonpSend() throws Exception
    {
        final String base = session("/echo");
        once(port, "GET", base + "/jsonp?c=x", null);

        assertEquals("ok", once(port, "POST", base + "/jsonp_send", "d=%5B%22\u00e9+%C3%A9\ud83d\ude00%22%5D",
            "Content-Type: application/x-www-form-urlencoded").bodyText());

        assertEquals("/**/x(\"a[\\\"\u00e9 \u00e9\\\\ud83d\\\\ude00\\\"]\");\r\n",
            once(port, "GET", base + "/jsonp?c=x", null).bodyText());
    }

    @Test
    void shouldAnswerJsonpSendErrors() throws Exception
    {
        final String base = session("/echo");
        once(port, "GET", base + "/jsonp?c=x", null);
        final String form = "Content-Type: application/x-www-form-urlencoded";

        assertJsonpError("Broken JSON encoding.", once(port, "POST", base + "/jsonp_send", "d=%5B%22x", form));
        assertJsonpError("Payload expected.", once(port, "POST", base + "/jsonp_send", "", form));
        assertJsonpError("Payload expected.", once(port, "POST", base + "/jsonp_send", "d=", form));
        assertJsonpError("Payload expected.", once(port, "POST", base + "/jsonp_send", "p=p", form));
        assertJsonpError("Payload expected.", once(port, "POST", base + "/jsonp_send", "d=%5", form));
        assertJsonpError("Payload expected.", once(port, "POST", base + "/jsonp_send", ""));
        assertJsonpError("Broken JSON encoding.", once(port, "POST", base + "/jsonp_send", "d=%5B%22x%22%5D"));
        assertEquals("ok", once(port, "POST", base + "/jsonp_send", "d=%5B%5D", form).bodyText());
        assertEquals(404, once(port, "POST", session("/echo") + "/jsonp_send", "d=%5B%22x%22%5D", form).status());
    }

    private static void assertJsonpError(final String text, final Response response)
    {
        assertEquals(500, response.status(), response.toString());
        assertTrue(response.bodyText().contains(text), response.toString());
    }

    // ---- WebSocket ----

    @Test
    void shouldOpenEchoAndIgnoreEmptyMessagesOverTheSockJsWebSocket() throws Exception
    {
        try (SockJsWebSocketProbe ws = SockJsWebSocketProbe.open(webSockets, port, session("/echo") + "/websocket"))
        {
            assertEquals("o", ws.next());
            ws.send("[\"a\"]");
            assertEquals("a[\"a\"]", ws.next());
            ws.send("");
            ws.send("[]");
            ws.send("\"b\"");
            assertEquals("a[\"b\"]", ws.next(), "empty frames and [] are ignored; a bare string is one message");
            ws.send("[\"c\",\"d\"]");
            assertEquals("a[\"c\"]", ws.next());
            assertEquals("a[\"d\"]", ws.next());
        }
    }

    @Test
    void shouldCloseTheWebSocketOnBrokenJson() throws Exception
    {
        try (HostileClient ws = HostileClient.connect(port).upgrade(session("/echo") + "/websocket"))
        {
            assertEquals("o", new String(ws.readFrame().payload(), StandardCharsets.UTF_8));
            ws.sendText("[\"a");

            final HostileClient.Frame close = ws.readFrame();
            assertEquals(Opcode.CLOSE, close.opcode());
            ws.sendClose(1000, "");
            assertEquals(HostileClient.Ending.END_OF_STREAM, ws.awaitEndOfStream(), "the TCP connection closes");
        }
    }

    @Test
    void shouldCloseTheWebSocketWhenTheApplicationClosesTheSession() throws Exception
    {
        try (SockJsWebSocketProbe ws = SockJsWebSocketProbe.open(webSockets, port, session("/close") + "/websocket"))
        {
            assertEquals("o", ws.next());
            assertEquals("c[3000,\"Go away!\"]", ws.next());
            assertTrue(ws.awaitClose().startsWith("1000"), "then a WebSocket close");
        }
    }

    @Test
    void shouldKeepTwoWebSocketsWithTheSameSessionIdApart() throws Exception
    {
        final String path = session("/echo") + "/websocket";
        try (SockJsWebSocketProbe first = SockJsWebSocketProbe.open(webSockets, port, path);
            SockJsWebSocketProbe second = SockJsWebSocketProbe.open(webSockets, port, path))
        {
            assertEquals("o", first.next());
            assertEquals("o", second.next());
            first.send("[\"one\"]");
            second.send("[\"two\"]");
            assertEquals("a[\"one\"]", first.next());
            assertEquals("a[\"two\"]", second.next());
            assertNull(first.poll(100));
        }
        assertEquals(404, xhrSend(port, path.substring(0, path.length() - "/websocket".length()), "[\"x\"]")
            .status(), "a WebSocket session is not reachable over HTTP");
    }

    @Test
    void shouldCloseTheSockJsWebSocketOnABinaryMessage() throws Exception
    {
        try (SockJsWebSocketProbe ws = SockJsWebSocketProbe.open(webSockets, port, session("/echo") + "/websocket"))
        {
            assertEquals("o", ws.next());
            ws.sendBinary(new byte[] {1, 2, 3});

            assertTrue(ws.awaitClose().startsWith("1003"), "SockJS carries text only");
        }
    }

    @Test
    void shouldEchoUnframedOnTheRawWebSocket() throws Exception
    {
        try (SockJsWebSocketProbe ws = SockJsWebSocketProbe.open(webSockets, port, "/echo/websocket"))
        {
            ws.send("Hello world!\uffff");
            assertEquals("Hello world!\uffff", ws.next());
            ws.send("[\"not parsed\"]");
            assertEquals("[\"not parsed\"]", ws.next());
        }
    }

    @Test
    void shouldCloseTheRawWebSocketWithTheApplicationsCode() throws Exception
    {
        try (SockJsWebSocketProbe ws = SockJsWebSocketProbe.open(webSockets, port, "/close/websocket"))
        {
            assertEquals("3000 Go away!", ws.awaitClose());
            assertNull(ws.poll(0), "no SockJS frames on the raw WebSocket");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"/disabled_websocket_echo/0/0/websocket", "/disabled_websocket_echo/websocket"})
    void shouldAnswer404ToWebSocketsOnAnEndpointWithoutThem(final String path) throws Exception
    {
        try (HostileClient client = HostileClient.connect(port))
        {
            client.writeAscii(HostileClient.upgradeRequest(path));

            assertEquals(404, client.readHttpReply().status());
        }
    }

    @Test
    void shouldAnswer400ToAWebSocketRequestWithoutUpgrade() throws Exception
    {
        final Response plain = once(port, "GET", "/echo/0/0/websocket", null);
        final Response connectionClose = once(port, "GET", "/echo/0/0/websocket", null,
            "Upgrade: WebSocket", "Connection: close");
        final Response raw = once(port, "GET", "/echo/websocket", null);

        assertEquals(400, plain.status(), plain.toString());
        assertEquals(400, connectionClose.status(), connectionClose.toString());
        assertEquals(400, raw.status(), raw.toString());
    }

    @Test
    void shouldRefuseAWebSocketUpgradeWithAnUnsupportedVersion() throws Exception
    {
        final Response response = once(port, "GET", "/echo/0/" + newSessionId() + "/websocket", null,
            "Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Version: 8",
            "Sec-WebSocket-Key: x3JJHMbDL1EzLkh9GBhXDw==");

        assertEquals(426, response.status(), response.toString());
        assertEquals("13", response.header("Sec-WebSocket-Version"));
    }
}
