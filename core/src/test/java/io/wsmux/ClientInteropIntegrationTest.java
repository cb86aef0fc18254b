package io.wsmux;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.agrona.DirectBuffer;
import org.java_websocket.client.WebSocketClient;
import org.java_websocket.enums.Opcode;
import org.java_websocket.framing.Framedata;
import org.java_websocket.framing.PingFrame;
import org.java_websocket.handshake.ServerHandshake;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Two independent, real WebSocket clients against an echo server on loopback: the JDK's {@code java.net.http}
 * WebSocket and Java-WebSocket's {@link WebSocketClient}. Each test runs the same scenario with both clients:
 * text, binary, 4 MiB messages, client-side fragmentation, ordering, ping/pong, and closing from either side.
 * The server side is checked through a recording handler (path, query, headers during onOpen, attachment,
 * onClose code and reason) and through {@link WsmuxServer#openConnections()}.
 */
class ClientInteropIntegrationTest
{
    private static final long WAIT_SECONDS = 10;
    private static final int LARGE_LENGTH = 4 * 1024 * 1024;
    private static final int MESSAGE_COUNT = 1000;
    private static final String TEST_HEADER = "X-Test";
    private static final String MULTI_BYTE_TEXT = "h\u00e9llo w\u00f6rld \u2713 \u65e5\u672c\u8a9e \uD83D\uDE80 \u00df";
    /** The messages are 4 MiB: the outbound budget must hold one, else the echo is refused (see its test). */
    private static final int OUTBOUND_BUDGET = 32 * 1024 * 1024;
    private static final HttpClient HTTP_CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final RecordingHandler echoHandler = new RecordingHandler();
    private final RecordingHandler closingHandler = new RecordingHandler();
    private final ConcurrentLinkedQueue<Throwable> serverErrors = new ConcurrentLinkedQueue<>();
    private WsmuxServer server;

    @BeforeEach
    void startServer() throws IOException
    {
        server = startServer(new WsmuxSettings()
            .port(0)
            .ioThreads(2)
            .maxFrameLength(16 << 20)
            .maxMessageLength(16 << 20)
            .outboundBudget(OUTBOUND_BUDGET));
    }

    @AfterEach
    void closeServer()
    {
        if (null != server)
        {
            server.close();
        }
        assertTrue(serverErrors.isEmpty(), () -> "server reported errors: " + serverErrors);
    }

    // ---- JDK java.net.http WebSocket ----

    @Test
    @Timeout(30)
    void shouldEchoTextWithJdkClient() throws Exception
    {
        final JdkPeer peer = JdkPeer.connect(uri("/jdk/text?a=1&b=two"), "jdk-text");
        peer.ws.sendText("hello wsmux", true).join();
        assertEquals("hello wsmux", peer.nextText());
        peer.ws.sendText(MULTI_BYTE_TEXT, true).join();
        assertEquals(MULTI_BYTE_TEXT, peer.nextText());
        peer.ws.sendText("", true).join();
        assertEquals("", peer.nextText());

        final Opened opened = echoHandler.nextOpened();
        assertEquals(new Opened("/jdk/text", "a=1&b=two", "jdk-text"), opened);
        closeFromClientAndAwait(peer);
    }

    @Test
    @Timeout(30)
    void shouldEchoBinaryWithJdkClient() throws Exception
    {
        final JdkPeer peer = JdkPeer.connect(uri("/jdk/binary"), "jdk-binary");
        final byte[] allValues = allByteValues();
        peer.ws.sendBinary(ByteBuffer.wrap(allValues), true).join();
        assertSameBytes(allValues, peer.nextBinary(), "256 byte values");
        peer.ws.sendBinary(ByteBuffer.allocate(0), true).join();
        assertSameBytes(new byte[0], peer.nextBinary(), "empty binary");
        closeFromClientAndAwait(peer);
    }

    @Test
    @Timeout(30)
    void shouldEchoFourMebibyteMessagesWithJdkClient() throws Exception
    {
        final JdkPeer peer = JdkPeer.connect(uri("/jdk/large"), "jdk-large");
        final byte[] binary = randomBytes(LARGE_LENGTH, 1);
        peer.ws.sendBinary(ByteBuffer.wrap(binary), true).join();
        assertSameBytes(binary, peer.nextBinary(), "4 MiB binary");

        final String text = randomText(LARGE_LENGTH, 2);
        peer.ws.sendText(text, true).join();
        assertSameBytes(utf8(text), utf8(peer.nextText()), "4 MiB text");
        closeFromClientAndAwait(peer);
    }

    @Test
    @Timeout(30)
    void shouldEchoMessagesFragmentedByJdkClient() throws Exception
    {
        final JdkPeer peer = JdkPeer.connect(uri("/jdk/fragments"), "jdk-fragments");
        peer.ws.sendText("frag", false).join();
        peer.ws.sendText("", false).join();
        peer.ws.sendText("ment \u2713 ", false).join();
        peer.ws.sendText("ed \uD83D\uDE80", true).join();
        assertEquals("fragment \u2713 ed \uD83D\uDE80", peer.nextText());

        final byte[] binary = randomBytes(300_000, 3);
        peer.ws.sendBinary(ByteBuffer.wrap(binary, 0, 1), false).join();
        peer.ws.sendBinary(ByteBuffer.wrap(binary, 1, 100_000), false).join();
        peer.ws.sendBinary(ByteBuffer.wrap(binary, 100_001, binary.length - 100_001), true).join();
        assertSameBytes(binary, peer.nextBinary(), "fragmented binary");
        closeFromClientAndAwait(peer);
    }

    @Test
    @Timeout(30)
    void shouldEchoManyMessagesInOrderWithJdkClient() throws Exception
    {
        final JdkPeer peer = JdkPeer.connect(uri("/jdk/order"), "jdk-order");
        for (int i = 0; i < MESSAGE_COUNT; i++)
        {
            if ((i & 1) == 0)
            {
                peer.ws.sendText("message-" + i, true).join();
            }
            else
            {
                peer.ws.sendBinary(ByteBuffer.wrap(utf8("binary-" + i)), true).join();
            }
        }
        for (int i = 0; i < MESSAGE_COUNT; i++)
        {
            if ((i & 1) == 0)
            {
                assertEquals("message-" + i, peer.nextText(), "message " + i);
            }
            else
            {
                assertEquals("binary-" + i, new String(peer.nextBinary(), StandardCharsets.UTF_8), "message " + i);
            }
        }
        closeFromClientAndAwait(peer);
    }

    @Test
    @Timeout(30)
    void shouldAnswerPingWithPongOfSamePayloadWithJdkClient() throws Exception
    {
        final JdkPeer peer = JdkPeer.connect(uri("/jdk/ping"), "jdk-ping");
        final byte[] payload = utf8("ping \u2713 payload");
        peer.ws.sendPing(ByteBuffer.wrap(payload)).join();
        assertSameBytes(payload, peer.nextPong(), "pong payload");

        final byte[] largest = randomBytes(125, 4); // RFC 6455 §5.5: control frame payloads are at most 125 bytes
        peer.ws.sendPing(ByteBuffer.wrap(largest)).join();
        assertSameBytes(largest, peer.nextPong(), "125 byte pong payload");

        peer.ws.sendPing(ByteBuffer.allocate(0)).join();
        assertSameBytes(new byte[0], peer.nextPong(), "empty pong payload");

        peer.ws.sendText("after pings", true).join();
        assertEquals("after pings", peer.nextText());
        closeFromClientAndAwait(peer);
    }

    @Test
    @Timeout(30)
    void shouldReplyToCloseFromJdkClientWithSameCode() throws Exception
    {
        final JdkPeer peer = JdkPeer.connect(uri("/jdk/close"), "jdk-close");
        peer.ws.sendText("before close", true).join();
        assertEquals("before close", peer.nextText());

        peer.ws.sendClose(4321, "client done").join();
        final CloseStatus status = peer.closed.get(WAIT_SECONDS, TimeUnit.SECONDS);
        assertEquals(4321, status.code(), "client sees the server's close reply");

        final Closed closed = echoHandler.nextClosed();
        assertEquals(new Closed("/jdk/close", 4321, "client done", "attached:jdk-close"), closed);
        awaitNoOpenConnections(server);
    }

    @Test
    @Timeout(30)
    void shouldCloseJdkClientFromServerDuringOnOpen() throws Exception
    {
        final JdkPeer peer = JdkPeer.connect(uri("/close-me?when=open"), "jdk-server-close");
        final CloseStatus status = peer.closed.get(WAIT_SECONDS, TimeUnit.SECONDS);
        assertEquals(new CloseStatus(4001, "bye"), status);

        assertEquals(new Opened("/close-me", "when=open", "jdk-server-close"), closingHandler.nextOpened());
        assertEquals(new Closed("/close-me", 4001, "bye", "attached:jdk-server-close"), closingHandler.nextClosed());
        awaitNoOpenConnections(server);
    }

    @Test
    @Timeout(30)
    void shouldCloseJdkClientFromServerOnRequest() throws Exception
    {
        final JdkPeer peer = JdkPeer.connect(uri("/close-me"), "jdk-server-close");
        peer.ws.sendText("echo me first", true).join();
        assertEquals("echo me first", peer.nextText());
        peer.ws.sendText("close", true).join();
        final CloseStatus status = peer.closed.get(WAIT_SECONDS, TimeUnit.SECONDS);
        assertEquals(new CloseStatus(4001, "bye"), status);

        assertEquals(new Closed("/close-me", 4001, "bye", "attached:jdk-server-close"), closingHandler.nextClosed());
        awaitNoOpenConnections(server);
    }

    // ---- Java-WebSocket ----

    @Test
    @Timeout(30)
    void shouldEchoTextWithJavaWebSocketClient() throws Exception
    {
        final JwsPeer peer = JwsPeer.connect(uri("/jws/text?x=%20y"), "jws-text");
        peer.send("hello wsmux");
        assertEquals("hello wsmux", peer.nextText());
        peer.send(MULTI_BYTE_TEXT);
        assertEquals(MULTI_BYTE_TEXT, peer.nextText());
        peer.send("");
        assertEquals("", peer.nextText());

        assertEquals(new Opened("/jws/text", "x=%20y", "jws-text"), echoHandler.nextOpened());
        closeFromClientAndAwait(peer);
    }

    @Test
    @Timeout(30)
    void shouldEchoBinaryWithJavaWebSocketClient() throws Exception
    {
        final JwsPeer peer = JwsPeer.connect(uri("/jws/binary"), "jws-binary");
        final byte[] allValues = allByteValues();
        peer.send(allValues);
        assertSameBytes(allValues, peer.nextBinary(), "256 byte values");
        peer.send(new byte[0]);
        assertSameBytes(new byte[0], peer.nextBinary(), "empty binary");
        closeFromClientAndAwait(peer);
    }

    @Test
    @Timeout(30)
    void shouldEchoFourMebibyteMessagesWithJavaWebSocketClient() throws Exception
    {
        final JwsPeer peer = JwsPeer.connect(uri("/jws/large"), "jws-large");
        final byte[] binary = randomBytes(LARGE_LENGTH, 5);
        peer.send(binary);
        assertSameBytes(binary, peer.nextBinary(), "4 MiB binary");

        final String text = randomText(LARGE_LENGTH, 6);
        peer.send(text);
        assertSameBytes(utf8(text), utf8(peer.nextText()), "4 MiB text");
        closeFromClientAndAwait(peer);
    }

    @Test
    @Timeout(30)
    void shouldEchoMessagesFragmentedByJavaWebSocketClient() throws Exception
    {
        final JwsPeer peer = JwsPeer.connect(uri("/jws/fragments"), "jws-fragments");

        // RFC 6455 §5.6: a text message is UTF-8 as a whole; a fragment may end inside a character. Split the
        // three bytes of U+2713 across the two continuation frames.
        final String text = "fragmented \u2713 text \uD83D\uDE80";
        final byte[] bytes = utf8(text);
        final int check = "fragmented ".length();
        peer.sendFragmentedFrame(Opcode.TEXT, ByteBuffer.wrap(bytes, 0, check), false);
        peer.sendFragmentedFrame(Opcode.TEXT, ByteBuffer.wrap(bytes, check, 1), false);
        peer.sendFragmentedFrame(Opcode.TEXT, ByteBuffer.wrap(bytes, check + 1, bytes.length - check - 1), true);
        assertEquals(text, peer.nextText());

        final byte[] binary = randomBytes(300_000, 7);
        peer.sendFragmentedFrame(Opcode.BINARY, ByteBuffer.wrap(binary, 0, 100_000), false);
        peer.sendFragmentedFrame(Opcode.BINARY, ByteBuffer.wrap(binary, 100_000, 0), false);
        peer.sendFragmentedFrame(Opcode.BINARY, ByteBuffer.wrap(binary, 100_000, 200_000), true);
        assertSameBytes(binary, peer.nextBinary(), "fragmented binary");
        closeFromClientAndAwait(peer);
    }

    @Test
    @Timeout(30)
    void shouldEchoManyMessagesInOrderWithJavaWebSocketClient() throws Exception
    {
        final JwsPeer peer = JwsPeer.connect(uri("/jws/order"), "jws-order");
        for (int i = 0; i < MESSAGE_COUNT; i++)
        {
            if ((i & 1) == 0)
            {
                peer.send("message-" + i);
            }
            else
            {
                peer.send(utf8("binary-" + i));
            }
        }
        for (int i = 0; i < MESSAGE_COUNT; i++)
        {
            if ((i & 1) == 0)
            {
                assertEquals("message-" + i, peer.nextText(), "message " + i);
            }
            else
            {
                assertEquals("binary-" + i, new String(peer.nextBinary(), StandardCharsets.UTF_8), "message " + i);
            }
        }
        closeFromClientAndAwait(peer);
    }

    @Test
    @Timeout(30)
    void shouldAnswerPingWithPongOfSamePayloadWithJavaWebSocketClient() throws Exception
    {
        final JwsPeer peer = JwsPeer.connect(uri("/jws/ping"), "jws-ping");
        final byte[] payload = utf8("ping \u2713 payload");
        peer.sendPing(payload);
        assertSameBytes(payload, peer.nextPong(), "pong payload");

        final byte[] largest = randomBytes(125, 8);
        peer.sendPing(largest);
        assertSameBytes(largest, peer.nextPong(), "125 byte pong payload");

        peer.sendPing(new byte[0]);
        assertSameBytes(new byte[0], peer.nextPong(), "empty pong payload");

        peer.send("after pings");
        assertEquals("after pings", peer.nextText());
        closeFromClientAndAwait(peer);
    }

    @Test
    @Timeout(30)
    void shouldReplyToCloseFromJavaWebSocketClientWithSameCode() throws Exception
    {
        final JwsPeer peer = JwsPeer.connect(uri("/jws/close"), "jws-close");
        peer.send("before close");
        assertEquals("before close", peer.nextText());

        peer.close(4321, "client done");
        final CloseStatus status = peer.closed.get(WAIT_SECONDS, TimeUnit.SECONDS);
        assertEquals(4321, status.code(), "client sees the server's close reply");

        assertEquals(new Closed("/jws/close", 4321, "client done", "attached:jws-close"), echoHandler.nextClosed());
        awaitNoOpenConnections(server);
    }

    @Test
    @Timeout(30)
    void shouldCloseJavaWebSocketClientFromServerDuringOnOpen() throws Exception
    {
        final JwsPeer peer = new JwsPeer(uri("/close-me?when=open"), "jws-server-close");
        // Not connectBlocking's result: it reports whether the client is still open, and the close frame arrives
        // with the 101 response, so the client may already be closing by the time it looks.
        peer.connectBlocking(WAIT_SECONDS, TimeUnit.SECONDS);
        final CloseStatus status = peer.closed.get(WAIT_SECONDS, TimeUnit.SECONDS);
        assertTrue(peer.handshakeCompleted, "the upgrade completed before the close");
        assertEquals(new CloseStatus(4001, "bye"), status);
        assertTrue(peer.closedByRemote, "the close was the server's");

        assertEquals(new Opened("/close-me", "when=open", "jws-server-close"), closingHandler.nextOpened());
        assertEquals(new Closed("/close-me", 4001, "bye", "attached:jws-server-close"), closingHandler.nextClosed());
        awaitNoOpenConnections(server);
    }

    @Test
    @Timeout(30)
    void shouldCloseJavaWebSocketClientFromServerOnRequest() throws Exception
    {
        final JwsPeer peer = JwsPeer.connect(uri("/close-me"), "jws-server-close");
        peer.send("echo me first");
        assertEquals("echo me first", peer.nextText());
        peer.send("close");
        final CloseStatus status = peer.closed.get(WAIT_SECONDS, TimeUnit.SECONDS);
        assertEquals(new CloseStatus(4001, "bye"), status);
        assertTrue(peer.closedByRemote, "the close was the server's");

        assertEquals(new Closed("/close-me", 4001, "bye", "attached:jws-server-close"), closingHandler.nextClosed());
        awaitNoOpenConnections(server);
    }

    // ---- the echo mode of Main, as it configures its server ----

    /**
     * {@code Main --mode echo} promises messages up to 16 MiB, and the budget check counts the message being sent
     * (only a message to an empty queue is admitted whatever its size): with the default 1 MiB
     * {@code wsmux.outbound.budget} an echo of 1 MiB or more is refused whenever anything is still queued for that
     * client, and the connection closed with 1008 "slow consumer". Echo mode therefore raises the budget to
     * {@link Main#ECHO_OUTBOUND_BUDGET} (32 MiB); this guards that a 4 MiB echo gets through with Main's settings.
     */
    @Test
    @Timeout(30)
    void shouldEchoFourMebibyteMessageWithMainEchoModeSettings() throws Exception
    {
        final WsmuxServer echoModeServer = startServer(Main.echoMode(new WsmuxSettings().port(0).ioThreads(1)));
        try
        {
            final JdkPeer peer = JdkPeer.connect(
                URI.create("ws://127.0.0.1:" + echoModeServer.port() + "/main-echo"), "main-echo");
            final byte[] binary = randomBytes(LARGE_LENGTH, 9);
            peer.ws.sendBinary(ByteBuffer.wrap(binary), true).join();
            final Object reply = peer.next();
            if (reply instanceof CloseStatus)
            {
                fail("a 4 MiB echo on an idle connection was refused: the server closed with " + reply +
                    " (outbound budget " + echoModeServer.settings().outboundBudget() + " bytes, message limit " +
                    echoModeServer.settings().maxMessageLength() + " bytes)");
            }
            assertTrue(reply instanceof byte[], () -> "expected a binary echo, got " + reply);
            assertSameBytes(binary, (byte[])reply, "4 MiB binary");
            peer.ws.sendClose(WebSocket.NORMAL_CLOSURE, "").join();
            assertEquals(WebSocket.NORMAL_CLOSURE, peer.closed.get(WAIT_SECONDS, TimeUnit.SECONDS).code());
            awaitNoOpenConnections(echoModeServer);
        }
        finally
        {
            echoModeServer.close();
        }
    }

    // ---- helpers ----

    private WsmuxServer startServer(final WsmuxSettings settings) throws IOException
    {
        return WsmuxServer.builder(settings)
            .anyPath(echoHandler)
            .endpoint("/close-me", closingHandler)
            .errorHandler(serverErrors::add)
            .build()
            .start();
    }

    private URI uri(final String pathAndQuery)
    {
        return URI.create("ws://127.0.0.1:" + server.port() + pathAndQuery);
    }

    private void closeFromClientAndAwait(final JdkPeer peer) throws Exception
    {
        peer.ws.sendClose(WebSocket.NORMAL_CLOSURE, "").join();
        assertEquals(WebSocket.NORMAL_CLOSURE, peer.closed.get(WAIT_SECONDS, TimeUnit.SECONDS).code());
        awaitNoOpenConnections(server);
        assertTrue(peer.unexpected.isEmpty(), () -> "unexpected events: " + peer.unexpected);
    }

    private void closeFromClientAndAwait(final JwsPeer peer) throws Exception
    {
        peer.close(1000);
        assertEquals(1000, peer.closed.get(WAIT_SECONDS, TimeUnit.SECONDS).code());
        awaitNoOpenConnections(server);
        assertTrue(peer.unexpected.isEmpty(), () -> "unexpected events: " + peer.unexpected);
    }

    static void awaitNoOpenConnections(final WsmuxServer server) throws InterruptedException
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (server.openConnections() > 0 && System.nanoTime() - deadlineNs < 0)
        {
            Thread.sleep(2);
        }
        assertEquals(0, server.openConnections(), "open connections after every client closed");
    }

    static void assertSameBytes(final byte[] expected, final byte[] actual, final String what)
    {
        assertNotNull(actual, what + ": nothing received");
        final int mismatch = Arrays.mismatch(expected, actual);
        if (-1 != mismatch)
        {
            fail(what + ": differs at byte " + mismatch + " (expected length " + expected.length + ", actual " +
                actual.length + ")");
        }
    }

    private static byte[] utf8(final String text)
    {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] allByteValues()
    {
        final byte[] bytes = new byte[256];
        for (int i = 0; i < bytes.length; i++)
        {
            bytes[i] = (byte)i;
        }
        return bytes;
    }

    private static byte[] randomBytes(final int length, final long seed)
    {
        final byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    /**
     * @return text of at least utf8Length UTF-8 bytes mixing 1, 2, 3 and 4 byte characters.
     */
    private static String randomText(final int utf8Length, final long seed)
    {
        final String[] pieces = { "a", "Z", " ", "0", "\u00e9", "\u00df", "\u2713", "\u65e5", "\uD83D\uDE80" };
        final Random random = new Random(seed);
        final StringBuilder text = new StringBuilder(utf8Length);
        int length = 0;
        while (length < utf8Length)
        {
            final String piece = pieces[random.nextInt(pieces.length)];
            text.append(piece);
            length += utf8(piece).length;
        }
        return text.toString();
    }

    /**
     * What a client saw in a close frame from the server.
     *
     * @param code   the close code.
     * @param reason the close reason.
     */
    record CloseStatus(int code, String reason)
    {
    }

    /**
     * What the server handler saw in onOpen.
     *
     * @param path       the request path.
     * @param query      the request query.
     * @param testHeader the X-Test header of the upgrade request.
     */
    record Opened(String path, String query, String testHeader)
    {
    }

    /**
     * What the server handler saw in onClose.
     *
     * @param path       the request path.
     * @param code       the close code.
     * @param reason     the close reason.
     * @param attachment the connection's attachment at close.
     */
    record Closed(String path, int code, String reason, Object attachment)
    {
    }

    /**
     * Echoes like {@link EchoHandler} and records what the server saw. On {@code /close-me} it closes with
     * 4001 "bye" during onOpen (query {@code when=open}) or when it receives the text "close".
     */
    static final class RecordingHandler implements WebSocketHandler
    {
        private final EchoHandler echo = new EchoHandler();
        private final BlockingQueue<Opened> opened = new LinkedBlockingQueue<>();
        private final BlockingQueue<Closed> closed = new LinkedBlockingQueue<>();
        private final ConcurrentLinkedQueue<String> unexpected = new ConcurrentLinkedQueue<>();

        @Override
        public void onOpen(final Connection connection)
        {
            final HandshakeRequest handshake = connection.handshake();
            if (null == handshake)
            {
                unexpected.add("no handshake during onOpen on " + connection.path());
                return;
            }
            final String testHeader = handshake.header(TEST_HEADER);
            connection.attach("attached:" + testHeader);
            opened.add(new Opened(connection.path(), connection.query(), testHeader));
            if ("/close-me".equals(connection.path()) && "when=open".equals(connection.query()))
            {
                connection.close(4001, "bye");
            }
        }

        @Override
        public void onText(final Connection connection, final DirectBuffer buffer, final int offset, final int length)
        {
            if ("/close-me".equals(connection.path()) && "close".equals(buffer.getStringWithoutLengthUtf8(offset,
                length)))
            {
                connection.close(4001, "bye");
                return;
            }
            echo.onText(connection, buffer, offset, length);
        }

        @Override
        public void onBinary(
            final Connection connection, final DirectBuffer buffer, final int offset, final int length)
        {
            echo.onBinary(connection, buffer, offset, length);
        }

        @Override
        public void onClose(final Connection connection, final int code, final String reason)
        {
            closed.add(new Closed(connection.path(), code, reason, connection.attachment()));
        }

        @Override
        public void onError(final Connection connection, final Throwable error)
        {
            unexpected.add("onError: " + error);
        }

        Opened nextOpened() throws InterruptedException
        {
            final Opened event = opened.poll(WAIT_SECONDS, TimeUnit.SECONDS);
            assertNotNull(event, "no onOpen on the server");
            assertTrue(unexpected.isEmpty(), () -> "handler saw: " + unexpected);
            return event;
        }

        Closed nextClosed() throws InterruptedException
        {
            final Closed event = closed.poll(WAIT_SECONDS, TimeUnit.SECONDS);
            assertNotNull(event, "no onClose on the server");
            assertTrue(unexpected.isEmpty(), () -> "handler saw: " + unexpected);
            return event;
        }
    }

    /**
     * A JDK {@link WebSocket} and its listener: whole messages, pongs and the close land in queues.
     */
    static final class JdkPeer implements WebSocket.Listener
    {
        final BlockingQueue<Object> messages = new LinkedBlockingQueue<>();
        final BlockingQueue<byte[]> pongs = new LinkedBlockingQueue<>();
        final CompletableFuture<CloseStatus> closed = new CompletableFuture<>();
        final ConcurrentLinkedQueue<String> unexpected = new ConcurrentLinkedQueue<>();
        private final StringBuilder textParts = new StringBuilder();
        private final ByteArrayOutputStream binaryParts = new ByteArrayOutputStream();
        WebSocket ws;

        static JdkPeer connect(final URI uri, final String testHeader)
        {
            final JdkPeer peer = new JdkPeer();
            peer.ws = HTTP_CLIENT.newWebSocketBuilder()
                .header(TEST_HEADER, testHeader)
                .connectTimeout(Duration.ofSeconds(5))
                .buildAsync(uri, peer)
                .orTimeout(WAIT_SECONDS, TimeUnit.SECONDS)
                .join();
            return peer;
        }

        @Override
        public CompletionStage<?> onText(final WebSocket webSocket, final CharSequence data, final boolean last)
        {
            textParts.append(data);
            if (last)
            {
                messages.add(textParts.toString());
                textParts.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(final WebSocket webSocket, final ByteBuffer data, final boolean last)
        {
            final byte[] bytes = new byte[data.remaining()];
            data.get(bytes);
            binaryParts.writeBytes(bytes);
            if (last)
            {
                messages.add(binaryParts.toByteArray());
                binaryParts.reset();
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onPong(final WebSocket webSocket, final ByteBuffer message)
        {
            final byte[] bytes = new byte[message.remaining()];
            message.get(bytes);
            pongs.add(bytes);
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(final WebSocket webSocket, final int statusCode, final String reason)
        {
            final CloseStatus status = new CloseStatus(statusCode, reason);
            messages.add(status);
            closed.complete(status);
            return null;
        }

        @Override
        public void onError(final WebSocket webSocket, final Throwable error)
        {
            unexpected.add("onError: " + error);
            closed.completeExceptionally(error);
        }

        Object next() throws InterruptedException
        {
            final Object message = messages.poll(WAIT_SECONDS, TimeUnit.SECONDS);
            assertNotNull(message, "no message within " + WAIT_SECONDS + " s");
            return message;
        }

        String nextText() throws InterruptedException
        {
            final Object message = next();
            assertTrue(message instanceof String, () -> "expected text, got " + describe(message));
            return (String)message;
        }

        byte[] nextBinary() throws InterruptedException
        {
            final Object message = next();
            assertTrue(message instanceof byte[], () -> "expected binary, got " + describe(message));
            return (byte[])message;
        }

        byte[] nextPong() throws InterruptedException
        {
            final byte[] pong = pongs.poll(WAIT_SECONDS, TimeUnit.SECONDS);
            assertNotNull(pong, "no pong within " + WAIT_SECONDS + " s");
            return pong;
        }
    }

    /**
     * A Java-WebSocket client: whole messages, pongs and the close land in queues.
     */
    static final class JwsPeer extends WebSocketClient
    {
        final BlockingQueue<Object> messages = new LinkedBlockingQueue<>();
        final BlockingQueue<byte[]> pongs = new LinkedBlockingQueue<>();
        final CompletableFuture<CloseStatus> closed = new CompletableFuture<>();
        final ConcurrentLinkedQueue<String> unexpected = new ConcurrentLinkedQueue<>();
        volatile boolean handshakeCompleted;
        volatile boolean closedByRemote;

        JwsPeer(final URI uri, final String testHeader)
        {
            super(uri, Map.of(TEST_HEADER, testHeader));
            setConnectionLostTimeout(0); // no pings of its own: the tests count pongs
        }

        static JwsPeer connect(final URI uri, final String testHeader) throws InterruptedException
        {
            final JwsPeer peer = new JwsPeer(uri, testHeader);
            assertTrue(peer.connectBlocking(WAIT_SECONDS, TimeUnit.SECONDS), () -> "cannot connect to " + uri);
            return peer;
        }

        void sendPing(final byte[] payload)
        {
            final PingFrame ping = new PingFrame();
            ping.setPayload(ByteBuffer.wrap(payload));
            sendFrame(ping);
        }

        @Override
        public void onOpen(final ServerHandshake handshake)
        {
            handshakeCompleted = 101 == handshake.getHttpStatus();
        }

        @Override
        public void onMessage(final String message)
        {
            messages.add(message);
        }

        @Override
        public void onMessage(final ByteBuffer message)
        {
            final byte[] bytes = new byte[message.remaining()];
            message.get(bytes);
            messages.add(bytes);
        }

        @Override
        public void onWebsocketPong(final org.java_websocket.WebSocket conn, final Framedata frame)
        {
            final ByteBuffer payload = frame.getPayloadData();
            final byte[] bytes = new byte[payload.remaining()];
            payload.get(bytes);
            pongs.add(bytes);
        }

        /**
         * Java-WebSocket 1.6.0 can drop its own close frame: the reader thread interrupts the write thread as soon as
         * the connection is closing, and the write thread, when it sees the interrupt at the top of its loop rather
         * than in {@code take()}, exits without writing what is still queued. The server then sees TCP end without
         * a close frame and rightly reports 1006. Hold the closing thread (called right after the close frame is
         * queued) until the write thread has taken every queued frame, so the tests see the server's behaviour,
         * not this race.
         */
        @Override
        public void onClosing(final int code, final String reason, final boolean remote)
        {
            final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
            while (hasBufferedData() && System.nanoTime() - deadlineNs < 0)
            {
                LockSupport.parkNanos(100_000);
            }
        }

        @Override
        public void onClose(final int code, final String reason, final boolean remote)
        {
            closedByRemote = remote;
            final CloseStatus status = new CloseStatus(code, reason);
            messages.add(status);
            closed.complete(status);
        }

        @Override
        public void onError(final Exception ex)
        {
            unexpected.add("onError: " + ex);
        }

        Object next() throws InterruptedException
        {
            final Object message = messages.poll(WAIT_SECONDS, TimeUnit.SECONDS);
            assertNotNull(message, () -> "no message within " + WAIT_SECONDS + " s; errors: " + unexpected);
            return message;
        }

        String nextText() throws InterruptedException
        {
            final Object message = next();
            assertTrue(message instanceof String, () -> "expected text, got " + describe(message));
            return (String)message;
        }

        byte[] nextBinary() throws InterruptedException
        {
            final Object message = next();
            assertTrue(message instanceof byte[], () -> "expected binary, got " + describe(message));
            return (byte[])message;
        }

        byte[] nextPong() throws InterruptedException
        {
            final byte[] pong = pongs.poll(WAIT_SECONDS, TimeUnit.SECONDS);
            assertNotNull(pong, () -> "no pong within " + WAIT_SECONDS + " s; errors: " + unexpected);
            return pong;
        }
    }

    private static String describe(final Object message)
    {
        if (message instanceof byte[])
        {
            return "binary of " + ((byte[])message).length + " bytes";
        }
        if (message instanceof String)
        {
            final String text = (String)message;
            final String head = text.length() > 80 ? text.substring(0, 80) + "..." : text;
            return "text of " + text.length() + " chars: " + head;
        }
        return String.valueOf(message);
    }
}
