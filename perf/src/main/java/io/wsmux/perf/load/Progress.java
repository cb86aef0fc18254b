package io.wsmux.perf.load;

import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The progress line a run prints to stderr every second: elapsed time, phase, rate of its main count over the last
 * second, open connections and errors. A daemon thread of its own, reading counters the run's threads write.
 */
final class Progress implements AutoCloseable
{
    private static final long INTERVAL_NS = TimeUnit.SECONDS.toNanos(1);

    private final Thread thread;
    private volatile boolean running = true;

    private Progress(
        final String scenario,
        final Supplier<String> phase,
        final String unit,
        final LongSupplier count,
        final LongSupplier connections,
        final LongSupplier errors)
    {
        thread = new Thread(() -> run(scenario, phase, unit, count, connections, errors), "load-progress");
        thread.setDaemon(true);
    }

    /**
     * Start printing, unless quiet.
     *
     * @param quiet       print nothing.
     * @param scenario    name at the start of the line.
     * @param phase       the run's phase now (connect, warmup, measure, drain, ...).
     * @param unit        what {@code count} counts per second (msg/s, deliveries/s, handshakes/s).
     * @param count       the main count, increasing.
     * @param connections connections open now.
     * @param errors      errors so far.
     * @return the printer, to close when the run ends.
     */
    static Progress start(
        final boolean quiet,
        final String scenario,
        final Supplier<String> phase,
        final String unit,
        final LongSupplier count,
        final LongSupplier connections,
        final LongSupplier errors)
    {
        final Progress progress = new Progress(scenario, phase, unit, count, connections, errors);
        if (!quiet)
        {
            progress.thread.start();
        }
        return progress;
    }

    private void run(
        final String scenario,
        final Supplier<String> phase,
        final String unit,
        final LongSupplier count,
        final LongSupplier connections,
        final LongSupplier errors)
    {
        final long startNs = System.nanoTime();
        long lastNs = startNs;
        long lastCount = count.getAsLong();
        long nextNs = startNs + INTERVAL_NS;
        while (running)
        {
            final long waitNs = nextNs - System.nanoTime();
            if (waitNs > 0)
            {
                try
                {
                    TimeUnit.NANOSECONDS.sleep(waitNs);
                }
                catch (final InterruptedException ex)
                {
                    return;
                }
                continue;
            }
            nextNs += INTERVAL_NS;
            final long nowNs = System.nanoTime();
            final long nowCount = count.getAsLong();
            final double rate = (nowCount - lastCount) * 1e9 / Math.max(1, nowNs - lastNs);
            if (running)
            {
                System.err.printf(Locale.ROOT, "%s %6.1fs %-8s %,14.0f %s  connections=%d  errors=%d%n",
                    scenario, (nowNs - startNs) / 1e9, phase.get(), rate, unit, connections.getAsLong(),
                    errors.getAsLong());
            }
            lastNs = nowNs;
            lastCount = nowCount;
        }
    }

    @Override
    public void close()
    {
        running = false;
        thread.interrupt();
    }
}
