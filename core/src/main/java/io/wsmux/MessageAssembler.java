package io.wsmux;

import java.nio.channels.SocketChannel;

import io.wsmux.codec.CloseFrame;
import io.wsmux.codec.CloseReason;
import io.wsmux.codec.FrameDecoder;
import io.wsmux.codec.FrameHandler;
import io.wsmux.codec.Opcode;
import io.wsmux.codec.Utf8Validator;
import io.wsmux.codec.deflate.MessageInflater;
import io.wsmux.transport.IoLoop;
import io.wsmux.transport.TcpConnection;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The receiving half that the server's {@link WsConnection} and the client's
 * {@link io.wsmux.client.WebSocketClientConnection} share: it follows a {@link FrameDecoder}'s {@link FrameHandler}
 * events (the subclass forwards them to {@link #frameStart}, {@link #framePayload}, {@link #frameEnd} and
 * {@link #frameFailed}) and turns them into whole data messages ({@link #onMessage}) and whole control frames
 * ({@link #onControlFrame}).
 * <ul>
 *     <li>A message that arrived unfragmented in one read is handed over in place, from the read buffer, but only
 *     at the frame's end: by then the decoder has also checked that a text message does not end inside a UTF-8
 *     sequence.</li>
 *     <li>A message that spans reads or fragments is copied into a message buffer from
 *     {@link #acquireMessageBuffer()}, held only until it is delivered or discarded; the decoder has already
 *     enforced the frame and message length limits (1009) before a byte of it arrives here.</li>
 *     <li>A control frame split across reads is collected in a buffer from {@link #acquireControlBuffer()}.</li>
 *     <li>A compressed message (permessage-deflate) is collected the same way, compressed, and inflated whole at its
 *     end into a message buffer, so that an inflater shared by the loop's connections serves one message at a time;
 *     its text is checked as UTF-8 once inflated.</li>
 * </ul>
 * A base class rather than an object of its own so that a connection carries no extra object header: the state here
 * is fields the two connection classes each used to declare. Opcodes are the frame's own; the subclass owns the
 * close handshake and decides, through {@link #acceptsData()}, whether data is still wanted.
 * <p>
 * <b>Internal</b>: public only so that {@code io.wsmux.client} can extend it; not part of the API.
 * <b>Not thread safe</b>: owned by the connection's loop. Allocates nothing itself.
 */
public abstract class MessageAssembler extends TcpConnection
{
    private static final UnsafeBuffer EMPTY = new UnsafeBuffer(new byte[0]);

    private long frameLength;
    private byte frameOpcode; // opcodes fit a byte: 8 bytes less per connection with the int fields below
    private boolean frameFin;
    private boolean frameDelivered;
    private byte messageOpcode;
    private boolean messageCompressed;
    private MutableDirectBuffer messageBuffer;
    private int messageLength;
    private MutableDirectBuffer wholeMessage;
    private int wholeMessageOffset;
    private MutableDirectBuffer controlBuffer;
    private int controlLength;

    /**
     * @param loop    owning loop.
     * @param channel the socket.
     * @param id      unique id from the loop.
     */
    protected MessageAssembler(final IoLoop loop, final SocketChannel channel, final long id)
    {
        super(loop, channel, id);
    }

    /**
     * The reason text of a close frame body that passed {@link CloseFrame#validate}.
     *
     * @param buffer holding the body.
     * @param offset of the body.
     * @param length of the body.
     * @return the UTF-8 reason after the status code, or "" when there is none.
     */
    protected static String closeReason(final DirectBuffer buffer, final int offset, final int length)
    {
        return length > CloseFrame.CODE_LENGTH ?
            buffer.getStringWithoutLengthUtf8(offset + CloseFrame.CODE_LENGTH, length - CloseFrame.CODE_LENGTH) : "";
    }

    /**
     * {@link FrameHandler#onFrameStart}: a text or binary opcode starts a new message.
     *
     * @param opcode        as on the wire.
     * @param fin           whether this is the final fragment of its message.
     * @param payloadLength announced payload length.
     * @param compressed    whether the message is compressed ({@link FrameDecoder#isMessageCompressed()}): it is
     *                      inflated with {@link #inflater()} when whole, before delivery.
     */
    protected final void frameStart(
        final int opcode, final boolean fin, final long payloadLength, final boolean compressed)
    {
        frameOpcode = (byte)opcode;
        frameFin = fin;
        frameLength = payloadLength;
        frameDelivered = false;
        controlLength = 0;
        if (Opcode.TEXT == opcode || Opcode.BINARY == opcode)
        {
            messageOpcode = (byte)opcode;
            messageCompressed = compressed;
            messageLength = 0;
        }
    }

    /**
     * {@link FrameHandler#onFramePayload}: use the chunk in place when it is the whole frame, else collect it.
     *
     * @param buffer holding the chunk.
     * @param offset of the chunk.
     * @param length of the chunk.
     */
    protected final void framePayload(final MutableDirectBuffer buffer, final int offset, final int length)
    {
        if (Opcode.isControl(frameOpcode))
        {
            if (length == frameLength)
            {
                frameDelivered = true;
                onControlFrame(frameOpcode, buffer, offset, length);
            }
            else
            {
                if (null == controlBuffer)
                {
                    controlBuffer = acquireControlBuffer();
                }
                controlBuffer.putBytes(controlLength, buffer, offset, length);
                controlLength += length;
            }
            return;
        }

        if (!acceptsData())
        {
            return; // RFC 6455 §5.5.1: data after our close frame is discarded.
        }

        if (frameFin && Opcode.CONTINUATION != frameOpcode && length == frameLength)
        {
            // The whole message is in this read: hand it over in place, but only from frameEnd, once the decoder
            // has also checked that a text message does not end inside a UTF-8 sequence.
            frameDelivered = true;
            wholeMessage = buffer;
            wholeMessageOffset = offset;
        }
        else
        {
            if (!reserveMessageBytes(length))
            {
                discardMessage();
                return; // the subclass is closing the connection
            }
            if (null == messageBuffer)
            {
                messageBuffer = acquireMessageBuffer();
            }
            messageBuffer.putBytes(messageLength, buffer, offset, length);
            messageLength += length;
        }
    }

    /**
     * {@link FrameHandler#onFrameEnd}: deliver a control frame not yet delivered, or a message that is now whole.
     */
    protected final void frameEnd()
    {
        if (Opcode.isControl(frameOpcode))
        {
            if (!frameDelivered)
            {
                onControlFrame(frameOpcode, null == controlBuffer ? EMPTY : controlBuffer, 0, controlLength);
            }
            return;
        }

        if (null != wholeMessage)
        {
            final MutableDirectBuffer buffer = wholeMessage;
            wholeMessage = null;
            if (acceptsData())
            {
                deliver(buffer, wholeMessageOffset, (int)frameLength);
            }
        }
        else if (frameFin && !frameDelivered && acceptsData())
        {
            deliver(null == messageBuffer ? EMPTY : messageBuffer, 0, messageLength);
            discardMessage();
        }
    }

    private void deliver(final MutableDirectBuffer buffer, final int offset, final int length)
    {
        if (!messageCompressed)
        {
            onMessage(messageOpcode, buffer, offset, length);
            return;
        }

        // RFC 7692 §7.2.2: the whole message's payload, then the tail, through the inflater; the limit applies to
        // the output as it grows (a bomb stops there), and the budget to what it holds.
        final MutableDirectBuffer inflated = acquireMessageBuffer();
        final int inflatedLength = inflateMessage(buffer, offset, length, inflated);
        if (inflatedLength < 0)
        {
            releaseMessageBuffer(inflated);
            onInflateFailed(MessageInflater.TOO_BIG == inflatedLength ?
                CloseReason.INFLATED_MESSAGE_TOO_BIG : CloseReason.CORRUPT_COMPRESSED_DATA);
            return;
        }
        if (!reserveMessageBytes(inflatedLength))
        {
            releaseMessageBuffer(inflated);
            return; // the subclass is closing the connection
        }
        try
        {
            if (Opcode.TEXT == messageOpcode && !Utf8Validator.isValid(inflated, 0, inflatedLength))
            {
                onInflateFailed(CloseReason.INVALID_UTF8); // RFC 6455 §8.1, on the inflated text
                return;
            }
            onCompressedMessage(length, inflatedLength);
            onMessage(messageOpcode, inflated, 0, inflatedLength);
        }
        finally
        {
            releaseMessageBytes(inflatedLength);
            releaseMessageBuffer(inflated);
        }
    }

    /**
     * {@link FrameHandler#onProtocolError}: forget a message waiting in the read buffer, which is not ours to keep.
     */
    protected final void frameFailed()
    {
        wholeMessage = null;
    }

    /**
     * Drop the message being assembled, giving its buffer back.
     */
    protected final void discardMessage()
    {
        if (messageLength > 0)
        {
            releaseMessageBytes(messageLength);
        }
        if (null != messageBuffer)
        {
            releaseMessageBuffer(messageBuffer);
            messageBuffer = null;
        }
        messageLength = 0;
    }

    /**
     * The connection is gone: give back every buffer held for receiving.
     */
    protected final void releaseReceiveBuffers()
    {
        discardMessage();
        if (null != controlBuffer)
        {
            releaseMessageBuffer(controlBuffer);
            controlBuffer = null;
        }
    }

    /**
     * More bytes of a message spanning reads or fragments are about to be held: a bound on what all connections
     * together may hold can refuse them (and close the connection). The default holds whatever the frame and message
     * limits allow.
     *
     * @param length bytes about to be appended to the message being assembled.
     * @return false to refuse them: the message is dropped and nothing more of it is assembled.
     */
    protected boolean reserveMessageBytes(final int length)
    {
        return true;
    }

    /**
     * Bytes reserved with {@link #reserveMessageBytes} are no longer held: the message was delivered or dropped.
     *
     * @param length bytes.
     */
    protected void releaseMessageBytes(final int length)
    {
    }

    /**
     * @return the inflater for this connection's compressed messages: one shared by the loop when the peer compresses
     * each message on its own, else the connection's own. Called only after compression was negotiated.
     */
    protected MessageInflater inflater()
    {
        throw new IllegalStateException("compressed message without a negotiated extension");
    }

    /**
     * Inflate one whole compressed message with {@link #inflater()}, bounded by {@link #inflateLimit()}.
     *
     * @param buffer   the compressed message.
     * @param offset   where it starts.
     * @param length   its length.
     * @param inflated a pooled growable buffer for the result, from offset 0.
     * @return the inflated length, or {@link MessageInflater#TOO_BIG} or {@link MessageInflater#CORRUPT}.
     */
    protected int inflateMessage(
        final DirectBuffer buffer, final int offset, final int length, final MutableDirectBuffer inflated)
    {
        return inflater().inflateMessage(buffer, offset, length, inflated, inflateLimit());
    }

    /**
     * @return the most bytes a compressed message may inflate to.
     */
    protected int inflateLimit()
    {
        return 0;
    }

    /**
     * A compressed message could not be delivered: it inflates past {@link #inflateLimit()} (1009), is not deflate
     * data (1007), or is text that is not UTF-8 once inflated (1007). Fail the connection.
     *
     * @param reason the violation.
     */
    protected void onInflateFailed(final CloseReason reason)
    {
    }

    /**
     * A compressed message was inflated and is about to be delivered (for counters).
     *
     * @param compressedLength its length on the wire.
     * @param inflatedLength   its length inflated.
     */
    protected void onCompressedMessage(final int compressedLength, final int inflatedLength)
    {
    }

    /**
     * @return true while data frames should be assembled and delivered (the connection is open).
     */
    protected abstract boolean acceptsData();

    /**
     * A whole data message.
     *
     * @param opcode {@link Opcode#TEXT} or {@link Opcode#BINARY}.
     * @param buffer holding the message; valid only during the call.
     * @param offset of the message.
     * @param length of the message.
     */
    protected abstract void onMessage(int opcode, DirectBuffer buffer, int offset, int length);

    /**
     * A whole control frame: ping, pong or close, its payload not yet checked beyond the decoder's rules.
     *
     * @param opcode {@link Opcode#PING}, {@link Opcode#PONG} or {@link Opcode#CLOSE}.
     * @param buffer holding the payload; valid only during the call.
     * @param offset of the payload.
     * @param length of the payload, at most 125.
     */
    protected abstract void onControlFrame(int opcode, MutableDirectBuffer buffer, int offset, int length);

    /**
     * @return a growable buffer to assemble a message in, given back with {@link #releaseMessageBuffer}.
     */
    protected abstract MutableDirectBuffer acquireMessageBuffer();

    /**
     * @return a buffer of at least 125 bytes to collect a control frame's payload in, kept until
     * {@link #releaseReceiveBuffers()} gives it to {@link #releaseMessageBuffer}.
     */
    protected abstract MutableDirectBuffer acquireControlBuffer();

    /**
     * @param buffer from {@link #acquireMessageBuffer()} or {@link #acquireControlBuffer()}, no longer used.
     */
    protected abstract void releaseMessageBuffer(MutableDirectBuffer buffer);
}
