package io.wsmux.client;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A channel of a {@link ReconnectingMuxClient}: one handle the application keeps across reconnects, while the
 * {@link MuxClientChannel} under it (an id on one WebSocket) changes with each WebSocket, and with each re-open after
 * a GAP. As {@code wsmux.js}'s {@code Channel}.
 * <pre>
 *  CONNECTING --OPENED--> OPEN --WebSocket closed, GAP on a channel with a position--> CONNECTING
 *      |                   |--CLOSED, close(), client done--------------------------> CLOSED (onClosed)
 *      '--REFUSED, close(), client done------------------------------------------------> CLOSED
 * </pre>
 * While CONNECTING, {@link #sendText} and {@link #sendBinary} queue a copy of the message, up to the client's queue
 * limit ({@link ReconnectingMuxClient#QUEUE_LIMIT_DEFAULT} messages), then return false (the message is dropped);
 * queued messages go out, in order, when the channel opens, just before {@link ReconnectingChannelListener#onOpened}.
 * A message sent just before a cut may be lost with the WebSocket: recovery covers what the server publishes, not
 * what the client sent.
 * <p>
 * A channel with positions ({@link ReconnectingMuxClient#channel} with {@code positions} true) on a topic with a
 * history keeps the topic's epoch and the offset of the last message delivered, and re-opens with RECOVER from them.
 * <p>
 * Thread safe: sends and {@link #close()} from any thread; state changes on the client's I/O thread. Sending while
 * OPEN takes an uncontended lock and allocates nothing; queueing copies the message.
 */
public final class ReconnectingChannel
{
    private static final int STATE_CONNECTING = 0;
    private static final int STATE_OPEN = 1;
    private static final int STATE_CLOSED = 2;
    private static final String CLOSED_BY_CLIENT_REASON = "closed by client";

    private final ReconnectingMuxClient client;
    private final String name;
    private final int maxRate;
    private final boolean positions;
    private final int queueLimit;
    private final ReconnectingChannelListener listener;
    private final Events events = new Events();

    /** Messages sent while not open; guarded by this. */
    private final ArrayDeque<Queued> queue = new ArrayDeque<>();
    /** The channel on the WebSocket now, opening or open, or null; written on the I/O thread under this. */
    private MuxClientChannel current;
    private volatile int state = STATE_CONNECTING;

    /** The position (I/O thread writes; volatile for readers elsewhere). */
    private volatile boolean hasPosition;
    private volatile long epoch;
    private volatile long offset;
    private volatile Recovery recovery;
    private volatile boolean closeRequested;
    private volatile Object attachment;

    /** I/O thread only. */
    private boolean everOpened;
    private boolean finished;
    private Recovery.Cause cause = Recovery.Cause.OPEN;

    ReconnectingChannel(
        final ReconnectingMuxClient client,
        final String name,
        final int maxRate,
        final boolean positions,
        final boolean hasPosition,
        final long epoch,
        final long offset,
        final int queueLimit,
        final ReconnectingChannelListener listener)
    {
        this.client = client;
        this.name = name;
        this.maxRate = maxRate;
        this.positions = positions;
        this.hasPosition = hasPosition;
        this.epoch = epoch;
        this.offset = offset;
        this.queueLimit = queueLimit;
        this.listener = listener;
    }

    /**
     * @return the name the channel is opened on.
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
     * @return true if the channel asks for positions.
     */
    public boolean positions()
    {
        return positions;
    }

    /**
     * @return true when the channel knows a position (epoch and offset) to recover from: a channel with positions,
     * on a topic with a history, once opened (or made with {@link ReconnectingMuxClient#recover}).
     */
    public boolean hasPosition()
    {
        return hasPosition;
    }

    /**
     * @return the topic's epoch, when {@link #hasPosition()}; 0 otherwise.
     */
    public long epoch()
    {
        return epoch;
    }

    /**
     * @return when {@link #hasPosition()}: the offset of the message being delivered (during
     * {@link ReconnectingChannelListener#onText}), else of the last one delivered, else the topic's offset at the
     * last OPENED that did not recover; 0 otherwise. What a re-open recovers after; save it with {@link #epoch()} to
     * resume later with {@link ReconnectingMuxClient#recover}.
     */
    public long position()
    {
        return offset;
    }

    /**
     * @return what the last OPENED said, for a channel with positions; null before.
     */
    public Recovery recovery()
    {
        return recovery;
    }

    /**
     * @return the channel id on the current WebSocket, 0 while there is none: it may change with each WebSocket.
     */
    public int id()
    {
        final MuxClientChannel channel;
        synchronized (this)
        {
            channel = current;
        }
        return null == channel ? 0 : channel.id();
    }

    /**
     * @return true while open: sends go straight to the WebSocket.
     */
    public boolean isOpen()
    {
        return STATE_OPEN == state && !closeRequested;
    }

    /**
     * @return true once closed for good (after its final callback, or after {@link #close()} was called).
     */
    public boolean isClosed()
    {
        return STATE_CLOSED == state || closeRequested;
    }

    /**
     * @return the messages queued, waiting for the channel to open.
     */
    public int queued()
    {
        synchronized (this)
        {
            return queue.size();
        }
    }

    /**
     * @return the client the channel belongs to.
     */
    public ReconnectingMuxClient client()
    {
        return client;
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
     * Send a text message, or queue it while the channel is not open.
     *
     * @param buffer holding UTF-8 text (not checked); not retained.
     * @param offset of the text.
     * @param length of the text.
     * @return true if sent or queued; false when the channel is closed, its queue is full, or (open) the WebSocket is
     * back-pressured or closing: then the message is dropped.
     */
    public boolean sendText(final DirectBuffer buffer, final int offset, final int length)
    {
        return send(true, buffer, offset, length);
    }

    /**
     * Send a text message, or queue it; convenient, but allocates its UTF-8 encoding.
     *
     * @param text the message.
     * @return as {@link #sendText(DirectBuffer, int, int)}.
     */
    public boolean sendText(final String text)
    {
        final byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        return send(true, new UnsafeBuffer(bytes), 0, bytes.length);
    }

    /**
     * Send a binary message, or queue it while the channel is not open.
     *
     * @param buffer holding the message; not retained.
     * @param offset of the message.
     * @param length of the message.
     * @return as {@link #sendText(DirectBuffer, int, int)}.
     */
    public boolean sendBinary(final DirectBuffer buffer, final int offset, final int length)
    {
        return send(false, buffer, offset, length);
    }

    /**
     * Close the channel for good: CLOSE on the WebSocket if it is there, nothing re-opened later; queued messages
     * are dropped. {@link ReconnectingChannelListener#onClosed} follows with {@link MuxClientChannel#CLOSED_BY_CLIENT},
     * on the I/O thread, even before the channel first opened. Idempotent.
     */
    public void close()
    {
        if (closeRequested)
        {
            return;
        }
        closeRequested = true;
        client.runOnLoop(this::onCloseRequested);
    }

    @Override
    public String toString()
    {
        return "ReconnectingChannel{name=" + name + ", id=" + id() + ", state=" + state + ", positions=" + positions +
            (hasPosition ? ", epoch=" + epoch + ", position=" + offset : "") + "}";
    }

    private boolean send(final boolean text, final DirectBuffer buffer, final int offset, final int length)
    {
        synchronized (this)
        {
            if (STATE_OPEN == state && !closeRequested)
            {
                return text ? current.sendText(buffer, offset, length) : current.sendBinary(buffer, offset, length);
            }
            if (STATE_CLOSED == state || closeRequested || queue.size() >= queueLimit)
            {
                return false;
            }
            final byte[] bytes = new byte[length];
            buffer.getBytes(offset, bytes);
            queue.addLast(new Queued(text, new UnsafeBuffer(bytes)));
            return true;
        }
    }

    // ---- from the client, I/O thread ----

    boolean isFinished()
    {
        return finished;
    }

    /**
     * A WebSocket opened (or the channel was added to an open one): open on it.
     */
    void openOn(final MuxClient mux)
    {
        if (finished)
        {
            return;
        }
        cause = everOpened ? Recovery.Cause.RECONNECT : Recovery.Cause.OPEN;
        openOn(mux, cause);
    }

    /**
     * The WebSocket closed: the channel waits for the next, queueing sends.
     */
    void onDisconnected()
    {
        synchronized (this)
        {
            current = null;
            if (STATE_OPEN == state)
            {
                state = STATE_CONNECTING;
            }
        }
    }

    /**
     * The client is done: the channel's final callback with the WebSocket's close code.
     */
    void finish(final int code, final String reason)
    {
        if (finished)
        {
            return;
        }
        closeForGood();
        if (everOpened)
        {
            notifyClosed(code, reason);
        }
        else
        {
            notifyRefused(code, reason);
        }
    }

    // ---- internals, I/O thread ----

    private void openOn(final MuxClient mux, final Recovery.Cause cause)
    {
        this.cause = cause;
        final MuxClientChannel channel;
        try
        {
            if (!positions)
            {
                channel = mux.open(name, maxRate, events);
            }
            else if (hasPosition)
            {
                channel = mux.recover(name, maxRate, epoch, offset, events);
            }
            else
            {
                channel = mux.openWithPositions(name, maxRate, events);
            }
        }
        catch (final IllegalStateException ex)
        {
            return; // the WebSocket is closing: its close re-opens every channel on the next
        }
        synchronized (this)
        {
            current = channel;
        }
    }

    private void onCloseRequested()
    {
        if (finished)
        {
            return;
        }
        final MuxClientChannel channel = current;
        closeForGood();
        if (null != channel)
        {
            channel.close(); // CLOSE on the wire; what that channel hears from now on is no longer this one's
        }
        notifyClosed(MuxClientChannel.CLOSED_BY_CLIENT, CLOSED_BY_CLIENT_REASON);
    }

    private void closeForGood()
    {
        finished = true;
        synchronized (this)
        {
            state = STATE_CLOSED;
            current = null;
            queue.clear();
        }
        client.remove(this);
    }

    /**
     * OPENED, and for a channel with positions what it said of them: send what was queued, then tell the
     * application.
     */
    private void onOpened(final MuxClientChannel channel)
    {
        synchronized (this)
        {
            Queued queued;
            while (null != (queued = queue.pollFirst()))
            {
                if (queued.text)
                {
                    channel.sendText(queued.message, 0, queued.message.capacity());
                }
                else
                {
                    channel.sendBinary(queued.message, 0, queued.message.capacity());
                }
            }
            state = STATE_OPEN;
        }
        everOpened = true;
        try
        {
            listener.onOpened(this);
        }
        catch (final Throwable ex)
        {
            client.onListenerFailure(ex);
        }
    }

    private void onRecovery(final MuxClientChannel channel, final Recovery recovery)
    {
        this.recovery = recovery;
        try
        {
            listener.onRecovery(this, recovery);
        }
        catch (final Throwable ex)
        {
            client.onListenerFailure(ex);
        }
        if (channel == current)
        {
            onOpened(channel);
        }
        // else closed (or re-opened) by its own onRecovery
    }

    /**
     * A GAP on a channel with a position: re-open it on the same WebSocket with RECOVER from that position. The
     * server handles our CLOSE before the OPEN; what it sent on the old subscription meanwhile arrives while the new
     * one awaits OPENED, and the {@link MuxClient} drops it: the recovery replays it.
     */
    private void recoverAfterGap(final MuxClientChannel channel)
    {
        synchronized (this)
        {
            current = null;
            state = STATE_CONNECTING;
        }
        channel.close();
        openOn(channel.mux(), Recovery.Cause.GAP);
    }

    private void notifyClosed(final int code, final String reason)
    {
        try
        {
            listener.onClosed(this, code, reason);
        }
        catch (final Throwable ex)
        {
            client.onListenerFailure(ex);
        }
    }

    private void notifyRefused(final int code, final String reason)
    {
        try
        {
            listener.onRefused(this, code, reason);
        }
        catch (final Throwable ex)
        {
            client.onListenerFailure(ex);
        }
    }

    /**
     * A message sent while the channel was not open.
     */
    private record Queued(boolean text, UnsafeBuffer message)
    {
    }

    /**
     * The callbacks of the {@link MuxClientChannel}s under this channel: each checks it comes from the current one,
     * as a channel closed by a GAP re-open or by {@link #close()} still hears its own end.
     */
    private final class Events implements ChannelListener
    {
        @Override
        public void onOpened(final MuxClientChannel channel)
        {
            if (channel != current)
            {
                return;
            }
            if (positions && channel.recovery() >= 0)
            {
                return; // an OPENED with a position: onRecovery follows at once
            }
            if (positions)
            {
                // A plain OPENED: a server from before the positions extension, which ignored the flags.
                hasPosition = false;
                epoch = 0;
                offset = 0;
                ReconnectingChannel.this.onRecovery(
                    channel, new Recovery(Recovery.Status.NO_HISTORY, 0, 0, -1, cause));
                return;
            }
            ReconnectingChannel.this.onOpened(channel);
        }

        @Override
        public void onRecovery(
            final MuxClientChannel channel, final int status, final long topicEpoch, final long topicOffset)
        {
            if (channel != current)
            {
                return;
            }
            final Recovery.Status recoveryStatus = Recovery.Status.of(status);
            final Recovery result;
            if (Recovery.Status.NO_HISTORY == recoveryStatus)
            {
                hasPosition = false;
                epoch = 0;
                offset = 0;
                result = new Recovery(recoveryStatus, 0, 0, -1, cause);
            }
            else if (Recovery.Status.RECOVERED == recoveryStatus && hasPosition)
            {
                // The replay follows: each message moves the offset on from where it is, up to OPENED's.
                result = new Recovery(recoveryStatus, topicEpoch, topicOffset, topicOffset - offset, cause);
                epoch = topicEpoch;
            }
            else
            {
                // Nothing replayed: what follows (the last value, if any, then live) is after the current offset.
                epoch = topicEpoch;
                offset = topicOffset;
                hasPosition = true;
                result = new Recovery(
                    Recovery.Status.RECOVERED == recoveryStatus ? Recovery.Status.NOT_RECOVERED : recoveryStatus,
                    topicEpoch, topicOffset, -1, cause);
            }
            ReconnectingChannel.this.onRecovery(channel, result);
        }

        @Override
        public void onText(
            final MuxClientChannel channel, final DirectBuffer buffer, final int offset, final int length)
        {
            if (channel != current)
            {
                return;
            }
            if (hasPosition)
            {
                ReconnectingChannel.this.offset = channel.position();
            }
            try
            {
                listener.onText(ReconnectingChannel.this, buffer, offset, length);
            }
            catch (final Throwable ex)
            {
                client.onListenerFailure(ex);
            }
        }

        @Override
        public void onBinary(
            final MuxClientChannel channel, final DirectBuffer buffer, final int offset, final int length)
        {
            if (channel != current)
            {
                return;
            }
            if (hasPosition)
            {
                ReconnectingChannel.this.offset = channel.position();
            }
            try
            {
                listener.onBinary(ReconnectingChannel.this, buffer, offset, length);
            }
            catch (final Throwable ex)
            {
                client.onListenerFailure(ex);
            }
        }

        @Override
        public void onGap(final MuxClientChannel channel, final int code, final String reason)
        {
            if (channel != current || STATE_OPEN != state)
            {
                return;
            }
            try
            {
                listener.onGap(ReconnectingChannel.this, code, reason);
            }
            catch (final Throwable ex)
            {
                client.onListenerFailure(ex);
            }
            if (channel == current && positions && hasPosition && channel.mux().isOpen())
            {
                recoverAfterGap(channel);
            }
        }

        @Override
        public void onClosed(final MuxClientChannel channel, final int code, final String reason)
        {
            if (channel != current || !channel.mux().isOpen())
            {
                return; // not ours any more, or the WebSocket is closing: the client re-opens or finishes
            }
            closeForGood();
            notifyClosed(code, reason); // CLOSED from the server
        }

        @Override
        public void onRefused(final MuxClientChannel channel, final int code, final String reason)
        {
            if (channel != current)
            {
                return;
            }
            final boolean wasOpen = everOpened;
            closeForGood();
            if (wasOpen)
            {
                notifyClosed(code, reason); // refused on re-open: it was open once, so it closes
            }
            else
            {
                notifyRefused(code, reason);
            }
        }
    }
}
