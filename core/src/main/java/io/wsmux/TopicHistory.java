package io.wsmux;

import java.util.concurrent.ThreadLocalRandom;

import org.agrona.BitUtil;

/**
 * A topic's history: its last publications in a ring, each with its offset, for subscribers that recover after a
 * reconnect (docs/protocol.md, positions and recovery). One per topic, shared by all its subscribers; it holds a
 * reference to each publication it keeps (their pooled buffers), released when a newer one pushes it out or it grows
 * older than the age bound.
 * <p>
 * On one node offsets are given here, one more per publication, and the epoch is random, drawn when the history
 * starts: a topic created anew (a restart, a reclaimed topic) has another, so a client can never take one history's
 * offsets for another's. In a cluster the offsets and the epoch come from JetStream's stream ({@link #appendAt}):
 * increasing, with holes (other topics share the stream's sequence), and the same on every node.
 * <p>
 * Which positions it can recover from: those at or after its <em>floor</em>, the last offset it no longer has (0 on
 * one node before any eviction: everything from offset 1 is here). In a cluster the first offset it got from the
 * stream is the floor: earlier ones of the topic may have existed, and a client must have that one at least.
 * <p>
 * Thread safe by its monitor: a publication is appended, and handed to the loops, under it, so that offsets reach
 * every loop in order and a recovering subscriber sees a consistent cut ({@link Topic}). Only topics with a history
 * take it; it is held for the append and the hand-off, never while delivering.
 */
final class TopicHistory
{
    private final Publication[] ring;
    private final long[] offsets;
    private final long[] publishedNs;
    private final int mask;
    private final int maxCount;
    private final long maxAgeNs;
    private final boolean fromStream;
    private long epoch;
    /** Ring positions of the oldest kept and one past the newest. */
    private long head;
    private long tail;
    /** The last publication's offset, 0 before the first. */
    private long lastOffset;
    /** Positions at or after this can be recovered from; -1 until the first offset from a stream. */
    private long floor;

    /**
     * @param maxCount publications kept.
     * @param maxAgeNs how long one is kept, 0 for no bound but the count.
     * @param fromStream true when offsets and the epoch come from a stream ({@link #appendAt}).
     */
    TopicHistory(final int maxCount, final long maxAgeNs, final boolean fromStream)
    {
        this.maxCount = maxCount;
        this.maxAgeNs = maxAgeNs;
        final int capacity = BitUtil.findNextPositivePowerOfTwo(maxCount);
        this.ring = new Publication[capacity];
        this.offsets = new long[capacity];
        this.publishedNs = new long[capacity];
        this.mask = capacity - 1;
        this.fromStream = fromStream;
        this.floor = fromStream ? -1 : 0;
        long random = 0;
        while (!fromStream && 0 == random)
        {
            random = ThreadLocalRandom.current().nextLong();
        }
        this.epoch = random;
    }

    /**
     * @return the epoch; 0 for a stream's history before its first publication or its epoch is known.
     */
    long epoch()
    {
        return epoch;
    }

    /**
     * @param epoch the stream's epoch (a cluster). The caller holds the monitor.
     */
    void epoch(final long epoch)
    {
        this.epoch = epoch;
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
        return appendAt(publication, nowNs, lastOffset + 1) ? lastOffset : 0;
    }

    /**
     * Keep a publication with the offset a stream gave it. The caller holds the monitor.
     *
     * @param publication to keep (retained here, unless refused).
     * @param nowNs       when it arrived.
     * @param offset      its offset, above the last one.
     * @return false when the offset is not above the last (a publication seen already): not kept.
     */
    boolean appendAt(final Publication publication, final long nowNs, final long offset)
    {
        if (offset <= lastOffset)
        {
            return false;
        }
        if (floor < 0)
        {
            floor = offset; // the first from the stream: a client must have it at least
        }
        publication.offset = offset;
        lastOffset = offset;
        if (tail - head >= maxCount)
        {
            evictOldest();
        }
        publication.retain();
        final int index = (int)tail & mask;
        ring[index] = publication;
        offsets[index] = offset;
        publishedNs[index] = nowNs;
        tail++;
        expire(nowNs);
        return true;
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
        return tail > head ? ring[(int)(tail - 1) & mask] : null;
    }

    /**
     * Whether every publication after a position is still here. The caller holds the monitor.
     *
     * @param epoch  the client's epoch.
     * @param offset the client's offset: the last publication it has.
     * @param nowNs  now, for the age bound.
     * @return true if the publications after it, up to the last, are all kept (none, if it has the last).
     */
    boolean holdsAfter(final long epoch, final long offset, final long nowNs)
    {
        expire(nowNs);
        // From a stream, a client may be ahead of this node (its last node read the stream faster): what it lacks
        // will come live, and what it has is skipped (the caller cuts at its offset).
        return 0 != this.epoch && epoch == this.epoch && floor >= 0 && offset >= floor &&
            (offset <= lastOffset || fromStream);
    }

    /**
     * @param offset a position it {@link #holdsAfter}.
     * @return how many publications it keeps after it. The caller holds the monitor.
     */
    int countAfter(final long offset)
    {
        return (int)(tail - firstAfter(offset));
    }

    /**
     * Copy the publications after a position, oldest first, each retained for the caller.
     *
     * @param offset a position it {@link #holdsAfter}.
     * @param into   at least {@link #countAfter} long.
     * @return how many. The caller holds the monitor.
     */
    int retainAfter(final long offset, final Publication[] into)
    {
        int count = 0;
        for (long position = firstAfter(offset); position < tail; position++)
        {
            final Publication publication = ring[(int)position & mask];
            publication.retain();
            into[count++] = publication;
        }
        return count;
    }

    /**
     * @return the ring position of the first publication with an offset above the given one (binary search: offsets
     * grow along the ring).
     */
    private long firstAfter(final long offset)
    {
        long low = head;
        long high = tail;
        while (low < high)
        {
            final long middle = (low + high) >>> 1;
            if (offsets[(int)middle & mask] <= offset)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }
        return low;
    }

    private void expire(final long nowNs)
    {
        if (0 == maxAgeNs)
        {
            return;
        }
        while (tail > head && nowNs - publishedNs[(int)head & mask] > maxAgeNs)
        {
            evictOldest();
        }
    }

    private void evictOldest()
    {
        final int index = (int)head & mask;
        final Publication oldest = ring[index];
        ring[index] = null;
        floor = Math.max(floor, offsets[index]);
        head++;
        if (null != oldest)
        {
            oldest.release();
        }
    }

    /**
     * Start again under another epoch (a cluster's stream was lost and made anew): nothing kept, the next offset from
     * the stream is the floor. The caller holds the monitor.
     *
     * @param epoch the new epoch.
     */
    void restart(final long epoch)
    {
        clear();
        this.epoch = epoch;
        lastOffset = 0;
        floor = -1;
    }

    /**
     * Release every publication kept (the topic is removed). The caller holds the monitor.
     */
    void clear()
    {
        while (tail > head)
        {
            evictOldest();
        }
    }
}
