package io.wsmux.codec.deflate;

import java.nio.ByteBuffer;

import org.agrona.DirectBuffer;

/**
 * A range of a {@link DirectBuffer} that wraps a {@link ByteBuffer} (a loop's direct read buffer), as the
 * {@code ByteBuffer} zlib's {@code setInput} takes: a duplicate made once per wrapped buffer, its position and limit
 * set per call, so that nothing is allocated per message. Not thread safe: one per compressor or inflater.
 */
final class ByteBufferView
{
    private ByteBuffer source;
    private ByteBuffer view;

    /**
     * @param buffer wraps a ByteBuffer (not an array).
     * @param offset of the range in the buffer.
     * @param length of the range.
     * @return the range, positioned and limited; valid until the next call.
     * @throws IllegalArgumentException if the buffer wraps neither an array nor a ByteBuffer (a raw address).
     */
    ByteBuffer of(final DirectBuffer buffer, final int offset, final int length)
    {
        final ByteBuffer wrapped = buffer.byteBuffer();
        if (null == wrapped)
        {
            throw new IllegalArgumentException("input must wrap an array or a ByteBuffer");
        }
        if (wrapped != source)
        {
            source = wrapped;
            view = wrapped.duplicate();
        }
        final int start = (int)buffer.wrapAdjustment() + offset; // the index in the ByteBuffer
        view.limit(start + length).position(start);
        return view;
    }
}
