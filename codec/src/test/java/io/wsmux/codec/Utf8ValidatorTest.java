package io.wsmux.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import java.util.function.IntFunction;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

class Utf8ValidatorTest
{
    /** Printed in every randomized assertion message, so a failure can be replayed. */
    private static final long RANDOM_SEED = 0x77736D7578L;
    private static final int RANDOM_INPUT_COUNT = 200_000;
    private static final int RANDOM_INPUT_MAX_LENGTH = 16;

    /** Offsets every case is placed at: aligned and not. */
    private static final int[] OFFSETS = { 0, 5 };
    /** Bytes of 0xFF around each message, so that reading outside it would fail a valid message. */
    private static final int PADDING = 8;
    private static final byte NEVER_VALID = (byte)0xFF;

    private static final int NOT_FAILED = -1;
    private static final byte SPACE = ' ';

    private final CharsetDecoder jdkDecoder = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    private final CharBuffer jdkOutput = CharBuffer.allocate(64 * 1024);

    /** Heap and direct memory, the two kinds of buffer the validator must read the same way. */
    enum Memory
    {
        HEAP(capacity -> new UnsafeBuffer(new byte[capacity])),
        DIRECT(capacity -> new UnsafeBuffer(ByteBuffer.allocateDirect(capacity)));

        private final IntFunction<UnsafeBuffer> allocator;

        Memory(final IntFunction<UnsafeBuffer> allocator)
        {
            this.allocator = allocator;
        }

        UnsafeBuffer allocate(final int capacity)
        {
            return allocator.apply(capacity);
        }
    }

    /**
     * What feeding a message produced.
     *
     * @param valid       the message was valid and complete.
     * @param failedIndex the absolute index of the byte that failed it, or -1.
     */
    private record Outcome(boolean valid, int failedIndex)
    {
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("edgeCodePoints")
    void shouldAcceptEdgeCodePointAlone(final String name, final byte[] encoded)
    {
        assertSameOutcomeEveryWay(encoded, true);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("edgeCodePoints")
    void shouldAcceptEdgeCodePointEmbeddedInAscii(final String name, final byte[] encoded)
    {
        assertSameOutcomeEveryWay(concat(ascii("0123456789"), encoded, ascii("abcdefghijklmnop")), true);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("mixedTexts")
    void shouldAcceptMixedText(final String name, final byte[] encoded)
    {
        assertSameOutcomeEveryWay(encoded, true);
    }

    @Test
    void shouldAcceptEmptyInput()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[0]);
        final Utf8Validator validator = new Utf8Validator();

        assertTrue(validator.validate(buffer, 0, 0));
        assertTrue(validator.isComplete());
        assertTrue(Utf8Validator.isValid(buffer, 0, 0));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fiveAndSixByteForms")
    void shouldRejectFiveAndSixByteForms(final String name, final byte[] encoded)
    {
        assertSameOutcomeEveryWay(encoded, false);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("aboveMaximumCodePoint")
    void shouldRejectCodePointAboveMaximum(final String name, final byte[] encoded)
    {
        assertSameOutcomeEveryWay(encoded, false);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unexpectedContinuationBytes")
    void shouldRejectUnexpectedContinuationBytes(final String name, final byte[] encoded)
    {
        assertSameOutcomeEveryWay(encoded, false);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("lonelyStartBytes")
    void shouldRejectLonelyStartByteFollowedBySpace(final String name, final byte[] encoded)
    {
        assertSameOutcomeEveryWay(encoded, false);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("lastByteMissing")
    void shouldRejectSequenceWithLastByteMissing(final String name, final byte[] encoded)
    {
        assertSameOutcomeEveryWay(encoded, false);
    }

    @Test
    void shouldRejectConcatenationOfIncompleteSequences()
    {
        final byte[] concatenated = concat(lastByteMissing().map((arguments) -> (byte[])arguments.get()[1])
            .toArray(byte[][]::new));

        assertSameOutcomeEveryWay(concatenated, false);
        assertFailsAt(concatenated, 0);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("impossibleBytes")
    void shouldRejectImpossibleBytes(final String name, final byte[] encoded)
    {
        assertSameOutcomeEveryWay(encoded, false);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("overlongSlash")
    void shouldRejectOverlongSlash(final String name, final byte[] encoded)
    {
        assertSameOutcomeEveryWay(encoded, false);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("maximumOverlongs")
    void shouldRejectMaximumOverlongForms(final String name, final byte[] encoded)
    {
        assertSameOutcomeEveryWay(encoded, false);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("overlongNul")
    void shouldRejectOverlongNul(final String name, final byte[] encoded)
    {
        assertSameOutcomeEveryWay(encoded, false);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("singleSurrogates")
    void shouldRejectSingleUtf16Surrogate(final String name, final byte[] encoded)
    {
        assertSameOutcomeEveryWay(encoded, false);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("pairedSurrogates")
    void shouldRejectPairedUtf16Surrogates(final String name, final byte[] encoded)
    {
        assertSameOutcomeEveryWay(encoded, false);
    }

    @Test
    void shouldRejectOverlongTwoByteFormAtLeadByte()
    {
        assertFailsAt(concat(ascii("abc"), bytes(0xC0, 0xAF), ascii("xyz")), 3);
    }

    @Test
    void shouldRejectSurrogateAtSecondByte()
    {
        assertFailsAt(concat(ascii("abc"), bytes(0xED, 0xA0, 0x80), ascii("xyz")), 4);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("failFastCases")
    void shouldFailAtFirstImpossibleByte(final String name, final byte[] encoded, final int expectedFailedIndex)
    {
        assertFailsAt(encoded, expectedFailedIndex);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("failFastCases")
    void shouldReportFailureOnFragmentHoldingImpossibleByte(
        final String name, final byte[] encoded, final int expectedFailedIndex)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(encoded);
        final Utf8Validator validator = new Utf8Validator();
        for (int split = 0; split <= encoded.length; split++)
        {
            validator.reset();
            final boolean first = validator.validate(buffer, 0, split);
            assertEquals(expectedFailedIndex >= split, first, "split=" + split);
            if (first)
            {
                assertFalse(validator.validate(buffer, split, encoded.length - split), "split=" + split);
            }
            assertEquals(expectedFailedIndex, validator.failedIndex(), "split=" + split);
            assertTrue(validator.isFailed(), "split=" + split);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("edgeCodePoints")
    void shouldReportTruncatedSequenceAsIncompleteNotFailed(final String name, final byte[] encoded)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(encoded);
        final Utf8Validator validator = new Utf8Validator();
        for (int length = 1; length < encoded.length; length++)
        {
            validator.reset();
            assertTrue(validator.validate(buffer, 0, length), "length=" + length);
            assertFalse(validator.isComplete(), "length=" + length);
            assertFalse(validator.isFailed(), "length=" + length);
            assertEquals(NOT_FAILED, validator.failedIndex(), "length=" + length);
            assertFalse(Utf8Validator.isValid(buffer, 0, length), "length=" + length);

            assertTrue(validator.validate(buffer, length, encoded.length - length), "length=" + length);
            assertTrue(validator.isComplete(), "length=" + length);
        }
    }

    @Test
    void shouldRejectTruncatedSequenceWhenNextLeadByteArrives()
    {
        final byte[] euroSign = bytes(0xE2, 0x82, 0xAC);
        final byte[] truncated = Arrays.copyOf(euroSign, 2);

        assertFailsAt(concat(ascii("abc"), truncated, euroSign), 5);
        assertFailsAt(concat(ascii("abc"), truncated, ascii("x")), 5);
    }

    @Test
    void shouldStayFailedUntilReset()
    {
        final UnsafeBuffer invalid = new UnsafeBuffer(bytes(0xFF));
        final UnsafeBuffer valid = new UnsafeBuffer(ascii("valid"));
        final Utf8Validator validator = new Utf8Validator();

        assertFalse(validator.validate(invalid, 0, 1));
        assertEquals(0, validator.failedIndex());

        assertFalse(validator.validate(valid, 0, valid.capacity()));
        assertTrue(validator.isFailed());
        assertFalse(validator.isComplete());
        assertEquals(NOT_FAILED, validator.failedIndex());

        assertTrue(validator.reset().validate(valid, 0, valid.capacity()));
        assertFalse(validator.isFailed());
        assertTrue(validator.isComplete());
        assertEquals(NOT_FAILED, validator.failedIndex());
    }

    @Test
    void shouldAcceptEveryCodePointEncodedByJdk()
    {
        final ByteArrayOutputStream all = new ByteArrayOutputStream();
        final Utf8Validator validator = new Utf8Validator();
        for (int codePoint = 0; codePoint <= Character.MAX_CODE_POINT; codePoint++)
        {
            if (isSurrogate(codePoint))
            {
                continue;
            }

            final byte[] encoded = Character.toString(codePoint).getBytes(StandardCharsets.UTF_8);
            final UnsafeBuffer buffer = new UnsafeBuffer(encoded);
            final String message = "U+" + Integer.toHexString(codePoint);
            assertTrue(Utf8Validator.isValid(buffer, 0, encoded.length), message);
            assertTrue(validator.reset().validate(buffer, 0, encoded.length), message);
            assertTrue(validator.isComplete(), message);
            all.writeBytes(encoded);
        }

        final byte[] allEncoded = all.toByteArray();
        final UnsafeBuffer allBuffer = new UnsafeBuffer(allEncoded);
        assertTrue(Utf8Validator.isValid(allBuffer, 0, allEncoded.length));

        final int fragmentLength = 4093;
        validator.reset();
        for (int offset = 0; offset < allEncoded.length; offset += fragmentLength)
        {
            final int length = Math.min(fragmentLength, allEncoded.length - offset);
            assertTrue(validator.validate(allBuffer, offset, length), "offset=" + offset);
        }
        assertTrue(validator.isComplete());
    }

    @Test
    void shouldRejectEveryEncodedSurrogate()
    {
        for (int codePoint = Character.MIN_SURROGATE; codePoint <= Character.MAX_SURROGATE; codePoint++)
        {
            final byte[] encoded = bytes(
                0xE0 | (codePoint >>> 12), 0x80 | ((codePoint >>> 6) & 0x3F), 0x80 | (codePoint & 0x3F));

            assertFailsAt(encoded, 1);
        }
    }

    @Test
    void shouldAgreeWithJdkDecoderOnEveryInputOfOneAndTwoBytes()
    {
        for (int first = 0; first <= 0xFF; first++)
        {
            assertAgreesWithJdk(bytes(first), "exhaustive");
            for (int second = 0; second <= 0xFF; second++)
            {
                assertAgreesWithJdk(bytes(first, second), "exhaustive");
            }
        }
    }

    @Test
    void shouldAgreeWithJdkDecoderOnEveryThreeByteInputWithThreeByteLead()
    {
        for (int first = 0xE0; first <= 0xEF; first++)
        {
            for (int second = 0; second <= 0xFF; second++)
            {
                for (int third = 0; third <= 0xFF; third++)
                {
                    assertAgreesWithJdk(bytes(first, second, third), "exhaustive");
                }
            }
        }
    }

    @Test
    void shouldAgreeWithJdkDecoderOnRandomInput()
    {
        final Random random = new Random(RANDOM_SEED);
        int validCount = 0;
        for (int i = 0; i < RANDOM_INPUT_COUNT; i++)
        {
            final byte[] input = random.nextBoolean() ? randomHighBiasedBytes(random) : randomDamagedText(random);
            final String context = "seed=" + RANDOM_SEED + " i=" + i;
            if (assertAgreesWithJdk(input, context))
            {
                validCount++;
            }

            final int split = random.nextInt(input.length + 1);
            final UnsafeBuffer buffer = new UnsafeBuffer(input);
            final Utf8Validator validator = new Utf8Validator();
            final boolean splitValid = validator.validate(buffer, 0, split) &&
                validator.validate(buffer, split, input.length - split) && validator.isComplete();
            final String splitContext = context + " split=" + split + " input=" + hex(input);
            assertEquals(Utf8Validator.isValid(buffer, 0, input.length), splitValid, splitContext);
        }

        final int invalidCount = RANDOM_INPUT_COUNT - validCount;
        assertTrue(validCount > RANDOM_INPUT_COUNT / 10, "seed=" + RANDOM_SEED + " validCount=" + validCount);
        assertTrue(invalidCount > RANDOM_INPUT_COUNT / 10, "seed=" + RANDOM_SEED + " invalidCount=" + invalidCount);
    }

    @ParameterizedTest
    @EnumSource(Memory.class)
    void shouldFindInvalidByteAtEveryPositionOfAsciiAtUnalignedOffsets(final Memory memory)
    {
        final int asciiLength = 32;
        for (int offset = 0; offset < 2 * Long.BYTES; offset++)
        {
            final UnsafeBuffer buffer = memory.allocate(offset + asciiLength);
            for (int position = 0; position <= 24; position++)
            {
                for (int i = 0; i < asciiLength; i++)
                {
                    buffer.putByte(offset + i, (byte)('a' + (i % 26)));
                }
                buffer.putByte(offset + position, (byte)0x80);

                final String context = "offset=" + offset + " position=" + position;
                final Utf8Validator validator = new Utf8Validator();
                assertFalse(validator.validate(buffer, offset, asciiLength), context);
                assertEquals(offset + position, validator.failedIndex(), context);
                assertFalse(Utf8Validator.isValid(buffer, offset, asciiLength), context);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Memory.class)
    void shouldAcceptAsciiOfEveryLengthAtUnalignedOffsets(final Memory memory)
    {
        for (int offset = 0; offset < 2 * Long.BYTES; offset++)
        {
            for (int length = 0; length <= 40; length++)
            {
                final UnsafeBuffer buffer = memory.allocate(offset + length);
                for (int i = 0; i < length; i++)
                {
                    buffer.putByte(offset + i, (byte)(i % 0x80));
                }

                final String context = "offset=" + offset + " length=" + length;
                final Utf8Validator validator = new Utf8Validator();
                assertTrue(validator.validate(buffer, offset, length), context);
                assertTrue(validator.isComplete(), context);
                assertTrue(Utf8Validator.isValid(buffer, offset, length), context);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Memory.class)
    void shouldAcceptMultiByteCharacterAtEveryPositionOfAsciiAtUnalignedOffsets(final Memory memory)
    {
        final byte[] euroSign = bytes(0xE2, 0x82, 0xAC);
        final int length = 32;
        for (int offset = 0; offset < 2 * Long.BYTES; offset++)
        {
            final UnsafeBuffer buffer = memory.allocate(offset + length);
            for (int position = 0; position <= length - euroSign.length; position++)
            {
                buffer.setMemory(offset, length, SPACE);
                buffer.putBytes(offset + position, euroSign);

                final String context = "offset=" + offset + " position=" + position;
                assertTrue(Utf8Validator.isValid(buffer, offset, length), context);
                assertFalse(Utf8Validator.isValid(buffer, offset, position + 2), context);
            }
        }
    }

    static Stream<Arguments> edgeCodePoints()
    {
        return Stream.of(
            Arguments.of("U+0000", bytes(0x00)),
            Arguments.of("U+007F", bytes(0x7F)),
            Arguments.of("U+0080", bytes(0xC2, 0x80)),
            Arguments.of("U+07FF", bytes(0xDF, 0xBF)),
            Arguments.of("U+0800", bytes(0xE0, 0xA0, 0x80)),
            Arguments.of("U+D7FF", bytes(0xED, 0x9F, 0xBF)),
            Arguments.of("U+E000", bytes(0xEE, 0x80, 0x80)),
            Arguments.of("U+FFFD", bytes(0xEF, 0xBF, 0xBD)),
            Arguments.of("U+FFFE", bytes(0xEF, 0xBF, 0xBE)),
            Arguments.of("U+FFFF", bytes(0xEF, 0xBF, 0xBF)),
            Arguments.of("U+10000", bytes(0xF0, 0x90, 0x80, 0x80)),
            Arguments.of("U+10FFFF", bytes(0xF4, 0x8F, 0xBF, 0xBF)));
    }

    static Stream<Arguments> mixedTexts()
    {
        final String mixed = "Hello κόσμε! Ωμέγα and αλφάβητο, 你好，世界。日本語のテキスト, 한국어, " +
            "emoji 😀🚀🎉👍🏽 and a plain ASCII sentence long enough to use the 8-byte path.";

        return Stream.of(
            Arguments.of("κόσμε", bytes(0xCE, 0xBA, 0xE1, 0xBD, 0xB9, 0xCF, 0x83, 0xCE, 0xBC, 0xCE, 0xB5)),
            Arguments.of("mixed", mixed.getBytes(StandardCharsets.UTF_8)),
            Arguments.of("mixed x3", mixed.repeat(3).getBytes(StandardCharsets.UTF_8)));
    }

    static Stream<Arguments> fiveAndSixByteForms()
    {
        return Stream.of(
            Arguments.of("first 5-byte F8 88 80 80 80", bytes(0xF8, 0x88, 0x80, 0x80, 0x80)),
            Arguments.of("first 6-byte FC 84 80 80 80 80", bytes(0xFC, 0x84, 0x80, 0x80, 0x80, 0x80)),
            Arguments.of("last 5-byte FB BF BF BF BF", bytes(0xFB, 0xBF, 0xBF, 0xBF, 0xBF)),
            Arguments.of("last 6-byte FD BF BF BF BF BF", bytes(0xFD, 0xBF, 0xBF, 0xBF, 0xBF, 0xBF)));
    }

    static Stream<Arguments> aboveMaximumCodePoint()
    {
        return Stream.of(
            Arguments.of("U+110000 F4 90 80 80", bytes(0xF4, 0x90, 0x80, 0x80)),
            Arguments.of("U+13FFFF F4 BF BF BF", bytes(0xF4, 0xBF, 0xBF, 0xBF)),
            Arguments.of("U+140000 F5 80 80 80", bytes(0xF5, 0x80, 0x80, 0x80)),
            Arguments.of("last 4-byte U+1FFFFF F7 BF BF BF", bytes(0xF7, 0xBF, 0xBF, 0xBF)));
    }

    static Stream<Arguments> unexpectedContinuationBytes()
    {
        final Stream<Arguments> alone = IntStream.rangeClosed(0x80, 0xBF)
            .mapToObj((b) -> Arguments.of(hex(bytes(b)) + " alone", bytes(b)));
        final Stream<Arguments> runs = IntStream.rangeClosed(2, 7)
            .mapToObj((count) -> Arguments.of(count + " continuation bytes", continuationRun(count)));
        final byte[] all = new byte[64];
        for (int i = 0; i < all.length; i++)
        {
            all[i] = (byte)(0x80 + i);
        }

        return Stream.concat(Stream.concat(alone, runs), Stream.of(Arguments.of("all 64 in a row", all)));
    }

    static Stream<Arguments> lonelyStartBytes()
    {
        return IntStream.rangeClosed(0xC0, 0xFD)
            .mapToObj((b) -> Arguments.of(hex(bytes(b)) + " then space", bytes(b, SPACE)));
    }

    static Stream<Arguments> lastByteMissing()
    {
        return Stream.of(
            Arguments.of("2-byte U+0000 C0", bytes(0xC0)),
            Arguments.of("3-byte U+0000 E0 80", bytes(0xE0, 0x80)),
            Arguments.of("4-byte U+0000 F0 80 80", bytes(0xF0, 0x80, 0x80)),
            Arguments.of("5-byte U+0000 F8 80 80 80", bytes(0xF8, 0x80, 0x80, 0x80)),
            Arguments.of("6-byte U+0000 FC 80 80 80 80", bytes(0xFC, 0x80, 0x80, 0x80, 0x80)),
            Arguments.of("2-byte U+07FF DF", bytes(0xDF)),
            Arguments.of("3-byte U+FFFF EF BF", bytes(0xEF, 0xBF)),
            Arguments.of("4-byte U+1FFFFF F7 BF BF", bytes(0xF7, 0xBF, 0xBF)),
            Arguments.of("5-byte U+3FFFFFF FB BF BF BF", bytes(0xFB, 0xBF, 0xBF, 0xBF)),
            Arguments.of("6-byte U+7FFFFFFF FD BF BF BF BF", bytes(0xFD, 0xBF, 0xBF, 0xBF, 0xBF)),
            Arguments.of("3-byte U+0800 E0 A0", bytes(0xE0, 0xA0)),
            Arguments.of("4-byte U+10000 F0 90 80", bytes(0xF0, 0x90, 0x80)),
            Arguments.of("4-byte U+10FFFF F4 8F BF", bytes(0xF4, 0x8F, 0xBF)));
    }

    static Stream<Arguments> impossibleBytes()
    {
        return Stream.of(
            Arguments.of("FE", bytes(0xFE)),
            Arguments.of("FF", bytes(0xFF)),
            Arguments.of("FE FE FF FF", bytes(0xFE, 0xFE, 0xFF, 0xFF)));
    }

    static Stream<Arguments> overlongSlash()
    {
        return Stream.of(
            Arguments.of("2-byte C0 AF", bytes(0xC0, 0xAF)),
            Arguments.of("3-byte E0 80 AF", bytes(0xE0, 0x80, 0xAF)),
            Arguments.of("4-byte F0 80 80 AF", bytes(0xF0, 0x80, 0x80, 0xAF)),
            Arguments.of("5-byte F8 80 80 80 AF", bytes(0xF8, 0x80, 0x80, 0x80, 0xAF)),
            Arguments.of("6-byte FC 80 80 80 80 AF", bytes(0xFC, 0x80, 0x80, 0x80, 0x80, 0xAF)));
    }

    static Stream<Arguments> maximumOverlongs()
    {
        return Stream.of(
            Arguments.of("2-byte U+007F C1 BF", bytes(0xC1, 0xBF)),
            Arguments.of("3-byte U+07FF E0 9F BF", bytes(0xE0, 0x9F, 0xBF)),
            Arguments.of("4-byte U+FFFF F0 8F BF BF", bytes(0xF0, 0x8F, 0xBF, 0xBF)),
            Arguments.of("5-byte U+1FFFFF F8 87 BF BF BF", bytes(0xF8, 0x87, 0xBF, 0xBF, 0xBF)),
            Arguments.of("6-byte U+3FFFFFF FC 83 BF BF BF BF", bytes(0xFC, 0x83, 0xBF, 0xBF, 0xBF, 0xBF)));
    }

    static Stream<Arguments> overlongNul()
    {
        return Stream.of(
            Arguments.of("2-byte C0 80", bytes(0xC0, 0x80)),
            Arguments.of("3-byte E0 80 80", bytes(0xE0, 0x80, 0x80)),
            Arguments.of("4-byte F0 80 80 80", bytes(0xF0, 0x80, 0x80, 0x80)),
            Arguments.of("5-byte F8 80 80 80 80", bytes(0xF8, 0x80, 0x80, 0x80, 0x80)),
            Arguments.of("6-byte FC 80 80 80 80 80", bytes(0xFC, 0x80, 0x80, 0x80, 0x80, 0x80)));
    }

    static Stream<Arguments> singleSurrogates()
    {
        return Stream.of(
            Arguments.of("U+D800", bytes(0xED, 0xA0, 0x80)),
            Arguments.of("U+DB7F", bytes(0xED, 0xAD, 0xBF)),
            Arguments.of("U+DB80", bytes(0xED, 0xAE, 0x80)),
            Arguments.of("U+DBFF", bytes(0xED, 0xAF, 0xBF)),
            Arguments.of("U+DC00", bytes(0xED, 0xB0, 0x80)),
            Arguments.of("U+DF80", bytes(0xED, 0xBE, 0x80)),
            Arguments.of("U+DFFF", bytes(0xED, 0xBF, 0xBF)));
    }

    static Stream<Arguments> pairedSurrogates()
    {
        final int[][] highs = { { 0xA0, 0x80 }, { 0xAD, 0xBF }, { 0xAE, 0x80 }, { 0xAF, 0xBF } };
        final int[][] lows = { { 0xB0, 0x80 }, { 0xBF, 0xBF } };
        final Stream.Builder<Arguments> pairs = Stream.builder();
        for (final int[] high : highs)
        {
            for (final int[] low : lows)
            {
                final byte[] encoded = bytes(0xED, high[0], high[1], 0xED, low[0], low[1]);
                pairs.add(Arguments.of(hex(encoded), encoded));
            }
        }

        return pairs.build();
    }

    static Stream<Arguments> failFastCases()
    {
        final byte[] prefix = concat(ascii("twenty ASCII bytes.."), bytes(0xCE, 0xBA, 0xE1, 0xBD, 0xB9));
        final byte[] more = ascii("more text after");

        return Stream.of(
            Arguments.of("overlong C0 AF fails at C0", concat(prefix, bytes(0xC0, 0xAF), more), 25),
            Arguments.of("overlong C1 BF fails at C1", concat(prefix, bytes(0xC1, 0xBF), more), 25),
            Arguments.of("overlong E0 9F BF fails at 9F", concat(prefix, bytes(0xE0, 0x9F, 0xBF), more), 26),
            Arguments.of("overlong F0 8F BF BF fails at 8F", concat(prefix, bytes(0xF0, 0x8F, 0xBF, 0xBF), more), 26),
            Arguments.of("surrogate ED A0 80 fails at A0", concat(prefix, bytes(0xED, 0xA0, 0x80), more), 26),
            Arguments.of("U+110000 F4 90 80 80 fails at 90", concat(prefix, bytes(0xF4, 0x90, 0x80, 0x80), more), 26),
            Arguments.of("F5 fails at F5", concat(prefix, bytes(0xF5, 0x80, 0x80, 0x80), more), 25),
            Arguments.of("5-byte F8 fails at F8", concat(prefix, bytes(0xF8, 0x88, 0x80, 0x80, 0x80), more), 25),
            Arguments.of("FE fails at FE", concat(prefix, bytes(0xFE), more), 25),
            Arguments.of("stray continuation fails at it", concat(prefix, bytes(0xBF), more), 25),
            Arguments.of("E2 82 then ASCII fails at ASCII", concat(prefix, bytes(0xE2, 0x82), more), 27),
            Arguments.of("C3 then lead fails at lead", concat(prefix, bytes(0xC3, 0xC3, 0xA9), more), 26),
            Arguments.of("invalid after the prefix", concat(prefix, more, bytes(0xFF)), 25 + more.length),
            Arguments.of("invalid first byte", concat(bytes(0x80), prefix), 0));
    }

    private static void assertSameOutcomeEveryWay(final byte[] message, final boolean expectedValid)
    {
        final int[] oneByteFragments = new int[message.length];
        Arrays.fill(oneByteFragments, 1);

        for (final Memory memory : Memory.values())
        {
            for (final int offset : OFFSETS)
            {
                final UnsafeBuffer buffer = memory.allocate(offset + message.length + PADDING);
                buffer.setMemory(0, buffer.capacity(), NEVER_VALID);
                buffer.putBytes(offset, message);
                final String context = memory + " offset=" + offset + " message=" + hex(message);

                final Outcome whole = feed(buffer, offset, message.length);
                assertEquals(expectedValid, whole.valid(), context);
                assertEquals(expectedValid, Utf8Validator.isValid(buffer, offset, message.length), context);

                for (int split = 0; split <= message.length; split++)
                {
                    final Outcome splitInTwo = feed(buffer, offset, split, message.length - split);
                    assertEquals(whole, splitInTwo, context + " split=" + split);
                }
                assertEquals(whole, feed(buffer, offset, oneByteFragments), context + " one byte at a time");
            }
        }
    }

    /**
     * Feed a message from one buffer in fragments of the given lengths, as frames would arrive, checking that a
     * failure is reported on the fragment holding the failing byte and that nothing is reported before it.
     */
    private static Outcome feed(final DirectBuffer buffer, final int offset, final int... fragmentLengths)
    {
        final Utf8Validator validator = new Utf8Validator();
        int position = offset;
        for (final int fragmentLength : fragmentLengths)
        {
            if (!validator.validate(buffer, position, fragmentLength))
            {
                final int failedIndex = validator.failedIndex();
                assertTrue(failedIndex >= position && failedIndex < position + fragmentLength,
                    "failedIndex=" + failedIndex + " outside fragment at " + position + " length " + fragmentLength);
                assertTrue(validator.isFailed());
                assertFalse(validator.isComplete());

                return new Outcome(false, failedIndex);
            }
            assertEquals(NOT_FAILED, validator.failedIndex());
            assertFalse(validator.isFailed());
            position += fragmentLength;
        }

        return new Outcome(validator.isComplete(), NOT_FAILED);
    }

    private static void assertFailsAt(final byte[] message, final int expectedFailedIndex)
    {
        for (final Memory memory : Memory.values())
        {
            for (final int offset : OFFSETS)
            {
                final UnsafeBuffer buffer = memory.allocate(offset + message.length);
                buffer.putBytes(offset, message);
                final String context = memory + " offset=" + offset + " message=" + hex(message);

                final Utf8Validator validator = new Utf8Validator();
                assertFalse(validator.validate(buffer, offset, message.length), context);
                assertEquals(offset + expectedFailedIndex, validator.failedIndex(), context);
                assertTrue(validator.isFailed(), context);
                assertFalse(Utf8Validator.isValid(buffer, offset, message.length), context);
            }
        }
    }

    /**
     * Compare the verdicts of {@link Utf8Validator#isValid(DirectBuffer, int, int)} and the JDK decoder.
     *
     * @return whether both found the input valid.
     */
    private boolean assertAgreesWithJdk(final byte[] input, final String context)
    {
        final boolean expected = jdkAccepts(input);
        final boolean actual = Utf8Validator.isValid(new UnsafeBuffer(input), 0, input.length);
        assertEquals(expected, actual, context + " input=" + hex(input));

        return expected;
    }

    private boolean jdkAccepts(final byte[] input)
    {
        jdkDecoder.reset();
        jdkOutput.clear();

        return !jdkDecoder.decode(ByteBuffer.wrap(input), jdkOutput, true).isError() &&
            !jdkDecoder.flush(jdkOutput).isError();
    }

    /** Mostly bytes with the high bit set, so that lead and continuation bytes meet in every combination. */
    private static byte[] randomHighBiasedBytes(final Random random)
    {
        final byte[] bytes = new byte[1 + random.nextInt(RANDOM_INPUT_MAX_LENGTH)];
        for (int i = 0; i < bytes.length; i++)
        {
            bytes[i] = (byte)(0 == random.nextInt(4) ? random.nextInt(0x80) : 0x80 + random.nextInt(0x80));
        }

        return bytes;
    }

    /** Valid text of random code points, then sometimes one byte replaced by a high byte or the end cut off. */
    private static byte[] randomDamagedText(final Random random)
    {
        final StringBuilder text = new StringBuilder();
        final int codePointCount = 1 + random.nextInt(RANDOM_INPUT_MAX_LENGTH / 4);
        for (int i = 0; i < codePointCount; i++)
        {
            int codePoint;
            do
            {
                codePoint = random.nextInt(Character.MAX_CODE_POINT + 1);
            }
            while (isSurrogate(codePoint));
            text.appendCodePoint(codePoint);
        }

        final byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
        final int damage = random.nextInt(3);
        if (1 == damage)
        {
            bytes[random.nextInt(bytes.length)] = (byte)(0x80 + random.nextInt(0x80));
        }
        else if (2 == damage && bytes.length > 1)
        {
            return Arrays.copyOf(bytes, 1 + random.nextInt(bytes.length - 1));
        }

        return bytes;
    }

    private static boolean isSurrogate(final int codePoint)
    {
        return codePoint >= Character.MIN_SURROGATE && codePoint <= Character.MAX_SURROGATE;
    }

    private static byte[] continuationRun(final int count)
    {
        final byte[] run = new byte[count];
        for (int i = 0; i < count; i++)
        {
            run[i] = (byte)(0 == (i & 1) ? 0x80 : 0xBF);
        }

        return run;
    }

    private static byte[] bytes(final int... values)
    {
        final byte[] bytes = new byte[values.length];
        for (int i = 0; i < values.length; i++)
        {
            bytes[i] = (byte)values[i];
        }

        return bytes;
    }

    private static byte[] ascii(final String text)
    {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] concat(final byte[]... parts)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (final byte[] part : parts)
        {
            out.writeBytes(part);
        }

        return out.toByteArray();
    }

    private static String hex(final byte[] bytes)
    {
        return HexFormat.ofDelimiter(" ").withUpperCase().formatHex(bytes);
    }
}
