package io.wsmux.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;

import org.agrona.concurrent.UnsafeBuffer;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided differential fuzz test of {@link Utf8Validator} against the JDK's UTF-8 {@link CharsetDecoder}
 * (malformed and unmappable input reported, not replaced): the same verdict for every input, whether fed whole
 * ({@link Utf8Validator#isValid}), in fuzzer-chosen pieces to an instance ({@link Utf8Validator#validate} then
 * {@link Utf8Validator#isComplete()}), or in the same pieces to the static {@link Utf8Validator#next} the frame
 * decoder uses. Where it fails, the first invalid byte is the same however the input was split, everything before
 * it can still be completed into a string the JDK accepts, and the prefix that includes it cannot. The
 * buffer ends where the input ends, so an over-read by the 8-byte ASCII skip throws. See docs/fuzzing.md.
 * <p>
 * Input layout ({@link FuzzInput}): {@code offset} (modulo 16: where the input starts in the buffer), a split count
 * and 16-bit split points, then the bytes to validate.
 */
class Utf8ValidatorFuzzTest
{
    private static final int[] COMPLETION_EDGES = { 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF };

    private final CharsetDecoder jdk = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    private final Utf8Validator validator = new Utf8Validator();
    private final Utf8Validator wholeValidator = new Utf8Validator();

    @FuzzTest(maxDuration = "10m")
    void shouldAgreeWithJdkDecoder(final byte[] data)
    {
        final FuzzInput input = new FuzzInput(data);
        final int offset = input.u8() % 16;
        final int[] rawSplits = input.rawSplitPoints();
        final byte[] bytes = input.rest();
        final int[] bounds = FuzzInput.splitPoints(rawSplits, bytes.length);

        final byte[] backing = new byte[offset + bytes.length];
        System.arraycopy(bytes, 0, backing, offset, bytes.length);
        final UnsafeBuffer buffer = new UnsafeBuffer(backing);
        final String hex = HexFormat.of().formatHex(bytes);

        final boolean jdkValid = isValid(bytes, bytes.length);
        assertEquals(jdkValid, Utf8Validator.isValid(buffer, offset, bytes.length), "isValid " + hex);

        validator.reset();
        int state = Utf8Validator.INITIAL_STATE;
        int failedIndex = -1;
        for (int i = 1; i < bounds.length; i++)
        {
            final int pieceOffset = offset + bounds[i - 1];
            final int pieceLength = bounds[i] - bounds[i - 1];
            final boolean wasFailed = validator.isFailed();
            final boolean ok = validator.validate(buffer, pieceOffset, pieceLength);
            state = Utf8Validator.next(state, buffer, pieceOffset, pieceLength);

            assertEquals(validator.isFailed(), Utf8Validator.FAILED_STATE == state, "instance and static disagree");
            assertEquals(!validator.isFailed(), ok);
            if (ok || wasFailed)
            {
                assertEquals(-1, validator.failedIndex(), "failedIndex without a new failure");
            }
            else
            {
                failedIndex = validator.failedIndex();
                assertTrue(failedIndex >= pieceOffset && failedIndex < pieceOffset + pieceLength,
                    "failedIndex=" + failedIndex + " outside the piece " + pieceOffset + "+" + pieceLength);
            }
        }

        assertEquals(jdkValid, validator.isComplete(), "validate in pieces " + hex);
        assertEquals(jdkValid, Utf8Validator.isCompleteState(state), "next in pieces " + hex);
        if (validator.isFailed())
        {
            assertFalse(wholeValidator.reset().validate(buffer, offset, bytes.length));
            assertEquals(wholeValidator.failedIndex(), failedIndex, "failed index depends on the split " + hex);
            // The automaton rejects at the first byte no valid string could contain at that place.
            final int index = failedIndex - offset;
            assertTrue(isValidPrefix(bytes, index), "bytes before the failed index rejected " + hex);
            assertFalse(isValidPrefix(bytes, index + 1), "bytes to the failed index accepted " + hex);
        }
        else if (!jdkValid)
        {
            // Not failed yet invalid: the input ends inside a multi-byte sequence.
            assertTrue(isValidPrefix(bytes, bytes.length), "incomplete input otherwise rejected " + hex);
        }
    }

    /**
     * Whether the JDK decodes the first length bytes, as a whole string, without a malformed or unmappable report.
     */
    private boolean isValid(final byte[] bytes, final int length)
    {
        jdk.reset();
        final ByteBuffer in = ByteBuffer.wrap(bytes, 0, length);
        final CharBuffer out = CharBuffer.allocate(length + 1);
        return !jdk.decode(in, out, true).isError() && !jdk.flush(out).isError() && !in.hasRemaining();
    }

    /**
     * Whether the first length bytes start some valid UTF-8 string, asked of the JDK with each completion that
     * could matter: none, or one to three more bytes whose first is the edge of a second-byte range of RFC 3629 §4
     * (80, 8F, 90, 9F, A0, BF) and the rest 80, as only a sequence's second byte has a narrowed range. The JDK's
     * own partial-input check is not used: it does not reject a surrogate (ED A0..BF) until the sequence is whole.
     */
    private boolean isValidPrefix(final byte[] bytes, final int length)
    {
        if (isValid(bytes, length))
        {
            return true;
        }
        final byte[] completed = Arrays.copyOf(bytes, length + 3);
        for (final int edge : COMPLETION_EDGES)
        {
            completed[length] = (byte)edge;
            completed[length + 1] = (byte)0x80;
            completed[length + 2] = (byte)0x80;
            for (int extra = 1; extra <= 3; extra++)
            {
                if (isValid(completed, length + extra))
                {
                    return true;
                }
            }
        }
        return false;
    }
}
