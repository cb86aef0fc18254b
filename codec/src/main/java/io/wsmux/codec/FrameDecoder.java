package io.wsmux.codec;

import static io.wsmux.codec.FrameDescriptor.FIN_BIT;
import static io.wsmux.codec.FrameDescriptor.LENGTH_16;
import static io.wsmux.codec.FrameDescriptor.LENGTH_MASK;
import static io.wsmux.codec.FrameDescriptor.MASK_BIT;
import static io.wsmux.codec.FrameDescriptor.MAX_CONTROL_PAYLOAD_LENGTH;
import static io.wsmux.codec.FrameDescriptor.MAX_LENGTH_16;
import static io.wsmux.codec.FrameDescriptor.MAX_LENGTH_7;
import static io.wsmux.codec.FrameDescriptor.OPCODE_MASK;
import static io.wsmux.codec.FrameDescriptor.RSV1;
import static io.wsmux.codec.FrameDescriptor.RSV_BITS;

import java.nio.ByteOrder;

import org.agrona.MutableDirectBuffer;

/**
 * Incremental RFC 6455 frame decoder: an explicit state machine over the header fields, streaming each frame's
 * payload to a {@link FrameHandler} as it arrives, unmasked in place. Input may be split anywhere, one byte at a
 * time included; nothing of it is kept between calls except the header fields decoded so far, so a connection
 * needs no read buffer of its own.
 * <p>
 * It enforces every framing rule of the RFC (reserved bits and opcodes, control frame size and fragmentation,
 * continuation order, masking direction, minimal and 63-bit lengths), the frame and message size limits, and, when
 * asked, UTF-8 validity of text messages, failing fast at the first invalid fragment. Violations are reported as
 * {@link CloseReason} values, never thrown.
 * <p>
 * State per instance: 80 bytes on a 64-bit JVM with compressed references (the UTF-8 state is an {@code int} here
 * rather than a {@link Utf8Validator} object), the only per-connection memory of an open, idle connection's
 * protocol layer besides the connection object itself.
 * <b>Not thread safe</b>: owned by the thread that reads the connection. Allocates nothing after construction.
 */
public final class FrameDecoder
{
    /** Waiting for the first header byte. */
    public static final int STATE_HEADER = 0;
    /** Waiting for the second header byte. */
    static final int STATE_LENGTH = 1;
    /** Reading a 16- or 64-bit extended length. */
    static final int STATE_EXTENDED_LENGTH = 2;
    /** Reading the masking key. */
    static final int STATE_MASK_KEY = 3;
    /** Streaming payload. */
    static final int STATE_PAYLOAD = 4;
    /** Stopped by {@link #halt()}; {@link #resume()} continues. */
    public static final int STATE_HALTED = 5;
    /** A protocol violation was reported; all further input is discarded until {@link #reset()}. */
    public static final int STATE_FAILED = 6;

    private static final boolean NATIVE_LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

    private final FrameHandler handler;
    private final int maxFrameLength;
    private final int maxMessageLength;
    private final boolean expectMasked;
    private final boolean validateUtf8;

    private byte state = STATE_HEADER;
    private byte haltedState;
    private byte opcode;
    private byte messageOpcode;
    private byte headerBytesRemaining;
    private byte extendedLengthBytes;
    private boolean fin;
    private boolean masked;
    private boolean compressionAllowed;
    private boolean messageCompressed;
    private int maskKey;
    private int utf8State = Utf8Validator.INITIAL_STATE;
    private long payloadLength;
    private long payloadPosition;
    private long messageLength;
    private CloseReason failure;

    /**
     * @param handler          receives frames and violations.
     * @param expectMasked     true on the server side (client frames must be masked), false on the client side
     *                         (server frames must not be).
     * @param maxFrameLength   largest payload of a single frame; larger fails with 1009.
     * @param maxMessageLength largest total payload of a message across its fragments; larger fails with 1009.
     * @param validateUtf8     whether to check text messages as UTF-8 (1007 on failure).
     */
    public FrameDecoder(
        final FrameHandler handler,
        final boolean expectMasked,
        final int maxFrameLength,
        final int maxMessageLength,
        final boolean validateUtf8)
    {
        if (maxFrameLength < MAX_CONTROL_PAYLOAD_LENGTH || maxMessageLength < maxFrameLength)
        {
            throw new IllegalArgumentException(
                "need 125 <= maxFrameLength <= maxMessageLength: maxFrameLength=" + maxFrameLength +
                ", maxMessageLength=" + maxMessageLength);
        }
        this.handler = handler;
        this.expectMasked = expectMasked;
        this.maxFrameLength = maxFrameLength;
        this.maxMessageLength = maxMessageLength;
        this.validateUtf8 = validateUtf8;
    }

    /**
     * Forget everything, ready for a new connection.
     *
     * @return this.
     */
    public FrameDecoder reset()
    {
        state = STATE_HEADER;
        haltedState = STATE_HEADER;
        fin = false;
        masked = false;
        opcode = 0;
        headerBytesRemaining = 0;
        extendedLengthBytes = 0;
        maskKey = 0;
        payloadLength = 0;
        payloadPosition = 0;
        messageOpcode = 0;
        messageLength = 0;
        failure = null;
        utf8State = Utf8Validator.INITIAL_STATE;
        compressionAllowed = false;
        messageCompressed = false;
        return this;
    }

    /**
     * permessage-deflate was negotiated (RFC 7692): RSV1 may mark the first frame of a data message as compressed.
     * Such a message's text is not checked as UTF-8 here, since its bytes are deflate data: the receiver checks
     * the inflated text.
     *
     * @param allowed whether RSV1 is allowed from now on.
     * @return this.
     */
    public FrameDecoder allowCompression(final boolean allowed)
    {
        compressionAllowed = allowed;
        return this;
    }

    /**
     * @return whether the data message in progress (or the last one, at its end) had RSV1 set on its first frame.
     */
    public boolean isMessageCompressed()
    {
        return messageCompressed;
    }

    /**
     * Decode as much of the input as possible, calling the handler for each event. Payload is unmasked in place.
     *
     * @param buffer holding the input; modified (unmasked) in place.
     * @param offset of the first byte.
     * @param length of the input.
     * @return bytes consumed: all of them, unless {@link #halt()} was called from a callback, in which case the
     * rest must be presented again after {@link #resume()}. After a failure all input is consumed and ignored.
     */
    public int decode(final MutableDirectBuffer buffer, final int offset, final int length)
    {
        int position = offset;
        final int limit = offset + length;

        while (position < limit && state < STATE_HALTED)
        {
            switch (state)
            {
                case STATE_HEADER:
                    position = decodeHeader(buffer, position, limit);
                    break;

                case STATE_LENGTH:
                    onSecondByte(buffer.getByte(position++) & 0xFF);
                    break;

                case STATE_EXTENDED_LENGTH:
                    payloadLength = (payloadLength << 8) | (buffer.getByte(position++) & 0xFF);
                    if (--headerBytesRemaining == 0)
                    {
                        onExtendedLength(payloadLength);
                    }
                    break;

                case STATE_MASK_KEY:
                    maskKey = (maskKey << 8) | (buffer.getByte(position++) & 0xFF);
                    if (--headerBytesRemaining == 0)
                    {
                        onHeaderComplete();
                    }
                    break;

                default:
                    position = decodePayload(buffer, position, limit);
                    break;
            }
        }

        return STATE_FAILED == state ? length : position - offset;
    }

    /**
     * Stop decoding after the current callback; {@link #decode} returns the bytes consumed so far. For a handler
     * that cannot take more input now (a close frame was received, or it wants to apply back-pressure).
     */
    public void halt()
    {
        if (state < STATE_HALTED)
        {
            haltedState = state;
            state = (byte)STATE_HALTED;
        }
    }

    /**
     * Continue after {@link #halt()}.
     */
    public void resume()
    {
        if (STATE_HALTED == state)
        {
            state = haltedState;
        }
    }

    /**
     * @return true once a violation has been reported.
     */
    public boolean isFailed()
    {
        return STATE_FAILED == state;
    }

    /**
     * @return true when halted.
     */
    public boolean isHalted()
    {
        return STATE_HALTED == state;
    }

    /**
     * @return the violation reported, or null.
     */
    public CloseReason failure()
    {
        return failure;
    }

    /**
     * @return true when between frames: no header byte or payload of a frame is pending.
     */
    public boolean isAtFrameBoundary()
    {
        return STATE_HEADER == state || (STATE_HALTED == state && STATE_HEADER == haltedState);
    }

    /**
     * @return the opcode of the data message in progress ({@link Opcode#TEXT} or {@link Opcode#BINARY}), also
     * during its continuation frames; 0 between messages.
     */
    public int messageOpcode()
    {
        return messageOpcode;
    }

    /**
     * @return the opcode of the current or last frame, as on the wire.
     */
    public int frameOpcode()
    {
        return opcode;
    }

    private int decodeHeader(final MutableDirectBuffer buffer, final int position, final int limit)
    {
        final int b0 = buffer.getByte(position) & 0xFF;
        if (!onFirstByte(b0))
        {
            return limit;
        }

        final int available = limit - position;
        if (available >= 2)
        {
            final int b1 = buffer.getByte(position + 1) & 0xFF;
            final int lengthCode = b1 & LENGTH_MASK;
            final int extendedBytes = lengthCode <= MAX_LENGTH_7 ? 0 : (LENGTH_16 == lengthCode ? 2 : 8);
            final int headerLength = 2 + extendedBytes + ((b1 & MASK_BIT) != 0 ? 4 : 0);
            if (available >= headerLength)
            {
                return decodeWholeHeader(buffer, position, b1, extendedBytes, headerLength);
            }
        }

        return position + 1;
    }

    /**
     * Fast path when the whole header is in the input: the same checks as the byte-at-a-time states.
     */
    private int decodeWholeHeader(
        final MutableDirectBuffer buffer,
        final int position,
        final int b1,
        final int extendedBytes,
        final int headerLength)
    {
        if (!checkMask(b1))
        {
            return position + headerLength;
        }

        final long length;
        if (0 == extendedBytes)
        {
            length = b1 & LENGTH_MASK;
        }
        else if (2 == extendedBytes)
        {
            length = buffer.getShort(position + 2, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        }
        else
        {
            length = buffer.getLong(position + 2, ByteOrder.BIG_ENDIAN);
        }

        if (0 != extendedBytes && !checkExtendedLength(length, extendedBytes))
        {
            return position + headerLength;
        }
        payloadLength = length;
        if (!checkLength())
        {
            return position + headerLength;
        }

        if (masked)
        {
            maskKey = buffer.getInt(position + 2 + extendedBytes, ByteOrder.BIG_ENDIAN);
        }
        onHeaderComplete();
        return position + headerLength;
    }

    private boolean onFirstByte(final int b0)
    {
        final int rsv = b0 & RSV_BITS;
        // RFC 6455 §5.2: "MUST be 0 unless an extension is negotiated"; permessage-deflate gives RSV1 a meaning.
        if (0 != rsv && (RSV1 != rsv || !compressionAllowed))
        {
            return fail(CloseReason.RESERVED_BITS);
        }

        final int frameOpcode = b0 & OPCODE_MASK;
        final boolean frameFin = (b0 & FIN_BIT) != 0;
        if (!Opcode.isDefined(frameOpcode))
        {
            return fail(CloseReason.RESERVED_OPCODE);
        }

        if (Opcode.isControl(frameOpcode))
        {
            // §5.5: "All control frames ... MUST NOT be fragmented."
            if (!frameFin)
            {
                return fail(CloseReason.FRAGMENTED_CONTROL_FRAME);
            }
            if (0 != rsv)
            {
                // RFC 7692 §6.1: "An endpoint MUST NOT set the "Per-Message Compressed" bit of control frames".
                return fail(CloseReason.COMPRESSED_CONTROL_FRAME);
            }
        }
        else if (Opcode.CONTINUATION == frameOpcode)
        {
            // §5.4: a continuation only follows a non-final data frame.
            if (0 == messageOpcode)
            {
                return fail(CloseReason.UNEXPECTED_CONTINUATION);
            }
            if (0 != rsv)
            {
                // RFC 7692 §6.1: the bit is set on "the first frame of the message" only.
                return fail(CloseReason.COMPRESSED_CONTINUATION);
            }
        }
        else if (0 != messageOpcode)
        {
            // §5.4: "fragments of one message MUST NOT be interleaved between fragments of another".
            return fail(CloseReason.EXPECTED_CONTINUATION);
        }
        else
        {
            messageCompressed = 0 != rsv;
        }

        opcode = (byte)frameOpcode;
        fin = frameFin;
        state = STATE_LENGTH;
        return true;
    }

    private void onSecondByte(final int b1)
    {
        if (!checkMask(b1))
        {
            return;
        }

        final int lengthCode = b1 & LENGTH_MASK;
        if (lengthCode <= MAX_LENGTH_7)
        {
            payloadLength = lengthCode;
            if (checkLength())
            {
                onLengthComplete();
            }
        }
        else
        {
            payloadLength = 0;
            extendedLengthBytes = (byte)(LENGTH_16 == lengthCode ? 2 : 8);
            headerBytesRemaining = extendedLengthBytes;
            state = STATE_EXTENDED_LENGTH;
        }
    }

    private void onExtendedLength(final long length)
    {
        if (!checkExtendedLength(length, extendedLengthBytes))
        {
            return;
        }
        payloadLength = length;
        if (checkLength())
        {
            onLengthComplete();
        }
    }

    private void onLengthComplete()
    {
        if (masked)
        {
            maskKey = 0;
            headerBytesRemaining = 4;
            state = STATE_MASK_KEY;
        }
        else
        {
            onHeaderComplete();
        }
    }

    private boolean checkMask(final int b1)
    {
        masked = (b1 & MASK_BIT) != 0;
        if (masked != expectMasked)
        {
            // §5.1: client-to-server frames are masked, server-to-client frames are not.
            return fail(expectMasked ? CloseReason.UNMASKED_CLIENT_FRAME : CloseReason.MASKED_SERVER_FRAME);
        }

        if (Opcode.isControl(opcode) && (b1 & LENGTH_MASK) > MAX_CONTROL_PAYLOAD_LENGTH)
        {
            // §5.5: "All control frames MUST have a payload length of 125 bytes or less".
            return fail(CloseReason.CONTROL_FRAME_TOO_LONG);
        }
        return true;
    }

    private boolean checkExtendedLength(final long length, final int extendedBytes)
    {
        if (length < 0)
        {
            // §5.2: "the most significant bit MUST be 0".
            return fail(CloseReason.INVALID_PAYLOAD_LENGTH);
        }
        if ((2 == extendedBytes && length <= MAX_LENGTH_7) || (8 == extendedBytes && length <= MAX_LENGTH_16))
        {
            // §5.2: "the minimal number of bytes MUST be used to encode the length".
            return fail(CloseReason.NON_MINIMAL_PAYLOAD_LENGTH);
        }
        return true;
    }

    private boolean checkLength()
    {
        if (Opcode.isControl(opcode))
        {
            return true;
        }
        if (payloadLength > maxFrameLength)
        {
            return fail(CloseReason.FRAME_TOO_BIG);
        }
        final long total = (Opcode.CONTINUATION == opcode ? messageLength : 0) + payloadLength;
        if (total > maxMessageLength)
        {
            return fail(CloseReason.MESSAGE_TOO_BIG);
        }
        return true;
    }

    private void onHeaderComplete()
    {
        if (!Opcode.isControl(opcode))
        {
            if (Opcode.CONTINUATION == opcode)
            {
                messageLength += payloadLength;
            }
            else
            {
                messageOpcode = opcode;
                messageLength = payloadLength;
                utf8State = Utf8Validator.INITIAL_STATE;
            }
        }

        payloadPosition = 0;
        state = STATE_PAYLOAD;
        handler.onFrameStart(opcode, fin, payloadLength);
        if (0 == payloadLength && STATE_FAILED != state)
        {
            onPayloadComplete();
        }
    }

    private int decodePayload(final MutableDirectBuffer buffer, final int position, final int limit)
    {
        final int chunk = (int)Math.min(limit - position, payloadLength - payloadPosition);
        if (masked)
        {
            Masking.unmask(buffer, position, chunk, maskKey, (int)(payloadPosition & 3));
        }

        if (validateUtf8 && Opcode.TEXT == messageOpcode && !messageCompressed && !Opcode.isControl(opcode) &&
            Utf8Validator.FAILED_STATE == (utf8State = Utf8Validator.next(utf8State, buffer, position, chunk)))
        {
            // §8.1 fail fast: the chunk holding the first invalid byte is never delivered.
            fail(CloseReason.INVALID_UTF8);
            return limit;
        }

        payloadPosition += chunk;
        handler.onFramePayload(buffer, position, chunk);
        if (payloadPosition == payloadLength && STATE_FAILED != state)
        {
            onPayloadComplete();
        }
        return position + chunk;
    }

    private void onPayloadComplete()
    {
        final boolean halted = STATE_HALTED == state;
        if (!Opcode.isControl(opcode) && fin)
        {
            if (validateUtf8 && Opcode.TEXT == messageOpcode && !messageCompressed &&
                !Utf8Validator.isCompleteState(utf8State))
            {
                // §8.1: a text message that ends inside a multi-byte sequence is invalid.
                fail(CloseReason.INVALID_UTF8);
                return;
            }
            messageOpcode = 0;
            messageLength = 0;
        }

        if (halted)
        {
            haltedState = STATE_HEADER;
        }
        else
        {
            state = STATE_HEADER;
        }
        handler.onFrameEnd();
    }

    private boolean fail(final CloseReason reason)
    {
        state = STATE_FAILED;
        failure = reason;
        handler.onProtocolError(reason);
        return false;
    }
}
