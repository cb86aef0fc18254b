package io.wsmux.client;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;


import io.wsmux.transport.IdleMode;
import org.agrona.BitUtil;
import org.agrona.ErrorHandler;

/**
 * The knobs of a {@link WsmuxClient}: each a default constant, a field and a fluent setter. Plain values: unlike the
 * server's settings they are not read from system properties (a client is embedded in a test or a load rig, which
 * sets what it needs). {@link #conclude()} checks them when the client starts.
 * <p>
 * Not thread safe: configure, then hand to {@link WsmuxClient#start(ClientSettings)}.
 */
public final class ClientSettings
{
    /** Largest frame payload accepted from a server; larger fails the connection with 1009. */
    public static final int MAX_FRAME_LENGTH_DEFAULT = 16 * 1024 * 1024;

    /** Largest message accepted from a server, across its fragments; larger fails the connection with 1009. */
    public static final int MAX_MESSAGE_LENGTH_DEFAULT = 16 * 1024 * 1024;

    /** Largest HTTP response head (status line and headers) accepted in the opening handshake. */
    public static final int MAX_RESPONSE_HEAD_LENGTH_DEFAULT = 8 * 1024;

    /**
     * Time the TCP handshake may take, after which the connect fails with a {@link java.net.ConnectException}
     * (unanswered, the kernel would retry the SYN for about two minutes).
     */
    public static final long CONNECT_TIMEOUT_DEFAULT_NS = TimeUnit.SECONDS.toNanos(10);

    /** Time from TCP connect to a complete upgrade response, after which the connect fails. */
    public static final long HANDSHAKE_TIMEOUT_DEFAULT_NS = TimeUnit.SECONDS.toNanos(10);

    /** Time the close handshake (and then the server's TCP close) may take before the client closes the socket. */
    public static final long CLOSE_TIMEOUT_DEFAULT_NS = TimeUnit.SECONDS.toNanos(5);

    /** Connections (established or connecting) the client holds at once; more fail to connect. */
    public static final int MAX_CONNECTIONS_DEFAULT = 100_000;

    /** Bytes of the loop's read buffer: the most one read hands to a connection. */
    public static final int READ_BUFFER_LENGTH_DEFAULT = 64 * 1024;

    /**
     * Bytes of the ring buffer carrying sends from other threads to the I/O thread (a power of two). A message up
     * to an eighth of it travels as one command; a longer one in several (see
     * {@link WebSocketClientConnection#sendBinary(org.agrona.DirectBuffer, int, int)}).
     */
    public static final int COMMAND_BUFFER_LENGTH_DEFAULT = 1024 * 1024;

    /** How the I/O thread waits when idle: blocking in select, so an idle client costs no CPU. */
    public static final IdleMode IDLE_MODE_DEFAULT = IdleMode.BLOCKING;

    /** Default for {@link #deflateMinLength(int)}: shorter messages are sent uncompressed. */
    public static final int DEFLATE_MIN_LENGTH_DEFAULT = 128;

    private int maxFrameLength = MAX_FRAME_LENGTH_DEFAULT;
    private int maxMessageLength = MAX_MESSAGE_LENGTH_DEFAULT;
    private int maxResponseHeadLength = MAX_RESPONSE_HEAD_LENGTH_DEFAULT;
    private long connectTimeoutNs = CONNECT_TIMEOUT_DEFAULT_NS;
    private long handshakeTimeoutNs = HANDSHAKE_TIMEOUT_DEFAULT_NS;
    private long closeTimeoutNs = CLOSE_TIMEOUT_DEFAULT_NS;
    private int maxConnections = MAX_CONNECTIONS_DEFAULT;
    private int readBufferLength = READ_BUFFER_LENGTH_DEFAULT;
    private int commandBufferLength = COMMAND_BUFFER_LENGTH_DEFAULT;
    private IdleMode idleMode = IDLE_MODE_DEFAULT;
    private ErrorHandler errorHandler = Throwable::printStackTrace;
    private DutyCycleWork dutyCycleWork;
    private boolean zeroMaskKey;
    private boolean perMessageDeflate;
    private boolean reuseInflatedDuplicates;
    private int deflateMinLength = DEFLATE_MIN_LENGTH_DEFAULT;
    private SSLContext tlsContext;
    private Path tlsTrustStore;
    private boolean tlsVerifyHostname = true;

    /**
     * Check every value.
     *
     * @return this.
     * @throws IllegalArgumentException naming the value that is out of range.
     */
    public ClientSettings conclude()
    {
        check(maxFrameLength >= 125, "maxFrameLength must be >= 125: maxFrameLength=" + maxFrameLength);
        check(maxMessageLength >= maxFrameLength, "maxMessageLength must be >= maxFrameLength: maxMessageLength=" +
            maxMessageLength + ", maxFrameLength=" + maxFrameLength);
        check(maxResponseHeadLength >= 256, "maxResponseHeadLength must be >= 256: maxResponseHeadLength=" +
            maxResponseHeadLength);
        check(connectTimeoutNs > 0, "connectTimeoutNs must be > 0: connectTimeoutNs=" + connectTimeoutNs);
        check(handshakeTimeoutNs > 0, "handshakeTimeoutNs must be > 0: handshakeTimeoutNs=" + handshakeTimeoutNs);
        check(closeTimeoutNs > 0, "closeTimeoutNs must be > 0: closeTimeoutNs=" + closeTimeoutNs);
        check(maxConnections >= 1, "maxConnections must be >= 1: maxConnections=" + maxConnections);
        check(readBufferLength >= 1024, "readBufferLength must be >= 1k: readBufferLength=" + readBufferLength);
        check(BitUtil.isPowerOfTwo(commandBufferLength) && commandBufferLength >= 64 * 1024,
            "commandBufferLength must be a power of two >= 64k: commandBufferLength=" + commandBufferLength);
        check(null != idleMode, "idleMode must not be null");
        check(null != errorHandler, "errorHandler must not be null");
        check(deflateMinLength >= 0, "deflateMinLength must be >= 0: deflateMinLength=" + deflateMinLength);
        return this;
    }

    private static void check(final boolean condition, final String message)
    {
        if (!condition)
        {
            throw new IllegalArgumentException(message);
        }
    }

    /**
     * @return largest frame payload accepted from a server.
     */
    public int maxFrameLength()
    {
        return maxFrameLength;
    }

    /**
     * @param maxFrameLength largest frame payload accepted from a server, at least 125.
     * @return this.
     */
    public ClientSettings maxFrameLength(final int maxFrameLength)
    {
        this.maxFrameLength = maxFrameLength;
        return this;
    }

    /**
     * @return largest message accepted from a server.
     */
    public int maxMessageLength()
    {
        return maxMessageLength;
    }

    /**
     * @param maxMessageLength largest message accepted from a server, at least {@link #maxFrameLength()}.
     * @return this.
     */
    public ClientSettings maxMessageLength(final int maxMessageLength)
    {
        this.maxMessageLength = maxMessageLength;
        return this;
    }

    /**
     * @return largest upgrade response head accepted.
     */
    public int maxResponseHeadLength()
    {
        return maxResponseHeadLength;
    }

    /**
     * @param maxResponseHeadLength largest upgrade response head accepted, at least 256 bytes.
     * @return this.
     */
    public ClientSettings maxResponseHeadLength(final int maxResponseHeadLength)
    {
        this.maxResponseHeadLength = maxResponseHeadLength;
        return this;
    }

    /**
     * @return time the TCP handshake may take, in nanoseconds.
     */
    public long connectTimeoutNs()
    {
        return connectTimeoutNs;
    }

    /**
     * @param connectTimeoutNs time the TCP handshake may take, in nanoseconds.
     * @return this.
     */
    public ClientSettings connectTimeoutNs(final long connectTimeoutNs)
    {
        this.connectTimeoutNs = connectTimeoutNs;
        return this;
    }

    /**
     * @return time allowed from TCP connect to a complete upgrade response, in nanoseconds.
     */
    public long handshakeTimeoutNs()
    {
        return handshakeTimeoutNs;
    }

    /**
     * @param handshakeTimeoutNs time allowed from TCP connect to a complete upgrade response, in nanoseconds.
     * @return this.
     */
    public ClientSettings handshakeTimeoutNs(final long handshakeTimeoutNs)
    {
        this.handshakeTimeoutNs = handshakeTimeoutNs;
        return this;
    }

    /**
     * @return time allowed for the close handshake, in nanoseconds.
     */
    public long closeTimeoutNs()
    {
        return closeTimeoutNs;
    }

    /**
     * @param closeTimeoutNs time allowed for the close handshake and the server's TCP close, in nanoseconds.
     * @return this.
     */
    public ClientSettings closeTimeoutNs(final long closeTimeoutNs)
    {
        this.closeTimeoutNs = closeTimeoutNs;
        return this;
    }

    /**
     * @return connections held at once.
     */
    public int maxConnections()
    {
        return maxConnections;
    }

    /**
     * @param maxConnections connections (established or connecting) held at once.
     * @return this.
     */
    public ClientSettings maxConnections(final int maxConnections)
    {
        this.maxConnections = maxConnections;
        return this;
    }

    /**
     * @return bytes of the loop's read buffer.
     */
    public int readBufferLength()
    {
        return readBufferLength;
    }

    /**
     * @param readBufferLength bytes of the loop's read buffer, at least 1k.
     * @return this.
     */
    public ClientSettings readBufferLength(final int readBufferLength)
    {
        this.readBufferLength = readBufferLength;
        return this;
    }

    /**
     * @return bytes of the ring buffer carrying sends from other threads.
     */
    public int commandBufferLength()
    {
        return commandBufferLength;
    }

    /**
     * @param commandBufferLength bytes of the ring buffer carrying sends from other threads: a power of two, at
     *                            least 64k.
     * @return this.
     */
    public ClientSettings commandBufferLength(final int commandBufferLength)
    {
        this.commandBufferLength = commandBufferLength;
        return this;
    }

    /**
     * @return how the I/O thread waits when idle.
     */
    public IdleMode idleMode()
    {
        return idleMode;
    }

    /**
     * @param idleMode how the I/O thread waits when idle.
     * @return this.
     */
    public ClientSettings idleMode(final IdleMode idleMode)
    {
        this.idleMode = idleMode;
        return this;
    }

    /**
     * @return told about unexpected errors on the I/O thread.
     */
    public ErrorHandler errorHandler()
    {
        return errorHandler;
    }

    /**
     * @param errorHandler told about unexpected errors on the I/O thread (bugs, I/O failures outside a connection);
     *                     default prints them.
     * @return this.
     */
    public ClientSettings errorHandler(final ErrorHandler errorHandler)
    {
        this.errorHandler = errorHandler;
        return this;
    }

    /**
     * @return true if data frames are masked with the key 0.
     */
    public boolean zeroMaskKey()
    {
        return zeroMaskKey;
    }

    /**
     * @param zeroMaskKey true to mask data frames with the key 0 (the mask bit set, the payload unchanged), for load
     *                    generation: it spares the client the XOR and a copy, while a server does the same work as
     *                    for any key. RFC 6455 §5.3 asks browsers for unpredictable keys, so that script cannot
     *                    choose the bytes a proxy sees; a load generator has no such script. Default false.
     * @return this.
     */
    public ClientSettings zeroMaskKey(final boolean zeroMaskKey)
    {
        this.zeroMaskKey = zeroMaskKey;
        return this;
    }

    /**
     * @return the TLS context of {@code wss://} connections, or null for the default.
     */
    public SSLContext tlsContext()
    {
        return tlsContext;
    }

    /**
     * The TLS context of {@code wss://} connections: whom to trust (and a client certificate, for mutual TLS).
     * Default: a context trusting {@link #tlsTrustStore(Path)} if set, else the JDK's default trust store (the
     * public CAs).
     *
     * @param tlsContext the context, or null for the default.
     * @return this.
     */
    public ClientSettings tlsContext(final SSLContext tlsContext)
    {
        this.tlsContext = tlsContext;
        return this;
    }

    /**
     * @return the trust store of {@code wss://} connections, or null for the JDK's default.
     */
    public Path tlsTrustStore()
    {
        return tlsTrustStore;
    }

    /**
     * Trust the CAs of a file for {@code wss://} connections: a PEM bundle of CA certificates, or a PKCS#12 store
     * (read without a password). Ignored when {@link #tlsContext(SSLContext)} is set.
     *
     * @param tlsTrustStore the file, or null for the JDK's default trust store.
     * @return this.
     */
    public ClientSettings tlsTrustStore(final Path tlsTrustStore)
    {
        this.tlsTrustStore = tlsTrustStore;
        return this;
    }

    /**
     * @return whether a {@code wss://} server's certificate must name the URI's host.
     */
    public boolean tlsVerifyHostname()
    {
        return tlsVerifyHostname;
    }

    /**
     * @param tlsVerifyHostname check that a {@code wss://} server's certificate names the URI's host (RFC 2818,
     *                          RFC 6125). Default true; turn it off only for tests against a certificate made for
     *                          another name.
     * @return this.
     */
    public ClientSettings tlsVerifyHostname(final boolean tlsVerifyHostname)
    {
        this.tlsVerifyHostname = tlsVerifyHostname;
        return this;
    }

    /**
     * @return whether connections offer permessage-deflate (RFC 7692).
     */
    public boolean perMessageDeflate()
    {
        return perMessageDeflate;
    }

    /**
     * permessage-deflate (RFC 7692). The handshake offers {@code permessage-deflate; client_max_window_bits}, what
     * browsers send; a response RFC 7692 does not allow (another extension, two elements, a parameter unknown,
     * repeated or with an invalid value) fails the connect with a {@link WebSocketHandshakeException}. When the
     * server agrees:
     * <ul>
     *     <li>compressed messages from the server are inflated whole, never past {@link #maxMessageLength()} (1009
     *     at the limit, so a decompression bomb costs at most that much memory; 1007 for corrupt data), with an
     *     inflater the client loop shares when the server answered {@code server_no_context_takeover} (as wsmux
     *     does by default), else one of the connection's own (about 45 KiB of native zlib memory);</li>
     *     <li>text and binary messages of at least {@link #deflateMinLength()} bytes, {@link MuxClient} channel
     *     messages included, are sent compressed, on the client's thread whichever thread sent them: with a
     *     compressor the loop shares when the server asked {@code client_no_context_takeover} (as wsmux does by
     *     default; a message that does not get smaller then goes out plain), else with one of the connection's
     *     own that keeps its window between messages (about 260 KiB of native zlib memory), in pieces of the
     *     window the server allows with {@code client_max_window_bits}.</li>
     * </ul>
     * A server that declines leaves messages uncompressed both ways.
     *
     * @param perMessageDeflate true to offer permessage-deflate in the handshake. Default false: no offer, and a
     *                          server that answers with an extension anyway fails the connect.
     * @return this.
     */
    public ClientSettings perMessageDeflate(final boolean perMessageDeflate)
    {
        this.perMessageDeflate = perMessageDeflate;
        return this;
    }

    /**
     * @return whether a compressed message byte-identical to the last one inflated on the loop is not inflated again.
     */
    public boolean reuseInflatedDuplicates()
    {
        return reuseInflatedDuplicates;
    }

    /**
     * @param reuse true, for load generation, to inflate a message compressed without context (the server said
     *              {@code server_no_context_takeover}) only when it differs from the last one inflated on the
     *              client's loop: a message inflates to the same bytes whoever receives it, and a thousand
     *              subscribers on one client get the same compressed publication, which one client thread could
     *              not inflate a thousand times as fast as a server sends it. Costs a compare and two copies per
     *              message. Default false.
     * @return this.
     */
    public ClientSettings reuseInflatedDuplicates(final boolean reuse)
    {
        this.reuseInflatedDuplicates = reuse;
        return this;
    }

    /**
     * @return the shortest message sent compressed when permessage-deflate was agreed.
     */
    public int deflateMinLength()
    {
        return deflateMinLength;
    }

    /**
     * @param deflateMinLength the shortest message sent compressed when permessage-deflate was agreed (0: all),
     *                         the whole WebSocket payload counted (for a {@link MuxClient} channel, its 5-byte
     *                         header too). Default {@link #DEFLATE_MIN_LENGTH_DEFAULT}: deflate gains little on
     *                         shorter messages.
     * @return this.
     */
    public ClientSettings deflateMinLength(final int deflateMinLength)
    {
        this.deflateMinLength = deflateMinLength;
        return this;
    }

    /**
     * @return work the I/O thread does once per duty cycle, or null for none.
     */
    public DutyCycleWork dutyCycleWork()
    {
        return dutyCycleWork;
    }

    /**
     * @param dutyCycleWork work the I/O thread does once per duty cycle after its I/O, or null (the default) for
     *                      none; see {@link DutyCycleWork} for the idle mode it needs.
     * @return this.
     */
    public ClientSettings dutyCycleWork(final DutyCycleWork dutyCycleWork)
    {
        this.dutyCycleWork = dutyCycleWork;
        return this;
    }

    @Override
    public String toString()
    {
        return "ClientSettings{" +
            "maxFrameLength=" + maxFrameLength +
            ", maxMessageLength=" + maxMessageLength +
            ", maxResponseHeadLength=" + maxResponseHeadLength +
            ", connectTimeoutNs=" + connectTimeoutNs +
            ", handshakeTimeoutNs=" + handshakeTimeoutNs +
            ", closeTimeoutNs=" + closeTimeoutNs +
            ", maxConnections=" + maxConnections +
            ", readBufferLength=" + readBufferLength +
            ", commandBufferLength=" + commandBufferLength +
            ", idleMode=" + idleMode +
            ", dutyCycleWork=" + dutyCycleWork +
            ", zeroMaskKey=" + zeroMaskKey +
            ", perMessageDeflate=" + perMessageDeflate +
            ", reuseInflatedDuplicates=" + reuseInflatedDuplicates +
            ", deflateMinLength=" + deflateMinLength +
            '}';
    }
}
