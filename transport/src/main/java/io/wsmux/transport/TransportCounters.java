package io.wsmux.transport;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;

/**
 * The counters one {@link IoLoop} keeps: handed in by constructor, allocated by whoever owns the counters file (the
 * core's {@code io.wsmux.status.WsmuxCounters}), so the transport knows nothing of the file, its layout or the
 * settings.
 * <p>
 * The loop counts in plain {@code long} fields on its hot paths and publishes them here with a release store at the
 * end of every duty cycle that did work ({@link IoLoop#doWork}): a reader in another process sees values at most one
 * cycle old, and the hot paths pay a plain increment. The queue overflow counters are the exception: other threads
 * find the queues full, so those two are incremented atomically where that happens (a cold path).
 * <p>
 * Counter {@code i} of {@link #NAMES} is {@link #counter(int)}; the indexes are the constants below.
 */
public final class TransportCounters
{
    /** Gauge: connections this loop owns now, handshaking ones included. */
    public static final int CONNECTIONS_OPEN = 0;
    /** Sockets accepted and registered by this loop (on a client's loop: its outgoing connections). */
    public static final int CONNECTIONS_ACCEPTED = 1;
    /** Sockets refused at {@code wsmux.max.connections} (answered 503 by the acceptor). */
    public static final int CONNECTIONS_REFUSED = 2;
    /** Failed accepts (out of file descriptors, typically); each pauses accepting for 100 ms. */
    public static final int ACCEPT_ERRORS = 3;
    /** Bytes read from sockets. */
    public static final int BYTES_IN = 4;
    /** Bytes written to sockets. */
    public static final int BYTES_OUT = 5;
    /** Gauge: bytes of data frames queued on this loop's connections now. */
    public static final int QUEUED_BYTES = 6;
    /** Gauge: the most bytes of data frames ever queued on this loop at once. */
    public static final int QUEUED_BYTES_MAX = 7;
    /** Writes that left bytes behind because the socket's send buffer was full. */
    public static final int SOCKET_FULL_WRITES = 8;
    /** Times a connection was not read because too much was queued for it. */
    public static final int READ_PAUSES = 9;
    /** Outbound chunks allocated (pool misses). */
    public static final int CHUNKS_ALLOCATED = 10;
    /** Gauge: the longest duty cycle that did work, in nanoseconds. */
    public static final int DUTY_CYCLE_MAX_NS = 11;
    /** Duty cycles that took longer than the threshold. */
    public static final int DUTY_CYCLES_OVER_THRESHOLD = 12;
    /** Gauge: the most bytes found in the command ring buffer at the start of a cycle. */
    public static final int COMMAND_QUEUE_MAX_BYTES = 13;
    /** Commands refused because the command ring buffer was full (other threads' sends and closes). */
    public static final int COMMAND_QUEUE_OVERFLOWS = 14;
    /** Gauge: the most entries found in the task queue at the start of a cycle. */
    public static final int TASK_QUEUE_MAX = 15;
    /** Tasks refused because the task queue was full (publications, handed-over sockets). */
    public static final int TASK_QUEUE_OVERFLOWS = 16;
    /** Frames (data, control and close) handed to the writer. */
    public static final int FRAMES_OUT = 17;
    /** Write system calls on sockets (plain and gathering); frames out over this is the frames each one carried. */
    public static final int SOCKET_WRITES = 18;
    /** Read system calls on sockets that returned data. */
    public static final int SOCKET_READS = 19;
    /** TLS handshakes completed. */
    public static final int TLS_HANDSHAKES = 20;
    /** TLS handshakes that failed (bad ClientHello, nothing in common, client certificate refused, alert). */
    public static final int TLS_HANDSHAKE_FAILURES = 21;
    /** Plaintext requests on a TLS port, answered with a 400 naming the scheme. */
    public static final int TLS_PLAINTEXT_REFUSED = 22;
    /** Established TLS connections closed for a record that failed to decrypt or parse. */
    public static final int TLS_BAD_RECORDS = 23;
    /** TLS connections whose peer closed mid-record or mid-handshake. */
    public static final int TLS_TRUNCATED = 24;
    /** TLS 1.2 connections closed for trying to renegotiate. */
    public static final int TLS_RENEGOTIATIONS_REFUSED = 25;
    /** TLS handshake steps run on the task pool rather than the loop. */
    public static final int TLS_TASKS_OFF_LOOP = 26;
    /** TLS connections in their handshake now. */
    public static final int TLS_HANDSHAKING = 27;
    /** Bytes of TLS records written to sockets. */
    public static final int TLS_BYTES_OUT = 28;
    /** TLS spill buffers allocated (partial records kept: the pool was empty). */
    public static final int TLS_SPILLS_ALLOCATED = 29;

    /** Short names by index, for labels and for tests. */
    public static final String[] NAMES =
    {
        "connections open",
        "connections accepted",
        "connections refused",
        "accept errors",
        "bytes in",
        "bytes out",
        "queued bytes",
        "queued bytes max",
        "socket full writes",
        "read pauses",
        "chunks allocated",
        "duty cycle max ns",
        "duty cycles over threshold",
        "command queue max bytes",
        "command queue overflows",
        "task queue max",
        "task queue overflows",
        "frames out",
        "socket writes",
        "socket reads",
        "tls handshakes",
        "tls handshake failures",
        "tls plaintext refused",
        "tls bad records",
        "tls truncated",
        "tls renegotiations refused",
        "tls tasks off loop",
        "tls handshaking",
        "tls bytes out",
        "tls spills allocated",
    };

    /** How many counters a loop has. */
    public static final int COUNT = NAMES.length;

    /** Default duty-cycle threshold for {@link #unattached()}: 1 ms. */
    public static final long DEFAULT_DUTY_CYCLE_THRESHOLD_NS = TimeUnit.MILLISECONDS.toNanos(1);

    /**
     * Allocates one loop's counter of a given index (see the constants).
     */
    @FunctionalInterface
    public interface Allocator
    {
        /**
         * @param index one of this class's counter indexes.
         * @return a counter only this loop writes (the overflow counters excepted: they are incremented atomically).
         */
        AtomicCounter allocate(int index);
    }

    private final AtomicCounter[] counters = new AtomicCounter[COUNT];
    private final long dutyCycleThresholdNs;

    /**
     * @param allocator            allocates each counter.
     * @param dutyCycleThresholdNs a duty cycle longer than this is counted in
     *                             {@link #DUTY_CYCLES_OVER_THRESHOLD}.
     */
    public TransportCounters(final Allocator allocator, final long dutyCycleThresholdNs)
    {
        for (int i = 0; i < COUNT; i++)
        {
            counters[i] = allocator.allocate(i);
        }
        this.dutyCycleThresholdNs = dutyCycleThresholdNs;
    }

    /**
     * Counters in a private heap buffer nobody else reads: for loops run without a counters file (clients, tests).
     *
     * @return counters for one loop.
     */
    public static TransportCounters unattached()
    {
        final CountersManager manager = new CountersManager(
            new UnsafeBuffer(ByteBuffer.allocateDirect(COUNT * CountersReader.METADATA_LENGTH)),
            new UnsafeBuffer(ByteBuffer.allocateDirect(COUNT * CountersReader.COUNTER_LENGTH)));
        return new TransportCounters((index) -> manager.newCounter(NAMES[index]), DEFAULT_DUTY_CYCLE_THRESHOLD_NS);
    }

    /**
     * @param index one of this class's counter indexes.
     * @return the counter.
     */
    public AtomicCounter counter(final int index)
    {
        return counters[index];
    }

    /**
     * @return a duty cycle longer than this is counted in {@link #DUTY_CYCLES_OVER_THRESHOLD}.
     */
    public long dutyCycleThresholdNs()
    {
        return dutyCycleThresholdNs;
    }

    /**
     * Publish a value the owning thread counted in a plain field: a release store, skipped when unchanged so that an
     * idle counter's cache line is not dirtied under its readers.
     *
     * @param counter the counter.
     * @param value   the owner's current value.
     */
    public static void publish(final AtomicCounter counter, final long value)
    {
        if (counter.getPlain() != value)
        {
            counter.setRelease(value);
        }
    }
}
