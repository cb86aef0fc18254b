package io.wsmux;

import java.util.concurrent.ThreadLocalRandom;

import org.agrona.BitUtil;

/**
 * A topic's history: its last publications in a ring, each with its offset, for subscribers that recover after a
 * reconnect (docs/protocol.md, positions and recovery). One per topic, shared by all its subscribers; it holds a
 * reference to each publication it keeps (their pooled buffers), released when a newer one pushes it out or it grows
 * older than the age bound.
 * <p>
 * The epoch is random, drawn when the history starts: a topic created anew (a restart, a reclaimed topic) has another,
 * so a client can never take one history's offsets for another's.
 * <p>
 * Thread safe by its monitor: a publication is appended, and handed to the loops, under it, so that offsets reach
 * every loop in order and a recovering subscriber sees a consistent cut ({@link Topic}). Only topics with a history
 * take it; it is held for the append and the hand-off, never while delivering.
 */
final class TopicHistory
{
    final long epoch;
    private final Publication[] ring;
    private final long[] publishedNs;
    private final int mask;
    private final int maxCount;
    private final long maxAgeNs;
    /** The last publication's offset, 0 before the first. */
    private long lastOffset;
    /** The oldest offset still kept; lastOffset + 1 when none is. */
    private long firstOffset = 1;

    TopicHistory(final int maxCount, final long maxAgeNs)
    {
        this.maxCount = maxCount;
        this.maxAgeNs = maxAgeNs;
        final int capacity = BitUtil.findNextPositivePowerOfTwo(maxCount);
        this.ring = new Publication[capacity];
        this.publishedNs = new long[capacity];
        this.mask = capacity - 1;
        long random = 0;
        while (0 == random)
        {
            random = ThreadLocalRandom.current().nextLong();
        }
        this.epoch = random;
    }

    /**
     * Keep a publication as the newest, giving it the next offset. The caller holds the monitor.
     *
     * @param publication to keep (retained here).
     * @param nowNs       the time it was published.
     * @return its offset.
     */
    long append(final Publication publication, final long nowNs)
    {
        final long offset = ++lastOffset;
        publication.offset = offset;
        if (offset - firstOffset >= maxCount)
        {
            evictOldest();
        }
        publication.retain();
        final int index = (int)offset & mask;
        ring[index] = publication;
        publishedNs[index] = nowNs;
        expire(nowNs);
        return offset;
    }

    /**
     * @return the last publication's offset, 0 before the first. The caller holds the monitor.
     */
    long lastOffset()
    {
        return lastOffset;
    }

    /**
     * @return the newest publication kept, or null. The caller holds the monitor.
     */
    Publication newest()
    {
        return firstOffset <= lastOffset ? ring[(int)lastOffset & mask] : null;
    }

    /**
     * Whether every publication after a position is still here. The caller holds the monitor.
     *
     * @param epoch  the client's epoch.
     * @param offset the client's offset: the last publication it has.
     * @param nowNs  now, for the age bound.
     * @return true if the publications {@code offset + 1} to the last are all kept (none, if it has the last).
     */
    boolean holdsAfter(final long epoch, final long offset, final long nowNs)
    {
        expire(nowNs);
        return epoch == this.epoch && offset <= lastOffset && offset >= firstOffset - 1;
    }

    /**
     * @param offset an offset kept ({@link #holdsAfter}).
     * @return the publication with that offset. The caller holds the monitor.
     */
    Publication at(final long offset)
    {
        return ring[(int)offset & mask];
    }

    private void expire(final long nowNs)
    {
        if (0 == maxAgeNs)
        {
            return;
        }
        while (firstOffset <= lastOffset && nowNs - publishedNs[(int)firstOffset & mask] > maxAgeNs)
        {
            evictOldest();
        }
    }

    private void evictOldest()
    {
        final int index = (int)firstOffset & mask;
        final Publication oldest = ring[index];
        ring[index] = null;
        firstOffset++;
        if (null != oldest)
        {
            oldest.release();
        }
    }

    /**
     * Release every publication kept (the topic is removed). The caller holds the monitor.
     */
    void clear()
    {
        while (firstOffset <= lastOffset)
        {
            evictOldest();
        }
    }
}
