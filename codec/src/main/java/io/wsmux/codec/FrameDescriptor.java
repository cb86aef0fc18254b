package io.wsmux.codec;

/**
 * Layout of an RFC 6455 §5.2 frame header.
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-------+-+-------------+-------------------------------+
 * |F|R|R|R| opcode|M| Payload len |    Extended payload length    |
 * |I|S|S|S|  (4)  |A|     (7)     |             (16/64)           |
 * |N|V|V|V|       |S|             |   (if payload len==126/127)   |
 * | |1|2|3|       |K|             |                               |
 * +-+-+-+-+-------+-+-------------+ - - - - - - - - - - - - - - - +
 * |     Extended payload length continued, if payload len == 127  |
 * + - - - - - - - - - - - - - - - +-------------------------------+
 * |                               |Masking-key, if MASK set to 1  |
 * +-------------------------------+-------------------------------+
 * | Masking-key (continued)       |          Payload Data         |
 * +-------------------------------- - - - - - - - - - - - - - - - +
 * </pre>
 * All multi-byte fields are in network byte order.
 */
public final class FrameDescriptor
{
    /** FIN: the final fragment of a message. */
    public static final int FIN_BIT = 0x80;
    /** RSV1: "Per-Message Compressed" on a data message's first frame when permessage-deflate is agreed. */
    public static final int RSV1 = 0x40;
    /** RSV1, RSV2 and RSV3 together. */
    public static final int RSV_BITS = 0x70;
    /** Opcode in the first byte. */
    public static final int OPCODE_MASK = 0x0F;
    /** MASK bit in the second byte. */
    public static final int MASK_BIT = 0x80;
    /** 7-bit payload length in the second byte. */
    public static final int LENGTH_MASK = 0x7F;
    /** 7-bit length value announcing a 16-bit extended length. */
    public static final int LENGTH_16 = 126;
    /** 7-bit length value announcing a 64-bit extended length. */
    public static final int LENGTH_64 = 127;
    /** Largest payload length encoded in the 7-bit field alone. */
    public static final int MAX_LENGTH_7 = 125;
    /** Largest payload length encoded with the 16-bit extended field. */
    public static final int MAX_LENGTH_16 = 0xFFFF;
    /** Largest control frame payload (§5.5). */
    public static final int MAX_CONTROL_PAYLOAD_LENGTH = 125;
    /** Bytes in a masking key. */
    public static final int MASK_KEY_LENGTH = 4;
    /** Longest possible header: 2 + 8 extended length + 4 masking key. */
    public static final int MAX_HEADER_LENGTH = 14;
    /** Longest server (unmasked) header. */
    public static final int MAX_SERVER_HEADER_LENGTH = 10;

    private FrameDescriptor()
    {
    }

    /**
     * Header length for a payload length, with or without a masking key.
     *
     * @param payloadLength bytes of payload.
     * @param masked        whether the frame carries a masking key (client to server).
     * @return 2 to 14.
     */
    public static int headerLength(final long payloadLength, final boolean masked)
    {
        final int base = payloadLength <= MAX_LENGTH_7 ? 2 : (payloadLength <= MAX_LENGTH_16 ? 4 : 10);
        return masked ? base + MASK_KEY_LENGTH : base;
    }
}
