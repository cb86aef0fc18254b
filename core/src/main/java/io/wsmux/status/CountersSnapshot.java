package io.wsmux.status;

import java.util.LinkedHashMap;
import java.util.Map;

import org.agrona.concurrent.status.CountersReader;

/**
 * Every counter of a file read at one moment, arranged for printing: loop counters by counter and loop, family
 * counters by family, counter and loop. Cold path: allocates.
 */
public final class CountersSnapshot
{
    private static final SystemCounter[] ALL = SystemCounter.values();

    private final int loopCount;
    private final long[][] loopValues;
    private final Map<String, long[][]> familyValues = new LinkedHashMap<>();
    private final long takenNs;

    /**
     * @param reader    over a counters file.
     * @param loopCount I/O loops of the server.
     * @param takenNs   when ({@link System#nanoTime()}), for rates.
     */
    public CountersSnapshot(final CountersReader reader, final int loopCount, final long takenNs)
    {
        this.loopCount = loopCount;
        this.takenNs = takenNs;
        this.loopValues = new long[ALL.length][loopCount];
        CountersFile.forEach(reader, (counter, loop, familyIndex, family, value) ->
        {
            if (loop < 0 || loop >= loopCount)
            {
                return;
            }
            if (null == family)
            {
                loopValues[counter.ordinal()][loop] = value;
            }
            else
            {
                familyValues.computeIfAbsent(family, (name) -> new long[ALL.length][loopCount])
                    [counter.ordinal()][loop] = value;
            }
        });
    }

    /**
     * @return I/O loops.
     */
    public int loopCount()
    {
        return loopCount;
    }

    /**
     * @return when it was taken, {@link System#nanoTime()}.
     */
    public long takenNs()
    {
        return takenNs;
    }

    /**
     * @param counter a loop counter.
     * @param loop    which loop.
     * @return its value.
     */
    public long value(final SystemCounter counter, final int loop)
    {
        return loopValues[counter.ordinal()][loop];
    }

    /**
     * @param counter a loop counter.
     * @return its sum over loops (the maximum over loops for a maximum: queued bytes max, duty cycle max, queue
     * high-water marks).
     */
    public long total(final SystemCounter counter)
    {
        return combine(counter, loopValues[counter.ordinal()]);
    }

    /**
     * @return the families seen, in file order.
     */
    public Iterable<String> families()
    {
        return familyValues.keySet();
    }

    /**
     * @param family  a family name.
     * @param counter a family counter.
     * @return its sum over loops, 0 for an unknown family.
     */
    public long familyTotal(final String family, final SystemCounter counter)
    {
        final long[][] values = familyValues.get(family);
        return null == values ? 0 : combine(counter, values[counter.ordinal()]);
    }

    /**
     * @param counter a counter.
     * @return whether the loops' values are combined by maximum rather than sum.
     */
    public static boolean isMaximum(final SystemCounter counter)
    {
        switch (counter)
        {
            case QUEUED_BYTES_MAX:
            case DUTY_CYCLE_MAX_NS:
            case COMMAND_QUEUE_MAX_BYTES:
            case TASK_QUEUE_MAX:
                return true;
            default:
                return false;
        }
    }

    private static long combine(final SystemCounter counter, final long[] perLoop)
    {
        final boolean maximum = isMaximum(counter);
        long result = 0;
        for (final long value : perLoop)
        {
            result = maximum ? Math.max(result, value) : result + value;
        }
        return result;
    }
}
