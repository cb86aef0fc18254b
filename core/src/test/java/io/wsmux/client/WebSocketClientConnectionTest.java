package io.wsmux.client;

import static io.wsmux.client.ScriptedServer.accept;
import static io.wsmux.client.ScriptedServer.ascii;
import static io.wsmux.client.ScriptedServer.closePayload;
import static io.wsmux.client.ScriptedServer.frame;
import static io.wsmux.client.ScriptedServer.header;
import static io.wsmux.client.ScriptedServer.switchingProtocols;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ProtocolException;
import java.net.URI;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link WebSocketClientConnection} against a scripted server on a plain socket, for what a well-behaved server
 * never sends: bad handshakes, fragments with pings between them, frames in the same segment as the 101, masked
 * server frames; and to look at the client's bytes on the wire (masking, the close it echoes).
 */
@Timeout(30)
class WebSocketClientConnectionTest
{
    private static final long WAIT_S = 10;

    private final ConcurrentLinkedQueue<Throwable> clientErrors = new ConcurrentLinkedQueue<>();
    private ScriptedServer server;
    private WsmuxClient client;

    @BeforeEach
    void setUp() throws IOException
    {
        server = new ScriptedServer();
        client = WsmuxClient.start(new ClientSettings()
            .errorHandler(clientErrors::add)
            .handshakeTimeoutNs(TimeUnit.MILLISECONDS.toNanos(500))
            .closeTimeoutNs(TimeUnit.MILLISECONDS.toNanos(500)));
    }

    @AfterEach
    void tearDown() throws IOException
    {
        server.closeSocket(); // first, so that the client's close need not wait for a scripted server's reply
        client.close();
        server.close();
        assertEquals(List.of(), new ArrayList<>(clientErrors), "errors on the client loop");
    }

    private CompletableFuture<WebSocketClientConnection> connect(
        final String pathAndQuery, final String subprotocol, final ClientHandler handler)
    {
        return client.connect(URI.create("ws://127.0.0.1:" + server.port() + pathAndQuery), subprotocol, handler);
    }

    private WebSocketClientConnection open(final ClientHandler handler) throws Exception
    {
        final CompletableFuture<WebSocketClientConnection> future = connect("/", null, handler);
        final String request = server.acceptRequest();
        server.write(switchingProtocols(request, ""));
        return future.get(WAIT_S, TimeUnit.SECONDS);
    }

    private static Throwable failure(final CompletableFuture<WebSocketClientConnection> future)
    {
        return assertThrows(ExecutionException.class, () -> future.get(WAIT_S, TimeUnit.SECONDS)).getCause();
    }

    @Test
    void shouldSendAnRfc6455UpgradeRequest() throws Exception
    {
        final CompletableFuture<WebSocketClientConnection> future =
            connect("/chat/room%201?token=a%20b&x=1", "wsmux.v1", new WebSocketClientIntegrationTest.Recorder());
        final String request = server.acceptRequest();

        assertTrue(request.startsWith("GET /chat/room%201?token=a%20b&x=1 HTTP/1.1\r\n"), request);
        assertEquals("127.0.0.1:" + server.port(), header(request, "Host"));
        assertEquals("websocket", header(request, "Upgrade"));
        assertEquals("Upgrade", header(request, "Connection"));
        assertEquals("13", header(request, "Sec-WebSocket-Version"));
        assertEquals("wsmux.v1", header(request, "Sec-WebSocket-Protocol"));
        assertEquals(16, Base64.getDecoder().decode(header(request, "Sec-WebSocket-Key")).length);

        server.write(switchingProtocols(request, "Sec-WebSocket-Protocol: wsmux.v1\r\n"));
        assertEquals("wsmux.v1", future.get(WAIT_S, TimeUnit.SECONDS).subprotocol());
    }

    @Test
    void shouldFailConnectWhenAcceptKeyDoesNotMatch() throws Exception
    {
        final CompletableFuture<WebSocketClientConnection> future =
            connect("/", null, new WebSocketClientIntegrationTest.Recorder());
        server.acceptRequest();
        server.write(ascii("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"));

        final Throwable failure = failure(future);
        assertEquals(101, assertInstanceOf(WebSocketHandshakeException.class, failure).status());
        assertTrue(failure.getMessage().contains("Sec-WebSocket-Accept"), failure.getMessage());
        assertEquals(-1, server.in().read(), "the client closed the socket");
    }

    @Test
    void shouldFailConnectWhenUpgradeHeaderIsMissing() throws Exception
    {
        final CompletableFuture<WebSocketClientConnection> future =
            connect("/", null, new WebSocketClientIntegrationTest.Recorder());
        final String request = server.acceptRequest();
        server.write(ascii("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n" +
            "Sec-WebSocket-Accept: " + accept(request) + "\r\n\r\n"));

        assertTrue(failure(future).getMessage().contains("Upgrade: websocket"));
    }

    @Test
    void shouldFailConnectWhenServerChoosesAnExtension() throws Exception
    {
        final CompletableFuture<WebSocketClientConnection> future =
            connect("/", null, new WebSocketClientIntegrationTest.Recorder());
        final String request = server.acceptRequest();
        server.write(switchingProtocols(request, "Sec-WebSocket-Extensions: permessage-deflate\r\n"));

        assertTrue(failure(future).getMessage().contains("permessage-deflate"));
    }

    @Test
    void shouldFailConnectWhenServerClosesDuringHandshake() throws Exception
    {
        final CompletableFuture<WebSocketClientConnection> future =
            connect("/", null, new WebSocketClientIntegrationTest.Recorder());
        server.acceptRequest();
        server.write(ascii("HTTP/1.1 101 Swi"));
        server.closeSocket();

        final Throwable failure = failure(future);
        assertInstanceOf(WebSocketHandshakeException.class, failure);
        assertTrue(failure.getMessage().contains("HTTP/1.1 101 Swi"), failure.getMessage());
    }

    @Test
    void shouldFailConnectWhenNoResponseArrivesInTime() throws Exception
    {
        final CompletableFuture<WebSocketClientConnection> future =
            connect("/", null, new WebSocketClientIntegrationTest.Recorder());
        server.acceptRequest();

        final Throwable failure = failure(future);
        assertTrue(failure.getMessage().contains("no upgrade response"), failure.getMessage());
        assertEquals(0, client.openConnections());
    }

    @Test
    void shouldDecodeFramesThatArriveWithThe101() throws Exception
    {
        final WebSocketClientIntegrationTest.Recorder recorder = new WebSocketClientIntegrationTest.Recorder();
        final CompletableFuture<WebSocketClientConnection> future = connect("/", null, recorder);
        final String request = server.acceptRequest();
        final ByteArrayOutputStream segment = new ByteArrayOutputStream();
        segment.writeBytes(switchingProtocols(request, ""));
        segment.writeBytes(frame(true, 0x1, ascii("first")));
        segment.writeBytes(frame(true, 0x2, new byte[]{ 1, 2, 3 }));
        server.write(segment.toByteArray());

        future.get(WAIT_S, TimeUnit.SECONDS);
        assertEquals("first", recorder.nextText());
        assertArrayEquals(new byte[]{ 1, 2, 3 }, recorder.nextBinary());
    }

    @Test
    void shouldAssembleFragmentsAndAnswerPingsBetweenThem() throws Exception
    {
        final WebSocketClientIntegrationTest.Recorder recorder = new WebSocketClientIntegrationTest.Recorder();
        open(recorder);

        server.write(frame(false, 0x1, ascii("Hel")));
        server.write(frame(true, 0x9, ascii("ping!")));
        final ScriptedServer.ClientFrame pong = server.readFrame();
        assertEquals(0xA, pong.opcode());
        assertEquals("ping!", pong.text());

        server.write(frame(true, 0x0, ascii("lo")));
        final byte[] split = frame(true, 0x2, new byte[300]);
        server.write(split, 0, 3);
        Thread.sleep(50); // the rest in a later read: assembled across reads
        server.write(split, 3, split.length - 3);

        assertEquals("Hello", recorder.nextText());
        assertArrayEquals(new byte[300], recorder.nextBinary());
    }

    @Test
    void shouldMaskEveryFrameWithAFreshKey() throws Exception
    {
        final WebSocketClientConnection connection = open(new WebSocketClientIntegrationTest.Recorder());

        assertTrue(connection.sendText("one"));
        assertTrue(connection.sendText("two"));
        final ScriptedServer.ClientFrame one = server.readFrame();
        final ScriptedServer.ClientFrame two = server.readFrame();

        assertEquals("one", one.text());
        assertEquals("two", two.text());
        assertTrue(one.fin());
        assertEquals(0x1, one.opcode());
        assertNotEquals(one.maskKey(), two.maskKey());
    }

    @Test
    void shouldEchoTheServersCloseCodeAndWaitForItsTcpClose() throws Exception
    {
        final WebSocketClientIntegrationTest.Recorder recorder = new WebSocketClientIntegrationTest.Recorder();
        final WebSocketClientConnection connection = open(recorder);

        server.write(frame(true, 0x8, closePayload(4001, "bye")));
        final ScriptedServer.ClientFrame reply = server.readFrame();
        assertEquals(0x8, reply.opcode());
        assertArrayEquals(closePayload(4001, ""), reply.payload());
        assertFalse(connection.isOpen());
        assertFalse(recorder.closed.isDone(), "the client waits for the server's TCP close");

        server.closeSocket();
        assertEquals("4001 bye", recorder.closed.get(WAIT_S, TimeUnit.SECONDS));
    }

    @Test
    void shouldCloseTheSocketItselfWhenServerNeverAnswersItsClose() throws Exception
    {
        final WebSocketClientIntegrationTest.Recorder recorder = new WebSocketClientIntegrationTest.Recorder();
        final WebSocketClientConnection connection = open(recorder);

        connection.close(1000, "done");
        final ScriptedServer.ClientFrame close = server.readFrame();
        assertArrayEquals(closePayload(1000, "done"), close.payload());

        assertEquals("1006 ", recorder.closed.get(WAIT_S, TimeUnit.SECONDS), "no close frame came back");
        assertEquals(-1, server.in().read());
    }

    @Test
    void shouldFailConnectionWith1002WhenServerMasksAFrame() throws Exception
    {
        final WebSocketClientIntegrationTest.Recorder recorder = new WebSocketClientIntegrationTest.Recorder();
        open(recorder);

        server.write(new byte[]{ (byte)0x81, (byte)0x81, 1, 2, 3, 4, 'x' ^ 1 });

        final ScriptedServer.ClientFrame close = server.readFrame();
        assertEquals(0x8, close.opcode());
        assertEquals(1002, ((close.payload()[0] & 0xFF) << 8) | (close.payload()[1] & 0xFF));
        assertTrue(recorder.closed.get(WAIT_S, TimeUnit.SECONDS).startsWith("1002 "));
        assertInstanceOf(ProtocolException.class, recorder.errors.peek());
        assertTrue(recorder.texts.isEmpty());
    }
}
