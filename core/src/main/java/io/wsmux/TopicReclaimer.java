package io.wsmux;

import java.util.ArrayList;

import io.wsmux.transport.IoLoop;
import io.wsmux.transport.LoopTask;
import org.jctools.queues.MpscUnboundedArrayQueue;

/**
 * Removes a multiplexer's idle topics: a duty of loop 0 for the server's whole life, run from its timer wheel every
 * sweep period (a quarter of the shortest reclaim delay, at most a second). It looks only at candidates: topics
 * listed when they were created or lost their last subscriber (an MPSC queue any loop or application thread may
 * offer to), kept in a list while they stay idle. A candidate that gains a subscriber leaves the list, and its next
 * last unsubscribe lists it again, so a sweep costs the number of idle topics, never the number of busy ones, and
 * nothing is done per publication but setting the topic's "used" flag.
 * <p>
 * A candidate is reclaimed when it has no subscriber, its used flag stayed clear for its delay (each sweep that
 * finds the flag set clears it and restarts the clock) and the CAS from 0 subscribers to RECLAIMED wins (see
 * {@link Topic}). Then it leaves the name map and, for a last-value topic, every loop is handed its
 * {@link LoopTopic} to release its own last value; an offer that finds a loop's queue full is retried next sweep.
 * <p>
 * Not thread safe but for {@link #onIdle}: owned by loop 0. Allocates only when its lists grow.
 */
final class TopicReclaimer implements LoopTask
{
    private static final int IDLE_QUEUE_CHUNK = 1024;

    private final Multiplexer multiplexer;
    private final MpscUnboundedArrayQueue<Topic> idle = new MpscUnboundedArrayQueue<>(IDLE_QUEUE_CHUNK);
    private final ArrayList<Topic> candidates = new ArrayList<>();
    private final ArrayList<LoopTopic> unreleased = new ArrayList<>();
    private IoLoop[] loops;
    private long periodNs;

    TopicReclaimer(final Multiplexer multiplexer)
    {
        this.multiplexer = multiplexer;
    }

    /**
     * Start sweeping on the first loop (before or after it runs).
     *
     * @param loops    the server's loops.
     * @param periodNs time between sweeps.
     */
    void start(final IoLoop[] loops, final long periodNs)
    {
        this.loops = loops;
        this.periodNs = periodNs;
        final IoLoop sweeper = loops[0];
        sweeper.execute(() -> sweeper.scheduleTask(this, sweeper.nowNs() + periodNs));
    }

    /**
     * A topic was created or lost its last subscriber. Any thread.
     *
     * @param topic a reclaimable topic.
     */
    void onIdle(final Topic topic)
    {
        if (topic.list())
        {
            idle.offer(topic);
        }
    }

    @Override
    public void run(final IoLoop loop)
    {
        try
        {
            sweep(loop.nowNs());
        }
        finally
        {
            loop.scheduleTask(this, loop.nowNs() + periodNs);
        }
    }

    /**
     * One sweep at the loop's time.
     *
     * @param nowNs loop 0's clock.
     */
    void sweep(final long nowNs)
    {
        Topic topic;
        while (null != (topic = idle.relaxedPoll()))
        {
            topic.idleSinceNs = nowNs;
            topic.takeUsed();
            candidates.add(topic);
        }

        for (int i = candidates.size() - 1; i >= 0; i--)
        {
            if (!keep(candidates.get(i), nowNs))
            {
                final int last = candidates.size() - 1;
                candidates.set(i, candidates.get(last));
                candidates.remove(last);
            }
        }

        for (int i = unreleased.size() - 1; i >= 0; i--)
        {
            final LoopTopic loopTopic = unreleased.get(i);
            if (loops[loopTopic.loopIndex].offerTask(loopTopic))
            {
                final int last = unreleased.size() - 1;
                unreleased.set(i, unreleased.get(last));
                unreleased.remove(last);
            }
        }
    }

    /**
     * @return whether the topic stays a candidate.
     */
    private boolean keep(final Topic topic, final long nowNs)
    {
        final int state = topic.state();
        if (Topic.RECLAIMED == state)
        {
            return false;
        }
        if (state > 0)
        {
            // Busy: drop it; its last unsubscribe lists it again. Unlist first, then look again, so that an
            // unsubscribe between the two reads (which saw it listed and did not list it) is not lost.
            topic.unlist();
            if (0 == topic.state() && topic.list())
            {
                topic.idleSinceNs = nowNs;
                return true;
            }
            return false;
        }
        if (topic.takeUsed())
        {
            topic.idleSinceNs = nowNs;
            return true;
        }
        if (nowNs - topic.idleSinceNs < topic.reclaimDelayNs())
        {
            return true;
        }
        if (!topic.tryReclaim())
        {
            return true; // a subscriber won the race: the next sweep finds it busy
        }
        multiplexer.onTopicReclaimed(topic);
        if (topic.options().lastValue())
        {
            for (int i = 0; i < loops.length; i++)
            {
                final LoopTopic loopTopic = topic.loopTopic(i);
                if (loops[i].isLoopThread())
                {
                    loopTopic.releaseLastValue();
                }
                else if (!loops[i].offerTask(loopTopic))
                {
                    unreleased.add(loopTopic);
                }
            }
        }
        return false;
    }
}
