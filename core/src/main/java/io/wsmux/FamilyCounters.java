package io.wsmux;

import java.nio.ByteBuffer;

import io.wsmux.status.SystemCounter;
import io.wsmux.status.WsmuxCounters;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;

/**
 * One topic family's counters on one loop (a family is a multiplexer's topic prefix or exact topic), and that loop's
 * publications-received counter. Only the owning loop writes them, with release stores ({@code incrementRelease}):
 * single writer, no allocation, no contended cache line; readers sum the loops.
 * <p>
 * Not thread safe: written by one loop.
 */
final class FamilyCounters
{
    /** For topics of a multiplexer not bound to a server's counters (unit tests): a private buffer. */
    static final FamilyCounters UNATTACHED = unattached();

    final AtomicCounter publications;
    final AtomicCounter deliveries;
    final AtomicCounter subscribers;
    final AtomicCounter lastValueHits;
    final AtomicCounter loopPublications;

    private FamilyCounters(
        final AtomicCounter publications,
        final AtomicCounter deliveries,
        final AtomicCounter subscribers,
        final AtomicCounter lastValueHits,
        final AtomicCounter loopPublications)
    {
        this.publications = publications;
        this.deliveries = deliveries;
        this.subscribers = subscribers;
        this.lastValueHits = lastValueHits;
        this.loopPublications = loopPublications;
    }

    /**
     * Allocate a family's counters on every loop. Start-up thread only.
     *
     * @param counters    the server's counters file.
     * @param familyIndex the family's number.
     * @param family      its name.
     * @return its counters, by loop.
     */
    static FamilyCounters[] allocate(final WsmuxCounters counters, final int familyIndex, final String family)
    {
        return allocate(counters, familyIndex, family, new FamilyCounters[counters.loopCount()]);
    }

    /**
     * Allocate a family's counters on every loop into an array already handed out. Start-up thread only.
     *
     * @param counters    the server's counters file.
     * @param familyIndex the family's number.
     * @param family      its name.
     * @param byLoop      filled with its counters, by loop.
     * @return byLoop.
     */
    static FamilyCounters[] allocate(
        final WsmuxCounters counters, final int familyIndex, final String family, final FamilyCounters[] byLoop)
    {
        for (int loop = 0; loop < byLoop.length; loop++)
        {
            byLoop[loop] = new FamilyCounters(
                counters.allocate(SystemCounter.TOPIC_PUBLICATIONS, loop, familyIndex, family),
                counters.allocate(SystemCounter.TOPIC_DELIVERIES, loop, familyIndex, family),
                counters.allocate(SystemCounter.TOPIC_SUBSCRIBERS, loop, familyIndex, family),
                counters.allocate(SystemCounter.TOPIC_LAST_VALUE_HITS, loop, familyIndex, family),
                counters.loopCounter(loop, SystemCounter.PUBLICATIONS_RECEIVED));
        }
        return byLoop;
    }

    private static FamilyCounters unattached()
    {
        final CountersManager manager = new CountersManager(
            new UnsafeBuffer(ByteBuffer.allocateDirect(5 * CountersReader.METADATA_LENGTH)),
            new UnsafeBuffer(ByteBuffer.allocateDirect(5 * CountersReader.COUNTER_LENGTH)));
        return new FamilyCounters(manager.newCounter("publications"), manager.newCounter("deliveries"),
            manager.newCounter("subscribers"), manager.newCounter("last value hits"),
            manager.newCounter("loop publications"));
    }
}
