package io.wsmux.client;

import io.wsmux.codec.Opcode;
import io.wsmux.transport.IoLoop;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The cross-thread side of one {@link WebSocketClientConnection}: how threads other than the client's I/O thread
 * hand it sends, closes and listener commands, as commands in the loop's ring buffer
 * ({@link IoLoop#offerCommand}), which {@link WebSocketClientConnection#onCommand} carries out on the loop.
 * <ul>
 *     <li>A message up to {@link IoLoop#maxCommandLength()} is one command: copied into the ring, no allocation.</li>
 *     <li>A longer one travels as consecutive {@link #PART} commands ending with {@link #PART_LAST}, which the
 *     connection assembles and sends as one frame. So the messages one thread sends go out in the order it sent
 *     them, whatever their size (sending long ones as objects through the loop's task queue would let them overtake
 *     or fall behind the short ones in the ring).</li>
 *     <li>Commands that must not be lost (close, channel state changes) wait for room in the ring.</li>
 * </ul>
 * Thread safe. Allocates nothing once each producer thread's scratch buffer has grown to the largest message it
 * joined from two pieces.
 */
final class ClientConnectionProxy
{
    static final int SEND_TEXT = 1;
    static final int SEND_BINARY = 2;
    /** Start the close handshake: arg is the code, the bytes are the reason. */
    static final int CLOSE = 3;
    static final int PING = 4;
    /** A piece of a message longer than one command, appended to the connection's parts buffer; arg: opcode. */
    static final int PART = 5;
    /** The last piece of a long message: appended, then the whole message is sent; arg: opcode. */
    static final int PART_LAST = 6;
    /** Types from here on carry a {@link WebSocketClientConnection.LoopCommandListener} command of kind type - base. */
    static final int LISTENER_BASE = 16;
    static final int MAX_LISTENER_COMMAND_KIND = 15;

    private static final UnsafeBuffer EMPTY = new UnsafeBuffer(new byte[0]);

    /**
     * Where a producer thread joins a protocol header and a payload into one command: one per thread, grown to the
     * largest command it carried, so steady sending allocates nothing.
     */
    private static final ThreadLocal<ExpandableArrayBuffer> PRODUCER_SCRATCH =
        ThreadLocal.withInitial(ExpandableArrayBuffer::new);

    private final IoLoop loop;
    private final long connectionId;
    private final WebSocketClientConnection connection;
    private final ClientContext context;
    /** Serializes producers of messages longer than one command, so that their pieces do not interleave. */
    private final Object partsLock = new Object();

    ClientConnectionProxy(
        final IoLoop loop, final long connectionId, final WebSocketClientConnection connection,
        final ClientContext context)
    {
        this.loop = loop;
        this.connectionId = connectionId;
        this.connection = connection;
        this.context = context;
    }

    static boolean isListenerCommand(final int type)
    {
        return type >= LISTENER_BASE && type <= LISTENER_BASE + MAX_LISTENER_COMMAND_KIND;
    }

    /**
     * @return false if the ring buffer is full.
     */
    boolean offer(final int type, final int arg, final DirectBuffer buffer, final int offset, final int length)
    {
        return loop.offerCommand(type, connectionId, arg, buffer, offset, length);
    }

    /**
     * Send a whole data message.
     *
     * @return false if the connection is not open or the ring buffer is full (nothing was sent).
     */
    boolean offerSend(final int type, final int opcode, final DirectBuffer buffer, final int offset, final int length)
    {
        if (!connection.isOpen())
        {
            return false;
        }
        if (length <= loop.maxCommandLength())
        {
            return offer(type, 0, buffer, offset, length);
        }
        return offerParts(opcode, null, 0, 0, buffer, offset, length);
    }

    /**
     * Send one binary message made of a header and a payload.
     *
     * @return false if the connection is not open or the ring buffer is full (nothing was sent).
     */
    boolean offerJoined(
        final DirectBuffer prefix,
        final int prefixOffset,
        final int prefixLength,
        final DirectBuffer buffer,
        final int offset,
        final int length)
    {
        if (!connection.isOpen())
        {
            return false;
        }
        final int total = prefixLength + length;
        if (total <= loop.maxCommandLength())
        {
            final ExpandableArrayBuffer scratch = PRODUCER_SCRATCH.get();
            scratch.putBytes(0, prefix, prefixOffset, prefixLength);
            scratch.putBytes(prefixLength, buffer, offset, length);
            return offer(SEND_BINARY, 0, scratch, 0, total);
        }
        return offerParts(Opcode.BINARY, prefix, prefixOffset, prefixLength, buffer, offset, length);
    }

    /**
     * Hand a command to the connection's {@link WebSocketClientConnection.LoopCommandListener}.
     *
     * @return false if the connection closed first.
     */
    boolean offerListenerCommand(final int kind, final int arg)
    {
        if (kind < 0 || kind > MAX_LISTENER_COMMAND_KIND)
        {
            throw new IllegalArgumentException("kind must be 0.." + MAX_LISTENER_COMMAND_KIND + ": kind=" + kind);
        }
        return offerUntilAccepted(LISTENER_BASE + kind, arg, EMPTY, 0, 0);
    }

    /**
     * For commands that must not be lost: wait for room in the ring buffer while the connection is open.
     *
     * @return false if the connection closed (or the client) first.
     */
    boolean offerUntilAccepted(
        final int type, final int arg, final DirectBuffer buffer, final int offset, final int length)
    {
        while (connection.isOpen() && !context.closed)
        {
            if (offer(type, arg, buffer, offset, length))
            {
                return true;
            }
            Thread.yield();
        }
        return false;
    }

    /**
     * Send a message longer than one command as consecutive pieces. Only the first piece may be refused for
     * back-pressure (nothing is staged then); once one is in, the rest wait for room, as a half-sent message cannot
     * be taken back. Short messages from other threads may go out between the pieces, which is harmless: the loop
     * sends whole messages only.
     */
    private boolean offerParts(
        final int opcode,
        final DirectBuffer prefix,
        final int prefixOffset,
        final int prefixLength,
        final DirectBuffer buffer,
        final int offset,
        final int length)
    {
        synchronized (partsLock)
        {
            boolean first = true;
            if (prefixLength > 0)
            {
                if (!offerPart(PART, opcode, prefix, prefixOffset, prefixLength, true))
                {
                    return false;
                }
                first = false;
            }
            final int pieceLength = loop.maxCommandLength();
            int position = 0;
            do
            {
                final int piece = Math.min(pieceLength, length - position);
                final int type = position + piece == length ? PART_LAST : PART;
                if (!offerPart(type, opcode, buffer, offset + position, piece, first))
                {
                    return false;
                }
                first = false;
                position += piece;
            }
            while (position < length);
            return true;
        }
    }

    private boolean offerPart(
        final int type,
        final int opcode,
        final DirectBuffer buffer,
        final int offset,
        final int length,
        final boolean first)
    {
        while (!offer(type, opcode, buffer, offset, length))
        {
            if (first || !connection.isOpen() || context.closed)
            {
                return false;
            }
            Thread.yield();
        }
        return true;
    }
}
