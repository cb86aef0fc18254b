package io.wsmux.codec.http;

import static io.wsmux.codec.http.TestRequests.MAX_HEADER_COUNT;
import static io.wsmux.codec.http.TestRequests.MAX_HEAD_LENGTH;
import static io.wsmux.codec.http.TestRequests.RFC_6455_EXAMPLE;
import static io.wsmux.codec.http.TestRequests.bytes;
import static io.wsmux.codec.http.TestRequests.newParser;
import static io.wsmux.codec.http.TestRequests.parse;
import static io.wsmux.codec.http.TestRequests.request;
import static io.wsmux.codec.http.TestRequests.validHeaders;
import static io.wsmux.codec.http.TestRequests.validRequest;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class UpgradeRequestParserTest
{
    /** A masked, empty text frame a client sent right behind its request. */
    private static final byte[] EARLY_FRAME = { (byte)0x81, (byte)0x80, 1, 2, 3, 4 };

    @Test
    void shouldParseRfc6455Section12ExampleRequest()
    {
        final UpgradeRequestParser parser = newParser();
        final byte[] request = bytes(RFC_6455_EXAMPLE);

        final int consumed = parser.parse(new UnsafeBuffer(request), 0, request.length);

        assertEquals(request.length, consumed);
        assertEquals(UpgradeRequestParser.COMPLETE, parser.state());
        assertNull(parser.rejection());
        assertEquals(request.length, parser.headLength());
        assertTrue(parser.hasRequestLine());
        assertEquals("GET", parser.method());
        assertEquals("/chat", parser.path());
        assertEquals("", parser.query());
        assertEquals("server.example.com", parser.host());
        assertEquals("http://example.com", parser.origin());
        assertEquals(List.of("chat", "superchat"), parser.subprotocols());
        assertEquals(List.of(), parser.extensions());
        assertEquals(TestRequests.KEY, parser.secWebSocketKey());
        assertEquals(7, parser.headerCount());
        assertEquals("Host", parser.headerName(0));
        assertEquals("Sec-WebSocket-Version", parser.headerName(6));
        assertEquals("13", parser.headerValue(6));
    }

    @Test
    void shouldPointOffsetsIntoHeadBuffer()
    {
        final UpgradeRequestParser parser = parse(validRequest().replace("/chat", "/chat?room=1"));

        assertEquals("GET", ascii(parser, parser.methodOffset(), parser.methodLength()));
        assertEquals("/chat", ascii(parser, parser.pathOffset(), parser.pathLength()));
        assertEquals("room=1", ascii(parser, parser.queryOffset(), parser.queryLength()));
        assertEquals(TestRequests.KEY, ascii(parser, parser.secWebSocketKeyOffset(), parser.secWebSocketKeyLength()));
        assertEquals("Upgrade", ascii(parser, parser.headerNameOffset(1), parser.headerNameLength(1)));
        assertEquals("websocket", ascii(parser, parser.headerValueOffset(1), parser.headerValueLength(1)));
    }

    @Test
    void shouldParseSameRequestWhenSplitAtEveryOffset()
    {
        final byte[] head = bytes(RFC_6455_EXAMPLE);
        final byte[] input = concat(head, EARLY_FRAME);
        final String expected = describe(parse(RFC_6455_EXAMPLE));
        final UpgradeRequestParser parser = newParser();

        for (int split = 0; split <= input.length; split++)
        {
            parser.reset();
            final int first = parser.parse(new UnsafeBuffer(input), 0, split);
            final int second = parser.parse(new UnsafeBuffer(input), split, input.length - split);

            assertEquals(Math.min(split, head.length), first, "split=" + split);
            assertEquals(head.length, first + second, "split=" + split);
            assertEquals(UpgradeRequestParser.COMPLETE, parser.state(), "split=" + split);
            assertEquals(expected, describe(parser), "split=" + split);
        }
    }

    @Test
    void shouldParseSameRequestWhenFedOneByteAtATimeFromReusedBuffer()
    {
        final byte[] input = concat(bytes(RFC_6455_EXAMPLE), EARLY_FRAME);
        final UnsafeBuffer transportBuffer = new UnsafeBuffer(new byte[1]);
        final UpgradeRequestParser parser = newParser();

        int consumed = 0;
        for (final byte b : input)
        {
            transportBuffer.putByte(0, b);
            consumed += parser.parse(transportBuffer, 0, 1);
        }

        assertEquals(RFC_6455_EXAMPLE.length(), consumed);
        assertEquals(UpgradeRequestParser.COMPLETE, parser.state());
        assertEquals(describe(parse(RFC_6455_EXAMPLE)), describe(parser));
    }

    @Test
    void shouldLeaveBytesAfterHeadToCaller()
    {
        final byte[] head = bytes(RFC_6455_EXAMPLE);
        final byte[] input = concat(head, EARLY_FRAME);
        final UpgradeRequestParser parser = newParser();

        assertEquals(head.length, parser.parse(new UnsafeBuffer(input), 0, input.length));
        assertEquals(0, parser.parse(new UnsafeBuffer(input), head.length, EARLY_FRAME.length));
        assertEquals(UpgradeRequestParser.COMPLETE, parser.state());
        assertEquals(head.length, parser.headLength());
    }

    @Test
    void shouldConsumeNothingAfterRejection()
    {
        final byte[] post = bytes(validRequest().replace("GET", "POST"));
        final UpgradeRequestParser parser = newParser();

        assertEquals(post.length, parser.parse(new UnsafeBuffer(post), 0, post.length));
        assertEquals(0, parser.parse(new UnsafeBuffer(post), 0, post.length));
        assertEquals(UpgradeRequestParser.REJECTED, parser.state());
    }

    @Test
    void shouldRejectWith405AsSoonAsRequestLineArrives()
    {
        final UpgradeRequestParser parser = parse("POST /chat HTTP/1.1\r\n");

        assertEquals(UpgradeRequestParser.REJECTED, parser.state());
        assertEquals(UpgradeRejection.METHOD_NOT_ALLOWED, parser.rejection());
    }

    @Test
    void shouldMatchHeaderNamesAndTokensCaseInsensitively()
    {
        final UpgradeRequestParser parser = parse(request("GET /chat HTTP/1.1", List.of(
            "hOST: server.example.com",
            "UPGRADE: WebSocket",
            "connection: keep-alive, UPGRADE",
            "SEC-WEBSOCKET-KEY: " + TestRequests.KEY,
            "sec-websocket-version: 13",
            "sec-websocket-PROTOCOL: chat",
            "ORIGIN: https://example.com")));

        assertEquals(UpgradeRequestParser.COMPLETE, parser.state());
        assertEquals("server.example.com", parser.host());
        assertEquals("https://example.com", parser.origin());
        assertEquals(List.of("chat"), parser.subprotocols());
        assertEquals("keep-alive, UPGRADE", parser.header("Connection"));
    }

    @Test
    void shouldFindTokensInListsWithWhitespaceEmptyElementsAndSeveralLines()
    {
        final UpgradeRequestParser parser = parse(request("GET /chat HTTP/1.1", List.of(
            "Host: server.example.com",
            "Upgrade: h2c",
            "Upgrade: , ,\twebsocket\t",
            "Connection: keep-alive",
            "Connection:  foo ,\tUpgrade ,",
            "Sec-WebSocket-Key: " + TestRequests.KEY,
            "Sec-WebSocket-Version:\t13\t")));

        assertEquals(UpgradeRequestParser.COMPLETE, parser.state());
        assertEquals(List.of("h2c", ", ,\twebsocket"), parser.headers("upgrade"));
    }

    @Test
    void shouldCombineSubprotocolsFromSeveralLines()
    {
        final UpgradeRequestParser parser = parse(validRequest(
            "Sec-WebSocket-Protocol: chat, superchat",
            "X-Between: 1",
            "Sec-WebSocket-Protocol:  v2.mux ,, json "));

        assertEquals(List.of("chat", "superchat", "v2.mux", "json"), parser.subprotocols());
    }

    @Test
    void shouldSplitExtensionsAtCommasOutsideQuotedStrings()
    {
        final UpgradeRequestParser parser = parse(validRequest(
            "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits, x-foo; p=\"a,\\\"b\"",
            "Sec-WebSocket-Extensions: x-bar ,"));

        assertEquals(
            List.of("permessage-deflate; client_max_window_bits", "x-foo; p=\"a,\\\"b\"", "x-bar"),
            parser.extensions());
    }

    @Test
    void shouldSplitPathAndQueryAtFirstQuestionMark()
    {
        assertPathAndQuery("/chat?room=a?b&x=%20", "/chat", "room=a?b&x=%20");
        assertPathAndQuery("/chat?", "/chat", "");
        assertPathAndQuery("/", "/", "");
        assertPathAndQuery("/a/b%2Fc", "/a/b%2Fc", "");
        assertPathAndQuery("/?x", "/", "x");
    }

    @Test
    void shouldReadApplicationHeaders()
    {
        final UpgradeRequestParser parser = parse(validRequest(
            "Cookie: session=abc",
            "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.x",
            "cookie: theme=dark",
            "X-Trimmed: \t padded value \t",
            "X-Empty:",
            "X-Latin: caf\u00e9"));

        assertEquals(UpgradeRequestParser.COMPLETE, parser.state());
        assertEquals("session=abc", parser.header("COOKIE"));
        assertEquals(List.of("session=abc", "theme=dark"), parser.headers("Cookie"));
        assertEquals("Bearer eyJhbGciOiJIUzI1NiJ9.e30.x", parser.header("authorization"));
        assertEquals("padded value", parser.header("X-Trimmed"));
        assertEquals("", parser.header("X-Empty"));
        assertEquals("caf\u00e9", parser.header("X-Latin"));
        assertNull(parser.header("X-Absent"));
        assertEquals(List.of(), parser.headers("X-Absent"));
        assertNull(parser.header("Cookie2"));
    }

    @Test
    void shouldReturnNullOriginWhenAbsent()
    {
        assertNull(parse(validRequest()).origin());
    }

    @Test
    void shouldThrowWhenHeaderIndexIsOutOfRange()
    {
        final UpgradeRequestParser parser = parse(validRequest());

        assertThrows(IndexOutOfBoundsException.class, () -> parser.headerName(parser.headerCount()));
        assertThrows(IndexOutOfBoundsException.class, () -> parser.headerValue(-1));
    }

    @Test
    void shouldKeepPathAfterNotWebSocketUpgradeSoServerCanAnswer404()
    {
        final UpgradeRequestParser parser = parse(request("GET /favicon.ico?v=2 HTTP/1.1", List.of(
            "Host: server.example.com", "Accept: image/*")));

        assertEquals(UpgradeRejection.NOT_WEBSOCKET_UPGRADE, parser.rejection());
        assertTrue(parser.hasRequestLine());
        assertEquals("/favicon.ico", parser.path());
        assertEquals("v=2", parser.query());
        assertEquals("image/*", parser.header("Accept"));
    }

    @Test
    void shouldKeepRequestLineAfterMethodOrVersionRejection()
    {
        final UpgradeRequestParser post = parse(validRequest().replace("GET", "POST"));
        final UpgradeRequestParser http10 = parse(validRequest().replace("HTTP/1.1", "HTTP/1.0"));

        assertTrue(post.hasRequestLine());
        assertEquals("POST", post.method());
        assertEquals("/chat", post.path());
        assertTrue(http10.hasRequestLine());
        assertEquals("/chat", http10.path());
    }

    @Test
    void shouldHaveNoRequestLineWhenRequestLineIsMalformed()
    {
        final UpgradeRequestParser parser = parse(validRequest().replace("GET /chat", "GET chat"));

        assertEquals(UpgradeRejection.INVALID_REQUEST_TARGET, parser.rejection());
        assertFalse(parser.hasRequestLine());
        assertNull(parser.method());
        assertNull(parser.path());
        assertNull(parser.query());
    }

    @Test
    void shouldIgnoreEmptyLinesBeforeRequestLine()
    {
        final UpgradeRequestParser parser = parse("\r\n\r\n" + RFC_6455_EXAMPLE);

        assertEquals(UpgradeRequestParser.COMPLETE, parser.state());
        assertEquals("/chat", parser.path());
        assertEquals(4 + RFC_6455_EXAMPLE.length(), parser.headLength());
    }

    @Test
    void shouldRejectBareLineFeedAsSoonAsItArrives()
    {
        final UpgradeRequestParser parser = parse("GET /chat HTTP/1.1\r\nHost: server.example.com\n");

        assertEquals(UpgradeRequestParser.REJECTED, parser.state());
        assertEquals(UpgradeRejection.BARE_LINE_FEED, parser.rejection());
        assertEquals(400, parser.rejection().status());
    }

    @Test
    void shouldAcceptContentLengthZero()
    {
        assertEquals(UpgradeRequestParser.COMPLETE, parse(validRequest("Content-Length: 0")).state());
    }

    @Test
    void shouldAcceptHeadOfExactlyMaxHeadLength()
    {
        final String request = paddedRequest(MAX_HEAD_LENGTH);
        assertEquals(MAX_HEAD_LENGTH, request.length());

        final UpgradeRequestParser parser = parse(request);

        assertEquals(UpgradeRequestParser.COMPLETE, parser.state());
        assertEquals(MAX_HEAD_LENGTH, parser.headLength());
    }

    @Test
    void shouldRejectWith431WhenCompleteHeadIsOneByteLongerThanMaxHeadLength()
    {
        final UpgradeRequestParser parser = parse(paddedRequest(MAX_HEAD_LENGTH + 1));

        assertEquals(UpgradeRejection.HEADER_TOO_LARGE, parser.rejection());
        assertEquals(431, parser.rejection().status());
    }

    @Test
    void shouldRejectWith431AsSoonAsHeadCrossesMaxHeadLength()
    {
        final byte[] unterminated = bytes(("GET /" + "a".repeat(MAX_HEAD_LENGTH)).substring(0, MAX_HEAD_LENGTH + 1));
        final UpgradeRequestParser parser = newParser();

        assertEquals(8000, parser.parse(new UnsafeBuffer(unterminated), 0, 8000));
        assertEquals(UpgradeRequestParser.NEED_MORE, parser.state());
        assertEquals(193, parser.parse(new UnsafeBuffer(unterminated), 8000, 193));

        assertEquals(UpgradeRequestParser.REJECTED, parser.state());
        assertEquals(UpgradeRejection.HEADER_TOO_LARGE, parser.rejection());
        assertEquals(431, parser.rejection().status());
    }

    @Test
    void shouldRejectWith431WhenMaxHeadLengthBytesHoldNoEndOfHead()
    {
        final byte[] unterminated = bytes(validRequest().replace("\r\n\r\n", "\r\n"));
        final UpgradeRequestParser parser = new UpgradeRequestParser(unterminated.length, MAX_HEADER_COUNT);

        parser.parse(new UnsafeBuffer(unterminated), 0, unterminated.length);

        assertEquals(UpgradeRejection.HEADER_TOO_LARGE, parser.rejection());
    }

    @Test
    void shouldAcceptMaxHeaderCountHeaders()
    {
        final UpgradeRequestParser parser = parse(requestWithHeaderCount(MAX_HEADER_COUNT));

        assertEquals(UpgradeRequestParser.COMPLETE, parser.state());
        assertEquals(MAX_HEADER_COUNT, parser.headerCount());
    }

    @Test
    void shouldRejectWith431AsSoonAsHeaderCountExceedsMax()
    {
        final String request = requestWithHeaderCount(MAX_HEADER_COUNT + 1);
        final UpgradeRequestParser parser = parse(request.substring(0, request.length() - 2));

        assertEquals(UpgradeRejection.TOO_MANY_HEADERS, parser.rejection());
        assertEquals(431, parser.rejection().status());
    }

    @Test
    void shouldParseNextRequestCorrectlyAfterReset()
    {
        final UpgradeRequestParser parser = parse(request("GET /first?a=1 HTTP/1.1", validHeaders(
            "Origin: http://first.example",
            "Sec-WebSocket-Protocol: one, two",
            "Sec-WebSocket-Extensions: x-first",
            "Cookie: first")));
        assertEquals(List.of("one", "two"), parser.subprotocols());
        assertEquals(List.of("x-first"), parser.extensions());
        assertEquals("/first", parser.path());
        assertEquals("a=1", parser.query());
        assertEquals("GET", parser.method());

        final byte[] second = bytes(request("GET /second HTTP/1.1", List.of(
            "Host: second.example",
            "Upgrade: websocket",
            "Connection: Upgrade",
            "Sec-WebSocket-Version: 13",
            "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==",
            "Sec-WebSocket-Protocol: three")));
        parser.reset();
        assertEquals(UpgradeRequestParser.NEED_MORE, parser.state());
        assertEquals(second.length, parser.parse(new UnsafeBuffer(second), 0, second.length));

        assertEquals(UpgradeRequestParser.COMPLETE, parser.state());
        assertEquals("/second", parser.path());
        assertEquals("", parser.query());
        assertEquals("second.example", parser.host());
        assertNull(parser.origin());
        assertNull(parser.header("Cookie"));
        assertEquals("AAAAAAAAAAAAAAAAAAAAAA==", parser.secWebSocketKey());
        assertEquals(List.of("three"), parser.subprotocols());
        assertEquals(List.of(), parser.extensions());
        assertEquals(6, parser.headerCount());
        assertEquals(second.length, parser.headLength());
    }

    @Test
    void shouldParseValidRequestAfterResetFromRejection()
    {
        final UpgradeRequestParser parser = parse(validRequest("Sec-WebSocket-Key: " + TestRequests.KEY));
        assertEquals(UpgradeRejection.DUPLICATE_HEADER, parser.rejection());

        final byte[] valid = bytes(RFC_6455_EXAMPLE);
        parser.reset().parse(new UnsafeBuffer(valid), 0, valid.length);

        assertEquals(UpgradeRequestParser.COMPLETE, parser.state());
        assertNull(parser.rejection());
        assertEquals(describe(parse(RFC_6455_EXAMPLE)), describe(parser));
    }

    @Test
    void shouldAllocateNothingWhenParsingAfterReset()
    {
        final byte[] request = bytes(RFC_6455_EXAMPLE);
        final UnsafeBuffer buffer = new UnsafeBuffer(request);
        final UpgradeRequestParser parser = newParser();
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        for (int i = 0; i < 20_000; i++)
        {
            parseInPieces(parser.reset(), buffer, request.length);
        }

        final long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 1_000; i++)
        {
            parseInPieces(parser.reset(), buffer, request.length);
        }
        final long allocated = threads.getCurrentThreadAllocatedBytes() - before;

        assertEquals(UpgradeRequestParser.COMPLETE, parser.state());
        assertEquals(0, allocated);
    }

    @Test
    void shouldRejectNonPositiveLimits()
    {
        assertThrows(IllegalArgumentException.class, () -> new UpgradeRequestParser(0, MAX_HEADER_COUNT));
        assertThrows(IllegalArgumentException.class, () -> new UpgradeRequestParser(MAX_HEAD_LENGTH, 0));
    }

    private static void parseInPieces(final UpgradeRequestParser parser, final UnsafeBuffer buffer, final int length)
    {
        final int piece = 7;
        for (int offset = 0; offset < length; offset += piece)
        {
            parser.parse(buffer, offset, Math.min(piece, length - offset));
        }
    }

    private static void assertPathAndQuery(final String target, final String path, final String query)
    {
        final UpgradeRequestParser parser = parse(validRequest().replace("/chat", target));

        assertEquals(UpgradeRequestParser.COMPLETE, parser.state(), target);
        assertEquals(path, parser.path(), target);
        assertEquals(query, parser.query(), target);
    }

    /**
     * A valid request whose head is exactly length bytes long, padded by one application header.
     */
    private static String paddedRequest(final int length)
    {
        final int unpadded = validRequest("X-Pad: ").length();
        return validRequest("X-Pad: " + "p".repeat(length - unpadded));
    }

    private static String requestWithHeaderCount(final int headerCount)
    {
        final List<String> lines = validHeaders();
        for (int i = lines.size(); i < headerCount; i++)
        {
            lines.add("X-Header-" + i + ": " + i);
        }
        return request(TestRequests.REQUEST_LINE, lines);
    }

    /**
     * Everything the parser reports about a request, as one string to compare.
     */
    private static String describe(final UpgradeRequestParser parser)
    {
        final List<String> headers = new ArrayList<>();
        for (int i = 0; i < parser.headerCount(); i++)
        {
            headers.add(parser.headerName(i) + "=" + parser.headerValue(i));
        }
        return String.join("|",
            Integer.toString(parser.state()), String.valueOf(parser.rejection()), parser.method(), parser.path(),
            parser.query(), parser.host(), parser.origin(), parser.secWebSocketKey(),
            parser.subprotocols().toString(), parser.extensions().toString(), headers.toString(),
            Integer.toString(parser.headLength()));
    }

    private static String ascii(final UpgradeRequestParser parser, final int offset, final int length)
    {
        return parser.headBuffer().getStringWithoutLengthAscii(offset, length);
    }

    private static byte[] concat(final byte[] first, final byte[] second)
    {
        final byte[] joined = new byte[first.length + second.length];
        System.arraycopy(first, 0, joined, 0, first.length);
        System.arraycopy(second, 0, joined, first.length, second.length);
        return joined;
    }
}
