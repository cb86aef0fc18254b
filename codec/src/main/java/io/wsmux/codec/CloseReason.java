package io.wsmux.codec;

import java.nio.charset.StandardCharsets;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Every protocol violation the codec detects, each with the close code RFC 6455 gives it and a reason text
 * pre-encoded as UTF-8 once, so that closing a connection for bad input builds no string and allocates nothing.
 * Reasons fit in a close frame: at most 123 bytes (§5.5: 125 bytes of control payload minus the 2-byte code).
 */
public enum CloseReason
{
    /** §5.2: "MUST be 0 unless an extension is negotiated that defines meanings for non-zero values". */
    RESERVED_BITS(CloseCode.PROTOCOL_ERROR, "RSV bits set without a negotiated extension"),
    /** §5.2: "If an unknown opcode is received, the receiving endpoint MUST _Fail the WebSocket Connection_". */
    RESERVED_OPCODE(CloseCode.PROTOCOL_ERROR, "reserved opcode"),
    /** §5.5: "All control frames MUST have a payload length of 125 bytes or less". */
    CONTROL_FRAME_TOO_LONG(CloseCode.PROTOCOL_ERROR, "control frame payload longer than 125 bytes"),
    /** §5.5: "All control frames ... MUST NOT be fragmented". */
    FRAGMENTED_CONTROL_FRAME(CloseCode.PROTOCOL_ERROR, "control frame not final"),
    /** §5.4: a continuation frame with no fragmented message open. */
    UNEXPECTED_CONTINUATION(CloseCode.PROTOCOL_ERROR, "continuation frame without a message to continue"),
    /** §5.4: fragments of one message are not interleaved with another data message. */
    EXPECTED_CONTINUATION(CloseCode.PROTOCOL_ERROR, "new data frame while a fragmented message is open"),
    /** §5.2: "the most significant bit MUST be 0" in a 64-bit payload length. */
    INVALID_PAYLOAD_LENGTH(CloseCode.PROTOCOL_ERROR, "64-bit payload length with the top bit set"),
    /** §5.2: "the minimal number of bytes MUST be used to encode the length". */
    NON_MINIMAL_PAYLOAD_LENGTH(CloseCode.PROTOCOL_ERROR, "payload length not in its minimal encoding"),
    /** §5.1: "The server MUST close the connection upon receiving a frame that is not masked". */
    UNMASKED_CLIENT_FRAME(CloseCode.PROTOCOL_ERROR, "client frame not masked"),
    /** §5.1: "A client MUST close a connection if it detects a masked frame". */
    MASKED_SERVER_FRAME(CloseCode.PROTOCOL_ERROR, "server frame masked"),
    /** §7.4.1 1009: a frame larger than the configured maximum frame length. */
    FRAME_TOO_BIG(CloseCode.MESSAGE_TOO_BIG, "frame exceeds the maximum frame length"),
    /** §7.4.1 1009: a message larger than the configured maximum message length. */
    MESSAGE_TOO_BIG(CloseCode.MESSAGE_TOO_BIG, "message exceeds the maximum message length"),
    /** RFC 7692 §6.1: "An endpoint MUST NOT set the "Per-Message Compressed" bit of control frames". */
    COMPRESSED_CONTROL_FRAME(CloseCode.PROTOCOL_ERROR, "RSV1 set on a control frame"),
    /** RFC 7692 §6.1: the bit is set on the first frame of a message only. */
    COMPRESSED_CONTINUATION(CloseCode.PROTOCOL_ERROR, "RSV1 set on a continuation frame"),
    /** RFC 7692 §6.2: a compressed message that is not valid deflate data fails the connection. */
    CORRUPT_COMPRESSED_DATA(CloseCode.INVALID_PAYLOAD, "compressed message is not valid deflate data"),
    /** §7.4.1 1009, checked while inflating: a compressed message that inflates past the maximum message length. */
    INFLATED_MESSAGE_TOO_BIG(CloseCode.MESSAGE_TOO_BIG, "message exceeds the maximum message length once inflated"),
    /** §8.1: "MUST _Fail the WebSocket Connection_" when text is not valid UTF-8. */
    INVALID_UTF8(CloseCode.INVALID_PAYLOAD, "text message is not valid UTF-8"),
    /** §5.5.1: a close body, if present, starts with a 2-byte status code; one byte alone is malformed. */
    CLOSE_PAYLOAD_TOO_SHORT(CloseCode.PROTOCOL_ERROR, "close frame payload of 1 byte"),
    /** §7.4: a status code that may not be sent (1004-1006, 1015, below 1000, 1016-2999, 5000 and above). */
    INVALID_CLOSE_CODE(CloseCode.PROTOCOL_ERROR, "invalid close status code"),
    /** §5.5.1: the close reason "is not guaranteed to be human readable" but MUST be UTF-8. */
    INVALID_CLOSE_REASON(CloseCode.INVALID_PAYLOAD, "close reason is not valid UTF-8");

    /** Longest reason that fits in a close frame after the 2-byte code. */
    public static final int MAX_REASON_LENGTH = 123;

    private final int code;
    private final String text;
    private final UnsafeBuffer encodedText;

    CloseReason(final int code, final String text)
    {
        this.code = code;
        this.text = text;
        final byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > MAX_REASON_LENGTH)
        {
            throw new IllegalStateException("reason too long: " + text);
        }
        this.encodedText = new UnsafeBuffer(bytes);
    }

    /**
     * @return the close status code to send (1002, 1007 or 1009).
     */
    public int code()
    {
        return code;
    }

    /**
     * @return the human-readable reason.
     */
    public String text()
    {
        return text;
    }

    /**
     * @return the reason as UTF-8 bytes; read only, shared by every connection.
     */
    public DirectBuffer encodedText()
    {
        return encodedText;
    }
}
