package io.wsmux.transport;

import java.nio.ByteBuffer;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * A pooled direct buffer that queued frames are copied into, one after another. Several {@link OutboundEntry}s
 * point into one chunk; the chunk returns to its pool when the last of them is written and no lane appends to it
 * any more. Not thread safe: owned by one {@link IoLoop}.
 */
final class OutboundChunk
{
    final ByteBuffer byteBuffer;
    final UnsafeBuffer buffer;
    int appendPosition;
    int references;

    OutboundChunk(final int length)
    {
        byteBuffer = ByteBuffer.allocateDirect(length);
        buffer = new UnsafeBuffer(byteBuffer);
    }

    void reset()
    {
        appendPosition = 0;
        references = 0;
    }

    int freeLength()
    {
        return byteBuffer.capacity() - appendPosition;
    }
}
