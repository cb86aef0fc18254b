package io.wsmux.perf.load;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;

/**
 * The nodes of a fan-out whose subscribers connect to several URLs ({@code --subscriber-urls}, the nodes of a
 * cluster): per client loop and node, the deliveries its subscribers received and their publish-to-receive
 * latencies, each counter and recorder written by that loop's thread only; the main thread takes the measured
 * window's share of each at the window's start and end. A fan-out to one URL does without: its subscribers record
 * into their loop's {@link LoadClient} as ever.
 * <p>
 * Written by the client loops, read by the main thread: {@link #startWindow()}, {@link #endWindow()} and the
 * results on the main thread only.
 */
final class FanOutNodes
{
    private final List<URI> urls;
    private final URI publisherUrl;
    /** Deliveries, [loop][node]: one writer each, the loop. */
    private final AtomicLong[][] received;
    /** Latencies in nanoseconds, [loop][node]: one writer each, the loop. */
    private final SingleWriterRecorder[][] recorders;
    private final long[] receivedAtStart;
    private final long[] receivedAtEnd;
    private final Histogram[] histograms;

    /**
     * @param urls         where the subscribers connect, one node each.
     * @param publisherUrl where the publisher connects: deliveries on any other URL cross nodes.
     * @param loops        client loops.
     */
    FanOutNodes(final List<URI> urls, final URI publisherUrl, final int loops)
    {
        this.urls = List.copyOf(urls);
        this.publisherUrl = publisherUrl;
        final int nodes = urls.size();
        received = new AtomicLong[loops][nodes];
        recorders = new SingleWriterRecorder[loops][nodes];
        for (int loop = 0; loop < loops; loop++)
        {
            for (int node = 0; node < nodes; node++)
            {
                received[loop][node] = new AtomicLong();
                recorders[loop][node] = new SingleWriterRecorder(
                    LoadClient.LOWEST_TRACKABLE_NS, LoadClient.HIGHEST_TRACKABLE_NS, LoadClient.SIGNIFICANT_DIGITS);
            }
        }
        receivedAtStart = new long[nodes];
        receivedAtEnd = new long[nodes];
        histograms = new Histogram[nodes];
        for (int node = 0; node < nodes; node++)
        {
            histograms[node] = LoadClient.newHistogram();
        }
    }

    /**
     * @param loop a client loop.
     * @param node a node.
     * @return the counter of that loop's deliveries to subscribers on that node, written by the loop only.
     */
    AtomicLong received(final int loop, final int node)
    {
        return received[loop][node];
    }

    /**
     * @param loop a client loop.
     * @param node a node.
     * @return the recorder of that loop's latencies on that node (nanoseconds), written by the loop only.
     */
    SingleWriterRecorder recorder(final int loop, final int node)
    {
        return recorders[loop][node];
    }

    /**
     * The measured window starts: what was counted and recorded before it (the warm-up) is left out.
     */
    void startWindow()
    {
        for (int node = 0; node < receivedAtStart.length; node++)
        {
            receivedAtStart[node] = sum(node);
            for (final SingleWriterRecorder[] loop : recorders)
            {
                loop[node].getIntervalHistogram(); // dropped
            }
        }
    }

    /**
     * The measured window ends: its deliveries and latencies per node are kept.
     */
    void endWindow()
    {
        for (int node = 0; node < receivedAtEnd.length; node++)
        {
            receivedAtEnd[node] = sum(node);
            for (final SingleWriterRecorder[] loop : recorders)
            {
                histograms[node].add(loop[node].getIntervalHistogram());
            }
        }
    }

    private long sum(final int node)
    {
        long total = 0;
        for (final AtomicLong[] loop : received)
        {
            total += loop[node].get();
        }
        return total;
    }

    /**
     * @param into the histogram every node's latencies of the measured window are added to.
     */
    void addHistogramsTo(final Histogram into)
    {
        for (final Histogram histogram : histograms)
        {
            into.add(histogram);
        }
    }

    /**
     * @param subscribers subscribers per node.
     * @param subscribed  subscribers per node that saw a probe.
     * @param measuredNs  the measured window.
     * @return per node, in the order of the URLs, what it delivered in the measured window.
     */
    List<FanOutNodeResult> results(final int[] subscribers, final int[] subscribed, final long measuredNs)
    {
        final List<FanOutNodeResult> results = new ArrayList<>();
        for (int node = 0; node < urls.size(); node++)
        {
            final long deliveries = receivedAtEnd[node] - receivedAtStart[node];
            results.add(new FanOutNodeResult(urls.get(node).toString(), urls.get(node).equals(publisherUrl),
                subscribers[node], subscribed[node], deliveries, deliveries * 1e9 / Math.max(1, measuredNs),
                LatencySummary.of(histograms[node])));
        }
        return results;
    }
}
