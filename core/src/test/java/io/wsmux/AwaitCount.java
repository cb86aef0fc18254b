package io.wsmux;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Waits for a server counter to reach a value: the getters read the counters file, which each loop publishes at the
 * end of a duty cycle, so a client can see the server's response a few microseconds before the count of it.
 */
final class AwaitCount
{
    private AwaitCount()
    {
    }

    /**
     * @param name     for the failure message.
     * @param counter  reads the count.
     * @param expected the value to wait for (10 s at most).
     */
    static void awaitCount(final String name, final LongSupplier counter, final long expected)
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        long value;
        while ((value = counter.getAsLong()) != expected)
        {
            if (System.nanoTime() - deadlineNs > 0)
            {
                fail(name + "=" + value + ", expected " + expected);
            }
            try
            {
                Thread.sleep(2);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                fail("interrupted waiting for " + name);
            }
        }
    }

    /**
     * @param counter reads the count.
     * @param least   the value to wait for it to reach or pass (10 s at most).
     */
    static void atLeast(final LongSupplier counter, final long least)
    {
        until(counter, least, true);
    }

    /**
     * @param counter reads the count.
     * @param most    the value to wait for it to fall to or below (10 s at most).
     */
    static void atMost(final LongSupplier counter, final long most)
    {
        until(counter, most, false);
    }

    private static void until(final LongSupplier counter, final long bound, final boolean atLeast)
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        long value;
        while (atLeast ? (value = counter.getAsLong()) < bound : (value = counter.getAsLong()) > bound)
        {
            if (System.nanoTime() - deadlineNs > 0)
            {
                fail("count=" + value + ", expected " + (atLeast ? "at least " : "at most ") + bound);
            }
            try
            {
                Thread.sleep(2);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                fail("interrupted");
            }
        }
    }
}
