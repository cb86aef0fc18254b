package io.wsmux.codec.mux;

import java.nio.ByteOrder;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Layout of the {@code wsmux.v1} binary multiplex protocol (docs/protocol.md): every message is one WebSocket
 * binary frame whose first byte is the type and next four the channel id, big-endian.
 * <pre>
 *  0               1               2               3               4
 * +---------------+---------------+---------------+---------------+---------------+-----------------
 * |     type      |                 channel id (u32)                              | type-specific ...
 * +---------------+---------------+---------------+---------------+---------------+-----------------
 *  OPEN:             u16 nameLength, name, optional u32 maxRate
 *  REFUSED/CLOSED/ERROR: u16 code, reason
 *  TEXT/BINARY:      payload
 * </pre>
 * Stateless and allocation free.
 */
public final class BinaryMuxDescriptor
{
    /** The subprotocol name that selects this protocol. */
    public static final String SUBPROTOCOL = "wsmux.v1";

    /** Client: open a channel. */
    public static final byte OPEN = 0x01;
    /** Client: close a channel. */
    public static final byte CLOSE = 0x02;
    /** Client: text message. */
    public static final byte TEXT = 0x03;
    /** Client: binary message. */
    public static final byte BINARY = 0x04;

    /** Server: the channel is open. */
    public static final byte OPENED = (byte)0x81;
    /** Server: the channel was refused. */
    public static final byte REFUSED = (byte)0x82;
    /** Server: text message. */
    public static final byte SERVER_TEXT = (byte)0x83;
    /** Server: binary message. */
    public static final byte SERVER_BINARY = (byte)0x84;
    /** Server: the server closed the channel. */
    public static final byte CLOSED = (byte)0x85;
    /** Server: a client message was malformed or not allowed. */
    public static final byte ERROR = (byte)0x86;
    /**
     * Server to client: {@code u16 code}, reason: the channel's topic may have missed publications here (its node lost
     * the cluster's link for a while); the channel stays open. A client ignores server types it does not know.
     */
    public static final byte GAP = (byte)0x87;
    /** Server: a text message tagged with its position: u32 offset (low 32 bits), then the payload. */
    public static final byte TEXT_AT = (byte)0x88;
    /** Server: a binary message tagged with its position: u32 offset (low 32 bits), then the payload. */
    public static final byte BINARY_AT = (byte)0x89;

    /** OPEN flag: tag this channel's messages with their offsets (a topic with history). */
    public static final int OPEN_POSITIONS = 0x01;
    /** OPEN flag: u64 epoch and u64 offset follow; resume after that position (implies positions). */
    public static final int OPEN_RECOVER = 0x02;

    /** OPENED for a channel that asked for positions: the topic keeps no history; messages come untagged. */
    public static final int RECOVERY_NO_HISTORY = 0;
    /** OPENED for a channel that asked for positions: no recovery asked; the current position. */
    public static final int RECOVERY_FRESH = 1;
    /** OPENED: every publication after the client's position follows, then live. */
    public static final int RECOVERY_RECOVERED = 2;
    /** OPENED: the history could not give everything after the client's position; nothing replayed. */
    public static final int RECOVERY_NOT_RECOVERED = 3;
    /** Length of an OPENED with a position: header, u8 recovery, u64 epoch, u64 offset. */
    public static final int OPENED_POSITION_LENGTH = 5 + 1 + 2 * 8;
    /** Length of the prefix of a TEXT_AT or BINARY_AT: header and u32 offset. */
    public static final int AT_PREFIX_LENGTH = 5 + 4;

    /** Offset of the type. */
    public static final int TYPE_OFFSET = 0;
    /** Offset of the channel id. */
    public static final int CHANNEL_ID_OFFSET = 1;
    /** Bytes of type and channel id. */
    public static final int HEADER_LENGTH = 5;
    /** Offset of OPEN's name length. */
    public static final int NAME_LENGTH_OFFSET = HEADER_LENGTH;
    /** Offset of OPEN's name. */
    public static final int NAME_OFFSET = NAME_LENGTH_OFFSET + 2;
    /** Offset of the code in REFUSED, CLOSED and ERROR. */
    public static final int CODE_OFFSET = HEADER_LENGTH;
    /** Offset of the reason in REFUSED, CLOSED and ERROR. */
    public static final int REASON_OFFSET = CODE_OFFSET + 2;

    /** Malformed message. */
    public static final int CODE_BAD_REQUEST = 400;
    /** Refused by the authorization hook. */
    public static final int CODE_FORBIDDEN = 403;
    /** No service or topic under that name. */
    public static final int CODE_NOT_FOUND = 404;
    /** The channel id is already open. */
    public static final int CODE_CONFLICT = 409;
    /** The channel id is not open. */
    public static final int CODE_GONE = 410;
    /** The name is too long. */
    public static final int CODE_NAME_TOO_LONG = 413;
    /** Too many channels open. */
    public static final int CODE_TOO_MANY_CHANNELS = 429;
    /** The topic prefix already holds its limit of topics and the name is not one of them. */
    public static final int CODE_TOO_MANY_TOPICS = 429;
    /** GAP: the node lost its link to the cluster; publications other nodes made meanwhile may be missing. */
    public static final int CODE_CLUSTER_GAP = 503;
    /** GAP: publications were dropped for this subscriber: its connection was over its outbound budget. */
    public static final int CODE_DROPPED_GAP = 507;
    /** The channel was closed normally. */
    public static final int CODE_NORMAL = 1000;
    /** The channel was closed because the server is going away. */
    public static final int CODE_GOING_AWAY = 1001;
    /** The service failed. */
    public static final int CODE_INTERNAL_ERROR = 1011;

    private BinaryMuxDescriptor()
    {
    }

    /**
     * @param buffer holding a message.
     * @param offset of the message.
     * @return its channel id as an unsigned value in an int (compare with ==).
     */
    public static int channelId(final DirectBuffer buffer, final int offset)
    {
        return buffer.getInt(offset + CHANNEL_ID_OFFSET, ByteOrder.BIG_ENDIAN);
    }

    /**
     * Write type and channel id.
     *
     * @param dst       destination.
     * @param offset    where the message starts.
     * @param type      message type.
     * @param channelId channel id.
     * @return {@link #HEADER_LENGTH}.
     */
    public static int writeHeader(final MutableDirectBuffer dst, final int offset, final byte type, final int channelId)
    {
        dst.putByte(offset + TYPE_OFFSET, type);
        dst.putInt(offset + CHANNEL_ID_OFFSET, channelId, ByteOrder.BIG_ENDIAN);
        return HEADER_LENGTH;
    }

    /**
     * Write a REFUSED, CLOSED or ERROR message.
     *
     * @param dst          destination.
     * @param offset       where the message starts.
     * @param type         REFUSED, CLOSED or ERROR.
     * @param channelId    channel id.
     * @param code         the code.
     * @param reason       UTF-8 reason.
     * @param reasonOffset of the reason.
     * @param reasonLength of the reason.
     * @return bytes written.
     */
    public static int writeCodeAndReason(
        final MutableDirectBuffer dst,
        final int offset,
        final byte type,
        final int channelId,
        final int code,
        final DirectBuffer reason,
        final int reasonOffset,
        final int reasonLength)
    {
        writeHeader(dst, offset, type, channelId);
        dst.putShort(offset + CODE_OFFSET, (short)code, ByteOrder.BIG_ENDIAN);
        dst.putBytes(offset + REASON_OFFSET, reason, reasonOffset, reasonLength);
        return REASON_OFFSET + reasonLength;
    }

    /**
     * Write an OPENED for a channel that asked for positions.
     *
     * @param dst       destination.
     * @param offset    where the message starts.
     * @param channelId channel id.
     * @param recovery  {@link #RECOVERY_NO_HISTORY}, {@link #RECOVERY_FRESH}, {@link #RECOVERY_RECOVERED} or
     *                  {@link #RECOVERY_NOT_RECOVERED}.
     * @param epoch     the topic's epoch.
     * @param position  the topic's offset: the last publication's.
     * @return {@link #OPENED_POSITION_LENGTH}.
     */
    public static int writeOpenedAt(
        final MutableDirectBuffer dst,
        final int offset,
        final int channelId,
        final int recovery,
        final long epoch,
        final long position)
    {
        writeHeader(dst, offset, OPENED, channelId);
        dst.putByte(offset + HEADER_LENGTH, (byte)recovery);
        dst.putLong(offset + HEADER_LENGTH + 1, epoch, ByteOrder.BIG_ENDIAN);
        dst.putLong(offset + HEADER_LENGTH + 1 + Long.BYTES, position, ByteOrder.BIG_ENDIAN);
        return OPENED_POSITION_LENGTH;
    }

    /**
     * Write the prefix of a TEXT_AT or BINARY_AT; the payload follows it.
     *
     * @param dst       destination.
     * @param offset    where the message starts.
     * @param text      TEXT_AT, else BINARY_AT.
     * @param channelId channel id.
     * @param position  the message's offset (its low 32 bits are written).
     * @return {@link #AT_PREFIX_LENGTH}.
     */
    public static int writeAtPrefix(
        final MutableDirectBuffer dst, final int offset, final boolean text, final int channelId, final long position)
    {
        writeHeader(dst, offset, text ? TEXT_AT : BINARY_AT, channelId);
        dst.putInt(offset + HEADER_LENGTH, (int)position, ByteOrder.BIG_ENDIAN);
        return AT_PREFIX_LENGTH;
    }

    /**
     * The whole offset of a tagged message from its low 32 bits and the offset before it: the nearest value with those
     * low bits above the previous one (offsets only grow, by less than 2^31 between two messages of a channel).
     *
     * @param previous the offset of the channel's previous message (or OPENED's).
     * @param low      the low 32 bits the message carries.
     * @return the whole offset.
     */
    public static long offsetFrom(final long previous, final int low)
    {
        final long candidate = (previous & 0xFFFF_FFFF_0000_0000L) | (low & 0xFFFF_FFFFL);
        return candidate <= previous - 0x8000_0000L ? candidate + 0x1_0000_0000L : candidate;
    }

    /**
     * Write a client OPEN with the positions extension.
     *
     * @param dst        destination.
     * @param offset     where the message starts.
     * @param channelId  channel id.
     * @param name       UTF-8 name.
     * @param nameOffset of the name.
     * @param nameLength of the name, at most 65535.
     * @param maxRate    messages per second, 0 for none.
     * @param flags      {@link #OPEN_POSITIONS}, optionally with {@link #OPEN_RECOVER}.
     * @param epoch      with RECOVER: the epoch to recover from.
     * @param position   with RECOVER: the offset to resume after.
     * @return bytes written.
     */
    public static int writeOpenAt(
        final MutableDirectBuffer dst,
        final int offset,
        final int channelId,
        final DirectBuffer name,
        final int nameOffset,
        final int nameLength,
        final int maxRate,
        final int flags,
        final long epoch,
        final long position)
    {
        writeHeader(dst, offset, OPEN, channelId);
        dst.putShort(offset + NAME_LENGTH_OFFSET, (short)nameLength, ByteOrder.BIG_ENDIAN);
        dst.putBytes(offset + NAME_OFFSET, name, nameOffset, nameLength);
        int length = NAME_OFFSET + nameLength;
        dst.putInt(offset + length, maxRate, ByteOrder.BIG_ENDIAN);
        length += Integer.BYTES;
        dst.putByte(offset + length, (byte)flags);
        length++;
        if ((flags & OPEN_RECOVER) != 0)
        {
            dst.putLong(offset + length, epoch, ByteOrder.BIG_ENDIAN);
            dst.putLong(offset + length + Long.BYTES, position, ByteOrder.BIG_ENDIAN);
            length += 2 * Long.BYTES;
        }
        return length;
    }

    /**
     * Write a client OPEN message.
     *
     * @param dst        destination.
     * @param offset     where the message starts.
     * @param channelId  channel id.
     * @param name       UTF-8 name.
     * @param nameOffset of the name.
     * @param nameLength of the name, at most 65535.
     * @param maxRate    messages per second, 0 for none.
     * @return bytes written.
     */
    public static int writeOpen(
        final MutableDirectBuffer dst,
        final int offset,
        final int channelId,
        final DirectBuffer name,
        final int nameOffset,
        final int nameLength,
        final int maxRate)
    {
        writeHeader(dst, offset, OPEN, channelId);
        dst.putShort(offset + NAME_LENGTH_OFFSET, (short)nameLength, ByteOrder.BIG_ENDIAN);
        dst.putBytes(offset + NAME_OFFSET, name, nameOffset, nameLength);
        int length = NAME_OFFSET + nameLength;
        if (maxRate > 0)
        {
            dst.putInt(offset + length, maxRate, ByteOrder.BIG_ENDIAN);
            length += Integer.BYTES;
        }
        return length;
    }
}
