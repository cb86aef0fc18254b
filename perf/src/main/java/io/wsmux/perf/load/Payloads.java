package io.wsmux.perf.load;

import java.nio.charset.StandardCharsets;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Layouts of the messages the load generator sends, and the checks it runs on what comes back. Times are
 * {@link System#nanoTime()} minus the run's base time, so never negative.
 * <pre>
 * echo (binary), native byte order:
 *  0               8               16                                S
 * +---------------+---------------+----------------------------------+
 * | sequence (i64)| send time (i64)| filler ('a'..'z' pattern)       |
 * +---------------+---------------+----------------------------------+
 *
 * fan-out (text, after "msg,publish.bench.&lt;t&gt;," one way and "msg,bench.&lt;t&gt;," the other):
 *  0   1                 17                33                        S
 * +---+-----------------+-----------------+--------------------------+
 * | d | sequence, 16 hex| send time, 16 hex| filler                  |
 * +---+-----------------+-----------------+--------------------------+
 *   a probe, sent until every subscriber has seen one, is "p" and 16 hex digits of the probe number.
 * </pre>
 * The sequence is per connection (echo) or per topic (fan-out), from 0. Stateless; allocates only templates.
 */
final class Payloads
{
    /** Bytes before the filler of an echo message. */
    static final int ECHO_HEADER_LENGTH = 2 * Long.BYTES;
    /** Offset of the send time in an echo message. */
    static final int ECHO_TIME_OFFSET = Long.BYTES;

    /** First byte of a fan-out publication carrying data. */
    static final byte DATA = 'd';
    /** First byte of a fan-out probe. */
    static final byte PROBE = 'p';
    /** Offset of the sequence in a fan-out payload. */
    static final int FANOUT_SEQUENCE_OFFSET = 1;
    /** Offset of the send time in a fan-out payload. */
    static final int FANOUT_TIME_OFFSET = 17;
    /** Bytes before the filler of a fan-out payload. */
    static final int FANOUT_HEADER_LENGTH = 33;
    /** Hex digits of a fan-out field. */
    static final int HEX_LENGTH = 16;

    /** Returned by {@link #parseHex} for a field that is not 16 lower-case hex digits. */
    static final long NOT_HEX = -1;

    private static final byte[] HEX_DIGITS = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private Payloads()
    {
    }

    /**
     * A template message: the filler pattern over the whole length (the caller writes its header over it).
     *
     * @param length bytes.
     * @return a new buffer of printable ASCII, so valid UTF-8 too.
     */
    static UnsafeBuffer template(final int length)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[length]);
        for (int i = 0; i < length; i++)
        {
            buffer.putByte(i, (byte)('a' + (i * 7) % 26));
        }
        return buffer;
    }

    /**
     * Compare two ranges a long at a time.
     *
     * @param a       first buffer.
     * @param aOffset offset in the first.
     * @param b       second buffer.
     * @param bOffset offset in the second.
     * @param length  bytes to compare.
     * @return true if equal.
     */
    static boolean sameBytes(
        final DirectBuffer a, final int aOffset, final DirectBuffer b, final int bOffset, final int length)
    {
        int i = 0;
        for (; i <= length - Long.BYTES; i += Long.BYTES)
        {
            if (a.getLong(aOffset + i) != b.getLong(bOffset + i))
            {
                return false;
            }
        }
        for (; i < length; i++)
        {
            if (a.getByte(aOffset + i) != b.getByte(bOffset + i))
            {
                return false;
            }
        }
        return true;
    }

    /**
     * Write a value as 16 lower-case hex digits.
     *
     * @param buffer to write to.
     * @param index  of the first digit.
     * @param value  to write.
     */
    static void putHex(final MutableDirectBuffer buffer, final int index, final long value)
    {
        for (int i = 0; i < HEX_LENGTH; i++)
        {
            buffer.putByte(index + i, HEX_DIGITS[(int)(value >>> ((HEX_LENGTH - 1 - i) * 4)) & 0xF]);
        }
    }

    /**
     * Read 16 lower-case hex digits.
     *
     * @param buffer to read.
     * @param index  of the first digit.
     * @return the value (its top bit clear, as every value written here), or {@link #NOT_HEX}.
     */
    static long parseHex(final DirectBuffer buffer, final int index)
    {
        long value = 0;
        for (int i = 0; i < HEX_LENGTH; i++)
        {
            final int c = buffer.getByte(index + i);
            final int digit;
            if (c >= '0' && c <= '9')
            {
                digit = c - '0';
            }
            else if (c >= 'a' && c <= 'f')
            {
                digit = c - 'a' + 10;
            }
            else
            {
                return NOT_HEX;
            }
            value = (value << 4) | digit;
        }
        return value < 0 ? NOT_HEX : value;
    }

    /**
     * @param buffer holding a text message.
     * @param offset of the message.
     * @param length of the message.
     * @param prefix the bytes to look for.
     * @return true if the message starts with the prefix.
     */
    static boolean startsWith(
        final DirectBuffer buffer, final int offset, final int length, final DirectBuffer prefix)
    {
        final int prefixLength = prefix.capacity();
        return length >= prefixLength && sameBytes(buffer, offset, prefix, 0, prefixLength);
    }
}
