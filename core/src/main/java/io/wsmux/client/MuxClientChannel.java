package io.wsmux.client;

import java.nio.charset.StandardCharsets;

import io.wsmux.codec.mux.BinaryMuxDescriptor;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * One logical channel of a {@link MuxClient}: an id on the WebSocket, the name it was opened on, and its state.
 * <pre>
 *  NEW --OPEN written--> OPENING --OPENED--> OPEN --CLOSED, close(), WebSocket closed--> CLOSED
 *   |                       |--REFUSED------------------------------------------------> CLOSED
 *   |                       '--close(): CLOSE written--> CLOSING --OPENED or REFUSED--> CLOSED
 *   '--close() before OPEN was written: nothing is sent--------------------------------> CLOSED
 * </pre>
 * A channel closed while opening keeps its id until the server's answer to the OPEN arrives, so that a stale answer
 * can never be taken for the answer to a later OPEN on the same id.
 * <p>
 * Thread safe: messages may be sent and the channel closed from any thread; state changes happen on the client's
 * I/O thread. Messages may be sent as soon as the channel is returned, before {@link ChannelListener#onOpened}: the
 * server answers them with ERROR 410 if the channel is then refused. Sending allocates nothing.
 */
public final class MuxClientChannel
{
    /** {@link ChannelListener#onClosed} code when the client closed the channel. */
    public static final int CLOSED_BY_CLIENT = 0;

    static final int STATE_NEW = 0;
    static final int STATE_OPENING = 1;
    static final int STATE_OPEN = 2;
    static final int STATE_CLOSING = 3;
    static final int STATE_CLOSED = 4;

    final MuxClient mux;
    final int id;
    final String name;
    /** The name as UTF-8, for OPEN. */
    final UnsafeBuffer nameBytes;
    final int maxRate;
    final ChannelListener listener;
    /** The 5-byte header of this channel's TEXT and BINARY messages: built once, read by any thread. */
    final UnsafeBuffer textHeader = new UnsafeBuffer(new byte[BinaryMuxDescriptor.HEADER_LENGTH]);
    final UnsafeBuffer binaryHeader = new UnsafeBuffer(new byte[BinaryMuxDescriptor.HEADER_LENGTH]);

    /** OPEN's position flags and position (docs/protocol.md), set before the OPEN is written. */
    int positionFlags;
    long recoverEpoch;
    long recoverOffset;
    /** What OPENED said of positions, and the offset of the last message: written on the loop thread. */
    volatile int recovery = -1;
    volatile long epoch;
    volatile long position;
    volatile int state = STATE_NEW;
    volatile boolean closeRequested;
    boolean finished;
    private volatile Object attachment;

    MuxClientChannel(
        final MuxClient mux,
        final int id,
        final String name,
        final byte[] nameBytes,
        final int maxRate,
        final ChannelListener listener)
    {
        this.mux = mux;
        this.id = id;
        this.name = name;
        this.nameBytes = new UnsafeBuffer(nameBytes);
        this.maxRate = maxRate;
        this.listener = listener;
        BinaryMuxDescriptor.writeHeader(textHeader, 0, BinaryMuxDescriptor.TEXT, id);
        BinaryMuxDescriptor.writeHeader(binaryHeader, 0, BinaryMuxDescriptor.BINARY, id);
    }

    /**
     * @return the channel id on its WebSocket, at least 1; reused once the channel is closed.
     */
    public int id()
    {
        return id;
    }

    /**
     * @return the name the channel was opened on.
     */
    public String name()
    {
        return name;
    }

    /**
     * @return the maximum rate asked for, messages per second, 0 for none.
     */
    public int maxRate()
    {
        return maxRate;
    }

    /**
     * @return for a channel that asked for positions, the topic's epoch (from OPENED); 0 otherwise.
     */
    public long epoch()
    {
        return epoch;
    }

    /**
     * @return for a channel that asked for positions, the offset of the message being delivered (during
     * {@link ChannelListener#onText}) or of the last one delivered; before the first, the offset the channel starts
     * after. 0 otherwise.
     */
    public long position()
    {
        return position;
    }

    /**
     * @return what OPENED said ({@link io.wsmux.codec.mux.BinaryMuxDescriptor#RECOVERY_FRESH} and the others) for a
     * channel that asked for positions, -1 before OPENED or otherwise.
     */
    public int recovery()
    {
        return recovery;
    }

    /**
     * @return the connection the channel lives on.
     */
    public MuxClient mux()
    {
        return mux;
    }

    /**
     * @return true between OPENED and the channel's close.
     */
    public boolean isOpen()
    {
        return STATE_OPEN == state && !closeRequested;
    }

    /**
     * @return the application's object attached to this channel, or null.
     */
    public Object attachment()
    {
        return attachment;
    }

    /**
     * @param attachment any object the application wants to find from the channel.
     */
    public void attach(final Object attachment)
    {
        this.attachment = attachment;
    }

    /**
     * Send a text message on the channel.
     *
     * @param buffer holding UTF-8 text (not checked); not retained.
     * @param offset of the text.
     * @param length of the text.
     * @return false when the channel or its connection is closed, or the connection is back-pressured.
     */
    public boolean sendText(final DirectBuffer buffer, final int offset, final int length)
    {
        return canSend() && mux.send(textHeader, buffer, offset, length);
    }

    /**
     * Send a text message on the channel; convenient, but allocates its UTF-8 encoding.
     *
     * @param text the message.
     * @return false when the channel or its connection is closed, or the connection is back-pressured.
     */
    public boolean sendText(final String text)
    {
        final byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        return sendText(new UnsafeBuffer(bytes), 0, bytes.length);
    }

    /**
     * Send a binary message on the channel.
     *
     * @param buffer holding the message; not retained.
     * @param offset of the message.
     * @param length of the message.
     * @return false when the channel or its connection is closed, or the connection is back-pressured.
     */
    public boolean sendBinary(final DirectBuffer buffer, final int offset, final int length)
    {
        return canSend() && mux.send(binaryHeader, buffer, offset, length);
    }

    /**
     * Close the channel: send CLOSE (no reply comes). {@link ChannelListener#onClosed} follows with
     * {@link #CLOSED_BY_CLIENT}, on the I/O thread. Idempotent.
     */
    public void close()
    {
        if (closeRequested)
        {
            return;
        }
        closeRequested = true;
        mux.requestClose(this);
    }

    private boolean canSend()
    {
        return !closeRequested && state <= STATE_OPEN;
    }

    @Override
    public String toString()
    {
        return "MuxClientChannel{id=" + id + ", name=" + name + ", state=" + state + "}";
    }
}
