package io.wsmux.perf.codec;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import io.wsmux.codec.Utf8Validator;
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
 * Validating a whole text message with {@link Utf8Validator} against decoding it with the JDK's UTF-8
 * {@link CharsetDecoder}, the check most servers fall back on. Both read the same buffer: direct, as a message
 * received from a socket into wsmux's read buffer is, or heap, where the JDK decoder has its fast intrinsic path;
 * the JDK decoder also writes the chars, the price of using it to validate.
 */
@Fork(value = 1, jvmArgsAppend = { "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
    "-Dagrona.disable.bounds.checks=true" })
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Thread)
public class Utf8ValidatorBenchmark
{
    /** Greek, CJK, emoji and ASCII, as chat or feed text in several languages: 1- to 4-byte sequences. */
    private static final String MIXED_SAMPLE = "Hello κόσμε, ζωή και φως! 你好，世界。日本語のテキストです。" +
        " 😀🚀🎉 The quick brown fox jumps over the lazy dog. Ωμέγα 한국어 😊 ";

    @Param({ "ascii", "mixed" })
    String text;

    @Param({ "65536" })
    int length;

    @Param({ "direct", "heap" })
    String memory;

    private final Utf8Validator validator = new Utf8Validator();
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    private ByteBuffer input;
    private CharBuffer output;
    private UnsafeBuffer buffer;

    /**
     * Fill a direct buffer with whole characters of the chosen text, padding the last few bytes with spaces.
     */
    @Setup
    public void setup()
    {
        final String sample = "ascii".equals(text) ?
            "The quick brown fox jumps over the lazy dog; pack my box with five dozen liquor jugs. " : MIXED_SAMPLE;

        input = "direct".equals(memory) ? ByteBuffer.allocateDirect(length) : ByteBuffer.allocate(length);
        output = CharBuffer.allocate(length);
        buffer = new UnsafeBuffer(input);

        final byte[][] characters = sample.codePoints()
            .mapToObj((codePoint) -> Character.toString(codePoint).getBytes(StandardCharsets.UTF_8))
            .toArray(byte[][]::new);
        int position = 0;
        int i = 0;
        while (position + characters[i].length <= length)
        {
            buffer.putBytes(position, characters[i]);
            position += characters[i].length;
            i = (i + 1) % characters.length;
        }
        buffer.setMemory(position, length - position, (byte)' ');

        if (!validator.reset().validate(buffer, 0, length) || !validator.isComplete() ||
            decoder.reset().decode(input.clear(), output.clear(), true).isError())
        {
            throw new IllegalStateException("benchmark text is not valid UTF-8: text=" + text);
        }
    }

    /**
     * @return whether the message is valid UTF-8.
     */
    @Benchmark
    public boolean wsmuxValidator()
    {
        return validator.reset().validate(buffer, 0, length) && validator.isComplete();
    }

    /**
     * @return the decoder's verdict: underflow when the message is valid UTF-8.
     */
    @Benchmark
    public CoderResult jdkCharsetDecoder()
    {
        return decoder.reset().decode(input.clear(), output.clear(), true);
    }
}
