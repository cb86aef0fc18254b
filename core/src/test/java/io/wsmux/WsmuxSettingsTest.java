package io.wsmux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

class WsmuxSettingsTest
{
    private static List<String> propertyNames() throws IllegalAccessException
    {
        final List<String> names = new ArrayList<>();
        for (final Field field : WsmuxSettings.class.getFields())
        {
            if (Modifier.isStatic(field.getModifiers()) && field.getName().endsWith("_PROP_NAME"))
            {
                names.add((String)field.get(null));
            }
        }
        return names;
    }

    @Test
    void shouldDocumentEveryPropertyInTuningGuide() throws IOException, IllegalAccessException
    {
        final String tuning = Files.readString(Path.of("..", "docs", "tuning.md"), StandardCharsets.UTF_8);
        final List<String> names = propertyNames();

        assertTrue(names.size() >= 25, "properties found: " + names);
        for (final String name : names)
        {
            assertTrue(tuning.contains("`" + name + "`"), name + " is missing from docs/tuning.md");
        }
    }

    @Test
    void shouldNameEveryPropertyInToString() throws IllegalAccessException
    {
        final String text = new WsmuxSettings().toString();

        for (final String name : propertyNames())
        {
            assertTrue(text.contains(name + "="), name);
        }
    }

    @Test
    void shouldAcceptDefaults()
    {
        final WsmuxSettings settings = new WsmuxSettings().conclude();

        assertEquals(WsmuxSettings.MAX_FRAME_LENGTH_DEFAULT, settings.maxFrameLength());
        assertEquals(WsmuxSettings.IDLE_TIMEOUT_DEFAULT_NS, settings.idleTimeoutNs());
        assertEquals(WsmuxSettings.BIND_ADDRESS_DEFAULT, settings.bindAddress());
    }

    @Test
    void shouldRejectOutOfRangeValueNamingPropertyAndValue()
    {
        final IllegalArgumentException ex = assertThrows(
            IllegalArgumentException.class, () -> new WsmuxSettings().maxFrameLength(12).conclude());

        assertTrue(ex.getMessage().contains(WsmuxSettings.MAX_FRAME_LENGTH_PROP_NAME), ex.getMessage());
        assertTrue(ex.getMessage().contains("maxFrameLength=12"), ex.getMessage());
    }

    @Test
    void shouldRejectMessageLimitBelowFrameLimit()
    {
        assertThrows(IllegalArgumentException.class,
            () -> new WsmuxSettings().maxFrameLength(4096).maxMessageLength(1024).conclude());
    }

    @Test
    void shouldRejectIdleTimeoutNotAbovePingInterval()
    {
        assertThrows(IllegalArgumentException.class,
            () -> new WsmuxSettings().pingIntervalNs(TimeUnit.SECONDS.toNanos(10))
                .idleTimeoutNs(TimeUnit.SECONDS.toNanos(10)).conclude());
        new WsmuxSettings().pingIntervalNs(0).idleTimeoutNs(TimeUnit.SECONDS.toNanos(1)).conclude();
    }

    @Test
    void shouldRoundTimerTickUpToPowerOfTwo()
    {
        final WsmuxSettings settings = new WsmuxSettings().timerTickNs(TimeUnit.MILLISECONDS.toNanos(10)).conclude();

        assertEquals(1L << 24, settings.timerTickNs());
    }

    @Test
    void shouldRejectCommandBufferThatIsNotPowerOfTwo()
    {
        assertThrows(IllegalArgumentException.class, () -> new WsmuxSettings().commandBufferLength(100_000).conclude());
    }

    @Test
    void shouldRaiseLimitsForEchoModeOnlyWhenPropertiesAreUnset()
    {
        final WsmuxSettings settings = Main.echoMode(new WsmuxSettings());

        assertEquals(16 << 20, settings.maxFrameLength());
        assertEquals(16 << 20, settings.maxMessageLength());
        assertEquals(32 << 20, settings.outboundBudget());
        assertFalse(settings.printConfiguration());
    }
}
