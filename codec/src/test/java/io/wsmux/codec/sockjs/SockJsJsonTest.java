package io.wsmux.codec.sockjs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SockJsJsonTest
{
    // ---- quoting ----

    private static String quote(final byte[] text)
    {
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[SockJsJson.maxQuotedLength(text.length) + 10]);
        final int written = SockJsJson.quote(new UnsafeBuffer(text), 0, text.length, dst, 3);
        return dst.getStringWithoutLengthUtf8(3, written);
    }

    private static String quote(final String text)
    {
        return quote(text.getBytes(StandardCharsets.UTF_8));
    }

    /** The SockJS rule, written independently: which UTF-16 units go out as a backslash-u escape. */
    private static boolean mustEscape(final int c)
    {
        return c <= 0x1f || (c >= 0x200c && c <= 0x200f) || (c >= 0x2028 && c <= 0x202f) ||
            (c >= 0x2060 && c <= 0x206f) || (c >= 0xd800 && c <= 0xdfff) || (c >= 0xfff0 && c <= 0xffff);
    }

    @Test
    void shouldQuotePlainTextAsIs()
    {
        assertEquals("\"abc 123 /<>'\"", quote("abc 123 /<>'"));
        assertEquals("\"\"", quote(""));
    }

    @Test
    void shouldEscapeQuoteAndBackslashAndUseShortFormsForControls()
    {
        assertEquals("\"\\\"\\\\\\b\\f\\n\\r\\t\"", quote("\"\\\b\f\n\r\t"));
        assertEquals("\"\\u0000\\u0001\\u000b\\u001f \"", quote("\u0000\u0001\u000b\u001f "));
    }

    @Test
    void shouldEscapeEveryUnitOfTheRangesAndNothingAtTheirEdges()
    {
        assertEquals("\"\u200b\\u200c\\u200f\u2010\"", quote("\u200b\u200c\u200f\u2010"));
        assertEquals("\"\u2027\\u2028\\u202f\u2030\"", quote("\u2027\u2028\u202f\u2030"));
        assertEquals("\"\u205f\\u2060\\u206f\u2070\"", quote("\u205f\u2060\u206f\u2070"));
        assertEquals("\"\uffef\\ufff0\\ufffd\\uffff\"", quote("\uffef\ufff0\ufffd\uffff"));
        assertEquals("\"\u007f\u0080\u009f\u00ad\ufeff\u0600\"", quote("\u007f\u0080\u009f\u00ad\ufeff\u0600"),
            "DEL, C1 controls, soft hyphen and BOM pass as UTF-8");
    }

    @Test
    void shouldQuoteEveryBmpCharacterByTheRule()
    {
        for (int c = 0; c <= 0xffff; c++)
        {
            if (c >= 0xd800 && c <= 0xdfff)
            {
                continue;
            }
            final String text = String.valueOf((char)c);
            final String expected;
            if ('"' == c || '\\' == c)
            {
                expected = "\"\\" + text + "\"";
            }
            else if ("\b\f\n\r\t".indexOf(c) >= 0)
            {
                expected = "\"\\" + "bfnrt".charAt("\b\f\n\r\t".indexOf(c)) + "\"";
            }
            else if (mustEscape(c))
            {
                expected = "\"" + String.format("\\u%04x", c) + "\"";
            }
            else
            {
                expected = "\"" + text + "\"";
            }
            assertEquals(expected, quote(text), "U+" + Integer.toHexString(c));
        }
    }

    @Test
    void shouldEscapeCharactersBeyondTheBmpAsASurrogatePair()
    {
        assertEquals("\"\\ud83d\\ude00\"", quote("\ud83d\ude00"));
        assertEquals("\"\\ud800\\udc00\\udbff\\udfff\"", quote(new String(Character.toChars(0x10000)) +
            new String(Character.toChars(0x10ffff))));
    }

    @Test
    void shouldReplaceEachByteThatIsNotValidUtf8()
    {
        assertEquals("\"a\\ufffdb\"", quote(new byte[] {'a', (byte)0xff, 'b'}));
        assertEquals("\"\\ufffd\"", quote(new byte[] {(byte)0x80}), "a lone continuation byte");
        assertEquals("\"\\ufffd\\ufffd\"", quote(new byte[] {(byte)0xc0, (byte)0x80}), "overlong NUL");
        assertEquals("\"\\ufffd\\ufffd\\ufffd\"", quote(new byte[] {(byte)0xe0, (byte)0x80, (byte)0xaf}),
            "overlong three bytes");
        assertEquals("\"\\ufffd\\ufffd\\ufffd\"", quote(new byte[] {(byte)0xed, (byte)0xa0, (byte)0x80}),
            "an encoded surrogate");
        assertEquals("\"\\ufffd\\ufffd\\ufffd\\ufffd\"",
            quote(new byte[] {(byte)0xf4, (byte)0x90, (byte)0x80, (byte)0x80}), "past U+10FFFF");
        assertEquals("\"\\ufffd\\ufffd\"", quote(new byte[] {(byte)0xe2, (byte)0x82}), "truncated at the end");
        assertEquals("\"\\ufffda\"", quote(new byte[] {(byte)0xc3, 'a'}), "a lead byte without continuation");
    }

    @Test
    void shouldStayWithinMaxQuotedLengthAndWriteValidJsonForAnyBytes()
    {
        final long seed = System.nanoTime();
        final Random random = new Random(seed);
        for (int n = 0; n < 2000; n++)
        {
            final byte[] text = new byte[random.nextInt(40)];
            random.nextBytes(text);
            final UnsafeBuffer dst = new UnsafeBuffer(new byte[SockJsJson.maxQuotedLength(text.length)]);

            final int written = SockJsJson.quote(new UnsafeBuffer(text), 0, text.length, dst, 0);

            final String quoted = dst.getStringWithoutLengthUtf8(0, written);
            for (int i = 1; i < quoted.length() - 1; i++)
            {
                assertTrue(!mustEscape(quoted.charAt(i)), "seed=" + seed + ": raw U+" +
                    Integer.toHexString(quoted.charAt(i)));
            }
            final byte[] reparsed = dst.byteArray();
            assertEquals(written, quoted.getBytes(StandardCharsets.UTF_8).length, "seed=" + seed);
            assertEquals(1, parse("[" + new String(reparsed, 0, written, StandardCharsets.UTF_8) + "]", false)
                .size(), "seed=" + seed);
        }
    }

    @Test
    void shouldQuotePiecesOfOneStringOneAfterTheOther()
    {
        final byte[] prefix = "ch,\"".getBytes(StandardCharsets.UTF_8);
        final byte[] payload = "\u2028\ud83d\ude00".getBytes(StandardCharsets.UTF_8);
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[64]);

        int at = SockJsJson.quoteRaw(new UnsafeBuffer(prefix), 0, prefix.length, dst, 0);
        at += SockJsJson.quoteRaw(new UnsafeBuffer(payload), 0, payload.length, dst, at);

        assertEquals("ch,\\\"\\u2028\\ud83d\\ude00", dst.getStringWithoutLengthUtf8(0, at));
    }

    @Test
    void shouldQuoteFromAnOffset()
    {
        final byte[] text = "xx\"a\"xx".getBytes(StandardCharsets.US_ASCII);
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[32]);

        final int written = SockJsJson.quote(new UnsafeBuffer(text), 2, 3, dst, 5);

        assertEquals("\"\\\"a\\\"\"", dst.getStringWithoutLengthAscii(5, written));
    }

    @Test
    void shouldNameTheEscapedUnits()
    {
        for (int c = 0; c <= 0xffff; c++)
        {
            assertEquals(mustEscape(c), SockJsJson.escapes(c), "U+" + Integer.toHexString(c));
        }
    }

    // ---- parsing ----

    private static List<String> parse(final String json, final boolean allowBareString)
    {
        return parse(json.getBytes(StandardCharsets.UTF_8), allowBareString);
    }

    /** @return the messages, or null when broken (and then nothing was delivered). */
    private static List<String> parse(final byte[] json, final boolean allowBareString)
    {
        final List<String> messages = new ArrayList<>();
        final ExpandableArrayBuffer scratch = new ExpandableArrayBuffer(Math.max(1, json.length));
        final int[] bounds = new int[json.length + 2];
        final byte[] padded = new byte[json.length + 4];
        System.arraycopy(json, 0, padded, 2, json.length);
        final SockJsJson.MessageSink sink =
            (buffer, offset, length) -> messages.add(buffer.getStringWithoutLengthUtf8(offset, length));
        final int count = SockJsJson.parseMessages(new UnsafeBuffer(padded), 2, json.length, allowBareString,
            scratch, bounds, sink);
        if (SockJsJson.BROKEN == count)
        {
            assertEquals(List.of(), messages, "nothing is delivered from a broken input");
            return null;
        }
        assertEquals(count, messages.size());
        return messages;
    }

    @Test
    void shouldParseArraysOfStrings()
    {
        assertEquals(List.of("a", "b"), parse("[\"a\",\"b\"]", false));
        assertEquals(List.of(), parse("[]", false));
        assertEquals(List.of(), parse(" [ ] ", false));
        assertEquals(List.of("", "x", ""), parse("\r\n[ \"\" ,\t\"x\"\n,\"\" ]\r\n", false));
        assertEquals(List.of("\u00e9\u4e2d\ud83d\ude00\u007f"), parse("[\"\u00e9\u4e2d\ud83d\ude00\u007f\"]", false));
    }

    @Test
    void shouldDecodeEveryEscape()
    {
        assertEquals(List.of("\"\\/\b\f\n\r\t"), parse("[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"]", false));
        assertEquals(List.of("\u00e9\u00e9\u0000\uffff"), parse("[\"\\u00e9\\u00E9\\u0000\\uFFFF\"]", false));
        assertEquals(List.of("\ud83d\ude00"), parse("[\"\\ud83d\\ude00\"]", false));
    }

    @Test
    void shouldReplaceLoneSurrogatesWithReplacementCharacter()
    {
        assertEquals(List.of("\ufffdx"), parse("[\"\\ud800x\"]", false));
        assertEquals(List.of("\ufffd"), parse("[\"\\udc00\"]", false));
        assertEquals(List.of("\ufffdA"), parse("[\"\\ud800\\u0041\"]", false));
        assertEquals(List.of("\ufffd"), parse("[\"\\udbff\"]", false));
        assertEquals(List.of("\ufffd\ud83d\ude00"), parse("[\"\\ude00\\ud83d\\ude00\"]", false));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "[", "]", "[\"a\"", "[\"a", "[\"a\",", "[\"a\",]", "[,\"a\"]", "[\"a\"]]",
        "[\"a\"],", "[\"a\"] x", "{\"a\":\"b\"}", "[1]", "[null]", "[true]", "[[\"a\"]]", "[\"a\" \"b\"]",
        "[\"a\"\"b\"]", "[\"\\x\"]", "[\"\\u12\"]", "[\"\\u12g4\"]", "[\"\\\"]", "[\"\\", "[\"a\nb\"]", "[\"\u0001\"]",
        "['a']", "[\"a\";\"b\"]", "null", "\"a\"", "x[\"a\"]", "[\"a\"]\u0000"})
    void shouldRefuseBrokenInputAndDeliverNothing(final String json)
    {
        assertEquals(null, parse(json, false), json);
    }

    @Test
    void shouldAcceptABareStringOnlyWhereAllowed()
    {
        assertEquals(List.of("b"), parse("\"b\"", true));
        assertEquals(List.of("b c"), parse(" \"b c\" \r\n", true));
        assertEquals(List.of("a", "b"), parse("[\"a\",\"b\"]", true));
        assertEquals(null, parse("\"b\"", false));
        assertEquals(null, parse("\"b\" \"c\"", true));
        assertEquals(null, parse("\"b", true));
        assertEquals(null, parse("\"b\"]", true));
    }

    @Test
    void shouldValidateWithoutASink()
    {
        final byte[] json = "[\"a\",\"b\",\"c\"]".getBytes(StandardCharsets.US_ASCII);
        final int count = SockJsJson.parseMessages(new UnsafeBuffer(json), 0, json.length, false,
            new ExpandableArrayBuffer(json.length), new int[json.length + 2], null);

        assertEquals(3, count);
    }

    @Test
    void shouldFitInTheDocumentedScratchForManyEmptyStrings()
    {
        final byte[] json = ("[" + "\"\",".repeat(200) + "\"\"]").getBytes(StandardCharsets.US_ASCII);
        final UnsafeBuffer scratch = new UnsafeBuffer(new byte[json.length]);
        final int[] bounds = new int[json.length + 2];
        final List<Integer> lengths = new ArrayList<>();

        final int count = SockJsJson.parseMessages(new UnsafeBuffer(json), 0, json.length, false, scratch, bounds,
            (buffer, offset, length) -> lengths.add(length));

        assertEquals(201, count);
        assertEquals(201, lengths.size());
    }

    @Test
    void shouldRejectMalformedUtf8InsideStrings()
    {
        // Handlers are promised valid UTF-8: a raw byte that is no UTF-8 sequence breaks the whole input.
        final byte[][] inputs =
        {
            {'[', '"', 'a', (byte)0xff, '"', ']'},
            {'[', '"', (byte)0xc3, '"', ']'},
            {'[', '"', (byte)0xed, (byte)0xa0, (byte)0x80, '"', ']'},
            {'[', '"', (byte)0xc0, (byte)0x80, '"', ']'},
        };
        for (final byte[] json : inputs)
        {
            final List<byte[]> raw = new ArrayList<>();
            final int count = SockJsJson.parseMessages(new UnsafeBuffer(json), 0, json.length, false,
                new ExpandableArrayBuffer(json.length), new int[json.length + 2], (buffer, offset, length) ->
                    raw.add(new byte[length]));
            assertEquals(SockJsJson.BROKEN, count);
            assertEquals(0, raw.size());
        }
        final byte[] valid = {'[', '"', (byte)0xc3, (byte)0xa9, '"', ']'};
        assertEquals(1, SockJsJson.parseMessages(new UnsafeBuffer(valid), 0, valid.length, false,
            new ExpandableArrayBuffer(valid.length), new int[valid.length + 2], null));
    }
}
