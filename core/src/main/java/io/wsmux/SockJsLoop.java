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
    /** Messages longer than this are quoted for each subscriber rather than compared. */
    private static final int MAX_REMEMBERED_MESSAGE = 4096;

    final ExpandableArrayBuffer frame = new ExpandableArrayBuffer(1024);
    final ExpandableArrayBuffer out = new ExpandableArrayBuffer(4096);
    final ExpandableArrayBuffer quoted = new ExpandableArrayBuffer(1024);
    final UnsafeBuffer anotherConnectionStillOpen =
        new UnsafeBuffer(SockJsPages.ANOTHER_CONNECTION.getBytes(StandardCharsets.US_ASCII));
    private final ExpandableArrayBuffer decoded = new ExpandableArrayBuffer(1024);
    /** The last message framed as a["..."], and the message itself: a publication's subscribers share it. */
    private final ExpandableArrayBuffer messageFrame = new ExpandableArrayBuffer(1024);
    private final ExpandableArrayBuffer lastMessage = new ExpandableArrayBuffer(1024);
    private int lastMessageLength = -1;
    private int messageFrameLength;
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

    /**
     * A message (prefix and payload, UTF-8) as a SockJS frame {@code a["..."]}, quoted once: the frame of the last
     * message is kept, and an equal message (the next subscriber of the same publication) takes it as it is.
     *
     * @return the buffer holding the frame from 0, {@link #frameLength()} bytes; valid until the next call.
     */
    ExpandableArrayBuffer frameFor(
        final DirectBuffer prefix, final int prefixOffset, final int prefixLength,
        final DirectBuffer payload, final int payloadOffset, final int payloadLength)
    {
        final int length = prefixLength + payloadLength;
        if (length == lastMessageLength &&
            regionEquals(lastMessage, 0, prefix, prefixOffset, prefixLength) &&
            regionEquals(lastMessage, prefixLength, payload, payloadOffset, payloadLength))
        {
            return messageFrame;
        }
        messageFrame.checkLimit(SockJsJson.maxQuotedLength(length) + 3);
        int at = 0;
        messageFrame.putByte(at++, (byte)'a');
        messageFrame.putByte(at++, (byte)'[');
        messageFrame.putByte(at++, (byte)'"');
        at += SockJsJson.quoteRaw(prefix, prefixOffset, prefixLength, messageFrame, at);
        at += SockJsJson.quoteRaw(payload, payloadOffset, payloadLength, messageFrame, at);
        messageFrame.putByte(at++, (byte)'"');
        messageFrame.putByte(at++, (byte)']');
        messageFrameLength = at;
        if (length <= MAX_REMEMBERED_MESSAGE)
        {
            lastMessage.putBytes(0, prefix, prefixOffset, prefixLength);
            lastMessage.putBytes(prefixLength, payload, payloadOffset, payloadLength);
            lastMessageLength = length;
        }
        else
        {
            lastMessageLength = -1;
        }
        return messageFrame;
    }

    /**
     * @return the length of the frame {@link #frameFor} returned last.
     */
    int frameLength()
    {
        return messageFrameLength;
    }

    private static boolean regionEquals(
        final DirectBuffer a, final int aOffset, final DirectBuffer b, final int bOffset, final int length)
    {
        int i = 0;
        for (; i + Long.BYTES <= length; i += Long.BYTES)
        {
            if (a.getLong(aOffset + i) != b.getLong(bOffset + i))
            {
                return false;
            }
        }
        for (; i < length; i++)
        {
            if (a.getByte(aOffset + i) != b.getByte(bOffset + i))
            {
                return false;
            }
        }
        return true;
    }

    @Override
    public void onMessage(final DirectBuffer buffer, final int offset, final int length)
    {
        target.onMessage(buffer, offset, length);
    }
}
