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
    final Topic topic;
    final int loopIndex;
    final FamilyCounters familyCounters;
    private MuxChannel[] subscribers = new MuxChannel[4];
    private int count;
    private boolean delivering;
    private boolean hasHoles;
    volatile int subscriberCount;
    Publication lastValue;

    LoopTopic(final Topic topic, final int loopIndex)
    {
        this.topic = topic;
        this.loopIndex = loopIndex;
        this.familyCounters = topic.target().familyCounters(loopIndex);
    }

    void add(final MuxChannel channel)
    {
        if (count == subscribers.length)
        {
            subscribers = Arrays.copyOf(subscribers, count * 2);
        }
        channel.subscriberIndex = count;
        subscribers[count++] = channel;
        subscriberCount++;
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
        subscriberCount--;
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

    void deliver(final Publication publication, final long nowNs)
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
