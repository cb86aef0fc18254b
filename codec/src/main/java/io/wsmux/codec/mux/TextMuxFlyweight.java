package io.wsmux.codec.mux;

import java.nio.ByteOrder;

import org.agrona.DirectBuffer;

import static io.wsmux.codec.mux.TextMuxDescriptor.MSG_TAG;
import static io.wsmux.codec.mux.TextMuxDescriptor.SEPARATOR;
import static io.wsmux.codec.mux.TextMuxDescriptor.SUB_TAG;
import static io.wsmux.codec.mux.TextMuxDescriptor.TAG_LENGTH;
import static io.wsmux.codec.mux.TextMuxDescriptor.UNS_TAG;

/**
 * View over one complete message of the SockJS {@code websocket-multiplex} 0.1.0 text protocol: the payload of one
 * WebSocket text message, already reassembled and validated as UTF-8. Owns no bytes; {@link #wrap} finds the type,
 * the channel name and the payload and the accessors give them as absolute offsets into the wrapped buffer.
 * <pre>
 *   0   1   2   3   4                        4 + nameLength
 *  +---+---+---+---+------------------------+---+--------------------------------+
 *  | type (3)  | , | name (1..n, no comma)  | , | payload (0..n, commas allowed) |
 *  +---+---+---+---+------------------------+---+--------------------------------+
 *  sub,name   client joins a channel                  (payload and its comma absent)
 *  uns,name   either side leaves it                   (payload and its comma absent)
 *  msg,name,payload   either side sends on it
 * </pre>
 * The rules follow the reference server, {@code multiplex_server.js} of the npm package 0.1.0, which does
 * {@code t = message.split(','); type = t.shift(); topic = t.shift(); payload = t.join()} and switches on the exact
 * type string:
 * <ul>
 *     <li>the type is exactly the three lowercase bytes before the first comma; anything else (no comma, another or
 *     upper-case type, an empty message) is {@link #UNKNOWN}, which the reference ignores;</li>
 *     <li>the name runs from the first comma to the next comma or the end; an empty name is {@link #UNKNOWN}
 *     (the one divergence: the reference would look it up like any other, so a channel registered under the
 *     empty name would be reachable there and is not here);</li>
 *     <li>{@code msg}: the payload is everything after the second comma and may itself contain commas
 *     ({@code t.join()} restores them); {@code msg,name} without a second comma is a {@link #MSG} with an empty
 *     payload, because the reference joins an empty list to {@code ""} and still delivers it;</li>
 *     <li>{@code sub} and {@code uns}: anything from a second comma on is ignored, as the reference computes a
 *     payload for them but never reads it, so {@code sub,name,x} subscribes to {@code name}.</li>
 * </ul>
 * Names are not unescaped or checked against the {@code escape()} alphabet here: the client sends
 * {@code escape(name)}, services register their escaped name, and a name that matches no service is ignored.
 * <p>
 * Allocates nothing except in {@link #name()}. <b>Note:</b> Not thread safe: owned by one I/O loop.
 */
public final class TextMuxFlyweight
{
    /** Not a message of this protocol; all offsets equal the message offset and all lengths are 0. */
    public static final int UNKNOWN = 0;

    /** {@code sub,<name>}: the client subscribes to a channel. */
    public static final int SUB = 1;

    /** {@code msg,<name>,<payload>}: a message on a channel. */
    public static final int MSG = 2;

    /** {@code uns,<name>}: a side unsubscribes from a channel. */
    public static final int UNS = 3;

    private DirectBuffer buffer;
    private int type = UNKNOWN;
    private int nameOffset;
    private int nameLength;
    private int payloadOffset;
    private int payloadLength;

    /**
     * Parse one complete text message. Never throws for any content of the message; the range must lie within the
     * buffer.
     *
     * @param buffer holding the message.
     * @param offset of the first byte of the message.
     * @param length of the message in bytes.
     * @return the type found, one of {@link #SUB}, {@link #MSG}, {@link #UNS} or {@link #UNKNOWN}, also given by
     * {@link #type()}.
     */
    public int wrap(final DirectBuffer buffer, final int offset, final int length)
    {
        this.buffer = buffer;
        if (length <= TAG_LENGTH) // the shortest message is a tag and a one-byte name
        {
            return unknown(offset);
        }

        final int tag = buffer.getInt(offset, ByteOrder.BIG_ENDIAN);
        final int messageType;
        if (MSG_TAG == tag)
        {
            messageType = MSG;
        }
        else if (SUB_TAG == tag)
        {
            messageType = SUB;
        }
        else if (UNS_TAG == tag)
        {
            messageType = UNS;
        }
        else
        {
            return unknown(offset);
        }

        final int limit = offset + length;
        final int nameStart = offset + TAG_LENGTH;
        final int nameEnd = indexOfSeparator(buffer, nameStart, limit);
        if (nameEnd == nameStart)
        {
            return unknown(offset);
        }

        type = messageType;
        nameOffset = nameStart;
        nameLength = nameEnd - nameStart;
        if (MSG == messageType && nameEnd < limit)
        {
            payloadOffset = nameEnd + 1;
            payloadLength = limit - payloadOffset;
        }
        else
        {
            payloadOffset = nameEnd;
            payloadLength = 0;
        }

        return messageType;
    }

    /**
     * Type found by the last {@link #wrap}.
     *
     * @return {@link #SUB}, {@link #MSG}, {@link #UNS} or {@link #UNKNOWN}.
     */
    public int type()
    {
        return type;
    }

    /**
     * Buffer given to the last {@link #wrap}, into which all offsets point.
     *
     * @return the wrapped buffer, or null before the first wrap.
     */
    public DirectBuffer buffer()
    {
        return buffer;
    }

    /**
     * Absolute offset of the channel name, as sent (that is, as escaped by the client).
     *
     * @return offset in {@link #buffer()}.
     */
    public int nameOffset()
    {
        return nameOffset;
    }

    /**
     * Length of the channel name; at least 1 unless the type is {@link #UNKNOWN}.
     *
     * @return length in bytes.
     */
    public int nameLength()
    {
        return nameLength;
    }

    /**
     * Absolute offset of the payload of a {@link #MSG}; for other types, and for a {@code msg} with no second comma,
     * where the name ends.
     *
     * @return offset in {@link #buffer()}.
     */
    public int payloadOffset()
    {
        return payloadOffset;
    }

    /**
     * Length of the payload of a {@link #MSG}, which may be 0; always 0 for other types.
     *
     * @return length in bytes.
     */
    public int payloadLength()
    {
        return payloadLength;
    }

    /**
     * Channel name decoded as UTF-8 into a new String: for cold paths and tests only, as it allocates.
     *
     * @return the name as sent, or the empty string if the type is {@link #UNKNOWN}.
     */
    public String name()
    {
        return 0 == nameLength ? "" : buffer.getStringWithoutLengthUtf8(nameOffset, nameLength);
    }

    @Override
    public String toString()
    {
        return "TextMuxFlyweight{type=" + type +
            ", nameOffset=" + nameOffset +
            ", nameLength=" + nameLength +
            ", payloadOffset=" + payloadOffset +
            ", payloadLength=" + payloadLength +
            '}';
    }

    private int unknown(final int offset)
    {
        type = UNKNOWN;
        nameOffset = offset;
        nameLength = 0;
        payloadOffset = offset;
        payloadLength = 0;

        return UNKNOWN;
    }

    private static int indexOfSeparator(final DirectBuffer buffer, final int from, final int limit)
    {
        for (int i = from; i < limit; i++)
        {
            if (SEPARATOR == buffer.getByte(i))
            {
                return i;
            }
        }

        return limit;
    }
}
