package io.wsmux.status;

import java.io.File;

import org.agrona.BitUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersReader;

/**
 * Layout of a wsmux counters file, one per server, named {@code wsmux-<pid>.counters} (a second server in the same
 * process adds {@code -<n>}: {@code wsmux-<pid>-1.counters}), in {@code wsmux.counters.dir}: by default
 * {@code /dev/shm} where it exists (tmpfs: the file never touches a disk) else {@code java.io.tmpdir}. The server
 * creates it at start, writes it, and deletes it on a clean close; readers map it read-only (as Aeron's AeronStat
 * reads the CnC file) and never write to it, so reading has no effect on the server.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                   Version (written last)                      |   0
 *  +---------------------------------------------------------------+
 *  |                         Loop Count                            |   4
 *  +---------------------------------------------------------------+
 *  |                  Metadata Buffer Length                       |   8
 *  +---------------------------------------------------------------+
 *  |                   Values Buffer Length                        |  12
 *  +---------------------------------------------------------------+
 *  |                       Process Id                              |  16
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                Start Timestamp (epoch ms)                     |  24
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                    Duty Cycle Threshold (ns)                  |  32
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                  Reserved to offset 128                      ...
 * ...                                                              |
 *  +---------------------------------------------------------------+
 *  |                     Metadata Buffer                          ...
 * ...      (Agrona CountersManager: 512 bytes per counter)         |
 *  +---------------------------------------------------------------+
 *  |                      Values Buffer                           ...
 * ...      (Agrona CountersManager: 128 bytes per counter)         |
 *  +---------------------------------------------------------------+
 * </pre>
 * Each counter's type id is a {@link SystemCounter#typeId()}; its key (the metadata's key field) says whose it is:
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                        Loop Index                             |   0
 *  +---------------------------------------------------------------+
 *  |           Topic Family Index (-1 for a loop counter)          |   4
 *  +---------------------------------------------------------------+
 *  |              Topic Family Name Length (bytes)                 |   8
 *  +---------------------------------------------------------------+
 *  |        Topic Family Name (UTF-8, at most 100 bytes)          ...
 * ...                                                              |
 *  +---------------------------------------------------------------+
 * </pre>
 * The writer fills the header and the counters first and writes the version last with a release store; a reader
 * that sees {@link #VERSION} may trust the rest. Integers are in the platform's byte order (the reader is on the
 * same host).
 */
public final class CountersFileDescriptor
{
    /** Version of this layout; a reader refuses other versions. 0 means "not ready yet". */
    public static final int VERSION = 1;

    /** Offset of the version. */
    public static final int VERSION_OFFSET = 0;
    /** Offset of the number of I/O loops. */
    public static final int LOOP_COUNT_OFFSET = 4;
    /** Offset of the metadata buffer's length. */
    public static final int METADATA_LENGTH_OFFSET = 8;
    /** Offset of the values buffer's length. */
    public static final int VALUES_LENGTH_OFFSET = 12;
    /** Offset of the writer's process id. */
    public static final int PID_OFFSET = 16;
    /** Offset of the time the server started, epoch ms. */
    public static final int START_TIMESTAMP_OFFSET = 24;
    /** Offset of {@code wsmux.duty.cycle.threshold}, ns. */
    public static final int DUTY_CYCLE_THRESHOLD_OFFSET = 32;
    /** The header's length: two cache lines, so the buffers after it are aligned. */
    public static final int HEADER_LENGTH = 128;

    /** Offset of the loop index in a counter's key. */
    public static final int KEY_LOOP_OFFSET = 0;
    /** Offset of the topic family index in a counter's key (-1 when not a family counter). */
    public static final int KEY_FAMILY_OFFSET = 4;
    /** Offset of the family name's length in a counter's key. */
    public static final int KEY_FAMILY_NAME_LENGTH_OFFSET = 8;
    /** Offset of the family name in a counter's key. */
    public static final int KEY_FAMILY_NAME_OFFSET = 12;
    /** Longest family name kept in a key, bytes. */
    public static final int MAX_KEY_FAMILY_NAME_LENGTH = CountersReader.MAX_KEY_LENGTH - KEY_FAMILY_NAME_OFFSET;

    /** File name prefix. */
    public static final String FILE_PREFIX = "wsmux-";
    /** File name suffix. */
    public static final String FILE_SUFFIX = ".counters";

    private CountersFileDescriptor()
    {
    }

    /**
     * @param metadataLength length of the metadata buffer.
     * @param valuesLength   length of the values buffer.
     * @return the file's length.
     */
    public static int fileLength(final int metadataLength, final int valuesLength)
    {
        return HEADER_LENGTH + metadataLength + valuesLength;
    }

    /**
     * @param counterCount counters the file must hold.
     * @return length of the values buffer for them (the metadata buffer is {@link #metadataLength} of it).
     */
    public static int valuesLength(final int counterCount)
    {
        return BitUtil.align(Math.max(1, counterCount) * CountersReader.COUNTER_LENGTH, 4096);
    }

    /**
     * @param valuesLength length of the values buffer.
     * @return length of the metadata buffer Agrona's CountersManager needs for it.
     */
    public static int metadataLength(final int valuesLength)
    {
        return valuesLength / CountersReader.COUNTER_LENGTH * CountersReader.METADATA_LENGTH;
    }

    /**
     * @param file the mapped file.
     * @return a view of its metadata buffer.
     */
    public static UnsafeBuffer metadataBuffer(final UnsafeBuffer file)
    {
        return new UnsafeBuffer(file, HEADER_LENGTH, file.getInt(METADATA_LENGTH_OFFSET));
    }

    /**
     * @param file the mapped file.
     * @return a view of its values buffer.
     */
    public static UnsafeBuffer valuesBuffer(final UnsafeBuffer file)
    {
        return new UnsafeBuffer(
            file, HEADER_LENGTH + file.getInt(METADATA_LENGTH_OFFSET), file.getInt(VALUES_LENGTH_OFFSET));
    }

    /**
     * @param pid      process id.
     * @param sequence 0 for a process's first server, then 1, 2...
     * @return the file name.
     */
    public static String fileName(final long pid, final int sequence)
    {
        return FILE_PREFIX + pid + (0 == sequence ? "" : "-" + sequence) + FILE_SUFFIX;
    }

    /**
     * @param tmpDir the fallback, {@code java.io.tmpdir}.
     * @return {@code /dev/shm} where it is a writable directory (Linux tmpfs), else the fallback.
     */
    public static String defaultDirectory(final String tmpDir)
    {
        final File shm = new File("/dev/shm");
        if (shm.isDirectory() && shm.canWrite())
        {
            return shm.getPath();
        }
        return tmpDir;
    }
}
