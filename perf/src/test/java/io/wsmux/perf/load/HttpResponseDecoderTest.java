package io.wsmux.perf.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class HttpResponseDecoderTest
{
    private static final String CHUNKED_HEAD = "HTTP/1.1 200 OK\r\n" +
        "Content-Type: application/javascript; charset=UTF-8\r\n" +
        "Access-Control-Allow-Origin: *\r\n" +
        "Transfer-Encoding: chunked\r\n\r\n";

    @Test
    void shouldPassChunkedBodyOnWhenSplitAtEveryOffset()
    {
        final String wire = CHUNKED_HEAD +
            "5\r\nhello\r\n" +
            "1;name=value\r\n,\r\n" +
            "A\r\n world 123\r\n" +
            "0\r\nX-Trailer: t\r\n\r\n";
        final List<String> expected = List.of("head 200", "body hello, world 123", "end");
        assertEveryTwoWaySplit(wire, expected);
        assertEquals(expected, byteByByte(wire));
    }

    @Test
    void shouldDecodeResponsesOneAfterAnotherOnAKeptAliveConnection()
    {
        final String wire = CHUNKED_HEAD + "3\r\nabc\r\n0\r\n\r\n" +
            "HTTP/1.1 204 No Content\r\nContent-Type: text/plain\r\n\r\n" +
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok" +
            CHUNKED_HEAD + "1\r\nz\r\n0\r\n\r\n";
        assertEveryTwoWaySplit(wire, List.of(
            "head 200", "body abc", "end",
            "head 204", "end",
            "head 200", "body ok", "end",
            "head 200", "body z", "end"));
    }

    @Test
    void shouldAcceptBareLineFeedsAndUpperCaseHex()
    {
        final String wire = "HTTP/1.1 200 OK\ntransfer-encoding: Chunked\n\n" +
            "1A\n" + "abcdefghijklmnopqrstuvwxyz" + "\n0\n\n";
        assertEveryTwoWaySplit(wire, List.of("head 200", "body abcdefghijklmnopqrstuvwxyz", "end"));
    }

    @Test
    void shouldSeeConnectionCloseAndEndABodyWithoutLengthAtTheEndOfTheStream()
    {
        final Recorder recorder = new Recorder();
        final HttpResponseDecoder decoder = new HttpResponseDecoder(recorder);
        feed(decoder, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nstreamed until the end");
        assertTrue(decoder.connectionClose());
        assertEquals(List.of("head 200", "body streamed until the end"), recorder.events());
        decoder.onEndOfStream();
        assertEquals(List.of("head 200", "body streamed until the end", "end"), recorder.events());
    }

    @Test
    void shouldKeepAConnectionThatDoesNotSayClose()
    {
        final Recorder recorder = new Recorder();
        final HttpResponseDecoder decoder = new HttpResponseDecoder(recorder);
        feed(decoder, CHUNKED_HEAD + "0\r\n\r\n");
        assertFalse(decoder.connectionClose());
        assertTrue(decoder.betweenResponses());
    }

    @Test
    void shouldReportAResponseCutShortByTheEndOfTheStream()
    {
        final Recorder recorder = new Recorder();
        final HttpResponseDecoder decoder = new HttpResponseDecoder(recorder);
        feed(decoder, CHUNKED_HEAD + "5\r\nab");
        decoder.onEndOfStream();
        assertEquals(List.of("head 200", "body ab", "malformed the connection ended inside a response"),
            recorder.events());
    }

    @Test
    void shouldReportMalformedStatusLineOnceAndIgnoreTheRest()
    {
        final Recorder recorder = new Recorder();
        final HttpResponseDecoder decoder = new HttpResponseDecoder(recorder);
        feed(decoder, "HTTP/1.0 200 OK\r\n\r\n" + CHUNKED_HEAD + "0\r\n\r\n");
        assertEquals(List.of("malformed not an HTTP/1.1 status line: HTTP/1.0 200 OK"), recorder.events());
    }

    @Test
    void shouldReportChunkDataLongerThanItsSize()
    {
        final Recorder recorder = new Recorder();
        final HttpResponseDecoder decoder = new HttpResponseDecoder(recorder);
        feed(decoder, CHUNKED_HEAD + "2\r\nabc\r\n0\r\n\r\n");
        assertEquals(List.of("head 200", "body ab", "malformed chunk data longer than its size"), recorder.events());
    }

    @Test
    void shouldReportAMissingChunkSize()
    {
        final Recorder recorder = new Recorder();
        final HttpResponseDecoder decoder = new HttpResponseDecoder(recorder);
        feed(decoder, CHUNKED_HEAD + "\r\n");
        assertEquals(List.of("head 200", "malformed chunk size expected, got byte 13"), recorder.events());
    }

    @Test
    void shouldStopWhenTheHandlerAborts()
    {
        final Recorder recorder = new Recorder();
        final HttpResponseDecoder decoder = new HttpResponseDecoder(recorder);
        recorder.onHead = decoder::abort;
        feed(decoder, "HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nno!" + CHUNKED_HEAD);
        assertEquals(List.of("head 404"), recorder.events());
        decoder.reset();
        feed(decoder, CHUNKED_HEAD + "0\r\n\r\n");
        assertEquals(List.of("head 404", "head 200"), recorder.events()); // still aborting at each head
    }

    static void assertEveryTwoWaySplit(final String wire, final List<String> expected)
    {
        final byte[] bytes = wire.getBytes(StandardCharsets.UTF_8);
        for (int split = 0; split <= bytes.length; split++)
        {
            final Recorder recorder = new Recorder();
            final HttpResponseDecoder decoder = new HttpResponseDecoder(recorder);
            decoder.decode(new UnsafeBuffer(bytes, 0, split), 0, split);
            decoder.decode(new UnsafeBuffer(bytes, split, bytes.length - split), 0, bytes.length - split);
            assertEquals(expected, recorder.events(), "split=" + split);
        }
    }

    private static List<String> byteByByte(final String wire)
    {
        final byte[] bytes = wire.getBytes(StandardCharsets.UTF_8);
        final Recorder recorder = new Recorder();
        final HttpResponseDecoder decoder = new HttpResponseDecoder(recorder);
        for (int i = 0; i < bytes.length; i++)
        {
            decoder.decode(new UnsafeBuffer(bytes, i, 1), 0, 1);
        }
        return recorder.events();
    }

    private static void feed(final HttpResponseDecoder decoder, final String text)
    {
        final byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        decoder.decode(new UnsafeBuffer(bytes), 0, bytes.length);
    }

    /**
     * Events as text, consecutive body pieces joined (where the input is split must not matter).
     */
    static class Recorder implements HttpResponseDecoder.Handler
    {
        private final List<String> events = new ArrayList<>();
        private final ByteArrayOutputStream body = new ByteArrayOutputStream();
        Runnable onHead;

        @Override
        public void onResponseHead(final int status)
        {
            flushBody();
            events.add("head " + status);
            if (null != onHead)
            {
                onHead.run();
            }
        }

        @Override
        public void onBody(final DirectBuffer buffer, final int offset, final int length)
        {
            assertTrue(length > 0, "empty body piece");
            final byte[] bytes = new byte[length];
            buffer.getBytes(offset, bytes);
            body.writeBytes(bytes);
        }

        @Override
        public void onResponseEnd()
        {
            flushBody();
            events.add("end");
        }

        @Override
        public void onMalformed(final String reason)
        {
            flushBody();
            events.add("malformed " + reason);
        }

        List<String> events()
        {
            flushBody();
            return events;
        }

        private void flushBody()
        {
            if (body.size() > 0)
            {
                events.add("body " + body.toString(StandardCharsets.UTF_8));
                body.reset();
            }
        }
    }
}
