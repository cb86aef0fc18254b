package io.wsmux.codec.mux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.agrona.concurrent.UnsafeBuffer;

import com.code_intelligence.jazzer.junit.FuzzTest;

import io.wsmux.codec.FuzzInput;

/**
 * Coverage-guided fuzz test of the text multiplex protocol: {@link TextMuxFlyweight} never throws, keeps every
 * offset and length inside the message it wraps (the buffer ends where the message ends, so an over-read throws,
 * and commas before it catch an under-read), and agrees with a model of the reference server's
 * {@code message.split(',')}; {@link JsEscape#unescape} never throws, and {@code unescape(escape(s)) == s} for any
 * string, lone surrogates included, with {@code escape} giving only its documented ASCII alphabet.
 * See docs/fuzzing.md.
 * <p>
 * Input layout ({@link FuzzInput}): {@code offset} (modulo 16: where the message starts in the buffer), then the
 * message bytes, which are also read as UTF-16BE code units for the escape round trip.
 */
class TextMuxFlyweightFuzzTest
{
    private static final String ESCAPE_ALPHABET =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789@*_+-./%";

    private final TextMuxFlyweight flyweight = new TextMuxFlyweight();

    @FuzzTest(maxDuration = "10m")
    void shouldParseLikeReferenceAndRoundTripEscape(final byte[] data)
    {
        final FuzzInput input = new FuzzInput(data);
        final int offset = input.u8() % 16;
        final byte[] message = input.rest();

        checkFlyweight(offset, message);
        checkEscape(message);
    }

    private void checkFlyweight(final int offset, final byte[] message)
    {
        final byte[] backing = new byte[offset + message.length];
        Arrays.fill(backing, 0, offset, (byte)',');
        System.arraycopy(message, 0, backing, offset, message.length);
        final UnsafeBuffer buffer = new UnsafeBuffer(backing);

        final int type = flyweight.wrap(buffer, offset, message.length);
        assertEquals(type, flyweight.type());
        assertSame(buffer, flyweight.buffer());
        final int limit = offset + message.length;
        final int nameOffset = flyweight.nameOffset();
        final int nameLength = flyweight.nameLength();
        final int payloadOffset = flyweight.payloadOffset();
        final int payloadLength = flyweight.payloadLength();
        assertTrue(nameOffset >= offset && nameLength >= 0 && nameOffset + nameLength <= limit, flyweight.toString());
        assertTrue(payloadOffset >= offset && payloadLength >= 0 && payloadOffset + payloadLength <= limit,
            flyweight.toString());

        // The reference server: t = message.split(','); type = t.shift(); topic = t.shift(); payload = t.join().
        final String text = new String(message, StandardCharsets.ISO_8859_1);
        final String[] parts = text.split(",", -1);
        final int expectedType = parts.length < 2 || parts[1].isEmpty() ? TextMuxFlyweight.UNKNOWN : typeOf(parts[0]);
        assertEquals(expectedType, type, "type of " + text);

        if (TextMuxFlyweight.UNKNOWN == type)
        {
            assertEquals(offset, nameOffset);
            assertEquals(0, nameLength);
            assertEquals(offset, payloadOffset);
            assertEquals(0, payloadLength);
            return;
        }

        assertEquals(parts[1], latin1(backing, nameOffset, nameLength), "name of " + text);
        final String expectedPayload = TextMuxFlyweight.MSG == type ?
            String.join(",", Arrays.asList(parts).subList(2, parts.length)) : "";
        assertEquals(expectedPayload, latin1(backing, payloadOffset, payloadLength), "payload of " + text);
    }

    private static void checkEscape(final byte[] bytes)
    {
        final char[] units = new char[bytes.length / 2];
        for (int i = 0; i < units.length; i++)
        {
            units[i] = (char)(((bytes[2 * i] & 0xFF) << 8) | (bytes[2 * i + 1] & 0xFF));
        }
        final String utf16 = new String(units);
        final String latin1 = new String(bytes, StandardCharsets.ISO_8859_1);

        for (final String value : new String[]{ utf16, latin1 })
        {
            final String escaped = JsEscape.escape(value);
            for (int i = 0; i < escaped.length(); i++)
            {
                assertTrue(ESCAPE_ALPHABET.indexOf(escaped.charAt(i)) >= 0, "escape gave " + (int)escaped.charAt(i));
            }
            assertEquals(value, JsEscape.unescape(escaped), "unescape(escape(s))");

            final String unescaped = JsEscape.unescape(value);
            assertTrue(unescaped.length() <= value.length(), "unescape never lengthens");
            if (value.indexOf('%') < 0)
            {
                assertSame(value, unescaped, "nothing to unescape");
            }
        }
    }

    private static int typeOf(final String tag)
    {
        switch (tag)
        {
            case "sub":
                return TextMuxFlyweight.SUB;
            case "msg":
                return TextMuxFlyweight.MSG;
            case "uns":
                return TextMuxFlyweight.UNS;
            default:
                return TextMuxFlyweight.UNKNOWN;
        }
    }

    private static String latin1(final byte[] bytes, final int offset, final int length)
    {
        return new String(bytes, offset, length, StandardCharsets.ISO_8859_1);
    }
}
