package io.wsmux.perf.load;

import java.util.Map;

import org.HdrHistogram.Histogram;

/**
 * What every scenario returns: its own values, latencies if it measures any, and errors. {@link ResultFormat}
 * renders it as the RESULT line and as JSON.
 */
public interface ScenarioResult
{
    /**
     * @return echo, fanout, connections or handshakes.
     */
    String scenario();

    /**
     * @return the run's label, possibly empty.
     */
    String label();

    /**
     * @return the scenario's own values, in the order they are printed: numbers, strings and booleans.
     */
    Map<String, Object> fields();

    /**
     * @return latency percentiles of the measured window, or null (the default) if the scenario measures none.
     */
    default LatencySummary latency()
    {
        return null;
    }

    /**
     * @return the latency histogram of the measured window in nanoseconds, or null (the default).
     */
    default Histogram histogram()
    {
        return null;
    }

    /**
     * @return errors by kind.
     */
    ErrorCounts errors();
}
