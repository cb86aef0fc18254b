package io.wsmux.perf;

import java.io.File;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

import io.wsmux.perf.FanOutComparison.Measurement;
import io.wsmux.perf.FanOutComparison.Shape;
import io.wsmux.status.CountersFile;
import io.wsmux.status.CountersFileDescriptor;
import io.wsmux.status.CountersSnapshot;
import io.wsmux.status.SystemCounter;

/**
 * What {@code fanout-compare --deflate} adds to the fan-out comparison: its three servers, the wsmux counters read
 * after each compressed wsmux run, and the report's section on the goals. The servers, each with the Java
 * load generator sending {@code --payload-kind ticks} (compressible market data):
 * <ul>
 *     <li>{@code wsmux}: wsmux with a client that offers nothing, so nothing is compressed;</li>
 *     <li>{@code wsmux-deflate}: the same server with a client that offers permessage-deflate: each publication is
 *     compressed once, on the publishing thread, and the same bytes go to every subscriber;</li>
 *     <li>{@code netty-epoll-deflate}: the Netty baseline with {@code --deflate}: every subscriber's copy is
 *     compressed by that subscriber's own encoder.</li>
 * </ul>
 * Cold path: allocates freely. Not thread safe.
 */
final class FanOutCompression
{
    /** wsmux, its client offering permessage-deflate. */
    static final String WSMUX_DEFLATE = "wsmux-deflate";
    /** The Netty epoll baseline with Netty's permessage-deflate. */
    static final String NETTY_EPOLL_DEFLATE = "netty-epoll-deflate";
    /** The three servers, in the order the rounds run them. */
    static final List<String> SERVERS = List.of(FanOutComparison.WSMUX, WSMUX_DEFLATE, NETTY_EPOLL_DEFLATE);
    /** Payload with --deflate unless --payload says otherwise: a message well above the 128-byte threshold. */
    static final int PAYLOAD = 1024;
    /** The goal: compressed wsmux delivers at least this share of uncompressed wsmux's rate. */
    static final double GOAL_OF_UNCOMPRESSED = 0.8;
    /** The goal: compressed wsmux delivers at least this many times compressed Netty's rate. */
    static final double GOAL_OVER_NETTY = 2.0;

    private FanOutCompression()
    {
    }

    /**
     * @param server a server's name.
     * @return true if its client offers permessage-deflate.
     */
    static boolean clientDeflates(final String server)
    {
        return WSMUX_DEFLATE.equals(server) || NETTY_EPOLL_DEFLATE.equals(server);
    }

    /**
     * The server's publication counters, as it published them in its counters file
     * ({@code /dev/shm/wsmux-<pid>.counters}, or java.io.tmpdir where there is no /dev/shm: where a wsmux server
     * started without {@code wsmux.counters.dir} writes it). Read after the client finished and before the server
     * stops (it deletes the file), so they count the whole run: warm-up, probes and drain included.
     *
     * @param pid the wsmux server's process id.
     * @return the counts, or the reason they could not be read.
     */
    static PublicationCounts read(final long pid)
    {
        final String directory = CountersFileDescriptor.defaultDirectory(System.getProperty("java.io.tmpdir"));
        try
        {
            final File file = CountersFile.find(directory, pid);
            try (CountersFile counters = CountersFile.open(file))
            {
                final CountersSnapshot snapshot =
                    new CountersSnapshot(counters.reader(), counters.loopCount(), System.nanoTime());
                return new PublicationCounts(snapshot.total(SystemCounter.PUBLICATIONS_RECEIVED),
                    snapshot.total(SystemCounter.DEFLATE_PUBLICATIONS), null);
            }
        }
        catch (final RuntimeException ex)
        {
            return new PublicationCounts(-1, -1, String.valueOf(ex.getMessage()));
        }
    }

    /**
     * A compressed wsmux run's counters.
     *
     * @param publications publications the server's loops received ({@code publications_received_total}): each
     *                     publication once with one I/O loop, as the runner starts wsmux (a loop counts each
     *                     publication that reaches it), or -1.
     * @param compressions publications compressed ({@code deflate_publication_compressions_total}), or -1.
     * @param unreadable   why they could not be read, or null.
     */
    record PublicationCounts(long publications, long compressions, String unreadable)
    {
        /**
         * @return compressions per publication: 1 when each publication is compressed once for all its
         *     subscribers (a little under, for the uncompressed probes), NaN when unknown.
         */
        double compressionsPerPublication()
        {
            return publications > 0 && compressions >= 0 ? (double)compressions / publications : Double.NaN;
        }
    }

    /**
     * The report's section on the goals: per scenario, the ratios the issue asks for and the counters.
     *
     * @param md      the report so far.
     * @param results measurements by scenario and server.
     */
    static void appendGoals(final StringBuilder md, final Map<Shape, Map<String, List<Measurement>>> results)
    {
        md.append(String.format(Locale.ROOT, "%n## Compression (medians)%n%n" +
            "Goals: compressed wsmux delivers at least %.1fx what uncompressed wsmux does, and at least %.0fx what " +
            "Netty compressing per subscriber does. Server ns/delivery: the server's CPU time, all its threads, per " +
            "delivery. Compressions per publication: wsmux's `deflate_publication_compressions_total` over its " +
            "`publications_received_total`, whole runs (1: once per publication, for every subscriber; the short " +
            "probes before a run go uncompressed).%n%n" +
            "| scenario | wsmux-deflate / wsmux deliveries | goal >= %.1f | wsmux-deflate / netty-epoll-deflate " +
            "deliveries | goal >= %.0f | server ns/delivery wsmux-deflate | netty-epoll-deflate | netty / wsmux " +
            "| compressions per publication |%n|---|---|---|---|---|---|---|---|---|%n",
            GOAL_OF_UNCOMPRESSED, GOAL_OVER_NETTY, GOAL_OF_UNCOMPRESSED, GOAL_OVER_NETTY));
        for (final Map.Entry<Shape, Map<String, List<Measurement>>> scenario : results.entrySet())
        {
            final Map<String, List<Measurement>> byServer = scenario.getValue();
            final double plain = median(byServer, FanOutComparison.WSMUX, Measurement::deliveriesPerSecond);
            final double compressed = median(byServer, WSMUX_DEFLATE, Measurement::deliveriesPerSecond);
            final double netty = median(byServer, NETTY_EPOLL_DEFLATE, Measurement::deliveriesPerSecond);
            final double wsmuxNs = median(byServer, WSMUX_DEFLATE, Measurement::serverNsPerDelivery);
            final double nettyNs = median(byServer, NETTY_EPOLL_DEFLATE, Measurement::serverNsPerDelivery);
            final double perPublication =
                median(byServer, WSMUX_DEFLATE, Measurement::compressionsPerPublication);
            md.append("| ").append(scenario.getKey())
                .append(" | ").append(ratio(compressed / plain)).append(" | ")
                .append(verdict(compressed / plain, GOAL_OF_UNCOMPRESSED))
                .append(" | ").append(ratio(compressed / netty)).append(" | ")
                .append(verdict(compressed / netty, GOAL_OVER_NETTY))
                .append(" | ").append(number(wsmuxNs)).append(" | ").append(number(nettyNs))
                .append(" | ").append(ratio(nettyNs / wsmuxNs))
                .append(" | ").append(Double.isNaN(perPublication) ? "-" :
                    String.format(Locale.ROOT, "%.3f", perPublication))
                .append(" |\n");
        }
        md.append("\nwire bytes/delivery: what the client read off its sockets per delivery, over every publication ")
            .append("of the run (frame headers included); compression ratio: the delivered messages' bytes over ")
            .append("those bytes. ")
            .append("Not measured for uncompressed wsmux (its frames are the message and a 2-4 byte header). A ")
            .append("compressed run whose ratio is not above 1 did not compress (the server declined, or the client ")
            .append("did not offer) and is counted as failed.\n");
    }

    private static double median(
        final Map<String, List<Measurement>> byServer, final String server, final ToDoubleFunction<Measurement> value)
    {
        final List<Measurement> runs = byServer.get(server);
        if (null == runs)
        {
            return Double.NaN;
        }
        return Spread.median(runs.stream().filter(Measurement::ok).map(value::applyAsDouble)
            .filter((v) -> !Double.isNaN(v)).toList());
    }

    private static String ratio(final double ratio)
    {
        return Double.isNaN(ratio) || Double.isInfinite(ratio) ? "-" : String.format(Locale.ROOT, "%.2f", ratio);
    }

    private static String verdict(final double ratio, final double goal)
    {
        return Double.isNaN(ratio) || Double.isInfinite(ratio) ? "-" : ratio >= goal ? "met" : "NOT met";
    }

    private static String number(final double value)
    {
        return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, value >= 100 ? "%,.0f" : "%.1f", value);
    }
}
