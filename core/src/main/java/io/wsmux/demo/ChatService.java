package io.wsmux.demo;

import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.wsmux.Connection;
import io.wsmux.WebSocketHandler;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A chat room: every message a member sends goes to every member, including the sender. Members live on any I/O
 * loop; sending to a channel of another loop goes through that loop's queue ({@link Connection} is thread safe),
 * so the service needs no lock but the concurrent member set.
 */
public final class ChatService implements WebSocketHandler
{
    private static final int MAX_MESSAGE_LENGTH = 500;
    private static final UnsafeBuffer WELCOME =
        new UnsafeBuffer("{\"system\":\"welcome to the room\"}".getBytes(StandardCharsets.UTF_8));

    private final Set<Connection> members = ConcurrentHashMap.newKeySet();

    @Override
    public void onOpen(final Connection channel)
    {
        members.add(channel);
        channel.sendText(WELCOME, 0, WELCOME.capacity());
    }

    @Override
    public void onText(final Connection channel, final DirectBuffer buffer, final int offset, final int length)
    {
        final int sendLength = Math.min(length, MAX_MESSAGE_LENGTH);
        for (final Connection member : members)
        {
            member.sendText(buffer, offset, sendLength);
        }
    }

    @Override
    public void onClose(final Connection channel, final int code, final String reason)
    {
        members.remove(channel);
    }

    /**
     * @return members in the room now.
     */
    public int memberCount()
    {
        return members.size();
    }
}
