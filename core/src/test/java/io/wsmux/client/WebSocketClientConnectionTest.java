package io.wsmux.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ProtocolException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import io.wsmux.codec.http.UpgradeResponseWriter;
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
    private ServerSocket listener;
    private WsmuxClient client;
    private Socket socket;
    private InputStream in;
    private OutputStream out;

    /** One frame as the client sent it, unmasked. */
    record ClientFrame(boolean fin, int opcode, int maskKey, byte[] payload)
    {
        String text()
        {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }

    @BeforeEach
    void setUp() throws IOException
    {
        listener = new ServerSocket(0);
        client = WsmuxClient.start(new ClientSettings()
            .errorHandler(clientErrors::add)
            .handshakeTimeoutNs(TimeUnit.MILLISECONDS.toNanos(500))
            .closeTimeoutNs(TimeUnit.MILLISECONDS.toNanos(500)));
    }

    @AfterEach
    void tearDown() throws IOException
    {
        if (null != socket)
        {
            socket.close(); // first, so that the client's close need not wait for a scripted server's reply
        }
        client.close();
        listener.close();
        assertEquals(List.of(), new ArrayList<>(clientErrors), "errors on the client loop");
    }

    private CompletableFuture<WebSocketClientConnection> connect(
        final String pathAndQuery, final String subprotocol, final ClientHandler handler)
    {
        return client.connect(
            URI.create("ws://127.0.0.1:" + listener.getLocalPort() + pathAndQuery), subprotocol, handler);
    }

    /** Accept the client's socket and read its upgrade request head. */
    private String acceptRequest() throws IOException
    {
        socket = listener.accept();
        socket.setSoTimeout((int)TimeUnit.SECONDS.toMillis(WAIT_S));
        in = socket.getInputStream();
        out = socket.getOutputStream();
        final ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (true)
        {
            final int b = in.read();
            assertTrue(b >= 0, "end of stream in the request head: " + head);
            head.write(b);
            final byte[] bytes = head.toByteArray();
            final int n = bytes.length;
            if (n >= 4 && '\r' == bytes[n - 4] && '\n' == bytes[n - 3] && '\r' == bytes[n - 2] && '\n' == bytes[n - 1])
            {
                return head.toString(StandardCharsets.US_ASCII);
            }
        }
    }

    private static String header(final String head, final String name)
    {
        for (final String line : head.split("\r\n"))
        {
            final int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).equalsIgnoreCase(name))
            {
                return line.substring(colon + 1).trim();
            }
        }
        return null;
    }

    private static String accept(final String request)
    {
        return new UpgradeResponseWriter().acceptKey(header(request, "Sec-WebSocket-Key"));
    }

    private static byte[] switchingProtocols(final String request, final String extraHeaders)
    {
        return ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            "Sec-WebSocket-Accept: " + accept(request) + "\r\n" + extraHeaders + "\r\n")
            .getBytes(StandardCharsets.US_ASCII);
    }

    private WebSocketClientConnection open(final ClientHandler handler) throws Exception
    {
        final CompletableFuture<WebSocketClientConnection> future = connect("/", null, handler);
        final String request = acceptRequest();
        out.write(switchingProtocols(request, ""));
        out.flush();
        return future.get(WAIT_S, TimeUnit.SECONDS);
    }

    private static byte[] frame(final boolean fin, final int opcode, final byte[] payload)
    {
        final ByteArrayOutputStream frame = new ByteArrayOutputStream();
        frame.write((fin ? 0x80 : 0) | opcode);
        if (payload.length <= 125)
        {
            frame.write(payload.length);
        }
        else
        {
            frame.write(126);
            frame.write(payload.length >>> 8);
            frame.write(payload.length & 0xFF);
        }
        frame.writeBytes(payload);
        return frame.toByteArray();
    }

    private static byte[] ascii(final String text)
    {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] closePayload(final int code, final String reason)
    {
        final byte[] text = reason.getBytes(StandardCharsets.UTF_8);
        final byte[] payload = new byte[2 + text.length];
        payload[0] = (byte)(code >>> 8);
        payload[1] = (byte)code;
        System.arraycopy(text, 0, payload, 2, text.length);
        return payload;
    }

    private ClientFrame readFrame() throws IOException
    {
        final int b0 = readByte();
        final int b1 = readByte();
        assertTrue((b1 & 0x80) != 0, "client frames are masked (RFC 6455 §5.3)");
        long length = b1 & 0x7F;
        if (126 == length)
        {
            length = (readByte() << 8) | readByte();
        }
        else if (127 == length)
        {
            length = 0;
            for (int i = 0; i < 8; i++)
            {
                length = (length << 8) | readByte();
            }
        }
        final int maskKey = (readByte() << 24) | (readByte() << 16) | (readByte() << 8) | readByte();
        final byte[] payload = in.readNBytes((int)length);
        for (int i = 0; i < payload.length; i++)
        {
            payload[i] ^= (byte)(maskKey >>> (8 * (3 - (i & 3))));
        }
        return new ClientFrame((b0 & 0x80) != 0, b0 & 0x0F, maskKey, payload);
    }

    private int readByte() throws IOException
    {
        final int b = in.read();
        assertTrue(b >= 0, "end of stream");
        return b;
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
        final String request = acceptRequest();

        assertTrue(request.startsWith("GET /chat/room%201?token=a%20b&x=1 HTTP/1.1\r\n"), request);
        assertEquals("127.0.0.1:" + listener.getLocalPort(), header(request, "Host"));
        assertEquals("websocket", header(request, "Upgrade"));
        assertEquals("Upgrade", header(request, "Connection"));
        assertEquals("13", header(request, "Sec-WebSocket-Version"));
        assertEquals("wsmux.v1", header(request, "Sec-WebSocket-Protocol"));
        assertEquals(16, Base64.getDecoder().decode(header(request, "Sec-WebSocket-Key")).length);

        out.write(switchingProtocols(request, "Sec-WebSocket-Protocol: wsmux.v1\r\n"));
        out.flush();
        assertEquals("wsmux.v1", future.get(WAIT_S, TimeUnit.SECONDS).subprotocol());
    }

    @Test
    void shouldFailConnectWhenAcceptKeyDoesNotMatch() throws Exception
    {
        final CompletableFuture<WebSocketClientConnection> future =
            connect("/", null, new WebSocketClientIntegrationTest.Recorder());
        acceptRequest();
        out.write(ascii("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"));
        out.flush();

        final Throwable failure = failure(future);
        assertEquals(101, assertInstanceOf(WebSocketHandshakeException.class, failure).status());
        assertTrue(failure.getMessage().contains("Sec-WebSocket-Accept"), failure.getMessage());
        assertEquals(-1, in.read(), "the client closed the socket");
    }

    @Test
    void shouldFailConnectWhenUpgradeHeaderIsMissing() throws Exception
    {
        final CompletableFuture<WebSocketClientConnection> future =
            connect("/", null, new WebSocketClientIntegrationTest.Recorder());
        final String request = acceptRequest();
        out.write(ascii("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n" +
            "Sec-WebSocket-Accept: " + accept(request) + "\r\n\r\n"));
        out.flush();

        assertTrue(failure(future).getMessage().contains("Upgrade: websocket"));
    }

    @Test
    void shouldFailConnectWhenServerChoosesAnExtension() throws Exception
    {
        final CompletableFuture<WebSocketClientConnection> future =
            connect("/", null, new WebSocketClientIntegrationTest.Recorder());
        final String request = acceptRequest();
        out.write(switchingProtocols(request, "Sec-WebSocket-Extensions: permessage-deflate\r\n"));
        out.flush();

        assertTrue(failure(future).getMessage().contains("permessage-deflate"));
    }

    @Test
    void shouldFailConnectWhenServerClosesDuringHandshake() throws Exception
    {
        final CompletableFuture<WebSocketClientConnection> future =
            connect("/", null, new WebSocketClientIntegrationTest.Recorder());
        acceptRequest();
        out.write(ascii("HTTP/1.1 101 Swi"));
        out.flush();
        socket.close();

        final Throwable failure = failure(future);
        assertInstanceOf(WebSocketHandshakeException.class, failure);
        assertTrue(failure.getMessage().contains("HTTP/1.1 101 Swi"), failure.getMessage());
    }

    @Test
    void shouldFailConnectWhenNoResponseArrivesInTime() throws Exception
    {
        final CompletableFuture<WebSocketClientConnection> future =
            connect("/", null, new WebSocketClientIntegrationTest.Recorder());
        acceptRequest();

        final Throwable failure = failure(future);
        assertTrue(failure.getMessage().contains("no upgrade response"), failure.getMessage());
        assertEquals(0, client.openConnections());
    }

    @Test
    void shouldDecodeFramesThatArriveWithThe101() throws Exception
    {
        final WebSocketClientIntegrationTest.Recorder recorder = new WebSocketClientIntegrationTest.Recorder();
        final CompletableFuture<WebSocketClientConnection> future = connect("/", null, recorder);
        final String request = acceptRequest();
        final ByteArrayOutputStream segment = new ByteArrayOutputStream();
        segment.writeBytes(switchingProtocols(request, ""));
        segment.writeBytes(frame(true, 0x1, ascii("first")));
        segment.writeBytes(frame(true, 0x2, new byte[]{ 1, 2, 3 }));
        out.write(segment.toByteArray());
        out.flush();

        future.get(WAIT_S, TimeUnit.SECONDS);
        assertEquals("first", recorder.nextText());
        assertArrayEquals(new byte[]{ 1, 2, 3 }, recorder.nextBinary());
    }

    @Test
    void shouldAssembleFragmentsAndAnswerPingsBetweenThem() throws Exception
    {
        final WebSocketClientIntegrationTest.Recorder recorder = new WebSocketClientIntegrationTest.Recorder();
        open(recorder);

        out.write(frame(false, 0x1, ascii("Hel")));
        out.write(frame(true, 0x9, ascii("ping!")));
        out.flush();
        final ClientFrame pong = readFrame();
        assertEquals(0xA, pong.opcode());
        assertEquals("ping!", pong.text());

        out.write(frame(true, 0x0, ascii("lo")));
        final byte[] split = frame(true, 0x2, new byte[300]);
        out.write(split, 0, 3);
        out.flush();
        Thread.sleep(50); // the rest in a later read: assembled across reads
        out.write(split, 3, split.length - 3);
        out.flush();

        assertEquals("Hello", recorder.nextText());
        assertArrayEquals(new byte[300], recorder.nextBinary());
    }

    @Test
    void shouldMaskEveryFrameWithAFreshKey() throws Exception
    {
        final WebSocketClientConnection connection = open(new WebSocketClientIntegrationTest.Recorder());

        assertTrue(connection.sendText("one"));
        assertTrue(connection.sendText("two"));
        final ClientFrame one = readFrame();
        final ClientFrame two = readFrame();

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

        out.write(frame(true, 0x8, closePayload(4001, "bye")));
        out.flush();
        final ClientFrame reply = readFrame();
        assertEquals(0x8, reply.opcode());
        assertArrayEquals(closePayload(4001, ""), reply.payload());
        assertFalse(connection.isOpen());
        assertFalse(recorder.closed.isDone(), "the client waits for the server's TCP close");

        socket.close();
        assertEquals("4001 bye", recorder.closed.get(WAIT_S, TimeUnit.SECONDS));
    }

    @Test
    void shouldCloseTheSocketItselfWhenServerNeverAnswersItsClose() throws Exception
    {
        final WebSocketClientIntegrationTest.Recorder recorder = new WebSocketClientIntegrationTest.Recorder();
        final WebSocketClientConnection connection = open(recorder);

        connection.close(1000, "done");
        final ClientFrame close = readFrame();
        assertArrayEquals(closePayload(1000, "done"), close.payload());

        assertEquals("1006 ", recorder.closed.get(WAIT_S, TimeUnit.SECONDS), "no close frame came back");
        assertEquals(-1, in.read());
    }

    @Test
    void shouldFailConnectionWith1002WhenServerMasksAFrame() throws Exception
    {
        final WebSocketClientIntegrationTest.Recorder recorder = new WebSocketClientIntegrationTest.Recorder();
        open(recorder);

        out.write(new byte[]{ (byte)0x81, (byte)0x81, 1, 2, 3, 4, 'x' ^ 1 });
        out.flush();

        final ClientFrame close = readFrame();
        assertEquals(0x8, close.opcode());
        assertEquals(1002, ((close.payload()[0] & 0xFF) << 8) | (close.payload()[1] & 0xFF));
        assertTrue(recorder.closed.get(WAIT_S, TimeUnit.SECONDS).startsWith("1002 "));
        assertInstanceOf(ProtocolException.class, recorder.errors.peek());
        assertTrue(recorder.texts.isEmpty());
    }
}
