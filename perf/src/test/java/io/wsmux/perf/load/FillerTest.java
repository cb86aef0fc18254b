package io.wsmux.perf.load;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.Deflater;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * {@link Filler} and the tick tape of {@link Payloads}: what follows a message's header, and how it is checked.
 */
class FillerTest
{
    private static final Pattern TICK = Pattern.compile(
        "\\{\"s\":\"[A-Z]{6}\",\"b\":\\d{1,3}\\.(\\d{3}|\\d{5}),\"a\":\\d{1,3}\\.(\\d{3}|\\d{5}),\"t\":\\d{13}}");

    @Test
    void shouldKeepTodaysFillerByDefault()
    {
        final Filler filler = Filler.of(Payloads.FILLER, Payloads.ECHO_HEADER_LENGTH, 100);
        final UnsafeBuffer message = Payloads.template(100);

        assertFalse(filler.varies());
        assertEquals(84, filler.length());
        for (final long sequence : new long[]{ 0, 1, 12345 })
        {
            assertTrue(filler.matches(message, Payloads.ECHO_HEADER_LENGTH, sequence));
        }
        message.putByte(99, (byte)'!');
        assertFalse(filler.matches(message, Payloads.ECHO_HEADER_LENGTH, 0));
    }

    @Test
    void shouldContinueTheTickStreamFromMessageToMessage()
    {
        final int payloadLength = 1024;
        final int header = Payloads.FANOUT_HEADER_LENGTH;
        final Filler filler = Filler.of(Payloads.TICKS, header, payloadLength);
        final int length = filler.length();
        final UnsafeBuffer tape = Payloads.tickTape(length);
        assertTrue(filler.varies());

        // Enough messages to wrap around the 64 KiB tape: each carries the bytes right after its predecessor's.
        final int messages = 2 * Payloads.TICK_TAPE_PERIOD / length + 3;
        final UnsafeBuffer message = Payloads.template(payloadLength);
        long streamPosition = 0;
        for (int sequence = 0; sequence < messages; sequence++)
        {
            filler.write(message, header, sequence);
            for (int i = 0; i < length; i += 97)
            {
                assertEquals(tape.getByte((int)((streamPosition + i) % Payloads.TICK_TAPE_PERIOD)),
                    message.getByte(header + i), "sequence=" + sequence + ", i=" + i);
            }
            assertTrue(filler.matches(message, header, sequence), "sequence=" + sequence);
            assertFalse(filler.matches(message, header, sequence + 1), "sequence=" + sequence);
            streamPosition += length;
        }
        assertFalse(filler.matches(message, header, -1));
    }

    @Test
    void shouldWriteTheSameTicksInEveryJvmAsValidJson()
    {
        final byte[] ticks = Payloads.ticks(4096);
        assertArrayEquals(ticks, Payloads.ticks(4096));
        final String text = new String(ticks, StandardCharsets.US_ASCII);
        assertTrue(text.startsWith("{\"s\":\""), text);

        final Matcher tick = TICK.matcher(text);
        int count = 0;
        int end = 0;
        while (tick.find())
        {
            assertEquals(0 == count ? 0 : end + 1, tick.start(), "ticks separated by one comma: " + text);
            end = tick.end();
            count++;
        }
        assertTrue(count > 50, "ticks in 4 KiB: " + count);
        assertTrue(text.length() - end < 70, "only the last tick is cut: " + text.substring(end));
        for (final byte b : ticks)
        {
            assertTrue(b >= 0x20 && b < 0x7F, "printable ASCII: " + b);
        }
    }

    @Test
    void shouldCompressLikeMarketDataButNeverFindAMessageInTheOneBefore()
    {
        final int length = 1024;
        final Filler filler = Filler.of(Payloads.TICKS, 0, length);
        final UnsafeBuffer first = new UnsafeBuffer(new byte[length]);
        final UnsafeBuffer second = new UnsafeBuffer(new byte[length]);
        filler.write(first, 0, 7);
        filler.write(second, 0, 8);

        final int one = deflatedLength(first.byteArray());
        final int two = deflatedLength(concat(first.byteArray(), second.byteArray()));
        final int repeated = deflatedLength(concat(first.byteArray(), first.byteArray()));

        assertTrue(one > length / 10 && one < length / 2, "1 KiB of ticks deflates to " + one);
        // In one context the next message still costs a good part of the first (symbols and structure recur, as in
        // market data), where a repeated message costs a few back-references.
        assertTrue(two - one > one / 3, "one message: " + one + ", two in one context: " + two);
        assertTrue(repeated - one < 16, "one message: " + one + ", the same twice in one context: " + repeated);
    }

    private static byte[] concat(final byte[] first, final byte[] second)
    {
        final byte[] both = new byte[first.length + second.length];
        System.arraycopy(first, 0, both, 0, first.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        return both;
    }

    @Test
    void shouldRejectAnUnknownKind()
    {
        final IllegalArgumentException ex =
            assertThrows(IllegalArgumentException.class, () -> Filler.of("lorem", 16, 64));
        assertEquals("payload kind must be filler or ticks: kind=lorem", ex.getMessage());
    }

    private static int deflatedLength(final byte[] input)
    {
        final Deflater deflater = new Deflater(6, true);
        try
        {
            deflater.setInput(input);
            deflater.finish();
            final byte[] output = new byte[input.length + 64];
            return deflater.deflate(output);
        }
        finally
        {
            deflater.end();
        }
    }
}
