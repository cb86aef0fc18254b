package io.wsmux.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class RecoveryLatencyTest
{
    @Test
    @Timeout(60)
    void shouldTimeEveryRecoveryOfTheMeasuredRounds() throws Exception
    {
        final Histogram histogram = RecoveryLatency.run(10, 20, 5, 16);

        assertEquals(20, histogram.getTotalCount());
        assertTrue(histogram.getMinValue() > 0);
    }

    @Test
    void shouldRefuseABadOptionWithOneLine()
    {
        final IllegalArgumentException refused =
            assertThrows(IllegalArgumentException.class, () -> RecoveryLatency.main(new String[] {"--messages", "0"}));
        assertEquals("--messages must be 1..1000: 0", refused.getMessage());
        assertThrows(IllegalArgumentException.class, () -> RecoveryLatency.main(new String[] {"--bogus"}));
    }
}
