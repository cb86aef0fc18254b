package io.wsmux.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

import io.wsmux.EchoHandler;
import io.wsmux.WsmuxServer;
import io.wsmux.WsmuxSettings;
import io.wsmux.status.SystemCounter;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * permessage-deflate between {@link WsmuxClient} and a real {@link WsmuxServer} on loopback: echoes of every size
 * compressed both ways, from the client's thread and from others, with each side's shared or own compression
 * context, the server declining, and no allocation per compressed message on the client's thread.
 */
@Timeout(60)
class WebSocketClientDeflateIntegrationTest
{
    private static final int KIB = 1024;
    private static final int MIB = 1024 * KIB;
    private static final long WAIT_S = 10;

    private final ConcurrentLinkedQueue<Throwable> clientErrors = new ConcurrentLinkedQueue<>();
    private WsmuxServer server;
    private WsmuxClient client;

    @AfterEach
    void tearDown()
    {
        if (null != client)
        {
            client.close();
        }
        if (null != server)
        {
            server.close();
        }
        assertEquals(List.of(), new ArrayList<>(clientErrors), "errors on the client loop");
    }

    private void start(final boolean deflate, final boolean serverContext, final boolean clientContext)
        throws IOException
    {
        final WsmuxSettings settings = new WsmuxSettings()
            .port(0)
            .ioThreads(2)
            .maxFrameLength(16 * MIB)
            .maxMessageLength(16 * MIB)
            .outboundBudget(64 * MIB)
            .deflate(deflate)
            .deflateMinLength(128)
            .deflateServerContextTakeover(serverContext)
            .deflateClientContextTakeover(clientContext);
        server = WsmuxServer.builder(settings).endpoint("/echo", new EchoHandler()).build().start();
        client = WsmuxClient.start(new ClientSettings().perMessageDeflate(true).errorHandler(clientErrors::add));
    }

    private WebSocketClientConnection connect(final ClientHandler handler) throws Exception
    {
        return client.connect(URI.create("ws://127.0.0.1:" + server.port() + "/echo"), null, handler)
            .get(WAIT_S, TimeUnit.SECONDS);
    }

    private static void awaitAtLeast(final String what, final LongSupplier value, final long expected)
        throws InterruptedException
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
        while (value.getAsLong() < expected && System.nanoTime() - deadlineNs < 0)
        {
            Thread.sleep(1);
        }
        assertTrue(value.getAsLong() >= expected, what + ": " + value.getAsLong() + " < " + expected);
    }

    private static UnsafeBuffer bytes(final byte[] bytes)
    {
        return new UnsafeBuffer(bytes);
    }

    static byte[] jsonLike(final int length, final int seed)
    {
        final StringBuilder json = new StringBuilder();
        for (int i = 0; json.length() < length; i++)
        {
            json.append("{\"symbol\":\"EURUSD\",\"bid\":1.08").append((i * 7 + seed) % 100)
                .append(",\"ask\":1.09,\"seq\":").append(seed).append('.').append(i).append("},");
        }
        return json.substring(0, length).getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] random(final int length, final long seed)
    {
        final byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    /** The messages of the echo tests: tiny (plain), 1 KiB JSON, 200 KiB compressible, 1 MiB random. */
    private static List<byte[]> messages()
    {
        final byte[] compressible = new byte[200 * KIB];
        for (int i = 0; i < compressible.length; i++)
        {
            compressible[i] = (byte)(i % 251 < 200 ? 'a' + (i % 7) : 'A' + (i % 26));
        }
        return List.of("tiny".getBytes(StandardCharsets.US_ASCII), jsonLike(KIB, 1), compressible,
            random(MIB, 5));
    }

    /**
     * Send every message as text (the printable ones) and binary, then wait for each echo in order.
     */
    private static void sendAndCheckEchoes(
        final WebSocketClientConnection connection, final WebSocketClientIntegrationTest.Recorder recorder)
        throws InterruptedException
    {
        for (final byte[] message : messages())
        {
            final boolean printable = message.length < 300 * KIB;
            if (printable)
            {
                offer(() -> connection.sendText(bytes(message), 0, message.length));
            }
            offer(() -> connection.sendBinary(bytes(message), 0, message.length));
            if (printable)
            {
                assertEquals(new String(message, StandardCharsets.US_ASCII), recorder.nextText());
            }
            assertArrayEquals(message, recorder.nextBinary());
        }
    }

    /** From another thread a send finds the command ring full at times (false: nothing sent): offer again. */
    private static void offer(final BooleanSupplier send) throws InterruptedException
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
        while (!send.getAsBoolean())
        {
            assertTrue(System.nanoTime() - deadlineNs < 0, "the command ring never took the message");
            Thread.sleep(1);
        }
    }

    @Test
    void shouldDeliverEveryMessageIntactWhenReusingInflatedDuplicates() throws Exception
    {
        start(true, false, false);
        client.close();
        client = WsmuxClient.start(new ClientSettings().perMessageDeflate(true).reuseInflatedDuplicates(true)
            .errorHandler(clientErrors::add));
        final WebSocketClientIntegrationTest.Recorder first = new WebSocketClientIntegrationTest.Recorder();
        final WebSocketClientIntegrationTest.Recorder second = new WebSocketClientIntegrationTest.Recorder();
        final WebSocketClientConnection a = connect(first);
        final WebSocketClientConnection b = connect(second);
        // Duplicates back to back, over two connections of one loop, and a different message between them.
        for (final byte[] message : List.of(jsonLike(KIB, 1), jsonLike(KIB, 1), jsonLike(KIB, 2), jsonLike(KIB, 1),
            jsonLike(2 * KIB, 1)))
        {
            offer(() -> a.sendText(bytes(message), 0, message.length));
            assertEquals(new String(message, StandardCharsets.US_ASCII), first.nextText());
            offer(() -> b.sendText(bytes(message), 0, message.length));
            assertEquals(new String(message, StandardCharsets.US_ASCII), second.nextText());
        }
    }

    @Test
    void shouldEchoEverySizeCompressedBothWaysFromTheLoopAndOtherThreads() throws Exception
    {
        start(true, false, false);
        final List<byte[]> messages = messages();
        final WebSocketClientIntegrationTest.Recorder fromLoop = new WebSocketClientIntegrationTest.Recorder()
        {
            @Override
            public void onOpen(final WebSocketClientConnection connection)
            {
                super.onOpen(connection);
                for (final byte[] message : messages)
                {
                    assertTrue(connection.sendBinary(bytes(message), 0, message.length));
                }
            }
        };
        final WebSocketClientConnection first = connect(fromLoop);
        final WebSocketClientIntegrationTest.Recorder fromThread = new WebSocketClientIntegrationTest.Recorder();
        final WebSocketClientConnection second = connect(fromThread);
        assertTrue(first.perMessageDeflate());
        assertTrue(second.perMessageDeflate());

        for (final byte[] message : messages)
        {
            assertArrayEquals(message, fromLoop.nextBinary());
        }
        sendAndCheckEchoes(second, fromThread);

        awaitAtLeast("messages the server inflated", () -> server.counter(SystemCounter.DEFLATE_INFLATED), 4);
        awaitAtLeast("messages the server compressed", () -> server.counter(SystemCounter.DEFLATE_COMPRESSED), 4);
        assertEquals(2, server.counter(SystemCounter.DEFLATE_CONNECTIONS));
        assertEquals(0, server.counter(SystemCounter.DEFLATE_TOO_BIG));
        assertEquals(0, server.protocolErrors());
        assertEquals(List.of(), new ArrayList<>(fromLoop.errors));
        assertEquals(List.of(), new ArrayList<>(fromThread.errors));
    }

    @ParameterizedTest(name = "server context takeover {0}, client context takeover {1}")
    @CsvSource({ "false, false", "true, false", "false, true", "true, true" })
    void shouldEchoManyMessagesInARowWithEachSidesContext(final boolean serverContext, final boolean clientContext)
        throws Exception
    {
        start(true, serverContext, clientContext);
        final WebSocketClientIntegrationTest.Recorder recorder = new WebSocketClientIntegrationTest.Recorder();
        final WebSocketClientConnection connection = connect(recorder);
        assertTrue(connection.perMessageDeflate());

        final int count = 300;
        for (int i = 0; i < count; i++)
        {
            // Similar messages, so that with a context each refers back into the ones before.
            final byte[] message = jsonLike(128 + (i * 37) % 4000, i % 5);
            offer(() -> connection.sendText(bytes(message), 0, message.length));
            if (0 == i % 3)
            {
                offer(() -> connection.sendBinary(bytes(message), 0, message.length));
            }
        }
        for (int i = 0; i < count; i++)
        {
            final byte[] message = jsonLike(128 + (i * 37) % 4000, i % 5);
            assertEquals(new String(message, StandardCharsets.US_ASCII), recorder.nextText(), "message " + i);
            if (0 == i % 3)
            {
                assertArrayEquals(message, recorder.nextBinary(), "message " + i);
            }
        }
        sendAndCheckEchoes(connection, recorder);

        awaitAtLeast("messages the server inflated", () -> server.counter(SystemCounter.DEFLATE_INFLATED), count);
        awaitAtLeast("messages the server compressed", () -> server.counter(SystemCounter.DEFLATE_COMPRESSED),
            count);
        // With client context takeover the server inflates this client's messages with an inflater of its own.
        assertEquals(clientContext ? 1 : 0, server.counter(SystemCounter.DEFLATE_INFLATERS));
        assertEquals(1, server.counter(SystemCounter.DEFLATE_CONNECTIONS));
        assertEquals(0, server.protocolErrors());
        assertEquals(List.of(), new ArrayList<>(recorder.errors));
    }

    @Test
    void shouldSpeakPlainWhenTheServerDoesNotDeflate() throws Exception
    {
        start(false, false, false);
        final WebSocketClientIntegrationTest.Recorder recorder = new WebSocketClientIntegrationTest.Recorder();
        final WebSocketClientConnection connection = connect(recorder);

        assertFalse(connection.perMessageDeflate());
        sendAndCheckEchoes(connection, recorder);
        assertEquals(0, server.counter(SystemCounter.DEFLATE_CONNECTIONS));
        assertEquals(0, server.counter(SystemCounter.DEFLATE_INFLATED));
        assertEquals(0, server.counter(SystemCounter.DEFLATE_COMPRESSED));
        assertEquals(0, server.protocolErrors());
    }

    @Test
    void shouldNotAllocateOnTheClientThreadPerCompressedMessage() throws Exception
    {
        if (!(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean))
        {
            return; // not a HotSpot-like JVM: no per-thread allocation counter
        }
        final com.sun.management.ThreadMXBean allocations =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        start(true, false, false);
        final AtomicInteger received = new AtomicInteger();
        final CompletableFuture<Long> loopThreadId = new CompletableFuture<>();
        final WebSocketClientConnection connection = connect(new ClientHandler()
        {
            @Override
            public void onOpen(final WebSocketClientConnection connection)
            {
                loopThreadId.complete(Thread.currentThread().getId());
            }

            @Override
            public void onText(
                final WebSocketClientConnection connection,
                final DirectBuffer buffer,
                final int offset,
                final int length)
            {
                received.incrementAndGet();
            }
        });
        final long threadId = loopThreadId.get(WAIT_S, TimeUnit.SECONDS);
        final UnsafeBuffer message = bytes(jsonLike(KIB, 3)); // compressed each way
        final int batch = 5_000;

        long before = 0;
        for (int round = 0; round < 3; round++) // rounds 0 and 1 warm up (pools, scratch, JIT)
        {
            before = allocations.getThreadAllocatedBytes(threadId);
            final int target = received.get() + batch;
            for (int i = 0; i < batch; i++)
            {
                message.putByte(0, (byte)('{' + (i & 1))); // not all identical
                while (!connection.sendText(message, 0, message.capacity()))
                {
                    Thread.yield();
                }
            }
            final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
            while (received.get() < target && System.nanoTime() - deadlineNs < 0)
            {
                Thread.sleep(1);
            }
            assertEquals(target, received.get());
        }
        final long allocated = allocations.getThreadAllocatedBytes(threadId) - before;

        assertTrue(allocated < batch, "bytes allocated on the client thread for " + batch +
            " compressed messages each way: " + allocated);
        awaitAtLeast("messages the server inflated", () -> server.counter(SystemCounter.DEFLATE_INFLATED), 3 * batch);
    }
}
