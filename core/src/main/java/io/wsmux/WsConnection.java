package io.wsmux;

import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;

import io.wsmux.codec.CloseCode;
import io.wsmux.codec.CloseFrame;
import io.wsmux.codec.CloseReason;
import io.wsmux.codec.FrameDecoder;
import io.wsmux.codec.FrameDescriptor;
import io.wsmux.codec.FrameEncoder;
import io.wsmux.codec.FrameHandler;
import io.wsmux.codec.Opcode;
import io.wsmux.codec.deflate.DeflateNegotiation;
import io.wsmux.codec.deflate.MessageDeflater;
import io.wsmux.codec.deflate.MessageInflater;
import io.wsmux.codec.http.UpgradeRejection;
import io.wsmux.codec.http.UpgradeRequestParser;
import io.wsmux.status.WsmuxEvents;
import io.wsmux.transport.IoLoop;
import io.wsmux.transport.TcpConnection;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A WebSocket connection: the RFC 6455 state machine over one {@link TcpConnection}.
 * <pre>
 *  HANDSHAKE --101--> OPEN --close sent--> CLOSE_SENT --close received or timeout--> CLOSED
 *      |                |--close received (reply sent)------------------------------> CLOSED
 *      |                '--violation (close sent), idle timeout, handler failure------> CLOSED
 *      '--4xx/timeout--> CLOSED
 * </pre>
 * In CLOSED the socket closes as soon as what is queued is written (or the close timeout passes). The handler's
 * {@code onClose} runs once, for connections that reached OPEN.
 * <p>
 * While handshaking it holds a pooled {@link UpgradeRequestParser}; once open, a {@link FrameDecoder} and nothing
 * else: a message is delivered straight from the loop's read buffer when it arrived in one read, and is assembled
 * in a pooled buffer only when it spans reads or fragments.
 * <p>
 * <b>Not thread safe</b> but for {@link Connection}'s sending and closing methods, which hand work from other
 * threads to the loop.
 */
final class WsConnection extends MessageAssembler implements MuxCarrier, FrameHandler, HandshakeRequest
{
    /** The reason of a drain's close. */
    static final String DRAIN_REASON = "service restart";
    static final int STATE_HANDSHAKE = 0;
    static final int STATE_OPEN = 1;
    static final int STATE_CLOSE_SENT = 2;
    static final int STATE_CLOSED = 3;
    /** Serving plain HTTP requests (SockJS) instead of a WebSocket: {@link SockJsHttp} reads and answers them. */
    static final int STATE_HTTP = 4;

    static final int COMMAND_SEND_TEXT = 1;
    static final int COMMAND_SEND_BINARY = 2;
    static final int COMMAND_CLOSE = 3;
    static final int COMMAND_CHANNEL_TEXT = 4;
    static final int COMMAND_CHANNEL_BINARY = 5;
    static final int COMMAND_CHANNEL_CLOSE = 6;
    static final int COMMAND_LARGE = 0x100;

    private static final short DEFLATE_ON = 1;
    /** The server keeps its compression context: a compressor of this connection's own. */
    private static final short DEFLATE_SERVER_CONTEXT = 2;
    /** The client keeps its compression context: an inflater of this connection's own. */
    private static final short DEFLATE_CLIENT_CONTEXT = 4;
    private static final int DEFLATE_WINDOW_SHIFT = 8;
    private static final String EXTENSIONS_HEADER = "Sec-WebSocket-Extensions";

    private static final UnsafeBuffer EMPTY = new UnsafeBuffer(new byte[0]);
    private static final UnsafeBuffer SLOW_CONSUMER = new UnsafeBuffer(LoopContext.utf8("slow consumer"));
    private static final UnsafeBuffer IDLE_TIMEOUT = new UnsafeBuffer(LoopContext.utf8("idle timeout"));
    private static final String OVER_BUDGET = "over the outbound budget past the grace time";
    private static final String HANDSHAKE_TIMEOUT = "the upgrade request did not complete in time";
    private static final String TLS_ON_PLAIN_PORT =
        "this port speaks plain HTTP and WebSocket: use http:// or ws://, or the TLS port for https:// and wss://";
    /** First byte of a TLS handshake record (RFC 8446 §5.1: ContentType handshake), never of an HTTP request. */
    private static final byte TLS_HANDSHAKE_RECORD = 22;
    private static final String HANDSHAKES_BUSY = "too many upgrade requests in progress: try again later";
    private static final UnsafeBuffer SERVER_BUSY =
        new UnsafeBuffer(LoopContext.utf8("server busy: too many partly received messages"));
    private static final UnsafeBuffer INTERNAL_ERROR = new UnsafeBuffer(LoopContext.utf8("internal error"));

    private final LoopContext context;
    private volatile int state = STATE_HANDSHAKE;
    private UpgradeRequestParser parser;
    private FrameDecoder decoder;
    private WebSocketHandler handler;
    private String path;
    private String query;
    private String subprotocol;
    private Object attachment;
    /** Who the client is, as the upgrade hook found: written before OPEN (the volatile state), then only read. */
    private Object identity;
    private long lastReadNs;
    private long lastPingNs;
    private int closeCode = CloseCode.ABNORMAL;
    private String closeReason = "";
    private boolean opened;
    private boolean closeNotified;
    private boolean closeFrameQueued; // a slow consumer's close frame waits for the socket: its own timeout applies
    private long droppedMessages;
    private long overBudgetSinceNs;
    private MuxSession muxSession;
    /** The session while it has topic channels: it catches up on the loop's fan-out batch before other writes. */
    MuxSession fanOutSession;
    private SockJsHttp http;
    /**
     * permessage-deflate as negotiated: 0 (not), or {@link #DEFLATE_ON} with the flags below and the server's window
     * bits from bit {@link #DEFLATE_WINDOW_SHIFT}.
     */
    private short deflate;
    /** This connection's own inflater (a client that keeps its compression context), made on first use. */
    private MessageInflater inflater;
    /** This connection's own compressor (server context takeover), made on first use. */
    private MessageDeflater deflater;
    /** Bytes another loop read from this socket and handed over with it, to be read first. */
    private byte[] replay;

    WsConnection(final LoopContext context, final IoLoop loop, final SocketChannel channel, final long id)
    {
        super(loop, channel, id);
        this.context = context;
    }

    WsConnection(
        final LoopContext context, final IoLoop loop, final SocketChannel channel, final long id, final byte[] replay)
    {
        this(context, loop, channel, id);
        this.replay = replay;
    }

    // ---- transport callbacks ----

    @Override
    protected void onOpen(final long nowNs)
    {
        lastReadNs = nowNs;
        parser = context.acquireParser();
        if (null == parser)
        {
            // wsmux.max.handshakes connections of this loop are mid-handshake (slowloris, or a reconnect storm): a
            // parser each is what they hold, so this one is turned away at once rather than queued.
            context.handshakesRefusedBusy++;
            WsmuxEvents.handshakeRefused(id(), remoteAddress(), 503, HANDSHAKES_BUSY, null);
            final int length = context.responseWriter.writeError(
                context.scratch, 0, 503, "Service Unavailable", HANDSHAKES_BUSY);
            write(context.scratch, 0, length);
            state = STATE_CLOSED;
            closeWhenFlushed();
            return;
        }
        deadline(nowNs + context.handshakeTimeoutNs);
        if (null != replay)
        {
            final UnsafeBuffer bytes = new UnsafeBuffer(replay);
            replay = null;
            onRead(bytes, 0, bytes.capacity(), nowNs);
        }
    }

    @Override
    protected void onRead(final MutableDirectBuffer buffer, final int offset, final int length, final long nowNs)
    {
        lastReadNs = nowNs;
        int position = offset;
        int remaining = length;
        if (STATE_HTTP == state)
        {
            http.onRead(buffer, offset, length, nowNs, false);
            return;
        }
        if (STATE_HANDSHAKE == state)
        {
            if (0 == parser.headLength() && TLS_HANDSHAKE_RECORD == buffer.getByte(offset) && !isSecure())
            {
                rejectTlsOnPlainPort();
                return;
            }
            final int consumed = parser.parse(buffer, position, remaining);
            final int parseState = parser.state();
            if (UpgradeRequestParser.NEED_MORE == parseState)
            {
                return;
            }
            if (context.hasSockJs && parser.headComplete() && null != context.sockJsEndpoint(parser.path()))
            {
                // Under a SockJS prefix: plain HTTP requests (and SockJS's own WebSocket transports).
                state = STATE_HTTP;
                http = new SockJsHttp(this, context);
                http.onRead(buffer, position + consumed, remaining - consumed, nowNs, true);
                return;
            }
            if (UpgradeRequestParser.REJECTED == parseState)
            {
                rejectMalformedHandshake();
                return;
            }
            if (!upgrade(nowNs))
            {
                return;
            }
            position += consumed;
            remaining -= consumed;
        }

        if (remaining > 0 && (STATE_OPEN == state || STATE_CLOSE_SENT == state))
        {
            decoder.decode(buffer, position, remaining);
        }
    }

    @Override
    protected void onEndOfStream(final long nowNs)
    {
        notifyClose(CloseCode.ABNORMAL, "");
    }

    @Override
    protected void onDeadline(final long nowNs)
    {
        switch (state)
        {
            case STATE_HTTP:
                http.onDeadline(nowNs);
                break;

            case STATE_HANDSHAKE:
                // Slowloris: the request did not complete in time. Best effort 408, then close at once.
                final int length = context.responseWriter.writeError(
                    context.scratch, 0, 408, "Request Timeout", HANDSHAKE_TIMEOUT);
                write(context.scratch, 0, length);
                context.handshakesTimedOut++;
                WsmuxEvents.handshakeRefused(id(), remoteAddress(), 408, HANDSHAKE_TIMEOUT, null);
                state = STATE_CLOSED;
                close(null);
                break;

            case STATE_OPEN:
                onOpenDeadline(nowNs);
                break;

            default:
                // A close handshake did not finish within wsmux.close.timeout.
                notifyClose(closeCode, closeReason);
                close(null);
                break;
        }
    }

    @Override
    protected void onCommand(
        final int type, final int arg, final DirectBuffer buffer, final int offset, final int length, final long nowNs)
    {
        if ((type & COMMAND_LARGE) != 0)
        {
            final UnsafeBuffer large = context.takeLargeCommand(buffer.getLong(offset));
            if (null != large)
            {
                onCommand(type & ~COMMAND_LARGE, arg, large, 0, large.capacity(), nowNs);
            }
            return;
        }
        switch (type)
        {
            case COMMAND_SEND_TEXT:
                sendMessage(Opcode.TEXT, buffer, offset, length);
                break;

            case COMMAND_SEND_BINARY:
                sendMessage(Opcode.BINARY, buffer, offset, length);
                break;

            case COMMAND_CLOSE:
                startClose(arg, buffer.getStringWithoutLengthUtf8(offset, length), buffer, offset, length);
                break;

            case COMMAND_CHANNEL_TEXT:
            case COMMAND_CHANNEL_BINARY:
                if (null != muxSession)
                {
                    muxSession.onCommandSend(arg, COMMAND_CHANNEL_TEXT == type, buffer, offset, length);
                }
                break;

            case COMMAND_CHANNEL_CLOSE:
                if (null != muxSession)
                {
                    muxSession.onCommandClose(arg, buffer.getShort(offset, java.nio.ByteOrder.BIG_ENDIAN) & 0xFFFF,
                        buffer.getStringWithoutLengthUtf8(offset + 2, length - 2));
                }
                break;

            default:
                throw new IllegalStateException("unknown command: type=" + type);
        }
    }

    @Override
    protected void onClosed(final Throwable cause)
    {
        state = STATE_CLOSED;
        notifyClose(CloseCode.ABNORMAL, "");
        if (null != parser)
        {
            context.releaseParser(parser);
            parser = null;
        }
        if (null != http)
        {
            http.onClosed();
            http = null;
        }
        releaseReceiveBuffers();
        if (null != inflater)
        {
            inflater.close(); // zlib's native memory now, not when the collector gets to it
            inflater = null;
            context.inflatersOpen--;
        }
        if (null != deflater)
        {
            deflater.close();
            deflater = null;
        }
    }

    // ---- handshake ----

    private boolean upgrade(final long nowNs)
    {
        final String requestPath = parser.path();
        final String rawQuery = parser.query();
        query = null == rawQuery || rawQuery.isEmpty() ? null : rawQuery;
        final Endpoint endpoint = context.endpoint(requestPath);
        // Share, don't copy: the endpoint's own path, or for an any-path endpoint the previous equal request path.
        path = null != endpoint && null != endpoint.path() ? endpoint.path() : context.sharedPath(requestPath);
        if (null == endpoint)
        {
            context.handshakesNotFound++;
            rejectHandshake(404, "Not Found", "no WebSocket endpoint at this path");
            return false;
        }

        return accept(endpoint.handler(), endpoint.hook(), endpoint.subprotocols(), endpoint.compression());
    }

    /**
     * Accept the upgrade the parser holds, after the hook (if any) agrees: 101, then OPEN and the handler's onOpen.
     *
     * @return whether the connection is still open after onOpen.
     */
    private boolean accept(final WebSocketHandler acceptingHandler, final UpgradeHook hook,
        final List<String> supportedSubprotocols, final boolean compression)
    {
        if (null == identity && isSecure())
        {
            identity = peerPrincipal(); // mutual TLS: the client certificate's subject, unless the hook says otherwise
        }
        if (null != hook)
        {
            UpgradeHook.Rejection rejection;
            try
            {
                rejection = hook.check(this);
            }
            catch (final Throwable ex)
            {
                context.errorHandler.onError(ex);
                rejection = new UpgradeHook.Rejection(500, "the upgrade hook failed");
            }
            if (null != rejection)
            {
                context.handshakesHookRefused++;
                rejectHandshake(rejection.status(), statusText(rejection.status()), rejection.reason());
                return false;
            }
        }

        subprotocol = null;
        for (final String candidate : parser.subprotocols())
        {
            if (supportedSubprotocols.contains(candidate))
            {
                subprotocol = candidate;
                break;
            }
        }
        final String extensions = compression && context.deflate ? negotiateDeflate() : null;
        final int length = context.responseWriter.writeSwitchingProtocols(
            context.scratch,
            0,
            parser.headBuffer(),
            parser.secWebSocketKeyOffset(),
            parser.secWebSocketKeyLength(),
            subprotocol,
            extensions);
        write(context.scratch, 0, length);

        decoder = new FrameDecoder(this, true, context.maxFrameLength, context.maxMessageLength, true)
            .allowCompression(0 != deflate);
        handler = acceptingHandler;
        state = STATE_OPEN;
        opened = true;
        context.opened++;
        rearm();

        try
        {
            handler.onOpen(this);
        }
        catch (final Throwable ex)
        {
            onHandlerError(ex);
        }
        finally
        {
            context.releaseParser(parser);
            parser = null;
        }
        return STATE_OPEN == state || STATE_CLOSE_SENT == state;
    }

    /**
     * RFC 7692: agree to the client's first acceptable permessage-deflate offer, if any. Cold path (allocates).
     *
     * @return the response's Sec-WebSocket-Extensions value, or null for none.
     */
    private String negotiateDeflate()
    {
        final List<String> offers = parser.headers(EXTENSIONS_HEADER);
        if (offers.isEmpty())
        {
            return null;
        }
        final DeflateNegotiation.Agreement agreement = DeflateNegotiation.negotiate(
            DeflateNegotiation.listElements(offers), context.deflateServerContextTakeover,
            context.deflateClientContextTakeover);
        if (null == agreement)
        {
            return null;
        }
        deflate = (short)(DEFLATE_ON | (agreement.serverMaxWindowBits() << DEFLATE_WINDOW_SHIFT) |
            (agreement.serverNoContextTakeover() ? 0 : DEFLATE_SERVER_CONTEXT) |
            (agreement.clientNoContextTakeover() ? 0 : DEFLATE_CLIENT_CONTEXT));
        context.deflateConnections++;
        return agreement.response();
    }

    /**
     * A TLS ClientHello (a record of type 22) on the plain port: a client configured for https:// or wss://. It
     * cannot read an HTTP answer, but its TLS library reports one as "not TLS" (OpenSSL's "wrong version number"),
     * which is the truth, and a person reading the bytes sees why; nginx answers the same way.
     */
    private void rejectTlsOnPlainPort()
    {
        context.handshakesTlsOnPlainPort++;
        rejectHandshake(400, "Bad Request", TLS_ON_PLAIN_PORT);
    }

    private void rejectMalformedHandshake()
    {
        final UpgradeRejection rejection = parser.rejection();
        if (UpgradeRejection.NOT_WEBSOCKET_UPGRADE == rejection)
        {
            final DirectBuffer resource = context.resources.get(parser.path());
            if (null != resource)
            {
                // A plain GET of a page or script the server was given (the browser client, the demo).
                write(resource, 0, resource.capacity());
                state = STATE_CLOSED;
                closeWhenFlushed();
                return;
            }
            if (null == context.endpoint(parser.path()))
            {
                context.handshakesNotFound++;
                rejectHandshake(404, "Not Found", "no WebSocket endpoint or resource at this path");
                return;
            }
        }
        final int length = context.responseWriter.writeRejection(context.scratch, 0, rejection);
        write(context.scratch, 0, length);
        context.handshakesMalformed++;
        WsmuxEvents.handshakeRefused(id(), remoteAddress(), rejection.status(), rejection.reason(), parser.path());
        state = STATE_CLOSED;
        closeWhenFlushed();
    }

    private void rejectHandshake(final int status, final String statusText, final String reason)
    {
        final int length = context.responseWriter.writeError(context.scratch, 0, status, statusText, reason);
        if (length > 0)
        {
            write(context.scratch, 0, length);
        }
        WsmuxEvents.handshakeRefused(id(), remoteAddress(), status, reason, path);
        state = STATE_CLOSED;
        closeWhenFlushed();
    }

    static String statusText(final int status)
    {
        switch (status)
        {
            case 400:
                return "Bad Request";
            case 401:
                return "Unauthorized";
            case 403:
                return "Forbidden";
            case 404:
                return "Not Found";
            case 409:
                return "Conflict";
            case 429:
                return "Too Many Requests";
            case 500:
                return "Internal Server Error";
            case 503:
                return "Service Unavailable";
            default:
                return status < 500 ? "Client Error" : "Server Error";
        }
    }

    // ---- frames ----

    @Override
    public void onFrameStart(final int opcode, final boolean fin, final long payloadLength)
    {
        context.framesIn++;
        frameStart(opcode, fin, payloadLength, decoder.isMessageCompressed());
    }

    @Override
    public void onFramePayload(final MutableDirectBuffer buffer, final int offset, final int length)
    {
        framePayload(buffer, offset, length);
    }

    @Override
    public void onFrameEnd()
    {
        frameEnd();
    }

    @Override
    public void onProtocolError(final CloseReason reason)
    {
        frameFailed();
        context.protocolErrors++;
        if (STATE_OPEN == state)
        {
            writeClose(reason.code(), reason.encodedText(), 0, reason.encodedText().capacity());
        }
        finishClose(reason.code(), reason.text());
    }

    @Override
    protected void onControlFrame(
        final int opcode, final MutableDirectBuffer buffer, final int offset, final int length)
    {
        switch (opcode)
        {
            case Opcode.PING:
                if (STATE_OPEN == state)
                {
                    answerPing(buffer, offset, length);
                }
                break;

            case Opcode.CLOSE:
                onCloseFrame(buffer, offset, length);
                break;

            default:
                break; // Pong: its arrival already counted as activity.
        }
    }

    /**
     * Answer a ping at once, in order with the replies around it. A pong of ours still queued (the peer does not
     * read) is replaced by this one: RFC 6455 §5.5.3, "an endpoint MAY elect to send a Pong frame for only the most
     * recently processed Ping frame", so a peer that pings without reading holds at most one pong of ours in the
     * control lane, and always the newest (pongs gathered in the cork of one read are bounded by the cork).
     */
    private void answerPing(final DirectBuffer buffer, final int offset, final int length)
    {
        if (queuedControlBytes() > 0)
        {
            context.discardedBytes += discardUnstartedControl();
        }
        // RFC 6455 §5.5.3: "A Pong frame sent in response to a Ping frame must have identical Application data".
        final int frameLength =
            FrameEncoder.encode(context.controlScratch, 0, true, Opcode.PONG, buffer, offset, length);
        writeControlFrame(context.controlScratch, 0, frameLength);
    }

    private void onCloseFrame(final MutableDirectBuffer buffer, final int offset, final int length)
    {
        final CloseReason invalid = CloseFrame.validate(buffer, offset, length);
        if (null != invalid)
        {
            onProtocolError(invalid);
            return;
        }

        if (STATE_OPEN == state)
        {
            // RFC 6455 §5.5.1: reply with a close frame, typically echoing the status code received.
            final int code = CloseFrame.code(buffer, offset, length);
            writeClose(code, EMPTY, 0, 0);
            finishClose(code, closeReason(buffer, offset, length));
        }
        else if (STATE_CLOSE_SENT == state)
        {
            finishClose(closeCode, closeReason);
        }
    }

    @Override
    protected boolean acceptsData()
    {
        return STATE_OPEN == state;
    }

    @Override
    protected void onMessage(final int opcode, final DirectBuffer buffer, final int offset, final int length)
    {
        context.messagesIn++;
        try
        {
            if (Opcode.TEXT == opcode)
            {
                handler.onText(this, buffer, offset, length);
            }
            else
            {
                handler.onBinary(this, buffer, offset, length);
            }
        }
        catch (final Throwable ex)
        {
            onHandlerError(ex);
        }
    }

    // ---- closing ----

    /**
     * The close handshake is over on our side (or failed): stop decoding, tell the handler, close TCP once what is
     * queued is written, and never wait longer than the close timeout for that.
     */
    private void finishClose(final int code, final String reason)
    {
        if (STATE_CLOSED == state)
        {
            return;
        }
        state = STATE_CLOSED;
        if (null != decoder)
        {
            decoder.halt();
        }
        discardMessage();
        notifyClose(code, reason);
        deadline(loop.nowNs() + context.closeTimeoutNs);
        closeWhenFlushed();
    }

    private void startClose(
        final int code, final String reason, final DirectBuffer reasonBuffer, final int reasonOffset,
        final int reasonLength)
    {
        if (STATE_OPEN != state)
        {
            return;
        }
        if (null != fanOutSession)
        {
            fanOutSession.catchUpBeforeWrite();
        }
        writeClose(code, reasonBuffer, reasonOffset, reasonLength);
        closeCode = code;
        closeReason = reason;
        state = STATE_CLOSE_SENT;
        discardMessage();
        deadline(loop.nowNs() + context.closeTimeoutNs);
    }

    private void writeClose(final int code, final DirectBuffer reason, final int reasonOffset, final int reasonLength)
    {
        final int length =
            FrameEncoder.encodeClose(context.controlScratch, 0, code, reason, reasonOffset, reasonLength);
        // RFC 6455 §5.5.1: no data frame may follow a close frame, so it goes behind the queued data, not ahead.
        writeFrame(context.controlScratch, 0, length, null, 0, 0);
    }

    private void notifyClose(final int code, final String reason)
    {
        if (closeNotified || !opened)
        {
            closeNotified = true;
            return;
        }
        closeNotified = true;
        closeCode = code;
        closeReason = reason;
        context.countClose(code);
        try
        {
            handler.onClose(this, code, reason);
        }
        catch (final Throwable ex)
        {
            context.handlerErrors++;
            context.errorHandler.onError(ex);
        }
    }

    private void onHandlerError(final Throwable error)
    {
        context.handlerErrors++;
        try
        {
            handler.onError(this, error);
        }
        catch (final Throwable ex)
        {
            context.errorHandler.onError(ex);
        }
        if (STATE_OPEN == state)
        {
            writeClose(CloseCode.INTERNAL_ERROR, INTERNAL_ERROR, 0, INTERNAL_ERROR.capacity());
        }
        finishClose(CloseCode.INTERNAL_ERROR, "internal error");
    }

    private void onOpenDeadline(final long nowNs)
    {
        final long silenceNs = nowNs - lastReadNs;
        if (context.idleTimeoutNs > 0 && silenceNs >= context.idleTimeoutNs)
        {
            context.idleTimeouts++;
            writeClose(CloseCode.GOING_AWAY, IDLE_TIMEOUT, 0, IDLE_TIMEOUT.capacity());
            finishClose(CloseCode.GOING_AWAY, "idle timeout");
            return;
        }
        if (0 != overBudgetSinceNs && nowNs - overBudgetSinceNs >= context.slowConsumerGraceNs)
        {
            closeSlowConsumer(OVER_BUDGET);
            return;
        }
        if (context.pingIntervalNs > 0 && silenceNs >= context.pingIntervalNs && lastPingNs <= lastReadNs)
        {
            context.pingsSent++;
            lastPingNs = nowNs;
            final int length = FrameEncoder.encode(context.controlScratch, 0, true, Opcode.PING, EMPTY, 0, 0);
            writeControlFrame(context.controlScratch, 0, length);
        }
        if (null != muxSession && muxSession.scheduledNs() <= nowNs)
        {
            muxSession.flushPending(nowNs);
        }
        rearm();
    }

    private void rearm()
    {
        long next = nextIdleDeadline();
        if (0 != overBudgetSinceNs)
        {
            next = Math.min(next, overBudgetSinceNs + context.slowConsumerGraceNs);
        }
        if (null != muxSession)
        {
            next = Math.min(next, muxSession.scheduledNs());
        }
        deadline(next);
    }

    /**
     * Ask for a deadline no later than this (the multiplexer's throttle, the slow-consumer grace).
     */
    @Override
    public void requestDeadline(final long deadlineNs)
    {
        if (STATE_OPEN == state && deadlineNs < deadlineNs())
        {
            deadline(deadlineNs);
        }
    }

    private long nextIdleDeadline()
    {
        long next = NO_DEADLINE;
        if (context.idleTimeoutNs > 0)
        {
            next = lastReadNs + context.idleTimeoutNs;
        }
        if (context.pingIntervalNs > 0 && lastPingNs <= lastReadNs)
        {
            next = Math.min(next, lastReadNs + context.pingIntervalNs);
        }
        return next;
    }

    /**
     * The loop's assembly budget ({@code wsmux.assembly.budget}): partly received messages of all its connections
     * together. A message that would go past it closes its connection with 1013 "try again later"; the others keep
     * theirs.
     */
    @Override
    protected boolean reserveMessageBytes(final int length)
    {
        if (context.assemblyBytes + length > context.assemblyBudget)
        {
            context.assemblyRefusals++;
            if (STATE_OPEN == state)
            {
                writeClose(CloseCode.TRY_AGAIN_LATER, SERVER_BUSY, 0, SERVER_BUSY.capacity());
            }
            finishClose(CloseCode.TRY_AGAIN_LATER, "server busy");
            return false;
        }
        context.assemblyBytes += length;
        return true;
    }

    @Override
    protected void releaseMessageBytes(final int length)
    {
        context.assemblyBytes -= length;
    }

    @Override
    protected MutableDirectBuffer acquireMessageBuffer()
    {
        return context.acquireMessageBuffer();
    }

    @Override
    protected MutableDirectBuffer acquireControlBuffer()
    {
        return context.acquireMessageBuffer();
    }

    @Override
    protected void releaseMessageBuffer(final MutableDirectBuffer buffer)
    {
        context.releaseMessageBuffer(buffer);
    }

    @Override
    protected MessageInflater inflater()
    {
        if (0 == (deflate & DEFLATE_CLIENT_CONTEXT))
        {
            return context.sharedInflater(); // the client compresses each message on its own
        }
        if (null == inflater)
        {
            inflater = new MessageInflater(false);
            context.inflatersOpen++;
        }
        return inflater;
    }

    @Override
    protected int inflateLimit()
    {
        return context.maxMessageLength;
    }

    @Override
    protected void onInflateFailed(final CloseReason reason)
    {
        context.inflateRefusals++;
        onProtocolError(reason);
    }

    @Override
    protected void onCompressedMessage(final int compressedLength, final int inflatedLength)
    {
        context.inflatedMessages++;
    }

    /**
     * Server shutdown: close open connections with 1001, drop the ones still handshaking.
     */
    void onShutdown()
    {
        if (STATE_HTTP == state)
        {
            http.onShutdown();
        }
        else if (STATE_OPEN == state)
        {
            final UnsafeBuffer reason = new UnsafeBuffer(LoopContext.utf8("server shutting down"));
            startClose(CloseCode.GOING_AWAY, "server shutting down", reason, 0, reason.capacity());
        }
        else if (STATE_HANDSHAKE == state)
        {
            state = STATE_CLOSED;
            close(null);
        }
    }

    /**
     * A drain reached this connection: a WebSocket is asked to reconnect elsewhere (1012 "service restart"); an HTTP
     * request or a handshake in progress is closed as at shutdown. Loop thread.
     */
    void onDrain()
    {
        if (STATE_OPEN == state)
        {
            final UnsafeBuffer reason = new UnsafeBuffer(LoopContext.utf8(DRAIN_REASON));
            startClose(CloseCode.SERVICE_RESTART, DRAIN_REASON, reason, 0, reason.capacity());
        }
        else
        {
            onShutdown();
        }
    }

    int state()
    {
        return state;
    }

    // ---- sending ----

    private boolean sendMessage(final int opcode, final DirectBuffer buffer, final int offset, final int length)
    {
        if (STATE_OPEN != state)
        {
            return false;
        }
        if (null != fanOutSession)
        {
            fanOutSession.catchUpBeforeWrite();
        }
        return sendData(opcode, EMPTY, 0, 0, buffer, offset, length, true);
    }

    /**
     * Send a message made of a small prefix (a multiplex header) and a payload as one frame, within the budget.
     * Loop thread only.
     */
    @Override
    public boolean sendWithPrefix(
        final int opcode,
        final DirectBuffer prefix,
        final int prefixOffset,
        final int prefixLength,
        final DirectBuffer payload,
        final int payloadOffset,
        final int payloadLength)
    {
        if (STATE_OPEN != state)
        {
            return false;
        }
        return sendData(opcode, prefix, prefixOffset, prefixLength, payload, payloadOffset, payloadLength, true);
    }

    /**
     * One data message, compressed when permessage-deflate was negotiated, the caller allows it and it is long
     * enough; counted against the outbound budget by its length on the wire.
     */
    private boolean sendData(
        final int opcode,
        final DirectBuffer prefix,
        final int prefixOffset,
        final int prefixLength,
        final DirectBuffer payload,
        final int payloadOffset,
        final int payloadLength,
        final boolean mayCompress)
    {
        final int messageLength = prefixLength + payloadLength;
        if (mayCompress && 0 != deflate && messageLength >= context.deflateMinLength)
        {
            return sendCompressed(opcode, prefix, prefixOffset, prefixLength, payload, payloadOffset, payloadLength);
        }
        final UnsafeBuffer header = context.headerScratch;
        final int headerLength = FrameEncoder.writeHeader(header, 0, true, opcode, messageLength);
        if (!admit(headerLength + messageLength))
        {
            return false;
        }
        if (0 == prefixLength)
        {
            writeFrame(header, 0, headerLength, payload, payloadOffset, payloadLength);
        }
        else
        {
            header.putBytes(headerLength, prefix, prefixOffset, prefixLength);
            writeFrame(header, 0, headerLength + prefixLength, payload, payloadOffset, payloadLength);
        }
        context.messagesOut++;
        return true;
    }

    /**
     * Compress one message with the loop's compressor (reset after each message) or, with server context takeover,
     * this connection's own, and send it with RSV1 set. With the loop's compressor a message that does not get
     * smaller goes out as it is; with a context of its own the compressed form must go out (the client's window
     * follows it), so the budget is checked first, by the plain length.
     */
    private boolean sendCompressed(
        final int opcode,
        final DirectBuffer prefix,
        final int prefixOffset,
        final int prefixLength,
        final DirectBuffer payload,
        final int payloadOffset,
        final int payloadLength)
    {
        final int messageLength = prefixLength + payloadLength;
        final boolean ownContext = 0 != (deflate & DEFLATE_SERVER_CONTEXT);
        if (ownContext && !admit(FrameDescriptor.headerLength(messageLength, false) + messageLength))
        {
            return false;
        }
        final int windowBits = deflate >> DEFLATE_WINDOW_SHIFT;
        final UnsafeBuffer compressed = context.deflateOutput(MessageDeflater.maxCompressedLength(messageLength,
            windowBits));
        final DirectBuffer input;
        final int inputOffset;
        if (0 == prefixLength && (null != payload.byteArray() || null != payload.byteBuffer()))
        {
            input = payload;
            inputOffset = payloadOffset;
        }
        else
        {
            input = context.deflateInput(prefix, prefixOffset, prefixLength, payload, payloadOffset, payloadLength);
            inputOffset = 0;
        }
        final int compressedLength = ownDeflater(ownContext).deflate(
            input, inputOffset, messageLength, compressed.byteArray(), 0, windowBits);
        context.compressedMessages++;
        if (!ownContext && compressedLength >= messageLength)
        {
            return sendData(opcode, prefix, prefixOffset, prefixLength, payload, payloadOffset, payloadLength, false);
        }
        final UnsafeBuffer header = context.headerScratch;
        final int headerLength =
            FrameEncoder.writeHeader(header, 0, true, opcode | FrameDescriptor.RSV1, compressedLength);
        if (!ownContext && !admit(headerLength + compressedLength))
        {
            return false;
        }
        writeFrame(header, 0, headerLength, compressed, 0, compressedLength);
        context.messagesOut++;
        return true;
    }

    private MessageDeflater ownDeflater(final boolean ownContext)
    {
        if (!ownContext)
        {
            return context.sharedDeflater();
        }
        if (null == deflater)
        {
            deflater = new MessageDeflater(context.deflateLevel, false);
        }
        return deflater;
    }

    @Override
    public boolean takesSharedDeflate()
    {
        return DEFLATE_ON == (deflate & (DEFLATE_ON | DEFLATE_SERVER_CONTEXT)) &&
            DeflateNegotiation.MAX_WINDOW_BITS == deflate >> DEFLATE_WINDOW_SHIFT;
    }

    @Override
    public boolean compresses()
    {
        return 0 != deflate;
    }

    /**
     * A topic's shared text frame, or the one compressed once for all when this connection takes it; with server
     * context takeover, compressed for this connection alone. Loop thread only.
     */
    @Override
    public boolean sendPublicationFrame(final Publication publication)
    {
        if (0 != deflate)
        {
            if (publication.deflated && takesSharedDeflate())
            {
                context.sharedCompressedSends++;
                return sendFrame(publication.buffer, publication.deflatedFrameOffset, publication.deflatedFrameLength);
            }
            if (STATE_OPEN != state)
            {
                return false;
            }
            // The whole text message, msg,TOPIC,payload, compressed for this connection alone.
            return sendData(Opcode.TEXT, EMPTY, 0, 0, publication.buffer, Publication.FRAME_START,
                publication.payloadOffset - Publication.FRAME_START + publication.payloadLength,
                publication.topic.options().compress());
        }
        return sendFrame(publication.buffer, publication.textFrameOffset, publication.textFrameLength);
    }

    /**
     * A publication behind a prefix of this subscriber's own (a binary multiplex header, or a text channel's own
     * name): when it was compressed once for all and this connection takes that, the prefix goes in a stored deflate
     * block of its own in front of the shared compressed payload. Loop thread only.
     */
    @Override
    public boolean sendPublication(
        final int opcode, final DirectBuffer prefix, final int prefixOffset, final int prefixLength,
        final Publication publication)
    {
        if (STATE_OPEN != state)
        {
            return false;
        }
        if (publication.deflated && takesSharedDeflate())
        {
            final int payloadLength = MessageDeflater.STORED_BLOCK_OVERHEAD + prefixLength +
                publication.deflatedPayloadLength;
            final UnsafeBuffer header = context.headerScratch;
            final int headerLength =
                FrameEncoder.writeHeader(header, 0, true, opcode | FrameDescriptor.RSV1, payloadLength);
            if (!admit(headerLength + payloadLength))
            {
                return false;
            }
            final int storedLength =
                MessageDeflater.writeStoredBlock(header, headerLength, prefix, prefixOffset, prefixLength);
            writeFrame(header, 0, headerLength + storedLength, publication.buffer, publication.deflatedPayloadOffset,
                publication.deflatedPayloadLength);
            context.messagesOut++;
            context.sharedCompressedSends++;
            return true;
        }
        return sendData(opcode, prefix, prefixOffset, prefixLength, publication.buffer, publication.payloadOffset,
            publication.payloadLength, publication.topic.options().compress());
    }

    @Override
    public boolean sendPublicationText(
        final Publication publication, final Object name, final DirectBuffer prefix, final int prefixOffset,
        final int prefixLength)
    {
        return sendPublication(Opcode.TEXT, prefix, prefixOffset, prefixLength, publication);
    }

    /**
     * Send a frame framed elsewhere (a shared topic publication), within the budget. Loop thread only.
     */
    @Override
    public boolean sendFrame(final DirectBuffer frame, final int offset, final int length)
    {
        if (STATE_OPEN != state || !admit(length))
        {
            return false;
        }
        writeFrame(frame, offset, length, null, 0, 0);
        context.messagesOut++;
        return true;
    }

    /**
     * Whether a run of frames staged for several subscribers fits the budget as a whole (the same rule as one frame's
     * {@link #admit}, without counting a drop: the caller then sends the run frame by frame). Loop thread only.
     */
    @Override
    public boolean admitStaged(final int length)
    {
        if (STATE_OPEN != state)
        {
            return false;
        }
        final long queued = queuedBytes();
        return queued + length <= context.outboundBudget;
    }

    /**
     * Queue frames staged in the loop's batch arena ({@link FanOutBatch}), after {@link #admitStaged}.
     */
    @Override
    public void writeStagedFrames(final int arenaOffset, final int length, final int frames)
    {
        writeStaged(arenaOffset, length, frames);
        context.messagesOut += frames;
    }

    /**
     * Send a multiplex protocol message (OPENED, REFUSED, CLOSED, ERROR, uns) in order with the data. It counts
     * against the outbound budget like any byte, with {@link LoopContext#PROTOCOL_REPLY_HEADROOM} beyond it so that a
     * subscriber whose queue is full of publications still learns that its request was refused. Such a reply must
     * never be dropped: a client that makes the server queue more than that (requests sent without reading the
     * replies; the loop stops reading it once over budget, but one read can hold thousands of requests) is closed
     * as a slow consumer, whatever the overflow policy. Loop thread only.
     */
    @Override
    public void sendProtocolMessage(final int opcode, final DirectBuffer buffer, final int offset, final int length)
    {
        if (STATE_OPEN != state)
        {
            return;
        }
        final int headerLength = FrameEncoder.writeHeader(context.headerScratch, 0, true, opcode, length);
        final long queued = queuedBytes() + queuedControlBytes();
        if (0 != queued &&
            queued + headerLength + length > (long)context.outboundBudget + LoopContext.PROTOCOL_REPLY_HEADROOM)
        {
            context.protocolReplyOverflows++;
            closeSlowConsumer("protocol replies past the outbound budget's headroom");
            return;
        }
        writeFrame(context.headerScratch, 0, headerLength, buffer, offset, length);
    }

    /**
     * The outbound budget, enforced when a message is queued: over it, the message is dropped and counted; with the
     * close policy the connection is closed with 1008 if it stays over budget for the grace time.
     */
    private boolean admit(final int frameLength)
    {
        final long queued = queuedBytes();
        if (0 == queued || queued + frameLength <= context.outboundBudget)
        {
            return true; // one message is always allowed out, however large: the budget bounds what waits behind it
        }
        droppedMessages++;
        context.droppedMessages++;
        onOverBudget(loop.nowNs());
        return false;
    }

    /**
     * Requests arrive faster than the client reads the replies: the loop has stopped reading it (back-pressure), and
     * it is over budget as surely as when a message is dropped, so the slow-consumer policy applies.
     */
    @Override
    protected void onReadPaused(final long nowNs)
    {
        if (STATE_OPEN == state)
        {
            onOverBudget(nowNs);
        }
    }

    /**
     * The overflow policy: with {@code close}, close with 1008 once the connection has been over budget for the
     * grace time (at once without one); with {@code drop}, nothing more.
     */
    private void onOverBudget(final long nowNs)
    {
        if (WsmuxSettings.OverflowPolicy.CLOSE == context.overflowPolicy)
        {
            if (0 == context.slowConsumerGraceNs)
            {
                closeSlowConsumer(OVER_BUDGET);
            }
            else if (0 == overBudgetSinceNs)
            {
                overBudgetSinceNs = nowNs;
                requestDeadline(nowNs + context.slowConsumerGraceNs);
            }
            else if (nowNs - overBudgetSinceNs >= context.slowConsumerGraceNs)
            {
                closeSlowConsumer(OVER_BUDGET);
            }
        }
    }

    /**
     * Give up on a connection that does not read: drop the data frames the socket has not started on (never part of
     * a frame: a half-written one is finished first; the server never fragments its messages, so a frame boundary is
     * a message boundary), then queue the 1008 close frame, so that a client that reads later finds it right after
     * what the kernel already held. The kernel's send buffer may be full of old data, so the close frame goes out
     * only as the client drains it: the connection is kept until the close frame is written or
     * {@code wsmux.slow.consumer.close.timeout} passes, then waits the usual close timeout for the client's reply.
     */
    private void closeSlowConsumer(final String why)
    {
        if (STATE_OPEN != state)
        {
            return;
        }
        context.slowConsumerCloses++;
        final long queued = queuedBytes();
        final long discarded = discardUnstartedData();
        context.discardedBytes += discarded;
        WsmuxEvents.slowConsumerClosed(id(), remoteAddress(), why, queued, discarded);
        startClose(CloseCode.POLICY_VIOLATION, "slow consumer", SLOW_CONSUMER, 0, SLOW_CONSUMER.capacity());
        notifyClose(CloseCode.POLICY_VIOLATION, "slow consumer"); // the server is done with it: tell the handler now
        if (queuedBytes() > 0)
        {
            closeFrameQueued = true;
            deadline(loop.nowNs() + context.slowConsumerCloseTimeoutNs);
        }
    }

    @Override
    protected void onFlushed()
    {
        if (STATE_HTTP == state)
        {
            http.onFlushed();
            return;
        }
        overBudgetSinceNs = 0;
        if (closeFrameQueued)
        {
            // The slow consumer's close frame is written at last: now the usual wait for the client's reply.
            closeFrameQueued = false;
            deadline(loop.nowNs() + context.closeTimeoutNs);
        }
        if (null != muxSession && STATE_OPEN == state)
        {
            muxSession.flushPending(loop.nowNs());
        }
    }

    @Override
    public boolean offerChannelSend(final int serial, final boolean text, final DirectBuffer buffer, final int offset,
        final int length)
    {
        return offer(text ? COMMAND_CHANNEL_TEXT : COMMAND_CHANNEL_BINARY, serial, buffer, offset, length);
    }

    @Override
    public boolean offerChannelClose(final int serial, final int code, final String reason)
    {
        final byte[] reasonBytes = LoopContext.utf8(reason);
        final UnsafeBuffer command = new UnsafeBuffer(new byte[2 + reasonBytes.length]);
        command.putShort(0, (short)code, java.nio.ByteOrder.BIG_ENDIAN);
        command.putBytes(2, reasonBytes);
        return offer(COMMAND_CHANNEL_CLOSE, serial, command, 0, command.capacity());
    }

    /**
     * Bound the socket's send buffer (a conflating subscription): see
     * {@link WsmuxSettings#CONFLATION_SEND_BUFFER_PROP_NAME}.
     */
    @Override
    public void limitSendBuffer(final int length)
    {
        socketSendBufferLength(length);
    }

    // ---- plain HTTP (SockJS), for SockJsHttp ----

    UpgradeRequestParser parser()
    {
        return parser;
    }

    /**
     * The next request of a kept-alive connection begins: a parser from the loop's pool, or null when
     * {@code wsmux.max.handshakes} requests are being read on this loop.
     */
    UpgradeRequestParser acquireHttpParser()
    {
        parser = context.acquireParser();
        return parser;
    }

    void releaseHttpParser()
    {
        if (null != parser)
        {
            context.releaseParser(parser);
            parser = null;
        }
        path = null; // the request's view ends with it: an open streaming response keeps neither String
        query = null;
    }

    /**
     * The path and query of the HTTP request being answered, for the upgrade hook's view of it.
     */
    void httpTarget(final String requestPath, final String rawQuery)
    {
        path = requestPath;
        query = null == rawQuery || rawQuery.isEmpty() ? null : rawQuery;
    }

    void httpDeadline(final long deadlineNs)
    {
        deadline(deadlineNs);
    }

    void httpWrite(final DirectBuffer buffer, final int offset, final int length)
    {
        write(buffer, offset, length);
    }

    void httpCloseWhenFlushed()
    {
        state = STATE_CLOSED;
        deadline(loop.nowNs() + context.closeTimeoutNs);
        closeWhenFlushed();
    }

    /**
     * A SockJS WebSocket transport: the request under the SockJS prefix is an upgrade after all.
     */
    void acceptUpgrade(
        final WebSocketHandler acceptingHandler, final UpgradeHook hook, final String requestPath,
        final MutableDirectBuffer buffer, final int offset, final int length, final long nowNs)
    {
        http = null;
        state = STATE_HANDSHAKE;
        path = requestPath;
        final String rawQuery = parser.query();
        query = null == rawQuery || rawQuery.isEmpty() ? null : rawQuery;
        if (accept(acceptingHandler, hook, List.of(), true) && length > 0)
        {
            decoder.decode(buffer, offset, length);
        }
    }

    /**
     * Move this socket to the loop that owns the SockJS session its request names; the bytes read so far go along.
     */
    void handOff(final IoLoop target, final byte[] bytes)
    {
        releaseHttpParser();
        http = null;
        state = STATE_CLOSED;
        loop.handOff(this, target, bytes);
    }

    IoLoop loop()
    {
        return loop;
    }

    @Override
    public boolean sharesFrames()
    {
        return true;
    }

    @Override
    public void fanOutSession(final MuxSession session)
    {
        fanOutSession = session;
    }

    @Override
    public MuxSession muxSession()
    {
        return muxSession;
    }

    @Override
    public void muxSession(final MuxSession muxSession)
    {
        this.muxSession = muxSession;
    }

    @Override
    public LoopContext context()
    {
        return context;
    }

    @Override
    public int loopIndex()
    {
        return loop.index();
    }

    @Override
    public boolean isLoopThread()
    {
        return loop.isLoopThread();
    }

    private boolean offer(final int type, final int arg, final DirectBuffer buffer, final int offset, final int length)
    {
        if (STATE_OPEN != state)
        {
            return false;
        }
        if (length <= loop.maxCommandLength())
        {
            return loop.offerCommand(type, id(), arg, buffer, offset, length);
        }
        // Larger than the ring buffer can carry: the bytes are copied aside (allocates; documented on Connection) and
        // only their ticket goes through the ring, so the message keeps its place among this thread's commands.
        final UnsafeBuffer copy = new UnsafeBuffer(new byte[length]);
        copy.putBytes(0, buffer, offset, length);
        final long ticket = context.parkLargeCommand(copy);
        final UnsafeBuffer ticketBuffer = new UnsafeBuffer(new byte[Long.BYTES]);
        ticketBuffer.putLong(0, ticket);
        if (loop.offerCommand(type | COMMAND_LARGE, id(), arg, ticketBuffer, 0, Long.BYTES))
        {
            return true;
        }
        context.takeLargeCommand(ticket);
        return false;
    }

    @Override
    public boolean isOpen()
    {
        return STATE_OPEN == state;
    }

    @Override
    public boolean sendText(final DirectBuffer buffer, final int offset, final int length)
    {
        return loop.isLoopThread() ?
            sendMessage(Opcode.TEXT, buffer, offset, length) : offer(COMMAND_SEND_TEXT, 0, buffer, offset, length);
    }

    @Override
    public boolean sendText(final CharSequence text)
    {
        final byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
        return sendText(new UnsafeBuffer(bytes), 0, bytes.length);
    }

    @Override
    public boolean sendBinary(final DirectBuffer buffer, final int offset, final int length)
    {
        return loop.isLoopThread() ?
            sendMessage(Opcode.BINARY, buffer, offset, length) : offer(COMMAND_SEND_BINARY, 0, buffer, offset, length);
    }

    @Override
    public void close(final int code, final String reason)
    {
        if (!CloseCode.isValidOnWire(code))
        {
            throw new IllegalArgumentException("close code not valid on the wire: code=" + code);
        }
        final byte[] bytes = LoopContext.utf8(reason);
        if (bytes.length > CloseReason.MAX_REASON_LENGTH)
        {
            throw new IllegalArgumentException("close reason longer than 123 bytes: length=" + bytes.length);
        }
        final UnsafeBuffer reasonBuffer = new UnsafeBuffer(bytes);
        if (loop.isLoopThread())
        {
            startClose(code, null == reason ? "" : reason, reasonBuffer, 0, bytes.length);
        }
        else
        {
            offer(COMMAND_CLOSE, code, reasonBuffer, 0, bytes.length);
        }
    }

    @Override
    public long droppedMessages()
    {
        return droppedMessages;
    }

    @Override
    public long conflatedMessages()
    {
        return null == muxSession ? 0 : muxSession.conflated;
    }

    @Override
    public Object attachment()
    {
        return attachment;
    }

    @Override
    public void attach(final Object attachment)
    {
        this.attachment = attachment;
    }

    @Override
    public String subprotocol()
    {
        return subprotocol;
    }

    // ---- the handshake view, valid while the parser is held ----

    @Override
    public HandshakeRequest handshake()
    {
        return null == parser ? null : this;
    }

    @Override
    public String path()
    {
        return path;
    }

    @Override
    public String query()
    {
        return query;
    }

    @Override
    public Object identity()
    {
        return identity;
    }

    @Override
    public void identity(final Object identity)
    {
        this.identity = identity;
    }

    @Override
    public String host()
    {
        return null == parser ? null : parser.host();
    }

    @Override
    public String origin()
    {
        return null == parser ? null : parser.origin();
    }

    @Override
    public List<String> subprotocols()
    {
        return null == parser ? List.of() : parser.subprotocols();
    }

    @Override
    public String header(final String name)
    {
        return null == parser ? null : parser.header(name);
    }

    @Override
    public List<String> headers(final String name)
    {
        return null == parser ? List.of() : parser.headers(name);
    }

    @Override
    public String toString()
    {
        return "WsConnection{id=" + id() + ", state=" + state + ", path=" + path + "}";
    }
}
