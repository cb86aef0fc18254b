package io.wsmux;

import java.time.Duration;

/**
 * How a topic treats its subscribers, and for a topic prefix, how long its topics live and how many there may be.
 *
 * @param lastValue      a new subscriber first receives the latest message published to the topic.
 * @param conflate       when a subscriber's connection has data queued, keep only the latest pending message of this
 *                       topic for it (replacing older ones not yet queued) instead of queueing every message.
 * @param maxRate        at most this many messages per second to each subscriber, each the latest (0 for no limit);
 *                       a subscriber may ask for its own rate.
 * @param reclaimDelayNs for a topic prefix: a topic created under it is removed once it has had no subscriber and no
 *                       publication for this long (0 never removes); {@link #SERVER_DEFAULT} takes
 *                       {@code wsmux.topic.reclaim.delay}. Ignored for a topic registered under an exact name.
 * @param maxTopics      for a topic prefix: topics that may exist under it at once (a client asking for one more is
 *                       refused); {@link #SERVER_DEFAULT} takes {@code wsmux.topic.max.per.prefix}.
 * @param compress       whether publications are compressed for subscribers that negotiated permessage-deflate (once
 *                       per publication, when at least {@code wsmux.deflate.min.length} long); false for payloads that
 *                       are compressed already.
 * @param nodeLocal      in a cluster, keep this topic's publications on the node that makes them (a node's own
 *                       statistics, say); false (the default) shares them with every node.
 * @param historySize    publications the topic keeps for subscribers that recover after a reconnect (docs/protocol.md,
 *                       positions and recovery); 0 (the default) keeps none and gives no positions.
 * @param historyMaxAgeNs how long a kept publication stays recoverable, 0 for no bound but the count.
 */
public record TopicOptions(
    boolean lastValue, boolean conflate, int maxRate, long reclaimDelayNs, int maxTopics, boolean compress,
    boolean nodeLocal, int historySize, long historyMaxAgeNs)
{
    /** Most publications a topic's history may keep. */
    public static final int MAX_HISTORY_SIZE = 1 << 20;

    /** For {@link #reclaimDelayNs} and {@link #maxTopics}: the server's setting. */
    public static final int SERVER_DEFAULT = -1;

    /** Every message to every subscriber, in order, queued when they are slow (bounded by the outbound budget). */
    public static final TopicOptions RELIABLE = new TopicOptions(false, false, 0);

    /** Market-data style: last value on subscribe, conflation for slow subscribers. */
    public static final TopicOptions LATEST = new TopicOptions(true, true, 0);

    /**
     * @param lastValue      a new subscriber first receives the latest message.
     * @param conflate       keep only the latest pending message for a slow subscriber.
     * @param maxRate        messages per second per subscriber, 0 for no limit.
     * @param reclaimDelayNs idle time before a topic under a prefix is removed, 0 never, or {@link #SERVER_DEFAULT}.
     * @param maxTopics      topics under a prefix, at least 1, or {@link #SERVER_DEFAULT}.
     * @param compress       compress publications for subscribers that negotiated permessage-deflate.
     * @param nodeLocal      in a cluster, keep publications on this node.
     * @param historySize    publications kept for recovery, 0 for none.
     * @param historyMaxAgeNs how long one stays recoverable, 0 for no bound but the count.
     */
    public TopicOptions
    {
        if (historySize < 0 || historySize > MAX_HISTORY_SIZE)
        {
            throw new IllegalArgumentException("historySize must be 0.." + MAX_HISTORY_SIZE + ": historySize=" +
                historySize);
        }
        if (historyMaxAgeNs < 0)
        {
            throw new IllegalArgumentException("historyMaxAgeNs must be >= 0: historyMaxAgeNs=" + historyMaxAgeNs);
        }
        if (maxRate < 0)
        {
            throw new IllegalArgumentException("maxRate must be >= 0: maxRate=" + maxRate);
        }
        if (reclaimDelayNs < SERVER_DEFAULT)
        {
            throw new IllegalArgumentException("reclaimDelayNs must be >= 0: reclaimDelayNs=" + reclaimDelayNs);
        }
        if (maxTopics < 1 && SERVER_DEFAULT != maxTopics)
        {
            throw new IllegalArgumentException("maxTopics must be >= 1: maxTopics=" + maxTopics);
        }
    }

    /**
     * Options with the server's reclaim delay and topic limit.
     *
     * @param lastValue a new subscriber first receives the latest message.
     * @param conflate  keep only the latest pending message for a slow subscriber.
     * @param maxRate   messages per second per subscriber, 0 for no limit.
     */
    public TopicOptions(final boolean lastValue, final boolean conflate, final int maxRate)
    {
        this(lastValue, conflate, maxRate, SERVER_DEFAULT, SERVER_DEFAULT, true, false, 0, 0);
    }

    /**
     * Options shared across a cluster.
     *
     * @param lastValue      a new subscriber first receives the latest message.
     * @param conflate       keep only the latest pending message for a slow subscriber.
     * @param maxRate        messages per second per subscriber, 0 for no limit.
     * @param reclaimDelayNs idle time before a topic under a prefix is removed, 0 never, or {@link #SERVER_DEFAULT}.
     * @param maxTopics      topics under a prefix, at least 1, or {@link #SERVER_DEFAULT}.
     * @param compress       compress publications for subscribers that negotiated permessage-deflate.
     */
    public TopicOptions(
        final boolean lastValue, final boolean conflate, final int maxRate, final long reclaimDelayNs,
        final int maxTopics, final boolean compress)
    {
        this(lastValue, conflate, maxRate, reclaimDelayNs, maxTopics, compress, false, 0, 0);
    }

    /**
     * Options whose publications are compressed for subscribers that negotiated permessage-deflate.
     *
     * @param lastValue      a new subscriber first receives the latest message.
     * @param conflate       keep only the latest pending message for a slow subscriber.
     * @param maxRate        messages per second per subscriber, 0 for no limit.
     * @param reclaimDelayNs idle time before a topic under a prefix is removed, 0 never, or {@link #SERVER_DEFAULT}.
     * @param maxTopics      topics under a prefix, at least 1, or {@link #SERVER_DEFAULT}.
     */
    public TopicOptions(
        final boolean lastValue, final boolean conflate, final int maxRate, final long reclaimDelayNs,
        final int maxTopics)
    {
        this(lastValue, conflate, maxRate, reclaimDelayNs, maxTopics, true, false, 0, 0);
    }

    /**
     * @param compress false to send this topic's publications uncompressed to every subscriber (payloads compressed
     *                 already: deflate would cost CPU for nothing).
     * @return these options with that choice.
     */
    public TopicOptions withCompression(final boolean compress)
    {
        return new TopicOptions(lastValue, conflate, maxRate, reclaimDelayNs, maxTopics, compress, nodeLocal,
            historySize, historyMaxAgeNs);
    }

    /**
     * @param maxRate messages per second per subscriber, 0 for no limit.
     * @return these options with that rate limit.
     */
    public TopicOptions withMaxRate(final int maxRate)
    {
        return new TopicOptions(lastValue, conflate, maxRate, reclaimDelayNs, maxTopics, compress, nodeLocal,
            historySize, historyMaxAgeNs);
    }

    /**
     * @param delay how long a topic created under the prefix may go without subscribers and publications before it
     *              is removed with its last value; {@link Duration#ZERO} never removes.
     * @return these options with that reclaim delay.
     */
    public TopicOptions withReclaimDelay(final Duration delay)
    {
        if (delay.isNegative())
        {
            throw new IllegalArgumentException("reclaim delay must be >= 0: delay=" + delay);
        }
        return new TopicOptions(lastValue, conflate, maxRate, delay.toNanos(), maxTopics, compress, nodeLocal,
            historySize, historyMaxAgeNs);
    }

    /**
     * @param maxTopics topics that may exist under the prefix at once, at least 1.
     * @return these options with that limit.
     */
    public TopicOptions withMaxTopics(final int maxTopics)
    {
        return new TopicOptions(lastValue, conflate, maxRate, reclaimDelayNs, maxTopics, compress, nodeLocal,
            historySize, historyMaxAgeNs);
    }

    /**
     * @param nodeLocal true to keep this topic's publications on the node that makes them, in a cluster (each node's
     *                  subscribers see only their node's); false to share them with every node.
     * @return these options with that choice.
     */
    public TopicOptions withNodeLocal(final boolean nodeLocal)
    {
        return new TopicOptions(lastValue, conflate, maxRate, reclaimDelayNs, maxTopics, compress, nodeLocal,
            historySize, historyMaxAgeNs);
    }

    /**
     * Keep a history, so that a subscriber who lost its connection recovers exactly what it missed (docs/protocol.md,
     * positions and recovery): every publication gets a position (epoch, offset), and the last {@code count}
     * publications, none older than {@code maxAge}, stay to be replayed. One ring per topic, shared by all its
     * subscribers; it holds the publications themselves (their pooled buffers), so size it with the publication rate.
     *
     * @param count  publications kept, 1 to {@link #MAX_HISTORY_SIZE}.
     * @param maxAge how long one stays recoverable; {@link Duration#ZERO} for no bound but the count.
     * @return these options with that history.
     */
    public TopicOptions withHistory(final int count, final Duration maxAge)
    {
        if (count < 1 || maxAge.isNegative())
        {
            throw new IllegalArgumentException("history needs count >= 1 and maxAge >= 0: count=" + count +
                ", maxAge=" + maxAge);
        }
        return new TopicOptions(lastValue, conflate, maxRate, reclaimDelayNs, maxTopics, compress, nodeLocal, count,
            maxAge.toNanos());
    }

    /**
     * @return true when the topic keeps a history and gives positions.
     */
    public boolean hasHistory()
    {
        return historySize > 0;
    }
}
