package io.wsmux.codec.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A response written by {@link UpgradeResponseWriter}, parsed strictly: a test fails if it is not well-formed
 * HTTP/1.1 (status line, CRLF line ends, "name: value" headers, Content-Length matching the body).
 */
final class HttpResponse
{
    final int status;
    final String statusText;
    final List<String> headerLines;
    final String body;

    private HttpResponse(final int status, final String statusText, final List<String> headerLines, final String body)
    {
        this.status = status;
        this.statusText = statusText;
        this.headerLines = headerLines;
        this.body = body;
    }

    static HttpResponse parse(final byte[] response)
    {
        final String text = new String(response, StandardCharsets.ISO_8859_1);
        final int headEnd = text.indexOf("\r\n\r\n");
        assertTrue(headEnd > 0, "no CRLF CRLF in " + text);
        final String[] lines = text.substring(0, headEnd).split("\r\n", -1);
        for (final String line : lines)
        {
            assertTrue(line.indexOf('\r') < 0 && line.indexOf('\n') < 0, "stray CR or LF in " + line);
        }

        final String[] statusLine = lines[0].split(" ", 3);
        assertEquals(3, statusLine.length, lines[0]);
        assertEquals("HTTP/1.1", statusLine[0]);
        assertTrue(statusLine[1].matches("[1-5][0-9][0-9]"), lines[0]);

        final List<String> headerLines = new ArrayList<>(Arrays.asList(lines).subList(1, lines.length));
        for (final String line : headerLines)
        {
            assertTrue(line.matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+: [\\x21-\\x7e]([\\x20-\\x7e]*[\\x21-\\x7e])?"), line);
        }

        final byte[] body = Arrays.copyOfRange(response, headEnd + 4, response.length);
        final HttpResponse parsed = new HttpResponse(
            Integer.parseInt(statusLine[1]), statusLine[2], headerLines, new String(body, StandardCharsets.UTF_8));
        final List<String> contentLength = parsed.headers("Content-Length");
        if (101 != parsed.status)
        {
            assertEquals(List.of(Integer.toString(body.length)), contentLength, text);
        }
        else
        {
            assertEquals(0, body.length, text);
        }
        return parsed;
    }

    /**
     * Every value of a header, the name compared case-insensitively.
     */
    List<String> headers(final String name)
    {
        final List<String> values = new ArrayList<>();
        final String prefix = name.toLowerCase(Locale.ROOT) + ": ";
        for (final String line : headerLines)
        {
            if (line.toLowerCase(Locale.ROOT).startsWith(prefix))
            {
                values.add(line.substring(prefix.length()));
            }
        }
        return values;
    }
}
