package io.wsmux.perf;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.wsmux.Multiplexer;
import io.wsmux.Topic;
import io.wsmux.TopicOptions;
import io.wsmux.WsmuxServer;
import io.wsmux.WsmuxSettings;
import io.wsmux.client.ChannelListener;
import io.wsmux.client.MuxClient;
import io.wsmux.client.MuxClientChannel;
import io.wsmux.client.WsmuxClient;
import io.wsmux.codec.mux.BinaryMuxDescriptor;
import org.HdrHistogram.Histogram;
import org.agrona.DirectBuffer;

/**
 * {@code recovery-latency}: how long one client takes to recover N messages on an idle server (issue 17): a server in
 * this process (one I/O thread) with a topic whose history holds 1,000 publications, and one {@link MuxClient} that
 * re-opens the topic again and again with RECOVER from N publications back, timing from the OPEN to the N-th replayed
 * message. Prints p50/p99/p99.9/max and a RESULT line. Bounded: {@code --rounds} recoveries after {@code --warmup}.
 */
public final class RecoveryLatency
{
    private static final int HISTORY = 1000;
    private static final long WAIT_NS = TimeUnit.SECONDS.toNanos(10);

    private RecoveryLatency()
    {
    }

    /**
     * @param args {@code [--messages N] [--rounds N] [--warmup N] [--payload BYTES]}.
     * @throws Exception on failure.
     */
    public static void main(final String[] args) throws Exception
    {
        int messages = 100;
        int rounds = 2000;
        int warmup = 500;
        int payload = 64;
        for (int i = 0; i < args.length; i++)
        {
            switch (args[i])
            {
                case "--messages" -> messages = positive(args, ++i, HISTORY);
                case "--rounds" -> rounds = positive(args, ++i, 1_000_000);
                case "--warmup" -> warmup = positive(args, ++i, 1_000_000);
                case "--payload" -> payload = positive(args, ++i, 60_000);
                case "--help" ->
                {
                    System.out.println("usage: java -jar perf/target/wsmux-perf.jar recovery-latency [--messages 100]" +
                        " [--rounds 2000] [--warmup 500] [--payload 64]");
                    return;
                }
                default -> throw new IllegalArgumentException(args[i] + " is not an option of recovery-latency: use " +
                    "--messages, --rounds, --warmup, --payload or --help");
            }
        }
        final Histogram histogram = run(messages, rounds, warmup, payload);
        System.out.printf("recovery of %d messages of %d B, one client, idle server, %d rounds: p50 %.1f us, " +
            "p99 %.1f us, p99.9 %.1f us, max %.1f us%n", messages, payload, rounds,
            histogram.getValueAtPercentile(50) / 1000.0, histogram.getValueAtPercentile(99) / 1000.0,
            histogram.getValueAtPercentile(99.9) / 1000.0, histogram.getMaxValue() / 1000.0);
        System.out.println("RESULT scenario=recovery-latency messages=" + messages + " rounds=" + rounds +
            " p50Us=" + histogram.getValueAtPercentile(50) / 1000 + " p99Us=" +
            histogram.getValueAtPercentile(99) / 1000 + " p999Us=" + histogram.getValueAtPercentile(99.9) / 1000 +
            " maxUs=" + histogram.getMaxValue() / 1000);
    }

    /**
     * @return the recovery times, nanoseconds.
     */
    static Histogram run(final int messages, final int rounds, final int warmup, final int payload)
        throws Exception
    {
        final Multiplexer mux = Multiplexer.builder()
            .topic("history", TopicOptions.RELIABLE.withHistory(HISTORY, Duration.ZERO)).build();
        final Histogram histogram = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        try (WsmuxServer server = WsmuxServer.builder(new WsmuxSettings().port(0).ioThreads(1)
            .outboundBudget(16 << 20)).mux("/mux", mux).build().start();
            WsmuxClient client = WsmuxClient.start())
        {
            final Topic topic = mux.topic("history");
            final String text = "p".repeat(payload);
            for (int i = 0; i < HISTORY; i++)
            {
                topic.publish(text);
            }
            final MuxClient connection = MuxClient.connect(client,
                java.net.URI.create("ws://127.0.0.1:" + server.port() + "/mux")).get(10, TimeUnit.SECONDS);
            final Counting counting = new Counting();
            counting.reset(0);
            final MuxClientChannel first = connection.openWithPositions("history", 0, counting);
            await(() -> counting.epoch != 0, "no OPENED");
            final long epoch = counting.epoch;
            final long position = counting.position;
            first.close();
            for (int round = 0; round < warmup + rounds; round++)
            {
                counting.reset(messages);
                final long startNs = System.nanoTime();
                final MuxClientChannel channel = connection.recover("history", 0, epoch, position - messages,
                    counting);
                // Blocking, not spinning: this thread must not take a core from the server's and client's loops.
                if (!counting.all.await(WAIT_NS, TimeUnit.NANOSECONDS))
                {
                    throw new IllegalStateException("round " + round + ": " + counting.texts.get() + " of " +
                        messages + " messages in 10 s (recovery " + counting.recovery + ")");
                }
                final long elapsedNs = counting.lastNs - startNs;
                if (BinaryMuxDescriptor.RECOVERY_RECOVERED != counting.recovery)
                {
                    throw new IllegalStateException("round " + round + ": not recovered (" + counting.recovery + ")");
                }
                if (round >= warmup)
                {
                    histogram.recordValue(Math.min(elapsedNs, histogram.getHighestTrackableValue()));
                }
                channel.close();
            }
            connection.close();
        }
        return histogram;
    }

    private static void await(final java.util.function.BooleanSupplier condition, final String what)
        throws InterruptedException
    {
        final long deadline = System.nanoTime() + WAIT_NS;
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                throw new IllegalStateException(what);
            }
            Thread.sleep(1);
        }
    }

    private static int positive(final String[] args, final int index, final int max)
    {
        if (index >= args.length)
        {
            throw new IllegalArgumentException(args[index - 1] + " needs a number");
        }
        final int value = Integer.parseInt(args[index]);
        if (value < 1 || value > max)
        {
            throw new IllegalArgumentException(args[index - 1] + " must be 1.." + max + ": " + value);
        }
        return value;
    }

    /** Counts a recovering channel's messages (on the client's loop thread). */
    private static final class Counting implements ChannelListener
    {
        final AtomicInteger texts = new AtomicInteger();
        volatile int recovery = -1;
        volatile long epoch;
        volatile long position;
        volatile java.util.concurrent.CountDownLatch all = new java.util.concurrent.CountDownLatch(0);
        volatile long lastNs;

        void reset(final int expected)
        {
            texts.set(0);
            recovery = -1;
            all = new java.util.concurrent.CountDownLatch(expected);
        }

        @Override
        public void onRecovery(final MuxClientChannel channel, final int recovery, final long epoch, final long offset)
        {
            this.recovery = recovery;
            this.epoch = epoch;
            this.position = offset;
        }

        @Override
        public void onText(
            final MuxClientChannel channel, final DirectBuffer buffer, final int offset, final int length)
        {
            texts.incrementAndGet();
            lastNs = System.nanoTime(); // the time of the last one, taken on the client's loop as it arrives
            all.countDown();
        }
    }
}
