package io.wsmux.perf.load;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Waiting on the main thread: parks, no busy spinning (on two cores the spare cycles belong to the server).
 */
final class Sleeps
{
    private Sleeps()
    {
    }

    /**
     * Park until a time.
     *
     * @param deadlineNs {@link System#nanoTime()} to wake at (or a little after).
     */
    static void until(final long deadlineNs)
    {
        long waitNs;
        while ((waitNs = deadlineNs - System.nanoTime()) > 0)
        {
            LockSupport.parkNanos(waitNs);
        }
    }

    /**
     * Park for a while.
     *
     * @param ms milliseconds.
     */
    static void ms(final long ms)
    {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(ms));
    }
}
