package io.wsmux.transport;

import java.nio.ByteBuffer;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * A pooled piece of a connection's outbound queue: a direct buffer whose position is the next byte to send and
 * whose limit is the end of the bytes queued so far. Chunks are linked into one queue per connection.
 * Not thread safe: owned by one {@link IoLoop}.
 */
final class OutboundChunk
{
    final ByteBuffer byteBuffer;
    final UnsafeBuffer buffer;
    OutboundChunk next;

    OutboundChunk(final int length)
    {
        byteBuffer = ByteBuffer.allocateDirect(length);
        buffer = new UnsafeBuffer(byteBuffer);
        reset();
    }

    void reset()
    {
        byteBuffer.clear().limit(0);
        next = null;
    }

    int freeLength()
    {
        return byteBuffer.capacity() - byteBuffer.limit();
    }

    int pendingLength()
    {
        return byteBuffer.remaining();
    }
}
