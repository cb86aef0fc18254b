package io.wsmux.status;

import java.io.File;
import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.agrona.DirectBuffer;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersReader;

/**
 * The reading side of a counters file (layout: {@link CountersFileDescriptor}): maps another process's file
 * read-only and reads it with an Agrona {@link CountersReader}, as AeronStat reads Aeron's CnC file. Reading never
 * writes to the file, so it has no effect on the server. Not thread safe; cold path (allocates).
 */
public final class CountersFile implements AutoCloseable
{
    /**
     * One counter's identity and value, as {@link #forEach} hands them out.
     */
    @FunctionalInterface
    public interface CounterVisitor
    {
        /**
         * @param counter     which.
         * @param loop        whose.
         * @param familyIndex topic family index, or -1 for a loop counter.
         * @param family      topic family name, or null for a loop counter.
         * @param value       its value now.
         */
        void onCounter(SystemCounter counter, int loop, int familyIndex, String family, long value);
    }

    private final File file;
    private final MappedByteBuffer mapped;
    private final UnsafeBuffer fileBuffer;
    private final CountersReader reader;

    private CountersFile(final File file, final MappedByteBuffer mapped)
    {
        this.file = file;
        this.mapped = mapped;
        this.fileBuffer = new UnsafeBuffer(mapped);
        final int version = fileBuffer.getIntVolatile(CountersFileDescriptor.VERSION_OFFSET);
        if (CountersFileDescriptor.VERSION != version)
        {
            throw new IllegalStateException(file + ": not a wsmux counters file of version " +
                CountersFileDescriptor.VERSION + ": version=" + version);
        }
        this.reader = new CountersReader(
            CountersFileDescriptor.metadataBuffer(fileBuffer),
            CountersFileDescriptor.valuesBuffer(fileBuffer),
            StandardCharsets.US_ASCII);
    }

    /**
     * Map a counters file read-only.
     *
     * @param file the file.
     * @return the reader.
     * @throws IllegalStateException when it cannot be read or is not a counters file of this version.
     */
    public static CountersFile open(final File file)
    {
        try (FileChannel channel = FileChannel.open(file.toPath(), StandardOpenOption.READ))
        {
            final long length = channel.size();
            if (length < CountersFileDescriptor.HEADER_LENGTH)
            {
                throw new IllegalStateException(file + ": too short for a wsmux counters file: length=" + length);
            }
            return new CountersFile(file, channel.map(FileChannel.MapMode.READ_ONLY, 0, length));
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot read " + file + ": " + ex.getMessage(), ex);
        }
    }

    /**
     * Find a server's counters file.
     *
     * @param directory where to look.
     * @param pid       the server's process id, or 0 for "the only one there".
     * @return the file.
     * @throws IllegalStateException naming what was found when there is no single match.
     */
    public static File find(final String directory, final long pid)
    {
        final File[] files = list(directory);
        final List<File> matches = new ArrayList<>();
        for (final File candidate : files)
        {
            final String name = candidate.getName();
            if (0 == pid ? isWriterAlive(name) : name.equals(CountersFileDescriptor.fileName(pid, 0)) ||
                name.startsWith(CountersFileDescriptor.FILE_PREFIX + pid + "-"))
            {
                matches.add(candidate);
            }
        }
        if (1 == matches.size())
        {
            return matches.get(0);
        }
        if (matches.isEmpty())
        {
            throw new IllegalStateException("no wsmux counters file" + (0 == pid ? " of a live process" :
                " of pid " + pid) + " in " + directory + " (is the server running? is wsmux.counters.dir the same?)");
        }
        throw new IllegalStateException("several wsmux counters files in " + directory + ", choose one with --pid " +
            "or --file: " + matches);
    }

    /**
     * A file left behind by a server that crashed is not "the only one there": its name's pid is not alive.
     */
    private static boolean isWriterAlive(final String name)
    {
        final int end = name.indexOf('-', CountersFileDescriptor.FILE_PREFIX.length());
        final String digits = name.substring(CountersFileDescriptor.FILE_PREFIX.length(),
            -1 == end ? name.length() - CountersFileDescriptor.FILE_SUFFIX.length() : end);
        try
        {
            return ProcessHandle.of(Long.parseLong(digits)).map(ProcessHandle::isAlive).orElse(false);
        }
        catch (final NumberFormatException ex)
        {
            return false;
        }
    }

    /**
     * @param directory where to look.
     * @return the counters files there, by name.
     */
    public static File[] list(final String directory)
    {
        final File[] files = new File(directory).listFiles((dir, name) ->
            name.startsWith(CountersFileDescriptor.FILE_PREFIX) && name.endsWith(CountersFileDescriptor.FILE_SUFFIX));
        if (null == files)
        {
            return new File[0];
        }
        Arrays.sort(files);
        return files;
    }

    /**
     * @return the file.
     */
    public File file()
    {
        return file;
    }

    /**
     * @return the writer's process id.
     */
    public long pid()
    {
        return fileBuffer.getLong(CountersFileDescriptor.PID_OFFSET);
    }

    /**
     * @return I/O loops of the server.
     */
    public int loopCount()
    {
        return fileBuffer.getInt(CountersFileDescriptor.LOOP_COUNT_OFFSET);
    }

    /**
     * @return when the server started, epoch ms.
     */
    public long startTimestampMs()
    {
        return fileBuffer.getLong(CountersFileDescriptor.START_TIMESTAMP_OFFSET);
    }

    /**
     * @return the server's {@code wsmux.duty.cycle.threshold}, ns.
     */
    public long dutyCycleThresholdNs()
    {
        return fileBuffer.getLong(CountersFileDescriptor.DUTY_CYCLE_THRESHOLD_OFFSET);
    }

    /**
     * @return whether the writing process is still alive (a crashed server leaves its file behind).
     */
    public boolean isWriterAlive()
    {
        return ProcessHandle.of(pid()).map(ProcessHandle::isAlive).orElse(false);
    }

    /**
     * @return the Agrona reader over the file.
     */
    public CountersReader reader()
    {
        return reader;
    }

    /**
     * Visit every wsmux counter the reader holds.
     *
     * @param reader  over a counters file (this process's or another's).
     * @param visitor told about each.
     */
    public static void forEach(final CountersReader reader, final CounterVisitor visitor)
    {
        reader.forEach((final int counterId, final int typeId, final DirectBuffer key, final String label) ->
        {
            final SystemCounter counter = SystemCounter.ofTypeId(typeId);
            if (null == counter)
            {
                return;
            }
            final int loop = key.getInt(CountersFileDescriptor.KEY_LOOP_OFFSET);
            final int familyIndex = key.getInt(CountersFileDescriptor.KEY_FAMILY_OFFSET);
            String family = null;
            if (familyIndex >= 0)
            {
                final int nameLength = key.getInt(CountersFileDescriptor.KEY_FAMILY_NAME_LENGTH_OFFSET);
                family = key.getStringWithoutLengthUtf8(CountersFileDescriptor.KEY_FAMILY_NAME_OFFSET, nameLength);
            }
            visitor.onCounter(counter, loop, familyIndex, family, reader.getCounterValue(counterId));
        });
    }

    /**
     * Unmap the file.
     */
    @Override
    public void close()
    {
        IoUtil.unmap(mapped);
    }
}
