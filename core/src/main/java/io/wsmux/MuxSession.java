package io.wsmux;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import io.wsmux.codec.CloseCode;
import io.wsmux.codec.FrameDescriptor;
import io.wsmux.codec.Opcode;
import io.wsmux.codec.Utf8Validator;
import io.wsmux.codec.mux.BinaryMuxDescriptor;
import io.wsmux.codec.mux.BinaryMuxFlyweight;
import io.wsmux.codec.mux.JsEscape;
import io.wsmux.codec.mux.TextMuxEncoder;
import io.wsmux.codec.mux.TextMuxFlyweight;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The channels of one multiplexed WebSocket, speaking the text protocol ({@code websocket-multiplex}) or the binary
 * protocol ({@code wsmux.v1}) as negotiated (docs/protocol.md). Opens, routes and closes channels, writes service
 * messages and topic publications in the connection's protocol, and keeps the subscribers' pending values
 * (conflated or throttled) until the connection can take them.
 * <p>
 * Not thread safe: owned by the connection's loop. Channels are few per connection, so they live in an array
 * searched linearly (by wire-name bytes or id), which allocates nothing per message.
 */
final class MuxSession
{
    private static final String MAX_RATE_PARAMETER = "?maxRate=";
    private static final int MAX_REASON_LENGTH = 1024;

    /** A positioned channel's skipThrough while it waits for its topic's history: it skips everything. */
    private static final long PARKED = Long.MAX_VALUE;
    private static final UnsafeBuffer DROPPED_REASON = new UnsafeBuffer(
        "publications dropped: the connection was over its outbound budget".getBytes(StandardCharsets.UTF_8));

    final MuxCarrier connection;
    final Multiplexer multiplexer;
    final LoopContext context;
    final boolean binary;
    long conflated;
    private MuxChannel[] channels = new MuxChannel[4];
    private int channelCount;
    private MuxChannel[] pending = new MuxChannel[4];
    private int pendingCount;
    private int nextSerial;
    /** Topic channels open, and the one when there is exactly one. */
    private int topicChannelCount;
    private MuxChannel singleTopicChannel;
    /** How far into the loop's fan-out batch (of that epoch) this session has been delivered. */
    private long fanOutEpoch;
    private int caughtUp;
    private long scheduledNs = Long.MAX_VALUE;
    private boolean sendBufferLimited;

    MuxSession(final MuxCarrier connection, final Multiplexer multiplexer, final LoopContext context,
        final boolean binary)
    {
        this.connection = connection;
        this.multiplexer = multiplexer;
        this.context = context;
        this.binary = binary;
    }

    int channelCount()
    {
        return channelCount;
    }

    // ---- inbound ----

    void onText(final DirectBuffer buffer, final int offset, final int length)
    {
        if (binary)
        {
            sendError(0, BinaryMuxDescriptor.CODE_BAD_REQUEST, "wsmux.v1 carries binary frames only");
            return;
        }
        final TextMuxFlyweight message = context.textMux;
        switch (message.wrap(buffer, offset, length))
        {
            case TextMuxFlyweight.SUB:
                onTextSubscribe(buffer, message.nameOffset(), message.nameLength());
                break;

            case TextMuxFlyweight.MSG:
            {
                final MuxChannel channel = findByWireName(buffer, message.nameOffset(), message.nameLength());
                if (null != channel && null != channel.service)
                {
                    deliverToService(channel, true, buffer, message.payloadOffset(), message.payloadLength());
                }
                else
                {
                    context.muxIgnoredMessages++;
                }
                break;
            }

            case TextMuxFlyweight.UNS:
            {
                final MuxChannel channel = findByWireName(buffer, message.nameOffset(), message.nameLength());
                if (null != channel)
                {
                    closeFromClient(channel);
                }
                break;
            }

            default:
                context.muxIgnoredMessages++;
                break;
        }
    }

    void onBinary(final DirectBuffer buffer, final int offset, final int length)
    {
        if (!binary)
        {
            // The text protocol has no binary messages: RFC 6455 §7.4.1 1003, data it cannot accept.
            connection.close(CloseCode.UNSUPPORTED_DATA, "text multiplex protocol: binary frames not accepted");
            return;
        }
        final BinaryMuxFlyweight message = context.binaryMux;
        if (BinaryMuxFlyweight.OK != message.wrap(buffer, offset, length))
        {
            sendError(message.errorChannelId(), BinaryMuxDescriptor.CODE_BAD_REQUEST, message.errorText());
            return;
        }
        final int channelId = message.channelId();
        switch (message.type())
        {
            case BinaryMuxDescriptor.OPEN:
                onBinaryOpen(message);
                break;

            case BinaryMuxDescriptor.CLOSE:
            {
                final MuxChannel channel = findById(channelId);
                if (null != channel)
                {
                    closeFromClient(channel);
                }
                break;
            }

            default: // TEXT or BINARY: the flyweight accepts no other type
            {
                final MuxChannel channel = findById(channelId);
                if (null == channel)
                {
                    sendError(channelId, BinaryMuxDescriptor.CODE_GONE, "channel not open");
                }
                else if (null == channel.service)
                {
                    context.muxIgnoredMessages++;
                }
                else
                {
                    deliverToService(channel, BinaryMuxDescriptor.TEXT == message.type(), buffer,
                        message.payloadOffset(), message.payloadLength());
                }
                break;
            }
        }
    }

    private void onTextSubscribe(final DirectBuffer buffer, final int nameOffset, final int nameLength)
    {
        if (nameLength > multiplexer.maxChannelNameLength() || channelCount >= multiplexer.maxChannels())
        {
            sendUnsubscribe(buffer, nameOffset, nameLength);
            return;
        }
        if (null != findByWireName(buffer, nameOffset, nameLength))
        {
            return; // already open: the reference server ignores a repeated sub too
        }

        final String wire = buffer.getStringWithoutLengthUtf8(nameOffset, nameLength);
        String name = JsEscape.unescape(wire);
        int maxRate = 0;
        final int parameter = name.indexOf(MAX_RATE_PARAMETER);
        if (parameter > 0)
        {
            try
            {
                maxRate = Integer.parseInt(name.substring(parameter + MAX_RATE_PARAMETER.length()));
            }
            catch (final NumberFormatException ex)
            {
                maxRate = -1;
            }
            name = name.substring(0, parameter);
        }

        final Multiplexer.Target target = multiplexer.resolve(name);
        if (null == target || maxRate < 0 || null != authorize(name))
        {
            sendUnsubscribe(buffer, nameOffset, nameLength);
            return;
        }
        Topic topic = null;
        if (null != target.topicOptions())
        {
            topic = multiplexer.acquireTopic(name, target);
            if (null == topic)
            {
                sendUnsubscribe(buffer, nameOffset, nameLength); // its prefix is at its topic limit
                return;
            }
        }
        final UnsafeBuffer wireName = new UnsafeBuffer(new byte[nameLength]);
        wireName.putBytes(0, buffer, nameOffset, nameLength);
        open(name, wireName, 0, target, topic, maxRate);
    }

    private void onBinaryOpen(final BinaryMuxFlyweight message)
    {
        final int channelId = message.channelId();
        final DirectBuffer buffer = message.buffer();
        final int nameOffset = message.nameOffset();
        final int nameLength = message.nameLength();
        final int maxRate = message.maxRate();
        final int flags = message.openFlags();
        final boolean flagsValid = message.openFlagsValid();
        final long recoverEpoch = message.recoverEpoch();
        final long recoverOffset = message.recoverOffset();
        if (null != findById(channelId))
        {
            sendError(channelId, BinaryMuxDescriptor.CODE_CONFLICT, "channel id already open");
            return;
        }

        if (nameLength > multiplexer.maxChannelNameLength())
        {
            refuse(channelId, BinaryMuxDescriptor.CODE_NAME_TOO_LONG, "channel name too long");
            return;
        }
        if (0 == nameLength || !Utf8Validator.isValid(buffer, nameOffset, nameLength) || maxRate < 0)
        {
            refuse(channelId, BinaryMuxDescriptor.CODE_BAD_REQUEST, "channel name empty or not UTF-8, or bad rate");
            return;
        }
        if (!flagsValid)
        {
            refuse(channelId, BinaryMuxDescriptor.CODE_BAD_REQUEST, "unknown OPEN flags, or RECOVER with no position");
            return;
        }
        if (channelCount >= multiplexer.maxChannels())
        {
            refuse(channelId, BinaryMuxDescriptor.CODE_TOO_MANY_CHANNELS, "too many channels open");
            return;
        }
        final String name = buffer.getStringWithoutLengthUtf8(nameOffset, nameLength);
        final Multiplexer.Target target = multiplexer.resolve(name);
        if (null == target)
        {
            refuse(channelId, BinaryMuxDescriptor.CODE_NOT_FOUND, "no service or topic of that name");
            return;
        }
        final String refusal = authorize(name);
        if (null != refusal)
        {
            refuse(channelId, BinaryMuxDescriptor.CODE_FORBIDDEN, refusal);
            return;
        }

        Topic topic = null;
        if (null != target.topicOptions())
        {
            topic = multiplexer.acquireTopic(name, target);
            if (null == topic)
            {
                refuse(channelId, BinaryMuxDescriptor.CODE_TOO_MANY_TOPICS, "too many topics under this prefix");
                return;
            }
        }

        catchUpBeforeWrite();
        if (0 != flags)
        {
            // Positions asked for: OPENED tells the recovery and the position (open() sends it, under the history's
            // cut for a topic with one).
            open(name, null, channelId, target, topic, maxRate, flags, recoverEpoch, recoverOffset);
            return;
        }
        final MutableDirectBuffer scratch = context.muxScratch;
        final int headerLength = BinaryMuxDescriptor.writeHeader(scratch, 0, BinaryMuxDescriptor.OPENED, channelId);
        connection.sendProtocolMessage(Opcode.BINARY, scratch, 0, headerLength);
        open(name, null, channelId, target, topic, maxRate);
    }

    private void open(
        final String name, final UnsafeBuffer wireName, final int channelId, final Multiplexer.Target target,
        final Topic topic, final int requestedRate)
    {
        open(name, wireName, channelId, target, topic, requestedRate, 0, 0, 0);
    }

    private String authorize(final String name)
    {
        final ChannelAuthorizer authorizer = multiplexer.authorizer();
        if (null == authorizer)
        {
            return null;
        }
        try
        {
            return authorizer.authorize(connection, name);
        }
        catch (final Throwable ex)
        {
            context.errorHandler.onError(ex);
            return "authorization failed";
        }
    }

    /**
     * @param topic the topic, already acquired (its hold passes to the channel, released when it closes); null for a
     *              service.
     */
    private void open(
        final String name,
        final UnsafeBuffer wireName,
        final int channelId,
        final Multiplexer.Target target,
        final Topic topic,
        final int requestedRate,
        final int positionFlags,
        final long recoverEpoch,
        final long recoverOffset)
    {
        catchUpBeforeWrite(); // a last value must not overtake what the session's other topics have pending
        final LoopTopic loopTopic = null != topic ? topic.loopTopic(connection.loopIndex()) : null;
        final int maxRate = requestedRate > 0 ? requestedRate :
            (null != loopTopic ? loopTopic.topic.options().maxRate() : 0);
        final MuxChannel channel = new MuxChannel(
            this, ++nextSerial, name, wireName, channelId, target.service(), loopTopic, maxRate);
        if (channelCount == channels.length)
        {
            channels = Arrays.copyOf(channels, channelCount * 2);
        }
        channels[channelCount++] = channel;
        context.channelsOpened++;

        if (null != loopTopic)
        {
            if (!sendBufferLimited && (loopTopic.topic.options().conflate() || maxRate > 0))
            {
                // A conflating subscriber keeps only the latest value, but only of what the socket refuses: with
                // the kernel's auto-tuned buffer, megabytes of stale updates would be in flight before it refuses.
                sendBufferLimited = true;
                connection.limitSendBuffer(context.conflationSendBufferLength);
            }
            final TopicHistory history = loopTopic.topic.history;
            if (0 != positionFlags && null != history)
            {
                subscribeAtPosition(channel, loopTopic, history, positionFlags, recoverEpoch, recoverOffset);
            }
            else
            {
                if (0 != positionFlags)
                {
                    sendOpenedAt(channelId, BinaryMuxDescriptor.RECOVERY_NO_HISTORY, 0, 0);
                }
                loopTopic.add(channel);
                topicChannelsChanged(1);
                if (null != loopTopic.lastValue)
                {
                    loopTopic.familyCounters.lastValueHits.incrementRelease();
                    if (channel.deliver(loopTopic.lastValue, context.nowNs()))
                    {
                        loopTopic.familyCounters.deliveries.incrementRelease();
                    }
                }
            }
        }
        else if (0 != positionFlags)
        {
            sendOpenedAt(channelId, BinaryMuxDescriptor.RECOVERY_NO_HISTORY, 0, 0); // a service has no positions
        }
        if (null != channel.service)
        {
            try
            {
                channel.service.onOpen(channel);
            }
            catch (final Throwable ex)
            {
                onServiceError(channel, ex);
            }
        }
    }

    /**
     * Subscribe a channel that asked for positions to a topic with a history, at a consistent cut: under the
     * history's monitor (which publishers hold while they append and hand a publication to the loops) it takes the
     * position, the publications to replay, and joins the loop's subscribers, so that every later publication reaches
     * this loop, and it skips those up to the cut that are still on their way here. Then OPENED with the result, the
     * replay (or the last value), and live. A replay that would not fit the connection's outbound budget is not sent
     * at all: NOT_RECOVERED, never a part of it. Loop thread; allocates (a reconnect, not the publication path).
     */
    private void subscribeAtPosition(
        final MuxChannel channel,
        final LoopTopic loopTopic,
        final TopicHistory history,
        final int flags,
        final long recoverEpoch,
        final long recoverOffset)
    {
        synchronized (history)
        {
            channel.positions = true;
            if (!loopTopic.topic.isHistoryReady())
            {
                // A cluster's topic whose history this node is still reading from JetStream: the channel joins the
                // subscribers now (so the topic's traffic comes here) but skips everything until the history is
                // ready; then its loop resumes it here, with OPENED, at a cut of the complete history.
                channel.skipThrough = PARKED;
                loopTopic.add(channel);
                loopTopic.topic.park(new Topic.ParkedOpen(channel, flags, recoverEpoch, recoverOffset));
                topicChannelsChanged(1);
                return;
            }
        }
        positionAt(channel, loopTopic, history, flags, recoverEpoch, recoverOffset, true);
    }

    /**
     * A parked channel's history is ready: position it now (its loop). Nothing if it closed meanwhile.
     */
    void resumeParked(final Topic.ParkedOpen open)
    {
        final MuxChannel channel = open.channel();
        if (!channel.open || null == channel.topic)
        {
            return;
        }
        positionAt(channel, channel.topic, channel.topic.topic.history, open.flags(), open.epoch(), open.offset(),
            false);
    }

    private void positionAt(
        final MuxChannel channel,
        final LoopTopic loopTopic,
        final TopicHistory history,
        final int flags,
        final long recoverEpoch,
        final long recoverOffset,
        final boolean join)
    {
        catchUpBeforeWrite();
        final boolean recover = 0 != (flags & BinaryMuxDescriptor.OPEN_RECOVER);
        Publication[] replay = null;
        Publication lastValue = null;
        int recovery;
        final long epoch;
        long position;
        synchronized (history)
        {
            epoch = history.epoch();
            position = history.lastOffset();
            recovery = recover ? BinaryMuxDescriptor.RECOVERY_NOT_RECOVERED : BinaryMuxDescriptor.RECOVERY_FRESH;
            if (recover && history.holdsAfter(recoverEpoch, recoverOffset, System.nanoTime()))
            {
                position = Math.max(position, recoverOffset); // a client ahead of this node (a cluster): cut there
                replay = new Publication[history.countAfter(recoverOffset)];
                history.retainAfter(recoverOffset, replay);
                long bytes = 0;
                for (final Publication publication : replay)
                {
                    bytes += BinaryMuxDescriptor.AT_PREFIX_LENGTH + FrameDescriptor.MAX_HEADER_LENGTH +
                        publication.payloadLength;
                }
                if (connection.admitStaged((int)Math.min(Integer.MAX_VALUE, bytes)))
                {
                    recovery = BinaryMuxDescriptor.RECOVERY_RECOVERED;
                }
                else
                {
                    for (final Publication publication : replay)
                    {
                        publication.release();
                    }
                    replay = null;
                    context.recoveriesTooLarge++;
                }
            }
            if (null == replay && loopTopic.topic.options().lastValue())
            {
                lastValue = history.newest();
                if (null != lastValue)
                {
                    lastValue.retain();
                }
            }
            channel.skipThrough = position;
            if (join)
            {
                loopTopic.add(channel);
            }
        }
        if (join)
        {
            topicChannelsChanged(1);
        }
        sendOpenedAt(channel.channelId, recovery, epoch, position);
        if (null != replay)
        {
            context.recoveries++;
            for (final Publication publication : replay)
            {
                sendPublication(channel, publication);
                publication.release();
            }
            context.recoveredPublications += replay.length;
        }
        else if (recover)
        {
            context.recoveriesFailed++;
        }
        if (null != lastValue)
        {
            loopTopic.familyCounters.lastValueHits.incrementRelease();
            sendPublication(channel, lastValue);
            lastValue.release();
        }
    }

    /**
     * A publication for a binary subscriber was dropped (its connection over its outbound budget): tell it, once per
     * run of drops, with a GAP 507 right behind what it did get (a protocol reply, within the budget's headroom), so
     * that a client with positions can recover. Called during deliveries: it writes without catching up the batch.
     */
    private void reportDropped(final MuxChannel channel)
    {
        channel.inGap = true;
        context.gapsOverBudget++;
        final MutableDirectBuffer scratch = context.muxScratch;
        final int length = BinaryMuxDescriptor.writeCodeAndReason(scratch, 0, BinaryMuxDescriptor.GAP,
            channel.channelId, BinaryMuxDescriptor.CODE_DROPPED_GAP, DROPPED_REASON, 0, DROPPED_REASON.capacity());
        connection.sendProtocolMessage(Opcode.BINARY, scratch, 0, length);
    }

    private void sendOpenedAt(final int channelId, final int recovery, final long epoch, final long position)
    {
        final MutableDirectBuffer scratch = context.muxScratch;
        final int length = BinaryMuxDescriptor.writeOpenedAt(scratch, 0, channelId, recovery, epoch, position);
        connection.sendProtocolMessage(Opcode.BINARY, scratch, 0, length);
    }

    private void deliverToService(
        final MuxChannel channel, final boolean text, final DirectBuffer buffer, final int offset, final int length)
    {
        context.channelMessagesIn++;
        try
        {
            if (text)
            {
                channel.service.onText(channel, buffer, offset, length);
            }
            else
            {
                channel.service.onBinary(channel, buffer, offset, length);
            }
        }
        catch (final Throwable ex)
        {
            onServiceError(channel, ex);
        }
    }

    private void onServiceError(final MuxChannel channel, final Throwable error)
    {
        context.handlerErrors++;
        try
        {
            channel.service.onError(channel, error);
        }
        catch (final Throwable ex)
        {
            context.errorHandler.onError(ex);
        }
        closeFromServer(channel, BinaryMuxDescriptor.CODE_INTERNAL_ERROR, "service failed");
    }

    // ---- closing ----

    private void closeFromClient(final MuxChannel channel)
    {
        remove(channel);
        notifyServiceClosed(channel, CloseCode.NORMAL, "");
    }

    /**
     * The server closes a channel: tell the client ({@code uns} or CLOSED) and the service.
     */
    void closeFromServer(final MuxChannel channel, final int code, final String reason)
    {
        if (!connection.isLoopThread())
        {
            connection.offerChannelClose(channel.serial, code, reason);
            return;
        }
        if (!channel.open)
        {
            return;
        }
        remove(channel);
        if (binary)
        {
            final byte[] reasonBytes = utf8(reason);
            final int length = BinaryMuxDescriptor.writeCodeAndReason(context.muxScratch, 0,
                BinaryMuxDescriptor.CLOSED, channel.channelId, code, new UnsafeBuffer(reasonBytes), 0,
                reasonBytes.length);
            connection.sendProtocolMessage(Opcode.BINARY, context.muxScratch, 0, length);
        }
        else
        {
            sendUnsubscribe(channel.wireName, 0, channel.wireName.capacity());
        }
        notifyServiceClosed(channel, code, reason);
    }

    void onCommandClose(final int serial, final int code, final String reason)
    {
        final MuxChannel channel = findBySerial(serial);
        if (null != channel)
        {
            closeFromServer(channel, code, reason);
        }
    }

    void onCommandSend(final int serial, final boolean text, final DirectBuffer buffer, final int offset,
        final int length)
    {
        final MuxChannel channel = findBySerial(serial);
        if (null != channel)
        {
            send(channel, text, buffer, offset, length);
        }
    }

    /**
     * The WebSocket closed: every channel closes with it.
     */
    void onWebSocketClosed(final int code, final String reason)
    {
        while (channelCount > 0)
        {
            final MuxChannel channel = channels[channelCount - 1];
            remove(channel);
            notifyServiceClosed(channel, code, reason);
        }
        for (int i = 0; i < pendingCount; i++)
        {
            pending[i] = null;
        }
        pendingCount = 0;
    }

    private void notifyServiceClosed(final MuxChannel channel, final int code, final String reason)
    {
        if (null == channel.service)
        {
            return;
        }
        try
        {
            channel.service.onClose(channel, code, reason);
        }
        catch (final Throwable ex)
        {
            context.handlerErrors++;
            context.errorHandler.onError(ex);
        }
    }

    private void remove(final MuxChannel channel)
    {
        catchUpBeforeWrite(); // what reached the loop before the channel closed is still delivered, as before
        channel.open = false;
        for (int i = 0; i < channelCount; i++)
        {
            if (channels[i] == channel)
            {
                channels[i] = channels[--channelCount];
                channels[channelCount] = null;
                break;
            }
        }
        if (null != channel.topic)
        {
            if (PARKED == channel.skipThrough)
            {
                channel.topic.topic.unpark(channel);
            }
            channel.topic.remove(channel);
            topicChannelsChanged(-1);
            channel.releasePending();
            channel.topic.topic.release();
        }
        context.channelsClosed++;
    }

    // ---- fan-out batches ----

    private void topicChannelsChanged(final int delta)
    {
        topicChannelCount += delta;
        singleTopicChannel = null;
        if (1 == topicChannelCount)
        {
            for (int i = 0; i < channelCount; i++)
            {
                if (channels[i].isTopic())
                {
                    singleTopicChannel = channels[i];
                    break;
                }
            }
        }
        connection.fanOutSession(topicChannelCount > 0 ? this : null);
    }

    /**
     * Before anything but a publication is queued on the connection during a batch (and before the scratch buffers
     * the deliveries use are filled): deliver what the batch holds for this session first.
     */
    void catchUpBeforeWrite()
    {
        if (0 != context.fanOut.count() && topicChannelCount > 0)
        {
            catchUp(context.nowNs());
        }
    }

    /**
     * Take what the loop's current fan-out batch holds for this session's topics and it has not had yet, in arrival
     * order: at the batch's end, and before anything else is queued on the connection during the batch, so that
     * deferring publications never reorders what the client receives.
     */
    void catchUp(final long nowNs)
    {
        final FanOutBatch batch = context.fanOut;
        final int to = batch.count();
        final long epoch = batch.epoch();
        final int from = fanOutEpoch == epoch ? caughtUp : 0;
        if (from >= to)
        {
            return;
        }
        fanOutEpoch = epoch;
        caughtUp = to; // first: the deliveries below write to the connection, which asks again
        if (1 == topicChannelCount)
        {
            batch.deliverRun(singleTopicChannel, from, to, nowNs);
        }
        else if (topicChannelCount > 1)
        {
            batch.deliverMerged(channels, channelCount, from, to, nowNs);
        }
    }

    // ---- outbound ----

    /**
     * A service sends on its channel.
     */
    boolean send(final MuxChannel channel, final boolean text, final DirectBuffer buffer, final int offset,
        final int length)
    {
        if (!connection.isLoopThread())
        {
            return channel.open && connection.offerChannelSend(channel.serial, text, buffer, offset, length);
        }
        if (!channel.open)
        {
            return false;
        }
        catchUpBeforeWrite();
        final MutableDirectBuffer scratch = context.muxScratch;
        context.channelMessagesOut++;
        if (binary)
        {
            final int prefixLength = BinaryMuxDescriptor.writeHeader(scratch, 0,
                text ? BinaryMuxDescriptor.SERVER_TEXT : BinaryMuxDescriptor.SERVER_BINARY, channel.channelId);
            return connection.sendWithPrefix(Opcode.BINARY, scratch, 0, prefixLength, buffer, offset, length);
        }
        if (!text)
        {
            return false; // the text protocol carries no binary messages
        }
        final int prefixLength = TextMuxEncoder.writeMessagePrefix(
            scratch, 0, channel.wireName, 0, channel.wireName.capacity());
        return connection.sendWithPrefix(Opcode.TEXT, scratch, 0, prefixLength, buffer, offset, length);
    }

    /**
     * A topic publication goes out on a subscriber's channel: the shared text frame as is, or for the binary
     * protocol a 5-byte prefix of the channel's own and the shared payload.
     */
    void sendPublication(final MuxChannel channel, final Publication publication)
    {
        context.deliveries++;
        if (binary)
        {
            final MutableDirectBuffer scratch = context.muxScratch;
            final int prefixLength = channel.positions ?
                BinaryMuxDescriptor.writeAtPrefix(scratch, 0, publication.text, channel.channelId, publication.offset) :
                BinaryMuxDescriptor.writeHeader(scratch, 0,
                publication.text ? BinaryMuxDescriptor.SERVER_TEXT : BinaryMuxDescriptor.SERVER_BINARY,
                channel.channelId);
            if (connection.sendPublication(Opcode.BINARY, scratch, 0, prefixLength, publication))
            {
                channel.inGap = false;
            }
            else if (!channel.inGap && connection.isOpen())
            {
                reportDropped(channel);
            }
        }
        else if (channel.sharedTextFrame && connection.sharesFrames())
        {
            connection.sendPublicationFrame(publication);
        }
        else
        {
            // The client named the channel differently from the topic (a ?maxRate= suffix): answer in its own name.
            final int prefixLength = TextMuxEncoder.writeMessagePrefix(
                context.muxScratch, 0, channel.wireName, 0, channel.wireName.capacity());
            connection.sendPublicationText(publication, channel.sharedTextFrame ? publication.topic : channel,
                context.muxScratch, 0, prefixLength);
        }
    }

    private void sendUnsubscribe(final DirectBuffer name, final int nameOffset, final int nameLength)
    {
        catchUpBeforeWrite();
        final int length = TextMuxEncoder.writeUnsubscribe(context.muxScratch, 0, name, nameOffset, nameLength);
        connection.sendProtocolMessage(Opcode.TEXT, context.muxScratch, 0, length);
    }

    private void refuse(final int channelId, final int code, final String reason)
    {
        writeCodeAndReason(BinaryMuxDescriptor.REFUSED, channelId, code, reason);
    }

    /**
     * Tell a binary-protocol subscriber that its topic may have missed publications before what comes next; the text
     * protocol has no such message (docs/protocol.md). Loop thread.
     *
     * @return true if a GAP was sent.
     */
    boolean sendGap(final MuxChannel channel, final int code, final String reason)
    {
        if (!binary)
        {
            return false;
        }
        writeCodeAndReason(BinaryMuxDescriptor.GAP, channel.channelId, code, reason);
        return true;
    }

    private void sendError(final int channelId, final int code, final String reason)
    {
        context.muxErrors++;
        writeCodeAndReason(BinaryMuxDescriptor.ERROR, channelId, code, reason);
    }

    private void writeCodeAndReason(final byte type, final int channelId, final int code, final String reason)
    {
        catchUpBeforeWrite();
        byte[] bytes = utf8(reason);
        if (bytes.length > MAX_REASON_LENGTH)
        {
            bytes = Arrays.copyOf(bytes, MAX_REASON_LENGTH);
        }
        final int length = BinaryMuxDescriptor.writeCodeAndReason(
            context.muxScratch, 0, type, channelId, code, new UnsafeBuffer(bytes), 0, bytes.length);
        connection.sendProtocolMessage(Opcode.BINARY, context.muxScratch, 0, length);
    }

    private static byte[] utf8(final String text)
    {
        return null == text ? new byte[0] : text.getBytes(StandardCharsets.UTF_8);
    }

    // ---- pending values ----

    void listPending(final MuxChannel channel)
    {
        if (channel.pendingListed)
        {
            return;
        }
        channel.pendingListed = true;
        if (pendingCount == pending.length)
        {
            pending = Arrays.copyOf(pending, pendingCount * 2);
        }
        pending[pendingCount++] = channel;
    }

    void scheduleAt(final long deadlineNs)
    {
        if (deadlineNs < scheduledNs)
        {
            scheduledNs = deadlineNs;
            connection.requestDeadline(deadlineNs);
        }
    }

    /**
     * @return the earliest time a throttled value is due, or Long.MAX_VALUE.
     */
    long scheduledNs()
    {
        return scheduledNs;
    }

    /**
     * The socket took everything queued, or a throttle deadline passed: send held values that are due, in the order
     * their channels fell behind, until the connection is behind again.
     */
    void flushPending(final long nowNs)
    {
        scheduledNs = Long.MAX_VALUE;
        int kept = 0;
        int i = 0;
        for (; i < pendingCount; i++)
        {
            final MuxChannel channel = pending[i];
            if (connection.queuedBytes() > 0)
            {
                break;
            }
            if (channel.open && !channel.sendPending(nowNs))
            {
                pending[kept++] = channel;
            }
            else
            {
                channel.pendingListed = false;
            }
        }
        for (; i < pendingCount; i++)
        {
            pending[kept++] = pending[i];
        }
        for (int j = kept; j < pendingCount; j++)
        {
            pending[j] = null;
        }
        pendingCount = kept;
    }

    private MuxChannel findByWireName(final DirectBuffer buffer, final int offset, final int length)
    {
        for (int i = 0; i < channelCount; i++)
        {
            final UnsafeBuffer wireName = channels[i].wireName;
            if (wireName.capacity() == length && equals(wireName, buffer, offset, length))
            {
                return channels[i];
            }
        }
        return null;
    }

    private static boolean equals(final DirectBuffer name, final DirectBuffer buffer, final int offset,
        final int length)
    {
        for (int i = 0; i < length; i++)
        {
            if (name.getByte(i) != buffer.getByte(offset + i))
            {
                return false;
            }
        }
        return true;
    }

    private MuxChannel findById(final int channelId)
    {
        for (int i = 0; i < channelCount; i++)
        {
            if (channels[i].channelId == channelId)
            {
                return channels[i];
            }
        }
        return null;
    }

    private MuxChannel findBySerial(final int serial)
    {
        for (int i = 0; i < channelCount; i++)
        {
            if (channels[i].serial == serial)
            {
                return channels[i];
            }
        }
        return null;
    }
}
