package io.wsmux.perf.codec;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import io.wsmux.codec.FrameEncoder;
import io.wsmux.codec.Opcode;
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
 * Encoding a small frame: an unmasked server frame (header + payload copy), and a masked client frame.
 */
@Fork(value = 1, jvmArgsAppend = { "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
    "-Dagrona.disable.bounds.checks=true" })
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Thread)
public class FrameEncoderBenchmark
{
    @Param({ "32" })
    int payloadLength;

    private final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(4096));
    private final UnsafeBuffer dst = new UnsafeBuffer(ByteBuffer.allocateDirect(4096));

    /**
     * @return frame length.
     */
    @Benchmark
    public int encodeServerFrame()
    {
        return FrameEncoder.encode(dst, 0, true, Opcode.TEXT, payload, 0, payloadLength);
    }

    /**
     * @return frame length.
     */
    @Benchmark
    public int encodeMaskedClientFrame()
    {
        return FrameEncoder.encodeMasked(dst, 0, true, Opcode.TEXT, payload, 0, payloadLength, 0x5A3C9E17);
    }
}
