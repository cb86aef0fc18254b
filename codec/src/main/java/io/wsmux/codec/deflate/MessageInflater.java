package io.wsmux.codec.deflate;

import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Decompresses permessage-deflate messages (RFC 7692 §7.2.2) with the JDK's {@code Inflater} (raw deflate), frame by
 * frame, into a bounded output: the message size limit is enforced while inflating, never after, so a small message
 * that would inflate to gigabytes (a decompression bomb) stops at the limit having produced no more than it.
 * <p>
 * Feed each frame's payload with {@link #inflate}; after the last frame of a message, the receiver's tail
 * {@code 00 00 FF FF} is fed too. With no context takeover the inflater is reset after each message and may be shared
 * by the connections of a loop (one message at a time: a message that spans reads keeps it until it ends, so a shared
 * one is lent only to a connection whose message arrived whole); with context takeover it belongs to one connection.
 * <p>
 * Not thread safe; nothing is allocated per message. {@link #close()} frees zlib's native memory.
 */
public final class MessageInflater implements AutoCloseable
{
    /** {@link #inflate} result: the output would pass the limit (close with 1009). */
    public static final int TOO_BIG = -1;

    /** {@link #inflate} result: the input is not valid deflate data (close with 1007). */
    public static final int CORRUPT = -2;

    private static final byte[] TAIL = {0, 0, (byte)0xFF, (byte)0xFF};

    private final Inflater inflater = new Inflater(true);
    private final byte[] probe = new byte[1];
    private final boolean noContextTakeover;

    /**
     * @param noContextTakeover reset after each message (the peer compresses each message on its own).
     */
    public MessageInflater(final boolean noContextTakeover)
    {
        this.noContextTakeover = noContextTakeover;
    }

    /**
     * Inflate one frame's payload, appending to what the message already produced.
     *
     * @param src       the compressed payload.
     * @param srcOffset where it starts.
     * @param length    its length.
     * @param last      whether this frame ends the message (the tail is then fed too, and the inflater reset
     *                  without context takeover).
     * @param dst       where the message's bytes go.
     * @param dstOffset where this frame's output starts.
     * @param limit     how many more bytes the message may have (the size limit less what it already has); the
     *                  output never goes past {@code dstOffset + limit}, and {@code dst} needs that room.
     * @return bytes produced, {@link #TOO_BIG} when the message would pass the limit, or {@link #CORRUPT}.
     */
    public int inflate(
        final byte[] src, final int srcOffset, final int length, final boolean last,
        final byte[] dst, final int dstOffset, final int limit)
    {
        int produced = feed(src, srcOffset, length, dst, dstOffset, limit);
        if (produced >= 0 && last)
        {
            final int tail = feed(TAIL, 0, TAIL.length, dst, dstOffset + produced, limit - produced);
            produced = tail < 0 ? tail : produced + tail;
        }
        if (produced < 0 || (last && noContextTakeover))
        {
            inflater.reset(); // a refused message leaves nothing behind for the next (the connection closes anyway)
        }
        return produced;
    }

    private int feed(final byte[] src, final int srcOffset, final int length, final byte[] dst, final int dstOffset,
        final int limit)
    {
        inflater.setInput(src, srcOffset, length);
        int produced = 0;
        try
        {
            while (true)
            {
                if (produced == limit)
                {
                    // Full. One more byte would pass the limit: refuse if the stream still has any to give.
                    return hasMoreOutput() ? TOO_BIG : produced;
                }
                final int n = inflater.inflate(dst, dstOffset + produced, limit - produced);
                produced += n;
                if (0 == n)
                {
                    if (inflater.needsDictionary())
                    {
                        return CORRUPT; // raw deflate has no dictionary
                    }
                    break; // all input used (or the stream ended)
                }
            }
        }
        catch (final DataFormatException ex)
        {
            return CORRUPT;
        }
        if (inflater.finished())
        {
            // The message ended with a final block (BFINAL): the stream is over, start the next one fresh.
            inflater.reset();
        }
        return produced;
    }

    private boolean hasMoreOutput() throws DataFormatException
    {
        return !inflater.finished() && inflater.inflate(probe, 0, 1) > 0;
    }

    /**
     * @return whether the inflater is reset after each message.
     */
    public boolean noContextTakeover()
    {
        return noContextTakeover;
    }

    @Override
    public void close()
    {
        inflater.end();
    }
}
