package io.wsmux;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.wsmux.codec.mux.BinaryMuxDescriptor;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The binary protocol {@code wsmux.v1} over a real socket with the JDK's WebSocket client: every message type and
 * every refusal and error code of docs/protocol.md.
 */
@Timeout(30)
class MuxBinaryProtocolIntegrationTest
{
    /**
     * @return true to run every test over wss:// (the TLS subclass).
     */
    boolean tls()
    {
        return false;
    }

    private final BlockingQueue<String> serviceEvents = new LinkedBlockingQueue<>();
    private WsmuxServer server;
    private Multiplexer mux;
    private Client client;

    /** Collects whole binary messages. */
    static final class Client implements WebSocket.Listener
    {
        final BlockingQueue<byte[]> received = new LinkedBlockingQueue<>();
        private ByteBuffer partial = ByteBuffer.allocate(1 << 20);
        WebSocket webSocket;

        @Override
        public CompletionStage<?> onBinary(final WebSocket webSocket, final ByteBuffer data, final boolean last)
        {
            partial.put(data);
            if (last)
            {
                partial.flip();
                final byte[] message = new byte[partial.remaining()];
                partial.get(message);
                partial.clear();
                received.add(message);
            }
            webSocket.request(1);
            return null;
        }

        void send(final byte[] message) throws Exception
        {
            webSocket.sendBinary(ByteBuffer.wrap(message), true).get(5, TimeUnit.SECONDS);
        }

        ByteBuffer next() throws InterruptedException
        {
            final byte[] message = received.poll(5, TimeUnit.SECONDS);
            if (null == message)
            {
                throw new AssertionError("nothing received");
            }
            return ByteBuffer.wrap(message).order(ByteOrder.BIG_ENDIAN);
        }
    }

    static byte[] open(final int id, final String name, final int maxRate)
    {
        final byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        final ByteBuffer message = ByteBuffer.allocate(7 + nameBytes.length + (maxRate > 0 ? 4 : 0));
        message.put(BinaryMuxDescriptor.OPEN).putInt(id).putShort((short)nameBytes.length).put(nameBytes);
        if (maxRate > 0)
        {
            message.putInt(maxRate);
        }
        return message.array();
    }

    static byte[] message(final byte type, final int id, final String payload)
    {
        final byte[] bytes = payload.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(5 + bytes.length).put(type).putInt(id).put(bytes).array();
    }

    static byte[] close(final int id)
    {
        return ByteBuffer.allocate(5).put(BinaryMuxDescriptor.CLOSE).putInt(id).array();
    }

    private static void assertHeader(final ByteBuffer message, final byte type, final int id)
    {
        assertEquals(type, message.get(), "type");
        assertEquals(id, message.getInt(), "channel id");
    }

    private static void assertCodeAndReason(final ByteBuffer message, final int code, final String reason)
    {
        assertEquals(code, message.getShort() & 0xFFFF, "code");
        final byte[] bytes = new byte[message.remaining()];
        message.get(bytes);
        assertEquals(reason, new String(bytes, StandardCharsets.UTF_8));
    }

    private static String rest(final ByteBuffer message)
    {
        final byte[] bytes = new byte[message.remaining()];
        message.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    @BeforeEach
    void setUp() throws Exception
    {
        final WebSocketHandler echo = new WebSocketHandler()
        {
            @Override
            public void onText(final Connection connection, final DirectBuffer buffer, final int offset,
                final int length)
            {
                if ("close-me".equals(buffer.getStringWithoutLengthUtf8(offset, length)))
                {
                    connection.close(4000, "as you wish");
                    return;
                }
                connection.sendText(buffer, offset, length);
            }

            @Override
            public void onBinary(final Connection connection, final DirectBuffer buffer, final int offset,
                final int length)
            {
                connection.sendBinary(buffer, offset, length);
            }

            @Override
            public void onClose(final Connection connection, final int code, final String reason)
            {
                serviceEvents.add("close " + connection.path() + " " + code);
            }
        };
        mux = Multiplexer.builder()
            .service("echo", echo)
            .service("secret", echo)
            .topicPrefix("prices.", TopicOptions.LATEST)
            .authorizer((webSocket, channel) -> "secret".equals(channel) ? "members only" : null)
            .build();
        server = WsmuxServer.builder(TlsTestSupport.settings(tls(), new WsmuxSettings().port(0).ioThreads(2)
            .muxMaxChannels(3)
            .muxMaxChannelNameLength(32))).mux("/mux", mux).build().start();
        client = new Client();
        client.webSocket = TlsTestSupport.httpClient(tls()).newWebSocketBuilder()
            .subprotocols(BinaryMuxDescriptor.SUBPROTOCOL)
            .buildAsync(TlsTestSupport.uri(server, tls(), "/mux"), client)
            .get(5, TimeUnit.SECONDS);
        assertEquals(BinaryMuxDescriptor.SUBPROTOCOL, client.webSocket.getSubprotocol());
    }

    @AfterEach
    void tearDown()
    {
        client.webSocket.abort();
        server.close();
    }

    @Test
    void shouldOpenServiceAndEchoTextAndBinaryOnItsId() throws Exception
    {
        client.send(open(7, "echo", 0));
        assertHeader(client.next(), BinaryMuxDescriptor.OPENED, 7);

        client.send(message(BinaryMuxDescriptor.TEXT, 7, "héllo, world"));
        final ByteBuffer text = client.next();
        assertHeader(text, BinaryMuxDescriptor.SERVER_TEXT, 7);
        assertEquals("héllo, world", rest(text));

        final byte[] bytes = { 0, 1, 2, (byte)0xFF };
        client.send(ByteBuffer.allocate(9).put(BinaryMuxDescriptor.BINARY).putInt(7).put(bytes).array());
        final ByteBuffer binary = client.next();
        assertHeader(binary, BinaryMuxDescriptor.SERVER_BINARY, 7);
        final byte[] echoed = new byte[4];
        binary.get(echoed);
        assertArrayEquals(bytes, echoed);
    }

    @Test
    void shouldRefuseUnknownNameWith404AndForbiddenWith403() throws Exception
    {
        client.send(open(1, "nowhere", 0));
        final ByteBuffer unknown = client.next();
        assertHeader(unknown, BinaryMuxDescriptor.REFUSED, 1);
        assertCodeAndReason(unknown, 404, "no service or topic of that name");

        client.send(open(2, "secret", 0));
        final ByteBuffer forbidden = client.next();
        assertHeader(forbidden, BinaryMuxDescriptor.REFUSED, 2);
        assertCodeAndReason(forbidden, 403, "members only");
    }

    @Test
    void shouldRefuseTooLongNameAndTooManyChannels() throws Exception
    {
        client.send(open(1, "x".repeat(33), 0));
        final ByteBuffer tooLong = client.next();
        assertHeader(tooLong, BinaryMuxDescriptor.REFUSED, 1);
        assertEquals(413, tooLong.getShort() & 0xFFFF);

        for (int id = 1; id <= 3; id++)
        {
            client.send(open(id, "echo", 0));
            assertHeader(client.next(), BinaryMuxDescriptor.OPENED, id);
        }
        client.send(open(4, "echo", 0));
        final ByteBuffer tooMany = client.next();
        assertHeader(tooMany, BinaryMuxDescriptor.REFUSED, 4);
        assertEquals(429, tooMany.getShort() & 0xFFFF);
    }

    @Test
    void shouldReportMalformedAndUnknownIdsAsErrorsAndKeepWorking() throws Exception
    {
        client.send(open(5, "echo", 0));
        assertHeader(client.next(), BinaryMuxDescriptor.OPENED, 5);

        client.send(new byte[]{ 1, 2 });
        final ByteBuffer tooShort = client.next();
        assertHeader(tooShort, BinaryMuxDescriptor.ERROR, 0);
        assertEquals(400, tooShort.getShort() & 0xFFFF);

        client.send(message((byte)0x7F, 5, "?"));
        final ByteBuffer unknownType = client.next();
        assertHeader(unknownType, BinaryMuxDescriptor.ERROR, 5);
        assertEquals(400, unknownType.getShort() & 0xFFFF);

        client.send(open(5, "echo", 0));
        final ByteBuffer conflict = client.next();
        assertHeader(conflict, BinaryMuxDescriptor.ERROR, 5);
        assertEquals(409, conflict.getShort() & 0xFFFF);

        client.send(message(BinaryMuxDescriptor.TEXT, 99, "lost"));
        final ByteBuffer gone = client.next();
        assertHeader(gone, BinaryMuxDescriptor.ERROR, 99);
        assertEquals(410, gone.getShort() & 0xFFFF);

        final byte[] truncatedOpen = Arrays.copyOf(open(6, "echo", 0), 9);
        client.send(truncatedOpen);
        final ByteBuffer badOpen = client.next();
        assertHeader(badOpen, BinaryMuxDescriptor.ERROR, 6);
        assertEquals(400, badOpen.getShort() & 0xFFFF);

        client.send(message(BinaryMuxDescriptor.TEXT, 5, "still fine"));
        final ByteBuffer echo = client.next();
        assertHeader(echo, BinaryMuxDescriptor.SERVER_TEXT, 5);
        assertEquals("still fine", rest(echo));
    }

    @Test
    void shouldCloseChannelsFromEitherSideWithoutClosingTheWebSocket() throws Exception
    {
        client.send(open(1, "echo", 0));
        assertHeader(client.next(), BinaryMuxDescriptor.OPENED, 1);
        client.send(open(2, "echo", 0));
        assertHeader(client.next(), BinaryMuxDescriptor.OPENED, 2);

        client.send(message(BinaryMuxDescriptor.TEXT, 1, "close-me"));
        final ByteBuffer closed = client.next();
        assertHeader(closed, BinaryMuxDescriptor.CLOSED, 1);
        assertCodeAndReason(closed, 4000, "as you wish");
        assertEquals("close echo 4000", serviceEvents.poll(5, TimeUnit.SECONDS));

        client.send(close(2));
        assertEquals("close echo 1000", serviceEvents.poll(5, TimeUnit.SECONDS));

        client.send(open(1, "echo", 0));
        assertHeader(client.next(), BinaryMuxDescriptor.OPENED, 1);
        client.send(message(BinaryMuxDescriptor.TEXT, 1, "id reused"));
        final ByteBuffer echo = client.next();
        assertHeader(echo, BinaryMuxDescriptor.SERVER_TEXT, 1);
        assertEquals("id reused", rest(echo));
    }

    @Test
    void shouldSubscribeToTopicWithLastValueAndReceivePublicationsOnTheChannelId() throws Exception
    {
        mux.topic("prices.GBPUSD").publish("GBPUSD,1.2701");
        Thread.sleep(50);

        client.send(open(3, "prices.GBPUSD", 0));
        assertHeader(client.next(), BinaryMuxDescriptor.OPENED, 3);
        final ByteBuffer last = client.next();
        assertHeader(last, BinaryMuxDescriptor.SERVER_TEXT, 3);
        assertEquals("GBPUSD,1.2701", rest(last));

        mux.topic("prices.GBPUSD").publish("GBPUSD,1.2702");
        final ByteBuffer next = client.next();
        assertHeader(next, BinaryMuxDescriptor.SERVER_TEXT, 3);
        assertEquals("GBPUSD,1.2702", rest(next));

        mux.topic("prices.GBPUSD").publishBinary(new UnsafeBuffer(new byte[]{ 9, 8 }), 0, 2);
        final ByteBuffer binary = client.next();
        assertHeader(binary, BinaryMuxDescriptor.SERVER_BINARY, 3);
        assertEquals(9, binary.get());
    }

    @Test
    void shouldThrottleSubscriberToItsMaxRateDeliveringTheLatestValue() throws Exception
    {
        client.send(open(4, "prices.USDJPY", 2));
        assertHeader(client.next(), BinaryMuxDescriptor.OPENED, 4);
        final Topic topic = mux.topic("prices.USDJPY");
        for (int i = 1; i <= 1000; i++)
        {
            topic.publish("USDJPY," + i);
        }

        final ByteBuffer first = client.next();
        assertHeader(first, BinaryMuxDescriptor.SERVER_TEXT, 4);
        final ByteBuffer second = client.next();
        assertHeader(second, BinaryMuxDescriptor.SERVER_TEXT, 4);
        assertEquals("USDJPY,1000", rest(second), "the held value is the latest");
        assertEquals(null, client.received.poll(200, TimeUnit.MILLISECONDS), "nothing more: no newer value");
    }
}
