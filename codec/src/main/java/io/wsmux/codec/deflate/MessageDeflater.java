package io.wsmux.codec.deflate;

import java.util.zip.Deflater;

/**
 * Compresses whole messages for permessage-deflate (RFC 7692 §7.2.1) with the JDK's {@code Deflater} (raw deflate,
 * no zlib header): each message is flushed with SYNC_FLUSH and its final empty stored block
 * ({@code 00 00 FF FF}) removed. With no context takeover the compressor is reset after every message, so it keeps
 * no state from one message to the next and may be shared by every connection of a loop (and its output sent to any
 * of them); with context takeover it belongs to one connection.
 * <p>
 * Arrays in and out, so that nothing is allocated per message. Not thread safe: one loop (or one connection) owns
 * it; {@link #close()} frees zlib's native memory.
 */
public final class MessageDeflater implements AutoCloseable
{
    /** RFC 7692 §7.2.1: the tail SYNC_FLUSH leaves, removed from every message. */
    private static final int TAIL_LENGTH = 4;

    private final Deflater deflater;
    private final boolean noContextTakeover;

    /**
     * @param level             zlib level, 1 (fastest) to 9 (smallest), or {@link Deflater#DEFAULT_COMPRESSION}.
     * @param noContextTakeover reset after each message (the server's default).
     */
    public MessageDeflater(final int level, final boolean noContextTakeover)
    {
        this.deflater = new Deflater(level, true);
        this.noContextTakeover = noContextTakeover;
    }

    /**
     * The most bytes a message of this length can compress to (deflate's stored-block worst case and the flush).
     *
     * @param length of the message.
     * @return an upper bound for {@link #deflate}'s output.
     */
    public static int maxCompressedLength(final int length)
    {
        return length + (length >> 12) + (length >> 14) + (length >> 25) + 13 + 5 * ((length / 16383) + 1);
    }

    /**
     * Compress one message.
     *
     * @param src       the message.
     * @param srcOffset where it starts.
     * @param length    its length.
     * @param dst       where the compressed payload goes; needs {@link #maxCompressedLength(int)} bytes.
     * @param dstOffset where it starts.
     * @return the length of the compressed payload (the frame's payload, RSV1 set).
     */
    public int deflate(final byte[] src, final int srcOffset, final int length, final byte[] dst, final int dstOffset)
    {
        deflater.setInput(src, srcOffset, length);
        final int capacity = maxCompressedLength(length);
        int produced = 0;
        int space;
        int n;
        do
        {
            // SYNC_FLUSH: all input compressed and flushed to a byte boundary unless the output filled up.
            space = capacity - produced;
            n = deflater.deflate(dst, dstOffset + produced, space, Deflater.SYNC_FLUSH);
            produced += n;
        }
        while (n == space && produced < capacity);
        if (noContextTakeover)
        {
            deflater.reset();
        }
        // SYNC_FLUSH ends with an empty stored block, 00 00 FF FF, which the receiver puts back (§7.2.2).
        if (produced >= TAIL_LENGTH &&
            0 == dst[dstOffset + produced - 4] && 0 == dst[dstOffset + produced - 3] &&
            (byte)0xFF == dst[dstOffset + produced - 2] && (byte)0xFF == dst[dstOffset + produced - 1])
        {
            produced -= TAIL_LENGTH;
        }
        return produced;
    }

    /**
     * @return whether the compressor is reset after each message.
     */
    public boolean noContextTakeover()
    {
        return noContextTakeover;
    }

    @Override
    public void close()
    {
        deflater.end();
    }
}
