package io.wsmux.codec.http;

import static io.wsmux.codec.http.TestRequests.bytes;
import static io.wsmux.codec.http.TestRequests.newParser;
import static io.wsmux.codec.http.TestRequests.validRequest;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link UpgradeRequestParser#plainHttp(boolean)}: plain requests (any method, HTTP/1.0) read to the end of their
 * head before they are refused as upgrades, and the body accessors ({@code contentLength},
 * {@code hasTransferEncoding}); the default mode refuses them at the request line as before.
 */
class UpgradeRequestParserPlainHttpTest
{
    private static final String POST_HEAD =
        "POST /echo/a/b/xhr_send HTTP/1.1\r\nHost: h\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\n";
    private static final String BODY = "[\"x\"]";

    private static UpgradeRequestParser plain()
    {
        return newParser().plainHttp(true);
    }

    private static int feed(final UpgradeRequestParser parser, final String text)
    {
        final byte[] bytes = bytes(text);
        return parser.parse(new UnsafeBuffer(bytes), 0, bytes.length);
    }

    private static UpgradeRequestParser parsePlain(final String text)
    {
        final UpgradeRequestParser parser = plain();
        feed(parser, text);
        return parser;
    }

    private static String head(final String requestLine, final String... headerLines)
    {
        return TestRequests.request(requestLine, List.of(headerLines));
    }

    @Test
    void shouldReadAPostToTheEndOfItsHeadAndLeaveTheBody()
    {
        final UpgradeRequestParser parser = plain();

        final int consumed = feed(parser, POST_HEAD + BODY);

        assertEquals(POST_HEAD.length(), consumed, "the body belongs to the caller");
        assertEquals(UpgradeRequestParser.REJECTED, parser.state());
        assertEquals(UpgradeRejection.METHOD_NOT_ALLOWED, parser.rejection(), "refused as an upgrade only");
        assertTrue(parser.headComplete());
        assertEquals(POST_HEAD.length(), parser.headLength());
        assertEquals("POST", parser.method());
        assertEquals("/echo/a/b/xhr_send", parser.path());
        assertEquals("h", parser.host());
        assertEquals("text/plain", parser.header("content-type"));
        assertEquals(5, parser.contentLength());
        assertFalse(parser.hasTransferEncoding());
        assertFalse(parser.isHttp10());
        assertEquals(0, feed(parser, BODY), "nothing more is consumed once the head is done");
    }

    @ParameterizedTest
    @ValueSource(strings = {"OPTIONS", "PUT", "DELETE", "HEAD", "get", "PATCH"})
    void shouldReadAnyOtherMethodToTheEndOfItsHead(final String method)
    {
        final String head = head(method + " /echo/info?t=1 HTTP/1.1", "Host: h", "Origin: null",
            "Access-Control-Request-Headers: a, b");

        final UpgradeRequestParser parser = parsePlain(head + "GET /next HTTP/1.1\r\n");

        assertEquals(UpgradeRejection.METHOD_NOT_ALLOWED, parser.rejection());
        assertTrue(parser.headComplete());
        assertEquals(head.length(), parser.headLength());
        assertEquals(method, parser.method());
        assertEquals("/echo/info", parser.path());
        assertEquals("t=1", parser.query());
        assertEquals("null", parser.origin());
        assertEquals("a, b", parser.header("Access-Control-Request-Headers"));
        assertEquals(0, parser.contentLength());
    }

    @Test
    void shouldReadHttp10ToTheEndOfItsHead()
    {
        final String head = head("GET /echo HTTP/1.0", "Connection: Keep-Alive");

        final UpgradeRequestParser parser = parsePlain(head);

        assertEquals(UpgradeRequestParser.REJECTED, parser.state());
        assertEquals(UpgradeRejection.UNSUPPORTED_HTTP_VERSION, parser.rejection());
        assertTrue(parser.headComplete());
        assertTrue(parser.isHttp10());
        assertEquals("Keep-Alive", parser.header("Connection"));
        assertNull(parser.host(), "HTTP/1.0 needs no Host");
    }

    @Test
    void shouldReportTheMethodBeforeTheVersionForHttp10Posts()
    {
        final UpgradeRequestParser parser = parsePlain(head("POST /echo/a/b/xhr HTTP/1.0", "Content-Length: 0"));

        assertEquals(UpgradeRejection.METHOD_NOT_ALLOWED, parser.rejection());
        assertTrue(parser.isHttp10());
        assertTrue(parser.headComplete());
    }

    @Test
    void shouldRefuseAPlainGetAsNotAnUpgradeWithTheHeadComplete()
    {
        final UpgradeRequestParser parser = parsePlain(head("GET /echo HTTP/1.1", "Host: h"));

        assertEquals(UpgradeRejection.NOT_WEBSOCKET_UPGRADE, parser.rejection());
        assertTrue(parser.headComplete());
        assertFalse(parser.isHttp10());
    }

    @Test
    void shouldStillCompleteAValidUpgrade()
    {
        final UpgradeRequestParser parser = parsePlain(validRequest());

        assertEquals(UpgradeRequestParser.COMPLETE, parser.state());
        assertNull(parser.rejection());
        assertTrue(parser.headComplete());
        assertEquals(0, parser.contentLength());
    }

    @Test
    void shouldRefuseAnUpgradeWithABodyButKeepItsLength()
    {
        final UpgradeRequestParser parser = parsePlain(validRequest("Content-Length: 5"));

        assertEquals(UpgradeRejection.UNEXPECTED_BODY, parser.rejection());
        assertTrue(parser.headComplete());
        assertEquals(5, parser.contentLength());
    }

    @Test
    void shouldParseTheSameWhenSplitAtEveryOffset()
    {
        final byte[] input = bytes(POST_HEAD + BODY);
        final UpgradeRequestParser parser = plain();
        for (int split = 0; split <= input.length; split++)
        {
            parser.reset();
            final UnsafeBuffer buffer = new UnsafeBuffer(input);
            int consumed = parser.parse(buffer, 0, split);
            if (UpgradeRequestParser.NEED_MORE == parser.state())
            {
                consumed += parser.parse(buffer, split, input.length - split);
            }

            assertEquals(POST_HEAD.length(), consumed, "split=" + split);
            assertEquals(UpgradeRejection.METHOD_NOT_ALLOWED, parser.rejection(), "split=" + split);
            assertTrue(parser.headComplete(), "split=" + split);
            assertEquals(5, parser.contentLength(), "split=" + split);
        }
    }

    // ---- what plainHttp does not defer ----

    @ParameterizedTest
    @ValueSource(strings = {"POST /echo HTTP/2.0", "POST /echo HTTP/1.2", "POST /echo http/1.1", "POST /echo"})
    void shouldStillRefuseOtherVersionsAtTheRequestLine(final String requestLine)
    {
        final String text = requestLine + "\r\nHost: h\r\n";
        final UpgradeRequestParser parser = plain();

        final int consumed = feed(parser, text);

        assertEquals(UpgradeRequestParser.REJECTED, parser.state());
        assertFalse(parser.headComplete());
        assertEquals(text.length(), consumed, "a refused request's bytes are all consumed");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Bad Header", "Host : h", " folded", "X: a\u0001b"})
    void shouldStillRefuseBadHeaderSyntaxAtOnce(final String line)
    {
        final UpgradeRequestParser parser = parsePlain("POST /echo HTTP/1.1\r\n" + line + "\r\n\r\n");

        assertEquals(UpgradeRequestParser.REJECTED, parser.state());
        assertFalse(parser.headComplete());
        assertEquals(400, parser.rejection().status());
    }

    @Test
    void shouldStillRefuseAHeadTooLarge()
    {
        final UpgradeRequestParser parser = parsePlain("POST /echo HTTP/1.1\r\nX: " + "x".repeat(9000));

        assertEquals(UpgradeRejection.HEADER_TOO_LARGE, parser.rejection());
        assertFalse(parser.headComplete());
    }

    @Test
    void shouldStillRefuseTooManyHeaders()
    {
        final UpgradeRequestParser parser = parsePlain("POST /echo HTTP/1.1\r\n" + "X: y\r\n".repeat(65) + "\r\n");

        assertEquals(UpgradeRejection.TOO_MANY_HEADERS, parser.rejection());
        assertFalse(parser.headComplete());
    }

    // ---- default mode unchanged ----

    @ParameterizedTest
    @ValueSource(strings = {"POST /echo HTTP/1.1", "OPTIONS /echo HTTP/1.1", "GET /echo HTTP/1.0"})
    void shouldRefusePlainRequestsAtTheRequestLineByDefault(final String requestLine)
    {
        final String text = requestLine + "\r\nHost: h\r\nContent-Length: 5\r\n\r\n" + BODY;
        final UpgradeRequestParser parser = newParser();

        final int consumed = feed(parser, text);

        assertEquals(UpgradeRequestParser.REJECTED, parser.state());
        assertEquals(requestLine.startsWith("GET") ? UpgradeRejection.UNSUPPORTED_HTTP_VERSION :
            UpgradeRejection.METHOD_NOT_ALLOWED, parser.rejection());
        assertFalse(parser.headComplete());
        assertFalse(parser.isHttp10());
        assertEquals(text.length(), consumed);
        assertEquals(0, parser.headerCount(), "refused before any header was read");
    }

    @Test
    void shouldKeepTheModeAcrossResetAndForgetTheRequest()
    {
        final UpgradeRequestParser parser = plain();
        feed(parser, head("GET /echo HTTP/1.0"));
        assertTrue(parser.isHttp10());

        parser.reset();
        feed(parser, POST_HEAD);

        assertFalse(parser.isHttp10());
        assertEquals(UpgradeRejection.METHOD_NOT_ALLOWED, parser.rejection());
        assertTrue(parser.headComplete(), "still plain HTTP after reset");

        parser.reset();
        feed(parser, validRequest());
        assertEquals(UpgradeRequestParser.COMPLETE, parser.state());

        parser.plainHttp(false).reset();
        feed(parser, POST_HEAD);
        assertFalse(parser.headComplete(), "back to the default mode");
    }

    // ---- Content-Length and Transfer-Encoding ----

    @ParameterizedTest
    @ValueSource(strings = {"0=0", "5=5", " 7 =7", "05=5", "0000000005=5", "2147483647=2147483647",
        "2147483648=-1", "99999999999=-1", "=-1", "abc=-1", "-1=-1", "+1=-1", "1.0=-1", "0x10=-1", "1 2=-1",
        "1,1=-1", "\u00b9=-1"})
    void shouldReadContentLength(final String valueAndExpected)
    {
        final int equals = valueAndExpected.lastIndexOf('=');
        final String value = valueAndExpected.substring(0, equals);
        final int expected = Integer.parseInt(valueAndExpected.substring(equals + 1));

        final UpgradeRequestParser parser = parsePlain("POST /x HTTP/1.1\r\nHost: h\r\nContent-Length:" + value +
            "\r\n\r\n");

        assertTrue(parser.headComplete(), value);
        assertEquals(expected, parser.contentLength(), "Content-Length:" + value);
    }

    @Test
    void shouldReadContentLengthZeroWhenAbsent()
    {
        assertEquals(0, parsePlain(head("POST /x HTTP/1.1", "Host: h")).contentLength());
    }

    @Test
    void shouldAcceptRepeatedEqualContentLengthsAndRefuseDifferentOnes()
    {
        assertEquals(5, parsePlain(head("POST /x HTTP/1.1", "Content-Length: 5", "content-length: 05"))
            .contentLength());
        assertEquals(-1, parsePlain(head("POST /x HTTP/1.1", "Content-Length: 5", "Content-Length: 6"))
            .contentLength());
        assertEquals(-1, parsePlain(head("POST /x HTTP/1.1", "Content-Length: 5", "Content-Length: x"))
            .contentLength());
        assertEquals(-1, parsePlain(head("POST /x HTTP/1.1", "Content-Length: 0", "Content-Length: 1"))
            .contentLength(), "a zero before a differing value is no excuse");
    }

    @Test
    void shouldTellATransferEncoding()
    {
        assertFalse(parsePlain(head("POST /x HTTP/1.1", "Host: h")).hasTransferEncoding());
        assertTrue(parsePlain(head("POST /x HTTP/1.1", "Transfer-Encoding: chunked")).hasTransferEncoding());
        assertTrue(parsePlain(head("POST /x HTTP/1.1", "transfer-encoding: identity")).hasTransferEncoding());
        assertTrue(parsePlain(head("POST /x HTTP/1.1", "TRANSFER-ENCODING: gzip, chunked", "Content-Length: 3"))
            .hasTransferEncoding());
        assertFalse(parsePlain(head("POST /x HTTP/1.1", "Transfer-Encodings: chunked")).hasTransferEncoding());
    }
}
