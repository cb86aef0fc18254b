package io.wsmux.codec.deflate;

import java.nio.ByteOrder;
import java.util.zip.Deflater;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

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

    /** Bytes a stored block adds before the bytes it stores ({@link #writeStoredBlock}). */
    public static final int STORED_BLOCK_OVERHEAD = 5;

    private final Deflater deflater;
    private final boolean noContextTakeover;
    private final ByteBufferView view = new ByteBufferView();

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
     * The most bytes a message of this length can compress to when pieces of {@code 2^windowBits} bytes are
     * compressed each on its own (see {@link #deflate(DirectBuffer, int, int, byte[], int, int)}).
     *
     * @param length     of the message.
     * @param windowBits the window the peer allows, 8 to 15.
     * @return an upper bound for the output.
     */
    public static int maxCompressedLength(final int length, final int windowBits)
    {
        if (windowBits >= DeflateNegotiation.MAX_WINDOW_BITS || length <= (1 << windowBits))
        {
            return maxCompressedLength(length);
        }
        final int piece = 1 << windowBits;
        final int pieces = (length + piece - 1) / piece;
        return pieces * maxCompressedLength(piece);
    }

    /**
     * Write a stored (uncompressed, not final) deflate block holding these bytes: 5 bytes of header before them. A
     * message may start with one and go on with the output of {@link #deflate}: that is how a prefix that differs per
     * receiver (a channel id) goes in front of a payload compressed once for all of them.
     *
     * @param dst    destination.
     * @param offset where the block starts.
     * @param bytes  the bytes to store.
     * @param from   where they start.
     * @param length how many, at most 65535.
     * @return the block's length: {@link #STORED_BLOCK_OVERHEAD} + length.
     */
    public static int writeStoredBlock(
        final MutableDirectBuffer dst, final int offset, final DirectBuffer bytes, final int from, final int length)
    {
        dst.putByte(offset, (byte)0); // BFINAL 0, BTYPE 00 (stored), the rest of the byte padding
        dst.putShort(offset + 1, (short)length, ByteOrder.LITTLE_ENDIAN);
        dst.putShort(offset + 3, (short)~length, ByteOrder.LITTLE_ENDIAN);
        dst.putBytes(offset + STORED_BLOCK_OVERHEAD, bytes, from, length);
        return STORED_BLOCK_OVERHEAD + length;
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
        final int produced = flush(dst, dstOffset, maxCompressedLength(length));
        if (noContextTakeover)
        {
            deflater.reset();
        }
        return stripTail(dst, dstOffset, produced);
    }

    /**
     * Compress one message from any buffer, for a peer whose window may be smaller than the JDK's 32 KiB: with
     * {@code windowBits} below 15 (the peer asked for {@code server_max_window_bits}) each piece of
     * {@code 2^windowBits} bytes is compressed on its own, so that no back-reference reaches further than the peer's
     * window (the JDK's {@code Deflater} has no window setting). Context is then never taken over.
     *
     * @param src        the message: an array-backed buffer or one that wraps a {@link java.nio.ByteBuffer}.
     * @param srcOffset  where it starts.
     * @param length     its length.
     * @param dst        where the compressed payload goes; needs {@link #maxCompressedLength(int, int)} bytes.
     * @param dstOffset  where it starts.
     * @param windowBits the peer's window, 8 to 15.
     * @return the length of the compressed payload.
     */
    public int deflate(
        final DirectBuffer src, final int srcOffset, final int length, final byte[] dst, final int dstOffset,
        final int windowBits)
    {
        int produced = 0;
        if (windowBits >= DeflateNegotiation.MAX_WINDOW_BITS)
        {
            setInput(src, srcOffset, length);
            produced = flush(dst, dstOffset, maxCompressedLength(length));
            if (noContextTakeover)
            {
                deflater.reset();
            }
        }
        else
        {
            final int piece = 1 << windowBits;
            int position = 0;
            do
            {
                final int pieceLength = Math.min(piece, length - position);
                deflater.reset();
                setInput(src, srcOffset + position, pieceLength);
                produced += flush(dst, dstOffset + produced, maxCompressedLength(pieceLength));
                position += pieceLength;
            }
            while (position < length);
            deflater.reset();
        }
        return stripTail(dst, dstOffset, produced);
    }

    private void setInput(final DirectBuffer src, final int srcOffset, final int length)
    {
        final byte[] array = src.byteArray();
        if (null != array)
        {
            deflater.setInput(array, (int)src.wrapAdjustment() + srcOffset, length);
            return;
        }
        deflater.setInput(view.of(src, srcOffset, length));
    }

    private int flush(final byte[] dst, final int dstOffset, final int capacity)
    {
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
        return produced;
    }

    private static int stripTail(final byte[] dst, final int dstOffset, final int produced)
    {
        // SYNC_FLUSH ends with an empty stored block, 00 00 FF FF, which the receiver puts back (§7.2.2).
        if (produced >= TAIL_LENGTH &&
            0 == dst[dstOffset + produced - 4] && 0 == dst[dstOffset + produced - 3] &&
            (byte)0xFF == dst[dstOffset + produced - 2] && (byte)0xFF == dst[dstOffset + produced - 1])
        {
            return produced - TAIL_LENGTH;
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
