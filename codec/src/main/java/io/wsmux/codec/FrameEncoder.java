package io.wsmux.codec;

import static io.wsmux.codec.FrameDescriptor.FIN_BIT;
import static io.wsmux.codec.FrameDescriptor.LENGTH_16;
import static io.wsmux.codec.FrameDescriptor.LENGTH_64;
import static io.wsmux.codec.FrameDescriptor.MASK_BIT;
import static io.wsmux.codec.FrameDescriptor.MAX_LENGTH_16;
import static io.wsmux.codec.FrameDescriptor.MAX_LENGTH_7;

import java.nio.ByteOrder;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Writes RFC 6455 frames: unmasked server frames and masked client frames, with the minimal length encoding
 * (§5.2), for data, control and fragment frames alike. Stateless and allocation free; callers size the destination
 * with {@link FrameDescriptor#headerLength(long, boolean)} plus the payload.
 * <p>
 * Client masking keys must be unpredictable (§5.3); choosing them is the caller's job.
 */
public final class FrameEncoder
{
    private FrameEncoder()
    {
    }

    /**
     * Write an unmasked (server) frame header.
     *
     * @param dst           destination.
     * @param offset        where the header starts.
     * @param fin           final fragment of the message.
     * @param opcode        frame opcode.
     * @param payloadLength payload length that will follow.
     * @return header length written: 2, 4 or 10.
     */
    public static int writeHeader(
        final MutableDirectBuffer dst, final int offset, final boolean fin, final int opcode, final long payloadLength)
    {
        return writeLength(dst, offset, fin, opcode, payloadLength, 0);
    }

    /**
     * Write a masked (client) frame header, masking key included.
     *
     * @param dst           destination.
     * @param offset        where the header starts.
     * @param fin           final fragment of the message.
     * @param opcode        frame opcode.
     * @param payloadLength payload length that will follow.
     * @param maskKey       the four key bytes, first key byte highest.
     * @return header length written: 6, 8 or 14.
     */
    public static int writeMaskedHeader(
        final MutableDirectBuffer dst,
        final int offset,
        final boolean fin,
        final int opcode,
        final long payloadLength,
        final int maskKey)
    {
        final int length = writeLength(dst, offset, fin, opcode, payloadLength, MASK_BIT);
        dst.putInt(offset + length, maskKey, ByteOrder.BIG_ENDIAN);
        return length + FrameDescriptor.MASK_KEY_LENGTH;
    }

    /**
     * Write a whole unmasked (server) frame: header then a copy of the payload.
     *
     * @param dst       destination.
     * @param offset    where the frame starts.
     * @param fin       final fragment of the message.
     * @param opcode    frame opcode.
     * @param src       payload source.
     * @param srcOffset payload offset.
     * @param length    payload length.
     * @return frame length written.
     */
    public static int encode(
        final MutableDirectBuffer dst,
        final int offset,
        final boolean fin,
        final int opcode,
        final DirectBuffer src,
        final int srcOffset,
        final int length)
    {
        final int headerLength = writeHeader(dst, offset, fin, opcode, length);
        dst.putBytes(offset + headerLength, src, srcOffset, length);
        return headerLength + length;
    }

    /**
     * Write a whole masked (client) frame: header, masking key, then the payload copied and masked.
     *
     * @param dst       destination.
     * @param offset    where the frame starts.
     * @param fin       final fragment of the message.
     * @param opcode    frame opcode.
     * @param src       payload source (not modified).
     * @param srcOffset payload offset.
     * @param length    payload length.
     * @param maskKey   the four key bytes, first key byte highest.
     * @return frame length written.
     */
    public static int encodeMasked(
        final MutableDirectBuffer dst,
        final int offset,
        final boolean fin,
        final int opcode,
        final DirectBuffer src,
        final int srcOffset,
        final int length,
        final int maskKey)
    {
        final int headerLength = writeMaskedHeader(dst, offset, fin, opcode, length, maskKey);
        dst.putBytes(offset + headerLength, src, srcOffset, length);
        Masking.unmask(dst, offset + headerLength, length, maskKey, 0);
        return headerLength + length;
    }

    /**
     * Write an unmasked close frame for a protocol violation: its code and pre-encoded reason.
     *
     * @param dst    destination, at least 127 bytes from offset.
     * @param offset where the frame starts.
     * @param reason the violation.
     * @return frame length written.
     */
    public static int encodeClose(final MutableDirectBuffer dst, final int offset, final CloseReason reason)
    {
        final DirectBuffer text = reason.encodedText();
        return encodeClose(dst, offset, reason.code(), text, 0, text.capacity());
    }

    /**
     * Write an unmasked close frame with a status code and a UTF-8 reason.
     *
     * @param dst          destination.
     * @param offset       where the frame starts.
     * @param code         status code, or {@link CloseCode#NO_STATUS} for an empty body.
     * @param reason       UTF-8 reason bytes (ignored when code is NO_STATUS).
     * @param reasonOffset reason offset.
     * @param reasonLength reason length, at most {@link CloseReason#MAX_REASON_LENGTH}.
     * @return frame length written.
     */
    public static int encodeClose(
        final MutableDirectBuffer dst,
        final int offset,
        final int code,
        final DirectBuffer reason,
        final int reasonOffset,
        final int reasonLength)
    {
        final int payloadLength = CloseFrame.payloadLength(code, reasonLength);
        final int headerLength = writeHeader(dst, offset, true, Opcode.CLOSE, payloadLength);
        CloseFrame.writePayload(dst, offset + headerLength, code, reason, reasonOffset, reasonLength);
        return headerLength + payloadLength;
    }

    /**
     * Write a masked (client) close frame with a status code and a UTF-8 reason.
     *
     * @param dst          destination.
     * @param offset       where the frame starts.
     * @param code         status code, or {@link CloseCode#NO_STATUS} for an empty body.
     * @param reason       UTF-8 reason bytes (ignored when code is NO_STATUS).
     * @param reasonOffset reason offset.
     * @param reasonLength reason length, at most {@link CloseReason#MAX_REASON_LENGTH}.
     * @param maskKey      the four key bytes, first key byte highest.
     * @return frame length written.
     */
    public static int encodeMaskedClose(
        final MutableDirectBuffer dst,
        final int offset,
        final int code,
        final DirectBuffer reason,
        final int reasonOffset,
        final int reasonLength,
        final int maskKey)
    {
        final int payloadLength = CloseFrame.payloadLength(code, reasonLength);
        final int headerLength = writeMaskedHeader(dst, offset, true, Opcode.CLOSE, payloadLength, maskKey);
        CloseFrame.writePayload(dst, offset + headerLength, code, reason, reasonOffset, reasonLength);
        Masking.unmask(dst, offset + headerLength, payloadLength, maskKey, 0);
        return headerLength + payloadLength;
    }

    private static int writeLength(
        final MutableDirectBuffer dst,
        final int offset,
        final boolean fin,
        final int opcode,
        final long payloadLength,
        final int maskBit)
    {
        if (payloadLength < 0)
        {
            throw new IllegalArgumentException("negative payload length: payloadLength=" + payloadLength);
        }

        dst.putByte(offset, (byte)((fin ? FIN_BIT : 0) | opcode));
        if (payloadLength <= MAX_LENGTH_7)
        {
            dst.putByte(offset + 1, (byte)(maskBit | (int)payloadLength));
            return 2;
        }
        if (payloadLength <= MAX_LENGTH_16)
        {
            dst.putByte(offset + 1, (byte)(maskBit | LENGTH_16));
            dst.putShort(offset + 2, (short)payloadLength, ByteOrder.BIG_ENDIAN);
            return 4;
        }
        dst.putByte(offset + 1, (byte)(maskBit | LENGTH_64));
        dst.putLong(offset + 2, payloadLength, ByteOrder.BIG_ENDIAN);
        return 10;
    }
}
