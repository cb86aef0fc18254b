package io.wsmux;

import java.util.Arrays;

import io.wsmux.transport.IoLoop;

/**
 * One loop's publications of the current batch, delivered together at the batch's end: subscriber by subscriber,
 * not publication by publication.
 * <p>
 * A batch is what the loop does between two writes of its connections: one read (a publisher's burst of messages),
 * or one drain of its queues (publications from other threads). Delivering each publication at once walked every
 * subscriber once per publication, and at 10,000 subscribers every such step is a cache miss on the subscriber's
 * channel, session and connection. Deferred to the batch's end, a subscriber is visited once per batch and takes all
 * its topic's publications at one go; for the common subscriber (text protocol, the topic's own name, no rate limit,
 * no conflation) those frames are {@link IoLoop#stage staged} once per topic in the loop's batch arena and queued by
 * reference, so that a delivery is one queue entry per subscriber and batch, not a copy per publication.
 * <p>
 * <b>Order.</b> A subscriber gets the publications of a batch in the order they reached the loop, as if each had been
 * delivered at once, across all its topics and with whatever else is sent to its connection:
 * <ul>
 *     <li>a session subscribed to one topic takes that topic's publications in order ({@link #deliverRun});</li>
 *     <li>a session subscribed to several merges its topics' lists by arrival ({@link #deliverMerged});</li>
 *     <li>before anything else is queued on a subscriber's connection during the batch (a service's message, a
 *     protocol reply, a close frame), the session {@link MuxSession#catchUp catches up} first;</li>
 *     <li>a channel opened during the batch takes only what arrived after it (it got the last value, if any, when it
 *     opened).</li>
 * </ul>
 * The batch holds one reference to each publication until its end. Outside a batch (a publication from a timer on
 * the loop) delivery is immediate, as before.
 * <p>
 * Not thread safe: owned by one loop. Allocates only to grow its arrays.
 */
final class FanOutBatch
{
    private final LoopContext context;
    private Publication[] publications = new Publication[256];
    private LoopTopic[] publicationTopics = new LoopTopic[256];
    private int count;
    /** Tells one batch's marks (on topics, sessions, channels) from the next's. */
    private long epoch = 1;
    private LoopTopic[] touched = new LoopTopic[16];
    private int touchedCount;
    private boolean flushing;
    private int[] mergeCursors = new int[8];
    private int[] mergeEnds = new int[8];
    private MuxChannel[] mergeChannels = new MuxChannel[8];
    /** A merge's delivery can reach a handler that sends to another session, which merges too: it gets its own. */
    private boolean mergeInUse;

    FanOutBatch(final LoopContext context)
    {
        this.context = context;
    }

    int count()
    {
        return count;
    }

    long epoch()
    {
        return epoch;
    }

    /**
     * @return true while the batch is delivered: its publications are all held until this ends.
     */
    boolean isFlushing()
    {
        return flushing;
    }

    /**
     * A publication reached the loop during a batch: keep it (and a reference to it) until the batch's end.
     */
    void add(final LoopTopic topic, final Publication publication)
    {
        publication.retain();
        if (count == publications.length)
        {
            publications = Arrays.copyOf(publications, count * 2);
            publicationTopics = Arrays.copyOf(publicationTopics, count * 2);
        }
        final int index = count++;
        publications[index] = publication;
        publicationTopics[index] = topic;
        if (topic.pendingEpoch != epoch)
        {
            topic.startPending(epoch);
            if (touchedCount == touched.length)
            {
                touched = Arrays.copyOf(touched, touchedCount * 2);
            }
            touched[touchedCount++] = topic;
        }
        topic.addPending(index);
    }

    /**
     * The batch ends: every subscriber of every topic published to catches up, then the publications are let go.
     */
    void flush(final long nowNs)
    {
        if (0 == count || flushing)
        {
            return;
        }
        flushing = true;
        try
        {
            int seen;
            do
            {
                // A delivery can publish again (a handler told of a slow consumer's close): go round until quiet.
                seen = count;
                for (int t = 0; t < touchedCount; t++)
                {
                    touched[t].catchUpSubscribers(nowNs);
                }
            }
            while (seen != count);
        }
        finally
        {
            for (int t = 0; t < touchedCount; t++)
            {
                touched[t].endPending();
                touched[t] = null;
            }
            for (int i = 0; i < count; i++)
            {
                final Publication publication = publications[i];
                publications[i] = null;
                publicationTopics[i] = null;
                publication.release();
            }
            touchedCount = 0;
            count = 0;
            epoch++;
            flushing = false;
        }
    }

    /**
     * Deliver to a session subscribed to one topic what its channel has not had of publications [from, to).
     */
    void deliverRun(final MuxChannel channel, final int from, final int to, final long nowNs)
    {
        final LoopTopic topic = channel.topic;
        if (topic.pendingEpoch != epoch || !channel.open)
        {
            return;
        }
        final int[] indices = topic.pendingIndices;
        final int pending = topic.pendingCount;
        final int start = runStart(channel, from);
        final int end = runEnd(topic, start, to);
        if (start == end)
        {
            return;
        }
        if (0 == start && end == pending && sendStaged(channel, topic))
        {
            return;
        }
        for (int i = start; i < end; i++)
        {
            if (channel.deliver(publications[indices[i]], nowNs))
            {
                topic.batchDeliveries++;
            }
        }
    }

    /**
     * Deliver to a session subscribed to several topics what its channels have not had of publications [from, to),
     * in the order they arrived: a merge of the channels' topics' lists.
     */
    void deliverMerged(final MuxChannel[] channels, final int channelCount, final int from, final int to,
        final long nowNs)
    {
        final boolean nested = mergeInUse;
        if (!nested && channelCount > mergeChannels.length)
        {
            mergeChannels = new MuxChannel[channelCount * 2];
            mergeCursors = new int[channelCount * 2];
            mergeEnds = new int[channelCount * 2];
        }
        final MuxChannel[] merging = nested ? new MuxChannel[channelCount] : mergeChannels;
        final int[] cursors = nested ? new int[channelCount] : mergeCursors;
        final int[] ends = nested ? new int[channelCount] : mergeEnds;
        mergeInUse = true;
        try
        {
            int active = 0;
            for (int c = 0; c < channelCount; c++)
            {
                final MuxChannel channel = channels[c];
                final LoopTopic topic = channel.topic;
                if (null == topic || topic.pendingEpoch != epoch || !channel.open)
                {
                    continue;
                }
                final int start = runStart(channel, from);
                final int end = runEnd(topic, start, to);
                if (start < end)
                {
                    merging[active] = channel;
                    cursors[active] = start;
                    ends[active] = end;
                    active++;
                }
            }
            while (active > 0)
            {
                int next = 0;
                int nextIndex = merging[0].topic.pendingIndices[cursors[0]];
                for (int c = 1; c < active; c++)
                {
                    final int index = merging[c].topic.pendingIndices[cursors[c]];
                    if (index < nextIndex)
                    {
                        next = c;
                        nextIndex = index;
                    }
                }
                final MuxChannel channel = merging[next];
                if (channel.open && channel.deliver(publications[nextIndex], nowNs))
                {
                    channel.topic.batchDeliveries++;
                }
                if (++cursors[next] == ends[next])
                {
                    active--;
                    merging[next] = merging[active];
                    cursors[next] = cursors[active];
                    ends[next] = ends[active];
                    merging[active] = null;
                }
            }
        }
        finally
        {
            if (!nested)
            {
                mergeInUse = false;
                Arrays.fill(mergeChannels, 0, Math.min(channelCount, mergeChannels.length), null);
            }
        }
    }

    /**
     * @return the first position in the channel's topic's list of this batch that the channel has not had: at or
     * after {@code from} and after the channel opened.
     */
    private int runStart(final MuxChannel channel, final int from)
    {
        final LoopTopic topic = channel.topic;
        final int[] indices = topic.pendingIndices;
        final int pending = topic.pendingCount;
        final int lowest = Math.max(from, channel.subscribedEpoch == epoch ? channel.subscribedAt : 0);
        int start = 0;
        while (start < pending && indices[start] < lowest)
        {
            start++;
        }
        return start;
    }

    /**
     * @return the end of the topic's run from {@code start} of publications that arrived before {@code to}.
     */
    private static int runEnd(final LoopTopic topic, final int start, final int to)
    {
        final int[] indices = topic.pendingIndices;
        int end = topic.pendingCount;
        while (end > start && indices[end - 1] >= to)
        {
            end--;
        }
        return end;
    }

    /**
     * The shared path: the topic's whole run of this batch, staged once in the arena, queued by reference.
     *
     * @return false when this subscriber or this run cannot take it (the caller delivers one by one).
     */
    private boolean sendStaged(final MuxChannel channel, final LoopTopic topic)
    {
        if (!channel.sharesStagedFrames())
        {
            return false;
        }
        final MuxCarrier connection = channel.session.connection;
        final StagedFrames staged = topic.stage(context.loop, publications, connection.takesSharedDeflate());
        if (null == staged || !connection.admitStaged(staged.bytes))
        {
            return false; // over budget: one by one, so that each publication is admitted or dropped on its own
        }
        final int pieces = staged.pieces;
        for (int p = 0; p < pieces; p++)
        {
            connection.writeStagedFrames(staged.offsets[p], staged.lengths[p], staged.frames[p]);
        }
        context.sharedCompressedSends += staged.deflatedFrames;
        final int frames = topic.pendingCount;
        context.deliveries += frames;
        topic.batchDeliveries += frames;
        return true;
    }
}
