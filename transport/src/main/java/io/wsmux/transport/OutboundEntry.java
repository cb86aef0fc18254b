package io.wsmux.transport;

import java.nio.ByteBuffer;

/**
 * One queued frame, or a piece of one, in a connection's data or control lane: a region of a buffer, how much of
 * it is written, and whether it starts and ends a WebSocket frame, so that control frames can be slipped in at the
 * first frame boundary instead of waiting behind queued data. Pooled per loop.
 * Not thread safe: owned by one {@link IoLoop}.
 */
final class OutboundEntry
{
    OutboundEntry next;
    OutboundChunk chunk;
    ByteBuffer byteBuffer;
    int offset;
    int length;
    int position;
    boolean startsFrame;
    boolean endsFrame;

    int remaining()
    {
        return length - position;
    }

    boolean isMidFrame()
    {
        return position > 0 || !startsFrame;
    }

    void clear()
    {
        next = null;
        chunk = null;
        byteBuffer = null;
        offset = 0;
        length = 0;
        position = 0;
        startsFrame = false;
        endsFrame = false;
    }
}
