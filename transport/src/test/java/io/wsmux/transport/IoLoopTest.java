package io.wsmux.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.CachedNanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Drives an {@link IoLoop} by hand on the test thread (no runner), on a hand-advanced clock, against real loopback
 * sockets.
 */
@Timeout(30)
class IoLoopTest
{
    private static final long TICK_NS = 1L << 20;
    private static final long CONNECT_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(10);

    private final CachedNanoClock clock = new CachedNanoClock();
    private final List<RecordingConnection> connections = new ArrayList<>();
    private final List<Throwable> errors = new ArrayList<>();
    private final List<Socket> clients = new ArrayList<>();
    private ConnectionLimiter limiter;
    private IoLoop loop;
    private InetSocketAddress address;
    private final TransportCounters counters = TransportCounters.unattached();

    /** Records every callback; echoes what it reads when asked to. */
    final class RecordingConnection extends TcpConnection
    {
        final List<String> events = new ArrayList<>();
        final StringBuilder received = new StringBuilder();
        boolean echo = true;
        /** Loop time each read takes (the hand-driven clock advances by it). */
        long readCostNs;

        RecordingConnection(final IoLoop loop, final SocketChannel channel, final long id)
        {
            super(loop, channel, id);
        }

        @Override
        protected void onOpen(final long nowNs)
        {
            events.add("open");
        }

        @Override
        protected void onRead(final MutableDirectBuffer buffer, final int offset, final int length, final long nowNs)
        {
            received.append(buffer.getStringWithoutLengthAscii(offset, length));
            clock.advance(readCostNs);
            if (echo)
            {
                write(buffer, offset, length);
            }
        }

        @Override
        protected void onEndOfStream(final long nowNs)
        {
            events.add("eos");
        }

        @Override
        protected void onDeadline(final long nowNs)
        {
            events.add("deadline@" + nowNs);
        }

        @Override
        protected void onCommand(
            final int type, final int arg, final DirectBuffer buffer, final int offset, final int length,
            final long nowNs)
        {
            events.add("command " + type + " " + arg + " " + buffer.getStringWithoutLengthAscii(offset, length));
            write(buffer, offset, length);
        }

        @Override
        protected void onFlushed()
        {
            events.add("flushed");
        }

        @Override
        protected void onClosed(final Throwable cause)
        {
            events.add("closed");
        }

        void send(final String text)
        {
            final byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
            write(new UnsafeBuffer(bytes), 0, bytes.length);
        }

        void sendFrame(final String text)
        {
            final byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
            final int half = bytes.length / 2;
            final UnsafeBuffer buffer = new UnsafeBuffer(bytes);
            writeFrame(buffer, 0, half, buffer, half, bytes.length - half);
        }

        void sendControl(final String text)
        {
            final byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
            writeControlFrame(new UnsafeBuffer(bytes), 0, bytes.length);
        }

        void setDeadline(final long deadlineNs)
        {
            deadline(deadlineNs);
        }

        void closeAfterFlush()
        {
            closeWhenFlushed();
        }
    }

    @BeforeEach
    void setUp() throws IOException
    {
        start(100, 4096);
    }

    private void start(final int maxConnections, final int chunkLength) throws IOException
    {
        clock.update(TimeUnit.SECONDS.toNanos(1000));
        limiter = new ConnectionLimiter(maxConnections);
        final IoLoopConfig config = new IoLoopConfig(
            8192, 8192, chunkLength, 16, 64 * 1024, 64, TICK_NS, 64, IdleMode.SPIN, true, 0, 0, 16, 0);
        final ConnectionFactory factory = new ConnectionFactory()
        {
            private final UnsafeBuffer refusal = new UnsafeBuffer("FULL".getBytes(StandardCharsets.US_ASCII));

            @Override
            public TcpConnection newConnection(
                final IoLoop loop, final SocketChannel channel, final long id, final long nowNs)
            {
                final RecordingConnection connection = new RecordingConnection(loop, channel, id);
                connections.add(connection);
                return connection;
            }

            @Override
            public DirectBuffer refusalResponse()
            {
                return refusal;
            }
        };
        loop = new IoLoop(3, config, factory, limiter, clock, errors::add, null, counters);
        address = loop.listen(new InetSocketAddress("127.0.0.1", 0), false);
        loop.onStart();
    }

    @AfterEach
    void tearDown() throws IOException
    {
        for (final Socket client : clients)
        {
            client.close();
        }
        loop.onClose();
        assertTrue(errors.isEmpty(), errors.toString());
    }

    private Socket connect() throws IOException
    {
        final Socket socket = new Socket();
        socket.connect(address);
        socket.setSoTimeout(5000);
        clients.add(socket);
        return socket;
    }

    private void workUntil(final BooleanSupplier condition)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean())
        {
            loop.doWork();
            if (System.nanoTime() > deadline)
            {
                throw new AssertionError("condition not reached");
            }
            Thread.onSpinWait();
        }
    }

    private static String read(final Socket socket, final int length) throws IOException
    {
        final byte[] bytes = socket.getInputStream().readNBytes(length);
        return new String(bytes, StandardCharsets.US_ASCII);
    }

    @Test
    void shouldAcceptReadAndEchoThroughTheCork() throws IOException
    {
        final Socket client = connect();
        workUntil(() -> connections.size() == 1);
        assertEquals(List.of("open"), connections.get(0).events);
        assertEquals(3, connections.get(0).id() & 0xFF, "loop index in the low bits of the id");

        client.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
        workUntil(() -> connections.get(0).received.length() == 5);

        assertEquals("hello", read(client, 5));
        assertEquals(1, limiter.open());
    }

    @Test
    void shouldPublishItsCountersAtTheEndOfEachBusyCycleAndCountCyclesOverTheThreshold() throws IOException
    {
        final Socket client = connect();
        workUntil(() -> connections.size() == 1);
        assertEquals(1, counters.counter(TransportCounters.CONNECTIONS_ACCEPTED).get());
        assertEquals(1, counters.counter(TransportCounters.CONNECTIONS_OPEN).get());
        assertEquals(0, counters.counter(TransportCounters.DUTY_CYCLES_OVER_THRESHOLD).get());

        final long costNs = TransportCounters.DEFAULT_DUTY_CYCLE_THRESHOLD_NS + 1;
        connections.get(0).readCostNs = costNs;
        client.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
        workUntil(() -> connections.get(0).received.length() == 5);
        assertEquals("hello", read(client, 5));

        assertEquals(5, counters.counter(TransportCounters.BYTES_IN).get());
        assertEquals(5, counters.counter(TransportCounters.BYTES_OUT).get());
        assertEquals(1, counters.counter(TransportCounters.DUTY_CYCLES_OVER_THRESHOLD).get());
        assertEquals(costNs, counters.counter(TransportCounters.DUTY_CYCLE_MAX_NS).get(), "the read's loop time");

        client.close();
        workUntil(() -> connections.get(0).isClosed());
        assertEquals(0, counters.counter(TransportCounters.CONNECTIONS_OPEN).get());
    }

    @Test
    void shouldReportEndOfStreamThenCloseAndReleaseTheSlot() throws IOException
    {
        final Socket client = connect();
        workUntil(() -> connections.size() == 1);

        client.close();
        workUntil(() -> connections.get(0).isClosed());

        assertEquals(List.of("open", "eos", "closed"), connections.get(0).events);
        assertEquals(0, limiter.open());
        assertEquals(0, loop.connectionCount());
    }

    @Test
    void shouldFireDeadlineOnlyWhenHandDrivenClockPassesIt() throws IOException
    {
        connect();
        workUntil(() -> connections.size() == 1);
        final RecordingConnection connection = connections.get(0);
        final long deadline = clock.nanoTime() + 10 * TICK_NS;
        connection.setDeadline(deadline);

        clock.advance(10 * TICK_NS - TICK_NS * 2);
        loop.doWork();
        loop.doWork();
        assertEquals(List.of("open"), connection.events);

        clock.advance(TICK_NS * 3);
        workUntil(() -> connection.events.size() == 2);
        assertTrue(connection.events.get(1).startsWith("deadline@"), connection.events.toString());
    }

    @Test
    void shouldRunAScheduledTaskOnceTheClockPassesItsDeadlineAndLetItScheduleItselfAgain()
    {
        final List<Long> runs = new ArrayList<>();
        final LoopTask task = new LoopTask()
        {
            @Override
            public void run(final IoLoop runningLoop)
            {
                runs.add(runningLoop.nowNs());
                if (runs.size() < 2)
                {
                    runningLoop.scheduleTask(this, runningLoop.nowNs() + 10 * TICK_NS);
                }
            }
        };
        final long deadline = clock.nanoTime() + 10 * TICK_NS;
        loop.scheduleTask(task, deadline);

        clock.advance(8 * TICK_NS);
        loop.doWork();
        loop.doWork();
        assertTrue(runs.isEmpty(), runs.toString());

        clock.advance(3 * TICK_NS);
        workUntil(() -> 1 == runs.size());
        assertTrue(runs.get(0) >= deadline, runs.toString());
        clock.advance(11 * TICK_NS);
        workUntil(() -> 2 == runs.size());
        clock.advance(20 * TICK_NS);
        loop.doWork();
        loop.doWork();
        assertEquals(2, runs.size(), "a task that did not schedule itself again runs no more");
        assertTrue(errors.isEmpty(), errors.toString());
    }

    @Test
    void shouldFireOnlyTheEarliestOfReplacedDeadlinesAndRearmForLaterOnes() throws IOException
    {
        connect();
        workUntil(() -> connections.size() == 1);
        final RecordingConnection connection = connections.get(0);
        final long start = clock.nanoTime();
        connection.setDeadline(start + 4 * TICK_NS);
        connection.setDeadline(start + 20 * TICK_NS);

        clock.advance(8 * TICK_NS);
        for (int i = 0; i < 10; i++)
        {
            loop.doWork();
        }
        assertEquals(List.of("open"), connection.events, "the later deadline replaced the earlier one");

        clock.advance(16 * TICK_NS);
        workUntil(() -> connection.events.size() == 2);
    }

    @Test
    void shouldDeliverCommandFromAnotherThreadAndDropCommandsForUnknownConnections() throws Exception
    {
        final Socket client = connect();
        workUntil(() -> connections.size() == 1);
        final long id = connections.get(0).id();
        final UnsafeBuffer payload = new UnsafeBuffer("cmd".getBytes(StandardCharsets.US_ASCII));

        final Thread producer = new Thread(() ->
        {
            assertFalse(loop.isLoopThread());
            assertTrue(loop.offerCommand(7, id, 42, payload, 0, 3));
            assertTrue(loop.offerCommand(7, id + 256, 1, payload, 0, 3));
        });
        producer.start();
        producer.join();
        workUntil(() -> connections.get(0).events.size() >= 2);

        assertEquals("command 7 42 cmd", connections.get(0).events.get(1));
        assertEquals("cmd", read(client, 3));
    }

    @Test
    void shouldQueueWhatTheSocketDoesNotTakeAndDrainItInOrder() throws IOException
    {
        final Socket client = connect();
        workUntil(() -> connections.size() == 1);
        final RecordingConnection connection = connections.get(0);
        final StringBuilder expected = new StringBuilder();
        for (int i = 0; connection.queuedBytes() == 0 && i < 100_000; i++)
        {
            final String line = String.format("%08d:%s%n", i, "x".repeat(1000));
            expected.append(line);
            connection.send(line);
        }
        assertTrue(connection.queuedBytes() > 0, "the client does not read, so the socket fills up");
        for (int i = 0; i < 50; i++)
        {
            final String line = String.format("%08d:tail%n", i);
            expected.append(line);
            connection.send(line);
        }

        final InputStream in = client.getInputStream();
        final byte[] all = new byte[expected.length()];
        int received = 0;
        while (received < all.length)
        {
            loop.doWork();
            if (in.available() > 0)
            {
                received += in.read(all, received, Math.min(in.available(), all.length - received));
            }
        }

        assertArrayEquals(expected.toString().getBytes(StandardCharsets.US_ASCII), all);
        workUntil(() -> connection.queuedBytes() == 0 && connection.events.contains("flushed"));
    }

    @Test
    void shouldSendControlFrameAtTheFirstFrameBoundaryAheadOfQueuedData() throws IOException
    {
        final Socket client = connect();
        workUntil(() -> connections.size() == 1);
        final RecordingConnection connection = connections.get(0);
        final List<String> frames = new ArrayList<>();
        for (int i = 0; connection.queuedBytes() < 200_000 && i < 100_000; i++)
        {
            final String frame = String.format("<%08d:%s>", i, "d".repeat(i % 3000));
            frames.add(frame);
            connection.sendFrame(frame);
        }
        final long queuedData = connection.queuedBytes();
        assertTrue(queuedData > 0);

        connection.sendControl("<CONTROL>");
        assertEquals(queuedData, connection.queuedBytes(), "control frames are not counted against the budget");

        final StringBuilder expectedData = new StringBuilder();
        frames.forEach(expectedData::append);
        final int total = expectedData.length() + "<CONTROL>".length();
        final InputStream in = client.getInputStream();
        final byte[] all = new byte[total];
        int received = 0;
        while (received < total)
        {
            loop.doWork();
            if (in.available() > 0)
            {
                received += in.read(all, received, Math.min(in.available(), total - received));
            }
        }

        final String stream = new String(all, StandardCharsets.US_ASCII);
        final int control = stream.indexOf("<CONTROL>");
        assertTrue(control > 0);
        assertEquals('>', stream.charAt(control - 1), "inserted at a frame boundary");
        assertTrue(total - control - "<CONTROL>".length() > queuedData / 2,
            "the control frame overtook most of the queued data: at=" + control + " of " + total);
        assertEquals(expectedData.toString(), stream.replace("<CONTROL>", ""), "data frames intact and in order");
        workUntil(() -> connection.queuedBytes() == 0 && connection.events.contains("flushed"));
    }

    @Test
    void shouldConnectOutwardsFromAClientLoopAndExchangeBytes() throws IOException
    {
        final List<RecordingConnection> clientConnections = new ArrayList<>();
        final List<Object> failures = new ArrayList<>();
        final IoLoopConfig config = new IoLoopConfig(
            8192, 8192, 4096, 16, 64 * 1024, 64, TICK_NS, 64, IdleMode.SPIN, true, 0, 0, 16, 0);
        final IoLoop client = new IoLoop(0, config, new ConnectionFactory()
        {
            @Override
            public TcpConnection newConnection(
                final IoLoop loop, final SocketChannel channel, final long id, final long nowNs)
            {
                throw new AssertionError("a client loop accepts nothing");
            }

            @Override
            public TcpConnection newClientConnection(
                final IoLoop loop, final SocketChannel channel, final long id, final long nowNs, final Object context)
            {
                final RecordingConnection connection = new RecordingConnection(loop, channel, id);
                connection.echo = false;
                connection.events.add("context " + context);
                clientConnections.add(connection);
                return connection;
            }

            @Override
            public void onConnectFailed(final Object context, final Throwable cause)
            {
                failures.add(context);
            }

            @Override
            public DirectBuffer refusalResponse()
            {
                return null;
            }
        }, new ConnectionLimiter(10), clock, errors::add, null);
        client.onStart();
        try
        {
            assertTrue(client.connect(address, new InetSocketAddress("127.0.0.2", 0), "first", CONNECT_TIMEOUT_NS));
            final BooleanSupplier connected = () -> clientConnections.size() == 1 && connections.size() == 1;
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!connected.getAsBoolean() && System.nanoTime() < deadline)
            {
                client.doWork();
                loop.doWork();
            }
            assertTrue(connected.getAsBoolean(), "connected: " + failures);
            assertEquals(List.of("context first", "open"), clientConnections.get(0).events);
            assertEquals("127.0.0.2", connections.get(0).remoteAddress().getHostString());

            clientConnections.get(0).send("ping");
            while (clientConnections.get(0).received.length() < 4 && System.nanoTime() < deadline)
            {
                client.doWork();
                loop.doWork();
            }
            assertEquals("ping", clientConnections.get(0).received.toString());

            assertTrue(client.connect(new InetSocketAddress("127.0.0.1", 1), null, "refused", CONNECT_TIMEOUT_NS));
            while (failures.isEmpty() && System.nanoTime() < deadline)
            {
                client.doWork();
            }
            assertEquals(List.of("refused"), failures);
        }
        finally
        {
            client.onClose();
        }
    }

    @Test
    void shouldCloseWhenFlushedAfterQueueDrains() throws IOException
    {
        final Socket client = connect();
        workUntil(() -> connections.size() == 1);
        final RecordingConnection connection = connections.get(0);
        connection.send("bye");

        connection.closeAfterFlush();
        workUntil(connection::isClosed);

        assertEquals("bye", read(client, 3));
        assertEquals(-1, client.getInputStream().read());
    }

    @Test
    void shouldRefuseBeyondConnectionLimitWithResponseAndClose() throws IOException
    {
        loop.onClose();
        start(1, 4096);
        connect();
        workUntil(() -> connections.size() == 1);

        final Socket refused = connect();
        workUntil(() -> loop.refusedConnections() == 1);

        assertEquals("FULL", read(refused, 4));
        assertEquals(-1, refused.getInputStream().read());
        assertEquals(1, limiter.open());
        assertEquals(1, connections.size());
    }

    @Test
    void shouldCloseEveryConnectionOnAgentClose() throws IOException
    {
        connect();
        connect();
        workUntil(() -> connections.size() == 2);

        loop.onClose();

        assertTrue(connections.get(0).isClosed());
        assertTrue(connections.get(1).isClosed());
        assertEquals(0, limiter.open());
    }
}
