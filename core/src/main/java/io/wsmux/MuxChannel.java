package io.wsmux;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * One logical channel inside a multiplexed WebSocket: for a service, the virtual {@link Connection} its handler is
 * given (so a handler written for a plain endpoint runs unchanged as a channel); for a topic, a subscription with its
 * pending (conflated or throttled) value and rate limit.
 * <p>
 * Not thread safe, but for {@link Connection}'s sending and closing methods, which hand work from other threads to
 * the loop.
 */
final class MuxChannel implements Connection
{
    final MuxSession session;
    final int serial;
    final String name;
    final UnsafeBuffer wireName;
    final int channelId;
    final WebSocketHandler service;
    final LoopTopic topic;
    final long minIntervalNs;
    final boolean sharedTextFrame;
    int subscriberIndex = -1;
    /** The fan-out batch during which it subscribed, and how many of its publications had arrived then. */
    long subscribedEpoch;
    int subscribedAt;
    long lastSentNs = Long.MIN_VALUE / 2;
    Publication pending;
    boolean pendingListed;
    /** A publication for it was dropped and GAP 507 sent; cleared when one gets through. */
    boolean inGap;
    /** Asked for positions on a topic with a history: its messages are tagged with their offsets. */
    boolean positions;
    /** Publications up to this offset were replayed or are before the channel's cut: skipped when they arrive. */
    long skipThrough = -1;
    boolean open = true;
    private Object attachment;

    MuxChannel(
        final MuxSession session,
        final int serial,
        final String name,
        final UnsafeBuffer wireName,
        final int channelId,
        final WebSocketHandler service,
        final LoopTopic topic,
        final int maxRate)
    {
        this.session = session;
        this.serial = serial;
        this.name = name;
        this.wireName = wireName;
        this.channelId = channelId;
        this.service = service;
        this.topic = topic;
        this.minIntervalNs = maxRate > 0 ? 1_000_000_000L / maxRate : 0;
        this.sharedTextFrame = null != topic && topic.topic.isSharedWireName(wireName);
    }

    boolean isTopic()
    {
        return null != topic;
    }

    /**
     * A publication reaches this subscriber: send it, or keep it as the pending value when throttled or when the
     * connection is behind and the topic conflates.
     *
     * @return true if it was sent now (the caller counts the family's deliveries).
     */
    boolean deliver(final Publication publication, final long nowNs)
    {
        if (!open || (!publication.text && !session.binary) || publication.offset <= skipThrough)
        {
            return false; // the text protocol carries no binary messages; the cut of a recovery passed it
        }
        if (minIntervalNs > 0 && nowNs - lastSentNs < minIntervalNs)
        {
            session.context.throttled++;
            hold(publication, true);
            session.scheduleAt(lastSentNs + minIntervalNs);
            return false;
        }
        if (topic.topic.options().conflate() && session.connection.queuedBytes() > 0)
        {
            hold(publication, false);
            return false;
        }
        if (null != pending)
        {
            pending.release(); // a newer value supersedes the one held
            pending = null;
        }
        session.sendPublication(this, publication);
        lastSentNs = nowNs;
        return true;
    }

    /**
     * @return whether this subscriber takes a topic's frames exactly as staged for everyone: the text protocol under
     * the topic's own name, no rate limit, no conflation, nothing held back, and no compression of its own (a
     * subscriber with permessage-deflate takes the frames compressed once for all, staged beside the plain ones;
     * one with server context takeover or a small window, its own).
     */
    boolean sharesStagedFrames()
    {
        return open && sharedTextFrame && !session.binary && session.connection.sharesFrames() &&
            (!session.connection.compresses() || session.connection.takesSharedDeflate()) &&
            0 == minIntervalNs && null == pending &&
            !topic.topic.options().conflate();
    }

    private void hold(final Publication publication, final boolean rateLimited)
    {
        publication.retain();
        if (null != pending)
        {
            pending.release();
            session.conflated++;
            if (rateLimited)
            {
                session.context.conflatedRate++;
            }
            else
            {
                session.context.conflations++;
            }
        }
        pending = publication;
        session.listPending(this);
    }

    /**
     * Send the held value if it is due.
     *
     * @return true when nothing is held any more.
     */
    boolean sendPending(final long nowNs)
    {
        if (null == pending)
        {
            return true;
        }
        if (minIntervalNs > 0 && nowNs - lastSentNs < minIntervalNs)
        {
            session.scheduleAt(lastSentNs + minIntervalNs);
            return false;
        }
        final Publication publication = pending;
        pending = null;
        if (open)
        {
            session.sendPublication(this, publication);
            topic.familyCounters.deliveries.incrementRelease();
            lastSentNs = nowNs;
        }
        publication.release();
        return true;
    }

    void releasePending()
    {
        if (null != pending)
        {
            pending.release();
            pending = null;
        }
    }

    @Override
    public long id()
    {
        return session.connection.id();
    }

    @Override
    public boolean isOpen()
    {
        return open && session.connection.isOpen();
    }

    @Override
    public boolean sendText(final DirectBuffer buffer, final int offset, final int length)
    {
        return session.send(this, true, buffer, offset, length);
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
        return session.send(this, false, buffer, offset, length);
    }

    @Override
    public void close(final int code, final String reason)
    {
        session.closeFromServer(this, code, null == reason ? "" : reason);
    }

    /**
     * @return the channel's name, unescaped.
     */
    @Override
    public String path()
    {
        return name;
    }

    @Override
    public String query()
    {
        return session.connection.query();
    }

    @Override
    public String subprotocol()
    {
        return session.connection.subprotocol();
    }

    @Override
    public HandshakeRequest handshake()
    {
        return null;
    }

    /**
     * @return the identity the upgrade hook attached to the WebSocket carrying this channel.
     */
    @Override
    public Object identity()
    {
        return session.connection.identity();
    }

    /**
     * @return the WebSocket carrying this channel.
     */
    @Override
    public Connection webSocket()
    {
        return session.connection;
    }

    @Override
    public InetSocketAddress remoteAddress()
    {
        return session.connection.remoteAddress();
    }

    @Override
    public long queuedBytes()
    {
        return session.connection.queuedBytes();
    }

    @Override
    public long droppedMessages()
    {
        return session.connection.droppedMessages();
    }

    @Override
    public long conflatedMessages()
    {
        return session.conflated;
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
    public String toString()
    {
        return "MuxChannel{" + name + (session.binary ? " #" + channelId : "") + (isTopic() ? " topic" : "") + "}";
    }
}
