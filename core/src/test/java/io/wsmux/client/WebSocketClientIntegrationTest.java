package io.wsmux.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.wsmux.Connection;
import io.wsmux.UpgradeHook;
import io.wsmux.WebSocketHandler;
import io.wsmux.WsmuxServer;
import io.wsmux.WsmuxSettings;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link WsmuxClient} and {@link WebSocketClientConnection} against a real {@link WsmuxServer} on loopback: echo of
 * every size, ordering, sends from other threads, ping/pong, both close directions, connect failures, and many
 * connections on one client loop.
 */
@Timeout(60)
class WebSocketClientIntegrationTest
{
    private static final int MIB = 1024 * 1024;
    private static final long WAIT_S = 10;

    private final ConcurrentLinkedQueue<Throwable> clientErrors = new ConcurrentLinkedQueue<>();
    private final BlockingQueue<String> serverCloses = new LinkedBlockingQueue<>();
    private WsmuxServer server;
    private WsmuxClient client;

    /** Sends every message straight back with the same type (the server's own echo handler is package-private). */
    static class EchoHandler implements WebSocketHandler
    {
        @Override
        public void onText(final Connection connection, final DirectBuffer buffer, final int offset, final int length)
        {
            connection.sendText(buffer, offset, length);
        }

        @Override
        public void onBinary(
            final Connection connection, final DirectBuffer buffer, final int offset, final int length)
        {
            connection.sendBinary(buffer, offset, length);
        }
    }

    /** Records what a client connection hears; messages as "text:..." or "binary:<length>" with the bytes kept. */
    static class Recorder implements ClientHandler
    {
        final BlockingQueue<String> texts = new LinkedBlockingQueue<>();
        final BlockingQueue<byte[]> binaries = new LinkedBlockingQueue<>();
        final BlockingQueue<String> pongs = new LinkedBlockingQueue<>();
        final CompletableFuture<String> closed = new CompletableFuture<>();
        final ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        final AtomicInteger opens = new AtomicInteger();
        volatile Thread callbackThread;

        @Override
        public void onOpen(final WebSocketClientConnection connection)
        {
            callbackThread = Thread.currentThread();
            opens.incrementAndGet();
        }

        @Override
        public void onText(
            final WebSocketClientConnection connection, final DirectBuffer buffer, final int offset, final int length)
        {
            texts.add(buffer.getStringWithoutLengthUtf8(offset, length));
        }

        @Override
        public void onBinary(
            final WebSocketClientConnection connection, final DirectBuffer buffer, final int offset, final int length)
        {
            final byte[] bytes = new byte[length];
            buffer.getBytes(offset, bytes);
            binaries.add(bytes);
        }

        @Override
        public void onPong(
            final WebSocketClientConnection connection, final DirectBuffer buffer, final int offset, final int length)
        {
            pongs.add(buffer.getStringWithoutLengthUtf8(offset, length));
        }

        @Override
        public void onClose(final WebSocketClientConnection connection, final int code, final String reason)
        {
            closed.complete(code + " " + reason);
        }

        @Override
        public void onError(final WebSocketClientConnection connection, final Throwable error)
        {
            errors.add(error);
        }

        String nextText() throws InterruptedException
        {
            final String text = texts.poll(WAIT_S, TimeUnit.SECONDS);
            assertTrue(null != text, "no text message within " + WAIT_S + " s");
            return text;
        }

        byte[] nextBinary() throws InterruptedException
        {
            final byte[] bytes = binaries.poll(WAIT_S, TimeUnit.SECONDS);
            assertTrue(null != bytes, "no binary message within " + WAIT_S + " s");
            return bytes;
        }
    }

    @BeforeEach
    void setUp() throws IOException
    {
        final WsmuxSettings settings = new WsmuxSettings()
            .port(0)
            .ioThreads(2)
            .maxFrameLength(16 * MIB)
            .maxMessageLength(16 * MIB)
            .outboundBudget(64 * MIB);
        server = WsmuxServer.builder(settings)
            .endpoint("/echo", new EchoHandler()
            {
                @Override
                public void onClose(final Connection connection, final int code, final String reason)
                {
                    serverCloses.add(code + " " + reason);
                }
            })
            .endpoint("/closer", new WebSocketHandler()
            {
                @Override
                public void onText(
                    final Connection connection, final DirectBuffer buffer, final int offset, final int length)
                {
                    connection.close(4001, "bye");
                }

                @Override
                public void onClose(final Connection connection, final int code, final String reason)
                {
                    serverCloses.add(code + " " + reason);
                }
            })
            .endpoint("/forbidden", new EchoHandler(), (request) -> new UpgradeHook.Rejection(403, "no entry"))
            .build()
            .start();
        client = WsmuxClient.start(new ClientSettings().errorHandler(clientErrors::add));
    }

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

    private URI uri(final String path)
    {
        return URI.create("ws://127.0.0.1:" + server.port() + path);
    }

    private WebSocketClientConnection connect(final String path, final ClientHandler handler) throws Exception
    {
        return client.connect(uri(path), null, handler).get(WAIT_S, TimeUnit.SECONDS);
    }

    private static Throwable connectFailure(final CompletableFuture<WebSocketClientConnection> future)
    {
        final ExecutionException failure =
            assertThrows(ExecutionException.class, () -> future.get(WAIT_S, TimeUnit.SECONDS));
        return failure.getCause();
    }

    private static UnsafeBuffer bytes(final byte[] bytes)
    {
        return new UnsafeBuffer(bytes);
    }

    @Test
    void shouldEchoTextAndBinaryMessages() throws Exception
    {
        final Recorder recorder = new Recorder();
        final WebSocketClientConnection connection = connect("/echo", recorder);
        assertTrue(connection.isOpen());
        assertNull(connection.subprotocol());
        assertEquals(1, recorder.opens.get());
        assertEquals("wsmux-client-0", recorder.callbackThread.getName());

        assertTrue(connection.sendText("hello, wsmux"));
        assertEquals("hello, wsmux", recorder.nextText());
        assertTrue(connection.sendText("κόσμε ✓"));
        assertEquals("κόσμε ✓", recorder.nextText());
        assertTrue(connection.sendText(""));
        assertEquals("", recorder.nextText());

        final byte[] binary = new byte[256];
        for (int i = 0; i < binary.length; i++)
        {
            binary[i] = (byte)i;
        }
        assertTrue(connection.sendBinary(bytes(binary), 0, binary.length));
        assertArrayEquals(binary, recorder.nextBinary());
        assertTrue(connection.sendBinary(bytes(binary), 10, 0));
        assertArrayEquals(new byte[0], recorder.nextBinary());
        assertEquals(List.of(), new ArrayList<>(recorder.errors));
    }

    @Test
    void shouldEchoOneMebibyteMessagesByteExact() throws Exception
    {
        final Random random = new Random(42);
        final byte[] binary = new byte[MIB];
        random.nextBytes(binary);
        final byte[] text = new byte[MIB];
        for (int i = 0; i < text.length; i++)
        {
            text[i] = (byte)('a' + random.nextInt(26));
        }
        final Recorder recorder = new Recorder();
        final WebSocketClientConnection connection = connect("/echo", recorder);

        // From this thread: larger than one command, so the message travels to the loop in pieces. A send that
        // finds the command ring full returns false having sent nothing (back-pressure): offer again, as a caller
        // does, until the loop has drained the first message (bounded).
        assertTrue(connection.sendBinary(bytes(binary), 0, binary.length));
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
        boolean sent;
        while (!(sent = connection.sendText(bytes(text), 0, text.length)) && System.nanoTime() - deadlineNs < 0)
        {
            Thread.sleep(1);
        }
        assertTrue(sent, "the command ring never took the second message");
        assertArrayEquals(binary, recorder.nextBinary());
        assertEquals(new String(text, StandardCharsets.US_ASCII), recorder.nextText());
    }

    @Test
    void shouldSendOneMebibyteMessageFromTheLoopThread() throws Exception
    {
        final byte[] binary = new byte[MIB];
        new Random(7).nextBytes(binary);
        final Recorder recorder = new Recorder()
        {
            @Override
            public void onOpen(final WebSocketClientConnection connection)
            {
                super.onOpen(connection);
                connection.sendBinary(bytes(binary), 0, binary.length);
                connection.sendText("after");
            }
        };
        connect("/echo", recorder);

        assertArrayEquals(binary, recorder.nextBinary());
        assertEquals("after", recorder.nextText());
    }

    @Test
    void shouldKeepOrderOfOneThousandPipelinedMessages() throws Exception
    {
        final int count = 1000;
        final Recorder recorder = new Recorder();
        final WebSocketClientConnection connection = connect("/echo", recorder);

        for (int i = 0; i < count; i++)
        {
            final byte[] message = ("message-" + i).getBytes(StandardCharsets.US_ASCII);
            while (!connection.sendText(bytes(message), 0, message.length))
            {
                Thread.yield(); // ring buffer full: back-pressure
            }
        }
        for (int i = 0; i < count; i++)
        {
            assertEquals("message-" + i, recorder.nextText());
        }
    }

    @Test
    void shouldKeepEachThreadsOrderWhenManyThreadsSendLargeAndSmallMessages() throws Exception
    {
        final int threads = 4;
        final int perThread = 60;
        final int largeLength = 300 * 1024; // more than one command: sent in pieces
        final Recorder recorder = new Recorder();
        final WebSocketClientConnection connection = connect("/echo", recorder);
        final CountDownLatch start = new CountDownLatch(1);
        final List<Thread> senders = new ArrayList<>();
        final ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        for (int t = 0; t < threads; t++)
        {
            final int thread = t;
            final Thread sender = new Thread(() ->
            {
                try
                {
                    start.await();
                    for (int i = 0; i < perThread; i++)
                    {
                        final String head = "t" + thread + "-" + i + ":";
                        final int length = 0 == i % 10 ? largeLength : 32;
                        final byte[] message = new byte[length];
                        final byte[] headBytes = head.getBytes(StandardCharsets.US_ASCII);
                        System.arraycopy(headBytes, 0, message, 0, headBytes.length);
                        for (int j = headBytes.length; j < length; j++)
                        {
                            message[j] = (byte)('a' + (j % 26));
                        }
                        while (!connection.sendText(bytes(message), 0, message.length))
                        {
                            Thread.yield();
                        }
                    }
                }
                catch (final Throwable ex)
                {
                    failures.add(ex);
                }
            }, "sender-" + t);
            senders.add(sender);
            sender.start();
        }
        start.countDown();
        for (final Thread sender : senders)
        {
            sender.join();
        }
        assertEquals(List.of(), new ArrayList<>(failures));

        final int[] next = new int[threads];
        for (int i = 0; i < threads * perThread; i++)
        {
            final String text = recorder.nextText();
            final int dash = text.indexOf('-');
            final int colon = text.indexOf(':');
            final int thread = Integer.parseInt(text.substring(1, dash));
            final int index = Integer.parseInt(text.substring(dash + 1, colon));
            assertEquals(next[thread], index, "order of thread " + thread);
            assertEquals(0 == index % 10 ? largeLength : 32, text.length(), "length of " + text.substring(0, colon));
            assertEquals('a' + ((text.length() - 1) % 26), text.charAt(text.length() - 1));
            next[thread]++;
        }
    }

    @Test
    void shouldReceivePongWithThePingPayload() throws Exception
    {
        final Recorder recorder = new Recorder();
        final WebSocketClientConnection connection = connect("/echo", recorder);
        final byte[] payload = "are you there?".getBytes(StandardCharsets.US_ASCII);

        assertTrue(connection.sendPing(bytes(payload), 0, payload.length));
        assertEquals("are you there?", recorder.pongs.poll(WAIT_S, TimeUnit.SECONDS));
        assertThrows(IllegalArgumentException.class, () -> connection.sendPing(bytes(new byte[126]), 0, 126));
    }

    @Test
    void shouldEchoServersCloseCodeWhenServerCloses() throws Exception
    {
        final Recorder recorder = new Recorder();
        final WebSocketClientConnection connection = connect("/closer", recorder);

        assertTrue(connection.sendText("close me"));

        assertEquals("4001 bye", recorder.closed.get(WAIT_S, TimeUnit.SECONDS));
        assertEquals("4001 bye", serverCloses.poll(WAIT_S, TimeUnit.SECONDS));
        assertEquals(0, server.protocolErrors(), "the client's reply was a valid close frame");
        assertFalse(connection.isOpen());
        assertTrue(connection.isClosed());
        assertFalse(connection.sendText("too late"));
        assertEquals(List.of(), new ArrayList<>(recorder.errors));
    }

    @Test
    void shouldCompleteCloseHandshakeStartedByClient() throws Exception
    {
        final Recorder recorder = new Recorder();
        final WebSocketClientConnection connection = connect("/echo", recorder);

        connection.close(1000, "done");

        assertEquals("1000 done", serverCloses.poll(WAIT_S, TimeUnit.SECONDS));
        assertEquals("1000 ", recorder.closed.get(WAIT_S, TimeUnit.SECONDS), "the server's reply");
        assertTrue(connection.isClosed());
        assertThrows(IllegalArgumentException.class, () -> connection.close(1005, ""));
    }

    @Test
    void shouldFailConnectWhenPortRefusesConnections() throws Exception
    {
        final int port;
        try (ServerSocket socket = new ServerSocket(0))
        {
            port = socket.getLocalPort();
        }
        final URI uri = URI.create("ws://127.0.0.1:" + port + "/echo");

        final Throwable failure = connectFailure(client.connect(uri, null, new Recorder()));

        assertInstanceOf(IOException.class, failure);
        assertTrue(failure.getMessage().contains(uri.toString()), failure.getMessage());
    }

    @Test
    void shouldFailConnectWhenTheTcpHandshakeGetsNoAnswerWithinTheConnectTimeout() throws Exception
    {
        // A listener that never accepts, its accept queue full: Linux drops further SYNs, so a connect would wait
        // for the kernel's two minutes of retries.
        try (ServerSocket silent = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress()))
        {
            final List<java.net.Socket> queued = new ArrayList<>();
            try (WsmuxClient shortClient = WsmuxClient.start(
                new ClientSettings().connectTimeoutNs(TimeUnit.MILLISECONDS.toNanos(300))))
            {
                for (int i = 0; i < 4; i++)
                {
                    final java.net.Socket socket = new java.net.Socket();
                    queued.add(socket);
                    try
                    {
                        socket.connect(silent.getLocalSocketAddress(), 200);
                    }
                    catch (final IOException expected)
                    {
                        break; // the queue is full: this SYN was dropped
                    }
                }
                final URI uri = URI.create("ws://127.0.0.1:" + silent.getLocalPort() + "/echo");

                final Throwable failure = connectFailure(shortClient.connect(uri, null, new Recorder()));

                assertInstanceOf(IOException.class, failure);
                assertInstanceOf(java.net.ConnectException.class, failure.getCause());
                assertTrue(failure.getMessage().contains(uri.toString()), failure.getMessage());
                assertTrue(failure.getMessage().contains("no answer within 300 ms"), failure.getMessage());
                assertEquals(0, shortClient.openConnections());
            }
            finally
            {
                for (final java.net.Socket socket : queued)
                {
                    socket.close();
                }
            }
        }
    }

    @Test
    void shouldFailConnectWithTheStatusWhenUpgradeIsRejected() throws Exception
    {
        final Recorder recorder = new Recorder();

        final Throwable failure = connectFailure(client.connect(uri("/forbidden"), null, recorder));

        final WebSocketHandshakeException handshake = assertInstanceOf(WebSocketHandshakeException.class, failure);
        assertEquals(403, handshake.status());
        assertTrue(failure.getMessage().contains("HTTP/1.1 403 Forbidden"), failure.getMessage());
        assertTrue(failure.getMessage().contains("no entry"), failure.getMessage());
        assertEquals(0, recorder.opens.get());
        assertFalse(recorder.closed.isDone());
    }

    @Test
    void shouldFailConnectWhenPathIsNotAnEndpoint() throws Exception
    {
        final Throwable failure = connectFailure(client.connect(uri("/nowhere"), null, new Recorder()));

        assertEquals(404, assertInstanceOf(WebSocketHandshakeException.class, failure).status());
    }

    @Test
    void shouldFailConnectWhenServerDoesNotConfirmTheSubprotocol() throws Exception
    {
        final Throwable failure = connectFailure(client.connect(uri("/echo"), "wsmux.v1", new Recorder()));

        final WebSocketHandshakeException handshake = assertInstanceOf(WebSocketHandshakeException.class, failure);
        assertEquals(101, handshake.status());
        assertTrue(failure.getMessage().contains("did not agree to subprotocol wsmux.v1"), failure.getMessage());
    }

    @Test
    void shouldRejectUrisItCannotServe()
    {
        final Throwable failure = connectFailure(
            client.connect(URI.create("http://127.0.0.1:1/echo"), null, new Recorder()));

        assertInstanceOf(IllegalArgumentException.class, failure);
        assertInstanceOf(IllegalArgumentException.class,
            connectFailure(client.connect(URI.create("wss:///echo"), null, new Recorder())));
    }

    @Test
    void shouldServeTwoHundredConcurrentConnectionsOnOneClientLoop() throws Exception
    {
        final int connections = 200;
        final int messages = 10;
        final List<Recorder> recorders = new ArrayList<>();
        final List<CompletableFuture<WebSocketClientConnection>> futures = new ArrayList<>();
        for (int i = 0; i < connections; i++)
        {
            final Recorder recorder = new Recorder();
            recorders.add(recorder);
            futures.add(client.connect(uri("/echo?n=" + i), null, recorder));
        }
        final List<WebSocketClientConnection> open = new ArrayList<>();
        for (final CompletableFuture<WebSocketClientConnection> future : futures)
        {
            open.add(future.get(WAIT_S, TimeUnit.SECONDS));
        }
        assertEquals(connections, client.openConnections());

        for (int m = 0; m < messages; m++)
        {
            for (int i = 0; i < connections; i++)
            {
                final String message = "c" + i + "-m" + m;
                while (!open.get(i).sendText(message))
                {
                    Thread.yield();
                }
            }
        }
        for (int i = 0; i < connections; i++)
        {
            for (int m = 0; m < messages; m++)
            {
                assertEquals("c" + i + "-m" + m, recorders.get(i).nextText());
            }
        }

        client.close();
        for (final Recorder recorder : recorders)
        {
            assertEquals("1001 ", recorder.closed.get(WAIT_S, TimeUnit.SECONDS));
        }
        assertEquals(0, client.openConnections());
        for (int i = 0; i < connections; i++)
        {
            assertEquals("1001 client closing", serverCloses.poll(WAIT_S, TimeUnit.SECONDS));
        }
        final Throwable failure = connectFailure(client.connect(uri("/echo"), null, new Recorder()));
        assertTrue(failure.getMessage().contains("client closed"), failure.getMessage());
    }

    @Test
    void shouldNotAllocateOnTheClientThreadPerMessage() throws Exception
    {
        final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        if (!(threads instanceof com.sun.management.ThreadMXBean))
        {
            return; // not a HotSpot-like JVM: no per-thread allocation counter
        }
        final com.sun.management.ThreadMXBean allocations = (com.sun.management.ThreadMXBean)threads;
        final AtomicInteger received = new AtomicInteger();
        final CompletableFuture<Long> loopThreadId = new CompletableFuture<>();
        final WebSocketClientConnection connection = connect("/echo", new ClientHandler()
        {
            @Override
            public void onOpen(final WebSocketClientConnection connection)
            {
                loopThreadId.complete(Thread.currentThread().getId());
            }

            @Override
            public void onBinary(
                final WebSocketClientConnection connection,
                final DirectBuffer buffer,
                final int offset,
                final int length)
            {
                received.incrementAndGet();
            }
        });
        final long threadId = loopThreadId.get(WAIT_S, TimeUnit.SECONDS);
        final UnsafeBuffer message = new UnsafeBuffer(new byte[64]);
        final int batch = 20_000;

        long before = 0;
        for (int round = 0; round < 3; round++) // rounds 0 and 1 warm up (pools, scratch, JIT)
        {
            before = allocations.getThreadAllocatedBytes(threadId);
            final int target = received.get() + batch;
            for (int i = 0; i < batch; i++)
            {
                message.putInt(0, i);
                while (!connection.sendBinary(message, 0, message.capacity()))
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

        assertTrue(allocated < batch, "bytes allocated on the client thread for " + batch + " messages each way: " +
            allocated);
    }

    @Test
    void shouldEchoMessagesSentWithTheZeroMaskKey() throws Exception
    {
        final Recorder recorder = new Recorder();
        try (WsmuxClient zeroKey = WsmuxClient.start(new ClientSettings().zeroMaskKey(true)))
        {
            final WebSocketClientConnection connection =
                zeroKey.connect(URI.create("ws://127.0.0.1:" + server.port() + "/echo"), null, recorder)
                    .get(WAIT_S, TimeUnit.SECONDS);
            final byte[] binary = new byte[70_000];
            new Random(7).nextBytes(binary);

            assertTrue(connection.sendText("plain text, key 0"));
            assertTrue(connection.sendBinary(bytes(binary), 0, binary.length));

            assertEquals("plain text, key 0", recorder.nextText());
            assertArrayEquals(binary, recorder.nextBinary());
        }
    }

    @Test
    void shouldRunDutyCycleWorkOnTheClientThreadAndSendFromItDirectly() throws Exception
    {
        // The load generator's open loop paces sends this way: work on the client's own spinning thread.
        final AtomicInteger cycles = new AtomicInteger();
        final List<String> threads = new java.util.concurrent.CopyOnWriteArrayList<>();
        final CompletableFuture<WebSocketClientConnection> target = new CompletableFuture<>();
        final AtomicInteger sent = new AtomicInteger();
        final ClientSettings settings = new ClientSettings()
            .idleMode(io.wsmux.transport.IdleMode.SPIN)
            .dutyCycleWork((nowNs) ->
            {
                if (1 == cycles.incrementAndGet())
                {
                    threads.add(Thread.currentThread().getName());
                }
                final WebSocketClientConnection connection = target.getNow(null);
                if (null != connection && sent.get() < 3 && connection.sendText("tick " + sent.get()))
                {
                    sent.incrementAndGet();
                    return 1;
                }
                return 0;
            });
        final Recorder recorder = new Recorder();
        try (WsmuxClient spinning = WsmuxClient.start(settings))
        {
            final WebSocketClientConnection connection =
                spinning.connect(URI.create("ws://127.0.0.1:" + server.port() + "/echo"), null, recorder)
                    .get(WAIT_S, TimeUnit.SECONDS);
            target.complete(connection);

            for (int i = 0; i < 3; i++)
            {
                assertEquals("tick " + i, recorder.nextText());
            }
            assertTrue(cycles.get() > 3, "cycles=" + cycles.get());
            assertEquals(List.of("wsmux-client-0"), threads);
        }
    }

    @Test
    void shouldNotAllowCloseFromTheClientThread() throws Exception
    {
        final CompletableFuture<Throwable> thrown = new CompletableFuture<>();
        connect("/echo", new Recorder()
        {
            @Override
            public void onText(
                final WebSocketClientConnection connection,
                final DirectBuffer buffer,
                final int offset,
                final int length)
            {
                try
                {
                    client.close();
                    thrown.complete(null);
                }
                catch (final Throwable ex)
                {
                    thrown.complete(ex);
                }
            }
        }).sendText("x");

        assertInstanceOf(IllegalStateException.class, thrown.get(WAIT_S, TimeUnit.SECONDS));
    }
}
