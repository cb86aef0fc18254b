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
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
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
 * HTTP/1.1 as SockJS serves it: keep-alive, HTTP/1.0, Connection: close, pipelining and bodies, and the refusals —
 * 400, 408, 411, 413, 431 — and the idle keep-alive timeout.
 */
@Timeout(30)
class SockJsHttpIntegrationTest
{
    private static final int MAX_BODY_LENGTH = 1024;
    private static final long HANDSHAKE_TIMEOUT_MS = 300;
    private static final long HTTP_IDLE_TIMEOUT_MS = 400;
    private static final String GO_AWAY = "c[3000,\"Go away!\"]";

    private static WsmuxServer server;
    private static int port;
    /** Short timeouts and a small body limit. */
    private static WsmuxServer tight;
    private static int tightPort;

    @BeforeAll
    static void startServers() throws Exception
    {
        server = SockJsHttpClient.start(SockJsHttpClient.testSettings());
        port = server.port();
        tight = SockJsHttpClient.start(SockJsHttpClient.testSettings()
            .sockJsMaxBodyLength(MAX_BODY_LENGTH)
            .handshakeTimeoutNs(TimeUnit.MILLISECONDS.toNanos(HANDSHAKE_TIMEOUT_MS))
            .httpIdleTimeoutNs(TimeUnit.MILLISECONDS.toNanos(HTTP_IDLE_TIMEOUT_MS)));
        tightPort = tight.port();
    }

    @AfterAll
    static void stopServers()
    {
        if (null != server)
        {
            server.close();
        }
        if (null != tight)
        {
            tight.close();
        }
    }

    private static byte[] concat(final byte[]... parts)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (final byte[] part : parts)
        {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    private static byte[] ascii(final String text)
    {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    // ---- keep-alive ----

    @Test
    void shouldServeSeveralRequestsOnOneKeepAliveConnection() throws Exception
    {
        final String base = session("/echo");
        try (SockJsHttpClient client = connect(port))
        {
            final Response greeting = client.exchange("GET", "/echo", null, "Connection: Keep-Alive");
            assertEquals(200, greeting.status());
            assertFalse(greeting.closes(), greeting.toString());
            assertEquals("19", greeting.header("Content-Length"));
            assertNull(greeting.header("Transfer-Encoding"));

            assertEquals(200, client.exchange("GET", "/echo/info", null).status());
            assertEquals("o\n", client.exchange("POST", base + "/xhr", "").bodyText());
            assertSent(client.exchange("POST", base + "/xhr_send", "[\"x\"]"));
            assertEquals("a[\"x\"]\n", client.exchange("POST", base + "/xhr", "").bodyText());
            assertEquals(404, client.exchange("GET", "/echo/nope", null).status());
            assertEquals(200, client.exchange("GET", "/echo", null).status(), "a 404 keeps the connection");
        }
    }

    @Test
    void shouldCloseAKeptAliveConnectionThatAsksForAPathOutsideSockJs() throws Exception
    {
        try (SockJsHttpClient client = connect(port))
        {
            assertEquals(200, client.exchange("GET", "/echo", null).status());

            final Response response = client.exchange("GET", "/elsewhere", null);

            assertEquals(404, response.status());
            assertTrue(response.closes());
            assertTrue(client.awaitClosed());
        }
    }

    @Test
    void shouldAnswerHttp10WithoutChunkingAndClose() throws Exception
    {
        try (SockJsHttpClient client = connect(port))
        {
            client.send("GET /echo HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n");

            final Response response = client.readResponse();

            assertEquals(200, response.status(), response.toString());
            assertNull(response.header("Transfer-Encoding"));
            assertEquals("Welcome to SockJS!\n", response.bodyText());
            assertTrue(null == response.header("Content-Length") || response.closes(), response.toString());
            assertTrue(client.awaitClosed(), "an HTTP/1.0 connection is not kept");
        }
    }

    @Test
    void shouldPollOverHttp10() throws Exception
    {
        final String base = session("/echo");
        try (SockJsHttpClient client = connect(port))
        {
            client.send("POST " + base + "/xhr HTTP/1.0\r\nContent-Length: 0\r\n\r\n");

            final Response response = client.readResponse();

            assertEquals("o\n", response.bodyText());
            assertNull(response.header("Transfer-Encoding"));
            assertTrue(client.awaitClosed());
        }
    }

    @Test
    void shouldStreamOverHttp10AsRawBytesEndedByClose() throws Exception
    {
        try (SockJsHttpClient client = connect(port))
        {
            client.send("POST " + session("/close") + "/xhr_streaming HTTP/1.0\r\nConnection: Keep-Alive\r\n" +
                "Content-Length: 0\r\n\r\n");

            final Response head = client.readHead();

            assertEquals(200, head.status(), head.toString());
            assertNull(head.header("Transfer-Encoding"));
            assertNull(head.header("Content-Length"));
            assertEquals(PRELUDE + "o\n" + GO_AWAY + "\n",
                new String(client.readToEnd(), StandardCharsets.US_ASCII));
        }
    }

    @Test
    void shouldHonourConnectionClose() throws Exception
    {
        try (SockJsHttpClient client = connect(port))
        {
            final Response response = client.exchange("GET", "/echo/info", null, "Connection: close");

            assertEquals(200, response.status());
            assertTrue(response.closes(), response.toString());
            assertTrue(client.awaitClosed());
        }
    }

    @Test
    void shouldStreamWithoutChunkingWhenTheClientAsksToClose() throws Exception
    {
        try (SockJsHttpClient client = connect(port))
        {
            client.send(request("POST", session("/close") + "/xhr_streaming", "", "Connection: close"));

            final Response head = client.readHead();

            assertFalse(head.isChunked());
            assertTrue(head.closes());
            assertEquals(PRELUDE + "o\n" + GO_AWAY + "\n",
                new String(client.readToEnd(), StandardCharsets.US_ASCII));
        }
    }

    // ---- pipelining and bodies ----

    @Test
    void shouldAnswerPipelinedRequestsInOrder() throws Exception
    {
        final String base = session("/echo");
        try (SockJsHttpClient client = connect(port))
        {
            client.send(concat(request("GET", "/echo", null), request("POST", base + "/xhr", ""),
                request("POST", base + "/xhr_send", "[\"p\"]"), request("POST", base + "/xhr", ""),
                request("GET", "/echo/info", null)));

            assertEquals("Welcome to SockJS!\n", client.readResponse().bodyText());
            assertEquals("o\n", client.readResponse().bodyText());
            assertSent(client.readResponse());
            assertEquals("a[\"p\"]\n", client.readResponse().bodyText());
            assertEquals(200, client.readResponse().status());
            assertTrue(client.isQuietFor(100));
        }
    }

    @Test
    void shouldReadABodyThatArrivesByteByByte() throws Exception
    {
        final String base = session("/echo");
        xhr(port, base);
        final byte[] body = "[\"slow \\u00e9\",\"b\"]".getBytes(StandardCharsets.UTF_8);
        try (SockJsHttpClient client = connect(port))
        {
            client.send("POST " + base + "/xhr_send HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length +
                "\r\n\r\n");
            for (final byte b : body)
            {
                client.send(new byte[] {b});
            }
            assertSent(client.readResponse());
            assertEquals(200, client.exchange("GET", "/echo", null).status());
        }
        assertEquals("a[\"slow \u00e9\",\"b\"]\n", xhr(port, base).bodyText());
    }

    @Test
    void shouldNotReadABodyThatLooksLikeARequestAsOne() throws Exception
    {
        final String base = session("/echo");
        xhr(port, base);
        try (SockJsHttpClient client = connect(port))
        {
            final Response response = client.exchange(request("POST", base + "/xhr_send",
                "GET /echo HTTP/1.1\r\nHost: x\r\n\r\n"));

            assertEquals(500, response.status());
            assertTrue(response.bodyText().contains("Broken JSON encoding."));
            assertTrue(client.isQuietFor(200), "no second response");
            assertEquals(200, client.exchange("GET", "/echo/info", null).status());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"POST /echo/a", "POST /echo/info", "OPTIONS /echo/info", "POST /echo/a/a/nope",
        "PUT /echo/a/b/xhr", "GET /echo", "POST /echo/a./b/xhr", "GET /echo/iframe.html"})
    void shouldCloseAfterAnsweringARequestWhoseBodyWasNotRead(final String methodAndPath) throws Exception
    {
        final String method = methodAndPath.substring(0, methodAndPath.indexOf(' '));
        final String path = methodAndPath.substring(method.length() + 1);
        final String smuggled = "GET /echo HTTP/1.1\r\nHost: x\r\n\r\n";
        try (SockJsHttpClient client = connect(port))
        {
            final Response response = client.exchange(request(method, path, smuggled));

            assertTrue(response.status() >= 200, response.toString());
            assertTrue(response.closes(), response.toString());
            assertTrue(client.awaitClosed(), "the body is not served as a request");
        }
    }

    @Test
    void shouldAnswerOrCloseARequestPipelinedBehindAWaitingPoll() throws Exception
    {
        final String base = session("/echo");
        xhr(port, base);
        try (SockJsHttpClient client = connect(port))
        {
            client.send(concat(request("POST", base + "/xhr", ""), request("GET", "/echo", null)));
            assertTrue(client.isQuietFor(100), "the poll waits");
            assertSent(xhrSend(port, base, "[\"x\"]"));

            final Response poll = client.readResponse();
            assertEquals("a[\"x\"]\n", poll.bodyText());
            if (poll.closes())
            {
                assertTrue(client.awaitClosed(), "said close: closes");
            }
            else
            {
                assertEquals(200, client.readResponse().status(), "kept alive: the pipelined request is served");
            }
        }
    }

    @Test
    void shouldAcceptABodyOfExactlyTheLimitAndRefuseOneByteMoreWith413() throws Exception
    {
        final String base = session("/echo");
        xhr(tightPort, base);
        final String atLimit = "[\"" + "x".repeat(MAX_BODY_LENGTH - 4) + "\"]";

        assertSent(xhrSend(tightPort, base, atLimit));
        try (SockJsHttpClient client = connect(tightPort))
        {
            final Response response = client.exchange(request("POST", base + "/xhr_send", atLimit + " "));

            assertEquals(413, response.status(), response.toString());
            assertTrue(response.closes());
            assertTrue(client.awaitClosed());
        }
    }

    @Test
    void shouldRefuseAHugeDeclaredBodyWithoutWaitingForIt() throws Exception
    {
        try (SockJsHttpClient client = connect(port))
        {
            client.send("POST " + session("/echo") + "/xhr HTTP/1.1\r\nHost: x\r\nContent-Length: 2147483647\r\n\r\n");

            final Response response = client.readResponse();

            assertEquals(413, response.status(), response.toString());
            assertTrue(client.awaitClosed());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"xhr_send", "xhr", "jsonp_send", "xhr_streaming"})
    void shouldRefuseATransferEncodedBodyWith411(final String transport) throws Exception
    {
        try (SockJsHttpClient client = connect(port))
        {
            client.send("POST " + session("/echo") + "/" + transport + " HTTP/1.1\r\nHost: x\r\n" +
                "Transfer-Encoding: chunked\r\n\r\n5\r\n[\"x\"]\r\n0\r\n\r\n");

            final Response response = client.readResponse();

            assertEquals(411, response.status(), response.toString());
            assertTrue(client.awaitClosed());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"abc", "-1", "+5", "5 5", "1.0", "0x5", "99999999999", "5\r\nContent-Length: 6", ""})
    void shouldRefuseAMalformedContentLengthWith400(final String value) throws Exception
    {
        final String base = session("/echo");
        xhr(port, base);
        try (SockJsHttpClient client = connect(port))
        {
            client.send("POST " + base + "/xhr_send HTTP/1.1\r\nHost: x\r\nContent-Length: " + value +
                "\r\n\r\n[\"x\"]");

            final Response response = client.readResponse();

            assertEquals(400, response.status(), value + " -> " + response);
            assertTrue(client.awaitClosed());
        }
    }

    @Test
    void shouldAcceptRepeatedEqualContentLengths() throws Exception
    {
        final String base = session("/echo");
        xhr(port, base);

        assertSent(once(port, request("POST", base + "/xhr_send", "[\"x\"]", "Content-Length: 5")));
    }

    // ---- malformed heads ----

    @ParameterizedTest
    @ValueSource(strings = {"GET /echo HTTP/1.1 x\r\nHost: x\r\n\r\n", "GET  /echo HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET echo HTTP/1.1\r\nHost: x\r\n\r\n", "GET /echo HTTP/2.0\r\nHost: x\r\n\r\n",
        "G(T /echo HTTP/1.1\r\nHost: x\r\n\r\n", "GET /echo\r\nHost: x\r\n\r\n",
        "GET /echo HTTP/1.1\r\nHost : x\r\n\r\n", "GET /echo HTTP/1.1\r\nNoColon\r\n\r\n",
        "GET /echo HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", "GET /echo HTTP/1.1\nHost: x\n\n",
        "GET /echo HTTP/1.1\r\nHost: x\r\nX: a\u0001b\r\n\r\n", "GET /echo HTTP/1.1\r\n: x\r\n\r\n",
        "GET /echo/a b HTTP/1.1\r\nHost: x\r\n\r\n", "GET /echo/\u00e9 HTTP/1.1\r\nHost: x\r\n\r\n"})
    void shouldRefuseAMalformedHeadWith400AsFirstOrLaterRequest(final String head) throws Exception
    {
        try (SockJsHttpClient first = connect(port))
        {
            first.send(head);
            assertEquals(400, first.readResponse().status(), "first request: " + head);
            assertTrue(first.awaitClosed());
        }
        try (SockJsHttpClient later = connect(port))
        {
            assertEquals(200, later.exchange("GET", "/echo", null).status());
            later.send(head);
            final Response response = later.readResponse();
            assertEquals(400, response.status(), "kept-alive request: " + head);
            assertTrue(response.closes());
            assertTrue(later.awaitClosed());
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void shouldRefuseAHeadTooLargeWith431(final boolean afterAnotherRequest) throws Exception
    {
        for (final String head : new String[] {
            "GET /echo HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(9000) + "\r\n\r\n",
            "GET /echo HTTP/1.1\r\nHost: x\r\n" + "X-Many: v\r\n".repeat(100) + "\r\n"})
        {
            try (SockJsHttpClient client = connect(port))
            {
                if (afterAnotherRequest)
                {
                    assertEquals(200, client.exchange("GET", "/echo", null).status());
                }
                client.send(head);
                assertEquals(431, client.readResponse().status());
                assertTrue(client.awaitClosed());
            }
        }
    }

    // ---- time limits ----

    @Test
    void shouldAnswer408ToAnIncompleteFirstRequest() throws Exception
    {
        try (SockJsHttpClient client = connect(tightPort))
        {
            client.send("GET /echo HTTP/1.1\r\nHost: x\r\n");

            assertEquals(408, client.readResponse().status());
            assertTrue(client.awaitClosed());
        }
    }

    @Test
    void shouldAnswer408ToAnIncompleteKeptAliveRequest() throws Exception
    {
        try (SockJsHttpClient client = connect(tightPort))
        {
            assertEquals(200, client.exchange("GET", "/echo", null).status());
            client.send("GET /echo/info HTTP/1.1\r\n");

            final Response response = client.readResponse();

            assertEquals(408, response.status(), response.toString());
            assertTrue(client.awaitClosed());
        }
    }

    @Test
    void shouldAnswer408ToAnIncompleteBody() throws Exception
    {
        final String base = session("/echo");
        xhr(tightPort, base);
        try (SockJsHttpClient client = connect(tightPort))
        {
            client.send("POST " + base + "/xhr_send HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n[\"x");

            assertEquals(408, client.readResponse().status());
            assertTrue(client.awaitClosed());
        }
        assertSent(xhrSend(tightPort, base, "[\"next\"]"));
        assertEquals("a[\"next\"]\n", xhr(tightPort, base).bodyText(), "the partial body delivered nothing");
    }

    @Test
    void shouldServeARequestThatArrivesInPiecesWithinTheTimeout() throws Exception
    {
        try (SockJsHttpClient client = connect(tightPort))
        {
            client.send("GET /echo HTTP/1.1\r\n");
            Thread.sleep(HANDSHAKE_TIMEOUT_MS / 3);
            client.send("Host: x\r\n\r\n");

            assertEquals(200, client.readResponse().status());
        }
    }

    @Test
    void shouldCloseAnIdleKeptAliveConnectionWithoutAResponse() throws Exception
    {
        try (SockJsHttpClient client = connect(tightPort))
        {
            assertEquals(200, client.exchange("GET", "/echo", null).status());
            Thread.sleep(HTTP_IDLE_TIMEOUT_MS / 4);
            assertEquals(200, client.exchange("GET", "/echo", null).status(), "a prompt next request is served");

            assertTrue(client.awaitClosed(), "closed once idle, with no bytes sent");
        }
    }

    @Test
    void shouldNotApplyTheIdleTimeoutToAWaitingPollOrAStream() throws Exception
    {
        final String base = session("/echo");
        xhr(tightPort, base);
        try (SockJsHttpClient poll = connect(tightPort); SockJsHttpClient stream = connect(tightPort))
        {
            poll.send(request("POST", base + "/xhr", ""));
            final String streamed = session("/echo");
            stream.send(request("GET", streamed + "/eventsource", null));
            stream.readHead();
            stream.readChunk();
            stream.readChunk();

            assertTrue(poll.isQuietFor((int)(2 * HTTP_IDLE_TIMEOUT_MS)));

            assertSent(xhrSend(tightPort, base, "[\"p\"]"));
            assertSent(xhrSend(tightPort, streamed, "[\"s\"]"));
            assertEquals("a[\"p\"]\n", poll.readResponse().bodyText());
            assertEquals("data: a[\"s\"]\r\n\r\n", stream.readChunkString());
        }
    }

    @Test
    void shouldEndAChunkedResponseWithTheLastChunk() throws Exception
    {
        try (SockJsHttpClient client = connect(port))
        {
            client.send(request("POST", session("/close") + "/xhr_streaming", ""));
            final Response head = client.readHead();
            assertTrue(head.isChunked());
            final byte[] expected =
                ascii("801\r\n" + PRELUDE + "\r\n2\r\no\n\r\n13\r\n" + GO_AWAY + "\n\r\n0\r\n\r\n");

            assertArrayEquals(expected, client.readBytes(expected.length));
            assertTrue(client.isQuietFor(100), "nothing after the last chunk; the connection stays");
        }
    }
}
