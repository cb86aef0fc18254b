package io.wsmux.transport;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

import javax.net.ssl.SSLSession;

import io.wsmux.transport.tls.TlsSession;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * One accepted socket as its {@link IoLoop} sees it: the channel, its selection key, its outbound queue and its
 * deadline. A protocol extends this class (one level) and implements the {@code onXxx} callbacks, so a connection is
 * one object for transport and protocol together.
 * <p>
 * <b>Not thread safe</b>: every method, callbacks included, runs on the owning loop's thread. Other threads reach a
 * connection through {@link IoLoop#offerCommand}.
 * <p>
 * Outbound data has two lanes: data frames, counted in {@link #queuedBytes()} against the protocol's budget, and
 * control frames (pings and pongs), counted apart in {@link #queuedControlBytes()}, which never wait behind queued
 * data for longer than the frame being written. Both count towards the loop's read pause: while more than
 * {@link IoLoopConfig#readPauseQueuedLength()} bytes are queued, the connection is not read. An idle connection holds
 * no buffer.
 */
public abstract class TcpConnection
{
    /** Never a valid connection id. */
    public static final long NULL_ID = 0;
    /** No deadline. */
    public static final long NO_DEADLINE = Long.MAX_VALUE;

    static final long NULL_TIMER = -1;

    /** The loop that owns this connection for life. */
    protected final IoLoop loop;
    final SocketChannel channel;
    final long id;
    SelectionKey key;
    OutboundEntry dataHead;
    OutboundEntry dataTail;
    OutboundEntry controlHead;
    OutboundEntry controlTail;
    OutboundChunk dataChunk;
    OutboundChunk controlChunk;
    long queuedBytes;
    int queuedControlBytes; // pongs and close frames: small, bounded by the protocol
    long timerId = NULL_TIMER;
    long deadlineNs = NO_DEADLINE;
    boolean closeWhenFlushed;
    boolean closed;
    boolean batched;
    boolean readPaused; // over IoLoopConfig.readPauseQueuedLength: OP_READ is off until the queue drains below it
    /** The connection's TLS, or null for plaintext. */
    TlsSession tls;
    boolean tlsTasksRunning; // the handshake's tasks run on the pool: not read until they are done

    /**
     * @param loop    owning loop.
     * @param channel accepted socket.
     * @param id      unique id from the loop.
     */
    protected TcpConnection(final IoLoop loop, final SocketChannel channel, final long id)
    {
        this.loop = loop;
        this.channel = channel;
        this.id = id;
    }

    /**
     * The socket is registered and may be read.
     *
     * @param nowNs loop clock.
     */
    protected abstract void onOpen(long nowNs);

    /**
     * Bytes arrived. Writes to this connection made during the call are gathered and sent with one system call
     * when it returns.
     *
     * @param buffer the loop's shared read buffer: valid only during the call, may be modified (unmasked) in place.
     * @param offset of the first byte.
     * @param length bytes read.
     * @param nowNs  loop clock.
     */
    protected abstract void onRead(MutableDirectBuffer buffer, int offset, int length, long nowNs);

    /**
     * The peer closed its side (read returned end of stream). The socket is closed when this returns.
     *
     * @param nowNs loop clock.
     */
    protected abstract void onEndOfStream(long nowNs);

    /**
     * The deadline set with {@link #deadline(long)} has passed.
     *
     * @param nowNs loop clock.
     */
    protected abstract void onDeadline(long nowNs);

    /**
     * A command another thread sent with {@link IoLoop#offerCommand}.
     *
     * @param type   the command type, at least 1.
     * @param arg    the command's int argument.
     * @param buffer holding the command's bytes, valid only during the call.
     * @param offset of the bytes.
     * @param length of the bytes.
     * @param nowNs  loop clock.
     */
    protected abstract void onCommand(int type, int arg, DirectBuffer buffer, int offset, int length, long nowNs);

    /**
     * The loop stopped reading this connection: after a read, more than {@link IoLoopConfig#readPauseQueuedLength()}
     * bytes are queued for it. It is read again once the socket has taken enough.
     *
     * @param nowNs loop clock.
     */
    protected void onReadPaused(final long nowNs)
    {
    }

    /**
     * Everything queued has been written and the socket can take more.
     */
    protected void onFlushed()
    {
    }

    /**
     * The socket is closed and every resource of the connection released. Called exactly once.
     *
     * @param cause the I/O error or callback failure that closed it, or null for an orderly close.
     */
    protected abstract void onClosed(Throwable cause);

    /**
     * @return unique id of this connection within its server.
     */
    public final long id()
    {
        return id;
    }

    /**
     * @return bytes of data frames queued because the socket did not take them yet (control frames excluded).
     */
    public final long queuedBytes()
    {
        return queuedBytes;
    }

    /**
     * @return bytes of control frames queued (not counted in {@link #queuedBytes()}).
     */
    public final long queuedControlBytes()
    {
        return queuedControlBytes;
    }

    /**
     * @return true while the loop does not read this connection because too much is queued for it.
     */
    public final boolean isReadPaused()
    {
        return readPaused;
    }

    /**
     * @return true once the socket is closed.
     */
    public final boolean isClosed()
    {
        return closed;
    }

    /**
     * @return true when the connection speaks TLS (wss://, https://).
     */
    public final boolean isSecure()
    {
        return null != tls;
    }

    /**
     * @return the TLS session (protocol, cipher suite, peer certificates) once its handshake is done, else null
     * (plaintext, or still handshaking).
     */
    public final SSLSession tlsSession()
    {
        return null != tls && tls.isEstablished() ? tls.session() : null;
    }

    /**
     * @return the principal of the peer's TLS certificate (mutual TLS), or null. Cold path.
     */
    public final java.security.Principal peerPrincipal()
    {
        return null == tls ? null : tls.peerPrincipal();
    }

    /**
     * @return the peer's address, or null if the socket is closed. Cold path: may allocate.
     */
    public final InetSocketAddress remoteAddress()
    {
        try
        {
            return (InetSocketAddress)channel.getRemoteAddress();
        }
        catch (final IOException ex)
        {
            return null;
        }
    }

    /**
     * Send one whole data frame, in one or two pieces (header and payload): straight to the socket when nothing is
     * queued (gathered with the other replies of the current read when called from {@link #onRead}), else, or for
     * what the socket does not take, copied into the data lane. Ignored once closed.
     *
     * @param first        first piece, not retained.
     * @param firstOffset  of the first piece.
     * @param firstLength  of the first piece.
     * @param second       second piece, not retained; null when there is none.
     * @param secondOffset of the second piece.
     * @param secondLength of the second piece, 0 when there is none.
     */
    protected final void writeFrame(
        final DirectBuffer first,
        final int firstOffset,
        final int firstLength,
        final DirectBuffer second,
        final int secondOffset,
        final int secondLength)
    {
        loop.framesOut++;
        loop.write(this, false, first, firstOffset, firstLength, second, secondOffset, secondLength);
    }

    /**
     * Queue whole frames that were {@link IoLoop#stage staged} in the batch's arena: by reference when this
     * connection's frames of the batch go out at its end, else copied like any frame. Loop thread, during the batch
     * that staged them.
     *
     * @param arenaOffset where {@link IoLoop#stage} put them.
     * @param length      of the frames.
     * @param frames      how many frames they are (for the counters).
     */
    protected final void writeStaged(final int arenaOffset, final int length, final int frames)
    {
        loop.framesOut += frames;
        loop.writeStaged(this, arenaOffset, length);
    }

    /**
     * Send one whole control frame (ping, pong) in its own lane: it goes out before any queued data frame the socket
     * has not started on, and is not counted against the data budget. A close frame must not overtake data
     * (RFC 6455 §5.5.1): send it with {@link #writeFrame}.
     *
     * @param buffer the frame, not retained.
     * @param offset of the frame.
     * @param length of the frame.
     */
    protected final void writeControlFrame(final DirectBuffer buffer, final int offset, final int length)
    {
        loop.framesOut++;
        loop.write(this, true, buffer, offset, length, null, 0, 0);
    }

    /**
     * Send bytes that are not WebSocket frames (an HTTP response) as one unit in the data lane.
     *
     * @param buffer the bytes, not retained.
     * @param offset of the bytes.
     * @param length of the bytes.
     */
    protected final void write(final DirectBuffer buffer, final int offset, final int length)
    {
        loop.write(this, false, buffer, offset, length, null, 0, 0);
    }

    /**
     * Drop the queued data frames the socket has not started on; a frame already half written stays, since the peer
     * must get it whole. For a connection given up on: what it is sent next (a close frame) no longer waits behind a
     * backlog it will never read. Frames in the cork of the current read are flushed first.
     *
     * @return bytes dropped.
     */
    protected final long discardUnstartedData()
    {
        return loop.discardUnstarted(this, false);
    }

    /**
     * Drop the queued control frames the socket has not started on: a newer pong replaces one still waiting
     * (RFC 6455 §5.5.3 lets an endpoint answer only the most recent ping).
     *
     * @return bytes dropped.
     */
    protected final long discardUnstartedControl()
    {
        return loop.discardUnstarted(this, true);
    }

    /**
     * Set the socket's SO_SNDBUF, which also ends the kernel's auto-tuning of it: a smaller buffer bounds what can be
     * in flight, at the cost of throughput to a far peer. Cold path (a system call).
     *
     * @param length bytes, or 0 to leave the buffer as it is.
     */
    protected final void socketSendBufferLength(final int length)
    {
        if (length > 0 && !closed)
        {
            try
            {
                channel.setOption(StandardSocketOptions.SO_SNDBUF, length);
            }
            catch (final IOException | RuntimeException ignore)
            {
                // Best effort: a socket that refuses the option keeps its kernel-tuned buffer.
            }
        }
    }

    /**
     * Ask for {@link #onDeadline(long)} at or after a time. One deadline per connection: a later call replaces an
     * earlier one. Re-arming lazily is cheap: a later deadline than the one scheduled costs nothing until the
     * timer fires.
     *
     * @param deadlineNs loop-clock time, or {@link #NO_DEADLINE}.
     */
    protected final void deadline(final long deadlineNs)
    {
        loop.deadline(this, deadlineNs);
    }

    /**
     * @return the deadline last set with {@link #deadline(long)}, or {@link #NO_DEADLINE}.
     */
    protected final long deadlineNs()
    {
        return deadlineNs;
    }

    /**
     * Close the socket once everything queued has been written (at once if nothing is).
     */
    protected final void closeWhenFlushed()
    {
        loop.closeWhenFlushed(this);
    }

    /**
     * Close the socket now, dropping anything queued.
     *
     * @param cause why, or null for an orderly close.
     */
    protected final void close(final Throwable cause)
    {
        loop.close(this, cause);
    }
}
