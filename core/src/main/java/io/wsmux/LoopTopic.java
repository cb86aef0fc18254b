package io.wsmux;

import java.util.Arrays;

/**
 * One loop's share of a topic: the channels of that loop subscribed to it, and the latest publication the loop has
 * seen (for last-value topics). Subscribers are an array iterated by index; removal during a delivery leaves a hole
 * that is compacted afterwards, so a subscriber closed mid-delivery never makes another one receive twice.
 * <p>
 * Not thread safe: owned by one loop; {@link #subscriberCount} is read by publishers to skip loops with none.
 */
final class LoopTopic
{
    final Topic topic;
    private MuxChannel[] subscribers = new MuxChannel[4];
    private int count;
    private boolean delivering;
    private boolean hasHoles;
    volatile int subscriberCount;
    Publication lastValue;

    LoopTopic(final Topic topic)
    {
        this.topic = topic;
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
        if (topic.options().lastValue())
        {
            publication.retain();
            if (null != lastValue)
            {
                lastValue.release();
            }
            lastValue = publication;
        }

        delivering = true;
        try
        {
            final MuxChannel[] subscribers = this.subscribers;
            final int count = this.count;
            for (int i = 0; i < count; i++)
            {
                final MuxChannel channel = subscribers[i];
                if (null != channel)
                {
                    channel.deliver(publication, nowNs);
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
