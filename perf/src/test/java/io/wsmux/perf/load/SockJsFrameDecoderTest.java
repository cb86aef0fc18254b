package io.wsmux.perf.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import io.wsmux.codec.sockjs.SockJsJson;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class SockJsFrameDecoderTest
{
    private static final String PRELUDE = "h".repeat(2048) + "\n";

    @Test
    void shouldDecodeEveryFrameKindWhenSplitAtEveryOffset()
    {
        final String wire = PRELUDE + "o\nh\na[\"msg,bench.0,d1\"]\n" +
            "a[\"one\",\"two\", \"three\"]\na[]\nc[3000,\"Go away!\"]\n";
        final List<String> expected = List.of(
            "open", "msg msg,bench.0,d1", "msg one", "msg two", "msg three", "close 3000 Go away!");
        assertEveryTwoWaySplit(wire, expected);
        assertEquals(expected, byteByByte(wire));
    }

    @Test
    void shouldDeliverAWholeUnescapedMessageInPlace()
    {
        final byte[] wire = "a[\"in place\",\"esc\\\"aped\"]\n".getBytes(StandardCharsets.UTF_8);
        final UnsafeBuffer input = new UnsafeBuffer(wire);
        final List<DirectBuffer> buffers = new ArrayList<>();
        final SockJsFrameDecoder decoder = new SockJsFrameDecoder(new Recorder()
        {
            @Override
            public void onMessage(final DirectBuffer buffer, final int offset, final int length)
            {
                super.onMessage(buffer, offset, length);
                buffers.add(buffer);
            }
        });
        decoder.decode(input, 0, wire.length);
        assertEquals(2, buffers.size());
        assertSame(input, buffers.get(0));
        assertTrue(input != buffers.get(1), "an escaped message is decoded into the spill buffer");
        assertTrue(decoder.atFrameStart());
    }

    @Test
    void shouldDecodeEscapesAsTheServerQuotesThemWhenSplitAtEveryOffset()
    {
        final String[] messages = {
            "quote \" backslash \\ slash /",
            "controls \n \r \t \b \f \u0000 \u001f end",
            "non-ASCII é ü 中文 as UTF-8",
            "marks \u200c \u2028 \u2029 \u2060 \ufff0 \uffff",
            "beyond the BMP \ud83d\ude00 and \ud801\udc37",
            "\\u0041 is not an escape here",
            ""};
        final StringBuilder wire = new StringBuilder("a[");
        final List<String> expected = new ArrayList<>();
        for (int i = 0; i < messages.length; i++)
        {
            wire.append(i > 0 ? "," : "").append(quote(messages[i]));
            expected.add("msg " + messages[i]);
        }
        wire.append("]\n");
        assertTrue(wire.indexOf("\\ud83d\\ude00") > 0, wire::toString); // the server escapes surrogate pairs
        assertEveryTwoWaySplit(wire.toString(), expected);
        assertEquals(expected, byteByByte(wire.toString()));
    }

    @Test
    void shouldAcceptEscapedSlashAndUpperCaseHex()
    {
        assertEveryTwoWaySplit("a[\"a\\/b \\u00E9 \\uD83D\\uDE00\"]\n", List.of("msg a/b é \ud83d\ude00"));
    }

    @Test
    void shouldDecodeLoneSurrogatesAsReplacementCharacters()
    {
        assertEveryTwoWaySplit("a[\"x\\ud83dy\",\"\\ude00\",\"\\ud83d\\ud83d\\ude00\",\"\\ud83d\\n\",\"\\ud83d\"]\n",
            List.of("msg x\ufffdy", "msg \ufffd", "msg \ufffd\ud83d\ude00", "msg \ufffd\n", "msg \ufffd"));
    }

    @Test
    void shouldDecodeLongMessagesSplitAcrossManyInputs()
    {
        final String text = "x".repeat(100_000) + "\u2028" + "y".repeat(1000);
        final byte[] wire = ("a[" + quote(text) + "]\n").getBytes(StandardCharsets.UTF_8);
        final Recorder recorder = new Recorder();
        final SockJsFrameDecoder decoder = new SockJsFrameDecoder(recorder);
        for (int i = 0; i < wire.length; i += 1000)
        {
            final int length = Math.min(1000, wire.length - i);
            decoder.decode(new UnsafeBuffer(wire, i, length), 0, length);
        }
        assertEquals(List.of("msg " + text), recorder.events);
    }

    @Test
    void shouldReportMalformedFramesOnce()
    {
        assertMalformed("x\n", "not a SockJS frame type: byte 120");
        assertMalformed("a{\"x\"}\n", "'a' must be followed by '['");
        assertMalformed("a[\"x\",]\n", "an 'a' frame must be an array of strings, got byte 93");
        assertMalformed("a[\"x\"\"y\"]\n", "an 'a' frame must be an array of strings, got byte 34");
        assertMalformed("a[1]\n", "an 'a' frame must be an array of strings, got byte 49");
        assertMalformed("a[\"\\x\"]\n", "invalid escape \\x");
        assertMalformed("a[\"\\u12g4\"]\n", "\\u needs four hex digits");
        assertMalformed("o!\n", "a frame must end with \\n, got byte 33");
        assertMalformed("hhx\n", "a heartbeat frame holds only 'h', got byte 120");
        assertMalformed("c[go away]\n", "a close frame must be c[code,\"reason\"]: c[go away]");
    }

    @Test
    void shouldFindQuotesAndBackslashesLikeAByteLoop()
    {
        final long seed = System.nanoTime();
        final Random random = new Random(seed);
        final byte[] alphabet = {'a', '"', '\\', (byte)0xA2, (byte)0xDC, 0, (byte)(0x22 ^ 0x80), 0x5C ^ 0x01, 'h'};
        for (int round = 0; round < 20_000; round++)
        {
            final byte[] bytes = new byte[random.nextInt(40)];
            for (int i = 0; i < bytes.length; i++)
            {
                bytes[i] = random.nextInt(4) > 0 ? (byte)'a' : alphabet[random.nextInt(alphabet.length)];
            }
            final int start = bytes.length == 0 ? 0 : random.nextInt(bytes.length);
            int expected = bytes.length;
            for (int i = start; i < bytes.length; i++)
            {
                if ('"' == bytes[i] || '\\' == bytes[i])
                {
                    expected = i;
                    break;
                }
            }
            assertEquals(expected, SockJsFrameDecoder.quoteOrBackslash(new UnsafeBuffer(bytes), start, bytes.length),
                () -> "seed=" + seed + " bytes=" + Arrays.toString(bytes) + " start=" + start);
        }
    }

    @Test
    void shouldDecodeAnXhrStreamingResponseThroughTheChunkedDecoderWhenSplitAtEveryOffset()
    {
        final StringBuilder wire = new StringBuilder("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
        for (final String frame : List.of(PRELUDE, "o\n", "a[\"m1\"]\n", "h\n", "a[\"m2\",\"m\\\"3\"]\n"))
        {
            wire.append(Integer.toHexString(frame.length())).append("\r\n").append(frame).append("\r\n");
        }
        wire.append("0\r\n\r\n");
        final byte[] bytes = wire.toString().getBytes(StandardCharsets.UTF_8);
        for (int split = 0; split <= bytes.length; split++)
        {
            final Recorder recorder = new Recorder();
            final SockJsFrameDecoder frames = new SockJsFrameDecoder(recorder);
            final int[] ends = new int[1];
            final HttpResponseDecoder http = new HttpResponseDecoder(new HttpResponseDecoderTest.Recorder()
            {
                @Override
                public void onBody(final DirectBuffer buffer, final int offset, final int length)
                {
                    frames.decode(buffer, offset, length);
                }

                @Override
                public void onResponseEnd()
                {
                    ends[0]++;
                }
            });
            http.decode(new UnsafeBuffer(bytes, 0, split), 0, split);
            http.decode(new UnsafeBuffer(bytes, split, bytes.length - split), 0, bytes.length - split);
            assertEquals(List.of("open", "msg m1", "msg m2", "msg m\"3"), recorder.events, "split=" + split);
            assertEquals(1, ends[0], "split=" + split);
            assertTrue(frames.atFrameStart());
        }
    }

    private static void assertMalformed(final String wire, final String reason)
    {
        final byte[] bytes = (wire + "a[\"after\"]\n").getBytes(StandardCharsets.UTF_8);
        final Recorder recorder = new Recorder();
        new SockJsFrameDecoder(recorder).decode(new UnsafeBuffer(bytes), 0, bytes.length);
        final List<String> events = recorder.events;
        assertEquals("malformed " + reason, events.get(events.size() - 1), events::toString);
        assertEquals(1, events.stream().filter((event) -> event.startsWith("malformed")).count());
    }

    private static String quote(final String text)
    {
        final byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        final ExpandableArrayBuffer out = new ExpandableArrayBuffer(SockJsJson.maxQuotedLength(utf8.length));
        final int length = SockJsJson.quote(new UnsafeBuffer(utf8), 0, utf8.length, out, 0);
        return out.getStringWithoutLengthUtf8(0, length);
    }

    private static void assertEveryTwoWaySplit(final String wire, final List<String> expected)
    {
        final byte[] bytes = wire.getBytes(StandardCharsets.UTF_8);
        for (int split = 0; split <= bytes.length; split++)
        {
            final Recorder recorder = new Recorder();
            final SockJsFrameDecoder decoder = new SockJsFrameDecoder(recorder);
            decoder.decode(new UnsafeBuffer(bytes, 0, split), 0, split);
            decoder.decode(new UnsafeBuffer(bytes, split, bytes.length - split), 0, bytes.length - split);
            assertEquals(expected, recorder.events, "split=" + split);
            assertTrue(decoder.atFrameStart(), "split=" + split);
        }
    }

    private static List<String> byteByByte(final String wire)
    {
        final byte[] bytes = wire.getBytes(StandardCharsets.UTF_8);
        final Recorder recorder = new Recorder();
        final SockJsFrameDecoder decoder = new SockJsFrameDecoder(recorder);
        for (int i = 0; i < bytes.length; i++)
        {
            decoder.decode(new UnsafeBuffer(bytes, i, 1), 0, 1);
        }
        return recorder.events;
    }

    /**
     * Events as text.
     */
    private static class Recorder implements SockJsFrameDecoder.Handler
    {
        final List<String> events = new ArrayList<>();

        @Override
        public void onOpenFrame()
        {
            events.add("open");
        }

        @Override
        public void onMessage(final DirectBuffer buffer, final int offset, final int length)
        {
            events.add("msg " + buffer.getStringWithoutLengthUtf8(offset, length));
        }

        @Override
        public void onCloseFrame(final int code, final String reason)
        {
            events.add("close " + code + " " + reason);
        }

        @Override
        public void onMalformed(final String reason)
        {
            events.add("malformed " + reason);
        }
    }
}
