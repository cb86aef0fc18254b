package io.wsmux;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

import io.wsmux.codec.CloseCode;
import io.wsmux.codec.sockjs.SockJsJson;
import io.wsmux.transport.IoLoop;
import io.wsmux.transport.LoopTask;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A SockJS session: one more kind of virtual connection. The endpoint's {@link WebSocketHandler} (or its
 * {@link Multiplexer}, through a {@link MuxSession}) sees a {@link Connection} and never the transport.
 * <pre>
 *  CONNECTING --open frame written--> OPEN --close(), abort, slow consumer--> CLOSED --disconnect delay--> gone
 *                                      '--no receiver for the disconnect delay-----------------------------> gone
 * </pre>
 * Its frames go to one <em>receiver</em> at a time: a SockJS WebSocket, a streaming HTTP response, or a waiting
 * poll. Between receivers (between polls, between two streaming responses) messages wait in a queue bounded by the
 * outbound budget, already quoted, joined by commas: the next receiver takes them as one {@code a[...]} frame. A
 * closed session answers every receiver with its close frame until the disconnect delay has passed.
 * <p>
 * Every call runs on the session's loop: HTTP requests for it that arrive on another loop are handed over with their
 * socket ({@link IoLoop#handOff}). Sends from other threads are copied and run on the loop (allocates).
 */
final class SockJsSession implements MuxCarrier, LoopTask
{
    static final int CONNECTING = 0;
    static final int OPEN = 1;
    static final int CLOSED = 2;

    /** A timer may fire up to a tick early; duties due within this are done. */
    private static final long TIMER_SLACK_NS = 10_000_000L;
    private static final UnsafeBuffer OPEN_FRAME = new UnsafeBuffer(new byte[] {'o'});
    private static final UnsafeBuffer HEARTBEAT_FRAME = new UnsafeBuffer(new byte[] {'h'});
    private static final String OVER_BUDGET = "over the outbound budget past the grace time";

    final SockJsEndpoint endpoint;
    final LoopContext context;
    final IoLoop loop;
    /** The id in the endpoint's table; null for a session over a SockJS WebSocket (not in any table). */
    final String sessionId;
    private final long id;
    private final InetSocketAddress remoteAddress;
    private final String query;
    private final long heartbeatNs;
    private final long disconnectDelayNs;

    private int state = CONNECTING;
    private SockJsReceiver receiver;
    private HandshakeRequest handshake;
    private Object attachment;
    private Object identity;
    private MuxSession muxSession;
    private MuxSession fanOutSession;
    private UnsafeBuffer closeFrame;
    private boolean closeNotified;
    /** Counted in the loop's open sessions until forgotten. */
    private boolean counted;

    private ExpandableArrayBuffer pending;
    private int pendingLength;
    private long droppedMessages;
    private long overBudgetSinceNs;

    private long noReceiverSinceNs;
    private long lastHeartbeatNs;
    private long muxDeadlineNs = Long.MAX_VALUE;
    private long timerAtNs = Long.MAX_VALUE;

    SockJsSession(
        final SockJsEndpoint endpoint,
        final LoopContext context,
        final IoLoop loop,
        final String sessionId,
        final long id,
        final InetSocketAddress remoteAddress,
        final String query,
        final Object identity)
    {
        this.endpoint = endpoint;
        this.context = context;
        this.loop = loop;
        this.sessionId = sessionId;
        this.id = id;
        this.remoteAddress = remoteAddress;
        this.query = query;
        this.identity = identity;
        this.heartbeatNs = endpoint.heartbeatNs;
        this.disconnectDelayNs = endpoint.disconnectDelayNs;
        this.noReceiverSinceNs = loop.nowNs();
        this.lastHeartbeatNs = loop.nowNs();
    }

    int state()
    {
        return state;
    }

    // ---- receivers ----

    /**
     * A receiver asks for this session's frames (a poll, a streaming response, a SockJS WebSocket). It gets the open
     * frame of a new session, the close frame of a closed one, 2010 when another receiver holds the session, else
     * the queued messages and what follows.
     *
     * @param candidate the receiver.
     * @param request   the request that opened the session, for {@link WebSocketHandler#onOpen}.
     */
    void attach(final SockJsReceiver candidate, final HandshakeRequest request)
    {
        if (CLOSED == state)
        {
            candidate.sendFrame(closeFrame, 0, closeFrame.capacity());
            candidate.end();
            return;
        }
        if (null != receiver)
        {
            final UnsafeBuffer frame = context.sockJs.anotherConnectionStillOpen;
            candidate.sendFrame(frame, 0, frame.capacity());
            candidate.end();
            return;
        }
        receiver = candidate;
        noReceiverSinceNs = 0;
        lastHeartbeatNs = loop.nowNs();
        if (CONNECTING == state)
        {
            state = OPEN;
            counted = true;
            context.sockJsSessionsOpen++;
            context.sockJsSessionsOpened++;
            writeToReceiver(OPEN_FRAME, 0, 1);
            open(request);
        }
        else if (pendingLength > 0)
        {
            flushPending();
        }
        if (receiver == candidate && OPEN == state && null != muxSession)
        {
            // Topic values the multiplexer held back (conflated or throttled) while there was no receiver.
            muxSession.flushPending(loop.nowNs());
        }
        schedule();
    }

    private void open(final HandshakeRequest request)
    {
        context.opened++;
        handshake = request;
        try
        {
            endpoint.handler.onOpen(this);
        }
        catch (final Throwable ex)
        {
            onHandlerError(ex);
        }
        finally
        {
            handshake = null;
        }
    }

    /**
     * The receiver ended on its own terms: a poll answered, a streaming response at its limit.
     */
    void detach(final SockJsReceiver ended)
    {
        if (receiver == ended)
        {
            receiver = null;
            noReceiverSinceNs = loop.nowNs();
            schedule();
        }
    }

    /**
     * The receiver's connection went away while it held the session: the session is interrupted (SockJS closes it
     * with 1002, and answers the client's next request so).
     */
    void receiverAborted(final SockJsReceiver aborted)
    {
        if (receiver != aborted)
        {
            return;
        }
        receiver = null;
        noReceiverSinceNs = loop.nowNs();
        if (OPEN == state)
        {
            closeSession(CloseCode.PROTOCOL_ERROR, "Connection interrupted", false);
        }
        schedule();
    }

    /**
     * The SockJS WebSocket carrying this session closed: so does the session, with the WebSocket's code.
     */
    void webSocketClosed(final SockJsReceiver webSocket, final int code, final String reason)
    {
        if (receiver == webSocket)
        {
            receiver = null;
        }
        if (OPEN == state)
        {
            closeSession(code, reason, false);
        }
        forget();
    }

    void flushed()
    {
        overBudgetSinceNs = 0;
        if (null != muxSession && OPEN == state)
        {
            muxSession.flushPending(loop.nowNs());
        }
    }

    // ---- inbound ----

    /**
     * One message from the client (already decoded from its JSON array).
     */
    void onMessage(final DirectBuffer buffer, final int offset, final int length)
    {
        if (OPEN != state)
        {
            return;
        }
        context.messagesIn++;
        try
        {
            endpoint.handler.onText(this, buffer, offset, length);
        }
        catch (final Throwable ex)
        {
            onHandlerError(ex);
        }
    }

    // ---- outbound ----

    private boolean send(
        final DirectBuffer prefix, final int prefixOffset, final int prefixLength,
        final DirectBuffer payload, final int payloadOffset, final int payloadLength, final boolean mustSend)
    {
        if (OPEN != state)
        {
            return false;
        }
        // The message as a whole frame, a["..."], in the loop's scratch.
        final DirectBuffer frame = context.sockJs.frameFor(
            prefix, prefixOffset, prefixLength, payload, payloadOffset, payloadLength);
        return sendFramed(frame, 0, context.sockJs.frameLength(), mustSend);
    }

    /**
     * A topic publication: its frame is quoted once per loop and batch for every subscriber sharing the name.
     */
    @Override
    public boolean sendPublicationText(
        final Publication publication, final Object name, final DirectBuffer prefix, final int prefixOffset,
        final int prefixLength)
    {
        if (OPEN != state)
        {
            return false;
        }
        final SockJsLoop scratch = context.sockJs;
        final DirectBuffer frame = scratch.publicationFrame(context.fanOut, publication, name, prefix, prefixOffset,
            prefixLength, publication.buffer, publication.payloadOffset, publication.payloadLength);
        return sendFramed(frame, scratch.frameOffset(), scratch.frameLength(), false);
    }

    private boolean sendFramed(
        final DirectBuffer frame, final int frameOffset, final int length, final boolean mustSend)
    {
        final int quoteStart = frameOffset + 2;
        final int quotedLength = length - 3;

        final long queued = queuedBytes();
        if (mustSend)
        {
            // Multiplex replies are never dropped: within the budget and its headroom, or the session closes.
            if (0 != queued &&
                queued + quotedLength > (long)context.outboundBudget + LoopContext.PROTOCOL_REPLY_HEADROOM)
            {
                context.protocolReplyOverflows++;
                closeSlowConsumer("protocol replies past the outbound budget's headroom");
                return false;
            }
        }
        else if (0 != queued && queued + quotedLength + 3 > context.outboundBudget)
        {
            droppedMessages++;
            context.droppedMessages++;
            onOverBudget();
            return false;
        }
        context.messagesOut++;
        if (null != receiver && 0 == pendingLength)
        {
            writeToReceiver(frame, frameOffset, length);
            return true;
        }
        if (null == pending)
        {
            pending = new ExpandableArrayBuffer(Math.max(256, quotedLength + 1));
        }
        if (pendingLength > 0)
        {
            pending.putByte(pendingLength++, (byte)',');
        }
        pending.putBytes(pendingLength, frame, quoteStart, quotedLength);
        pendingLength += quotedLength;
        if (null != receiver)
        {
            flushPending();
        }
        return true;
    }

    private void flushPending()
    {
        final ExpandableArrayBuffer frame = context.sockJs.frame;
        frame.putByte(0, (byte)'a');
        frame.putByte(1, (byte)'[');
        frame.putBytes(2, pending, 0, pendingLength);
        frame.putByte(2 + pendingLength, (byte)']');
        final int length = pendingLength + 3;
        pendingLength = 0;
        if (pending.capacity() > 64 * 1024)
        {
            pending = null; // a burst between polls: don't keep its buffer
        }
        writeToReceiver(frame, 0, length);
    }

    private void writeToReceiver(final DirectBuffer frame, final int offset, final int length)
    {
        final SockJsReceiver current = receiver;
        if (!current.sendFrame(frame, offset, length))
        {
            // A poll answered, a streaming response at its limit: the session waits for the next receiver.
            detach(current);
        }
    }

    private void onOverBudget()
    {
        if (WsmuxSettings.OverflowPolicy.CLOSE != context.overflowPolicy)
        {
            return;
        }
        final long nowNs = loop.nowNs();
        if (0 == context.slowConsumerGraceNs)
        {
            closeSlowConsumer(OVER_BUDGET);
        }
        else if (0 == overBudgetSinceNs)
        {
            overBudgetSinceNs = nowNs;
            schedule();
        }
        else if (nowNs - overBudgetSinceNs >= context.slowConsumerGraceNs)
        {
            closeSlowConsumer(OVER_BUDGET);
        }
    }

    private void closeSlowConsumer(final String why)
    {
        if (OPEN != state)
        {
            return;
        }
        context.slowConsumerCloses++;
        context.discardedBytes += pendingLength;
        io.wsmux.status.WsmuxEvents.slowConsumerClosed(id, remoteAddress, why, queuedBytes(), pendingLength);
        pendingLength = 0;
        closeSession(CloseCode.POLICY_VIOLATION, "slow consumer", true);
    }

    // ---- closing ----

    /**
     * Close the session: the close frame goes to the receiver (which ends), or waits for the next one; the handler
     * is told at once.
     */
    private void closeSession(final int code, final String reason, final boolean sendFrame)
    {
        if (CLOSED == state)
        {
            return;
        }
        if (OPEN == state && null != fanOutSession)
        {
            fanOutSession.catchUpBeforeWrite();
        }
        state = CLOSED;
        closeFrame = closeFrame(code, reason);
        if (null != receiver && sendFrame)
        {
            final SockJsReceiver current = receiver;
            receiver = null;
            current.sendFrame(closeFrame, 0, closeFrame.capacity());
            current.end();
        }
        pending = null;
        pendingLength = 0;
        noReceiverSinceNs = loop.nowNs();
        notifyClose(code, reason);
        schedule();
    }

    private static UnsafeBuffer closeFrame(final int code, final String reason)
    {
        final byte[] text = reason.getBytes(StandardCharsets.UTF_8);
        final ExpandableArrayBuffer quoted = new ExpandableArrayBuffer(SockJsJson.maxQuotedLength(text.length) + 16);
        final String head = "c[" + code + ",";
        int length = quoted.putStringWithoutLengthAscii(0, head);
        length += SockJsJson.quote(new UnsafeBuffer(text), 0, text.length, quoted, length);
        quoted.putByte(length++, (byte)']');
        final byte[] frame = new byte[length];
        quoted.getBytes(0, frame);
        return new UnsafeBuffer(frame);
    }

    private void notifyClose(final int code, final String reason)
    {
        if (closeNotified)
        {
            return;
        }
        closeNotified = true;
        context.countClose(code);
        try
        {
            endpoint.handler.onClose(this, code, reason);
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
            endpoint.handler.onError(this, error);
        }
        catch (final Throwable ex)
        {
            context.errorHandler.onError(ex);
        }
        closeSession(CloseCode.INTERNAL_ERROR, "internal error", true);
    }

    /**
     * Gone for good: out of the endpoint's table, its count released.
     */
    private void forget()
    {
        if (CLOSED != state)
        {
            closeSession(CloseCode.ABNORMAL, "", false);
        }
        if (Long.MIN_VALUE == timerAtNs)
        {
            return;
        }
        if (null != sessionId && endpoint.sessions.remove(sessionId, this))
        {
            endpoint.sessionCount.decrementAndGet();
        }
        if (counted)
        {
            counted = false;
            context.sockJsSessionsOpen--;
        }
        timerAtNs = Long.MIN_VALUE; // no more timers
    }

    /**
     * Server shutdown: close with 1001.
     */
    void onShutdown()
    {
        closeSession(CloseCode.GOING_AWAY, "server shutting down", true);
    }

    // ---- timers ----

    private void schedule()
    {
        if (Long.MIN_VALUE == timerAtNs)
        {
            return;
        }
        long next = muxDeadlineNs;
        if (null != receiver)
        {
            next = Math.min(next, lastHeartbeatNs + heartbeatNs);
        }
        else
        {
            next = Math.min(next, noReceiverSinceNs + disconnectDelayNs);
        }
        if (0 != overBudgetSinceNs)
        {
            next = Math.min(next, overBudgetSinceNs + context.slowConsumerGraceNs);
        }
        if (next < timerAtNs)
        {
            timerAtNs = next;
            loop.scheduleTask(this, next);
        }
    }

    @Override
    public void run(final IoLoop ignored)
    {
        final long nowNs = loop.nowNs();
        if (Long.MIN_VALUE == timerAtNs || nowNs + TIMER_SLACK_NS < timerAtNs)
        {
            return; // forgotten, or a timer superseded by an earlier one that already ran
        }
        timerAtNs = Long.MAX_VALUE;
        final long dueNs = nowNs + TIMER_SLACK_NS;
        if (null == receiver && noReceiverSinceNs + disconnectDelayNs <= dueNs)
        {
            forget();
            return;
        }
        if (OPEN == state && 0 != overBudgetSinceNs && overBudgetSinceNs + context.slowConsumerGraceNs <= dueNs)
        {
            closeSlowConsumer(OVER_BUDGET);
        }
        if (null != receiver && lastHeartbeatNs + heartbeatNs <= dueNs)
        {
            lastHeartbeatNs = nowNs;
            writeToReceiver(HEARTBEAT_FRAME, 0, 1);
        }
        if (OPEN == state && null != muxSession && muxDeadlineNs <= dueNs)
        {
            muxDeadlineNs = Long.MAX_VALUE;
            muxSession.flushPending(nowNs);
        }
        schedule();
    }

    // ---- MuxCarrier ----

    @Override
    public boolean sharesFrames()
    {
        return false;
    }

    @Override
    public void sendProtocolMessage(final int opcode, final DirectBuffer buffer, final int offset, final int length)
    {
        send(buffer, offset, 0, buffer, offset, length, true);
    }

    @Override
    public boolean sendWithPrefix(
        final int opcode, final DirectBuffer prefix, final int prefixOffset, final int prefixLength,
        final DirectBuffer payload, final int payloadOffset, final int payloadLength)
    {
        return send(prefix, prefixOffset, prefixLength, payload, payloadOffset, payloadLength, false);
    }

    @Override
    public boolean sendFrame(final DirectBuffer frame, final int offset, final int length)
    {
        throw new UnsupportedOperationException("a SockJS session frames its own messages");
    }

    @Override
    public boolean admitStaged(final int length)
    {
        return false;
    }

    @Override
    public void writeStagedFrames(final int arenaOffset, final int length, final int frames)
    {
        throw new UnsupportedOperationException("a SockJS session frames its own messages");
    }

    @Override
    public boolean offerChannelSend(
        final int serial, final boolean text, final DirectBuffer buffer, final int offset, final int length)
    {
        final UnsafeBuffer copy = copy(buffer, offset, length);
        return loop.execute(() ->
        {
            if (null != muxSession)
            {
                muxSession.onCommandSend(serial, text, copy, 0, copy.capacity());
            }
        });
    }

    @Override
    public boolean offerChannelClose(final int serial, final int code, final String reason)
    {
        return loop.execute(() ->
        {
            if (null != muxSession)
            {
                muxSession.onCommandClose(serial, code, reason);
            }
        });
    }

    @Override
    public void limitSendBuffer(final int length)
    {
        // Several sockets over a session's life: nothing to bound.
    }

    @Override
    public void requestDeadline(final long deadlineNs)
    {
        if (deadlineNs < muxDeadlineNs)
        {
            muxDeadlineNs = deadlineNs;
            schedule();
        }
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

    // ---- Connection ----

    @Override
    public long id()
    {
        return id;
    }

    @Override
    public boolean isOpen()
    {
        return OPEN == state;
    }

    @Override
    public boolean sendText(final DirectBuffer buffer, final int offset, final int length)
    {
        if (!loop.isLoopThread())
        {
            final UnsafeBuffer copy = copy(buffer, offset, length);
            return OPEN == state && loop.execute(() -> sendText(copy, 0, copy.capacity()));
        }
        if (OPEN == state && null != fanOutSession)
        {
            fanOutSession.catchUpBeforeWrite();
        }
        return send(buffer, offset, 0, buffer, offset, length, false);
    }

    @Override
    public boolean sendText(final CharSequence text)
    {
        final byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
        return sendText(new UnsafeBuffer(bytes), 0, bytes.length);
    }

    /**
     * SockJS carries text only: a binary message is refused (false), as it would be garbled.
     */
    @Override
    public boolean sendBinary(final DirectBuffer buffer, final int offset, final int length)
    {
        return false;
    }

    @Override
    public void close(final int code, final String reason)
    {
        if (!CloseCode.isValidOnWire(code))
        {
            throw new IllegalArgumentException("close code not valid on the wire: code=" + code);
        }
        final String text = null == reason ? "" : reason;
        if (loop.isLoopThread())
        {
            closeSession(code, text, true);
        }
        else
        {
            loop.execute(() -> closeSession(code, text, true));
        }
    }

    @Override
    public String path()
    {
        return endpoint.prefix;
    }

    @Override
    public String query()
    {
        return query;
    }

    @Override
    public String subprotocol()
    {
        return null;
    }

    @Override
    public HandshakeRequest handshake()
    {
        return handshake;
    }

    @Override
    public InetSocketAddress remoteAddress()
    {
        return CLOSED == state ? null : remoteAddress;
    }

    @Override
    public long queuedBytes()
    {
        return pendingLength + (null == receiver ? 0 : receiver.queuedBytes());
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
    public Object identity()
    {
        return identity;
    }

    private static UnsafeBuffer copy(final DirectBuffer buffer, final int offset, final int length)
    {
        final UnsafeBuffer copy = new UnsafeBuffer(new byte[length]);
        copy.putBytes(0, buffer, offset, length);
        return copy;
    }

    @Override
    public String toString()
    {
        return "SockJsSession{id=" + id + ", session=" + sessionId + ", state=" + state + ", path=" +
            endpoint.prefix + "}";
    }
}
