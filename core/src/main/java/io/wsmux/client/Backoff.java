package io.wsmux.client;

import java.util.function.DoubleSupplier;

/**
 * The attempt count of a {@link ReconnectingMuxClient} and the wait before each attempt, on a clock handed in (so a
 * test drives it by hand). Not thread safe: owned by the client's I/O thread.
 */
final class Backoff
{
    private final ReconnectPolicy policy;
    private final DoubleSupplier random;
    private final long minUptimeNs;
    private int attempt;
    private long openedAtNs;

    /**
     * @param policy the delays.
     * @param random numbers in [0, 1) for the jitter.
     */
    Backoff(final ReconnectPolicy policy, final DoubleSupplier random)
    {
        this.policy = policy;
        this.random = random;
        this.minUptimeNs = policy.minUptime().toNanos();
    }

    /**
     * A WebSocket opened.
     *
     * @param nowNs when.
     */
    void onOpened(final long nowNs)
    {
        openedAtNs = nowNs;
    }

    /**
     * The WebSocket closed, or an attempt failed: count the next attempt and draw its wait.
     *
     * @param nowNs   when.
     * @param wasOpen true if a WebSocket that opened closed, false if an attempt failed before opening.
     * @return the wait before the next attempt, in nanoseconds.
     */
    long nextDelayNs(final long nowNs, final boolean wasOpen)
    {
        if (wasOpen && nowNs - openedAtNs >= minUptimeNs)
        {
            attempt = 0; // it stayed up: start again from the initial delay
        }
        if (attempt < Integer.MAX_VALUE)
        {
            attempt++;
        }
        return policy.delayNs(attempt, random.getAsDouble());
    }

    /**
     * @return the attempt the last {@link #nextDelayNs} counted, 0 before any.
     */
    int attempt()
    {
        return attempt;
    }
}
