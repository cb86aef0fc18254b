package io.wsmux.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProtocolException;
import java.net.URI;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

import io.wsmux.Connection;
import io.wsmux.CutProxy;
import io.wsmux.EchoHandler;
import io.wsmux.Multiplexer;
import io.wsmux.Topic;
import io.wsmux.TopicOptions;
import io.wsmux.WebSocketHandler;
import io.wsmux.WsmuxServer;
import io.wsmux.WsmuxSettings;
import io.wsmux.codec.mux.BinaryMuxDescriptor;
import io.wsmux.status.SystemCounter;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link ReconnectingMuxClient} against a real server over real sockets: through a {@link CutProxy} that cuts the
 * connection at random while numbered messages are published (every one arrives exactly once, in order, offsets
 * continuous); an outage longer than a topic's history (NOT_RECOVERED, then the last value, never part of a
 * replay); a server restarted on the same port (a new epoch: NOT_RECOVERED); the back-off while the server is away;
 * sends queued while away, up to the limit; no reconnect after the application's close or a 1002. A fake
 * {@code wsmux.v1} endpoint ({@code /fake}) closes with 1002, sends a malformed message, or sends a GAP, on demand.
 */
@Timeout(60)
class ReconnectingMuxClientIntegrationTest
{
    private static final long WAIT_MS = 10_000;
    /** Quick attempts for tests: 5 ms doubling to 50 ms, equal jitter. */
    private static final ReconnectPolicy FAST =
        new ReconnectPolicy(Duration.ofMillis(5), Duration.ofMillis(50), 2, 0.5, Duration.ofSeconds(5));
    /** The epoch the fake endpoint gives its topic. */
    private static final long FAKE_EPOCH = 0x1234_5678_9ABC_DEF0L;

    private final ConcurrentLinkedQueue<Throwable> clientErrors = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Throwable> serverErrors = new ConcurrentLinkedQueue<>();
    private final FakeMuxServer fake = new FakeMuxServer();
    private final MuxEvents muxEvents = new MuxEvents();
    private Multiplexer mux;
    private WsmuxServer server;
    private WsmuxClient client;
    private CutProxy proxy;
    private ReconnectingMuxClient reconnecting;

    @BeforeEach
    void setUp() throws IOException
    {
        startServer(0);
        client = WsmuxClient.start(new ClientSettings().errorHandler(clientErrors::add));
    }

    @AfterEach
    void tearDown()
    {
        if (null != reconnecting)
        {
            reconnecting.close();
        }
        if (null != proxy)
        {
            proxy.close();
        }
        client.close();
        server.close();
        assertEquals(List.of(), new ArrayList<>(clientErrors), "errors on the client loop");
        assertEquals(List.of(), new ArrayList<>(serverErrors), "errors on the server");
    }

    private void startServer(final int port) throws IOException
    {
        mux = Multiplexer.builder()
            .service("echo", new EchoHandler())
            .topicPrefix("h.", TopicOptions.RELIABLE.withHistory(100_000, Duration.ZERO))
            .topicPrefix("short.", TopicOptions.RELIABLE.withHistory(5, Duration.ZERO))
            .topicPrefix("lv.", TopicOptions.LATEST.withHistory(5, Duration.ZERO))
            .build();
        server = WsmuxServer.builder(new WsmuxSettings().port(port).ioThreads(1))
            .mux("/mux", mux)
            .endpoint("/fake", fake, null, MuxClient.SUBPROTOCOL)
            .errorHandler(serverErrors::add)
            .build()
            .start();
    }

    private CutProxy startProxy() throws IOException
    {
        proxy = CutProxy.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.port()));
        return proxy;
    }

    private static URI uri(final int port, final String path)
    {
        return URI.create("ws://127.0.0.1:" + port + path);
    }

    @Test
    @Timeout(120)
    void shouldDeliverEveryPublicationExactlyOnceAndInOrderThroughTwentyRandomCuts() throws Exception
    {
        startProxy();
        reconnecting = ReconnectingMuxClient.connect(client, uri(proxy.port(), "/mux"), FAST, muxEvents);
        final SequenceChecker checker = new SequenceChecker();
        final ReconnectingChannel channel = reconnecting.channel("h.cuts", 0, true, checker);
        checker.awaitOpens(1);

        final Topic topic = mux.topic("h.cuts");
        final AtomicBoolean publishing = new AtomicBoolean(true);
        final AtomicLong published = new AtomicLong();
        final AtomicInteger refused = new AtomicInteger();
        final Thread publisher = new Thread(() ->
        {
            long n = 0;
            while (publishing.get())
            {
                n++;
                if (!topic.publish("m" + n))
                {
                    refused.incrementAndGet();
                }
                published.set(n);
                if (0 == (n & 3))
                {
                    sleepQuietly(1); // some thousands a second: many in flight at each cut, on 2 shared cores
                }
            }
        }, "test-publisher");
        publisher.start();
        final long seed = System.nanoTime();
        System.out.println("ReconnectingMuxClientIntegrationTest cuts: seed=" + seed);
        final int connectionsCut;
        try
        {
            connectionsCut = proxy.cutRandomly(new Random(seed), Duration.ofMillis(80), Duration.ofMillis(200), 30)
                .get(60, TimeUnit.SECONDS);
        }
        finally
        {
            publishing.set(false);
            publisher.join(WAIT_MS);
        }
        final long total = published.get();
        assertEquals(0, refused.get(), "publications the server could not queue");

        checker.awaitLast(total);
        assertEquals(List.of(), checker.violations(), "seed=" + seed);
        assertEquals(total, channel.position());
        assertTrue(connectionsCut >= 20, "only " + connectionsCut + " connections cut, seed=" + seed);
        final int reconnects = muxEvents.reconnected.get();
        System.out.println("ReconnectingMuxClientIntegrationTest cuts: " + total + " publications, " + connectionsCut +
            " connections cut, " + reconnects + " reconnects, seed=" + seed);
        assertTrue(reconnects >= 20, "only " + reconnects + " reconnects, seed=" + seed);
        final List<Recovery> recoveries = checker.recoveries;
        assertEquals(1 + reconnects, recoveries.size(), "one recovery per open: " + recoveries);
        assertEquals(Recovery.Status.FRESH, recoveries.get(0).status());
        for (final Recovery recovery : recoveries.subList(1, recoveries.size()))
        {
            assertEquals(Recovery.Status.RECOVERED, recovery.status(), recoveries.toString());
            assertEquals(Recovery.Cause.RECONNECT, recovery.cause());
            assertEquals(recoveries.get(0).epoch(), recovery.epoch());
        }
        assertTrue(server.counter(SystemCounter.RECOVERIES) >= reconnects);
    }

    @Test
    void shouldQueueSendsWhileAwayUpToTheLimitAndReopenEveryChannelAsTheSameObject() throws Exception
    {
        startProxy();
        reconnecting = ReconnectingMuxClient.connect(client, uri(proxy.port(), "/mux"), FAST, 2, muxEvents);
        final Recorder echo = new Recorder();
        final ReconnectingChannel channel = reconnecting.channel("echo", 0, false, echo);
        assertTrue(channel.sendText("early"), "queued until the channel opens");
        assertEquals("opened", echo.next());
        assertEquals("text early", echo.next());
        assertEquals("open", muxEvents.await((event) -> event.startsWith("open")));
        assertTrue(channel.isOpen());
        assertTrue(channel.id() > 0);

        proxy.pause();
        proxy.cutAll();
        assertEquals("reconnecting 1 1006", muxEvents.await((event) -> event.startsWith("reconnecting")));
        assertFalse(channel.isOpen());
        assertEquals(0, channel.id());
        assertTrue(channel.sendText("b"));
        assertTrue(channel.sendText("c"));
        assertFalse(channel.sendText("d"), "beyond the queue limit (2): refused");
        assertEquals(2, channel.queued());

        proxy.resume();
        assertTrue(muxEvents.await((event) -> event.startsWith("reconnected")).startsWith("reconnected "));
        assertEquals("opened", echo.next(), "the same channel object, opened again");
        assertEquals("text b", echo.next());
        assertEquals("text c", echo.next());
        assertNull(echo.poll(100));
        assertEquals(0, channel.queued());
        assertTrue(channel.sendText("live"));
        assertEquals("text live", echo.next());

        channel.close();
        assertEquals("closed 0 closed by client", echo.next());
        assertFalse(channel.sendText("after close"));
        assertTrue(channel.isClosed());
    }

    @Test
    void shouldReportNotRecoveredThenTheLastValueWhenTheOutageOutlastsTheHistory() throws Exception
    {
        startProxy();
        reconnecting = ReconnectingMuxClient.connect(client, uri(proxy.port(), "/mux"), FAST, muxEvents);
        final Recorder reliable = new Recorder();
        final Recorder latest = new Recorder();
        final ReconnectingChannel reliableChannel = reconnecting.channel("short.A", 0, true, reliable);
        reconnecting.channel("lv.A", 0, true, latest);
        assertEquals("recovery FRESH OPEN missed=-1 offset=0", reliable.next());
        assertEquals("opened", reliable.next());
        assertEquals("recovery FRESH OPEN missed=-1 offset=0", latest.next());
        assertEquals("opened", latest.next());

        publish("short.A", 1, 3);
        publish("lv.A", 1, 3);
        assertEquals("text m1 @1", reliable.next());
        assertEquals("text m2 @2", reliable.next());
        assertEquals("text m3 @3", reliable.next());
        latest.await("text m3 @3"); // conflated: earlier ones may be skipped
        final long epoch = reliableChannel.epoch();

        proxy.pause();
        proxy.cutAll();
        muxEvents.await((event) -> event.startsWith("reconnecting"));
        publish("short.A", 4, 20); // the history keeps 16..20: 4..15 are gone
        publish("lv.A", 4, 20);
        proxy.resume();

        assertEquals("recovery NOT_RECOVERED RECONNECT missed=-1 offset=20", reliable.next());
        assertEquals("opened", reliable.next());
        assertEquals(epoch, reliableChannel.epoch(), "the same epoch: the history moved on");
        assertEquals(20, reliableChannel.position());
        assertEquals("recovery NOT_RECOVERED RECONNECT missed=-1 offset=20", latest.next());
        assertEquals("opened", latest.next());
        assertEquals("text m20 @20", latest.next(), "the last value, tagged");

        publish("short.A", 21, 21);
        publish("lv.A", 21, 21);
        assertEquals("text m21 @21", reliable.next(), "nothing replayed: no part of 4..20");
        assertEquals("text m21 @21", latest.next());
        assertTrue(server.counter(SystemCounter.RECOVERIES_FAILED) >= 2);
    }

    @Test
    void shouldReconnectToAServerRestartedOnTheSamePortAndReportNotRecoveredInItsNewEpoch() throws Exception
    {
        final int port = server.port();
        reconnecting = ReconnectingMuxClient.connect(client, uri(port, "/mux"), FAST, muxEvents);
        final Recorder recorder = new Recorder();
        final ReconnectingChannel channel = reconnecting.channel("h.R", 0, true, recorder);
        assertEquals("recovery FRESH OPEN missed=-1 offset=0", recorder.next());
        assertEquals("opened", recorder.next());
        publish("h.R", 1, 3);
        assertEquals("text m1 @1", recorder.next());
        assertEquals("text m2 @2", recorder.next());
        assertEquals("text m3 @3", recorder.next());
        final long epoch = channel.epoch();

        server.close();
        assertTrue(muxEvents.await((event) -> event.startsWith("reconnecting 1 ")).startsWith("reconnecting 1 "));
        startServer(port);

        assertEquals("recovery NOT_RECOVERED RECONNECT missed=-1 offset=0", recorder.next());
        assertNotEquals(epoch, channel.epoch(), "a new server, a new epoch");
        assertEquals("opened", recorder.next());
        assertTrue(muxEvents.await((event) -> event.startsWith("reconnected")).startsWith("reconnected "));
        publish("h.R", 1, 1);
        assertEquals("text m1 @1", recorder.next());
    }

    @Test
    void shouldWaitLongerBeforeEachAttemptUpToTheCapWhileTheServerIsAway() throws Exception
    {
        startProxy();
        proxy.pause(); // each connection is accepted and reset: the handshake fails
        final ReconnectPolicy policy =
            new ReconnectPolicy(Duration.ofMillis(10), Duration.ofMillis(80), 2, 0.5, Duration.ofSeconds(5));
        reconnecting = ReconnectingMuxClient.connect(client, uri(proxy.port(), "/mux"), policy, muxEvents);
        for (int attempt = 1; attempt <= 7; attempt++)
        {
            assertEquals("reconnecting " + attempt + " 1006",
                muxEvents.await((event) -> event.startsWith("reconnecting")));
            final long delayMs = muxEvents.delaysMs.get(attempt - 1);
            final long baseMs = Math.min(80, 10L << (attempt - 1));
            assertTrue(delayMs >= baseMs / 2 - 1 && delayMs <= baseMs,
                "attempt " + attempt + ": " + delayMs + " ms, base " + baseMs + " ms");
        }
        proxy.resume();
        assertEquals("open", muxEvents.await((event) -> event.startsWith("open")), "the first open is not a reconnect");
        assertTrue(muxEvents.failures.size() >= 7, "each failed attempt is reported");
    }

    @Test
    void shouldNotReconnectAfterTheApplicationCloses() throws Exception
    {
        startProxy();
        reconnecting = ReconnectingMuxClient.connect(client, uri(proxy.port(), "/mux"), FAST, muxEvents);
        final Recorder echo = new Recorder();
        final ReconnectingChannel channel = reconnecting.channel("echo", 0, false, echo);
        assertEquals("opened", echo.next());

        reconnecting.close();
        assertTrue(muxEvents.await((event) -> event.startsWith("close")).startsWith("close 1000"));
        assertTrue(echo.next().startsWith("closed 1000"), "the channel closes with the WebSocket");
        assertTrue(reconnecting.isClosed());
        assertTrue(channel.isClosed());
        Thread.sleep(300); // six times the longest wait
        assertEquals(1, proxy.accepted(), "no other connection");
        assertEquals(List.of(), muxEvents.others("reconnect"));
        assertThrows(IllegalStateException.class, () -> reconnecting.channel("echo", 0, false, new Recorder()));
    }

    @Test
    void shouldStopAtOnceWhenClosedWhileWaitingToReconnect() throws Exception
    {
        startProxy();
        final ReconnectPolicy slow =
            new ReconnectPolicy(Duration.ofMillis(300), Duration.ofMillis(300), 2, 0, Duration.ofSeconds(5));
        reconnecting = ReconnectingMuxClient.connect(client, uri(proxy.port(), "/mux"), slow, muxEvents);
        final Recorder echo = new Recorder();
        reconnecting.channel("echo", 0, false, echo);
        assertEquals("opened", echo.next());
        proxy.cutAll();
        assertEquals("reconnecting 1 1006", muxEvents.await((event) -> event.startsWith("reconnecting")));

        reconnecting.close();
        assertEquals("close 1000 ", muxEvents.await((event) -> event.startsWith("close")));
        assertEquals("closed 1000 ", echo.next());
        Thread.sleep(600);
        assertEquals(1, proxy.accepted(), "the attempt that was waiting never ran");
    }

    @Test
    void shouldFinishWhenTheWsmuxClientClosesWhileWaitingToReconnect() throws Exception
    {
        startProxy();
        final ReconnectPolicy long30s =
            new ReconnectPolicy(Duration.ofSeconds(30), Duration.ofSeconds(30), 2, 0, Duration.ofSeconds(5));
        reconnecting = ReconnectingMuxClient.connect(client, uri(proxy.port(), "/mux"), long30s, muxEvents);
        final Recorder echo = new Recorder();
        reconnecting.channel("echo", 0, false, echo);
        assertEquals("opened", echo.next());
        proxy.cutAll();
        assertEquals("reconnecting 1 1006", muxEvents.await((event) -> event.startsWith("reconnecting")));

        client.close(); // the 30 s wait never ends: the client's close ends it
        assertEquals("close 1001 client closed", muxEvents.await((event) -> event.startsWith("close")));
        assertEquals("closed 1001 client closed", echo.next());
        assertTrue(reconnecting.isClosed());
    }

    @Test
    void shouldNotReconnectAfterTheServerClosesWith1002() throws Exception
    {
        reconnecting = ReconnectingMuxClient.connect(client, uri(server.port(), "/fake"), FAST, muxEvents);
        assertEquals("open", muxEvents.await((event) -> event.startsWith("open")));
        final Recorder recorder = new Recorder();
        reconnecting.channel("bye", 0, false, recorder); // the fake closes the WebSocket with 1002

        assertEquals("close 1002 protocol error", muxEvents.await((event) -> event.startsWith("close")));
        assertEquals("refused 1002 protocol error", recorder.next(), "it never opened");
        Thread.sleep(300);
        assertEquals(1, fake.connections.get());
        assertEquals(List.of(), muxEvents.others("reconnect"));
    }

    @Test
    void shouldNotReconnectAfterClosingWith1002ForAMalformedServerMessage() throws Exception
    {
        reconnecting = ReconnectingMuxClient.connect(client, uri(server.port(), "/fake"), FAST, muxEvents);
        assertEquals("open", muxEvents.await((event) -> event.startsWith("open")));
        reconnecting.channel("truncated", 0, false, new Recorder()); // answered with a 3-byte OPENED

        assertTrue(muxEvents.await((event) -> event.startsWith("close")).startsWith("close 1002 "));
        final Throwable failure = muxEvents.failures.poll(WAIT_MS, TimeUnit.MILLISECONDS);
        assertInstanceOf(ProtocolException.class, failure);
        Thread.sleep(300);
        assertEquals(1, fake.connections.get());
        assertEquals(List.of(), muxEvents.others("reconnect"));
    }

    @Test
    void shouldReopenWithRecoverFromTheLastOffsetAfterAGap() throws Exception
    {
        reconnecting = ReconnectingMuxClient.connect(client, uri(server.port(), "/fake"), FAST, muxEvents);
        final Recorder recorder = new Recorder();
        final ReconnectingChannel channel = reconnecting.channel("gap.A", 0, true, recorder);

        assertEquals("recovery FRESH OPEN missed=-1 offset=5", recorder.next());
        assertEquals("opened", recorder.next());
        assertEquals("text m6 @6", recorder.next());
        assertEquals("text m7 @7", recorder.next());
        assertEquals("gap 507", recorder.next());
        assertEquals("recovery RECOVERED GAP missed=2 offset=9", recorder.next());
        assertEquals("opened", recorder.next());
        assertEquals("text m8 @8", recorder.next());
        assertEquals("text m9 @9", recorder.next());
        assertEquals(FAKE_EPOCH, channel.epoch());

        assertEquals("OPEN 1 gap.A flags=1", fake.next());
        assertEquals("CLOSE 1", fake.next(), "the old subscription closes before the new one opens");
        assertEquals("OPEN 1 gap.A flags=3 epoch=" + FAKE_EPOCH + " offset=7", fake.next());
        assertEquals(List.of(), muxEvents.others("reconnect"), "a GAP re-opens the channel, not the WebSocket");
    }

    @Test
    void shouldRecoverFromAPositionSavedEarlier() throws Exception
    {
        reconnecting = ReconnectingMuxClient.connect(client, uri(server.port(), "/mux"), FAST, muxEvents);
        final Recorder first = new Recorder();
        final ReconnectingChannel channel = reconnecting.channel("h.S", 0, true, first);
        assertEquals("recovery FRESH OPEN missed=-1 offset=0", first.next());
        publish("h.S", 1, 2);
        first.await("text m2 @2");
        final long epoch = channel.epoch();
        final long position = channel.position();
        channel.close();
        publish("h.S", 3, 5);

        final Recorder resumed = new Recorder();
        final ReconnectingChannel again = reconnecting.recover("h.S", 0, epoch, position, resumed);
        assertEquals("recovery RECOVERED OPEN missed=3 offset=5", resumed.next());
        assertEquals("opened", resumed.next());
        assertEquals("text m3 @3", resumed.next());
        assertEquals("text m4 @4", resumed.next());
        assertEquals("text m5 @5", resumed.next());
        assertSame(Recovery.Status.RECOVERED, again.recovery().status());
    }

    private void publish(final String topic, final int from, final int to)
    {
        for (int i = from; i <= to; i++)
        {
            assertTrue(mux.topic(topic).publish("m" + i));
        }
    }

    private static void sleepQuietly(final long ms)
    {
        try
        {
            Thread.sleep(ms);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    /** A channel's events as lines: opened, recovery S C missed=M offset=O, text T [@offset], gap, closed, refused. */
    static class Recorder implements ReconnectingChannelListener
    {
        final BlockingQueue<String> events = new LinkedBlockingQueue<>();

        @Override
        public void onOpened(final ReconnectingChannel channel)
        {
            events.add("opened");
        }

        @Override
        public void onRecovery(final ReconnectingChannel channel, final Recovery recovery)
        {
            events.add("recovery " + recovery.status() + " " + recovery.cause() + " missed=" + recovery.missed() +
                " offset=" + recovery.offset());
        }

        @Override
        public void onText(
            final ReconnectingChannel channel, final DirectBuffer buffer, final int offset, final int length)
        {
            events.add("text " + buffer.getStringWithoutLengthUtf8(offset, length) +
                (channel.hasPosition() ? " @" + channel.position() : ""));
        }

        @Override
        public void onGap(final ReconnectingChannel channel, final int code, final String reason)
        {
            events.add("gap " + code);
        }

        @Override
        public void onClosed(final ReconnectingChannel channel, final int code, final String reason)
        {
            events.add("closed " + code + " " + reason);
        }

        @Override
        public void onRefused(final ReconnectingChannel channel, final int code, final String reason)
        {
            events.add("refused " + code + " " + reason);
        }

        String next() throws InterruptedException
        {
            final String event = events.poll(WAIT_MS, TimeUnit.MILLISECONDS);
            assertNotNull(event, "no channel event within " + WAIT_MS + " ms");
            return event;
        }

        String poll(final long ms) throws InterruptedException
        {
            return events.poll(ms, TimeUnit.MILLISECONDS);
        }

        void await(final String expected) throws InterruptedException
        {
            final List<String> skipped = new ArrayList<>();
            final long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
            while (System.nanoTime() - deadlineNs < 0)
            {
                final String event = events.poll(10, TimeUnit.MILLISECONDS);
                if (expected.equals(event))
                {
                    return;
                }
                if (null != event)
                {
                    skipped.add(event);
                }
            }
            throw new AssertionError("no " + expected + " within " + WAIT_MS + " ms; saw " + skipped);
        }
    }

    /** Checks that the messages m1, m2, ... arrive each once, in order, each at its own offset. */
    static final class SequenceChecker implements ReconnectingChannelListener
    {
        final List<Recovery> recoveries = new CopyOnWriteArrayList<>();
        private final List<String> violations = Collections.synchronizedList(new ArrayList<>());
        private final AtomicInteger opens = new AtomicInteger();
        private volatile long last;

        @Override
        public void onOpened(final ReconnectingChannel channel)
        {
            opens.incrementAndGet();
        }

        @Override
        public void onRecovery(final ReconnectingChannel channel, final Recovery recovery)
        {
            recoveries.add(recovery);
            if (Recovery.Status.RECOVERED == recovery.status() && recovery.missed() != recovery.offset() - last)
            {
                violation("recovered " + recovery + " after m" + last);
            }
        }

        @Override
        public void onText(
            final ReconnectingChannel channel, final DirectBuffer buffer, final int offset, final int length)
        {
            final long n = Long.parseLong(buffer.getStringWithoutLengthUtf8(offset + 1, length - 1));
            if (n != last + 1)
            {
                violation("after m" + last + " came m" + n);
            }
            if (channel.position() != n)
            {
                violation("m" + n + " at offset " + channel.position());
            }
            last = n;
        }

        private void violation(final String what)
        {
            if (violations.size() < 20)
            {
                violations.add(what);
            }
        }

        List<String> violations()
        {
            return new ArrayList<>(violations);
        }

        void awaitOpens(final int count) throws InterruptedException
        {
            final long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
            while (opens.get() < count)
            {
                assertTrue(System.nanoTime() - deadlineNs < 0, "opened " + opens.get() + " times, not " + count);
                Thread.sleep(5);
            }
        }

        void awaitLast(final long total) throws InterruptedException
        {
            final long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(3 * WAIT_MS);
            while (last < total && violations.isEmpty())
            {
                assertTrue(System.nanoTime() - deadlineNs < 0, "got up to m" + last + " of m" + total +
                    "; violations " + violations());
                Thread.sleep(5);
            }
        }
    }

    /** Connection-level events as lines: open, reconnecting A C, reconnected A, close C R. */
    static final class MuxEvents implements MuxListener
    {
        final BlockingQueue<String> events = new LinkedBlockingQueue<>();
        final List<String> all = new CopyOnWriteArrayList<>();
        final List<Long> delaysMs = new CopyOnWriteArrayList<>();
        final BlockingQueue<Throwable> failures = new LinkedBlockingQueue<>();
        final AtomicInteger reconnected = new AtomicInteger();

        @Override
        public void onOpen(final MuxClient mux)
        {
            add("open");
        }

        @Override
        public void onReconnecting(final int attempt, final long delayMs, final int code, final String reason)
        {
            delaysMs.add(delayMs);
            add("reconnecting " + attempt + " " + code);
        }

        @Override
        public void onReconnected(final MuxClient mux, final int attempt)
        {
            reconnected.incrementAndGet();
            add("reconnected " + attempt);
        }

        @Override
        public void onFailure(final MuxClient mux, final Throwable cause)
        {
            failures.add(cause);
        }

        @Override
        public void onClose(final MuxClient mux, final int code, final String reason)
        {
            add("close " + code + " " + reason);
        }

        private void add(final String event)
        {
            all.add(event);
            events.add(event);
        }

        /** The next event that matches, skipping others. */
        String await(final Predicate<String> matching) throws InterruptedException
        {
            final long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
            while (System.nanoTime() - deadlineNs < 0)
            {
                final String event = events.poll(10, TimeUnit.MILLISECONDS);
                if (null != event && matching.test(event))
                {
                    return event;
                }
            }
            throw new AssertionError("no matching connection event within " + WAIT_MS + " ms; saw " + all);
        }

        /** Every event so far that starts with the prefix. */
        List<String> others(final String prefix)
        {
            final List<String> found = new ArrayList<>();
            for (final String event : all)
            {
                if (event.startsWith(prefix))
                {
                    found.add(event);
                }
            }
            return found;
        }
    }

    /**
     * The server side of {@code wsmux.v1}, scripted by channel name: "bye" closes the WebSocket with 1002,
     * "truncated" is answered with a 3-byte OPENED, "gap.A" opens with a position, sends two messages and a GAP, and
     * answers the RECOVER that follows with the two messages after it.
     */
    final class FakeMuxServer implements WebSocketHandler
    {
        final AtomicInteger connections = new AtomicInteger();
        final BlockingQueue<String> received = new LinkedBlockingQueue<>();
        private final ExpandableArrayBuffer reply = new ExpandableArrayBuffer(256);

        @Override
        public void onOpen(final Connection connection)
        {
            connections.incrementAndGet();
        }

        @Override
        public void onBinary(final Connection connection, final DirectBuffer buffer, final int offset, final int length)
        {
            final byte type = buffer.getByte(offset);
            final int id = BinaryMuxDescriptor.channelId(buffer, offset);
            if (BinaryMuxDescriptor.CLOSE == type)
            {
                received.add("CLOSE " + id);
                return;
            }
            if (BinaryMuxDescriptor.OPEN != type)
            {
                return;
            }
            final int nameLength = buffer.getShort(offset + 5, ByteOrder.BIG_ENDIAN) & 0xFFFF;
            final String name = buffer.getStringWithoutLengthUtf8(offset + 7, nameLength);
            final int flagsAt = offset + 7 + nameLength + 4;
            final int flags = length > flagsAt - offset ? buffer.getByte(flagsAt) : 0;
            final boolean recover = 0 != (flags & BinaryMuxDescriptor.OPEN_RECOVER);
            received.add("OPEN " + id + " " + name + " flags=" + flags + (recover ?
                " epoch=" + buffer.getLong(flagsAt + 1, ByteOrder.BIG_ENDIAN) +
                " offset=" + buffer.getLong(flagsAt + 9, ByteOrder.BIG_ENDIAN) : ""));
            switch (name)
            {
                case "bye":
                    connection.close(1002, "protocol error");
                    break;

                case "truncated":
                    reply.putByte(0, BinaryMuxDescriptor.OPENED);
                    reply.putShort(1, (short)0);
                    connection.sendBinary(reply, 0, 3);
                    break;

                case "gap.A":
                    if (recover)
                    {
                        opened(connection, id, BinaryMuxDescriptor.RECOVERY_RECOVERED, 9);
                        textAt(connection, id, 8);
                        textAt(connection, id, 9);
                    }
                    else
                    {
                        opened(connection, id, BinaryMuxDescriptor.RECOVERY_FRESH, 5);
                        textAt(connection, id, 6);
                        textAt(connection, id, 7);
                        final UnsafeBuffer reason =
                            new UnsafeBuffer("dropped".getBytes(StandardCharsets.US_ASCII));
                        connection.sendBinary(reply, 0, BinaryMuxDescriptor.writeCodeAndReason(reply, 0,
                            BinaryMuxDescriptor.GAP, id, BinaryMuxDescriptor.CODE_DROPPED_GAP, reason, 0,
                            reason.capacity()));
                    }
                    break;

                default:
                    final UnsafeBuffer reason = new UnsafeBuffer("unknown".getBytes(StandardCharsets.US_ASCII));
                    connection.sendBinary(reply, 0, BinaryMuxDescriptor.writeCodeAndReason(reply, 0,
                        BinaryMuxDescriptor.REFUSED, id, 404, reason, 0, reason.capacity()));
                    break;
            }
        }

        String next() throws InterruptedException
        {
            final String frame = received.poll(WAIT_MS, TimeUnit.MILLISECONDS);
            assertNotNull(frame, "no frame at the fake server within " + WAIT_MS + " ms");
            return frame;
        }

        private void opened(final Connection connection, final int id, final int recovery, final long position)
        {
            connection.sendBinary(reply, 0,
                BinaryMuxDescriptor.writeOpenedAt(reply, 0, id, recovery, FAKE_EPOCH, position));
        }

        private void textAt(final Connection connection, final int id, final long position)
        {
            final int prefix = BinaryMuxDescriptor.writeAtPrefix(reply, 0, true, id, position);
            final byte[] payload = ("m" + position).getBytes(StandardCharsets.US_ASCII);
            reply.putBytes(prefix, payload);
            connection.sendBinary(reply, 0, prefix + payload.length);
        }
    }
}
