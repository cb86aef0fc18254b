package io.wsmux;

import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import io.wsmux.codec.FrameDescriptor;
import io.wsmux.codec.deflate.MessageDeflater;
import io.wsmux.codec.deflate.MessageInflater;
import io.wsmux.codec.http.UpgradeRequestParser;
import io.wsmux.codec.mux.BinaryMuxFlyweight;
import io.wsmux.codec.mux.TextMuxFlyweight;
import io.wsmux.codec.http.UpgradeResponseWriter;
import io.wsmux.status.SystemCounter;
import io.wsmux.transport.ConnectionFactory;
import io.wsmux.transport.IoLoop;
import io.wsmux.transport.TcpConnection;
import io.wsmux.transport.TransportCounters;
import org.agrona.DirectBuffer;
import org.agrona.ErrorHandler;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;

/**
 * What the connections of one I/O loop share: settings copied into fields, the endpoints, pools of upgrade parsers
 * and message buffers, scratch buffers for responses and frame headers, and the loop's counters. Creates the loop's
 * {@link WsConnection}s.
 * <p>
 * Not thread safe: owned by one loop. Its counters are plain fields the loop publishes to the counters file at the end
 * of every duty cycle that did work ({@link #onDutyCycleEnd}); readers read the file, never these fields.
 */
final class LoopContext implements ConnectionFactory
{
    private static final int MAX_POOLED_PARSERS = 64;
    private static final int MAX_POOLED_MESSAGE_BUFFERS = 64;
    private static final int INITIAL_MESSAGE_BUFFER_LENGTH = 4096;
    private static final int MAX_POOLED_MESSAGE_BUFFER_LENGTH = 1024 * 1024;
    private static final int SCRATCH_LENGTH = 16 * 1024;
    /**
     * Bytes of multiplex protocol replies a connection may have queued beyond its outbound budget before it is
     * closed as a slow consumer: room for a few hundred replies to a client whose queue is full of publications.
     */
    static final int PROTOCOL_REPLY_HEADROOM = 64 * 1024;
    private static final int CLOSE_CLASSES =
        SystemCounter.CLOSED_OTHER.ordinal() - SystemCounter.CLOSED_NORMAL.ordinal() + 1;

    final int maxFrameLength;
    final int maxMessageLength;
    final int assemblyBudget;
    final int maxHandshakes;
    final int maxHandshakeLength;
    final int maxHeaderCount;
    final long handshakeTimeoutNs;
    final long pingIntervalNs;
    final long idleTimeoutNs;
    final long closeTimeoutNs;
    final int outboundBudget;
    final WsmuxSettings.OverflowPolicy overflowPolicy;
    final long slowConsumerGraceNs;
    final long slowConsumerCloseTimeoutNs;
    final int conflationSendBufferLength;
    final Map<String, Endpoint> endpoints;
    final Map<String, DirectBuffer> resources;
    final Endpoint anyPath;
    final ErrorHandler errorHandler;
    /** SockJS endpoints, shared by the loops (their session tables are). */
    final SockJsEndpoint[] sockJsEndpoints;
    final boolean hasSockJs;
    final SockJsLoop sockJs = new SockJsLoop();
    final long httpIdleTimeoutNs;
    final boolean deflate;
    final int deflateMinLength;
    final int deflateLevel;
    final boolean deflateServerContextTakeover;
    final boolean deflateClientContextTakeover;

    final UpgradeResponseWriter responseWriter = new UpgradeResponseWriter();
    final UnsafeBuffer scratch = new UnsafeBuffer(ByteBuffer.allocateDirect(SCRATCH_LENGTH));
    final UnsafeBuffer headerScratch = new UnsafeBuffer(new byte[2048]);
    final UnsafeBuffer muxScratch = new UnsafeBuffer(new byte[2048]);
    final TextMuxFlyweight textMux = new TextMuxFlyweight();
    final BinaryMuxFlyweight binaryMux = new BinaryMuxFlyweight();
    /** Publications of the loop's current batch, delivered together at its end. */
    final FanOutBatch fanOut = new FanOutBatch(this);
    final UnsafeBuffer controlScratch = new UnsafeBuffer(new byte[FrameDescriptor.MAX_SERVER_HEADER_LENGTH + 125]);

    private final ArrayDeque<UpgradeRequestParser> parsers = new ArrayDeque<>();
    private final ConcurrentHashMap<Long, UnsafeBuffer> largeCommands = new ConcurrentHashMap<>();
    private final AtomicLong largeCommandTickets = new AtomicLong();
    private final ArrayDeque<ExpandableArrayBuffer> messageBuffers = new ArrayDeque<>();
    private final UnsafeBuffer refusalResponse;
    /** The loop's compressor, reset after every message (no context takeover): made on first use. */
    private MessageDeflater sharedDeflater;
    /** The loop's inflater for clients that compress each message on its own: made on first use. */
    private MessageInflater sharedInflater;
    /** Where messages are compressed, grown to the largest compressed so far. */
    private UnsafeBuffer deflateOutput = new UnsafeBuffer(new byte[0]);
    /** Where a prefix and a payload are put together before they are compressed as one message. */
    private ExpandableArrayBuffer deflateInput;
    /** The request path of the last upgrade on an any-path endpoint: connections to one path share its String. */
    private String lastRequestPath = "";

    long opened;
    long messagesIn;
    long messagesOut;
    long protocolErrors;
    long handshakesMalformed;
    long handshakesNotFound;
    long handshakesHookRefused;
    long handshakesTimedOut;
    long handlerErrors;
    long slowConsumerCloses;
    long droppedMessages;
    long pingsSent;
    long idleTimeouts;
    long channelsOpened;
    long channelsClosed;
    long channelMessagesIn;
    long channelMessagesOut;
    long deliveries;
    /** Pending values replaced because the subscriber was behind (its connection had data queued). */
    long conflations;
    /** Pending values replaced because the subscriber's maxRate held them. */
    long conflatedRate;
    /** Deliveries held back by a subscriber's maxRate. */
    long throttled;
    long framesIn;
    /** WebSocket connections closed, by close-code class: {@link SystemCounter#CLOSED_NORMAL} onwards. */
    final long[] closes = new long[CLOSE_CLASSES];
    long muxErrors;
    long muxIgnoredMessages;
    /** Subscriptions that recovered from a position (docs/protocol.md), the publications they replayed. */
    long recoveries;
    long recoveredPublications;
    /** Subscriptions that asked to recover and could not: the history had moved on, or another epoch. */
    long recoveriesFailed;
    /** Of those, the ones whose replay would not have fit the outbound budget. */
    long recoveriesTooLarge;
    /** GAP 507 sent: runs of publications dropped for a binary subscriber over its budget. */
    long gapsOverBudget;
    long protocolReplyOverflows;
    /** Bytes of messages being assembled on this loop now (at most {@link #assemblyBudget}). */
    long assemblyBytes;
    long assemblyRefusals;
    /** Connections of this loop in their handshake now: each holds a parser. */
    int parsersHeld;
    long handshakesRefusedBusy;
    /** TLS ClientHellos on the plain port, answered with a 400. */
    long handshakesTlsOnPlainPort;
    long discardedBytes;
    long sockJsSessionsOpen;
    long sockJsSessionsOpened;
    long httpRequests;
    long socketHandOffs;
    long deflateConnections;
    long inflatedMessages;
    long inflateRefusals;
    long compressedMessages;
    long sharedCompressedSends;
    long inflatersOpen;
    IoLoop loop;
    /** This loop's counters by {@link SystemCounter#ordinal()}, or null when not published (unit tests). */
    AtomicCounter[] counters;

    LoopContext(
        final WsmuxSettings settings,
        final Map<String, Endpoint> endpoints,
        final Map<String, DirectBuffer> resources,
        final Endpoint anyPath,
        final ErrorHandler errorHandler,
        final SockJsEndpoint[] sockJsEndpoints)
    {
        this.sockJsEndpoints = sockJsEndpoints;
        this.hasSockJs = sockJsEndpoints.length > 0;
        this.httpIdleTimeoutNs = settings.httpIdleTimeoutNs();
        this.deflate = settings.deflate();
        this.deflateMinLength = settings.deflateMinLength();
        this.deflateLevel = settings.deflateLevel();
        this.deflateServerContextTakeover = settings.deflateServerContextTakeover();
        this.deflateClientContextTakeover = settings.deflateClientContextTakeover();
        this.maxFrameLength = settings.maxFrameLength();
        this.maxMessageLength = settings.maxMessageLength();
        this.assemblyBudget = settings.assemblyBudget();
        this.maxHandshakes = settings.maxHandshakes();
        this.maxHandshakeLength = settings.maxHandshakeLength();
        this.maxHeaderCount = settings.maxHeaderCount();
        this.handshakeTimeoutNs = settings.handshakeTimeoutNs();
        this.pingIntervalNs = settings.pingIntervalNs();
        this.idleTimeoutNs = settings.idleTimeoutNs();
        this.closeTimeoutNs = settings.closeTimeoutNs();
        this.outboundBudget = settings.outboundBudget();
        this.overflowPolicy = settings.outboundOverflow();
        this.slowConsumerGraceNs = settings.slowConsumerGraceNs();
        this.slowConsumerCloseTimeoutNs = settings.slowConsumerCloseTimeoutNs();
        this.conflationSendBufferLength = settings.conflationSendBufferLength();
        this.endpoints = endpoints;
        this.resources = resources;
        this.anyPath = anyPath;
        this.errorHandler = errorHandler;

        final UnsafeBuffer response = new UnsafeBuffer(new byte[1024]);
        final int length = responseWriter.writeError(
            response, 0, 503, "Service Unavailable", "the server is at its connection limit");
        final byte[] bytes = new byte[length];
        response.getBytes(0, bytes);
        this.refusalResponse = new UnsafeBuffer(bytes);
    }

    @Override
    public TcpConnection newConnection(final IoLoop loop, final SocketChannel channel, final long id, final long nowNs)
    {
        return new WsConnection(this, loop, channel, id);
    }

    @Override
    public TcpConnection newHandedOffConnection(
        final IoLoop loop, final SocketChannel channel, final long id, final long nowNs, final Object context)
    {
        return new WsConnection(this, loop, channel, id, (byte[])context);
    }

    /**
     * @param path a request path.
     * @return the SockJS endpoint whose prefix is the path or a parent of it, or null.
     */
    SockJsEndpoint sockJsEndpoint(final String path)
    {
        for (final SockJsEndpoint endpoint : sockJsEndpoints)
        {
            final String prefix = endpoint.prefix;
            if (path.startsWith(prefix) && (path.length() == prefix.length() || '/' == path.charAt(prefix.length())))
            {
                return endpoint;
            }
        }
        return null;
    }

    long nowNs()
    {
        return loop.nowNs();
    }

    /**
     * Count a WebSocket connection's close by the class of its close code.
     *
     * @param code the close code, 1006 when the connection ended without a close frame.
     */
    void countClose(final int code)
    {
        closes[SystemCounter.closeClass(code).ordinal() - SystemCounter.CLOSED_NORMAL.ordinal()]++;
    }

    /**
     * The loop finished a duty cycle that did work: publish the plain fields the connections counted in to the
     * counters file, with a release store each (skipped when unchanged). Readers see values at most one cycle old;
     * the hot paths pay a plain increment.
     */
    @Override
    public void onBatchEnd(final IoLoop loop)
    {
        fanOut.flush(loop.nowNs());
    }

    @Override
    public void onDutyCycleEnd(final IoLoop loop)
    {
        final AtomicCounter[] counters = this.counters;
        if (null == counters)
        {
            return;
        }
        publish(counters, SystemCounter.HANDSHAKES, opened);
        publish(counters, SystemCounter.HANDSHAKES_FAILED_MALFORMED, handshakesMalformed);
        publish(counters, SystemCounter.HANDSHAKES_FAILED_NOT_FOUND, handshakesNotFound);
        publish(counters, SystemCounter.HANDSHAKES_FAILED_HOOK, handshakesHookRefused);
        publish(counters, SystemCounter.HANDSHAKES_FAILED_TIMEOUT, handshakesTimedOut);
        publish(counters, SystemCounter.HANDSHAKES_FAILED_BUSY, handshakesRefusedBusy);
        publish(counters, SystemCounter.HANDSHAKES_FAILED_TLS_ON_PLAIN_PORT, handshakesTlsOnPlainPort);
        final int firstClose = SystemCounter.CLOSED_NORMAL.ordinal();
        for (int i = 0; i < CLOSE_CLASSES; i++)
        {
            TransportCounters.publish(counters[firstClose + i], closes[i]);
        }
        publish(counters, SystemCounter.FRAMES_IN, framesIn);
        publish(counters, SystemCounter.MESSAGES_IN, messagesIn);
        publish(counters, SystemCounter.MESSAGES_OUT, messagesOut);
        publish(counters, SystemCounter.PROTOCOL_ERRORS, protocolErrors);
        publish(counters, SystemCounter.HANDLER_ERRORS, handlerErrors);
        publish(counters, SystemCounter.SLOW_CONSUMER_CLOSES, slowConsumerCloses);
        publish(counters, SystemCounter.PROTOCOL_REPLY_OVERFLOWS, protocolReplyOverflows);
        publish(counters, SystemCounter.DISCARDED_BYTES, discardedBytes);
        publish(counters, SystemCounter.ASSEMBLY_REFUSALS, assemblyRefusals);
        publish(counters, SystemCounter.IDLE_TIMEOUTS, idleTimeouts);
        publish(counters, SystemCounter.PINGS_SENT, pingsSent);
        publish(counters, SystemCounter.SOCKJS_SESSIONS_OPEN, sockJsSessionsOpen);
        publish(counters, SystemCounter.SOCKJS_SESSIONS_OPENED, sockJsSessionsOpened);
        publish(counters, SystemCounter.HTTP_REQUESTS, httpRequests);
        publish(counters, SystemCounter.SOCKET_HANDOFFS, socketHandOffs);
        publish(counters, SystemCounter.DEFLATE_CONNECTIONS, deflateConnections);
        publish(counters, SystemCounter.DEFLATE_INFLATED, inflatedMessages);
        publish(counters, SystemCounter.DEFLATE_TOO_BIG, inflateRefusals);
        publish(counters, SystemCounter.DEFLATE_COMPRESSED, compressedMessages);
        publish(counters, SystemCounter.DEFLATE_SHARED_SENDS, sharedCompressedSends);
        publish(counters, SystemCounter.DEFLATE_INFLATERS, inflatersOpen);
        publish(counters, SystemCounter.CHANNELS_OPENED, channelsOpened);
        publish(counters, SystemCounter.CHANNELS_CLOSED, channelsClosed);
        publish(counters, SystemCounter.CHANNEL_MESSAGES_IN, channelMessagesIn);
        publish(counters, SystemCounter.CHANNEL_MESSAGES_OUT, channelMessagesOut);
        publish(counters, SystemCounter.MUX_IGNORED, muxIgnoredMessages);
        publish(counters, SystemCounter.MUX_ERRORS, muxErrors);
        publish(counters, SystemCounter.DELIVERIES, deliveries);
        publish(counters, SystemCounter.CONFLATED_SLOW, conflations);
        publish(counters, SystemCounter.CONFLATED_RATE, conflatedRate);
        publish(counters, SystemCounter.THROTTLED, throttled);
        publish(counters, SystemCounter.DROPPED_OVER_BUDGET, droppedMessages);
        publish(counters, SystemCounter.RECOVERIES, recoveries);
        publish(counters, SystemCounter.RECOVERED_PUBLICATIONS, recoveredPublications);
        publish(counters, SystemCounter.RECOVERIES_FAILED, recoveriesFailed);
        publish(counters, SystemCounter.RECOVERIES_TOO_LARGE, recoveriesTooLarge);
        publish(counters, SystemCounter.GAPS_OVER_BUDGET, gapsOverBudget);
    }

    private static void publish(final AtomicCounter[] counters, final SystemCounter counter, final long value)
    {
        TransportCounters.publish(counters[counter.ordinal()], value);
    }

    @Override
    public DirectBuffer refusalResponse()
    {
        return refusalResponse;
    }

    Endpoint endpoint(final String path)
    {
        final Endpoint endpoint = endpoints.get(path);
        return null != endpoint ? endpoint : anyPath;
    }

    /**
     * Keep a cross-thread message too large for the command ring until the loop reaches its ticket in the ring.
     * Any thread.
     */
    /**
     * The path a connection keeps: a path the previous upgrade also asked for is that same String, so a hundred
     * thousand connections to an any-path endpoint at "/" hold one String, not one each.
     *
     * @param requestPath as parsed from the request line.
     * @return an equal String, shared when possible.
     */
    String sharedPath(final String requestPath)
    {
        if (requestPath.equals(lastRequestPath))
        {
            return lastRequestPath;
        }
        lastRequestPath = requestPath;
        return requestPath;
    }

    long parkLargeCommand(final UnsafeBuffer message)
    {
        final long ticket = largeCommandTickets.incrementAndGet();
        largeCommands.put(ticket, message);
        return ticket;
    }

    UnsafeBuffer takeLargeCommand(final long ticket)
    {
        return largeCommands.remove(ticket);
    }

    /**
     * @return a parser for a connection starting its handshake, or null when {@code wsmux.max.handshakes} connections
     * of this loop hold one already.
     */
    UpgradeRequestParser acquireParser()
    {
        if (parsersHeld >= maxHandshakes)
        {
            return null;
        }
        parsersHeld++;
        final UpgradeRequestParser parser = parsers.pollFirst();
        return null != parser ? parser :
            new UpgradeRequestParser(maxHandshakeLength, maxHeaderCount).plainHttp(hasSockJs);
    }

    void releaseParser(final UpgradeRequestParser parser)
    {
        parsersHeld--;
        if (parsers.size() < MAX_POOLED_PARSERS)
        {
            parser.reset();
            parsers.addFirst(parser);
        }
    }

    MutableDirectBuffer acquireMessageBuffer()
    {
        final ExpandableArrayBuffer buffer = messageBuffers.pollFirst();
        return null != buffer ? buffer : new ExpandableArrayBuffer(INITIAL_MESSAGE_BUFFER_LENGTH);
    }

    void releaseMessageBuffer(final MutableDirectBuffer buffer)
    {
        if (buffer instanceof ExpandableArrayBuffer && buffer.capacity() <= MAX_POOLED_MESSAGE_BUFFER_LENGTH &&
            messageBuffers.size() < MAX_POOLED_MESSAGE_BUFFERS)
        {
            messageBuffers.addFirst((ExpandableArrayBuffer)buffer);
        }
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

    MessageDeflater sharedDeflater()
    {
        if (null == sharedDeflater)
        {
            sharedDeflater = new MessageDeflater(deflateLevel, true);
        }
        return sharedDeflater;
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
     * @param length bytes a message may compress to at most.
     * @return the loop's compression output, an array-backed buffer of at least that many bytes.
     */
    UnsafeBuffer deflateOutput(final int length)
    {
        if (deflateOutput.capacity() < length)
        {
            deflateOutput = new UnsafeBuffer(new byte[Math.max(length, 2 * deflateOutput.capacity())]);
        }
        return deflateOutput;
    }

    /**
     * @return the prefix and the payload together, in the loop's compression input.
     */
    DirectBuffer deflateInput(
        final DirectBuffer prefix, final int prefixOffset, final int prefixLength,
        final DirectBuffer payload, final int payloadOffset, final int payloadLength)
    {
        if (null == deflateInput)
        {
            deflateInput = new ExpandableArrayBuffer(Math.max(INITIAL_MESSAGE_BUFFER_LENGTH, prefixLength +
                payloadLength));
        }
        deflateInput.putBytes(0, prefix, prefixOffset, prefixLength);
        deflateInput.putBytes(prefixLength, payload, payloadOffset, payloadLength);
        return deflateInput;
    }

    static byte[] utf8(final String text)
    {
        return null == text ? new byte[0] : text.getBytes(StandardCharsets.UTF_8);
    }
}
