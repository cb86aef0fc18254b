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
 * | sequence (i64)| send time (i64)| filler                           |
 * +---------------+---------------+----------------------------------+
 *
 * fan-out (text, after "msg,publish.bench.&lt;t&gt;," one way and "msg,bench.&lt;t&gt;," the other):
 *  0   1                 17                33                        S
 * +---+-----------------+-----------------+--------------------------+
 * | d | sequence, 16 hex| send time, 16 hex| filler                  |
 * +---+-----------------+-----------------+--------------------------+
 *   a probe, sent until every subscriber has seen one, is "p" and 16 hex digits of the probe number.
 * </pre>
 * The sequence is per connection (echo) or per topic (fan-out), from 0. The header stays as drawn whatever the
 * filler; the filler is one of two kinds ({@code --payload-kind}, see {@link Filler}):
 * <ul>
 *     <li>{@code filler} (the default): the bytes {@link #template} has at those offsets, {@code 'a' + (i * 7) % 26}
 *     at offset i of the message, the same in every message.</li>
 *     <li>{@code ticks}: market data as it might stream to a trading screen, price ticks in JSON separated by
 *     commas, {@code {"s":"EURUSD","b":1.08412,"a":1.08415,"t":1701234567890},{"s":"USDJPY","b":151.234,...}},
 *     cut to the filler's length wherever that falls. The ticks come from a tape built once ({@link #tickTape}):
 *     eight currency pairs whose bids walk by up to 5 in the last digit, spreads of 1 to 4, times moving on by up to
 *     63 ms, all from a fixed seed, so the tape is the same in every JVM. Message s of a connection (echo) or topic
 *     (fan-out) carries the tape's bytes from {@code (s * fillerLength) % 65536}: consecutive messages continue the
 *     stream, and the tape repeats only after 64 KiB, more than a deflate window (32 KiB), so a compressor that
 *     keeps its context across messages finds the same structure and symbols but never a copy of the message
 *     itself (the same filler in every message would shrink to a few back-references in such a compressor, and
 *     tell nothing). Printable ASCII (valid UTF-8) with commas, which the text multiplex protocol allows in a
 *     payload.</li>
 * </ul>
 * Stateless; allocates only templates and the tape.
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

    /** {@code --payload-kind}: the same 'a'..'z' pattern in every message (the default). */
    static final String FILLER = "filler";
    /** {@code --payload-kind}: JSON price ticks, moving on along the tick tape with each message. */
    static final String TICKS = "ticks";
    /** Bytes of the tick tape before it repeats: more than a 32 KiB deflate window. */
    static final int TICK_TAPE_PERIOD = 64 * 1024;

    private static final byte[] HEX_DIGITS = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final String[] SYMBOLS =
        { "EURUSD", "GBPUSD", "USDJPY", "AUDUSD", "USDCHF", "EURGBP", "USDCAD", "NZDUSD" };
    /** Digits after the point of each symbol's prices (yen pairs quote three). */
    private static final int[] DECIMALS = { 5, 5, 3, 5, 5, 5, 5, 5 };
    /** Each symbol's first bid, in units of its last digit: 1.08412 is 108412. */
    private static final long[] FIRST_BIDS = { 108412, 126931, 151234, 65712, 88123, 85521, 135210, 60875 };
    private static final long FIRST_TIME_MS = 1_701_234_567_890L;
    private static final long TICK_SEED = 0x5EED_7ECC_0FF1CEL;

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
     * The tick tape: {@link #TICK_TAPE_PERIOD} bytes of ticks, then their first {@code tailLength} bytes again, so
     * that any window of up to {@code tailLength} bytes starting in the first period is contiguous.
     *
     * @param tailLength bytes of the longest window to be read: a message's filler length.
     * @return a new buffer of printable ASCII.
     */
    static UnsafeBuffer tickTape(final int tailLength)
    {
        final byte[] ticks = ticks(TICK_TAPE_PERIOD);
        final UnsafeBuffer tape = new UnsafeBuffer(new byte[TICK_TAPE_PERIOD + tailLength]);
        for (int position = 0; position < tape.capacity(); position += TICK_TAPE_PERIOD)
        {
            tape.putBytes(position, ticks, 0, Math.min(TICK_TAPE_PERIOD, tape.capacity() - position));
        }
        return tape;
    }

    /**
     * Price ticks in JSON, separated by commas, from a fixed seed: the same text in every JVM.
     *
     * @param length bytes wanted; the last tick is cut there.
     * @return the text in ASCII.
     */
    static byte[] ticks(final int length)
    {
        final StringBuilder text = new StringBuilder(length + 64);
        final long[] bids = FIRST_BIDS.clone();
        long state = TICK_SEED;
        long timeMs = FIRST_TIME_MS;
        while (text.length() < length)
        {
            state = state * 6364136223846793005L + 1442695040888963407L; // Knuth's MMIX linear congruential step
            final int bits = (int)(state >>> 33);                         // its better-mixed high bits
            final int symbol = bits & (SYMBOLS.length - 1);
            bids[symbol] += ((bits >>> 3) & 0xFF) % 11 - 5;
            final long ask = bids[symbol] + 1 + ((bits >>> 11) & 3);
            timeMs += (bits >>> 13) & 63;
            if (text.length() > 0)
            {
                text.append(',');
            }
            text.append("{\"s\":\"").append(SYMBOLS[symbol]).append("\",\"b\":");
            price(text, bids[symbol], DECIMALS[symbol]);
            text.append(",\"a\":");
            price(text, ask, DECIMALS[symbol]);
            text.append(",\"t\":").append(timeMs).append('}');
        }
        text.setLength(length);
        return text.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * @param units    the price in units of its last digit.
     * @param decimals digits after the point.
     */
    private static void price(final StringBuilder text, final long units, final int decimals)
    {
        long scale = 1;
        for (int i = 0; i < decimals; i++)
        {
            scale *= 10;
        }
        final String fraction = Long.toString(units % scale);
        text.append(units / scale).append('.');
        for (int i = fraction.length(); i < decimals; i++)
        {
            text.append('0');
        }
        text.append(fraction);
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
