package io.wsmux.perf.topic;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import io.wsmux.Multiplexer;
import io.wsmux.Topic;
import io.wsmux.TopicOptions;
import io.wsmux.WsmuxServer;
import io.wsmux.WsmuxSettings;
import io.wsmux.codec.FrameDescriptor;
import io.wsmux.perf.load.RawUpgrade;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The publish → fan-out path end to end: one operation publishes a 64-byte text message to a topic with N
 * subscribers (text protocol, real loopback sockets, one I/O thread) and waits until every subscriber's socket
 * has received it; with {@code history=true} the topic also keeps its last 64 publications (docs/protocol.md,
 * positions and recovery), so the two rows of a size give what a history costs per publication.
 * <p>
 * Allocation: {@code -prof gc} counts every thread, and the drain thread standing in for the N clients reads
 * through the JDK 17 epoll selector, which boxes each ready file descriptor into an {@code Integer} (16 B per
 * ready socket per select, beyond the small-integer cache). So each iteration also prints what the server's I/O
 * thread and the publishing (JMH) thread allocated per operation, measured with
 * {@code ThreadMXBean.getThreadAllocatedBytes}: that is the server's fan-out path, and it must be 0 B/op.
 */
@Fork(value = 1, jvmArgsAppend = { "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
    "-Dagrona.disable.bounds.checks=true" })
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@State(Scope.Thread)
public class FanOutBenchmark
{
    @Param({ "100", "1000" })
    int subscribers;

    /**
     * With a history: what positions and recovery cost each publication (issue 17). 64 publications, so that the
     * warm-up fills it and the measured operations show the steady state, each publication pushing the oldest out
     * (back to the pool); while a history fills, each publication takes a new pooled buffer.
     */
    @Param({ "false", "true" })
    boolean history;

    private final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(64));
    private final AtomicLong received = new AtomicLong();
    private final List<SocketChannel> channels = new ArrayList<>();
    private WsmuxServer server;
    private Topic topic;
    private Selector selector;
    private Thread drain;
    private volatile boolean running;
    private long frameLength;
    private long expected;
    private long operations;
    private long loopThreadId;
    private long loopAllocatedAtStart;
    private long publisherAllocatedAtStart;
    private long drainAllocatedAtStart;
    private final com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean)java.lang.management.ManagementFactory.getThreadMXBean();

    /**
     * Start the server, connect and subscribe every subscriber, start the drain thread.
     *
     * @throws IOException on failure.
     */
    @Setup(Level.Trial)
    public void setup() throws IOException
    {
        final Multiplexer mux = Multiplexer.builder().topic("bench", history ?
            TopicOptions.RELIABLE.withHistory(64, java.time.Duration.ZERO) : TopicOptions.RELIABLE).build();
        server = WsmuxServer.builder(new WsmuxSettings().port(0).ioThreads(1).outboundBudget(16 << 20))
            .mux("/mux", mux).build().start();
        topic = mux.topic("bench");
        payload.setMemory(0, 64, (byte)'p');
        final int textLength = "msg,bench,".length() + 64;
        frameLength = FrameDescriptor.headerLength(textLength, false) + textLength;

        selector = Selector.open();
        for (int i = 0; i < subscribers; i++)
        {
            final SocketChannel channel = SocketChannel.open(server.address());
            subscribe(channel);
            channel.configureBlocking(false);
            channel.register(selector, SelectionKey.OP_READ);
            channels.add(channel);
        }
        while (topic.subscriberCount() < subscribers)
        {
            Thread.onSpinWait();
        }

        for (final Thread thread : Thread.getAllStackTraces().keySet())
        {
            if (thread.getName().startsWith("wsmux-io-"))
            {
                loopThreadId = thread.getId();
            }
        }

        running = true;
        drain = new Thread(this::drainLoop, "fanout-drain");
        drain.setDaemon(true);
        drain.start();
    }

    private static void subscribe(final SocketChannel channel) throws IOException
    {
        RawUpgrade.upgrade(channel.socket(), "bench", "/mux");
        RawUpgrade.sendText(channel.socket(), "sub,bench");
    }

    private void drainLoop()
    {
        final ByteBuffer buffer = ByteBuffer.allocateDirect(256 * 1024);
        final Consumer<SelectionKey> onReadable = (key) ->
        {
            try
            {
                buffer.clear();
                final int read = ((SocketChannel)key.channel()).read(buffer);
                if (read > 0)
                {
                    received.addAndGet(read);
                }
            }
            catch (final IOException ex)
            {
                key.cancel();
            }
        };
        while (running)
        {
            try
            {
                selector.select(onReadable, 10);
            }
            catch (final IOException ex)
            {
                return;
            }
        }
    }

    /**
     * Start counting per-thread allocation for this iteration.
     */
    @Setup(Level.Iteration)
    public void startCounting()
    {
        operations = 0;
        loopAllocatedAtStart = threads.getThreadAllocatedBytes(loopThreadId);
        publisherAllocatedAtStart = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
        drainAllocatedAtStart = threads.getThreadAllocatedBytes(drain.getId());
    }

    /**
     * Print what the server's I/O thread and the publisher allocated per operation in this iteration.
     */
    @TearDown(Level.Iteration)
    public void reportServerAllocation()
    {
        final long loop = threads.getThreadAllocatedBytes(loopThreadId) - loopAllocatedAtStart;
        final long publisher =
            threads.getThreadAllocatedBytes(Thread.currentThread().getId()) - publisherAllocatedAtStart;
        final long drained = threads.getThreadAllocatedBytes(drain.getId()) - drainAllocatedAtStart;
        final double ops = Math.max(1, operations);
        System.out.printf("%n[fan-out allocation] operations=%d ioThreadBytesPerOp=%.3f publisherBytesPerOp=%.3f " +
            "clientDrainBytesPerOp=%.3f%n", operations, loop / ops, publisher / ops, drained / ops);
    }

    /**
     * Publish one message and wait until all subscribers have it.
     *
     * @return bytes received so far.
     */
    @Benchmark
    public long publishToAllSubscribers()
    {
        expected += frameLength * subscribers;
        operations++;
        topic.publish(payload, 0, 64);
        long now;
        while ((now = received.get()) < expected)
        {
            Thread.onSpinWait();
        }
        return now;
    }

    /**
     * Stop everything.
     *
     * @throws Exception on failure.
     */
    @TearDown(Level.Trial)
    public void tearDown() throws Exception
    {
        running = false;
        drain.join(1000);
        for (final SocketChannel channel : channels)
        {
            channel.close();
        }
        selector.close();
        server.close();
    }
}
