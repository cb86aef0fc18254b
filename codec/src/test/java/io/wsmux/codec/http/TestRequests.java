package io.wsmux.codec.http;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * Upgrade requests for tests, and a parser with the server's default limits.
 */
final class TestRequests
{
    static final int MAX_HEAD_LENGTH = 8192;
    static final int MAX_HEADER_COUNT = 64;
    static final String KEY = "dGhlIHNhbXBsZSBub25jZQ==";
    static final String REQUEST_LINE = "GET /chat HTTP/1.1";

    /** RFC 6455 §1.2, the client's handshake. */
    static final String RFC_6455_EXAMPLE =
        "GET /chat HTTP/1.1\r\n" +
        "Host: server.example.com\r\n" +
        "Upgrade: websocket\r\n" +
        "Connection: Upgrade\r\n" +
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
        "Origin: http://example.com\r\n" +
        "Sec-WebSocket-Protocol: chat, superchat\r\n" +
        "Sec-WebSocket-Version: 13\r\n" +
        "\r\n";

    private static final List<String> VALID_HEADERS = List.of(
        "Host: server.example.com",
        "Upgrade: websocket",
        "Connection: Upgrade",
        "Sec-WebSocket-Key: " + KEY,
        "Sec-WebSocket-Version: 13");

    private TestRequests()
    {
    }

    /**
     * A head of the given lines, each ended by CRLF, and the empty line.
     */
    static String request(final String requestLine, final List<String> headerLines)
    {
        final StringBuilder request = new StringBuilder(requestLine).append("\r\n");
        for (final String line : headerLines)
        {
            request.append(line).append("\r\n");
        }
        return request.append("\r\n").toString();
    }

    /**
     * A valid upgrade request for /chat with extra header lines at the end.
     */
    static String validRequest(final String... extraHeaderLines)
    {
        return request(REQUEST_LINE, validHeaders(extraHeaderLines));
    }

    /**
     * The valid header lines followed by extra ones, as a mutable list.
     */
    static List<String> validHeaders(final String... extraHeaderLines)
    {
        final List<String> lines = new ArrayList<>(VALID_HEADERS);
        lines.addAll(Arrays.asList(extraHeaderLines));
        return lines;
    }

    /**
     * A valid upgrade request in which the header called name is replaced by replacementLine, or removed if null.
     */
    static String validRequestWith(final String name, final String replacementLine)
    {
        final List<String> lines = new ArrayList<>();
        for (final String line : VALID_HEADERS)
        {
            if (!line.startsWith(name + ":"))
            {
                lines.add(line);
            }
            else if (null != replacementLine)
            {
                lines.add(replacementLine);
            }
        }
        return request(REQUEST_LINE, lines);
    }

    static byte[] bytes(final String text)
    {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    static UpgradeRequestParser newParser()
    {
        return new UpgradeRequestParser(MAX_HEAD_LENGTH, MAX_HEADER_COUNT);
    }

    /**
     * A new parser fed the whole request in one call.
     */
    static UpgradeRequestParser parse(final String request)
    {
        final UpgradeRequestParser parser = newParser();
        final byte[] bytes = bytes(request);
        parser.parse(new UnsafeBuffer(bytes), 0, bytes.length);
        return parser;
    }
}
