package io.wsmux.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Pattern;

import io.wsmux.transport.TransportCounters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SystemCounterTest
{
    private static final Pattern METRIC_NAME = Pattern.compile("[a-z_][a-z0-9_]*");

    @TempDir
    Path directory;

    @Test
    void shouldNameMetricsByPrometheusConventions()
    {
        for (final SystemCounter counter : SystemCounter.values())
        {
            assertTrue(METRIC_NAME.matcher(counter.metric()).matches(), counter.metric());
            assertEquals(SystemCounter.Kind.COUNTER == counter.kind(), counter.metric().endsWith("_total"),
                counter + ": counters and only counters end in _total");
            assertSame(counter, SystemCounter.ofTypeId(counter.typeId()));
            assertNotNull(PrometheusHelp.of(counter), counter + " has no HELP text on its metric");
        }
    }

    @Test
    void shouldMapEveryTransportCounterOnce()
    {
        final Set<Integer> indexes = new HashSet<>();
        for (final SystemCounter counter : SystemCounter.values())
        {
            if (counter.transportIndex() >= 0)
            {
                assertTrue(indexes.add(counter.transportIndex()), counter.toString());
                assertEquals(TransportCounters.NAMES[counter.transportIndex()], counter.displayName());
            }
        }
        assertEquals(TransportCounters.COUNT, indexes.size());
    }

    @Test
    void shouldClassifyEveryCloseCode()
    {
        assertSame(SystemCounter.CLOSED_NORMAL, SystemCounter.closeClass(1000));
        assertSame(SystemCounter.CLOSED_NORMAL, SystemCounter.closeClass(1001));
        assertSame(SystemCounter.CLOSED_NORMAL, SystemCounter.closeClass(1005));
        for (final int code : new int[]{ 1002, 1003, 1007, 1009, 1010 })
        {
            assertSame(SystemCounter.CLOSED_PROTOCOL, SystemCounter.closeClass(code), "code " + code);
        }
        assertSame(SystemCounter.CLOSED_POLICY, SystemCounter.closeClass(1008));
        assertSame(SystemCounter.CLOSED_ERROR, SystemCounter.closeClass(1011));
        assertSame(SystemCounter.CLOSED_TRY_AGAIN, SystemCounter.closeClass(1013));
        assertSame(SystemCounter.CLOSED_ABNORMAL, SystemCounter.closeClass(1006));
        for (int code = 0; code < 65536; code++)
        {
            assertTrue(SystemCounter.closeClass(code).name().startsWith("CLOSED_"), "code " + code);
        }
        assertSame(SystemCounter.CLOSED_OTHER, SystemCounter.closeClass(4000));
    }

    @Test
    void shouldWriteAFileAnotherReaderFindsAndRemoveItOnClose()
    {
        final WsmuxCounters counters = new WsmuxCounters(directory.toString(), 2, 1, 1_000_000);
        counters.allocate(SystemCounter.TOPIC_SUBSCRIBERS, 1, 0, "prices.").setRelease(7);
        counters.loopCounter(1, SystemCounter.BYTES_IN).setRelease(42);
        counters.loopCounter(0, SystemCounter.DUTY_CYCLE_MAX_NS).setRelease(1500);
        counters.loopCounter(1, SystemCounter.DUTY_CYCLE_MAX_NS).setRelease(2500);
        try (CountersFile file = CountersFile.open(CountersFile.find(directory.toString(), 0)))
        {
            assertEquals(ProcessHandle.current().pid(), file.pid());
            assertEquals(2, file.loopCount());
            assertEquals(1_000_000, file.dutyCycleThresholdNs());
            final CountersSnapshot snapshot = new CountersSnapshot(file.reader(), file.loopCount(), 0);
            assertEquals(42, snapshot.total(SystemCounter.BYTES_IN));
            assertEquals(2500, snapshot.total(SystemCounter.DUTY_CYCLE_MAX_NS), "maximums take the largest");
            assertEquals(7, snapshot.familyTotal("prices.", SystemCounter.TOPIC_SUBSCRIBERS));

            final String text = PrometheusText.format(file.reader());
            assertTrue(text.contains("# TYPE wsmux_received_bytes_total counter\nwsmux_received_bytes_total" +
                "{loop=\"0\"} 0\nwsmux_received_bytes_total{loop=\"1\"} 42\n"), text);
            assertTrue(text.contains("wsmux_duty_cycle_max_seconds{loop=\"1\"} 2.5E-6\n"), text);
            assertTrue(text.contains("wsmux_topic_subscribers{loop=\"1\",family=\"prices.\"} 7\n"), text);
            assertEquals(1, text.split("# TYPE wsmux_connections_closed_total ", -1).length - 1,
                "one TYPE line per metric, however many variants: " + text);
        }
        counters.close();
        assertFalse(counters.file().exists());
    }

    /**
     * The HELP text PrometheusText prints for a metric: its first variant's.
     */
    private static final class PrometheusHelp
    {
        static String of(final SystemCounter counter)
        {
            for (final SystemCounter candidate : SystemCounter.values())
            {
                if (candidate.metric().equals(counter.metric()))
                {
                    return candidate.help();
                }
            }
            return null;
        }
    }
}
