package io.wsmux.transport.tls;

import java.nio.ByteBuffer;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * One loop's TLS working space, shared by all its TLS connections: the buffer ciphertext is read into, the buffer
 * records are decrypted into, the buffer records are encrypted into, and a pool of spill buffers in which a
 * connection keeps what it could not finish: a partial record read, or the part of a record the socket did not take.
 * An idle TLS connection holds none of them, only its {@link javax.net.ssl.SSLEngine}.
 * <p>
 * Also the loop's TLS counters, as plain fields the loop publishes once per duty cycle.
 * <p>
 * <b>Not thread safe</b>: owned by one loop. Allocates only when its pool is empty.
 */
public final class TlsBuffers
{
    /** Largest TLS record on the wire with the JDK's engine (16 KiB of plaintext, header, padding and tag). */
    static final int MAX_PACKET_LENGTH = 16_709;
    /** Largest plaintext of one record (RFC 8446 §5.1: 2^14). */
    static final int MAX_PLAINTEXT_LENGTH = 16_384;
    /** Bytes of one spill buffer: a whole record, rounded up. */
    static final int SPILL_LENGTH = 17 * 1024;

    final int packetLength;
    final int plaintextLength;
    final ByteBuffer netIn;
    final ByteBuffer netOut;
    final ByteBuffer plainIn;
    final UnsafeBuffer plainInBuffer;
    /** Zero bytes: the source of a handshake or close_notify wrap. */
    final ByteBuffer empty = ByteBuffer.allocate(0);
    final ByteBuffer[] emptyArray = {empty};
    final ByteBuffer[] single = new ByteBuffer[1];

    private final ByteBuffer[] spills;
    private int spillCount;

    long handshakes;
    long handshakeFailures;
    long plaintextRefused;
    long badRecords;
    long truncated;
    long renegotiationsRefused;
    long tasksOffLoop;
    long bytesOut;
    long spillsAllocated;
    int handshaking;

    /**
     * @param packetLength    the engine's largest record on the wire ({@code SSLSession.getPacketBufferSize()}).
     * @param plaintextLength the engine's largest plaintext of a record
     *                        ({@code SSLSession.getApplicationBufferSize()}).
     * @param readLength      bytes of ciphertext one socket read may take once a connection is established.
     * @param maxPooledSpills spill buffers kept for reuse.
     */
    public TlsBuffers(
        final int packetLength, final int plaintextLength, final int readLength, final int maxPooledSpills)
    {
        this.packetLength = packetLength;
        this.plaintextLength = plaintextLength;
        this.netIn = ByteBuffer.allocateDirect(Math.max(readLength, 2 * packetLength));
        this.netOut = ByteBuffer.allocateDirect(packetLength);
        this.plainIn = ByteBuffer.allocateDirect(Math.max(readLength, 2 * plaintextLength) + plaintextLength);
        this.plainInBuffer = new UnsafeBuffer(plainIn);
        this.spills = new ByteBuffer[maxPooledSpills];
    }

    /**
     * @param readLength      bytes of ciphertext one socket read may take once a connection is established.
     * @param maxPooledSpills spill buffers kept for reuse.
     * @return buffers sized for the JDK's engine.
     */
    public static TlsBuffers forJdkEngine(final int readLength, final int maxPooledSpills)
    {
        return new TlsBuffers(MAX_PACKET_LENGTH, MAX_PLAINTEXT_LENGTH + 1024, readLength, maxPooledSpills);
    }

    /**
     * @return the buffer decrypted bytes are delivered in by {@link TlsSession#unwrap}.
     */
    public UnsafeBuffer plaintext()
    {
        return plainInBuffer;
    }

    /**
     * A spill buffer with room for at least {@code length} bytes, cleared: from the pool when it is that big, else
     * allocated for the occasion (a connection that stopped mid-flight with more than a record buffered: rare).
     */
    ByteBuffer acquireSpill(final int length)
    {
        if (length > SPILL_LENGTH)
        {
            spillsAllocated++;
            return ByteBuffer.allocate(length);
        }
        if (spillCount > 0)
        {
            final ByteBuffer spill = spills[--spillCount];
            spills[spillCount] = null;
            return spill;
        }
        spillsAllocated++;
        return ByteBuffer.allocateDirect(SPILL_LENGTH);
    }

    void releaseSpill(final ByteBuffer spill)
    {
        spill.clear();
        if (spill.isDirect() && spill.capacity() == SPILL_LENGTH && spillCount < spills.length)
        {
            spills[spillCount++] = spill;
        }
    }

    /**
     * Count a connection whose peer closed it in the middle of a record or of the handshake.
     */
    public void countTruncated()
    {
        truncated++;
    }

    /**
     * Count a handshake step handed to the task pool.
     */
    public void countTaskOffLoop()
    {
        tasksOffLoop++;
    }

    /**
     * @return TLS handshakes completed on this loop.
     */
    public long handshakes()
    {
        return handshakes;
    }

    /**
     * @return TLS handshakes that failed: a bad or unsupported ClientHello, no common protocol or cipher suite, a
     * client certificate refused, an alert from the peer.
     */
    public long handshakeFailures()
    {
        return handshakeFailures;
    }

    /**
     * @return connections on a TLS port that sent plaintext (an HTTP request) and got a 400 naming the port's scheme.
     */
    public long plaintextRefused()
    {
        return plaintextRefused;
    }

    /**
     * @return connections closed for a record that could not be decrypted or parsed after the handshake.
     */
    public long badRecords()
    {
        return badRecords;
    }

    /**
     * @return connections whose peer closed the socket in the middle of a record.
     */
    public long truncated()
    {
        return truncated;
    }

    /**
     * @return connections closed for trying to renegotiate (TLS 1.2).
     */
    public long renegotiationsRefused()
    {
        return renegotiationsRefused;
    }

    /**
     * @return handshake steps (signatures, key exchange) run on the task pool instead of the loop.
     */
    public long tasksOffLoop()
    {
        return tasksOffLoop;
    }

    /**
     * @return bytes of records written to sockets.
     */
    public long bytesOut()
    {
        return bytesOut;
    }

    /**
     * @return spill buffers allocated (the pool was empty, or a spill was larger than a record).
     */
    public long spillsAllocated()
    {
        return spillsAllocated;
    }

    /**
     * @return connections of this loop in their TLS handshake now.
     */
    public int handshaking()
    {
        return handshaking;
    }
}
