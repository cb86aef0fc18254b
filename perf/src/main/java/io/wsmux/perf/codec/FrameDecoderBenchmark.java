package io.wsmux.perf.codec;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import io.wsmux.codec.CloseReason;
import io.wsmux.codec.FrameDecoder;
import io.wsmux.codec.FrameEncoder;
import io.wsmux.codec.FrameHandler;
import io.wsmux.codec.Opcode;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Decoding one masked client text frame as a server does: header, unmask in place, UTF-8 validation, callbacks.
 * Each operation first restores the masked bytes from a pristine copy (decoding unmasks in place); the copy is
 * also measured alone by {@link #restoreOnly()} so it can be subtracted.
 */
@Fork(value = 1, jvmArgsAppend = { "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
    "-Dagrona.disable.bounds.checks=true" })
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Thread)
public class FrameDecoderBenchmark implements FrameHandler
{
    @Param({ "32", "1024" })
    int payloadLength;

    private final UnsafeBuffer pristine = new UnsafeBuffer(ByteBuffer.allocateDirect(4096));
    private final UnsafeBuffer wire = new UnsafeBuffer(ByteBuffer.allocateDirect(4096));
    private FrameDecoder decoder;
    private int frameLength;
    private long received;

    /**
     * Encode the frame once.
     */
    @Setup
    public void setup()
    {
        final byte[] text = new byte[payloadLength];
        final byte[] sample = "price EURUSD 1.08412 1.08415 ".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < payloadLength; i++)
        {
            text[i] = sample[i % sample.length];
        }
        frameLength = FrameEncoder.encodeMasked(
            pristine, 0, true, Opcode.TEXT, new UnsafeBuffer(text), 0, payloadLength, 0x5A3C9E17);
        decoder = new FrameDecoder(this, true, 65536, 65536, true);
    }

    /**
     * @return bytes consumed plus payload received, so nothing is optimised away.
     */
    @Benchmark
    public long decodeMaskedTextFrame()
    {
        wire.putBytes(0, pristine, 0, frameLength);
        return decoder.decode(wire, 0, frameLength) + received;
    }

    /**
     * @return a byte of the copy.
     */
    @Benchmark
    public byte restoreOnly()
    {
        wire.putBytes(0, pristine, 0, frameLength);
        return wire.getByte(frameLength - 1);
    }

    @Override
    public void onFrameStart(final int opcode, final boolean fin, final long payloadLength)
    {
    }

    @Override
    public void onFramePayload(final MutableDirectBuffer buffer, final int offset, final int length)
    {
        received += length;
    }

    @Override
    public void onFrameEnd()
    {
    }

    @Override
    public void onProtocolError(final CloseReason reason)
    {
        throw new IllegalStateException(reason.text());
    }
}
