package io.wsmux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import io.wsmux.codec.CloseCode;
import io.wsmux.codec.Opcode;
import io.wsmux.codec.WireFrames;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every byte the server queues for a connection counts against a bound, whoever makes it: protocol replies, pongs
 * and close frames as well as data. Hostile raw clients that never read, against a real server on loopback.
 */
class OutboundBoundsIntegrationTest
{
    private static final long FLOOD_BYTES = 17L * 1024 * 1024;
    private static final long MAX_HEAP_GROWTH = 64L * 1024 * 1024;
    private static final int OUTBOUND_BUDGET = WsmuxSettings.OUTBOUND_BUDGET_DEFAULT;
    private static final int FLOOD_MESSAGE_LENGTH = 16 * 1024;
    private static final int FLOOD_MESSAGE_COUNT = 640; // 10 MB: more than the budget and an auto-tuned SO_SNDBUF

    private final List<HostileClient> clients = new ArrayList<>();
    private WsmuxServer server;

    @AfterEach
    void tearDown()
    {
        for (final HostileClient client : clients)
        {
            client.close();
        }
        if (null != server)
        {
            server.close();
        }
    }

    // ---- item 1: replies the server makes itself ----

    @Test
    @Timeout(60)
    void shouldCloseABinaryMuxClientThatFloodsBadRequestsWithoutReadingWithinBoundedMemory() throws Exception
    {
        startMuxServer();
        final HostileClient flooder = connect(32 * 1024).upgrade("/mux", "Sec-WebSocket-Protocol: wsmux.v1");
        // wsmux.v1 carries binary frames only: every one-byte text frame is answered with ERROR 400.
        final Flood flood = flood(flooder, WireFrames.masked(0x80 | Opcode.TEXT, new byte[]{ 'x' }));

        assertClosedWithinBoundsWhileOthersAreServed(flood, flooder);
    }

    @Test
    @Timeout(60)
    void shouldCloseATextMuxClientThatFloodsUnknownSubscriptionsWithoutReadingWithinBoundedMemory() throws Exception
    {
        startMuxServer();
        final HostileClient flooder = connect(32 * 1024).upgrade("/mux");
        // Every sub of a name nobody serves is answered with uns,<name>.
        final Flood flood = flood(flooder, WireFrames.masked(0x80 | Opcode.TEXT,
            "sub,nosuch.channel.name".getBytes(StandardCharsets.US_ASCII)));

        assertClosedWithinBoundsWhileOthersAreServed(flood, flooder);
    }

    private void assertClosedWithinBoundsWhileOthersAreServed(final Flood flood, final HostileClient flooder)
        throws Exception
    {
        final HostileClient good = connect(0).upgrade("/echo");
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        int echoes = 0;
        while (server.openConnections() > 1)
        {
            if (System.nanoTime() - deadlineNs > 0)
            {
                fail("the flooding connection is still open after 30 s: queuedBytes=" + server.queuedBytes() +
                    ", sent=" + flood.sent.get());
            }
            assertEcho(good, "served during the flood " + echoes++);
            flood.sampleQueued(server);
            Thread.sleep(20);
        }
        flood.stop();
        final long closedAfterMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - flood.startNs);
        final long heapGrowth = heapUsedAfterGc() - flood.heapBefore;
        System.out.println("flood: closed after " + closedAfterMs + " ms, " + flood.sent.get() +
            " bytes sent, at most " + flood.maxQueued + " bytes queued, heap growth after GC " + heapGrowth +
            " bytes, " + echoes + " echoes");

        assertTrue(server.slowConsumerCloses() >= 1, "slowConsumerCloses=" + server.slowConsumerCloses());
        assertTrue(flood.maxQueued <= OUTBOUND_BUDGET + LoopContext.PROTOCOL_REPLY_HEADROOM + 1024,
            "queued " + flood.maxQueued + " bytes for a budget of " + OUTBOUND_BUDGET);
        assertTrue(heapGrowth < MAX_HEAP_GROWTH, "heap grew by " + heapGrowth + " bytes");
        assertEcho(good, "served after the flood");
    }

    // ---- item 4: a slow consumer finds its close code ----

    @Test
    @Timeout(30)
    void shouldLetASlowConsumerThatReadsLateFindItsCloseCodeWithDefaultSocketBuffers() throws Exception
    {
        server = WsmuxServer.builder(new WsmuxSettings()
                .port(0)
                .ioThreads(1)
                .maxFrameLength(FLOOD_MESSAGE_LENGTH)
                .slowConsumerGraceNs(0)
                .closeTimeoutNs(TimeUnit.MILLISECONDS.toNanos(300))
                .shutdownTimeoutNs(TimeUnit.MILLISECONDS.toNanos(200)))
            .endpoint("/flood", new FloodHandler())
            .build()
            .start();
        final HostileClient slow = connect(32 * 1024).upgrade("/flood");
        slow.sendText("flood");
        awaitTrue(() -> server.slowConsumerCloses() >= 1, () -> "slowConsumerCloses=" + server.slowConsumerCloses());
        Thread.sleep(1000); // longer than the close timeout: a close frame still queued behind data would be lost

        final List<HostileClient.Frame> frames = frames(slow.readRemaining());
        assertFalse(frames.isEmpty(), "no frame at all");
        final HostileClient.Frame last = frames.get(frames.size() - 1);
        assertEquals(Opcode.CLOSE, last.opcode(), "the stream ends without a close frame after " + frames.size() +
            " frames; last " + last);
        assertEquals(CloseCode.POLICY_VIOLATION, last.closeCode());
        assertEquals("slow consumer", new String(last.payload(), 2, last.payload().length - 2,
            StandardCharsets.UTF_8));
        int expected = 0;
        for (int i = 0; i < frames.size() - 1; i++)
        {
            final HostileClient.Frame frame = frames.get(i);
            assertEquals(Opcode.BINARY, frame.opcode(), "frame " + i);
            assertEquals(FLOOD_MESSAGE_LENGTH, frame.payload().length, "frame " + i + " is cut");
            assertEquals(expected++, ByteBuffer.wrap(frame.payload()).getInt(), "frames out of order");
        }
        assertTrue(expected < FLOOD_MESSAGE_COUNT, "nothing was dropped: " + expected);
    }

    // ---- item 7: the most recent ping gets its pong ----

    @Test
    @Timeout(30)
    void shouldAnswerTheMostRecentPingOfAFloodWhileDataIsQueued() throws Exception
    {
        server = WsmuxServer.builder(new WsmuxSettings()
                .port(0)
                .ioThreads(1)
                .maxFrameLength(FLOOD_MESSAGE_LENGTH)
                .outboundOverflow(WsmuxSettings.OverflowPolicy.DROP)
                .socketSendBuffer(64 * 1024)
                .shutdownTimeoutNs(TimeUnit.MILLISECONDS.toNanos(200)))
            .endpoint("/flood", new FloodHandler())
            .build()
            .start();
        final HostileClient client = connect(32 * 1024).upgrade("/flood");
        client.sendText("flood");
        awaitTrue(() -> server.queuedBytes() > 0, () -> "nothing queued");

        final int pings = 300;
        for (int i = 0; i < pings; i++)
        {
            client.sendFrame(0x80 | Opcode.PING, ("ping-" + i).getBytes(StandardCharsets.US_ASCII));
            if (i % 10 == 9)
            {
                Thread.sleep(2); // several reads on the server's side
            }
        }
        // Read until the pong of the newest ping (the server reads the pings as the client drains its queue).
        final List<String> pongs = new ArrayList<>();
        final String newest = "ping-" + (pings - 1);
        int frames = 0;
        while (pongs.isEmpty() || !newest.equals(pongs.get(pongs.size() - 1)))
        {
            final HostileClient.Frame frame;
            try
            {
                frame = client.readFrame();
            }
            catch (final IOException ex)
            {
                throw new AssertionError("no pong for " + newest + " after " + frames + " frames; pongs: " + pongs,
                    ex);
            }
            frames++;
            if (Opcode.PONG == frame.opcode())
            {
                pongs.add(new String(frame.payload(), StandardCharsets.US_ASCII));
            }
        }
        assertTrue(pongs.size() < pings / 2, "a pong per ping while the client reads nothing: " + pongs.size());
    }

    // ---- helpers ----

    private void startMuxServer() throws IOException
    {
        final Multiplexer mux = Multiplexer.builder()
            .service("echo", new EchoHandler())
            .topicPrefix("prices.", TopicOptions.LATEST)
            .build();
        server = WsmuxServer.builder(new WsmuxSettings()
                .port(0)
                .ioThreads(1) // the well-behaved client shares the flooder's loop
                .shutdownTimeoutNs(TimeUnit.MILLISECONDS.toNanos(200)))
            .mux("/mux", mux)
            .endpoint("/echo", new EchoHandler())
            .build()
            .start();
    }

    private HostileClient connect(final int receiveBufferLength) throws IOException
    {
        final HostileClient client = HostileClient.connect(server.port(), receiveBufferLength);
        clients.add(client);
        return client;
    }

    /**
     * Writes one frame over and over, {@link #FLOOD_BYTES} in all, from its own thread: a server that stops reading
     * blocks the writes, and closing the socket ends them.
     */
    private static Flood flood(final HostileClient client, final byte[] frame)
    {
        final int perWrite = 64 * 1024 / frame.length;
        final byte[] burst = new byte[perWrite * frame.length];
        for (int i = 0; i < perWrite; i++)
        {
            System.arraycopy(frame, 0, burst, i * frame.length, frame.length);
        }
        final Flood flood = new Flood(client, heapUsedAfterGc());
        final Thread writer = new Thread(() ->
        {
            try
            {
                while (flood.running.get() && flood.sent.get() < FLOOD_BYTES)
                {
                    client.write(burst);
                    flood.sent.addAndGet(burst.length);
                }
            }
            catch (final IOException ignore)
            {
                // The server closed the connection.
            }
        }, "flood");
        writer.setDaemon(true);
        writer.start();
        return flood;
    }

    private static final class Flood
    {
        final HostileClient client;
        final long heapBefore;
        final long startNs = System.nanoTime();
        final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicLong sent = new AtomicLong();
        long maxQueued;

        Flood(final HostileClient client, final long heapBefore)
        {
            this.client = client;
            this.heapBefore = heapBefore;
        }

        void sampleQueued(final WsmuxServer server)
        {
            maxQueued = Math.max(maxQueued, server.queuedBytes());
        }

        void stop()
        {
            running.set(false);
        }
    }

    /**
     * On "flood", sends {@link #FLOOD_MESSAGE_COUNT} binary messages of {@link #FLOOD_MESSAGE_LENGTH} bytes, each
     * starting with its number.
     */
    private static final class FloodHandler implements WebSocketHandler
    {
        private final UnsafeBuffer message = new UnsafeBuffer(new byte[FLOOD_MESSAGE_LENGTH]);

        @Override
        public void onText(final Connection connection, final DirectBuffer buffer, final int offset, final int length)
        {
            for (int i = 0; i < FLOOD_MESSAGE_COUNT; i++)
            {
                message.putInt(0, i, java.nio.ByteOrder.BIG_ENDIAN);
                connection.sendBinary(message, 0, FLOOD_MESSAGE_LENGTH);
            }
        }
    }

    /**
     * The server frames in a byte stream (a final partial frame is left out).
     */
    static List<HostileClient.Frame> frames(final byte[] bytes)
    {
        final List<HostileClient.Frame> frames = new ArrayList<>();
        final ByteBuffer in = ByteBuffer.wrap(bytes);
        while (in.remaining() >= 2)
        {
            in.mark();
            final int b0 = in.get() & 0xFF;
            long length = in.get() & 0x7F;
            if (126 == length)
            {
                if (in.remaining() < 2)
                {
                    break;
                }
                length = in.getShort() & 0xFFFF;
            }
            else if (127 == length)
            {
                if (in.remaining() < 8)
                {
                    break;
                }
                length = in.getLong();
            }
            if (in.remaining() < length)
            {
                break;
            }
            final byte[] payload = new byte[(int)length];
            in.get(payload);
            frames.add(new HostileClient.Frame(b0 & 0x0F, (b0 & 0x80) != 0, payload));
        }
        return frames;
    }

    private static void assertEcho(final HostileClient client, final String text) throws IOException
    {
        client.sendText(text);
        final HostileClient.Frame echo = client.readFrameAnsweringPings();
        assertNotNull(echo);
        assertEquals(Opcode.TEXT, echo.opcode(), echo.toString());
        assertEquals(text, echo.text());
    }

    static long heapUsedAfterGc()
    {
        final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++)
        {
            System.gc();
            used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    private static void awaitTrue(final BooleanSupplier condition, final Supplier<String> message)
        throws InterruptedException
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadlineNs > 0)
            {
                fail(message.get());
            }
            Thread.sleep(5);
        }
    }
}
