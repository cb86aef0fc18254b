package io.wsmux;

import static io.wsmux.codec.mux.BinaryMuxDescriptor.RECOVERY_FRESH;
import static io.wsmux.codec.mux.BinaryMuxDescriptor.RECOVERY_NOT_RECOVERED;
import static io.wsmux.codec.mux.BinaryMuxDescriptor.RECOVERY_NO_HISTORY;
import static io.wsmux.codec.mux.BinaryMuxDescriptor.RECOVERY_RECOVERED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.wsmux.client.ChannelEvents;
import io.wsmux.client.MuxClient;
import io.wsmux.client.MuxClientChannel;
import io.wsmux.client.WsmuxClient;
import io.wsmux.codec.mux.BinaryMuxDescriptor;
import io.wsmux.status.SystemCounter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Positions and recovery on one node (docs/protocol.md): a topic with a history gives each publication an offset in
 * an epoch; a channel that resumes after a position gets exactly what it missed, then live, with no duplicate and no
 * gap at the seam, or NOT_RECOVERED and nothing replayed when the history cannot give all of it.
 */
@Timeout(60)
class RecoveryIntegrationTest
{
    private static final long WAIT_MS = 10_000;

    private WsmuxServer server;
    private Multiplexer mux;
    private WsmuxClient client;
    private MuxClient connection;

    private void start(final WsmuxSettings settings) throws Exception
    {
        mux = Multiplexer.builder()
            .topicPrefix("h.", TopicOptions.RELIABLE.withHistory(100, Duration.ZERO))
            .topicPrefix("short.", TopicOptions.RELIABLE.withHistory(5, Duration.ZERO))
            .topicPrefix("aged.", TopicOptions.RELIABLE.withHistory(100, Duration.ofMillis(200)))
            .topicPrefix("lv.", TopicOptions.LATEST.withHistory(5, Duration.ZERO))
            .topicPrefix("plain.", TopicOptions.RELIABLE)
            .build();
        server = WsmuxServer.builder(settings.port(0).ioThreads(2)).mux("/mux", mux).build().start();
        if (null == client)
        {
            client = WsmuxClient.start();
        }
        connection = MuxClient.connect(client, uri()).get(WAIT_MS, TimeUnit.MILLISECONDS);
    }

    @AfterEach
    void stop()
    {
        if (null != client)
        {
            client.close();
        }
        if (null != server)
        {
            server.close();
        }
    }

    @Test
    void shouldGiveAFreshChannelItsPositionAndTagEveryMessage() throws Exception
    {
        start(new WsmuxSettings());
        publish("h.A", 1, 10);
        final ChannelEvents events = new ChannelEvents(WAIT_MS);
        final MuxClientChannel channel = connection.openWithPositions("h.A", 0, events);
        assertEquals("opened", events.next());
        final String recovery = events.next();
        assertTrue(recovery.startsWith("recovery " + RECOVERY_FRESH + " "), recovery);
        assertTrue(recovery.endsWith(" 10"), recovery);
        assertEquals(RECOVERY_FRESH, channel.recovery());

        publish("h.A", 11, 12);
        assertEquals("text m11 @11", events.next());
        assertEquals("text m12 @12", events.next());
        assertEquals(12, channel.position());
    }

    @Test
    void shouldReplayExactlyWhatWasMissedThenGoOnLive() throws Exception
    {
        start(new WsmuxSettings());
        final long epoch = epochOf("h.B");
        publish("h.B", 1, 10);

        final ChannelEvents events = new ChannelEvents(WAIT_MS);
        final MuxClientChannel channel = connection.recover("h.B", 0, epoch, 4, events);
        assertEquals("opened", events.next());
        assertEquals("recovery " + RECOVERY_RECOVERED + " " + epoch + " 10", events.next());
        for (int i = 5; i <= 10; i++)
        {
            assertEquals("text m" + i + " @" + i, events.next());
        }
        publish("h.B", 11, 11);
        assertEquals("text m11 @11", events.next());
        assertNull(events.poll(100));
        assertEquals(11, channel.position());
        await(() -> server.counter(SystemCounter.RECOVERIES), 1);
        await(() -> server.counter(SystemCounter.RECOVERED_PUBLICATIONS), 6);
    }

    @Test
    void shouldRecoverNothingWhenTheClientHasEverything() throws Exception
    {
        start(new WsmuxSettings());
        final long epoch = epochOf("h.C");
        publish("h.C", 1, 3);
        final ChannelEvents events = new ChannelEvents(WAIT_MS);
        connection.recover("h.C", 0, epoch, 3, events);
        assertEquals("opened", events.next());
        assertEquals("recovery " + RECOVERY_RECOVERED + " " + epoch + " 3", events.next());
        publish("h.C", 4, 4);
        assertEquals("text m4 @4", events.next());
    }

    @Test
    void shouldNeverReplayAPartWhenTheHistoryHasMovedOn() throws Exception
    {
        start(new WsmuxSettings());
        final long epoch = epochOf("short.A");
        publish("short.A", 1, 20); // keeps 16..20, then 17..21 below

        final ChannelEvents events = new ChannelEvents(WAIT_MS);
        connection.recover("short.A", 0, epoch, 14, events);
        assertEquals("opened", events.next());
        assertEquals("recovery " + RECOVERY_NOT_RECOVERED + " " + epoch + " 20", events.next());
        publish("short.A", 21, 21);
        assertEquals("text m21 @21", events.next(), "nothing replayed: live goes on");

        final ChannelEvents exact = new ChannelEvents(WAIT_MS);
        connection.recover("short.A", 0, epoch, 16, exact); // the oldest kept is 17: everything after 16 is there
        assertEquals("opened", exact.next());
        assertEquals("recovery " + RECOVERY_RECOVERED + " " + epoch + " 21", exact.next());
        for (int i = 17; i <= 21; i++)
        {
            assertEquals("text m" + i + " @" + i, exact.next());
        }
        await(() -> server.counter(SystemCounter.RECOVERIES_FAILED), 1);
    }

    @Test
    void shouldNotRecoverFromAnotherEpochOrAFuturePosition() throws Exception
    {
        start(new WsmuxSettings());
        final long epoch = epochOf("h.D");
        publish("h.D", 1, 3);

        final ChannelEvents other = new ChannelEvents(WAIT_MS);
        connection.recover("h.D", 0, epoch + 1, 1, other);
        assertEquals("opened", other.next());
        assertEquals("recovery " + RECOVERY_NOT_RECOVERED + " " + epoch + " 3", other.next());

        final ChannelEvents future = new ChannelEvents(WAIT_MS);
        connection.recover("h.D", 0, epoch, 99, future);
        assertEquals("opened", future.next());
        assertEquals("recovery " + RECOVERY_NOT_RECOVERED + " " + epoch + " 3", future.next());
        assertNull(future.poll(100));
    }

    @Test
    void shouldForgetPublicationsOlderThanTheAgeBound() throws Exception
    {
        start(new WsmuxSettings());
        final long epoch = epochOf("aged.A");
        publish("aged.A", 1, 5);
        Thread.sleep(400);
        final ChannelEvents events = new ChannelEvents(WAIT_MS);
        connection.recover("aged.A", 0, epoch, 2, events);
        assertEquals("opened", events.next());
        assertEquals("recovery " + RECOVERY_NOT_RECOVERED + " " + epoch + " 5", events.next());
        assertNull(events.poll(100));
    }

    @Test
    void shouldSendTheLastValueTaggedWhenNotRecovered() throws Exception
    {
        start(new WsmuxSettings());
        final long epoch = epochOf("lv.A");
        publish("lv.A", 1, 10);
        final ChannelEvents events = new ChannelEvents(WAIT_MS);
        connection.recover("lv.A", 0, epoch, 1, events);
        assertEquals("opened", events.next());
        assertEquals("recovery " + RECOVERY_NOT_RECOVERED + " " + epoch + " 10", events.next());
        assertEquals("text m10 @10", events.next());
        publish("lv.A", 11, 11);
        assertEquals("text m11 @11", events.next());

        final ChannelEvents fresh = new ChannelEvents(WAIT_MS);
        connection.openWithPositions("lv.A", 0, fresh);
        assertEquals("opened", fresh.next());
        assertEquals("recovery " + RECOVERY_FRESH + " " + epoch + " 11", fresh.next());
        assertEquals("text m11 @11", fresh.next(), "the last value, tagged");
    }

    @Test
    void shouldSayATopicWithoutHistoryHasNoPositions() throws Exception
    {
        start(new WsmuxSettings());
        final ChannelEvents events = new ChannelEvents(WAIT_MS);
        connection.recover("plain.A", 0, 1, 1, events);
        assertEquals("opened", events.next());
        assertEquals("recovery " + RECOVERY_NO_HISTORY + " 0 0", events.next());
        mux.topic("plain.A").publish("untagged");
        assertEquals("text untagged @0", events.next());
    }

    @Test
    void shouldAnswerNotRecoveredWhenTheReplayWouldNotFitTheOutboundBudget() throws Exception
    {
        start(new WsmuxSettings().outboundBudget(4096));
        final long epoch = epochOf("h.E");
        final String large = "x".repeat(1000);
        for (int i = 1; i <= 10; i++)
        {
            mux.topic("h.E").publish(large);
        }
        final ChannelEvents events = new ChannelEvents(WAIT_MS);
        connection.recover("h.E", 0, epoch, 0, events);
        assertEquals("opened", events.next());
        assertEquals("recovery " + RECOVERY_NOT_RECOVERED + " " + epoch + " 10", events.next());
        assertNull(events.poll(100), "never a part of the replay");
        await(() -> server.counter(SystemCounter.RECOVERIES_TOO_LARGE), 1);
    }

    @Test
    void shouldStartANewEpochAfterARestart() throws Exception
    {
        start(new WsmuxSettings());
        final long epoch = epochOf("h.F");
        publish("h.F", 1, 3);
        server.close();
        start(new WsmuxSettings());
        publish("h.F", 1, 3);

        final ChannelEvents events = new ChannelEvents(WAIT_MS);
        connection.recover("h.F", 0, epoch, 2, events);
        assertEquals("opened", events.next());
        final String recovery = events.next();
        assertTrue(recovery.startsWith("recovery " + RECOVERY_NOT_RECOVERED + " "), recovery);
        assertNotEquals("recovery " + RECOVERY_NOT_RECOVERED + " " + epoch + " 3", recovery, "a new epoch");
    }

    @Test
    void shouldMeetAtTheSeamWithNoDuplicateAndNoGapWhilePublishing() throws Exception
    {
        start(new WsmuxSettings());
        final long epoch = epochOf("h.G");
        final AtomicBoolean running = new AtomicBoolean(true);
        final int total = 20_000;
        final Thread publisher = new Thread(() ->
        {
            for (int i = 1; i <= total && running.get(); i++)
            {
                mux.topic("h.G").publish("m" + i);
                if (0 == (i & 63))
                {
                    Thread.yield();
                }
            }
        }, "test-publisher");
        publisher.start();
        try
        {
            // Recover again and again while the publisher runs: each channel must see offsets after its own, one by
            // one, whatever it got as replay and whatever as live.
            long from = 0;
            int recovered = 0;
            for (int round = 0; round < 30; round++)
            {
                final ChannelEvents events = new ChannelEvents(WAIT_MS);
                final MuxClientChannel channel = connection.recover("h.G", 0, epoch, from, events);
                assertEquals("opened", events.next());
                final String[] recovery = events.next().split(" ");
                final long position = Long.parseLong(recovery[3]);
                if (RECOVERY_RECOVERED == Integer.parseInt(recovery[1]))
                {
                    recovered++;
                }
                else
                {
                    from = position; // the history moved on: start after the current position
                }
                long expected = from + 1;
                final long until = Math.min(total, position + 50);
                while (expected <= until)
                {
                    assertEquals("text m" + expected + " @" + expected, events.next(), "round " + round);
                    expected++;
                }
                channel.close();
                from = expected - 1;
            }
            assertTrue(recovered > 0, "no round recovered");
        }
        finally
        {
            running.set(false);
            publisher.join(WAIT_MS);
        }
    }

    @Test
    void shouldRefuseAnOpenWithReservedFlagsOrARecoverWithoutItsPosition() throws Exception
    {
        start(new WsmuxSettings());
        final BlockingQueue<byte[]> received = new LinkedBlockingQueue<>();
        final WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder()
            .subprotocols(BinaryMuxDescriptor.SUBPROTOCOL)
            .buildAsync(uri(), new WebSocket.Listener()
            {
                @Override
                public CompletionStage<?> onBinary(final WebSocket webSocket, final ByteBuffer data, final boolean last)
                {
                    final byte[] bytes = new byte[data.remaining()];
                    data.get(bytes);
                    received.add(bytes);
                    webSocket.request(1);
                    return null;
                }
            }).get(WAIT_MS, TimeUnit.MILLISECONDS);
        // OPEN id 1 "h.A", maxRate 0, flags 0x04 (reserved); then id 2 with RECOVER and only 8 of its 16 bytes.
        socket.sendBinary(ByteBuffer.wrap(new byte[] {1, 0, 0, 0, 1, 0, 3, 'h', '.', 'A', 0, 0, 0, 0, 4}), true)
            .get(WAIT_MS, TimeUnit.MILLISECONDS);
        socket.sendBinary(ByteBuffer.wrap(new byte[] {1, 0, 0, 0, 2, 0, 3, 'h', '.', 'A', 0, 0, 0, 0, 2,
            0, 0, 0, 0, 0, 0, 0, 1}), true).get(WAIT_MS, TimeUnit.MILLISECONDS);
        for (int id = 1; id <= 2; id++)
        {
            final byte[] refused = received.poll(WAIT_MS, TimeUnit.MILLISECONDS);
            assertTrue(null != refused && refused.length > 7, "no answer");
            assertEquals(BinaryMuxDescriptor.REFUSED, refused[0]);
            assertEquals(id, refused[4]);
            assertEquals(400, ((refused[5] & 0xFF) << 8) | (refused[6] & 0xFF));
        }
        socket.abort();
    }

    @Test
    void shouldTellASubscriberThatPublicationsWereDroppedAndLetItRecoverThem() throws Exception
    {
        start(new WsmuxSettings().outboundBudget(64 * 1024).outboundOverflow(WsmuxSettings.OverflowPolicy.DROP));
        final BlockingQueue<byte[]> frames = new LinkedBlockingQueue<>();
        final WebSocket[] holder = new WebSocket[1];
        final WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder()
            .subprotocols(BinaryMuxDescriptor.SUBPROTOCOL)
            .buildAsync(uri(), new WebSocket.Listener()
            {
                private java.io.ByteArrayOutputStream partial = new java.io.ByteArrayOutputStream();

                @Override
                public void onOpen(final WebSocket webSocket)
                {
                    webSocket.request(1); // OPENED only: then the test stops reading
                }

                @Override
                public CompletionStage<?> onBinary(final WebSocket webSocket, final ByteBuffer data, final boolean last)
                {
                    final byte[] bytes = new byte[data.remaining()];
                    data.get(bytes);
                    partial.write(bytes, 0, bytes.length);
                    if (last)
                    {
                        frames.add(partial.toByteArray());
                        partial = new java.io.ByteArrayOutputStream();
                    }
                    if (null != holder[0] || !last)
                    {
                        webSocket.request(1);
                    }
                    return null;
                }
            }).get(WAIT_MS, TimeUnit.MILLISECONDS);
        final byte[] name = "h.drop".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        final org.agrona.concurrent.UnsafeBuffer open = new org.agrona.concurrent.UnsafeBuffer(new byte[64]);
        final int openLength = BinaryMuxDescriptor.writeOpenAt(open, 0, 1, new org.agrona.concurrent.UnsafeBuffer(name),
            0, name.length, 0, BinaryMuxDescriptor.OPEN_POSITIONS, 0, 0);
        socket.sendBinary(ByteBuffer.wrap(open.byteArray(), 0, openLength), true).get(WAIT_MS, TimeUnit.MILLISECONDS);
        final byte[] opened = frames.poll(WAIT_MS, TimeUnit.MILLISECONDS);
        assertTrue(null != opened && BinaryMuxDescriptor.OPENED == opened[0], "no OPENED");

        // The client reads nothing now: the kernel's buffers fill, then the budget, then the server drops.
        final String payload = "y".repeat(1000);
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
        int published = 0;
        while (0 == server.counter(SystemCounter.GAPS_OVER_BUDGET))
        {
            assertTrue(System.nanoTime() < deadline, "no drop after " + published + " publications");
            for (int i = 0; i < 100; i++)
            {
                mux.topic("h.drop").publish(payload);
            }
            published += 100;
            Thread.sleep(1);
        }
        holder[0] = socket;
        socket.request(1);

        // Offsets one by one, then GAP 507, then later offsets: the hole is announced, not silent.
        long last = 0;
        boolean gap = false;
        while (!gap)
        {
            final byte[] frame = frames.poll(WAIT_MS, TimeUnit.MILLISECONDS);
            assertTrue(null != frame, "no GAP after " + last);
            if (BinaryMuxDescriptor.GAP == frame[0])
            {
                assertEquals(BinaryMuxDescriptor.CODE_DROPPED_GAP, ((frame[5] & 0xFF) << 8) | (frame[6] & 0xFF));
                gap = true;
            }
            else
            {
                assertEquals(BinaryMuxDescriptor.TEXT_AT, frame[0]);
                final long offset = BinaryMuxDescriptor.offsetFrom(last, ByteBuffer.wrap(frame, 5, 4).getInt());
                assertEquals(last + 1, offset, "a hole before the GAP");
                last = offset;
            }
        }
        socket.abort();

        // Recovering from the last offset it had: exactly the rest if the history (100) and the budget (about 64 of
        // these) hold it, else NOT_RECOVERED and nothing, never a part.
        final long epoch = epochOf("h.drop");
        final ChannelEvents events = new ChannelEvents(WAIT_MS);
        connection.recover("h.drop", 0, epoch, last, events);
        assertEquals("opened", events.next());
        final String[] recovery = events.next().split(" ");
        assertEquals(published, Long.parseLong(recovery[3]));
        if (RECOVERY_RECOVERED == Integer.parseInt(recovery[1]))
        {
            for (long offset = last + 1; offset <= published; offset++)
            {
                assertEquals("text " + payload + " @" + offset, events.next());
            }
        }
        else
        {
            assertEquals(RECOVERY_NOT_RECOVERED, Integer.parseInt(recovery[1]));
            assertTrue(published - last > 100 || 1 == server.counter(SystemCounter.RECOVERIES_TOO_LARGE),
                "not recovered though the history and the budget held it");
        }
        assertNull(events.poll(100));
    }

    private long epochOf(final String topic) throws Exception
    {
        final ChannelEvents events = new ChannelEvents(WAIT_MS);
        final MuxClientChannel channel = connection.openWithPositions(topic, 0, events);
        assertEquals("opened", events.next());
        events.next();
        final long epoch = channel.epoch();
        channel.close();
        return epoch;
    }

    private void publish(final String topic, final int from, final int to)
    {
        for (int i = from; i <= to; i++)
        {
            mux.topic(topic).publish("m" + i);
        }
    }

    private URI uri()
    {
        return URI.create("ws://127.0.0.1:" + server.port() + "/mux");
    }

    private static void await(final java.util.function.LongSupplier value, final long expected)
        throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
        while (value.getAsLong() != expected)
        {
            assertTrue(System.nanoTime() < deadline, "value " + value.getAsLong() + ", expected " + expected);
            Thread.sleep(2);
        }
    }
}
