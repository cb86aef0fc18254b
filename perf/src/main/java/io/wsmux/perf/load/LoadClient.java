package io.wsmux.perf.load;

import java.util.concurrent.atomic.AtomicLong;

import io.wsmux.client.ClientSettings;
import io.wsmux.client.WsmuxClient;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * One client I/O loop of a load run and what its thread measures: a latency recorder and message counters, each
 * written by one thread (the loop, or the pacer for {@link #sent} in open-loop runs) and read by the main thread.
 */
final class LoadClient implements AutoCloseable
{
    /** Latencies are recorded in nanoseconds with 1 µs resolution up to 60 s, 3 significant digits. */
    static final long LOWEST_TRACKABLE_NS = 1_000;
    static final long HIGHEST_TRACKABLE_NS = 60_000_000_000L;
    static final int SIGNIFICANT_DIGITS = 3;

    /** The WebSocket client loop, or null for the stats of another kind of loop. */
    final WsmuxClient client;
    /** Messages sent; one writer (the loop in closed-loop runs, the pacer in open-loop ones). */
    final AtomicLong sent = new AtomicLong();
    /** Messages received (echoes, or fan-out deliveries of data); written by the loop. */
    final AtomicLong received = new AtomicLong();
    /** Bytes of the messages counted in {@link #received}, as delivered (inflated); counted with --deflate only. */
    final AtomicLong receivedBytes = new AtomicLong();
    /** Where the loop thread builds a message before sending it. */
    final UnsafeBuffer scratch;

    private final SingleWriterRecorder recorder =
        new SingleWriterRecorder(LOWEST_TRACKABLE_NS, HIGHEST_TRACKABLE_NS, SIGNIFICANT_DIGITS);

    LoadClient(final ClientSettings settings, final int scratchLength)
    {
        this.client = WsmuxClient.start(settings);
        this.scratch = Payloads.template(scratchLength);
    }

    /**
     * Counters and a recorder only, for a loop that is no WebSocket client (an {@link XhrStreamingClient}): its
     * {@link #client} is null.
     *
     * @param scratchLength bytes of the scratch buffer.
     */
    LoadClient(final int scratchLength)
    {
        this.client = null;
        this.scratch = Payloads.template(scratchLength);
    }

    /**
     * Record a latency; on the loop thread only.
     *
     * @param latencyNs from the (intended) send time to now.
     */
    void recordLatency(final long latencyNs)
    {
        recorder.recordValue(trackable(latencyNs));
    }

    /**
     * @param latencyNs a latency.
     * @return it within what the recorders track: 0 .. {@link #HIGHEST_TRACKABLE_NS}.
     */
    static long trackable(final long latencyNs)
    {
        return Math.min(Math.max(latencyNs, 0), HIGHEST_TRACKABLE_NS);
    }

    /**
     * Add what was recorded since the last call to a histogram and start a new interval; any thread.
     *
     * @param into the histogram to add to.
     */
    void drainHistogramInto(final Histogram into)
    {
        into.add(recorder.getIntervalHistogram());
    }

    /**
     * Add one to a counter that only the calling thread writes (a release store, no atomic read-modify-write).
     *
     * @param counter the counter.
     */
    static void increment(final AtomicLong counter)
    {
        counter.lazySet(counter.get() + 1);
    }

    /**
     * Add to a counter that only the calling thread writes (a release store, no atomic read-modify-write).
     *
     * @param counter the counter.
     * @param delta   what to add.
     */
    static void add(final AtomicLong counter, final long delta)
    {
        counter.lazySet(counter.get() + delta);
    }

    /**
     * @return bytes this loop read off its sockets so far, as of its last duty cycle; 0 for a loop that is no
     * WebSocket client.
     */
    long bytesRead()
    {
        return null == client ? 0 : client.bytesRead();
    }

    static Histogram newHistogram()
    {
        return new Histogram(LOWEST_TRACKABLE_NS, HIGHEST_TRACKABLE_NS, SIGNIFICANT_DIGITS);
    }

    @Override
    public void close()
    {
        if (null != client)
        {
            client.close();
        }
    }
}
