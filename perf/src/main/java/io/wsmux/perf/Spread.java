package io.wsmux.perf;

import java.util.List;

/**
 * Median, min and max of a metric over rounds: what the comparison runners report.
 *
 * @param median the median (the mean of the two middle values for an even count), NaN for no values.
 * @param min    the smallest, NaN for no values.
 * @param max    the largest, NaN for no values.
 * @param count  how many values.
 */
record Spread(double median, double min, double max, int count)
{
    /**
     * @param values the values, in any order.
     * @return their spread.
     */
    static Spread of(final List<Double> values)
    {
        final double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        final int n = sorted.length;
        if (0 == n)
        {
            return new Spread(Double.NaN, Double.NaN, Double.NaN, 0);
        }
        final double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        return new Spread(median, sorted[0], sorted[n - 1], n);
    }

    /**
     * @param values the values, in any order.
     * @return their median, NaN for none.
     */
    static double median(final List<Double> values)
    {
        return of(values).median();
    }
}
