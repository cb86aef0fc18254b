package io.wsmux;

/**
 * How a topic treats its subscribers.
 *
 * @param lastValue a new subscriber first receives the latest message published to the topic.
 * @param conflate  when a subscriber's connection has data queued, keep only the latest pending message of this
 *                  topic for it (replacing older ones not yet queued) instead of queueing every message.
 * @param maxRate   at most this many messages per second to each subscriber, each the latest (0 for no limit);
 *                  a subscriber may ask for its own rate.
 */
public record TopicOptions(boolean lastValue, boolean conflate, int maxRate)
{
    /** Every message to every subscriber, in order, queued when they are slow (bounded by the outbound budget). */
    public static final TopicOptions RELIABLE = new TopicOptions(false, false, 0);

    /** Market-data style: last value on subscribe, conflation for slow subscribers. */
    public static final TopicOptions LATEST = new TopicOptions(true, true, 0);

    /**
     * @param lastValue a new subscriber first receives the latest message.
     * @param conflate  keep only the latest pending message for a slow subscriber.
     * @param maxRate   messages per second per subscriber, 0 for no limit.
     */
    public TopicOptions
    {
        if (maxRate < 0)
        {
            throw new IllegalArgumentException("maxRate must be >= 0: maxRate=" + maxRate);
        }
    }

    /**
     * @param maxRate messages per second per subscriber, 0 for no limit.
     * @return these options with that rate limit.
     */
    public TopicOptions withMaxRate(final int maxRate)
    {
        return new TopicOptions(lastValue, conflate, maxRate);
    }
}
