package io.wsmux.perf.load;

import org.HdrHistogram.Histogram;

/**
 * Percentiles of a latency histogram recorded in nanoseconds, in microseconds.
 *
 * @param count  latencies recorded.
 * @param meanUs mean.
 * @param p50Us  median.
 * @param p90Us  90th percentile.
 * @param p99Us  99th percentile.
 * @param p999Us 99.9th percentile.
 * @param maxUs  largest.
 */
public record LatencySummary(
    long count, double meanUs, double p50Us, double p90Us, double p99Us, double p999Us, double maxUs)
{
    private static final double NS_PER_US = 1_000.0;

    /**
     * @param histogram recorded in nanoseconds.
     * @return its summary; zeros when it is empty.
     */
    public static LatencySummary of(final Histogram histogram)
    {
        if (0 == histogram.getTotalCount())
        {
            return new LatencySummary(0, 0, 0, 0, 0, 0, 0);
        }
        return new LatencySummary(
            histogram.getTotalCount(),
            histogram.getMean() / NS_PER_US,
            histogram.getValueAtPercentile(50) / NS_PER_US,
            histogram.getValueAtPercentile(90) / NS_PER_US,
            histogram.getValueAtPercentile(99) / NS_PER_US,
            histogram.getValueAtPercentile(99.9) / NS_PER_US,
            histogram.getMaxValue() / NS_PER_US);
    }
}
