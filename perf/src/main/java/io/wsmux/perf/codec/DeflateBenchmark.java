package io.wsmux.perf.codec;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.zip.Deflater;

import io.wsmux.codec.deflate.MessageDeflater;
import io.wsmux.codec.deflate.MessageInflater;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * permessage-deflate's per-message costs as wsmux pays them: compressing one message with a compressor reset after
 * each message (the loop's shared one, and the publication compressor: once per publication, whatever the number of
 * subscribers), and inflating one whole message from a direct buffer (the loop's read buffer) into a pooled growable
 * buffer, against a new JDK {@code Deflater} per message (a server that builds its encoder per message when there is
 * no context takeover). Market-data text (JSON ticks), as the demo and the load generator's {@code ticks} payloads.
 * Run with {@code -prof gc}: the wsmux paths allocate nothing per message.
 */
@Fork(value = 1, jvmArgsAppend = { "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
    "-Dagrona.disable.bounds.checks=true" })
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Thread)
public class DeflateBenchmark
{
    @Param({ "256", "4096" })
    int length;

    @Param({ "1", "6" })
    int level;

    private MessageDeflater deflater;
    private MessageInflater inflater;
    private UnsafeBuffer message;
    private byte[] compressed;
    private UnsafeBuffer compressedDirect;
    private int compressedLength;
    private final ExpandableArrayBuffer inflated = new ExpandableArrayBuffer(64);

    /**
     * The message, direct as a received one is, and its compressed form for the inflating benchmark.
     */
    @Setup(Level.Trial)
    public void setup()
    {
        final StringBuilder text = new StringBuilder();
        for (int i = 0; text.length() < length; i++)
        {
            text.append("{\"s\":\"EURUSD\",\"b\":1.08").append(400 + i % 37).append(",\"a\":1.08")
                .append(410 + i % 41).append(",\"t\":").append(1701234567890L + i * 13L).append('}');
        }
        final byte[] bytes = text.substring(0, length).getBytes(StandardCharsets.US_ASCII);
        message = new UnsafeBuffer(ByteBuffer.allocateDirect(length));
        message.putBytes(0, bytes);
        deflater = new MessageDeflater(level, true);
        inflater = new MessageInflater(true);
        compressed = new byte[MessageDeflater.maxCompressedLength(length)];
        compressedLength = deflater.deflate(message, 0, length, compressed, 0, 15);
        compressedDirect = new UnsafeBuffer(ByteBuffer.allocateDirect(compressedLength));
        compressedDirect.putBytes(0, compressed, 0, compressedLength);
    }

    /**
     * Free zlib's native memory.
     */
    @TearDown(Level.Trial)
    public void tearDown()
    {
        deflater.close();
        inflater.close();
    }

    /**
     * @return the compressed length: one message through the loop's compressor (reset after it).
     */
    @Benchmark
    public int deflateShared()
    {
        return deflater.deflate(message, 0, length, compressed, 0, 15);
    }

    /**
     * @return the inflated length: one whole message, tail included, into the pooled buffer.
     */
    @Benchmark
    public int inflateShared()
    {
        return inflater.inflateMessage(compressedDirect, 0, compressedLength, inflated, 1 << 20);
    }

    /**
     * @return the compressed length: a new JDK compressor per message, ended after it (the anchor).
     */
    @Benchmark
    public int deflateNewPerMessage()
    {
        final Deflater fresh = new Deflater(level, true);
        try
        {
            fresh.setInput(message.byteBuffer().duplicate().clear());
            return fresh.deflate(compressed, 0, compressed.length, Deflater.SYNC_FLUSH);
        }
        finally
        {
            fresh.end();
        }
    }
}
