package io.wsmux.status;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.MappedByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.concurrent.atomic.AtomicInteger;

import io.wsmux.transport.TransportCounters;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;

/**
 * The writing side of a server's counters file (layout: {@link CountersFileDescriptor}): creates and maps the file,
 * allocates every loop's counters and every topic family's, and deletes the file on {@link #close()}.
 * <p>
 * Allocation happens at start, on the thread starting the server; afterwards each counter has one writer (its loop),
 * except {@link SystemCounter#COMMAND_QUEUE_OVERFLOWS}, {@link SystemCounter#TASK_QUEUE_OVERFLOWS} and
 * {@link SystemCounter#DROPPED_LOOP_QUEUE_FULL}, which other threads increment atomically on cold paths.
 */
public final class WsmuxCounters implements AutoCloseable
{
    private static final AtomicInteger SERVERS_IN_PROCESS = new AtomicInteger();
    /** The family counters past {@code wsmux.counters.max.topic.families} are summed under this name. */
    public static final String OTHER_FAMILY = "(other)";

    private final File file;
    private final MappedByteBuffer mapped;
    private final UnsafeBuffer fileBuffer;
    private final CountersManager manager;
    private final int loopCount;
    private final AtomicCounter[][] loopCounters;
    private final UnsafeBuffer key = new UnsafeBuffer(new byte[CountersReader.MAX_KEY_LENGTH]);
    private boolean closed;

    /**
     * Create the file and allocate every loop counter.
     *
     * @param directory            where to create it (created if absent).
     * @param loopCount            I/O loops.
     * @param familyCount          topic families the file must have room for ("other" included).
     * @param dutyCycleThresholdNs recorded in the header for readers.
     */
    public WsmuxCounters(
        final String directory, final int loopCount, final int familyCount, final long dutyCycleThresholdNs)
    {
        this.loopCount = loopCount;
        final int loopCounterCount = loopScopeCount();
        final int counterCount = loopCount * loopCounterCount + familyCount * loopCount * familyScopeCount();
        final int valuesLength = CountersFileDescriptor.valuesLength(counterCount);
        final int metadataLength = CountersFileDescriptor.metadataLength(valuesLength);
        final int fileLength = CountersFileDescriptor.fileLength(metadataLength, valuesLength);

        final File dir = new File(directory);
        final long pid = ProcessHandle.current().pid();
        try
        {
            Files.createDirectories(dir.toPath());
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot create wsmux.counters.dir=" + directory, ex);
        }
        this.file = new File(dir, CountersFileDescriptor.fileName(pid, SERVERS_IN_PROCESS.getAndIncrement()));
        IoUtil.deleteIfExists(file); // a file of an earlier process that had this pid and did not close cleanly
        this.mapped = IoUtil.mapNewFile(file, fileLength);
        this.fileBuffer = new UnsafeBuffer(mapped);
        fileBuffer.putInt(CountersFileDescriptor.LOOP_COUNT_OFFSET, loopCount);
        fileBuffer.putInt(CountersFileDescriptor.METADATA_LENGTH_OFFSET, metadataLength);
        fileBuffer.putInt(CountersFileDescriptor.VALUES_LENGTH_OFFSET, valuesLength);
        fileBuffer.putLong(CountersFileDescriptor.PID_OFFSET, pid);
        fileBuffer.putLong(CountersFileDescriptor.START_TIMESTAMP_OFFSET, System.currentTimeMillis());
        fileBuffer.putLong(CountersFileDescriptor.DUTY_CYCLE_THRESHOLD_OFFSET, dutyCycleThresholdNs);
        this.manager = new CountersManager(
            CountersFileDescriptor.metadataBuffer(fileBuffer),
            CountersFileDescriptor.valuesBuffer(fileBuffer),
            StandardCharsets.US_ASCII);

        final SystemCounter[] all = SystemCounter.values();
        loopCounters = new AtomicCounter[loopCount][all.length];
        for (int loop = 0; loop < loopCount; loop++)
        {
            for (final SystemCounter counter : all)
            {
                if (SystemCounter.Scope.LOOP == counter.scope())
                {
                    loopCounters[loop][counter.ordinal()] = allocate(counter, loop, -1, null);
                }
            }
        }
        fileBuffer.putIntRelease(CountersFileDescriptor.VERSION_OFFSET, CountersFileDescriptor.VERSION);
    }

    private static int loopScopeCount()
    {
        int count = 0;
        for (final SystemCounter counter : SystemCounter.values())
        {
            count += SystemCounter.Scope.LOOP == counter.scope() ? 1 : 0;
        }
        return count;
    }

    /**
     * @return counters each (family, loop) has.
     */
    public static int familyScopeCount()
    {
        return SystemCounter.values().length - loopScopeCount();
    }

    /**
     * Allocate a counter. Start-up thread only.
     *
     * @param counter     which.
     * @param loop        whose.
     * @param familyIndex topic family index, or -1.
     * @param familyName  topic family name, or null.
     * @return the counter.
     */
    public AtomicCounter allocate(
        final SystemCounter counter, final int loop, final int familyIndex, final String familyName)
    {
        key.putInt(CountersFileDescriptor.KEY_LOOP_OFFSET, loop);
        key.putInt(CountersFileDescriptor.KEY_FAMILY_OFFSET, familyIndex);
        int keyLength = CountersFileDescriptor.KEY_FAMILY_NAME_OFFSET;
        String label = counter.displayName() + ": loop=" + loop;
        if (null != familyName)
        {
            final byte[] name = familyName.getBytes(StandardCharsets.UTF_8);
            final int nameLength = Math.min(name.length, CountersFileDescriptor.MAX_KEY_FAMILY_NAME_LENGTH);
            key.putInt(CountersFileDescriptor.KEY_FAMILY_NAME_LENGTH_OFFSET, nameLength);
            key.putBytes(CountersFileDescriptor.KEY_FAMILY_NAME_OFFSET, name, 0, nameLength);
            keyLength += nameLength;
            label += " family=" + familyName.replaceAll("[^\\x20-\\x7e]", "?");
        }
        else
        {
            key.putInt(CountersFileDescriptor.KEY_FAMILY_NAME_LENGTH_OFFSET, 0);
        }
        final UnsafeBuffer labelBuffer = new UnsafeBuffer(label.getBytes(StandardCharsets.US_ASCII));
        return manager.newCounter(counter.typeId(), key, 0, keyLength, labelBuffer, 0, labelBuffer.capacity());
    }

    /**
     * @param loop loop index.
     * @param counter a {@link SystemCounter.Scope#LOOP} counter.
     * @return that loop's counter.
     */
    public AtomicCounter loopCounter(final int loop, final SystemCounter counter)
    {
        return loopCounters[loop][counter.ordinal()];
    }

    /**
     * @param loop loop index.
     * @return that loop's counters indexed by {@link SystemCounter#ordinal()} (null for family counters).
     */
    public AtomicCounter[] loopCounters(final int loop)
    {
        return loopCounters[loop];
    }

    /**
     * @param loop                 loop index.
     * @param dutyCycleThresholdNs {@code wsmux.duty.cycle.threshold}.
     * @return the transport's view of that loop's counters.
     */
    public TransportCounters transportCounters(final int loop, final long dutyCycleThresholdNs)
    {
        final AtomicCounter[] byTransportIndex = new AtomicCounter[TransportCounters.COUNT];
        for (final SystemCounter counter : SystemCounter.values())
        {
            if (counter.transportIndex() >= 0)
            {
                byTransportIndex[counter.transportIndex()] = loopCounters[loop][counter.ordinal()];
            }
        }
        return new TransportCounters((index) -> byTransportIndex[index], dutyCycleThresholdNs);
    }

    /**
     * @return I/O loops.
     */
    public int loopCount()
    {
        return loopCount;
    }

    /**
     * @return a reader of this file (in process: the server's own getters and the admin listener).
     */
    public CountersReader reader()
    {
        return manager;
    }

    /**
     * @param counter a loop counter.
     * @return its sum over loops (each read with acquire semantics: at most one duty cycle stale).
     */
    public long sum(final SystemCounter counter)
    {
        long total = 0;
        for (int loop = 0; loop < loopCount; loop++)
        {
            total += loopCounters[loop][counter.ordinal()].get();
        }
        return total;
    }

    /**
     * @return the file.
     */
    public File file()
    {
        return file;
    }

    /**
     * Delete the file. The mapping is left to the garbage collector rather than unmapped: a publishing thread or a
     * late getter may still touch a counter, and a write to unmapped memory would crash the JVM; a deleted file's
     * pages live until their last mapping goes. Idempotent.
     */
    @Override
    public synchronized void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        IoUtil.deleteIfExists(file);
    }
}
