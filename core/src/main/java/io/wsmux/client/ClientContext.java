package io.wsmux.client;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.Deflater;

import io.wsmux.codec.FrameDescriptor;
import io.wsmux.codec.deflate.MessageDeflater;
import io.wsmux.codec.deflate.MessageInflater;
import io.wsmux.codec.http.UpgradeResponseWriter;
import io.wsmux.transport.ConnectionFactory;
import io.wsmux.transport.IoLoop;
import io.wsmux.transport.TcpConnection;
import org.agrona.DirectBuffer;
import org.agrona.ErrorHandler;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * What the connections of one client loop share: settings copied into fields, the scratch buffers every send is
 * framed and masked (and compressed) in, a pool of message buffers, the SHA-1 that checks accept keys, the root of the
 * connections' random generators, the connects not yet established, and for permessage-deflate the compressor and
 * the inflater of connections that reset them after each message. Creates the loop's
 * {@link WebSocketClientConnection}s.
 * <p>
 * Not thread safe but for {@link #pending} and {@link #closed}: owned by the client loop.
 */
final class ClientContext implements ConnectionFactory
{
    private static final int MAX_POOLED_MESSAGE_BUFFERS = 64;
    private static final int INITIAL_MESSAGE_BUFFER_LENGTH = 4096;
    /** Larger buffers are dropped after use rather than pinned in the pool. */
    private static final int MAX_POOLED_MESSAGE_BUFFER_LENGTH = 1024 * 1024;
    private static final int INITIAL_SEND_SCRATCH_LENGTH = 64 * 1024;
    private static final UnsafeBuffer EMPTY = new UnsafeBuffer(new byte[0]);

    final int maxFrameLength;
    final int maxMessageLength;
    final int maxResponseHeadLength;
    final long handshakeTimeoutNs;
    final long closeTimeoutNs;
    final ErrorHandler errorHandler;

    /** Computes Sec-WebSocket-Accept values; holds a SHA-1 digest, so loop thread only. */
    final UpgradeResponseWriter acceptKeys = new UpgradeResponseWriter();
    /** Where a data frame is framed and masked before the transport copies it out; grows to the largest sent. */
    final ExpandableArrayBuffer sendScratch = new ExpandableArrayBuffer(INITIAL_SEND_SCRATCH_LENGTH);
    /** A data frame's header alone, when a zero mask key lets the payload go out unchanged. */
    final UnsafeBuffer headerScratch = new UnsafeBuffer(new byte[FrameDescriptor.MAX_HEADER_LENGTH]);
    final boolean zeroMaskKey;
    final boolean reuseInflatedDuplicates;
    /** Whether connections offer permessage-deflate. */
    final boolean perMessageDeflate;
    /** The shortest message sent compressed once permessage-deflate is agreed. */
    final int deflateMinLength;
    /** Where a control frame (ping, pong, close: at most 125 bytes of payload) is framed and masked. */
    final UnsafeBuffer controlScratch = new UnsafeBuffer(
        new byte[FrameDescriptor.MAX_HEADER_LENGTH + FrameDescriptor.MAX_CONTROL_PAYLOAD_LENGTH]);

    /** Connects handed to the loop and not yet established or failed: failed by {@link WsmuxClient#close()}. */
    final Set<ConnectRequest> pending = ConcurrentHashMap.newKeySet();
    volatile boolean closed;

    private final SplittableRandom random = new SplittableRandom();
    private final ArrayDeque<ExpandableArrayBuffer> messageBuffers = new ArrayDeque<>();
    /** The compressor of connections that agreed client_no_context_takeover (reset after each message): lazily. */
    private MessageDeflater sharedDeflater;
    /** The inflater of connections whose server agreed server_no_context_takeover: lazily. */
    /**
     * Slots of the recent-messages table of {@link #inflateSharedOnce}: subscribers of one loop lag one another by
     * hundreds of publications under load (64 slots missed 44% of 1,000 subscribers' deliveries, 1,024 slots 4%).
     */
    private static final int RECENT_SLOTS = 1024;
    /** Larger messages are not remembered: the table holds at most 1,024 x 64 KiB of results per loop. */
    private static final int RECENT_MAX_LENGTH = 64 * 1024;
    private MessageInflater sharedInflater;
    /** {@link #inflateSharedOnce}: recent messages inflated without context, and their results, by slot. */
    private ExpandableArrayBuffer[] recentCompressed;
    private ExpandableArrayBuffer[] recentInflated;
    private int[] recentCompressedLengths;
    private int[] recentInflatedLengths;
    /** A message made of two pieces (or of memory no compressor can read) joined to be compressed: lazily. */
    private ExpandableArrayBuffer deflateInput;

    ClientContext(final ClientSettings settings)
    {
        this.maxFrameLength = settings.maxFrameLength();
        this.maxMessageLength = settings.maxMessageLength();
        this.maxResponseHeadLength = settings.maxResponseHeadLength();
        this.handshakeTimeoutNs = settings.handshakeTimeoutNs();
        this.zeroMaskKey = settings.zeroMaskKey();
        this.reuseInflatedDuplicates = settings.reuseInflatedDuplicates();
        this.closeTimeoutNs = settings.closeTimeoutNs();
        this.errorHandler = settings.errorHandler();
        this.perMessageDeflate = settings.perMessageDeflate();
        this.deflateMinLength = settings.deflateMinLength();
    }

    @Override
    public TcpConnection newConnection(final IoLoop loop, final SocketChannel channel, final long id, final long nowNs)
    {
        throw new IllegalStateException("a client loop accepts no connections");
    }

    @Override
    public TcpConnection newClientConnection(
        final IoLoop loop, final SocketChannel channel, final long id, final long nowNs, final Object context)
    {
        final ConnectRequest request = (ConnectRequest)context;
        pending.remove(request);
        return new WebSocketClientConnection(loop, channel, id, this, request, random.split());
    }

    @Override
    public void onConnectFailed(final Object context, final Throwable cause)
    {
        final ConnectRequest request = (ConnectRequest)context;
        pending.remove(request);
        final IOException failure = new IOException("cannot connect to " + request.uri + ": " + cause.getMessage());
        failure.initCause(cause);
        request.future.completeExceptionally(failure);
    }

    @Override
    public DirectBuffer refusalResponse()
    {
        return EMPTY;
    }

    /**
     * @return a buffer to assemble a message that spans reads or fragments in; give it back with
     * {@link #releaseMessageBuffer}.
     */
    ExpandableArrayBuffer acquireMessageBuffer()
    {
        final ExpandableArrayBuffer buffer = messageBuffers.pollLast();
        return null != buffer ? buffer : new ExpandableArrayBuffer(INITIAL_MESSAGE_BUFFER_LENGTH);
    }

    /**
     * @param buffer no longer used by its connection; pooled if it came from {@link #acquireMessageBuffer}.
     */
    void releaseMessageBuffer(final MutableDirectBuffer buffer)
    {
        if (buffer instanceof ExpandableArrayBuffer && messageBuffers.size() < MAX_POOLED_MESSAGE_BUFFERS &&
            buffer.capacity() <= MAX_POOLED_MESSAGE_BUFFER_LENGTH)
        {
            messageBuffers.addLast((ExpandableArrayBuffer)buffer);
        }
    }

    /**
     * @return the loop's compressor for connections that compress each message on its own
     * (client_no_context_takeover agreed); made on first use.
     */
    MessageDeflater sharedDeflater()
    {
        if (null == sharedDeflater)
        {
            sharedDeflater = new MessageDeflater(Deflater.DEFAULT_COMPRESSION, true);
        }
        return sharedDeflater;
    }

    /**
     * @return the loop's inflater for connections whose server compresses each message on its own
     * (server_no_context_takeover agreed); made on first use.
     */
    /**
     * Inflate a message compressed without context (a pure function of its bytes) with the shared inflater, unless it
     * is byte for byte one of the messages inflated lately on this loop: then that result is copied. For load
     * generation, where a thousand subscribers on one client receive the same compressed publications, several in
     * flight at once ({@link ClientSettings#reuseInflatedDuplicates}). The recent messages are a small table indexed
     * by a hash of the compressed bytes, each slot checked byte for byte.
     */
    int inflateSharedOnce(
        final DirectBuffer buffer, final int offset, final int length, final MutableDirectBuffer inflated)
    {
        if (null == recentCompressed)
        {
            recentCompressed = new ExpandableArrayBuffer[RECENT_SLOTS];
            recentInflated = new ExpandableArrayBuffer[RECENT_SLOTS];
            recentCompressedLengths = new int[RECENT_SLOTS];
            recentInflatedLengths = new int[RECENT_SLOTS];
            for (int i = 0; i < RECENT_SLOTS; i++)
            {
                recentCompressed[i] = new ExpandableArrayBuffer(0);
                recentInflated[i] = new ExpandableArrayBuffer(0);
                recentCompressedLengths[i] = -1;
            }
        }
        final int slot = slot(buffer, offset, length);
        final ExpandableArrayBuffer compressed = recentCompressed[slot];
        if (length == recentCompressedLengths[slot] && sameBytes(buffer, offset, compressed, length))
        {
            final int inflatedLength = recentInflatedLengths[slot];
            inflated.putBytes(0, recentInflated[slot], 0, inflatedLength);
            return inflatedLength;
        }
        final int inflatedLength =
            sharedInflater().inflateMessage(buffer, offset, length, inflated, maxMessageLength);
        if (inflatedLength >= 0 && inflatedLength <= RECENT_MAX_LENGTH)
        {
            compressed.putBytes(0, buffer, offset, length);
            recentCompressedLengths[slot] = length;
            recentInflated[slot].putBytes(0, inflated, 0, inflatedLength);
            recentInflatedLengths[slot] = inflatedLength;
        }
        return inflatedLength;
    }

    /**
     * A slot of the recent-messages table: the length and the last 16 bytes (the first ones are often a stored block
     * with a channel's name, the same for every publication of a topic).
     */
    private static int slot(final DirectBuffer buffer, final int offset, final int length)
    {
        long hash = length;
        if (length >= 2 * Long.BYTES)
        {
            hash = hash * 31 + buffer.getLong(offset + length - Long.BYTES);
            hash = hash * 31 + buffer.getLong(offset + length - 2 * Long.BYTES);
        }
        else if (length > 0)
        {
            hash = hash * 31 + buffer.getByte(offset + length - 1);
        }
        hash ^= hash >>> 29;
        hash *= 0x9E3779B97F4A7C15L;
        return (int)(hash >>> 54) & (RECENT_SLOTS - 1);
    }

    private static boolean sameBytes(
        final DirectBuffer buffer, final int offset, final DirectBuffer previous, final int length)
    {
        int i = 0;
        for (; i + Long.BYTES <= length; i += Long.BYTES)
        {
            if (buffer.getLong(offset + i) != previous.getLong(i))
            {
                return false;
            }
        }
        for (; i < length; i++)
        {
            if (buffer.getByte(offset + i) != previous.getByte(i))
            {
                return false;
            }
        }
        return true;
    }

    MessageInflater sharedInflater()
    {
        if (null == sharedInflater)
        {
            sharedInflater = new MessageInflater(true);
        }
        return sharedInflater;
    }

    /**
     * Join a message's two pieces (either may be empty) where a compressor can read them; grows to the largest
     * message joined.
     *
     * @return the loop's compression input, holding the message at offset 0.
     */
    DirectBuffer deflateInput(
        final DirectBuffer first, final int firstOffset, final int firstLength,
        final DirectBuffer second, final int secondOffset, final int secondLength)
    {
        if (null == deflateInput)
        {
            deflateInput = new ExpandableArrayBuffer(
                Math.max(INITIAL_MESSAGE_BUFFER_LENGTH, firstLength + secondLength));
        }
        deflateInput.putBytes(0, first, firstOffset, firstLength);
        if (secondLength > 0)
        {
            deflateInput.putBytes(firstLength, second, secondOffset, secondLength);
        }
        return deflateInput;
    }

    /**
     * The loop stopped, its connections closed: free the shared compressor's and inflater's native memory now.
     */
    void onLoopClosed()
    {
        if (null != sharedDeflater)
        {
            sharedDeflater.close();
            sharedDeflater = null;
        }
        if (null != sharedInflater)
        {
            sharedInflater.close();
            sharedInflater = null;
        }
    }
}
