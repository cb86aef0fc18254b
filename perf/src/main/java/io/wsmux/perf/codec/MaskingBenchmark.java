package io.wsmux.perf.codec;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import io.wsmux.codec.Masking;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Unmasking in place, eight bytes at a time ({@link Masking#unmask}), against the byte-at-a-time loop most
 * implementations start with. Masking is its own inverse, so repeated runs stay well defined.
 */
@Fork(value = 1, jvmArgsAppend = { "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
    "-Dagrona.disable.bounds.checks=true" })
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Thread)
public class MaskingBenchmark
{
    private static final int MASK_KEY = 0x5A3C9E17;

    @Param({ "65536" })
    int length;

    private final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(65536 + 8));

    /**
     * @return a byte of the result.
     */
    @Benchmark
    public byte wsmuxUnmask()
    {
        Masking.unmask(buffer, 0, length, MASK_KEY, 0);
        return buffer.getByte(length - 1);
    }

    /**
     * @return a byte of the result.
     */
    @Benchmark
    public byte byteAtATimeUnmask()
    {
        final UnsafeBuffer buffer = this.buffer;
        final int length = this.length;
        for (int i = 0; i < length; i++)
        {
            buffer.putByte(i, (byte)(buffer.getByte(i) ^ (MASK_KEY >>> ((3 - (i & 3)) << 3))));
        }
        return buffer.getByte(length - 1);
    }
}
