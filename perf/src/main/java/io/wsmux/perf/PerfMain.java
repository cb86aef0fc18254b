package io.wsmux.perf;

import java.util.Arrays;
import java.util.Set;

import io.wsmux.perf.load.LoadGenerator;

/**
 * The perf jar's entry point: {@code java -jar wsmux-perf.jar echo|fanout|connections [options]} runs the load
 * generator, {@code compare [--quick]} the side-by-side comparison with Netty, {@code fanout-compare [options]} the
 * fan-out comparison with Netty epoll and uWebSockets ({@link FanOutComparison}), anything else goes to JMH
 * ({@code java -jar wsmux-perf.jar 'io.wsmux.perf' -prof gc}).
 */
public final class PerfMain
{
    private static final Set<String> LOAD_SCENARIOS = Set.of("echo", "fanout", "connections");

    private PerfMain()
    {
    }

    /**
     * @param args a load scenario and its options, {@code compare}, {@code fanout-compare}, or JMH's arguments.
     * @throws Exception on failure.
     */
    public static void main(final String[] args) throws Exception
    {
        if (args.length > 0 && LOAD_SCENARIOS.contains(args[0]))
        {
            LoadGenerator.main(args);
        }
        else if (args.length > 0 && "compare".equals(args[0]))
        {
            Comparison.main(Arrays.copyOfRange(args, 1, args.length));
        }
        else if (args.length > 0 && "fanout-compare".equals(args[0]))
        {
            FanOutComparison.main(Arrays.copyOfRange(args, 1, args.length));
        }
        else
        {
            org.openjdk.jmh.Main.main(args);
        }
    }
}
