package io.wsmux.transport.tls;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.security.Principal;
import java.util.concurrent.Executor;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * One connection's TLS: its {@link SSLEngine} between the socket and the connection's plaintext, working in its
 * loop's {@link TlsBuffers}. The connection keeps only what it could not finish, each in a spill buffer taken from the
 * loop's pool and returned as soon as it is used up: the start of a record not yet whole ({@code pendingIn}), and the
 * end of a record the socket did not take ({@code pendingOut}). An idle connection holds neither.
 * <p>
 * The loop drives it:
 * <ol>
 *     <li>{@link #fill} reads ciphertext after what was kept, then {@link #unwrap} is called until it returns 0 or a
 *     code: each positive return is plaintext in {@link TlsBuffers#plaintext()} to hand to the connection. Handshake
 *     records the engine wants to send on the way are written at once.</li>
 *     <li>{@link #wrap} encrypts what the connection queued, one record per socket write, and keeps the part of the
 *     last record the socket did not take; until {@link #flush} has written it, nothing more is encrypted, so at
 *     most one record per connection waits beyond its plaintext queue.</li>
 * </ol>
 * <b>Not thread safe</b>: loop thread only, except {@link #runDelegatedTasks}, which the task pool may run while the
 * loop does not touch the engine (the connection is not read meanwhile).
 */
public final class TlsSession
{
    /** Nothing more can be done until more ciphertext arrives. */
    public static final int NEED_INPUT = 0;
    /** The peer sent close_notify: the end of its stream. */
    public static final int CLOSED = -1;
    /** A bad record, a failed handshake or a refused renegotiation: close the connection (an alert was tried). */
    public static final int FAILED = -2;
    /** The handshake needs its delegated tasks run (key exchange, signatures) before it can go on. */
    public static final int NEED_TASKS = -3;
    /** A handshake record waits for the socket to take the previous one. */
    public static final int NEED_WRITABLE = -4;
    /** The first bytes are plaintext, an HTTP request typically: answer in plaintext and close. */
    public static final int PLAINTEXT = -5;

    /** TLS record content type of a handshake message (RFC 8446 §5.1). */
    private static final int CONTENT_TYPE_HANDSHAKE = 22;
    private static final String TLS_1_3 = "TLSv1.3";

    private final SSLEngine engine;
    private TlsBuffers buffers;
    private final Executor taskExecutor;
    private ByteBuffer pendingIn; // write mode: [0, position) is kept ciphertext
    private ByteBuffer pendingOut; // read mode: [position, limit) still to write
    private boolean established;
    private boolean renegotiationAllowed;
    private boolean refuseHandshakes;
    private boolean sawInput;
    private boolean inboundClosed;
    private boolean failed;
    private boolean released;
    private boolean waitingToWrite;
    private SSLException failure;

    /**
     * Start the handshake: a client's first {@link #unwrap} call writes its ClientHello, a server's waits for one.
     *
     * @param engine       a new engine, in client or server mode.
     * @param buffers      the owning loop's buffers.
     * @param taskExecutor where the handshake's delegated tasks run, or null for the loop.
     * @throws SSLException if the engine cannot begin.
     */
    public TlsSession(final SSLEngine engine, final TlsBuffers buffers, final Executor taskExecutor)
        throws SSLException
    {
        this.engine = engine;
        this.buffers = buffers;
        this.taskExecutor = taskExecutor;
        engine.beginHandshake();
        buffers.handshaking++;
    }

    /**
     * Read ciphertext from the socket after what was kept from the last read, ready for {@link #unwrap}. During the
     * handshake at most one record's worth is taken, so that what waits while the handshake's tasks run fits one
     * spill buffer.
     *
     * @param channel the connection's socket.
     * @return bytes read, 0 if none, -1 at the end of the stream.
     * @throws IOException if the read fails.
     */
    public int fill(final SocketChannel channel) throws IOException
    {
        final ByteBuffer in = restorePendingIn();
        final int limit = established ? in.capacity() : Math.max(in.position(), buffers.packetLength);
        in.limit(limit);
        final int read = in.position() < limit ? channel.read(in) : 0;
        in.flip();
        return read;
    }

    /**
     * Make what was kept from earlier reads ready for {@link #unwrap} without reading the socket (after the handshake's
     * tasks ran elsewhere, or a handshake record waited for the socket).
     */
    public void resumeInput()
    {
        waitingToWrite = false;
        restorePendingIn().flip();
    }

    /**
     * @return true when {@link #unwrap} stopped with {@link #NEED_WRITABLE}: once {@link #flush} has written the
     * record's rest, call {@link #resumeInput} and {@link #unwrap} again (what was read is kept meanwhile).
     */
    public boolean isWaitingToWrite()
    {
        return waitingToWrite;
    }

    private ByteBuffer restorePendingIn()
    {
        final ByteBuffer in = buffers.netIn;
        in.clear();
        if (null != pendingIn)
        {
            pendingIn.flip();
            in.put(pendingIn);
            buffers.releaseSpill(pendingIn);
            pendingIn = null;
        }
        return in;
    }

    /**
     * @return true while ciphertext is kept: at the end of the stream, the peer cut a record short.
     */
    public boolean hasPartialInput()
    {
        return null != pendingIn && pendingIn.position() > 0;
    }

    /**
     * Decrypt what {@link #fill} or {@link #resumeInput} made ready, advancing the handshake on the way (its records
     * are written to the socket at once). Call until it returns 0 or less, then {@link #keepRemainder}.
     *
     * @param channel the connection's socket, for the handshake's records.
     * @return plaintext bytes now in {@link TlsBuffers#plaintext()} from offset 0, or {@link #NEED_INPUT},
     * {@link #CLOSED}, {@link #FAILED}, {@link #NEED_TASKS}, {@link #NEED_WRITABLE}, {@link #PLAINTEXT}.
     * @throws IOException if writing a handshake record fails.
     */
    public int unwrap(final SocketChannel channel) throws IOException
    {
        if (failed)
        {
            return FAILED;
        }
        final ByteBuffer in = buffers.netIn;
        final ByteBuffer plain = buffers.plainIn;
        plain.clear();
        boolean progress = true;
        while (progress)
        {
            final HandshakeStatus status = engine.getHandshakeStatus();
            if (HandshakeStatus.NEED_TASK == status)
            {
                return plain.position() > 0 ? plain.position() : NEED_TASKS;
            }
            if (HandshakeStatus.NEED_WRAP == status)
            {
                if (plain.position() > 0)
                {
                    break; // hand over what is decrypted first
                }
                final int wrapped = wrapHandshake(channel);
                if (NEED_INPUT != wrapped)
                {
                    return wrapped;
                }
                continue;
            }
            if (!in.hasRemaining() || plain.remaining() < buffers.plaintextLength)
            {
                break;
            }
            if (!sawInput)
            {
                sawInput = true;
                final int first = in.get(in.position()) & 0xFF;
                if (first != CONTENT_TYPE_HANDSHAKE && first >= 'A' && first <= 'Z')
                {
                    failed = true;
                    buffers.plaintextRefused++;
                    return PLAINTEXT;
                }
            }

            final SSLEngineResult result;
            try
            {
                result = engine.unwrap(in, plain);
            }
            catch (final SSLException ex)
            {
                return fail(channel, ex);
            }
            switch (result.getStatus())
            {
                case OK:
                    final HandshakeStatus after = result.getHandshakeStatus();
                    if (!established)
                    {
                        checkEstablished(after);
                    }
                    else if (refuseHandshakes && HandshakeStatus.NOT_HANDSHAKING != after &&
                        HandshakeStatus.FINISHED != after)
                    {
                        // RFC 5746 renegotiation (TLS 1.2): a handshake begun by the client on an established
                        // connection costs the server a key exchange each time. TLS 1.3 has none (KeyUpdate is not
                        // one, and is allowed).
                        buffers.renegotiationsRefused++;
                        failed = true;
                        failure = new SSLException("renegotiation refused");
                        return FAILED;
                    }
                    progress = result.bytesConsumed() > 0 || result.bytesProduced() > 0 ||
                        HandshakeStatus.NEED_UNWRAP != after;
                    break;
                case CLOSED:
                    inboundClosed = true;
                    progress = false;
                    break;
                default: // BUFFER_UNDERFLOW: the record is not whole; BUFFER_OVERFLOW: hand over plaintext first
                    progress = false;
                    break;
            }
        }
        if (plain.position() > 0)
        {
            return plain.position();
        }
        return inboundClosed ? CLOSED : NEED_INPUT;
    }

    /**
     * Keep the ciphertext {@link #unwrap} did not use (the start of a record) in a spill buffer until the next read.
     */
    public void keepRemainder()
    {
        final ByteBuffer in = buffers.netIn;
        if (in.hasRemaining() && !failed)
        {
            pendingIn = buffers.acquireSpill(in.remaining());
            pendingIn.put(in);
        }
        in.clear();
    }

    /**
     * Carry on in another loop's buffers (a connection handed to another loop, established and with nothing waiting
     * to be written). Loop thread of the new owner.
     *
     * @param newBuffers the new owner's buffers.
     */
    public void moveTo(final TlsBuffers newBuffers)
    {
        this.buffers = newBuffers;
    }

    /**
     * @return where the handshake's delegated tasks run, or null for the loop.
     */
    public Executor taskExecutor()
    {
        return taskExecutor;
    }

    /**
     * Run the handshake's delegated tasks. Any thread, while the loop leaves the connection alone.
     */
    public void runDelegatedTasks()
    {
        Runnable task;
        while (null != (task = engine.getDelegatedTask()))
        {
            task.run();
        }
    }

    /**
     * Encrypt plaintext and write it: one record per socket write, until the plaintext is used up or the socket is
     * full (the record's rest is then kept for {@link #flush}). Nothing is encrypted before the handshake is done, or
     * while a record's rest waits.
     *
     * @param channel the connection's socket.
     * @param sources plaintext, consumed from their positions.
     * @param offset  first source.
     * @param length  number of sources.
     * @return plaintext bytes consumed.
     * @throws IOException if the write or the engine fails.
     */
    public long wrap(final SocketChannel channel, final ByteBuffer[] sources, final int offset, final int length)
        throws IOException
    {
        if (!established || null != pendingOut || failed)
        {
            return 0;
        }
        final ByteBuffer out = buffers.netOut;
        long consumed = 0;
        while (true)
        {
            if (HandshakeStatus.NEED_TASK == engine.getHandshakeStatus())
            {
                runDelegatedTasks(); // a post-handshake message (TLS 1.3 KeyUpdate): rare and cheap
            }
            out.clear();
            final SSLEngineResult result = engine.wrap(sources, offset, length, out);
            if (SSLEngineResult.Status.CLOSED == result.getStatus())
            {
                throw new SSLException("TLS engine closed");
            }
            consumed += result.bytesConsumed();
            out.flip();
            if (out.hasRemaining() && !writeOrKeep(channel, out))
            {
                break;
            }
            if ((0 == result.bytesConsumed() && 0 == result.bytesProduced()) || !anyRemaining(sources, offset, length))
            {
                break;
            }
        }
        return consumed;
    }

    /**
     * {@link #wrap} of one source.
     *
     * @param channel the connection's socket.
     * @param source  plaintext, consumed from its position.
     * @return plaintext bytes consumed.
     * @throws IOException if the write or the engine fails.
     */
    public long wrap(final SocketChannel channel, final ByteBuffer source) throws IOException
    {
        final ByteBuffer[] single = buffers.single;
        single[0] = source;
        try
        {
            return wrap(channel, single, 0, 1);
        }
        finally
        {
            single[0] = null;
        }
    }

    private static boolean anyRemaining(final ByteBuffer[] sources, final int offset, final int length)
    {
        for (int i = offset, end = offset + length; i < end; i++)
        {
            if (sources[i].hasRemaining())
            {
                return true;
            }
        }
        return false;
    }

    /**
     * Write the rest of a record the socket did not take before.
     *
     * @param channel the connection's socket.
     * @return true when nothing waits any more.
     * @throws IOException if the write fails.
     */
    public boolean flush(final SocketChannel channel) throws IOException
    {
        if (null == pendingOut)
        {
            return true;
        }
        buffers.bytesOut += channel.write(pendingOut);
        if (pendingOut.hasRemaining())
        {
            return false;
        }
        buffers.releaseSpill(pendingOut);
        pendingOut = null;
        return true;
    }

    /**
     * @return true while the rest of a record waits for the socket.
     */
    public boolean hasPendingOutput()
    {
        return null != pendingOut;
    }

    /**
     * @return true once the handshake is done: plaintext can be sent.
     */
    public boolean isEstablished()
    {
        return established;
    }

    /**
     * @return true once a bad record, a failed handshake or a refused renegotiation ended it.
     */
    public boolean isFailed()
    {
        return failed;
    }

    /**
     * @return what the engine threw when it failed, or null.
     */
    public SSLException failure()
    {
        return failure;
    }

    /**
     * @return the negotiated session (protocol, cipher suite, peer certificates); a placeholder until established.
     */
    public SSLSession session()
    {
        return engine.getSession();
    }

    /**
     * @return the peer's principal (its certificate's subject) when it authenticated with a certificate, else null.
     * Cold path.
     */
    public Principal peerPrincipal()
    {
        if (!established)
        {
            return null;
        }
        try
        {
            return engine.getSession().getPeerPrincipal();
        }
        catch (final SSLPeerUnverifiedException ex)
        {
            return null;
        }
    }

    /**
     * Allow a TLS 1.2 peer to renegotiate (refused by default: it costs the server a key exchange on demand).
     *
     * @param allowed whether to allow it.
     */
    public void renegotiationAllowed(final boolean allowed)
    {
        this.renegotiationAllowed = allowed;
    }

    /**
     * Send close_notify if the session is up and the socket free (best effort, never blocks), and give the spill
     * buffers back. Loop thread, once, as the socket closes.
     *
     * @param channel      the connection's socket, still open.
     * @param closeNotify  whether to send close_notify (an orderly close).
     */
    public void release(final SocketChannel channel, final boolean closeNotify)
    {
        if (released)
        {
            return;
        }
        released = true;
        if (!established)
        {
            buffers.handshaking--;
        }
        if (closeNotify && established && !failed && null == pendingOut)
        {
            engine.closeOutbound();
            writeLastRecord(channel);
        }
        if (null != pendingIn)
        {
            buffers.releaseSpill(pendingIn);
            pendingIn = null;
        }
        if (null != pendingOut)
        {
            buffers.releaseSpill(pendingOut);
            pendingOut = null;
        }
    }

    private int wrapHandshake(final SocketChannel channel) throws IOException
    {
        if (null != pendingOut)
        {
            waitingToWrite = true;
            return NEED_WRITABLE;
        }
        final ByteBuffer out = buffers.netOut;
        out.clear();
        final SSLEngineResult result;
        try
        {
            result = engine.wrap(buffers.emptyArray, 0, 1, out);
        }
        catch (final SSLException ex)
        {
            return fail(channel, ex);
        }
        out.flip();
        if (out.hasRemaining())
        {
            writeOrKeep(channel, out);
        }
        if (SSLEngineResult.Status.CLOSED == result.getStatus())
        {
            // The engine wrapped an alert after a failure it reported through its state, not an exception.
            failed = true;
            if (!established)
            {
                buffers.handshakeFailures++;
            }
            return FAILED;
        }
        if (!established)
        {
            checkEstablished(result.getHandshakeStatus());
        }
        return NEED_INPUT;
    }

    private void checkEstablished(final HandshakeStatus status)
    {
        if (HandshakeStatus.FINISHED == status ||
            (HandshakeStatus.NOT_HANDSHAKING == status &&
            HandshakeStatus.NOT_HANDSHAKING == engine.getHandshakeStatus()))
        {
            established = true;
            buffers.handshaking--;
            buffers.handshakes++;
            refuseHandshakes = !renegotiationAllowed && !TLS_1_3.equals(engine.getSession().getProtocol());
        }
    }

    private boolean writeOrKeep(final SocketChannel channel, final ByteBuffer out) throws IOException
    {
        buffers.bytesOut += channel.write(out);
        if (out.hasRemaining())
        {
            pendingOut = buffers.acquireSpill(out.remaining());
            pendingOut.put(out);
            pendingOut.flip();
            return false;
        }
        return true;
    }

    /**
     * The engine refused a record or the handshake: send the alert it prepared, if any (best effort), and report it.
     */
    private int fail(final SocketChannel channel, final SSLException cause)
    {
        failed = true;
        failure = cause;
        if (established)
        {
            buffers.badRecords++;
        }
        else
        {
            buffers.handshakeFailures++;
        }
        if (null == pendingOut && HandshakeStatus.NEED_WRAP == engine.getHandshakeStatus())
        {
            writeLastRecord(channel);
        }
        return FAILED;
    }

    /**
     * Wrap what the engine has to say before the socket closes (close_notify, an alert) and write it once, without
     * waiting: best effort, the socket closes either way.
     */
    private void writeLastRecord(final SocketChannel channel)
    {
        try
        {
            final ByteBuffer out = buffers.netOut;
            out.clear();
            engine.wrap(buffers.empty, out);
            out.flip();
            buffers.bytesOut += channel.write(out);
        }
        catch (final IOException | RuntimeException ignore)
        {
            // The peer learns of the close from the socket instead.
        }
    }
}
