package io.wsmux.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import io.wsmux.Main;
import io.wsmux.Multiplexer;
import io.wsmux.Topic;
import io.wsmux.WsmuxServer;
import io.wsmux.WsmuxSettings;
import io.wsmux.status.SystemCounter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * permessage-deflate between clients and a real multiplexing server ({@link Main#fanOutMultiplexer()}): subscribers
 * over the text protocol and over {@code wsmux.v1} ({@link MuxClient}) receive publications that the server
 * compressed once for all of them, and a {@link MuxClient} channel publishes with compressed messages of its own.
 */
@Timeout(60)
class MuxClientDeflateIntegrationTest
{
    private static final long WAIT_S = 10;
    private static final String TOPIC = "bench.deflate";

    private final ConcurrentLinkedQueue<Throwable> clientErrors = new ConcurrentLinkedQueue<>();
    private Multiplexer multiplexer;
    private WsmuxServer server;
    private WsmuxClient client;

    @BeforeEach
    void setUp() throws Exception
    {
        multiplexer = Main.fanOutMultiplexer();
        server = WsmuxServer.builder(new WsmuxSettings().port(0).ioThreads(2).deflate(true).deflateMinLength(128))
            .mux("/mux", multiplexer)
            .build()
            .start();
        client = WsmuxClient.start(new ClientSettings().perMessageDeflate(true).errorHandler(clientErrors::add));
    }

    @AfterEach
    void tearDown()
    {
        client.close();
        server.close();
        assertEquals(List.of(), new ArrayList<>(clientErrors), "errors on the client loop");
    }

    private URI uri()
    {
        return URI.create("ws://127.0.0.1:" + server.port() + "/mux");
    }

    private static String publication(final int i)
    {
        final StringBuilder text = new StringBuilder("{\"seq\":" + i + ",\"quotes\":[");
        for (int q = 0; q < 20; q++)
        {
            text.append("{\"symbol\":\"EURUSD\",\"bid\":1.08").append((i + q) % 10).append(",\"ask\":1.09},");
        }
        return text.append("]}").toString();
    }

    private static void awaitEquals(final String what, final long expected, final LongSupplier value)
        throws InterruptedException
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
        while (value.getAsLong() != expected && System.nanoTime() - deadlineNs < 0)
        {
            Thread.sleep(1);
        }
        assertEquals(expected, value.getAsLong(), what);
    }

    @Test
    void shouldCompressEachPublicationOnceForTextAndBinarySubscribers() throws Exception
    {
        assertTrue(publication(0).getBytes(StandardCharsets.US_ASCII).length >= 128, "compressed publications");
        final Topic topic = multiplexer.topic(TOPIC);
        final List<WebSocketClientIntegrationTest.Recorder> textSubscribers = new ArrayList<>();
        for (int i = 0; i < 2; i++)
        {
            final WebSocketClientIntegrationTest.Recorder recorder = new WebSocketClientIntegrationTest.Recorder();
            final WebSocketClientConnection connection = client.connect(uri(), null, recorder)
                .get(WAIT_S, TimeUnit.SECONDS);
            assertTrue(connection.perMessageDeflate());
            assertTrue(connection.sendText("sub," + TOPIC));
            textSubscribers.add(recorder);
        }
        final List<MuxClientTest.ChannelRecorder> binarySubscribers = new ArrayList<>();
        final List<MuxClientTest.MuxRecorder> muxRecorders = new ArrayList<>();
        for (int i = 0; i < 2; i++)
        {
            final MuxClientTest.MuxRecorder muxRecorder = new MuxClientTest.MuxRecorder();
            final MuxClient mux = MuxClient.connect(client, uri(), muxRecorder).get(WAIT_S, TimeUnit.SECONDS);
            assertTrue(mux.connection().perMessageDeflate());
            final MuxClientTest.ChannelRecorder recorder = new MuxClientTest.ChannelRecorder();
            final MuxClientChannel channel = mux.open(TOPIC, recorder);
            assertEquals("opened " + channel.id(), recorder.next());
            binarySubscribers.add(recorder);
            muxRecorders.add(muxRecorder);
        }
        awaitEquals("subscribers", 4, topic::subscriberCount);

        // Published here, and through a wsmux.v1 channel whose messages the client compresses (header and payload
        // as one message): the first from the client's thread, the rest from this one.
        final int direct = 10;
        final int viaChannel = 10;
        final List<String> expected = new ArrayList<>();
        for (int i = 0; i < direct; i++)
        {
            expected.add(publication(i));
            assertTrue(topic.publish(publication(i)));
        }
        expected.add("short: sent plain");
        assertTrue(topic.publish("short: sent plain"));
        final MuxClient publisher = MuxClient.connect(client, uri()).get(WAIT_S, TimeUnit.SECONDS);
        final MuxClientTest.ChannelRecorder publisherEvents = new MuxClientTest.ChannelRecorder()
        {
            @Override
            public void onOpened(final MuxClientChannel channel)
            {
                super.onOpened(channel);
                assertTrue(channel.sendText(publication(direct))); // on the client's thread
            }
        };
        final MuxClientChannel publishChannel = publisher.open("publish." + TOPIC, publisherEvents);
        expected.add(publication(direct));
        assertEquals("opened " + publishChannel.id(), publisherEvents.next());
        for (int i = direct + 1; i < direct + viaChannel; i++)
        {
            expected.add(publication(i));
            assertTrue(publishChannel.sendText(publication(i)));
        }

        for (final WebSocketClientIntegrationTest.Recorder recorder : textSubscribers)
        {
            for (final String text : expected)
            {
                assertEquals("msg," + TOPIC + "," + text, recorder.nextText());
            }
        }
        for (final MuxClientTest.ChannelRecorder recorder : binarySubscribers)
        {
            for (final String text : expected)
            {
                assertEquals("text " + text, recorder.next());
            }
        }

        final int compressed = direct + viaChannel; // the short one is below the threshold
        assertEquals(compressed, multiplexer.publicationCompressions(), "one compression per publication");
        awaitEquals("compressed frames sent as they were to the subscribers", 4L * compressed,
            () -> server.counter(SystemCounter.DEFLATE_SHARED_SENDS));
        awaitEquals("compressed messages the server inflated", viaChannel,
            () -> server.counter(SystemCounter.DEFLATE_INFLATED));
        assertEquals(5, server.counter(SystemCounter.DEFLATE_CONNECTIONS));
        assertEquals(0, server.protocolErrors());
        for (final MuxClientTest.MuxRecorder muxRecorder : muxRecorders)
        {
            assertTrue(muxRecorder.failures.isEmpty() && muxRecorder.errors.isEmpty());
        }
    }
}
