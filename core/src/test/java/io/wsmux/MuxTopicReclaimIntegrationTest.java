package io.wsmux;

import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import io.wsmux.codec.Opcode;
import io.wsmux.codec.WireFrames;
import io.wsmux.codec.mux.BinaryMuxDescriptor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Topics created on demand under a prefix are removed after their reclaim delay, and a prefix holds at most its
 * topic limit: raw clients over loopback (text and binary protocol) against a two-loop server.
 */
@Timeout(60)
class MuxTopicReclaimIntegrationTest
{
    private static final int CHURN_PAIRS = 50_000;
    private static final long HEAP_GROWTH_LIMIT = 16L * 1024 * 1024;
    private static final Duration SHORT_DELAY = Duration.ofMillis(200);

    private final List<HostileClient> clients = new ArrayList<>();
    private WsmuxServer server;
    private Multiplexer mux;

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

    private void start(final Multiplexer multiplexer) throws Exception
    {
        mux = multiplexer;
        server = WsmuxServer.builder(new WsmuxSettings().port(0).ioThreads(2)).mux("/mux", mux).build().start();
    }

    private HostileClient client(final String... extraHeaders) throws Exception
    {
        final HostileClient client = HostileClient.connect(server.port());
        clients.add(client);
        return client.upgrade("/mux", extraHeaders);
    }

    @Test
    void shouldReclaimTopicsOfAHostileClientThatSubscribesAndUnsubscribesDistinctNames() throws Exception
    {
        start(Multiplexer.builder()
            .topicPrefix("prices.", TopicOptions.RELIABLE.withReclaimDelay(SHORT_DELAY).withMaxTopics(1_000_000))
            .build());
        final long before = usedHeapAfterGc();

        try (HostileClient client = HostileClient.connect(server.port()))
        {
            client.upgrade("/mux");
            final ByteArrayOutputStream batch = new ByteArrayOutputStream();
            for (int i = 0; i < CHURN_PAIRS; i++)
            {
                batch.write(text("sub,prices." + i));
                batch.write(text("uns,prices." + i));
                if (batch.size() > 64 * 1024)
                {
                    client.write(batch.toByteArray());
                    batch.reset();
                }
            }
            client.write(batch.toByteArray());
            client.sendClose(1000, "");
            assertEquals(Opcode.CLOSE, client.readFrameAnsweringPings().opcode());
        }
        ClientInteropIntegrationTest.awaitNoOpenConnections(server);

        await(() -> mux.topicCount() < 10, 10_000, () -> "topics left: " + mux.topicCount());
        final long growth = usedHeapAfterGc() - before;
        System.out.println("50k sub/uns churn: topicCount=" + mux.topicCount() + " reclaimed=" +
            mux.reclaimedTopics() + " heapGrowthBytes=" + growth);
        assertTrue(mux.reclaimedTopics() >= CHURN_PAIRS - 10, () -> "reclaimed: " + mux.reclaimedTopics());
        assertTrue(growth < HEAP_GROWTH_LIMIT, () -> "heap grew by " + growth + " bytes");
    }

    @Test
    void shouldRefuseNewTopicNamesPastThePrefixLimitWithUnsAndRefused429() throws Exception
    {
        start(Multiplexer.builder()
            .topicPrefix("prices.", TopicOptions.RELIABLE.withMaxTopics(2).withReclaimDelay(Duration.ZERO))
            .topic("news", TopicOptions.RELIABLE)
            .build());
        final HostileClient text = client();
        text.sendText("sub,prices.A");
        text.sendText("sub,prices.B");
        text.sendText("sub,prices.C");
        assertEquals("uns,prices.C", text.readFrameAnsweringPings().text());
        text.sendText("sub,news");
        assertEquals(1, mux.refusedTopics());

        final HostileClient binary = client("Sec-WebSocket-Protocol: " + BinaryMuxDescriptor.SUBPROTOCOL);
        binary.sendBinary(open(7, "prices.D"));
        final HostileClient.Frame refused = binary.readFrameAnsweringPings();
        final ByteBuffer reply = ByteBuffer.wrap(refused.payload());
        assertEquals(BinaryMuxDescriptor.REFUSED, reply.get(0));
        assertEquals(7, reply.getInt(1));
        assertEquals(BinaryMuxDescriptor.CODE_TOO_MANY_TOPICS, reply.getShort(5) & 0xFFFF);
        assertEquals(2, mux.refusedTopics());

        binary.sendBinary(open(8, "prices.A")); // an existing name stays open to everyone
        assertEquals(BinaryMuxDescriptor.OPENED, binary.readFrameAnsweringPings().payload()[0]);
        final IllegalStateException error = assertThrows(IllegalStateException.class, () -> mux.topic("prices.E"));
        assertTrue(error.getMessage().contains("prices."), error.getMessage());
        await(() -> 3 == mux.topicCount(), 5_000, () -> "topics: " + mux.topicCount());
    }

    @Test
    void shouldKeepLastValueDuringTheDelayAndDropItWithTheTopic() throws Exception
    {
        start(Multiplexer.builder()
            .topicPrefix("prices.", TopicOptions.LATEST.withReclaimDelay(Duration.ofMillis(1500)))
            .build());
        final HostileClient first = client();
        first.sendText("sub,prices.EURUSD");
        await(() -> 1 == mux.topic("prices.EURUSD").subscriberCount(), 5_000, () -> "no subscriber");
        mux.topic("prices.EURUSD").publish("1.0841");
        assertEquals("msg,prices.EURUSD,1.0841", first.readFrameAnsweringPings().text());
        first.sendText("uns,prices.EURUSD");
        await(() -> 0 == mux.topic("prices.EURUSD").subscriberCount(), 5_000, () -> "still subscribed");

        final HostileClient late = client();
        late.sendText("sub,prices.EURUSD");
        assertEquals("msg,prices.EURUSD,1.0841", late.readFrameAnsweringPings().text());
        late.sendText("uns,prices.EURUSD");

        await(() -> 1 == mux.reclaimedTopics(), 10_000, () -> "not reclaimed: " + mux.topicCount());
        assertEquals(0, mux.topicCount());
        final HostileClient afterReclaim = client();
        afterReclaim.sendText("sub,prices.EURUSD");
        await(() -> 1 == mux.topic("prices.EURUSD").subscriberCount(), 5_000, () -> "no subscriber");
        mux.topic("prices.EURUSD").publish("1.0850");
        assertEquals("msg,prices.EURUSD,1.0850", afterReclaim.readFrameAnsweringPings().text());
    }

    @Test
    void shouldPublishThroughAStaleTopicReferenceAfterReclaim() throws Exception
    {
        start(Multiplexer.builder().topicPrefix("prices.", TopicOptions.RELIABLE.withReclaimDelay(SHORT_DELAY))
            .build());
        final Topic stale = mux.topic("prices.GBPUSD");
        await(() -> 1 == mux.reclaimedTopics(), 10_000, () -> "not reclaimed");
        assertTrue(stale.isReclaimed());

        final HostileClient client = client();
        client.sendText("sub,prices.GBPUSD");
        await(() -> 1 == mux.topic("prices.GBPUSD").subscriberCount(), 5_000, () -> "no subscriber");
        assertNotSame(stale, mux.topic("prices.GBPUSD"));
        assertTrue(stale.publish("1.2650"));
        assertEquals("msg,prices.GBPUSD,1.2650", client.readFrameAnsweringPings().text());
    }

    @Test
    void shouldNeverLeaveASubscriberOnAReclaimedTopicWhenSubscribesRaceTheReclaimer() throws Exception
    {
        // A 1 ms delay: every sweep (each timer tick, ~17 ms) reclaims the topic if it is idle, while four clients
        // on both loops keep subscribing to it. Each round every client must get the round's publication.
        start(Multiplexer.builder().topicPrefix("prices.", TopicOptions.RELIABLE.withReclaimDelay(Duration.ofMillis(1)))
            .build());
        final List<HostileClient> subscribers = new ArrayList<>();
        for (int i = 0; i < 4; i++)
        {
            subscribers.add(client());
        }
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(8);
        int rounds = 0;
        while (rounds < 300 && System.nanoTime() - deadlineNs < 0)
        {
            for (final HostileClient subscriber : subscribers)
            {
                subscriber.sendText("sub,prices.R");
            }
            await(() -> subscribers.size() == mux.topic("prices.R").subscriberCount(), 5_000,
                () -> "a subscriber is not on the live topic");
            final String message = "round-" + rounds;
            mux.topic("prices.R").publish(message);
            for (final HostileClient subscriber : subscribers)
            {
                assertEquals("msg,prices.R," + message, subscriber.readFrameAnsweringPings().text());
                subscriber.sendText("uns,prices.R");
            }
            Thread.sleep(ThreadLocalRandom.current().nextInt(30));
            rounds++;
        }
        System.out.println("reclaim race: rounds=" + rounds + " reclaimed=" + mux.reclaimedTopics());
        assertTrue(mux.reclaimedTopics() > 0, "the reclaimer never ran");
    }

    @Test
    void shouldKeepAHeldTopicMappedWhileTheReclaimerSweeps() throws Exception
    {
        // The CAS race itself: threads take and drop holds as subscribing loops do, against loop 0's sweeps.
        start(Multiplexer.builder().topicPrefix("prices.", TopicOptions.RELIABLE.withReclaimDelay(Duration.ofMillis(1)))
            .build());
        final Multiplexer.Target target = mux.resolve("prices.H");
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        final List<Thread> threads = new ArrayList<>();
        final List<Throwable> failures = new CopyOnWriteArrayList<>();
        for (int t = 0; t < 2; t++)
        {
            final Thread thread = new Thread(() ->
            {
                try
                {
                    for (int i = 0; i < 200_000 && System.nanoTime() - deadlineNs < 0; i++)
                    {
                        final Topic held = mux.acquireTopic("prices.H", target);
                        assertSame(held, mux.topic("prices.H"), "a held topic left the map");
                        if (0 == (i & 1023))
                        {
                            Thread.sleep(20); // let it go idle for a sweep now and then (not while held)
                        }
                        assertTrue(!held.isReclaimed(), "a held topic was reclaimed");
                        held.release();
                        if (0 == (i & 511))
                        {
                            Thread.sleep(20);
                        }
                    }
                }
                catch (final Throwable ex)
                {
                    failures.add(ex);
                }
            });
            threads.add(thread);
            thread.start();
        }
        for (final Thread thread : threads)
        {
            thread.join();
        }
        assertTrue(failures.isEmpty(), () -> "failures: " + failures);
        System.out.println("hold race: reclaimed=" + mux.reclaimedTopics());
        assertTrue(mux.reclaimedTopics() > 0, "the reclaimer never ran");
    }

    private static byte[] text(final String message)
    {
        return WireFrames.masked(0x80 | Opcode.TEXT, message.getBytes(StandardCharsets.US_ASCII));
    }

    private static byte[] open(final int channelId, final String name)
    {
        final byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(BinaryMuxDescriptor.NAME_OFFSET + bytes.length)
            .put(BinaryMuxDescriptor.OPEN).putInt(channelId).putShort((short)bytes.length).put(bytes).array();
    }

    private static void await(
        final BooleanSupplier condition, final long timeoutMs, final Supplier<String> message)
        throws InterruptedException
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadlineNs > 0)
            {
                throw new AssertionError(message.get());
            }
            Thread.sleep(2);
        }
    }

    /**
     * @return heap used after a full collection, the least of a few tries (a collection may run concurrently).
     */
    static long usedHeapAfterGc() throws InterruptedException
    {
        final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long least = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++)
        {
            System.gc();
            Thread.sleep(50);
            least = Math.min(least, memory.getHeapMemoryUsage().getUsed());
        }
        return least;
    }
}
