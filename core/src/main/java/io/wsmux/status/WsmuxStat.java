package io.wsmux.status;

import java.io.PrintStream;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.TimeUnit;

/**
 * {@code java -jar wsmux.jar stat}: a live table of a running server's counters, read from its counters file in
 * another process (as AeronStat reads Aeron's): per counter the total over loops, its rate per second since the last
 * screen, and each loop's value; then per topic family its publications, deliveries, subscribers and last-value
 * hits. Reading has no effect on the server. Cold path: allocates freely.
 */
public final class WsmuxStat
{
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
        .withZone(ZoneOffset.UTC);
    private static final String CLEAR_SCREEN = "\u001b[H\u001b[2J";

    private final CountersFile file;
    private final PrintStream out;
    private final boolean clearScreen;
    private CountersSnapshot previous;

    /**
     * @param file        the server's counters file.
     * @param out         where to print.
     * @param clearScreen clear the terminal before each screen (when printing to one).
     */
    public WsmuxStat(final CountersFile file, final PrintStream out, final boolean clearScreen)
    {
        this.file = file;
        this.out = out;
        this.clearScreen = clearScreen;
    }

    /**
     * Print screens.
     *
     * @param intervalNs time between screens.
     * @param count      screens to print, 0 for until interrupted or the server is gone.
     * @throws InterruptedException if interrupted while waiting.
     */
    public void run(final long intervalNs, final long count) throws InterruptedException
    {
        for (long i = 0; 0 == count || i < count; i++)
        {
            if (i > 0)
            {
                TimeUnit.NANOSECONDS.sleep(intervalNs);
            }
            printScreen();
            if (!file.isWriterAlive())
            {
                out.println("server process " + file.pid() + " is gone");
                return;
            }
        }
    }

    /**
     * Take a snapshot and print one screen: rates are since the previous screen (none on the first).
     */
    public void printScreen()
    {
        final CountersSnapshot now = new CountersSnapshot(file.reader(), file.loopCount(), System.nanoTime());
        final StringBuilder screen = new StringBuilder(8192);
        if (clearScreen)
        {
            screen.append(CLEAR_SCREEN);
        }
        format(screen, now, previous, file);
        out.print(screen);
        out.flush();
        previous = now;
    }

    /**
     * Format one screen.
     *
     * @param screen   appended to.
     * @param now      this snapshot.
     * @param previous the one before it, or null (then no rates).
     * @param file     the file, for the heading.
     */
    public static void format(
        final StringBuilder screen,
        final CountersSnapshot now,
        final CountersSnapshot previous,
        final CountersFile file)
    {
        final int loops = now.loopCount();
        final double seconds = null == previous ? 0 : (now.takenNs() - previous.takenNs()) / 1e9;
        screen.append(String.format("wsmux stat: pid %d, %d loop(s), up %s, %s, %s UTC%n", file.pid(), loops,
            uptime(System.currentTimeMillis() - file.startTimestampMs()), file.file(),
            TIME.format(Instant.now())));
        screen.append(String.format("%-30s %16s %12s", "counter", "total", "/s"));
        for (int loop = 0; loop < loops; loop++)
        {
            screen.append(String.format(" %14s", "loop " + loop));
        }
        screen.append(System.lineSeparator());
        for (final SystemCounter counter : SystemCounter.values())
        {
            if (SystemCounter.Scope.LOOP != counter.scope())
            {
                continue;
            }
            final long total = now.total(counter);
            screen.append(String.format("%-30s %16d %12s", counter.displayName(), total,
                rate(counter, total, null == previous ? 0 : previous.total(counter), seconds)));
            for (int loop = 0; loop < loops; loop++)
            {
                screen.append(String.format(" %14d", now.value(counter, loop)));
            }
            screen.append(System.lineSeparator());
        }

        boolean heading = false;
        for (final String family : now.families())
        {
            if (!heading)
            {
                heading = true;
                screen.append(System.lineSeparator()).append(String.format("%-30s %14s %10s %14s %10s %12s %14s%n",
                    "topic family", "publications", "/s", "deliveries", "/s", "subscribers", "last value hits"));
            }
            final long publications = now.familyTotal(family, SystemCounter.TOPIC_PUBLICATIONS);
            final long deliveries = now.familyTotal(family, SystemCounter.TOPIC_DELIVERIES);
            screen.append(String.format("%-30s %14d %10s %14d %10s %12d %14d%n", family, publications,
                rate(SystemCounter.TOPIC_PUBLICATIONS, publications,
                null == previous ? 0 : previous.familyTotal(family, SystemCounter.TOPIC_PUBLICATIONS), seconds),
                deliveries,
                rate(SystemCounter.TOPIC_DELIVERIES, deliveries,
                null == previous ? 0 : previous.familyTotal(family, SystemCounter.TOPIC_DELIVERIES), seconds),
                now.familyTotal(family, SystemCounter.TOPIC_SUBSCRIBERS),
                now.familyTotal(family, SystemCounter.TOPIC_LAST_VALUE_HITS)));
        }
        screen.append(System.lineSeparator());
    }

    private static String rate(
        final SystemCounter counter, final long now, final long before, final double seconds)
    {
        if (SystemCounter.Kind.GAUGE == counter.kind() || seconds <= 0)
        {
            return "";
        }
        return Long.toString(Math.round((now - before) / seconds));
    }

    private static String uptime(final long ms)
    {
        final long seconds = Math.max(0, ms / 1000);
        return String.format("%02d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60);
    }
}
