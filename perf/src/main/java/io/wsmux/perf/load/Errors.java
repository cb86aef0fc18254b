package io.wsmux.perf.load;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Error counts of one run, by {@link ErrorKind}. Thread safe: client loops, the pacer and the main thread record
 * into it. The first few errors are also described on stderr, so a failing run says why.
 */
final class Errors
{
    private static final int MAX_LOGGED = 10;
    private static final ErrorKind[] KINDS = ErrorKind.values();

    private final AtomicLongArray counts = new AtomicLongArray(KINDS.length);
    private final AtomicInteger logged = new AtomicInteger();

    /**
     * Count one error.
     *
     * @param kind what went wrong.
     * @return true if the caller should describe it with {@link #log(String)} (only the first few are).
     */
    boolean record(final ErrorKind kind)
    {
        counts.incrementAndGet(kind.ordinal());
        return logged.get() < MAX_LOGGED && logged.incrementAndGet() <= MAX_LOGGED;
    }

    /**
     * Count several errors of one kind at once (say, messages missing on one connection).
     *
     * @param kind    what went wrong.
     * @param count   how many times.
     * @param message describes them on stderr if few errors have been described so far.
     */
    void add(final ErrorKind kind, final long count, final String message)
    {
        if (count != 0)
        {
            counts.addAndGet(kind.ordinal(), count);
            if (logged.get() < MAX_LOGGED && logged.incrementAndGet() <= MAX_LOGGED)
            {
                log(message);
            }
        }
    }

    /**
     * Count several errors of one kind, described by the caller.
     *
     * @param kind  what went wrong.
     * @param count how many times.
     */
    void add(final ErrorKind kind, final long count)
    {
        if (count != 0)
        {
            counts.addAndGet(kind.ordinal(), count);
        }
    }

    /**
     * Describe an error on stderr.
     *
     * @param message what happened.
     */
    void log(final String message)
    {
        System.err.println("error: " + message);
    }

    /**
     * @param kind of error.
     * @return errors of that kind so far.
     */
    long count(final ErrorKind kind)
    {
        return counts.get(kind.ordinal());
    }

    /**
     * @return errors of every kind so far.
     */
    long total()
    {
        long total = 0;
        for (int i = 0; i < KINDS.length; i++)
        {
            total += counts.get(i);
        }
        return total;
    }

    /**
     * @return a copy of the counts, indexed by {@link ErrorKind#ordinal()}.
     */
    long[] snapshot()
    {
        final long[] snapshot = new long[KINDS.length];
        for (int i = 0; i < KINDS.length; i++)
        {
            snapshot[i] = counts.get(i);
        }
        return snapshot;
    }
}
