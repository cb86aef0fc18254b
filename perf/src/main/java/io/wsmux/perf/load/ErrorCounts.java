package io.wsmux.perf.load;

/**
 * The errors of a finished run, by {@link ErrorKind}. Immutable.
 */
public final class ErrorCounts
{
    private static final ErrorKind[] KINDS = ErrorKind.values();

    private final long[] counts;

    ErrorCounts(final long[] counts)
    {
        this.counts = counts.clone();
    }

    /**
     * @param kind of error.
     * @return how many.
     */
    public long count(final ErrorKind kind)
    {
        return counts[kind.ordinal()];
    }

    /**
     * @return errors of every kind.
     */
    public long total()
    {
        long total = 0;
        for (final long count : counts)
        {
            total += count;
        }
        return total;
    }

    /**
     * @return true when the run delivered everything once, intact and in order (no missing, duplicate,
     * out-of-order or corrupt message); connection errors are not counted here.
     */
    public boolean deliveredInOrder()
    {
        return 0 == count(ErrorKind.MISSING) + count(ErrorKind.DUPLICATE) + count(ErrorKind.OUT_OF_ORDER) +
            count(ErrorKind.CORRUPT);
    }

    @Override
    public String toString()
    {
        final StringBuilder builder = new StringBuilder("ErrorCounts{");
        for (final ErrorKind kind : KINDS)
        {
            builder.append(kind.key()).append('=').append(counts[kind.ordinal()]).append(", ");
        }
        return builder.append("total=").append(total()).append('}').toString();
    }
}
