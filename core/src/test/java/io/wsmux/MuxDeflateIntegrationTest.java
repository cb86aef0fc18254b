package io.wsmux;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.wsmux.codec.Opcode;
import io.wsmux.codec.mux.BinaryMuxDescriptor;
import io.wsmux.conformance.RawWebSocketClient;
import io.wsmux.status.SystemCounter;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Topic publications to permessage-deflate subscribers: compressed once per publication, on the publishing thread,
 * and the same compressed bytes sent to every subscriber that negotiated no server context takeover, whatever its
 * protocol: the text protocol's shared frame, and for the binary protocol (and a text channel named differently from
 * the topic) the subscriber's own prefix in a stored deflate block before the shared compressed payload. Subscribers
 * without compression get the plain frame; a topic with compression off is never compressed; a subscriber with server
 * context takeover gets its own compression.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class MuxDeflateIntegrationTest
{
    private static final String OFFER = "permessage-deflate; client_max_window_bits";
    private static final int TIMEOUT_MS = 10_000;
    private static final int LARGE = 40;
    private static final int SMALL = 5;

    private WsmuxServer server;
    private Multiplexer multiplexer;
    private final List<RawWebSocketClient> clients = new ArrayList<>();

    @AfterEach
    void stop()
    {
        clients.forEach(RawWebSocketClient::close);
        if (null != server)
        {
            server.close();
        }
    }

    private void start(final WsmuxSettings settings) throws IOException
    {
        multiplexer = Multiplexer.builder()
            .topic("prices", TopicOptions.RELIABLE)
            .topic("zipped", TopicOptions.RELIABLE.withCompression(false))
            .build();
        server = WsmuxServer.builder(settings.port(0).ioThreads(2)).mux("/mux", multiplexer).build().start();
    }

    private RawWebSocketClient text(final String offer, final String... channels) throws IOException
    {
        final RawWebSocketClient client = RawWebSocketClient.connect(server.address(), "/mux", TIMEOUT_MS, offer);
        clients.add(client);
        for (final String channel : channels)
        {
            client.sendFrame(true, Opcode.TEXT, ("sub," + channel).getBytes(StandardCharsets.US_ASCII));
        }
        return client;
    }

    private RawWebSocketClient binary(final String offer, final int channelId, final String topic) throws IOException
    {
        final RawWebSocketClient client = RawWebSocketClient.connect(
            server.address(), "/mux", TIMEOUT_MS, offer, BinaryMuxDescriptor.SUBPROTOCOL);
        clients.add(client);
        final byte[] name = topic.getBytes(StandardCharsets.US_ASCII);
        final UnsafeBuffer open = new UnsafeBuffer(new byte[64]);
        final int length = BinaryMuxDescriptor.writeOpen(open, 0, channelId, new UnsafeBuffer(name), 0, name.length, 0);
        client.sendFrame(true, Opcode.BINARY, Arrays.copyOf(open.byteArray(), length));
        final RawWebSocketClient.Message opened = client.readMessage();
        assertEquals(BinaryMuxDescriptor.OPENED, opened.payload()[0], "OPENED");
        return client;
    }

    private void awaitSubscribers(final String topic, final int count) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (multiplexer.topic(topic).subscriberCount() < count && System.nanoTime() < deadline)
        {
            Thread.sleep(5);
        }
        assertEquals(count, multiplexer.topic(topic).subscriberCount());
    }

    @Test
    void shouldCompressEachPublicationOnceForEverySubscriberOfEitherProtocol() throws Exception
    {
        start(new WsmuxSettings());
        final List<RawWebSocketClient> textSubscribers = List.of(
            text(OFFER, "prices", "zipped"), text(OFFER, "prices"), text(OFFER, "prices"));
        final RawWebSocketClient plain = text(null, "prices");
        final RawWebSocketClient renamed = text(OFFER, "prices?maxRate=100000");
        final List<RawWebSocketClient> binarySubscribers = List.of(binary(OFFER, 7, "prices"), binary(OFFER, 9,
            "prices"));
        awaitSubscribers("prices", 7);
        awaitSubscribers("zipped", 1);
        assertTrue(textSubscribers.get(0).extensions().contains("server_no_context_takeover"));

        final List<byte[]> published = new ArrayList<>();
        for (int i = 0; i < LARGE + SMALL; i++)
        {
            final byte[] payload = i < LARGE ? DeflateTicks.ticks(300 + 17 * i, i) : DeflateTicks.ticks(50, i);
            published.add(payload);
            assertTrue(multiplexer.topic("prices").publish(new UnsafeBuffer(payload), 0, payload.length));
            Thread.sleep(1); // within the renamed channel's maxRate: every publication reaches it
        }
        final byte[] zipped = DeflateTicks.ticks(1000, 99);
        multiplexer.topic("zipped").publish(new UnsafeBuffer(zipped), 0, zipped.length);

        for (final RawWebSocketClient subscriber : textSubscribers)
        {
            expectText(subscriber, "prices", published, true);
        }
        expectText(plain, "prices", published, false);
        expectLatestInOrder(renamed, "prices?maxRate=100000", published);
        for (int s = 0; s < binarySubscribers.size(); s++)
        {
            expectBinary(binarySubscribers.get(s), 0 == s ? 7 : 9, published);
        }
        final RawWebSocketClient.Message zippedMessage = textSubscribers.get(0).readMessage();
        assertTrue(!zippedMessage.compressed(), "a topic with compression off goes out plain");
        assertEquals("msg,zipped," + new String(zipped, StandardCharsets.US_ASCII), zippedMessage.text());

        // One compression per publication (the small ones are below wsmux.deflate.min.length), shared by the
        // compressed subscribers over two loops: five that take every publication, and the rate-limited one.
        assertEquals(LARGE, multiplexer.publicationCompressions());
        final long shared = server.counter(SystemCounter.DEFLATE_SHARED_SENDS);
        assertTrue(shared > 5L * LARGE && shared <= 6L * LARGE, () -> "shared sends: " + shared);
        assertEquals(LARGE, server.counter(SystemCounter.DEFLATE_PUBLICATIONS));
        assertEquals(0, server.counter(SystemCounter.DEFLATE_COMPRESSED), "nothing compressed per subscriber");
    }

    @Test
    void shouldCompressPerSubscriberWithServerContextTakeover() throws Exception
    {
        start(new WsmuxSettings().deflateServerContextTakeover(true));
        final RawWebSocketClient own = text(OFFER, "prices");
        final RawWebSocketClient binaryOwn = binary(OFFER, 3, "prices");
        awaitSubscribers("prices", 2);
        assertEquals("permessage-deflate; client_no_context_takeover", own.extensions());

        final List<byte[]> published = new ArrayList<>();
        for (int i = 0; i < LARGE; i++)
        {
            final byte[] payload = DeflateTicks.ticks(300, i);
            published.add(payload);
            multiplexer.topic("prices").publish(new UnsafeBuffer(payload), 0, payload.length);
        }
        expectText(own, "prices", published, true);
        expectBinary(binaryOwn, 3, published);
        assertEquals(0, multiplexer.publicationCompressions(), "no subscriber takes the shared compressed frame");
        awaitCounter(SystemCounter.DEFLATE_COMPRESSED, 2L * LARGE);
    }

    private static void expectText(
        final RawWebSocketClient client, final String channel, final List<byte[]> published, final boolean compressed)
        throws IOException
    {
        for (int i = 0; i < published.size(); i++)
        {
            final RawWebSocketClient.Message message = client.readMessage();
            assertEquals(Opcode.TEXT, message.opcode());
            assertEquals("msg," + channel + "," + new String(published.get(i), StandardCharsets.US_ASCII),
                message.text(), "publication " + i);
            assertEquals(compressed && i < LARGE, message.compressed(), "publication " + i + " compressed");
        }
    }

    /**
     * A rate-limited channel may skip publications (it gets the latest): every one it gets is intact, in order,
     * compressed when large, and the last is the last published.
     */
    private static void expectLatestInOrder(
        final RawWebSocketClient client, final String channel, final List<byte[]> published) throws IOException
    {
        int next = 0;
        while (next < published.size())
        {
            final RawWebSocketClient.Message message = client.readMessage();
            int index = next;
            while (index < published.size() && !message.text().equals(
                "msg," + channel + "," + new String(published.get(index), StandardCharsets.US_ASCII)))
            {
                index++;
            }
            assertTrue(index < published.size(), () -> "not a publication, or out of order: " + message.text());
            assertEquals(index < LARGE, message.compressed(), "publication " + index + " compressed");
            next = index + 1;
        }
    }

    private static void expectBinary(final RawWebSocketClient client, final int channelId,
        final List<byte[]> published) throws IOException
    {
        for (int i = 0; i < published.size(); i++)
        {
            final RawWebSocketClient.Message message = client.readMessage();
            assertEquals(Opcode.BINARY, message.opcode());
            final UnsafeBuffer bytes = new UnsafeBuffer(message.payload());
            assertEquals(BinaryMuxDescriptor.SERVER_TEXT, bytes.getByte(0));
            assertEquals(channelId, bytes.getInt(1, ByteOrder.BIG_ENDIAN));
            assertArrayEquals(published.get(i), Arrays.copyOfRange(message.payload(), 5, message.payload().length),
                "publication " + i);
            assertEquals(i < LARGE, message.compressed(), "publication " + i + " compressed");
        }
    }

    private void awaitCounter(final SystemCounter counter, final long expected) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (server.counter(counter) < expected && System.nanoTime() < deadline)
        {
            Thread.sleep(5);
        }
        assertEquals(expected, server.counter(counter), counter.name());
    }

    /**
     * Market-data-like text, compressible as real ticks are.
     */
    static final class DeflateTicks
    {
        private DeflateTicks()
        {
        }

        static byte[] ticks(final int size, final int seed)
        {
            final StringBuilder text = new StringBuilder(size + 64);
            int i = seed;
            while (text.length() < size)
            {
                text.append("{\"s\":\"EURUSD\",\"b\":1.08").append(400 + i % 37).append(",\"a\":1.08")
                    .append(410 + i % 41).append(",\"n\":").append(i).append('}');
                i++;
            }
            return text.substring(0, size).getBytes(StandardCharsets.US_ASCII);
        }
    }
}
