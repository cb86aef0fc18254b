package io.wsmux.codec.mux;

import static io.wsmux.codec.mux.BinaryMuxDescriptor.HEADER_LENGTH;
import static io.wsmux.codec.mux.BinaryMuxDescriptor.NAME_LENGTH_OFFSET;
import static io.wsmux.codec.mux.BinaryMuxDescriptor.NAME_OFFSET;
import static io.wsmux.codec.mux.BinaryMuxDescriptor.TYPE_OFFSET;

import java.nio.ByteOrder;

import org.agrona.DirectBuffer;

/**
 * View over one client message of the {@code wsmux.v1} binary multiplex protocol (docs/protocol.md,
 * {@link BinaryMuxDescriptor}): the payload of one WebSocket binary message. Owns no bytes; {@link #wrap} checks the
 * framing and the accessors give the fields, offsets absolute in the wrapped buffer.
 * <pre>
 *  0               1               2               3               4               5       6       7
 * +---------------+---------------+---------------+---------------+---------------+-------+-------+-----------
 * |     type      |                 channel id (u32, big-endian)                  | nameLength    | name ...
 * +---------------+---------------+---------------+---------------+---------------+-------+-------+-----------
 *  OPEN (0x01):          u16 nameLength, name (nameLength bytes), then optionally u32 maxRate, then optionally
 *                        u8 flags and, with RECOVER, u64 epoch and u64 offset (docs/protocol.md, positions)
 *  CLOSE (0x02):         nothing more is read
 *  TEXT (0x03), BINARY (0x04): payload to the end of the message
 * </pre>
 * The checks, in this order, are the ones a server makes before it looks anything up, each answered with ERROR 400:
 * <ol>
 *     <li>{@link #SHORT_HEADER}: fewer than the 5 bytes of type and channel id (report on channel 0);</li>
 *     <li>{@link #UNKNOWN_TYPE}: a type byte other than OPEN, CLOSE, TEXT or BINARY;</li>
 *     <li>{@link #SHORT_OPEN}: an OPEN shorter than its 7-byte header;</li>
 *     <li>{@link #NAME_PAST_END}: an OPEN whose name runs past the end of the message;</li>
 *     <li>{@link #RESERVED_CHANNEL_ID}: an OPEN for channel id 0, which is reserved for connection-wide errors
 *     (report on channel 0).</li>
 * </ol>
 * After the name, four or more bytes give maxRate (the first four; any more are ignored) and fewer give none (0).
 * Policy is left to the caller: an empty or non-UTF-8 name, a negative maxRate, a name too long, and ids that are or
 * are not open. {@link #errorChannelId()} and {@link #errorText()} give the channel id and reason of the ERROR.
 * <p>
 * Allocates nothing. <b>Note:</b> Not thread safe: owned by one I/O loop.
 */
public final class BinaryMuxFlyweight
{
    /** A well-formed client message. */
    public static final int OK = 0;

    /** Shorter than the 5-byte header: no type or channel id; ERROR 400 on channel 0. */
    public static final int SHORT_HEADER = 1;

    /** A type byte that is not a client message type; ERROR 400 on the channel id. */
    public static final int UNKNOWN_TYPE = 2;

    /** An OPEN shorter than its 7-byte header (no name length); ERROR 400 on the channel id. */
    public static final int SHORT_OPEN = 3;

    /** An OPEN whose nameLength runs past the end of the message; ERROR 400 on the channel id. */
    public static final int NAME_PAST_END = 4;

    /** An OPEN for channel id 0, which is reserved; ERROR 400 on channel 0. */
    public static final int RESERVED_CHANNEL_ID = 5;

    /** Marks RECOVER without its 16 bytes (outside the flags byte, so never valid). */
    private static final int INCOMPLETE_FLAGS = 0x100;

    private static final String[] ERROR_TEXTS =
    {
        null,
        "message shorter than its 5-byte header",
        "unknown message type",
        "OPEN shorter than its 7-byte header",
        "OPEN name runs past the end of the message",
        "channel id 0 is reserved",
    };

    private DirectBuffer buffer;
    private int status = SHORT_HEADER;
    private byte type;
    private int channelId;
    private int nameOffset;
    private int nameLength;
    private int maxRate;
    /** OPEN flags, with {@link #INCOMPLETE_FLAGS} set when RECOVER lacks its fields. */
    private int openFlags;
    private long recoverEpoch;
    private long recoverOffset;
    private int payloadOffset;
    private int payloadLength;

    /**
     * Check and take apart one complete client message. Never throws for any content of the message; the range must
     * lie within the buffer, and nothing outside it is read.
     *
     * @param buffer holding the message.
     * @param offset of the first byte of the message.
     * @param length of the message in bytes.
     * @return {@link #OK} or the first check failed, also given by {@link #status()}.
     */
    public int wrap(final DirectBuffer buffer, final int offset, final int length)
    {
        this.buffer = buffer;
        type = 0;
        channelId = 0;
        nameOffset = offset;
        nameLength = 0;
        maxRate = 0;
        openFlags = 0;
        recoverEpoch = 0;
        recoverOffset = 0;
        payloadOffset = offset + length;
        payloadLength = 0;

        status = check(buffer, offset, length);
        return status;
    }

    /**
     * Result of the last {@link #wrap}.
     *
     * @return {@link #OK}, {@link #SHORT_HEADER}, {@link #UNKNOWN_TYPE}, {@link #SHORT_OPEN},
     * {@link #NAME_PAST_END} or {@link #RESERVED_CHANNEL_ID}.
     */
    public int status()
    {
        return status;
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
     * The type byte: {@link BinaryMuxDescriptor#OPEN}, {@link BinaryMuxDescriptor#CLOSE},
     * {@link BinaryMuxDescriptor#TEXT} or {@link BinaryMuxDescriptor#BINARY} when {@link #OK}.
     *
     * @return the type as sent, 0 after {@link #SHORT_HEADER}.
     */
    public byte type()
    {
        return type;
    }

    /**
     * The channel id, an unsigned 32-bit value in an int (compare with ==).
     *
     * @return the id as sent, 0 after {@link #SHORT_HEADER}.
     */
    public int channelId()
    {
        return channelId;
    }

    /**
     * Absolute offset of an OPEN's name.
     *
     * @return offset in {@link #buffer()}; the message offset unless an OPEN was wrapped {@link #OK}.
     */
    public int nameOffset()
    {
        return nameOffset;
    }

    /**
     * Length of an OPEN's name in bytes, possibly 0 (which the caller refuses), not checked as UTF-8.
     *
     * @return length in bytes; 0 unless an OPEN was wrapped {@link #OK}.
     */
    public int nameLength()
    {
        return nameLength;
    }

    /**
     * An OPEN's maxRate, messages per second, read as a signed big-endian int: negative values are the caller's to
     * refuse.
     *
     * @return the rate asked for, 0 when absent or unless an OPEN was wrapped {@link #OK}.
     */
    public int maxRate()
    {
        return maxRate;
    }

    /**
     * Absolute offset of a TEXT or BINARY payload.
     *
     * @return offset in {@link #buffer()}; for other messages the end of the message.
     */
    public int payloadOffset()
    {
        return payloadOffset;
    }

    /**
     * Length of a TEXT or BINARY payload, possibly 0.
     *
     * @return length in bytes; 0 for other messages.
     */
    public int payloadLength()
    {
        return payloadLength;
    }

    /**
     * Channel id to put in the ERROR answering a failed {@link #wrap}: 0 for {@link #SHORT_HEADER} and
     * {@link #RESERVED_CHANNEL_ID}, else the message's own.
     *
     * @return the channel id for the ERROR.
     */
    public int errorChannelId()
    {
        return SHORT_HEADER == status || RESERVED_CHANNEL_ID == status ? 0 : channelId;
    }

    /**
     * Reason to put in the ERROR (code {@link BinaryMuxDescriptor#CODE_BAD_REQUEST}) answering a failed
     * {@link #wrap}.
     *
     * @return a constant string, or null after {@link #OK}.
     */
    public String errorText()
    {
        return ERROR_TEXTS[status];
    }

    @Override
    public String toString()
    {
        return "BinaryMuxFlyweight{status=" + status +
            ", type=" + type +
            ", channelId=" + Integer.toUnsignedString(channelId) +
            ", nameOffset=" + nameOffset +
            ", nameLength=" + nameLength +
            ", maxRate=" + maxRate +
            ", payloadOffset=" + payloadOffset +
            ", payloadLength=" + payloadLength +
            '}';
    }

    private int check(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < HEADER_LENGTH)
        {
            return SHORT_HEADER;
        }
        type = buffer.getByte(offset + TYPE_OFFSET);
        channelId = BinaryMuxDescriptor.channelId(buffer, offset);

        switch (type)
        {
            case BinaryMuxDescriptor.OPEN:
                return checkOpen(buffer, offset, length);

            case BinaryMuxDescriptor.CLOSE:
                return OK;

            case BinaryMuxDescriptor.TEXT:
            case BinaryMuxDescriptor.BINARY:
                payloadOffset = offset + HEADER_LENGTH;
                payloadLength = length - HEADER_LENGTH;
                return OK;

            default:
                return UNKNOWN_TYPE;
        }
    }

    private int checkOpen(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < NAME_OFFSET)
        {
            return SHORT_OPEN;
        }
        final int openNameLength = buffer.getShort(offset + NAME_LENGTH_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        if (NAME_OFFSET + openNameLength > length)
        {
            return NAME_PAST_END;
        }
        if (0 == channelId)
        {
            return RESERVED_CHANNEL_ID;
        }

        nameOffset = offset + NAME_OFFSET;
        nameLength = openNameLength;
        final int rateOffset = NAME_OFFSET + openNameLength;
        if (length >= rateOffset + Integer.BYTES)
        {
            maxRate = buffer.getInt(offset + rateOffset, ByteOrder.BIG_ENDIAN);
        }
        final int flagsOffset = rateOffset + Integer.BYTES;
        if (length > flagsOffset)
        {
            openFlags = buffer.getByte(offset + flagsOffset) & 0xFF;
            if ((openFlags & BinaryMuxDescriptor.OPEN_RECOVER) != 0)
            {
                if (length >= flagsOffset + 1 + 2 * Long.BYTES)
                {
                    recoverEpoch = buffer.getLong(offset + flagsOffset + 1, ByteOrder.BIG_ENDIAN);
                    recoverOffset = buffer.getLong(offset + flagsOffset + 1 + Long.BYTES, ByteOrder.BIG_ENDIAN);
                }
                else
                {
                    openFlags |= INCOMPLETE_FLAGS;
                }
            }
        }
        return OK;
    }

    /**
     * An OPEN's extension flags ({@link BinaryMuxDescriptor#OPEN_POSITIONS}, {@link BinaryMuxDescriptor#OPEN_RECOVER});
     * see {@link #openFlagsValid()}.
     *
     * @return the flags byte, 0 when absent or unless an OPEN was wrapped {@link #OK}.
     */
    public int openFlags()
    {
        return openFlags & 0xFF;
    }

    /**
     * @return false when the OPEN's flags set a reserved bit, or ask to recover without the epoch and offset: the
     * caller refuses the channel (400).
     */
    public boolean openFlagsValid()
    {
        return 0 == (openFlags & ~(BinaryMuxDescriptor.OPEN_POSITIONS | BinaryMuxDescriptor.OPEN_RECOVER));
    }

    /**
     * @return the epoch to recover from, with {@link BinaryMuxDescriptor#OPEN_RECOVER}; 0 otherwise.
     */
    public long recoverEpoch()
    {
        return recoverEpoch;
    }

    /**
     * @return the offset to resume after, with {@link BinaryMuxDescriptor#OPEN_RECOVER}; 0 otherwise.
     */
    public long recoverOffset()
    {
        return recoverOffset;
    }
}
