package io.wsmux.codec.sockjs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import com.code_intelligence.jazzer.junit.FuzzTest;

import io.wsmux.codec.FuzzInput;

/**
 * Coverage-guided fuzz test of {@link SockJsJson}: {@code parseMessages} never throws on any bytes and keeps every
 * message inside its scratch; whatever it accepts, quoting the messages and parsing them again gives the same bytes;
 * and any valid UTF-8 text quoted and parsed back is itself, with the quoted form free of raw control characters
 * and of the characters SockJS escapes. See docs/fuzzing.md.
 * <p>
 * Input layout ({@link FuzzInput}): one control byte (bit 0: allow a bare string), then the bytes under test.
 */
class SockJsJsonFuzzTest
{
    @FuzzTest(maxDuration = "10m")
    void shouldParseSafelyAndRoundTrip(final byte[] data)
    {
        final FuzzInput input = new FuzzInput(data);
        final boolean bare = (input.u8() & 1) != 0;
        final byte[] bytes = input.rest();

        checkParse(bytes, bare);
        checkQuoteRoundTrip(new String(bytes, StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8));
    }

    private static void checkParse(final byte[] bytes, final boolean bare)
    {
        final UnsafeBuffer json = new UnsafeBuffer(bytes);
        final UnsafeBuffer scratch = new UnsafeBuffer(new byte[bytes.length]);
        final int[] bounds = new int[bytes.length + 2];
        final List<byte[]> messages = new ArrayList<>();
        final int count = SockJsJson.parseMessages(json, 0, bytes.length, bare, scratch, bounds,
            (buffer, offset, length) -> messages.add(copy(buffer, offset, length)));
        if (SockJsJson.BROKEN == count)
        {
            assertTrue(messages.isEmpty(), "a broken input delivers nothing");
            return;
        }
        assertEquals(count, messages.size());

        // Quote what was accepted as an array and parse it again: the same messages.
        final UnsafeBuffer quoted = new UnsafeBuffer(new byte[2 + messages.stream()
            .mapToInt((m) -> SockJsJson.maxQuotedLength(m.length) + 1).sum()]);
        int at = 0;
        quoted.putByte(at++, (byte)'[');
        for (int i = 0; i < messages.size(); i++)
        {
            if (i > 0)
            {
                quoted.putByte(at++, (byte)',');
            }
            final byte[] message = messages.get(i);
            at += SockJsJson.quote(new UnsafeBuffer(message), 0, message.length, quoted, at);
        }
        quoted.putByte(at++, (byte)']');
        final List<byte[]> again = new ArrayList<>();
        final UnsafeBuffer scratchAgain = new UnsafeBuffer(new byte[at]);
        assertEquals(count, SockJsJson.parseMessages(quoted, 0, at, false, scratchAgain, new int[at + 2],
            (buffer, offset, length) -> again.add(copy(buffer, offset, length))));
        for (int i = 0; i < count; i++)
        {
            assertArrayEquals(messages.get(i), again.get(i), "message " + i);
        }
    }

    private static void checkQuoteRoundTrip(final byte[] text)
    {
        final UnsafeBuffer quoted = new UnsafeBuffer(new byte[SockJsJson.maxQuotedLength(text.length)]);
        final int length = SockJsJson.quote(new UnsafeBuffer(text), 0, text.length, quoted, 0);
        final String json = quoted.getStringWithoutLengthUtf8(0, length);
        for (int i = 0; i < json.length(); i++)
        {
            assertFalse(SockJsJson.escapes(json.charAt(i)), "raw character SockJS escapes: " + (int)json.charAt(i));
        }
        final List<byte[]> parsed = new ArrayList<>();
        assertEquals(1, SockJsJson.parseMessages(quoted, 0, length, true, new UnsafeBuffer(new byte[length]),
            new int[length + 2], (buffer, offset, messageLength) -> parsed.add(copy(buffer, offset, messageLength))));
        assertArrayEquals(text, parsed.get(0));
    }

    private static byte[] copy(final DirectBuffer buffer, final int offset, final int length)
    {
        final byte[] bytes = new byte[length];
        buffer.getBytes(offset, bytes);
        return bytes;
    }
}
