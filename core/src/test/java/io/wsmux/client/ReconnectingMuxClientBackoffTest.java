package io.wsmux.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * The back-off of {@link ReconnectingMuxClient}, on an injected random number and a hand-driven clock: waits grow by
 * the factor, stop at the cap, lose at most the jitter's share, and count from 1 again once a WebSocket stayed up;
 * the close codes that do not reconnect; and wsmux.js agreeing on both.
 */
class ReconnectingMuxClientBackoffTest
{
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    @Test
    void shouldGrowEachWaitByTheFactorUntilTheCap()
    {
        final ReconnectPolicy policy =
            new ReconnectPolicy(Duration.ofMillis(100), Duration.ofMillis(1000), 2, 0, Duration.ofSeconds(5));
        final long[] expectedMs = {100, 200, 400, 800, 1000, 1000, 1000};
        for (int attempt = 1; attempt <= expectedMs.length; attempt++)
        {
            assertEquals(expectedMs[attempt - 1] * MS, policy.delayNs(attempt, 0.7), "attempt " + attempt);
        }
        assertEquals(1000 * MS, policy.delayNs(Integer.MAX_VALUE, 0), "factor^(n-1) overflows to the cap");

        final ReconnectPolicy triple =
            new ReconnectPolicy(Duration.ofMillis(10), Duration.ofSeconds(1), 3, 0, Duration.ZERO);
        assertEquals(10 * MS, triple.delayNs(1, 0));
        assertEquals(30 * MS, triple.delayNs(2, 0));
        assertEquals(90 * MS, triple.delayNs(3, 0));
    }

    @Test
    void shouldKeepEachWaitWithinTheJitterOfItsBase()
    {
        final ReconnectPolicy policy = ReconnectPolicy.DEFAULT; // 250 ms, cap 10 s, factor 2, jitter 0.5
        assertEquals(250 * MS, policy.delayNs(1, 0), "random 0 takes nothing off");
        assertEquals(125 * MS, policy.delayNs(1, 1), "random 1 (the open end) would take half off");
        assertEquals(10_000 * MS, policy.delayNs(7, 0), "250 * 2^6 = 16 s, capped");
        assertEquals(5_000 * MS, policy.delayNs(7, 1));

        final long seed = System.nanoTime();
        final SplittableRandom random = new SplittableRandom(seed);
        for (final double jitter : new double[] {0, 0.25, 0.5, 1})
        {
            final ReconnectPolicy jittered =
                new ReconnectPolicy(Duration.ofMillis(250), Duration.ofSeconds(10), 2, jitter, Duration.ZERO);
            for (int attempt = 1; attempt <= 12; attempt++)
            {
                final double baseNs = Math.min(10_000 * MS, 250 * MS * Math.pow(2, attempt - 1));
                for (int i = 0; i < 1_000; i++)
                {
                    final long delayNs = jittered.delayNs(attempt, random.nextDouble());
                    assertTrue(delayNs >= (long)(baseNs * (1 - jitter)) && delayNs <= (long)baseNs,
                        "seed=" + seed + " jitter=" + jitter + " attempt=" + attempt + " delayNs=" + delayNs);
                }
            }
        }
    }

    @Test
    void shouldCountAttemptsFromOneAgainOnlyAfterAWebSocketStayedUpTheMinimumUptime()
    {
        final ReconnectPolicy policy =
            new ReconnectPolicy(Duration.ofMillis(100), Duration.ofSeconds(10), 2, 0.5, Duration.ofSeconds(5));
        final double[] randoms = {0, 0.5, 0.999, 0.25};
        final int[] next = {0};
        final Backoff backoff = new Backoff(policy, () -> randoms[next[0]++ % randoms.length]);
        long nowNs = 1_000 * MS;

        // Attempts that fail before opening: 100, 200 * 0.75, 400 * ~0.5, 800 * 0.875.
        assertEquals(100 * MS, backoff.nextDelayNs(nowNs, false));
        assertEquals(1, backoff.attempt());
        assertEquals(150 * MS, backoff.nextDelayNs(nowNs, false));
        assertEquals((long)(400 * MS * (1 - 0.5 * 0.999)), backoff.nextDelayNs(nowNs, false));
        assertEquals(700 * MS, backoff.nextDelayNs(nowNs, false));
        assertEquals(4, backoff.attempt());

        // A WebSocket that opens and closes within the minimum uptime: the count goes on (a server that accepts and
        // closes at once still sees growing waits).
        backoff.onOpened(nowNs);
        nowNs += 5_000 * MS - 1;
        assertEquals(1_600 * MS, backoff.nextDelayNs(nowNs, true));
        assertEquals(5, backoff.attempt());

        // One that stayed up the minimum uptime: from 1 again.
        backoff.onOpened(nowNs);
        nowNs += 5_000 * MS;
        assertEquals(75 * MS, backoff.nextDelayNs(nowNs, true), "100 ms less a quarter (random 0.5)");
        assertEquals(1, backoff.attempt());

        // A failure before opening never resets, however long since the last open.
        nowNs += 60_000 * MS;
        backoff.nextDelayNs(nowNs, false);
        assertEquals(2, backoff.attempt());
    }

    @Test
    void shouldRefusePoliciesOutsideTheirRanges()
    {
        final Duration ms = Duration.ofMillis(1);
        assertThrows(IllegalArgumentException.class, () -> new ReconnectPolicy(ms.negated(), ms, 2, 0.5, ms));
        assertThrows(IllegalArgumentException.class, () -> new ReconnectPolicy(ms, ms, 2, 0.5, ms.negated()));
        assertThrows(IllegalArgumentException.class, () -> new ReconnectPolicy(ms.multipliedBy(2), ms, 2, 0.5, ms));
        assertThrows(IllegalArgumentException.class, () -> new ReconnectPolicy(ms, ms, 0.99, 0.5, ms));
        assertThrows(IllegalArgumentException.class, () -> new ReconnectPolicy(ms, ms, Double.NaN, 0.5, ms));
        assertThrows(IllegalArgumentException.class,
            () -> new ReconnectPolicy(ms, ms, Double.POSITIVE_INFINITY, 0.5, ms));
        assertThrows(IllegalArgumentException.class, () -> new ReconnectPolicy(ms, ms, 2, -0.01, ms));
        assertThrows(IllegalArgumentException.class, () -> new ReconnectPolicy(ms, ms, 2, 1.01, ms));
        assertThrows(IllegalArgumentException.class, () -> new ReconnectPolicy(ms, ms, 2, Double.NaN, ms));
        assertThrows(NullPointerException.class, () -> new ReconnectPolicy(null, ms, 2, 0.5, ms));
        assertThrows(IllegalArgumentException.class, () -> ReconnectPolicy.DEFAULT.delayNs(0, 0));
        new ReconnectPolicy(Duration.ZERO, Duration.ZERO, 1, 1, Duration.ZERO); // the edges are allowed
    }

    @Test
    void shouldReconnectAfterEveryCloseCodeButTheFiveThatBlameTheClient()
    {
        final Set<Integer> noReconnect = new TreeSet<>();
        for (int code = 0; code <= 0xFFFF; code++)
        {
            if (!ReconnectPolicy.reconnectsAfter(code))
            {
                noReconnect.add(code);
            }
        }
        assertEquals(Set.of(1002, 1003, 1007, 1009, 1010), noReconnect);
    }

    @Test
    void shouldAgreeWithWsmuxJsOnDefaultsQueueLimitAndTheCodesThatDoNotReconnect() throws IOException
    {
        final String script;
        try (InputStream in = getClass().getResourceAsStream("/io/wsmux/wsmux.js"))
        {
            script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        final Matcher defaults = Pattern.compile("RECONNECT_DEFAULTS = \\{ initialDelayMs: (\\d+), " +
            "maxDelayMs: (\\d+), factor: ([\\d.]+), jitter: ([\\d.]+), minUptimeMs: (\\d+) \\}").matcher(script);
        assertTrue(defaults.find(), "RECONNECT_DEFAULTS not found in wsmux.js");
        final ReconnectPolicy policy = ReconnectPolicy.DEFAULT;
        assertEquals(Long.parseLong(defaults.group(1)), policy.initialDelay().toMillis());
        assertEquals(Long.parseLong(defaults.group(2)), policy.maxDelay().toMillis());
        assertEquals(Double.parseDouble(defaults.group(3)), policy.factor());
        assertEquals(Double.parseDouble(defaults.group(4)), policy.jitter());
        assertEquals(Long.parseLong(defaults.group(5)), policy.minUptime().toMillis());

        final Matcher queueLimit = Pattern.compile("QUEUE_LIMIT_DEFAULT = (\\d+);").matcher(script);
        assertTrue(queueLimit.find(), "QUEUE_LIMIT_DEFAULT not found in wsmux.js");
        assertEquals(Integer.parseInt(queueLimit.group(1)), ReconnectingMuxClient.QUEUE_LIMIT_DEFAULT);

        final Matcher set = Pattern.compile("NO_RECONNECT = new Set\\(\\[(.*?)\\]\\);", Pattern.DOTALL).matcher(script);
        assertTrue(set.find(), "NO_RECONNECT not found in wsmux.js");
        final Set<Integer> jsCodes = new TreeSet<>();
        final Matcher code = Pattern.compile("\\b(\\d{4})\\b").matcher(set.group(1).replaceAll("//[^\\n]*", ""));
        while (code.find())
        {
            jsCodes.add(Integer.parseInt(code.group(1)));
        }
        final Set<Integer> javaCodes = new TreeSet<>();
        for (int c = 1000; c < 5000; c++)
        {
            if (!ReconnectPolicy.reconnectsAfter(c))
            {
                javaCodes.add(c);
            }
        }
        assertEquals(jsCodes, javaCodes);
    }
}
