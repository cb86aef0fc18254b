package io.wsmux.perf.status;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import io.wsmux.status.SystemCounter;
import io.wsmux.status.WsmuxCounters;
import io.wsmux.transport.TransportCounters;
import org.agrona.concurrent.status.AtomicCounter;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What counting costs an I/O loop, on a real counters file (memory-mapped, as a server makes it): a plain field
 * increment (how the loops count on their hot paths; the baseline), {@code incrementRelease} (how topic family
 * counters are written), publishing one changed or unchanged field at the end of a cycle, and publishing every loop
 * counter once (what a duty cycle that did work pays). Every one of them must be 0 B/op under {@code -prof gc}.
 */
@Fork(value = 1, jvmArgsAppend = { "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
    "-Dagrona.disable.bounds.checks=true" })
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Thread)
public class CounterBenchmark
{
    private Path directory;
    private WsmuxCounters counters;
    private AtomicCounter counter;
    private AtomicCounter[] loopCounters;
    private final long[] values = new long[SystemCounter.values().length];
    private long field;

    /**
     * Create a counters file in a temporary directory.
     *
     * @throws IOException if the directory cannot be created.
     */
    @Setup
    public void setUp() throws IOException
    {
        directory = Files.createTempDirectory("wsmux-counter-benchmark");
        counters = new WsmuxCounters(directory.toString(), 1, 0, TimeUnit.MILLISECONDS.toNanos(1));
        counter = counters.loopCounter(0, SystemCounter.MESSAGES_IN);
        loopCounters = counters.loopCounters(0);
    }

    /**
     * Remove the file and its directory.
     *
     * @throws IOException if they cannot be deleted.
     */
    @TearDown
    public void tearDown() throws IOException
    {
        counters.close();
        Files.deleteIfExists(directory);
    }

    /**
     * @return the new value: a plain field, as the hot paths count.
     */
    @Benchmark
    public long plainIncrement()
    {
        return ++field;
    }

    /**
     * @return the old value: a single-writer ordered increment of a mapped counter (topic family counters).
     */
    @Benchmark
    public long incrementRelease()
    {
        return counter.incrementRelease();
    }

    /**
     * @return the new value: count in a field, then publish it as a duty cycle's end does.
     */
    @Benchmark
    public long countAndPublish()
    {
        final long value = ++field;
        TransportCounters.publish(counter, value);
        return value;
    }

    /**
     * Publish an unchanged value: a plain read, no store.
     */
    @Benchmark
    public void publishUnchanged()
    {
        TransportCounters.publish(counter, counter.getPlain());
    }

    /**
     * @return a value: what the end of a busy duty cycle pays, every loop counter published (one changed).
     */
    @Benchmark
    public long publishEveryLoopCounter()
    {
        values[SystemCounter.MESSAGES_IN.ordinal()]++;
        final AtomicCounter[] loopCounters = this.loopCounters;
        for (int i = 0; i < loopCounters.length; i++)
        {
            final AtomicCounter loopCounter = loopCounters[i];
            if (null != loopCounter)
            {
                TransportCounters.publish(loopCounter, values[i]);
            }
        }
        return values[SystemCounter.MESSAGES_IN.ordinal()];
    }
}
