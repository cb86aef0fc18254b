package io.wsmux.perf.load;

import org.agrona.collections.LongHashSet;

/**
 * Checks that the sequence numbers of one stream (an echo connection, a subscriber's topic) arrive once each and in
 * order from 0, and tells gaps that fill in later (out of order) from messages that never come (missing) and
 * messages that come twice (duplicates). Allocates only when a gap opens.
 * <p>
 * Not thread safe: owned by the client loop the stream's connection belongs to.
 */
final class SequenceTracker
{
    /** The next expected number. */
    static final int IN_ORDER = 0;
    /** Later than expected: the numbers skipped are missing until they arrive. */
    static final int AHEAD = 1;
    /** One of the skipped numbers arrived: out of order. */
    static final int LATE = 2;
    /** Already seen. */
    static final int DUPLICATE = 3;
    /** Negative, or so far ahead that it cannot be a real sequence number. */
    static final int INVALID = 4;

    /** A jump further than this is taken for a corrupt number rather than as this many lost messages. */
    private static final long MAX_GAP = 1L << 20;

    private long next;
    private LongHashSet gaps;

    /**
     * @param sequence the number that arrived.
     * @return {@link #IN_ORDER}, {@link #AHEAD}, {@link #LATE}, {@link #DUPLICATE} or {@link #INVALID}.
     */
    int onSequence(final long sequence)
    {
        if (sequence == next)
        {
            next++;
            return IN_ORDER;
        }
        if (sequence < 0 || sequence - next > MAX_GAP)
        {
            return INVALID;
        }
        if (sequence > next)
        {
            if (null == gaps)
            {
                gaps = new LongHashSet();
            }
            for (long skipped = next; skipped < sequence; skipped++)
            {
                gaps.add(skipped);
            }
            next = sequence + 1;
            return AHEAD;
        }
        return null != gaps && gaps.remove(sequence) ? LATE : DUPLICATE;
    }

    /**
     * @return the next number expected in order: one past the highest seen.
     */
    long next()
    {
        return next;
    }

    /**
     * @param sent how many numbers (0 .. sent - 1) were sent.
     * @return how many of those have not arrived.
     */
    long missing(final long sent)
    {
        return (null == gaps ? 0 : gaps.size()) + Math.max(0, sent - next);
    }
}
