package io.wsmux.codec.http;

import static io.wsmux.codec.http.TestRequests.MAX_HEADER_COUNT;
import static io.wsmux.codec.http.TestRequests.MAX_HEAD_LENGTH;
import static io.wsmux.codec.http.TestRequests.bytes;
import static io.wsmux.codec.http.TestRequests.newParser;
import static io.wsmux.codec.http.TestRequests.parse;
import static io.wsmux.codec.http.TestRequests.request;
import static io.wsmux.codec.http.TestRequests.validHeaders;
import static io.wsmux.codec.http.TestRequests.validRequest;
import static io.wsmux.codec.http.TestRequests.validRequestWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every rule of the parser, one request each that breaks it, with the rejection and the status written out literally
 * so that a change to the table in {@link UpgradeRejection} has to be made here too.
 */
class UpgradeRejectionTest
{
    private static final String KEY_OF_15_BYTES = "AAAAAAAAAAAAAAAAAAAA";
    private static final String KEY_OF_17_BYTES = "AAAAAAAAAAAAAAAAAAAAAAA=";

    static Stream<Arguments> rejectedRequests()
    {
        return Stream.of(
            rejected("POST", validRequest().replace("GET", "POST"), UpgradeRejection.METHOD_NOT_ALLOWED, 405),
            rejected("HEAD", validRequest().replace("GET", "HEAD"), UpgradeRejection.METHOD_NOT_ALLOWED, 405),
            rejected("lower-case get", validRequest().replace("GET", "get"), UpgradeRejection.METHOD_NOT_ALLOWED, 405),

            rejected("HTTP/1.0", version("HTTP/1.0"), UpgradeRejection.UNSUPPORTED_HTTP_VERSION, 400),
            rejected("HTTP/1.2", version("HTTP/1.2"), UpgradeRejection.UNSUPPORTED_HTTP_VERSION, 400),
            rejected("HTTP/2.0", version("HTTP/2.0"), UpgradeRejection.UNSUPPORTED_HTTP_VERSION, 400),
            rejected("http/1.1", version("http/1.1"), UpgradeRejection.UNSUPPORTED_HTTP_VERSION, 400),
            rejected("garbage version", version("HTTX/1.1"), UpgradeRejection.UNSUPPORTED_HTTP_VERSION, 400),

            rejected("no HTTP version", requestLine("GET /chat"), UpgradeRejection.MALFORMED_REQUEST_LINE, 400),
            rejected("method only", requestLine("GET"), UpgradeRejection.MALFORMED_REQUEST_LINE, 400),
            rejected("two spaces", requestLine("GET  /chat HTTP/1.1"), UpgradeRejection.MALFORMED_REQUEST_LINE, 400),
            rejected("trailing space", requestLine("GET /chat HTTP/1.1 "), UpgradeRejection.MALFORMED_REQUEST_LINE,
                400),
            rejected("leading space", requestLine(" GET /chat HTTP/1.1"), UpgradeRejection.MALFORMED_REQUEST_LINE, 400),
            rejected("four parts", requestLine("GET /a b HTTP/1.1"), UpgradeRejection.MALFORMED_REQUEST_LINE, 400),
            rejected("method not token", requestLine("G(T /chat HTTP/1.1"), UpgradeRejection.MALFORMED_REQUEST_LINE,
                400),
            rejected("tab separator", requestLine("GET\t/chat HTTP/1.1"), UpgradeRejection.MALFORMED_REQUEST_LINE,
                400),

            rejected("relative target", requestLine("GET chat HTTP/1.1"), UpgradeRejection.INVALID_REQUEST_TARGET, 400),
            rejected("absolute-form", requestLine("GET http://server.example.com/chat HTTP/1.1"),
                UpgradeRejection.INVALID_REQUEST_TARGET, 400),
            rejected("asterisk-form", requestLine("GET * HTTP/1.1"), UpgradeRejection.INVALID_REQUEST_TARGET, 400),
            rejected("control in target", requestLine("GET /ch\u0001at HTTP/1.1"),
                UpgradeRejection.INVALID_REQUEST_TARGET, 400),
            rejected("non-ASCII in target", requestLine("GET /caf\u00e9 HTTP/1.1"),
                UpgradeRejection.INVALID_REQUEST_TARGET, 400),

            rejected("LF after request line", validRequest().replaceFirst("\r\n", "\n"),
                UpgradeRejection.BARE_LINE_FEED, 400),
            rejected("LF after header", validRequest().replace("Upgrade: websocket\r\n", "Upgrade: websocket\n"),
                UpgradeRejection.BARE_LINE_FEED, 400),
            rejected("LF as empty line", validRequest().replace("\r\n\r\n", "\r\n\n"),
                UpgradeRejection.BARE_LINE_FEED, 400),
            rejected("LF only", validRequest().replace("\r\n", "\n"), UpgradeRejection.BARE_LINE_FEED, 400),

            rejected("space before colon", validRequestWith("Host", "Host : server.example.com"),
                UpgradeRejection.MALFORMED_HEADER, 400),
            rejected("tab before colon", validRequestWith("Host", "Host\t: server.example.com"),
                UpgradeRejection.MALFORMED_HEADER, 400),
            rejected("no colon", validRequest("X-No-Colon"), UpgradeRejection.MALFORMED_HEADER, 400),
            rejected("empty name", validRequest(": value"), UpgradeRejection.MALFORMED_HEADER, 400),
            rejected("name not token", validRequest("X(Bad): value"), UpgradeRejection.MALFORMED_HEADER, 400),

            rejected("obs-fold with space", validRequest("X-Folded: a", " b"),
                UpgradeRejection.OBSOLETE_LINE_FOLDING, 400),
            rejected("obs-fold with tab", validRequest("X-Folded: a", "\tb"),
                UpgradeRejection.OBSOLETE_LINE_FOLDING, 400),
            rejected("whitespace before first header", validRequest().replaceFirst("\r\n", "\r\n X-Indented: a\r\n"),
                UpgradeRejection.OBSOLETE_LINE_FOLDING, 400),

            rejected("SOH in value", validRequest("X-Control: a\u0001b"), UpgradeRejection.INVALID_HEADER_VALUE, 400),
            rejected("NUL in value", validRequest("X-Control: a\u0000b"), UpgradeRejection.INVALID_HEADER_VALUE, 400),
            rejected("DEL in value", validRequest("X-Control: a\u007fb"), UpgradeRejection.INVALID_HEADER_VALUE, 400),
            rejected("bare CR in value", validRequest("X-Control: a\rb"), UpgradeRejection.INVALID_HEADER_VALUE, 400),
            rejected("ESC ends value", validRequest("X-Control: a\u001b"), UpgradeRejection.INVALID_HEADER_VALUE, 400),

            rejected("head over 8192 bytes", validRequest("X-Pad: " + "p".repeat(MAX_HEAD_LENGTH)),
                UpgradeRejection.HEADER_TOO_LARGE, 431),

            rejected("65 headers", validRequest(extraHeaders(MAX_HEADER_COUNT + 1 - validHeaders().size())),
                UpgradeRejection.TOO_MANY_HEADERS, 431),

            rejected("no Host", validRequestWith("Host", null), UpgradeRejection.MISSING_HOST, 400),

            rejected("two Host", validRequest("Host: other.example.com"), UpgradeRejection.DUPLICATE_HEADER, 400),
            rejected("two keys", validRequest("Sec-WebSocket-Key: " + TestRequests.KEY),
                UpgradeRejection.DUPLICATE_HEADER, 400),
            rejected("two versions", validRequest("sec-websocket-version: 13"), UpgradeRejection.DUPLICATE_HEADER, 400),

            rejected("no Upgrade", validRequestWith("Upgrade", null), UpgradeRejection.NOT_WEBSOCKET_UPGRADE, 426),
            rejected("Upgrade: h2c", validRequestWith("Upgrade", "Upgrade: h2c"),
                UpgradeRejection.NOT_WEBSOCKET_UPGRADE, 426),
            rejected("Upgrade: websockets", validRequestWith("Upgrade", "Upgrade: websockets"),
                UpgradeRejection.NOT_WEBSOCKET_UPGRADE, 426),

            rejected("no Connection", validRequestWith("Connection", null),
                UpgradeRejection.MISSING_CONNECTION_UPGRADE, 400),
            rejected("Connection: keep-alive", validRequestWith("Connection", "Connection: keep-alive"),
                UpgradeRejection.MISSING_CONNECTION_UPGRADE, 400),
            rejected("Connection: upgraded", validRequestWith("Connection", "Connection: upgraded"),
                UpgradeRejection.MISSING_CONNECTION_UPGRADE, 400),

            rejected("Content-Length: 5", validRequest("Content-Length: 5"), UpgradeRejection.UNEXPECTED_BODY, 400),
            rejected("Transfer-Encoding", validRequest("Transfer-Encoding: chunked"),
                UpgradeRejection.UNEXPECTED_BODY, 400),

            rejected("version 8", validRequestWith("Sec-WebSocket-Version", "Sec-WebSocket-Version: 8"),
                UpgradeRejection.UNSUPPORTED_WEBSOCKET_VERSION, 426),
            rejected("no version", validRequestWith("Sec-WebSocket-Version", null),
                UpgradeRejection.UNSUPPORTED_WEBSOCKET_VERSION, 426),
            rejected("version list", validRequestWith("Sec-WebSocket-Version", "Sec-WebSocket-Version: 13, 8"),
                UpgradeRejection.UNSUPPORTED_WEBSOCKET_VERSION, 426),
            rejected("empty version", validRequestWith("Sec-WebSocket-Version", "Sec-WebSocket-Version:"),
                UpgradeRejection.UNSUPPORTED_WEBSOCKET_VERSION, 426),

            rejected("no key", validRequestWith("Sec-WebSocket-Key", null), UpgradeRejection.MISSING_OR_INVALID_KEY,
                400),
            rejected("key of 15 bytes", key(KEY_OF_15_BYTES), UpgradeRejection.MISSING_OR_INVALID_KEY, 400),
            rejected("key of 17 bytes", key(KEY_OF_17_BYTES), UpgradeRejection.MISSING_OR_INVALID_KEY, 400),
            rejected("key outside alphabet", key("dGhlIHNhbXBsZSBub25j*Q=="), UpgradeRejection.MISSING_OR_INVALID_KEY,
                400),
            rejected("key in URL-safe alphabet", key("dGhlIHNhbXBsZSBub25j-Q=="),
                UpgradeRejection.MISSING_OR_INVALID_KEY, 400),
            rejected("key with inner pad", key("dGhlIHNhbXBsZSBub25jZ=Q="), UpgradeRejection.MISSING_OR_INVALID_KEY,
                400),
            rejected("key of 24 bytes", key("dGhlIHNhbXBsZSBub25jZQ==AAAAAAAA"),
                UpgradeRejection.MISSING_OR_INVALID_KEY, 400),
            rejected("empty key", key(""), UpgradeRejection.MISSING_OR_INVALID_KEY, 400));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rejectedRequests")
    void shouldRejectWithStatusOfTable(
        final String name, final String request, final UpgradeRejection expected, final int status)
    {
        final UpgradeRequestParser parser = parse(request);

        assertEquals(UpgradeRequestParser.REJECTED, parser.state());
        assertEquals(expected, parser.rejection());
        assertEquals(status, parser.rejection().status());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rejectedRequests")
    void shouldRejectTheSameWhenFedOneByteAtATime(
        final String name, final String request, final UpgradeRejection expected, final int status)
    {
        final byte[] bytes = bytes(request);
        final UpgradeRequestParser parser = newParser();

        for (int i = 0; i < bytes.length; i++)
        {
            parser.parse(new UnsafeBuffer(bytes), i, 1);
        }

        assertEquals(expected, parser.rejection());
    }

    @Test
    void shouldCoverEveryRejection()
    {
        final Set<UpgradeRejection> covered = rejectedRequests()
            .map((arguments) -> (UpgradeRejection)arguments.get()[2])
            .collect(Collectors.toCollection(() -> EnumSet.noneOf(UpgradeRejection.class)));

        assertEquals(EnumSet.allOf(UpgradeRejection.class), covered);
    }

    @Test
    void shouldUseKeysOfTheStatedDecodedLength()
    {
        assertEquals(15, Base64.getDecoder().decode(KEY_OF_15_BYTES).length);
        assertEquals(17, Base64.getDecoder().decode(KEY_OF_17_BYTES).length);
        assertEquals(16, Base64.getDecoder().decode(TestRequests.KEY).length);
    }

    @Test
    void shouldGiveEveryRejectionAClientErrorStatusAndText()
    {
        for (final UpgradeRejection rejection : UpgradeRejection.values())
        {
            final String text = rejection.status() + " " + rejection.statusText();
            assertTrue(List.of("400 Bad Request", "405 Method Not Allowed", "426 Upgrade Required",
                "431 Request Header Fields Too Large").contains(text), rejection + ": " + text);
            assertFalse(rejection.reason().isEmpty(), rejection.name());
        }
    }

    private static Arguments rejected(
        final String name, final String request, final UpgradeRejection rejection, final int status)
    {
        return Arguments.of(name, request, rejection, status);
    }

    private static String version(final String version)
    {
        return validRequest().replace("HTTP/1.1", version);
    }

    private static String requestLine(final String requestLine)
    {
        return request(requestLine, validHeaders());
    }

    private static String key(final String key)
    {
        return validRequestWith("Sec-WebSocket-Key", "Sec-WebSocket-Key: " + key);
    }

    private static String[] extraHeaders(final int count)
    {
        final String[] lines = new String[count];
        for (int i = 0; i < count; i++)
        {
            lines[i] = "X-Header-" + i + ": " + i;
        }
        return lines;
    }
}
