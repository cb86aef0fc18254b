package io.wsmux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import io.wsmux.codec.CloseCode;
import io.wsmux.codec.Opcode;
import io.wsmux.status.CountersFile;
import io.wsmux.status.CountersSnapshot;
import io.wsmux.status.SystemCounter;
import io.wsmux.status.WsmuxCounters;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scripted traffic over loopback against a real server, and its counters read as another process reads them: the
 * counters file mapped read-only through an Agrona {@code CountersReader} ({@link CountersFile}). Every counter the
 * operator guide names is asserted by name.
 */
class CountersIntegrationTest
{
    private static final int FLOOD_MESSAGE_LENGTH = 16 * 1024;
    private static final int FLOOD_MESSAGE_COUNT = 640;

    @TempDir
    Path countersDir;

    private WsmuxServer server;
    private CountersFile counters;
    private final List<HostileClient> clients = new ArrayList<>();
    private final List<Socket> sockets = new ArrayList<>();

    @AfterEach
    void tearDown() throws IOException
    {
        for (final HostileClient client : clients)
        {
            client.close();
        }
        for (final Socket socket : sockets)
        {
            socket.close();
        }
        if (null != counters)
        {
            counters.close();
        }
        if (null != server)
        {
            server.close();
            assertFalse(server.countersFile().exists(), "a clean close removes the counters file");
        }
    }

    @Test
    @Timeout(30)
    void shouldCountConnectionsHandshakesFramesAndClosesByClass() throws Exception
    {
        start(WsmuxServer.builder(settings().handshakeTimeoutNs(TimeUnit.MILLISECONDS.toNanos(300)).maxHandshakes(1))
                .endpoint("/echo", new EchoOrThrowHandler())
                .endpoint("/hooked", new EchoOrThrowHandler(), (request) -> new UpgradeHook.Rejection(403, "no")));

        // A socket that never sends its request holds the loop's only handshake slot: the next one is refused 503.
        final HostileClient dribbler = client();
        awaitCounter(SystemCounter.CONNECTIONS_OPEN, 1);
        final HostileClient busy = client();
        busy.writeAscii(HostileClient.upgradeRequest("/echo"));
        assertEquals(503, busy.readHttpReply().status());
        assertEquals(408, dribbler.readHttpReply().status());
        awaitCounter(SystemCounter.HANDSHAKES_FAILED_TIMEOUT, 1);
        awaitCounter(SystemCounter.CONNECTIONS_OPEN, 0, 0);

        assertHttpStatus("GET /echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            "Sec-WebSocket-Version: 13\r\n\r\n", 400); // no Sec-WebSocket-Key
        assertHttpStatus(HostileClient.upgradeRequest("/nowhere"), 404);
        assertHttpStatus(HostileClient.upgradeRequest("/hooked"), 403);

        final HostileClient normal = upgraded();
        normal.sendText("hello");
        assertEquals("hello", normal.readFrame().text());
        normal.sendClose(CloseCode.NORMAL, "bye");
        assertEquals(Opcode.CLOSE, normal.readFrame().opcode());

        final HostileClient violator = upgraded();
        violator.sendFrame(0x80 | 0x3, new byte[0]); // reserved opcode: 1002
        assertEquals(CloseCode.PROTOCOL_ERROR, violator.readFrame().closeCode());

        for (final int code : new int[]{ 1008, 1011, 1013, 4000 })
        {
            final HostileClient closer = upgraded();
            closer.sendClose(code, "");
            assertEquals(code, closer.readFrame().closeCode());
        }

        final HostileClient failing = upgraded();
        failing.sendText("throw");
        assertEquals(CloseCode.INTERNAL_ERROR, failing.readFrameAnsweringPings().closeCode());

        final HostileClient vanishing = upgraded();
        awaitCounter(SystemCounter.HANDSHAKES, 8);
        vanishing.abort(); // a reset, no close frame: 1006

        awaitCounter(SystemCounter.CLOSED_ABNORMAL, 1);
        awaitCounter(SystemCounter.CONNECTIONS_OPEN, 0, 0);
        assertExactly(SystemCounter.CONNECTIONS_ACCEPTED, 13);
        assertExactly(SystemCounter.HANDSHAKES, 8);
        assertExactly(SystemCounter.HANDSHAKES_FAILED_MALFORMED, 1);
        assertExactly(SystemCounter.HANDSHAKES_FAILED_NOT_FOUND, 1);
        assertExactly(SystemCounter.HANDSHAKES_FAILED_HOOK, 1);
        assertExactly(SystemCounter.HANDSHAKES_FAILED_TIMEOUT, 1);
        assertExactly(SystemCounter.HANDSHAKES_FAILED_BUSY, 1);
        AwaitCount.awaitCount("handshakesRejected", server::handshakesRejected, 5);
        assertExactly(SystemCounter.CLOSED_NORMAL, 1);
        assertExactly(SystemCounter.CLOSED_PROTOCOL, 1);
        assertExactly(SystemCounter.CLOSED_POLICY, 1);
        assertExactly(SystemCounter.CLOSED_ERROR, 2); // the client's 1011 and the handler that threw
        assertExactly(SystemCounter.CLOSED_TRY_AGAIN, 1);
        assertExactly(SystemCounter.CLOSED_OTHER, 1);
        assertExactly(SystemCounter.CLOSED_ABNORMAL, 1);
        assertExactly(SystemCounter.PROTOCOL_ERRORS, 1);
        assertExactly(SystemCounter.HANDLER_ERRORS, 1);
        assertExactly(SystemCounter.MESSAGES_IN, 2);
        assertExactly(SystemCounter.CONNECTIONS_REFUSED, 0);
        assertAtLeast(SystemCounter.FRAMES_IN, 2 + 4 + 1); // text + close, four closes, one text
        assertAtLeast(SystemCounter.FRAMES_OUT, 1 + 7); // the echo, a close to each but the vanished one
        assertAtLeast(SystemCounter.MESSAGES_OUT, 1);
        assertAtLeast(SystemCounter.BYTES_IN, 13 * 40);
        assertAtLeast(SystemCounter.BYTES_OUT, 5 * 40);
        assertAtLeast(SystemCounter.DUTY_CYCLE_MAX_NS, 1);
        assertEquals(server.messagesIn(), value(SystemCounter.MESSAGES_IN), "the getters read the same counters");
    }

    @Test
    @Timeout(30)
    void shouldCountConnectionsRefusedAtTheLimit() throws Exception
    {
        start(WsmuxServer.builder(settings().maxConnections(1)).endpoint("/echo", new EchoOrThrowHandler()));
        upgraded();
        final HostileClient refused = client();
        assertEquals(503, refused.readHttpReply().status());
        awaitCounter(SystemCounter.CONNECTIONS_REFUSED, 1);
        assertExactly(SystemCounter.CONNECTIONS_ACCEPTED, 1);
        assertExactly(SystemCounter.CONNECTIONS_OPEN, 1);
    }

    @Test
    @Timeout(60)
    void shouldCountSlowConsumersQueuedBytesDiscardsReadPausesAndAssemblyRefusals() throws Exception
    {
        final WsmuxSettings settings = settings()
            .maxFrameLength(FLOOD_MESSAGE_LENGTH)
            .maxMessageLength(64 * 1024)
            .assemblyBudget(64 * 1024)
            .slowConsumerGraceNs(0)
            .closeTimeoutNs(TimeUnit.MILLISECONDS.toNanos(300));
        start(WsmuxServer.builder(settings)
            .endpoint("/flood", new FloodHandler())
            .endpoint("/echo", new EchoOrThrowHandler()));

        // A client that asks for 10 MB and reads nothing: queued, socket full, dropped, closed 1008, rest discarded.
        final HostileClient slow = upgraded(32 * 1024, "/flood");
        slow.sendText("flood");
        awaitCounter(SystemCounter.SLOW_CONSUMER_CLOSES, 1);
        assertAtLeast(SystemCounter.QUEUED_BYTES_MAX, WsmuxSettings.OUTBOUND_BUDGET_DEFAULT / 2);
        assertAtLeast(SystemCounter.SOCKET_FULL_WRITES, 1);
        assertAtLeast(SystemCounter.DROPPED_OVER_BUDGET, 1);
        assertAtLeast(SystemCounter.DISCARDED_BYTES, FLOOD_MESSAGE_LENGTH);
        awaitCounter(SystemCounter.CLOSED_POLICY, 1);
        slow.abort();
        awaitCounter(SystemCounter.QUEUED_BYTES, 0, 0);
        assertEquals(server.discardedBytes(), value(SystemCounter.DISCARDED_BYTES));

        // Two partly received messages that together pass the loop's assembly budget: the second is refused 1013.
        final HostileClient first = upgraded(0, "/echo");
        final HostileClient second = upgraded(0, "/echo");
        final long framesBefore = value(SystemCounter.FRAMES_IN);
        for (int i = 0; i < 3; i++)
        {
            first.sendFrame(0 == i ? Opcode.TEXT : Opcode.CONTINUATION, new byte[FLOOD_MESSAGE_LENGTH]);
        }
        awaitCounter(SystemCounter.FRAMES_IN, framesBefore + 3); // 48 KiB of the 64 KiB budget held
        second.sendFrame(Opcode.TEXT, new byte[FLOOD_MESSAGE_LENGTH]);
        second.sendFrame(Opcode.CONTINUATION, new byte[FLOOD_MESSAGE_LENGTH]);
        assertEquals(CloseCode.TRY_AGAIN_LATER, second.readFrameAnsweringPings().closeCode());
        awaitCounter(SystemCounter.ASSEMBLY_REFUSALS, 1);
        awaitCounter(SystemCounter.CLOSED_TRY_AGAIN, 1);
        assertEquals(server.slowConsumerCloses(), value(SystemCounter.SLOW_CONSUMER_CLOSES));
    }

    @Test
    @Timeout(30)
    void shouldCountReadPausesOfAClientThatSendsWithoutReading() throws Exception
    {
        start(WsmuxServer.builder(settings()
                .socketSendBuffer(4096)
                .outboundBudget(16 * 1024) // also the queued length past which a connection is not read
                .maxFrameLength(64 * 1024))
            .endpoint("/echo", new EchoOrThrowHandler()));
        final HostileClient pipeliner = upgraded(4096, "/echo");
        pipeliner.sendBinary(new byte[60 * 1024]); // its echo is more than the socket takes and the limit
        awaitCounter(SystemCounter.READ_PAUSES, 1);
        assertEquals(server.readPauses(), value(SystemCounter.READ_PAUSES));
        assertAtLeast(SystemCounter.QUEUED_BYTES_MAX, 16 * 1024);
    }

    @Test
    @Timeout(60)
    void shouldCountTopicFamiliesConflationThrottlingDropsAndQueues() throws Exception
    {
        final Multiplexer multiplexer = Multiplexer.builder()
            .topicPrefix("prices.", TopicOptions.LATEST)
            .topic("rated", new TopicOptions(false, false, 1))
            .build();
        final BlockingHandler blocking = new BlockingHandler();
        final WsmuxSettings settings = settings()
            .loopQueueCapacity(64)
            .commandBufferLength(64 * 1024)
            .conflationSendBufferLength(4096)
            .dutyCycleThresholdNs(TimeUnit.MILLISECONDS.toNanos(100));
        start(WsmuxServer.builder(settings).mux("/mux", multiplexer).endpoint("/block", blocking));

        final Socket first = subscriber("prices.a", 0);
        awaitFamily("prices.", SystemCounter.TOPIC_SUBSCRIBERS, 1);
        final Topic pricesA = multiplexer.topic("prices.a");
        pricesA.publish("p1");
        awaitFamily("prices.", SystemCounter.TOPIC_DELIVERIES, 1);
        assertEquals(1, familyValue("prices.", SystemCounter.TOPIC_PUBLICATIONS));
        awaitCounter(SystemCounter.PUBLICATIONS_RECEIVED, 1);
        awaitCounter(SystemCounter.DELIVERIES, 1);
        assertTrue(new String(first.getInputStream().readNBytes(2 + "msg,prices.a,p1".length()),
            StandardCharsets.US_ASCII).endsWith("msg,prices.a,p1"));

        subscriber("prices.a", 0); // gets the last value
        awaitFamily("prices.", SystemCounter.TOPIC_LAST_VALUE_HITS, 1);
        awaitFamily("prices.", SystemCounter.TOPIC_SUBSCRIBERS, 2);
        awaitFamily("prices.", SystemCounter.TOPIC_DELIVERIES, 2);

        // maxRate 1/s: the second publication waits, the third replaces it.
        subscriber("rated", 0);
        awaitFamily("rated", SystemCounter.TOPIC_SUBSCRIBERS, 1);
        final Topic rated = multiplexer.topic("rated");
        for (int i = 0; i < 3; i++)
        {
            rated.publish("r" + i);
        }
        awaitCounter(SystemCounter.THROTTLED, 2);
        awaitCounter(SystemCounter.CONFLATED_RATE, 1);

        // A conflating subscriber that reads nothing: its pending value is replaced.
        subscriber("prices.b", 4096);
        awaitFamily("prices.", SystemCounter.TOPIC_SUBSCRIBERS, 3);
        final Topic pricesB = multiplexer.topic("prices.b");
        final String payload = "x".repeat(1024);
        for (int i = 0; i < 2000 && value(SystemCounter.CONFLATED_SLOW) == 0; i++)
        {
            pricesB.publish(payload);
            if (i % 100 == 99)
            {
                Thread.sleep(1);
            }
        }
        awaitCounter(SystemCounter.CONFLATED_SLOW, 1);

        // A handler that blocks its loop for a second: the queues into the loop fill up and overflow.
        final HostileClient blocker = upgraded(0, "/block");
        blocker.sendText("block");
        assertTrue(blocking.blocked.await(5, TimeUnit.SECONDS));
        for (int i = 0; i < 1000 && 0 == multiplexer.droppedPublications(); i++)
        {
            pricesA.publish("flood");
        }
        final UnsafeBuffer message = new UnsafeBuffer(new byte[1024]);
        final Connection connection = blocking.connection.get();
        for (int i = 0; i < 1000; i++)
        {
            if (!connection.sendBinary(message, 0, message.capacity()))
            {
                break;
            }
        }
        awaitCounter(SystemCounter.DUTY_CYCLES_OVER_THRESHOLD, 1);
        assertAtLeast(SystemCounter.DUTY_CYCLE_MAX_NS, TimeUnit.MILLISECONDS.toNanos(500));
        assertAtLeast(SystemCounter.DROPPED_LOOP_QUEUE_FULL, 1);
        assertAtLeast(SystemCounter.TASK_QUEUE_OVERFLOWS, 1);
        assertAtLeast(SystemCounter.COMMAND_QUEUE_OVERFLOWS, 1);
        // The high-water marks are sampled at the start of the cycle after the blocked one: published at its end.
        awaitCounter(SystemCounter.TASK_QUEUE_MAX, 32);
        awaitCounter(SystemCounter.COMMAND_QUEUE_MAX_BYTES, 32 * 1024);
        assertEquals(multiplexer.droppedPublications(), value(SystemCounter.DROPPED_LOOP_QUEUE_FULL));
        assertEquals(server.conflations(),
            value(SystemCounter.CONFLATED_SLOW) + value(SystemCounter.CONFLATED_RATE));
    }

    @Test
    @Timeout(30)
    void shouldSumTopicFamiliesPastTheLimitUnderOther() throws Exception
    {
        final Multiplexer multiplexer = Multiplexer.builder()
            .topicPrefix("a.", TopicOptions.RELIABLE)
            .topicPrefix("b.", TopicOptions.RELIABLE)
            .topic("c", TopicOptions.RELIABLE)
            .build();
        start(WsmuxServer.builder(settings().countersMaxTopicFamilies(1)).mux("/mux", multiplexer));

        subscriber("a.1", 0);
        subscriber("b.1", 0);
        subscriber("c", 0);
        awaitFamily("a.", SystemCounter.TOPIC_SUBSCRIBERS, 1);
        awaitFamily(WsmuxCounters.OTHER_FAMILY, SystemCounter.TOPIC_SUBSCRIBERS, 2);
        multiplexer.topic("c").publish("to c");
        awaitFamily(WsmuxCounters.OTHER_FAMILY, SystemCounter.TOPIC_DELIVERIES, 1);
        final List<String> families = new ArrayList<>();
        snapshot().families().forEach(families::add);
        assertEquals(List.of("a.", WsmuxCounters.OTHER_FAMILY), families);
    }

    // ---- helpers ----

    private WsmuxSettings settings()
    {
        return new WsmuxSettings()
            .port(0)
            .ioThreads(1)
            .countersDir(countersDir.toString())
            .shutdownTimeoutNs(TimeUnit.MILLISECONDS.toNanos(200));
    }

    private void start(final WsmuxServer.Builder builder) throws IOException
    {
        server = builder.build().start();
        counters = CountersFile.open(server.countersFile());
        assertEquals(ProcessHandle.current().pid(), counters.pid());
        assertEquals(1, counters.loopCount());
    }

    private HostileClient client() throws IOException
    {
        return client(0);
    }

    private HostileClient client(final int receiveBufferLength) throws IOException
    {
        final HostileClient client = HostileClient.connect(server.port(), receiveBufferLength);
        clients.add(client);
        return client;
    }

    private HostileClient upgraded() throws IOException
    {
        return upgraded(0, "/echo");
    }

    private HostileClient upgraded(final int receiveBufferLength, final String path) throws IOException
    {
        return client(receiveBufferLength).upgrade(path);
    }

    private Socket subscriber(final String topic, final int receiveBufferLength) throws IOException
    {
        final Socket socket = new Socket();
        sockets.add(socket);
        if (receiveBufferLength > 0)
        {
            socket.setReceiveBufferSize(receiveBufferLength);
        }
        socket.setSoTimeout(HostileClient.READ_TIMEOUT_MS);
        socket.connect(new InetSocketAddress("127.0.0.1", server.port()), HostileClient.READ_TIMEOUT_MS);
        MuxTestSockets.upgradeAndSubscribe(socket, topic);
        return socket;
    }

    private void assertHttpStatus(final String request, final int status) throws IOException
    {
        final HostileClient client = client();
        client.writeAscii(request);
        assertEquals(status, client.readHttpReply().status(), request);
        client.awaitEndOfStream();
    }

    private CountersSnapshot snapshot()
    {
        return new CountersSnapshot(counters.reader(), counters.loopCount(), System.nanoTime());
    }

    private long value(final SystemCounter counter)
    {
        return snapshot().total(counter);
    }

    private long familyValue(final String family, final SystemCounter counter)
    {
        return snapshot().familyTotal(family, counter);
    }

    private void assertExactly(final SystemCounter counter, final long expected)
    {
        assertEquals(expected, value(counter), counter.displayName());
    }

    private void assertAtLeast(final SystemCounter counter, final long minimum)
    {
        final long value = value(counter);
        assertTrue(value >= minimum, counter.displayName() + "=" + value + ", expected at least " + minimum);
    }

    private void awaitCounter(final SystemCounter counter, final long minimum) throws InterruptedException
    {
        awaitCounter(counter, minimum, Long.MAX_VALUE);
    }

    private void awaitCounter(final SystemCounter counter, final long minimum, final long maximum)
        throws InterruptedException
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        long value;
        while ((value = value(counter)) < minimum || value > maximum)
        {
            if (System.nanoTime() - deadlineNs > 0)
            {
                fail(counter.displayName() + "=" + value + ", expected [" + minimum + ", " + maximum + "]");
            }
            Thread.sleep(5);
        }
    }

    private void awaitFamily(final String family, final SystemCounter counter, final long expected)
        throws InterruptedException
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        long value;
        while ((value = familyValue(family, counter)) != expected)
        {
            if (System.nanoTime() - deadlineNs > 0)
            {
                fail(family + " " + counter.displayName() + "=" + value + ", expected " + expected);
            }
            Thread.sleep(5);
        }
    }

    private static final class EchoOrThrowHandler implements WebSocketHandler
    {
        @Override
        public void onText(final Connection connection, final DirectBuffer buffer, final int offset, final int length)
        {
            if ("throw".equals(buffer.getStringWithoutLengthUtf8(offset, length)))
            {
                throw new IllegalStateException("thrown on purpose by the test");
            }
            connection.sendText(buffer, offset, length);
        }

        @Override
        public void onBinary(
            final Connection connection, final DirectBuffer buffer, final int offset, final int length)
        {
            connection.sendBinary(buffer, offset, length);
        }

        @Override
        public void onError(final Connection connection, final Throwable error)
        {
            // expected: the test makes it throw
        }
    }

    private static final class FloodHandler implements WebSocketHandler
    {
        private final UnsafeBuffer message = new UnsafeBuffer(new byte[FLOOD_MESSAGE_LENGTH]);

        @Override
        public void onText(final Connection connection, final DirectBuffer buffer, final int offset, final int length)
        {
            for (int i = 0; i < FLOOD_MESSAGE_COUNT; i++)
            {
                connection.sendBinary(message, 0, FLOOD_MESSAGE_LENGTH);
            }
        }
    }

    /**
     * Blocks its loop for a second on "block" (what a handler must never do), so that other threads find the loop's
     * queues full.
     */
    private static final class BlockingHandler implements WebSocketHandler
    {
        final AtomicReference<Connection> connection = new AtomicReference<>();
        final CountDownLatch blocked = new CountDownLatch(1);

        @Override
        public void onOpen(final Connection connection)
        {
            this.connection.set(connection);
        }

        @Override
        public void onText(final Connection connection, final DirectBuffer buffer, final int offset, final int length)
        {
            blocked.countDown();
            try
            {
                Thread.sleep(1000);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
    }
}
