package io.wsmux.codec;

import java.util.Arrays;

/**
 * Reads a fuzz test's raw input: a few control bytes from the front (flags, limits, split points), then the rest
 * as the bytes under test. A plain byte layout rather than Jazzer's {@code FuzzedDataProvider}, so that the seed
 * corpus can be written by hand (or by a few lines of script) and read in a hex dump. Reading past the end gives
 * zeros, so every input, even an empty one, is a valid test case. Public for the other codec packages' fuzz tests.
 */
public final class FuzzInput
{
    /** Most split points {@link #splitPoints} returns; the count is taken modulo one more than this. */
    public static final int MAX_SPLITS = 8;

    private final byte[] data;
    private int position;

    /**
     * @param data the fuzzer's input; not copied.
     */
    public FuzzInput(final byte[] data)
    {
        this.data = data;
    }

    /**
     * @return the next control byte as 0..255, or 0 past the end.
     */
    public int u8()
    {
        return position < data.length ? data[position++] & 0xFF : 0;
    }

    /**
     * @return the next two control bytes as a big-endian 0..65535, zeros past the end.
     */
    public int u16()
    {
        return (u8() << 8) | u8();
    }

    /**
     * Read a split count (one byte, modulo {@link #MAX_SPLITS} + 1) and that many 16-bit raw points. Call before
     * {@link #rest()}, then map the points onto the input with {@link #splitPoints(int[], int)}.
     *
     * @return raw points, 0 to {@link #MAX_SPLITS} of them.
     */
    public int[] rawSplitPoints()
    {
        final int count = u8() % (MAX_SPLITS + 1);
        final int[] points = new int[count];
        for (int i = 0; i < count; i++)
        {
            points[i] = u16();
        }
        return points;
    }

    /**
     * @return everything after the control bytes read so far: the bytes under test.
     */
    public byte[] rest()
    {
        return Arrays.copyOfRange(data, Math.min(position, data.length), data.length);
    }

    /**
     * Map raw points onto an input of the given length: each modulo (length + 1), sorted, duplicates kept (an
     * empty piece is a valid call too).
     *
     * @param rawPoints from {@link #rawSplitPoints()}.
     * @param length    of the input to split.
     * @return piece boundaries, starting with 0 and ending with length, ascending.
     */
    public static int[] splitPoints(final int[] rawPoints, final int length)
    {
        final int[] bounds = new int[rawPoints.length + 2];
        for (int i = 0; i < rawPoints.length; i++)
        {
            bounds[i + 1] = rawPoints[i] % (length + 1);
        }
        bounds[bounds.length - 1] = length;
        Arrays.sort(bounds, 1, bounds.length - 1);
        return bounds;
    }
}
