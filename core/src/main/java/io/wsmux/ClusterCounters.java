package io.wsmux;

import java.util.List;
import java.util.concurrent.TimeUnit;

import io.wsmux.status.SystemCounter;
import io.wsmux.status.WsmuxCounters;
import io.wsmux.transport.IoLoop;
import io.wsmux.transport.LoopTask;
import org.agrona.concurrent.status.AtomicCounter;

/**
 * Copies the cluster's figures (published, received, dropped, interests, connected, gaps) from the multiplexers and
 * their buses into the counters file once a second, on loop 0, so that {@code /metrics} and {@code stat} show them
 * without the buses' threads writing the file. Cold path.
 */
final class ClusterCounters implements LoopTask
{
    private static final long PERIOD_NS = TimeUnit.SECONDS.toNanos(1);

    private final List<Multiplexer> multiplexers;
    private final AtomicCounter published;
    private final AtomicCounter received;
    private final AtomicCounter dropped;
    private final AtomicCounter interests;
    private final AtomicCounter connected;
    private final AtomicCounter gaps;
    private final AtomicCounter gapMessages;

    ClusterCounters(final List<Multiplexer> multiplexers, final WsmuxCounters counters)
    {
        this.multiplexers = multiplexers;
        this.published = counters.loopCounter(0, SystemCounter.CLUSTER_PUBLISHED);
        this.received = counters.loopCounter(0, SystemCounter.CLUSTER_RECEIVED);
        this.dropped = counters.loopCounter(0, SystemCounter.CLUSTER_DROPPED);
        this.interests = counters.loopCounter(0, SystemCounter.CLUSTER_INTERESTS);
        this.connected = counters.loopCounter(0, SystemCounter.CLUSTER_CONNECTED);
        this.gaps = counters.loopCounter(0, SystemCounter.CLUSTER_GAPS);
        this.gapMessages = counters.loopCounter(0, SystemCounter.CLUSTER_GAP_MESSAGES);
    }

    @Override
    public void run(final IoLoop loop)
    {
        sample();
        loop.scheduleTask(this, loop.nowNs() + PERIOD_NS);
    }

    void sample()
    {
        long published = 0;
        long received = 0;
        long dropped = 0;
        long interests = 0;
        long connected = 0;
        long gaps = 0;
        long gapMessages = 0;
        for (final Multiplexer multiplexer : multiplexers)
        {
            published += multiplexer.clusterPublished();
            received += multiplexer.clusterReceived();
            dropped += multiplexer.clusterDropped();
            interests += multiplexer.clusterInterests();
            connected += multiplexer.isClusterConnected() ? 1 : 0;
            gaps += multiplexer.clusterGaps();
            gapMessages += multiplexer.clusterGapMessages();
        }
        this.published.setRelease(published);
        this.received.setRelease(received);
        this.dropped.setRelease(dropped);
        this.interests.setRelease(interests);
        this.connected.setRelease(connected);
        this.gaps.setRelease(gaps);
        this.gapMessages.setRelease(gapMessages);
    }
}
