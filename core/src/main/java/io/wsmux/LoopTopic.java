package io.wsmux;

import java.util.Arrays;

import io.wsmux.transport.IoLoop;
import io.wsmux.transport.LoopTask;

/**
 * One loop's share of a topic: the channels of that loop subscribed to it, and the latest publication the loop has
 * seen (for last-value topics). Subscribers are an array iterated by index; removal during a delivery leaves a hole
 * that is compacted afterwards, so a subscriber closed mid-delivery never makes another one receive twice.
 * <p>
 * <p>
 * The last value is a pooled {@link Publication} this loop holds a reference to, and only this loop touches the
 * field. When the topic is reclaimed (on loop 0, see {@link Topic}), the reclaimer does not reach into other loops'
 * fields: it hands each loop its {@code LoopTopic} as a task ({@link #run}), and the loop releases its own last value
 * back to the pool. A publication already on its way to this loop may arrive after that task; {@link #deliver} sees
 * the topic RECLAIMED (set before the task was offered) and does not keep it, so no pooled publication stays held by
 * a removed topic, not even by one an application still references.
 * <p>
 * Not thread safe: owned by one loop; {@link #subscriberCount} is read by publishers to skip loops with none.
 */
final class LoopTopic implements LoopTask
{
    private static final int[] NO_INTS = new int[0];

    final Topic topic;
    final int loopIndex;
    final FamilyCounters familyCounters;
    private MuxChannel[] subscribers = new MuxChannel[4];
    private int count;
    private boolean delivering;
    private boolean hasHoles;
    volatile int subscriberCount;
    /** Subscribers that take a publication compressed once for all (permessage-deflate without context takeover). */
    volatile int deflateSubscriberCount;
    Publication lastValue;

    /** This loop's fan-out batches, or null (immediate delivery) on a loop without one. */
    final FanOutBatch fanOut;
    /** The batch whose publications {@link #pendingIndices} lists. */
    long pendingEpoch;
    /** Indices in the batch of this topic's publications, in arrival order. */
    int[] pendingIndices = NO_INTS; // grown when first published to in a batch: an idle topic holds no arrays
    int pendingCount;
    /** Deliveries of the batch, published to the family counter once at its end. */
    long batchDeliveries;
    /** This batch's frames staged for the subscribers that take them as they are: plain, and compressed. */
    private StagedFrames staged;
    private StagedFrames stagedDeflated;

    LoopTopic(final Topic topic, final int loopIndex, final IoLoop loop)
    {
        this.topic = topic;
        this.loopIndex = loopIndex;
        this.familyCounters = topic.target().familyCounters(loopIndex);
        this.fanOut = null == loop || !(loop.connectionFactory() instanceof LoopContext) ?
            null : ((LoopContext)loop.connectionFactory()).fanOut;
    }

    void add(final MuxChannel channel)
    {
        if (count == subscribers.length)
        {
            subscribers = Arrays.copyOf(subscribers, count * 2);
        }
        channel.subscriberIndex = count;
        if (null != fanOut)
        {
            // Opened during a batch: what reached the loop before it is not for it (it got the last value).
            channel.subscribedEpoch = fanOut.epoch();
            channel.subscribedAt = fanOut.count();
        }
        subscribers[count++] = channel;
        if (1 == ++subscriberCount)
        {
            topic.onLoopInterest(true);
        }
        if (channel.session.connection.takesSharedDeflate())
        {
            deflateSubscriberCount++;
        }
        familyCounters.subscribers.incrementRelease();
    }

    void remove(final MuxChannel channel)
    {
        final int index = channel.subscriberIndex;
        if (index < 0 || index >= count || subscribers[index] != channel)
        {
            return;
        }
        channel.subscriberIndex = -1;
        if (0 == --subscriberCount)
        {
            topic.onLoopInterest(false);
        }
        if (channel.session.connection.takesSharedDeflate())
        {
            deflateSubscriberCount--;
        }
        familyCounters.subscribers.decrementRelease();
        if (delivering)
        {
            subscribers[index] = null;
            hasHoles = true;
            return;
        }
        final MuxChannel last = subscribers[--count];
        subscribers[count] = null;
        if (last != channel)
        {
            subscribers[index] = last;
            last.subscriberIndex = index;
        }
    }

    /**
     * Tell this loop's binary-protocol subscribers that publications may be missing before what comes next (a GAP).
     * Loop thread; cold path.
     *
     * @return GAP messages sent.
     */
    int reportGap(final int code, final String reason)
    {
        int sent = 0;
        for (int i = 0; i < count; i++)
        {
            final MuxChannel channel = subscribers[i];
            if (null != channel && channel.open && channel.session.sendGap(channel, code, reason))
            {
                sent++;
            }
        }
        return sent;
    }

    /**
     * A publication reaches this loop: count it, keep it as the last value, then deliver it at the end of the
     * loop's batch with the others ({@link FanOutBatch}), or at once outside a batch.
     */
    void deliver(final Publication publication, final IoLoop loop, final long nowNs)
    {
        familyCounters.publications.incrementRelease();
        familyCounters.loopPublications.incrementRelease();
        if (topic.options().lastValue() && !topic.isReclaimed())
        {
            publication.retain();
            if (null != lastValue)
            {
                lastValue.release();
            }
            lastValue = publication;
        }
        if (0 == count)
        {
            return;
        }
        if (null != fanOut && loop.isBatching())
        {
            fanOut.add(this, publication);
        }
        else
        {
            deliverNow(publication, nowNs);
        }
    }

    private void deliverNow(final Publication publication, final long nowNs)
    {
        delivering = true;
        int sent = 0;
        try
        {
            final MuxChannel[] subscribers = this.subscribers;
            final int count = this.count;
            for (int i = 0; i < count; i++)
            {
                final MuxChannel channel = subscribers[i];
                if (null != channel && channel.deliver(publication, nowNs))
                {
                    sent++;
                }
            }
        }
        finally
        {
            // One store per publication on this loop, not one per subscriber: the family counter lives in the
            // counters file, off the subscribers' cache lines.
            familyCounters.deliveries.getAndAddRelease(sent);
            delivering = false;
            if (hasHoles)
            {
                compact();
            }
        }
    }

    void startPending(final long epoch)
    {
        pendingEpoch = epoch;
        pendingCount = 0;
        batchDeliveries = 0;
    }

    void addPending(final int index)
    {
        if (pendingCount == pendingIndices.length)
        {
            pendingIndices = Arrays.copyOf(pendingIndices, Math.max(8, pendingCount * 2));
        }
        pendingIndices[pendingCount++] = index;
    }

    /**
     * The batch ends: count its deliveries once (the family counter lives in the counters file, off the subscribers'
     * cache lines).
     */
    void endPending()
    {
        if (0 != batchDeliveries)
        {
            familyCounters.deliveries.getAndAddRelease(batchDeliveries);
            batchDeliveries = 0;
        }
        pendingEpoch = 0;
        pendingCount = 0;
        if (null != staged)
        {
            staged.reset();
        }
        if (null != stagedDeflated)
        {
            stagedDeflated.reset();
        }
    }

    /**
     * Every subscriber takes what the batch holds for its session, in order (see {@link FanOutBatch}). A subscriber
     * closed meanwhile leaves a hole, compacted afterwards.
     */
    void catchUpSubscribers(final long nowNs)
    {
        delivering = true;
        try
        {
            final MuxChannel[] subscribers = this.subscribers;
            for (int i = 0; i < count; i++)
            {
                final MuxChannel channel = subscribers[i];
                if (null != channel)
                {
                    channel.session.catchUp(nowNs);
                }
            }
        }
        finally
        {
            delivering = false;
            if (hasHoles)
            {
                compact();
            }
        }
    }

    /**
     * Copy this batch's frames of the topic into the loop's batch arena once, in pieces of at most a chunk, for the
     * subscribers that can take them as they are. Done on the first such subscriber, again only if the batch grew.
     *
     * @param deflated true for subscribers that take publications compressed once for all.
     * @return the staged frames, or null when they cannot be staged (a binary publication, a frame longer than a
     * chunk, the arena full).
     */
    StagedFrames stage(final IoLoop loop, final Publication[] publications, final boolean deflated)
    {
        StagedFrames frames = deflated ? stagedDeflated : staged;
        if (null == frames)
        {
            frames = new StagedFrames(deflated); // on first use: an idle topic holds none
            if (deflated)
            {
                stagedDeflated = frames;
            }
            else
            {
                staged = frames;
            }
        }
        return frames.stage(loop, publications, pendingIndices, pendingCount, pendingEpoch) ? frames : null;
    }

    /**
     * The topic was reclaimed: give the last value back (on this loop's thread).
     */
    @Override
    public void run(final IoLoop loop)
    {
        releaseLastValue();
    }

    void releaseLastValue()
    {
        final Publication value = lastValue;
        if (null != value)
        {
            lastValue = null;
            value.release();
        }
    }

    private void compact()
    {
        int to = 0;
        for (int from = 0; from < count; from++)
        {
            final MuxChannel channel = subscribers[from];
            if (null != channel)
            {
                channel.subscriberIndex = to;
                subscribers[to++] = channel;
            }
        }
        for (int i = to; i < count; i++)
        {
            subscribers[i] = null;
        }
        count = to;
        hasHoles = false;
    }
}
