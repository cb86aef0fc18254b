package io.wsmux;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

import io.wsmux.transport.IoLoop;
import io.wsmux.transport.LoopTask;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * One message published to a topic, framed once and shared read-only by every loop and subscriber: for the text
 * protocol the whole WebSocket frame ({@code msg,<name>,<payload>}) is ready in the buffer; for the binary protocol
 * only a 5-byte prefix differs per subscriber and the payload is the same bytes.
 * <pre>
 *  0          10 - h       10                      10 + prefix
 *  |  unused   | WS header | msg,&lt;name&gt;,      | payload ...
 * </pre>
 * When some subscriber negotiated permessage-deflate (no context takeover), the publisher also compresses it, once,
 * into the same buffer after the plain frame ({@code c} = the plain frame's end):
 * <pre>
 *  c         c + 10 - h   c + 10         c + 15          c + 15 + prefix
 *  | unused  | WS header  | stored block | msg,&lt;name&gt;, | deflated payload ...
 *            | RSV1 set   | header (5)   |                |
 * </pre>
 * A text subscriber takes the whole compressed frame; a binary one its own 5-byte prefix in a stored block of its
 * own, then the same deflated payload: a deflate stream may start with a stored block, and the payload, compressed by
 * a fresh compressor, refers to nothing before itself.
 * Reference counted: one reference per loop it is handed to, one per subscriber holding it as a pending (conflated or
 * throttled) value and one per loop's last value; back to its pool at zero. Thread safe for those operations.
 */
final class Publication implements LoopTask
{
    static final int FRAME_START = 10;

    private static final AtomicIntegerFieldUpdater<Publication> REFERENCES =
        AtomicIntegerFieldUpdater.newUpdater(Publication.class, "references");

    final UnsafeBuffer buffer;
    final PublicationPool pool;
    Topic topic;
    boolean text;
    int textFrameOffset;
    int textFrameLength;
    int payloadOffset;
    int payloadLength;
    /** Whether the compressed form below exists (written before the publication is handed to any loop). */
    boolean deflated;
    int deflatedFrameOffset;
    int deflatedFrameLength;
    int deflatedPayloadOffset;
    int deflatedPayloadLength;
    /** Its position in its topic's history (written before it is handed to any loop); 0 without a history. */
    long offset;
    private volatile int references;

    Publication(final PublicationPool pool, final int capacity)
    {
        this.pool = pool;
        this.buffer = new UnsafeBuffer(new byte[capacity]);
    }

    void references(final int count)
    {
        REFERENCES.set(this, count);
    }

    void retain()
    {
        REFERENCES.incrementAndGet(this);
    }

    void release()
    {
        final int remaining = REFERENCES.decrementAndGet(this);
        if (0 == remaining)
        {
            topic = null;
            pool.release(this);
        }
        else if (remaining < 0)
        {
            throw new IllegalStateException("publication released too often");
        }
    }

    @Override
    public void run(final IoLoop loop)
    {
        try
        {
            topic.deliver(this, loop);
        }
        finally
        {
            release();
        }
    }
}
