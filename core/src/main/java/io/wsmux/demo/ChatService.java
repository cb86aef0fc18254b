package io.wsmux.demo;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

import io.wsmux.Connection;
import io.wsmux.Topic;
import io.wsmux.WebSocketHandler;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A chat room on a topic whose subscribers send ({@code Multiplexer.Builder.topic(name, options, handler)}): what a
 * member sends is published to the room's topic, at most {@value #MAX_MESSAGE_LENGTH} bytes of it, so it reaches
 * every member, the sender included, on every node of a cluster. Members live on any I/O loop; publishing is thread
 * safe, so the service needs no lock.
 */
public final class ChatService implements WebSocketHandler
{
    /** Longest message passed on, in bytes (cut at a character boundary). */
    public static final int MAX_MESSAGE_LENGTH = 500;
    private static final UnsafeBuffer WELCOME =
        new UnsafeBuffer("{\"system\":\"welcome to the room\"}".getBytes(StandardCharsets.UTF_8));

    private final AtomicInteger members = new AtomicInteger();
    private volatile Topic room;

    /**
     * @param room the topic this service is registered on, once the multiplexer is built.
     */
    public void room(final Topic room)
    {
        this.room = room;
    }

    @Override
    public void onOpen(final Connection channel)
    {
        members.incrementAndGet();
        channel.sendText(WELCOME, 0, WELCOME.capacity());
    }

    @Override
    public void onText(final Connection channel, final DirectBuffer buffer, final int offset, final int length)
    {
        final Topic topic = room;
        if (null != topic && length > 0)
        {
            topic.publish(buffer, offset, utf8Prefix(buffer, offset, length, MAX_MESSAGE_LENGTH));
        }
    }

    @Override
    public void onClose(final Connection channel, final int code, final String reason)
    {
        members.decrementAndGet();
    }

    /**
     * @return members connected to this node's room now.
     */
    public int memberCount()
    {
        return members.get();
    }

    /**
     * @param buffer holding valid UTF-8 (the server checked the text frame).
     * @param offset of the text.
     * @param length of the text.
     * @param max    longest prefix wanted, in bytes.
     * @return the length of the longest prefix of at most {@code max} bytes that ends at a character boundary.
     */
    public static int utf8Prefix(final DirectBuffer buffer, final int offset, final int length, final int max)
    {
        if (length <= max)
        {
            return length;
        }
        int end = max;
        while (end > 0 && (buffer.getByte(offset + end) & 0xC0) == 0x80)
        {
            end--; // the byte at end continues a character that started before it: cut before that character
        }
        return end;
    }
}
