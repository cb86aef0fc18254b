package io.wsmux;

import java.nio.charset.StandardCharsets;

import io.wsmux.sockjs.SockJsJson;
import io.wsmux.sockjs.SockJsPages;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A loop's SockJS scratch: where frames and responses are built and client JSON decoded. Grown on first use and
 * kept, so the loop allocates nothing per message once warm.
 */
final class SockJsLoop implements SockJsJson.MessageSink
{
    final ExpandableArrayBuffer frame = new ExpandableArrayBuffer(1024);
    final ExpandableArrayBuffer out = new ExpandableArrayBuffer(4096);
    final ExpandableArrayBuffer quoted = new ExpandableArrayBuffer(1024);
    final UnsafeBuffer anotherConnectionStillOpen =
        new UnsafeBuffer(SockJsPages.ANOTHER_CONNECTION.getBytes(StandardCharsets.US_ASCII));
    private final ExpandableArrayBuffer decoded = new ExpandableArrayBuffer(1024);
    private int[] bounds = new int[256];
    private SockJsSession target;

    /**
     * Decode a client's JSON array of strings and hand each to the session, or nothing when it is broken.
     *
     * @return the number of messages, or {@link SockJsJson#BROKEN}.
     */
    int deliver(
        final SockJsSession session, final DirectBuffer json, final int offset, final int length,
        final boolean allowBareString)
    {
        decoded.checkLimit(length);
        if (bounds.length < length + 2)
        {
            bounds = new int[length + 2];
        }
        target = session;
        try
        {
            return SockJsJson.parseMessages(json, offset, length, allowBareString, decoded, bounds, this);
        }
        finally
        {
            target = null;
        }
    }

    @Override
    public void onMessage(final DirectBuffer buffer, final int offset, final int length)
    {
        target.onMessage(buffer, offset, length);
    }
}
