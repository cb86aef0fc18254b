package io.wsmux.transport;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts open connections across all loops against one limit. Thread safe: loops acquire on accept and release on
 * close.
 */
public final class ConnectionLimiter
{
    private final int maxConnections;
    private final AtomicInteger open = new AtomicInteger();

    /**
     * @param maxConnections the most connections open at once.
     */
    public ConnectionLimiter(final int maxConnections)
    {
        this.maxConnections = maxConnections;
    }

    /**
     * @return true if a connection may open; it must later be released.
     */
    public boolean tryAcquire()
    {
        while (true)
        {
            final int current = open.get();
            if (current >= maxConnections)
            {
                return false;
            }
            if (open.compareAndSet(current, current + 1))
            {
                return true;
            }
        }
    }

    /**
     * A connection closed.
     */
    public void release()
    {
        open.decrementAndGet();
    }

    /**
     * @return connections open now.
     */
    public int open()
    {
        return open.get();
    }

    /**
     * @return the limit.
     */
    public int maxConnections()
    {
        return maxConnections;
    }
}
