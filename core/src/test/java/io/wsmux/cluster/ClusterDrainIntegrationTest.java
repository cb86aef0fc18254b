package io.wsmux.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.wsmux.Multiplexer;
import io.wsmux.TopicOptions;
import io.wsmux.WsmuxSettings;
import io.wsmux.client.ChannelListener;
import io.wsmux.client.ClientSettings;
import io.wsmux.client.MuxClient;
import io.wsmux.client.MuxClientChannel;
import io.wsmux.client.MuxListener;
import io.wsmux.client.WsmuxClient;
import io.wsmux.codec.mux.BinaryMuxDescriptor;
import org.agrona.DirectBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rolling deploy: node a drains its 2,000 clients (1012, spread over the drain period) while publications go on;
 * each client reconnects to node b and recovers from its last position, so that every client ends with every
 * publication exactly once and in order.
 */
@Timeout(180)
class ClusterDrainIntegrationTest
{
    private static final long WAIT_MS = 60_000;
    private static final int CLIENTS = 2000;
    /** Far more than the run publishes (about 200 a second), so that a slow machine never outruns it. */
    private static final int HISTORY = 20_000;

    @TempDir
    Path directory;

    private NatsServerProcess nats;
    private ClusterNodes nodes;
    private final List<Multiplexer> multiplexers = new ArrayList<>();
    private WsmuxClient client;

    @BeforeEach
    void start() throws Exception
    {
        nats = NatsServerProcess.start(directory);
        nodes = new ClusterNodes(WAIT_MS);
        for (int i = 0; i < 2; i++)
        {
            nodes.start(new WsmuxSettings().ioThreads(2).clusterNatsUrl(nats.url()).clusterNode("node-" + i)
                .drainPeriodNs(TimeUnit.SECONDS.toNanos(2)),
                Multiplexer.builder().topicPrefix("h.", TopicOptions.RELIABLE.withHistory(HISTORY, Duration.ZERO))
                .build());
            multiplexers.add(nodes.mux(i));
        }
        client = WsmuxClient.start(new ClientSettings().maxConnections(3 * CLIENTS));
        nodes.awaitConnected(true);
    }

    @AfterEach
    void stop() throws InterruptedException
    {
        if (null != client)
        {
            client.close();
        }
        nodes.close();
        nats.close();
    }

    @Test
    void shouldMoveEveryClientOfADrainedNodeToTheOtherWithNothingLost() throws Exception
    {
        final ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        final List<Subscriber> subscribers = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++)
        {
            final Subscriber subscriber = new Subscriber(problems);
            subscriber.connect(uri(0), false);
            subscribers.add(subscriber);
        }
        for (final Subscriber subscriber : subscribers)
        {
            await(() -> subscriber.epoch != 0, "a client did not subscribe");
        }

        // Publications go on through the drain, from node b.
        final AtomicBoolean publishing = new AtomicBoolean(true);
        final AtomicInteger published = new AtomicInteger();
        final Thread publisher = new Thread(() ->
        {
            while (publishing.get())
            {
                multiplexers.get(1).topic("h.drain").publish(String.valueOf(published.incrementAndGet()));
                try
                {
                    Thread.sleep(5);
                }
                catch (final InterruptedException ex)
                {
                    return;
                }
            }
        }, "test-publisher");
        publisher.start();
        try
        {
            Thread.sleep(300);
            assertTrue(nodes.server(0).drain(), "node a still had connections after the drain");
            for (final Subscriber subscriber : subscribers)
            {
                await(() -> subscriber.moved, "a client was not moved to node b");
            }
            Thread.sleep(300);
        }
        finally
        {
            publishing.set(false);
            publisher.join(WAIT_MS);
        }

        final int total = published.get();
        for (final Subscriber subscriber : subscribers)
        {
            await(() -> subscriber.last.get() >= total || !problems.isEmpty(), "a client did not get everything");
        }
        assertTrue(problems.isEmpty(), () -> problems.size() + " problems, first: " + problems.peek());
        int recovered = 0;
        for (final Subscriber subscriber : subscribers)
        {
            assertEquals(total, subscriber.last.get());
            recovered += subscriber.recovered ? 1 : 0;
        }
        assertEquals(CLIENTS, recovered, "every client recovered on node b");
    }

    private URI uri(final int node)
    {
        return nodes.uri(node);
    }

    private static void await(final java.util.function.BooleanSupplier condition, final String what)
        throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
        while (!condition.getAsBoolean())
        {
            assertTrue(System.nanoTime() < deadline, what);
            Thread.sleep(2);
        }
    }

    /**
     * One client: follows h.drain with positions; told 1012 by node a, it reconnects to node b and recovers from its
     * last offset. Checks each message's number follows the previous one.
     */
    private final class Subscriber implements ChannelListener, MuxListener
    {
        private final ConcurrentLinkedQueue<String> problems;
        final AtomicInteger last = new AtomicInteger();
        volatile long epoch;
        volatile long offset;
        volatile boolean moved;
        volatile boolean recovered;
        private volatile boolean onB;

        Subscriber(final ConcurrentLinkedQueue<String> problems)
        {
            this.problems = problems;
        }

        void connect(final URI uri, final boolean recover)
        {
            MuxClient.connect(client, uri, this).whenComplete((mux, error) ->
            {
                if (null != error)
                {
                    problems.add("connect: " + error);
                    return;
                }
                if (recover)
                {
                    mux.recover("h.drain", 0, epoch, offset, this);
                }
                else
                {
                    mux.openWithPositions("h.drain", 0, this);
                }
            });
        }

        @Override
        public void onRecovery(
            final MuxClientChannel channel, final int recovery, final long epoch, final long offset)
        {
            if (onB)
            {
                recovered = BinaryMuxDescriptor.RECOVERY_RECOVERED == recovery;
                if (!recovered)
                {
                    problems.add("not recovered: " + recovery + ", epoch " + epoch + " (mine " + this.epoch +
                        "), offset " + offset + " (mine " + this.offset + ", message " + last.get() + ")");
                }
                moved = true;
            }
            else
            {
                this.epoch = epoch;
            }
        }

        @Override
        public void onText(
            final MuxClientChannel channel, final DirectBuffer buffer, final int offset, final int length)
        {
            final int number = Integer.parseInt(buffer.getStringWithoutLengthUtf8(offset, length));
            final int expected = last.get() + 1;
            if (number != expected && 0 != last.get())
            {
                problems.add("got " + number + " after " + last.get());
            }
            last.set(number);
            this.offset = channel.position();
        }

        @Override
        public void onClose(final MuxClient mux, final int code, final String reason)
        {
            if (!onB && 1012 == code)
            {
                onB = true;
                connect(uri(1), true);
            }
        }
    }
}
