package io.wsmux;

import org.jctools.queues.MpmcArrayQueue;

/**
 * Free {@link Publication}s by power-of-two capacity class, shared by publishers (any thread) and the loops that
 * release them. Bounded: a class keeps at most {@code perClass} free publications, more go to the garbage collector.
 * Thread safe and allocation free once warm.
 */
final class PublicationPool
{
    private static final int MIN_SHIFT = 8;

    private final MpmcArrayQueue<Publication>[] classes;
    private final int maxCapacity;

    @SuppressWarnings("unchecked")
    PublicationPool(final int maxCapacity, final int perClass)
    {
        this.maxCapacity = maxCapacity;
        final int classCount = classOf(maxCapacity) + 1;
        classes = new MpmcArrayQueue[classCount];
        for (int i = 0; i < classCount; i++)
        {
            classes[i] = new MpmcArrayQueue<>(perClass);
        }
    }

    private static int classOf(final int capacity)
    {
        return Math.max(0, 32 - Integer.numberOfLeadingZeros(Math.max(1, capacity) - 1) - MIN_SHIFT);
    }

    Publication acquire(final int capacity)
    {
        if (capacity > maxCapacity)
        {
            throw new IllegalArgumentException("publication larger than the pool: capacity=" + capacity +
                ", maxCapacity=" + maxCapacity);
        }
        final int index = classOf(capacity);
        final Publication publication = classes[index].relaxedPoll();
        return null != publication ? publication : new Publication(this, 1 << (index + MIN_SHIFT));
    }

    void release(final Publication publication)
    {
        classes[classOf(publication.buffer.capacity())].relaxedOffer(publication);
    }
}
