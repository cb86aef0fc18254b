package io.wsmux.codec;

import java.nio.ByteOrder;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The body of a close frame (RFC 6455 §5.5.1): empty, or a 2-byte status code in network order followed by a
 * UTF-8 reason. Validates received bodies against §7.4 and writes them. Stateless and allocation free.
 */
public final class CloseFrame
{
    /** Bytes of the status code at the start of a non-empty body. */
    public static final int CODE_LENGTH = 2;

    private CloseFrame()
    {
    }

    /**
     * Check a received close body.
     *
     * @param payload holding the body, unmasked.
     * @param offset  of the body.
     * @param length  of the body, at most 125.
     * @return null when valid; else the violation: {@link CloseReason#CLOSE_PAYLOAD_TOO_SHORT} for a 1-byte body,
     * {@link CloseReason#INVALID_CLOSE_CODE} for a code that may not be sent, {@link CloseReason#INVALID_CLOSE_REASON}
     * for a reason that is not UTF-8.
     */
    public static CloseReason validate(final DirectBuffer payload, final int offset, final int length)
    {
        if (0 == length)
        {
            return null;
        }
        if (length < CODE_LENGTH)
        {
            return CloseReason.CLOSE_PAYLOAD_TOO_SHORT;
        }
        if (!CloseCode.isValidOnWire(code(payload, offset, length)))
        {
            return CloseReason.INVALID_CLOSE_CODE;
        }
        if (!Utf8Validator.isValid(payload, offset + CODE_LENGTH, length - CODE_LENGTH))
        {
            return CloseReason.INVALID_CLOSE_REASON;
        }
        return null;
    }

    /**
     * @param payload holding the body.
     * @param offset  of the body.
     * @param length  of the body.
     * @return the status code, or {@link CloseCode#NO_STATUS} when the body has none.
     */
    public static int code(final DirectBuffer payload, final int offset, final int length)
    {
        return length < CODE_LENGTH ? CloseCode.NO_STATUS : payload.getShort(offset, ByteOrder.BIG_ENDIAN) & 0xFFFF;
    }

    /**
     * @param code         status code, or {@link CloseCode#NO_STATUS} for an empty body.
     * @param reasonLength bytes of UTF-8 reason.
     * @return the body length for that code and reason.
     */
    public static int payloadLength(final int code, final int reasonLength)
    {
        if (CloseCode.NO_STATUS == code)
        {
            return 0;
        }
        if (reasonLength < 0 || reasonLength > CloseReason.MAX_REASON_LENGTH)
        {
            throw new IllegalArgumentException("close reason must be 0..123 bytes: reasonLength=" + reasonLength);
        }
        return CODE_LENGTH + reasonLength;
    }

    /**
     * Write a close body.
     *
     * @param dst          destination.
     * @param offset       where the body starts.
     * @param code         status code, or {@link CloseCode#NO_STATUS} for an empty body.
     * @param reason       UTF-8 reason bytes.
     * @param reasonOffset reason offset.
     * @param reasonLength reason length, at most 123.
     * @return body length written.
     */
    public static int writePayload(
        final MutableDirectBuffer dst,
        final int offset,
        final int code,
        final DirectBuffer reason,
        final int reasonOffset,
        final int reasonLength)
    {
        final int length = payloadLength(code, reasonLength);
        if (length > 0)
        {
            dst.putShort(offset, (short)code, ByteOrder.BIG_ENDIAN);
            if (reasonLength > 0)
            {
                dst.putBytes(offset + CODE_LENGTH, reason, reasonOffset, reasonLength);
            }
        }
        return length;
    }
}
