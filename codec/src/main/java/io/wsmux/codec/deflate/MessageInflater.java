package io.wsmux.codec.deflate;

import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Decompresses permessage-deflate messages (RFC 7692 §7.2.2) with the JDK's {@code Inflater} (raw deflate) into a
 * bounded output: the message size limit is enforced while inflating, never after, so a small message that would
 * inflate to gigabytes (a decompression bomb) stops at the limit having produced no more than it.
 * <p>
 * Either feed each frame's payload with {@link #inflate(byte[], int, int, boolean, byte[], int, int)}, or a whole
 * message at once with {@link #inflateMessage}; after the last frame of a message the receiver's tail
 * {@code 00 00 FF FF} is fed too. With no context takeover the inflater is reset after each message and may be shared
 * by the connections of a loop, one whole message at a time; with context takeover it belongs to one connection.
 * <p>
 * Not thread safe; nothing is allocated per message once the output buffer has grown to the largest message.
 * {@link #close()} frees zlib's native memory.
 */
public final class MessageInflater implements AutoCloseable
{
    /** {@link #inflate} result: the output would pass the limit (close with 1009). */
    public static final int TOO_BIG = -1;

    /** {@link #inflate} result: the input is not valid deflate data (close with 1007). */
    public static final int CORRUPT = -2;

    /** Output room asked for at least, per growth of an expandable output buffer. */
    private static final int MIN_GROWTH = 4096;

    private static final byte[] TAIL = {0, 0, (byte)0xFF, (byte)0xFF};

    private final Inflater inflater = new Inflater(true);
    private final byte[] probe = new byte[1];
    private final boolean noContextTakeover;
    /**
     * The message's deflate stream ended with a final block (BFINAL): the inflater was reset for the next message,
     * and the tail is not fed (it would start a new stream that the next message then continues).
     */
    private boolean streamEnded;
    private final ByteBufferView view = new ByteBufferView();

    /**
     * @param noContextTakeover reset after each message (the peer compresses each message on its own).
     */
    public MessageInflater(final boolean noContextTakeover)
    {
        this.noContextTakeover = noContextTakeover;
    }

    /**
     * Inflate one frame's payload (or any part of a message) into an array.
     *
     * @param src       compressed bytes.
     * @param srcOffset of the first.
     * @param length    of the compressed bytes.
     * @param last      whether this ends the message (the tail is fed after it).
     * @param dst       output.
     * @param dstOffset where the output goes.
     * @param limit     most bytes this call may produce.
     * @return bytes produced, or {@link #TOO_BIG} or {@link #CORRUPT}.
     */
    public int inflate(
        final byte[] src, final int srcOffset, final int length, final boolean last,
        final byte[] dst, final int dstOffset, final int limit)
    {
        inflater.setInput(src, srcOffset, length);
        int produced = drain(dst, dstOffset, limit);
        if (produced >= 0 && last && !streamEnded)
        {
            inflater.setInput(TAIL, 0, TAIL.length);
            final int tail = drain(dst, dstOffset + produced, limit - produced);
            produced = tail < 0 ? tail : produced + tail;
        }
        return endCall(produced, last);
    }

    /**
     * Inflate a whole message into an expandable buffer, growing it as the output needs but never past the limit.
     *
     * @param src       compressed bytes: an array-backed buffer or one that wraps a {@link java.nio.ByteBuffer}.
     * @param srcOffset of the first.
     * @param length    of the compressed message (every frame's payload, the tail not included).
     * @param dst       expandable, array-backed output (an {@code ExpandableArrayBuffer}).
     * @param limit     most bytes the message may inflate to.
     * @return bytes produced at offset 0 of dst, or {@link #TOO_BIG} or {@link #CORRUPT}.
     */
    public int inflateMessage(
        final DirectBuffer src, final int srcOffset, final int length, final MutableDirectBuffer dst, final int limit)
    {
        setInput(src, srcOffset, length);
        int produced = drainGrowing(dst, 0, limit);
        if (produced >= 0 && !streamEnded)
        {
            inflater.setInput(TAIL, 0, TAIL.length);
            final int tail = drainGrowing(dst, produced, limit);
            produced = tail;
        }
        return endCall(produced, true);
    }

    private void setInput(final DirectBuffer src, final int srcOffset, final int length)
    {
        final byte[] array = src.byteArray();
        if (null != array)
        {
            inflater.setInput(array, (int)src.wrapAdjustment() + srcOffset, length);
            return;
        }
        inflater.setInput(view.of(src, srcOffset, length));
    }

    private int endCall(final int produced, final boolean last)
    {
        if (produced < 0 || (last && noContextTakeover))
        {
            inflater.reset(); // a refused message leaves nothing behind for the next (the connection closes anyway)
        }
        if (produced < 0 || last)
        {
            streamEnded = false;
        }
        return produced;
    }

    private int drain(final byte[] dst, final int dstOffset, final int limit)
    {
        int produced = 0;
        try
        {
            while (true)
            {
                if (produced == limit)
                {
                    // Full. One more byte would pass the limit: refuse if the stream still has any to give.
                    if (hasMoreOutput())
                    {
                        return TOO_BIG;
                    }
                    break;
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
        afterDrain();
        return produced;
    }

    /**
     * @return the total length at dst after this input (from position), or TOO_BIG or CORRUPT.
     */
    private int drainGrowing(final MutableDirectBuffer dst, final int position, final int limit)
    {
        int length = position;
        try
        {
            while (true)
            {
                if (length == limit)
                {
                    if (hasMoreOutput())
                    {
                        return TOO_BIG;
                    }
                    break; // exactly at the limit: a final block may have ended the stream (see afterDrain)
                }
                int room = dst.capacity() - length;
                if (room <= 0)
                {
                    dst.checkLimit((int)Math.min(limit, (long)length + Math.max(MIN_GROWTH, length)));
                    room = dst.capacity() - length;
                }
                final int n = inflater.inflate(
                    dst.byteArray(), (int)dst.wrapAdjustment() + length, Math.min(room, limit - length));
                length += n;
                if (0 == n)
                {
                    if (inflater.needsDictionary())
                    {
                        return CORRUPT;
                    }
                    break; // all input used (or the stream ended)
                }
            }
        }
        catch (final DataFormatException ex)
        {
            return CORRUPT;
        }
        afterDrain();
        return length;
    }

    private void afterDrain()
    {
        if (inflater.finished())
        {
            // RFC 7692 §7.2.3.4: a sender may end a message with a final block (BFINAL). The stream is over: the next
            // message starts a fresh one, and the receiver's tail, which would begin a new stream here, is left out.
            inflater.reset();
            streamEnded = true;
        }
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
