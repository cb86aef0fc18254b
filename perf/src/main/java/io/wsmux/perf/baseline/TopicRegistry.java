package io.wsmux.perf.baseline;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.LongAdder;

import io.netty.channel.Channel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.ChannelMatcher;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;

/**
 * The fan-out server's topics: one {@link DefaultChannelGroup} of subscriber channels per topic name, created on
 * first use and never removed (a closed channel leaves its groups by itself). Also the slow-subscriber rule shared
 * by every publication: a subscriber whose channel is not writable (outbound bytes above the high water mark) is
 * skipped and the skip counted. Thread safe: used from every event loop.
 */
final class TopicRegistry
{
    private final ConcurrentMap<String, ChannelGroup> topics = new ConcurrentHashMap<>();
    private final LongAdder droppedCount = new LongAdder();
    private final ChannelMatcher writableSubscribers = this::isWritableElseCountDrop;

    /**
     * @param name topic name as it appears on the wire, e.g. {@code bench.3}.
     * @return the subscribers of that topic.
     */
    ChannelGroup topic(final String name)
    {
        return topics.computeIfAbsent(name, TopicRegistry::newGroup);
    }

    /**
     * @return matcher for {@link ChannelGroup#writeAndFlush(Object, ChannelMatcher, boolean)} that selects the
     * writable subscribers and counts one drop for each other one.
     */
    ChannelMatcher writableSubscribers()
    {
        return writableSubscribers;
    }

    /**
     * @return publications not delivered to a subscriber because its channel was not writable, since start.
     */
    long droppedCount()
    {
        return droppedCount.sum();
    }

    private boolean isWritableElseCountDrop(final Channel channel)
    {
        // Read from the publisher's loop; the flag also counts writes still queued as tasks for the subscriber's loop.
        if (channel.isWritable())
        {
            return true;
        }
        droppedCount.increment();
        return false;
    }

    private static ChannelGroup newGroup(final String name)
    {
        // The executor only notifies ChannelGroupFuture listeners; publications use void promises and have none.
        return new DefaultChannelGroup(name, GlobalEventExecutor.INSTANCE);
    }
}
