package io.wsmux.client;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.wsmux.codec.deflate.DeflateNegotiation;
import org.agrona.DirectBuffer;

/**
 * The server's answer to the opening handshake, read incrementally (RFC 6455 §4.1, RFC 7230 §3): copies bytes into
 * its own head buffer until the blank line that ends the head, stops exactly there so that frames in the same read
 * are left to the frame decoder, then splits the head into a status line and headers and checks it against what the
 * client asked for.
 * <p>
 * Not thread safe: owned by one connection while it handshakes, then dropped. Allocates (the head copy, the parsed
 * strings): a handshake happens once per connection.
 */
final class UpgradeResponseParser
{
    /** The head is not complete yet. */
    static final int NEED_MORE = 0;
    /** The head is complete: {@link #status()} and {@link #header(String)} are available. */
    static final int COMPLETE = 1;
    /** The head is longer than the limit. */
    static final int TOO_LONG = 2;

    private static final int STATUS_SWITCHING_PROTOCOLS = 101;
    private static final int MAX_BODY_EXCERPT_LENGTH = 200;

    private final byte[] head;
    private int length;
    private int state = NEED_MORE;
    private String statusLine = "";
    private int status = WebSocketHandshakeException.NO_STATUS;
    private boolean malformedHeader;
    private DeflateNegotiation.ClientAgreement deflateAgreement;
    private final Map<String, List<String>> headers = new HashMap<>();

    /**
     * @param maxHeadLength bytes of head accepted, CRLFCRLF included.
     */
    UpgradeResponseParser(final int maxHeadLength)
    {
        this.head = new byte[maxHeadLength];
    }

    /**
     * Take bytes of the response until the head is complete.
     *
     * @param buffer holding the input.
     * @param offset of the input.
     * @param length of the input.
     * @return bytes consumed: all of them while the head is incomplete, else up to and including the CRLFCRLF.
     */
    int parse(final DirectBuffer buffer, final int offset, final int length)
    {
        if (NEED_MORE != state)
        {
            return 0;
        }
        for (int i = 0; i < length; i++)
        {
            if (this.length == head.length)
            {
                state = TOO_LONG;
                return i;
            }
            final byte b = buffer.getByte(offset + i);
            head[this.length++] = b;
            if ('\n' == b && this.length >= 4 && '\r' == head[this.length - 2] && '\n' == head[this.length - 3] &&
                '\r' == head[this.length - 4])
            {
                state = COMPLETE;
                split();
                return i + 1;
            }
        }
        return length;
    }

    /**
     * @return {@link #NEED_MORE}, {@link #COMPLETE} or {@link #TOO_LONG}.
     */
    int state()
    {
        return state;
    }

    /**
     * @return the status line, e.g. "HTTP/1.1 101 Switching Protocols"; once complete, or the first line received
     * so far (possibly partial) before.
     */
    String statusLine()
    {
        if (COMPLETE == state)
        {
            return statusLine;
        }
        int end = 0;
        while (end < length && '\r' != head[end] && '\n' != head[end])
        {
            end++;
        }
        return new String(head, 0, end, StandardCharsets.ISO_8859_1);
    }

    /**
     * @return the status code, or {@link WebSocketHandshakeException#NO_STATUS} if the status line is malformed.
     */
    int status()
    {
        return status;
    }

    /**
     * @param lowerCaseName header name in lower case.
     * @return the first value of the header, trimmed, or null.
     */
    String header(final String lowerCaseName)
    {
        final List<String> values = headers.get(lowerCaseName);
        return null == values ? null : values.get(0);
    }

    /**
     * @return permessage-deflate as agreed by a response that passed {@link #check} with the extension offered, or
     * null when it is not in use.
     */
    DeflateNegotiation.ClientAgreement deflateAgreement()
    {
        return deflateAgreement;
    }

    /**
     * Check a complete 101 response against the client's request (RFC 6455 §4.1, "the client MUST validate the
     * server's response as follows").
     *
     * @param expectedAccept the Sec-WebSocket-Accept value for the key sent.
     * @param subprotocol    the subprotocol asked for, or null.
     * @param offeredDeflate whether the request offered {@link DeflateNegotiation#CLIENT_OFFER}.
     * @return null when the response accepts the upgrade, else what is wrong with it.
     */
    String check(final String expectedAccept, final String subprotocol, final boolean offeredDeflate)
    {
        // §4.1 item 1: "If the status code received from the server is not 101, the client handles the response
        // per HTTP procedures": for this client, the connect fails.
        if (STATUS_SWITCHING_PROTOCOLS != status)
        {
            return WebSocketHandshakeException.NO_STATUS == status ? "malformed status line" : "upgrade refused";
        }
        if (malformedHeader)
        {
            return "malformed header line";
        }
        // §4.1 item 2: Upgrade must be an ASCII case-insensitive match for "websocket".
        final String upgrade = header("upgrade");
        if (null == upgrade || !"websocket".equalsIgnoreCase(upgrade))
        {
            return "missing 'Upgrade: websocket' (got " + upgrade + ")";
        }
        // §4.1 item 3: Connection must contain the token "Upgrade", case-insensitively.
        if (!hasToken(headers.get("connection"), "upgrade"))
        {
            return "missing 'Connection: Upgrade' (got " + header("connection") + ")";
        }
        // §4.1 item 4: Sec-WebSocket-Accept must be base64(SHA-1(key + GUID)).
        final String accept = header("sec-websocket-accept");
        if (!expectedAccept.equals(accept))
        {
            return "Sec-WebSocket-Accept " + accept + " does not match the key sent (expected " + expectedAccept + ")";
        }
        // §4.1 item 5: an extension not offered fails the connection. RFC 7692 §7.1: so does a permessage-deflate
        // response the client cannot accept.
        final List<String> extensions = headers.getOrDefault("sec-websocket-extensions", List.of());
        if (!offeredDeflate)
        {
            final List<String> elements = DeflateNegotiation.listElements(extensions);
            if (!elements.isEmpty())
            {
                return "server chose extensions that were not offered: " + String.join(", ", elements);
            }
        }
        else
        {
            final DeflateNegotiation.ClientAgreement agreement =
                DeflateNegotiation.acceptResponse(extensions, true);
            if (null != agreement && !agreement.isAccepted())
            {
                return agreement.problem();
            }
            deflateAgreement = agreement;
        }
        // §4.1 item 6: a subprotocol not asked for fails. Stricter than the RFC: a subprotocol asked for and not
        // confirmed fails too, since a client asking for one cannot speak anything else.
        final String protocol = header("sec-websocket-protocol");
        if (null == subprotocol)
        {
            if (null != protocol)
            {
                return "server chose subprotocol " + protocol + " that was not asked for";
            }
        }
        else if (!subprotocol.equals(protocol))
        {
            return "server did not agree to subprotocol " + subprotocol + " (Sec-WebSocket-Protocol: " + protocol + ")";
        }
        return null;
    }

    /**
     * @param buffer holding bytes after the head (the start of a refusal's body).
     * @param offset of the bytes.
     * @param length of the bytes.
     * @return the first line of them, at most 200 characters, or an empty string.
     */
    static String bodyExcerpt(final DirectBuffer buffer, final int offset, final int length)
    {
        final StringBuilder excerpt = new StringBuilder();
        for (int i = 0; i < length && excerpt.length() < MAX_BODY_EXCERPT_LENGTH; i++)
        {
            final char c = (char)(buffer.getByte(offset + i) & 0xFF);
            if ('\r' == c || '\n' == c)
            {
                break;
            }
            excerpt.append(c >= 0x20 && c < 0x7F ? c : '?');
        }
        return excerpt.toString().trim();
    }

    private void split()
    {
        final String text = new String(head, 0, length - 4, StandardCharsets.ISO_8859_1);
        final String[] lines = text.split("\r\n", -1);
        statusLine = lines[0];
        status = parseStatus(statusLine);
        for (int i = 1; i < lines.length; i++)
        {
            final String line = lines[i];
            final int colon = line.indexOf(':');
            // RFC 7230 §3.2.4: no whitespace between the name and the colon; obs-fold is not accepted either.
            if (colon <= 0 || line.charAt(0) == ' ' || line.charAt(0) == '\t' || line.charAt(colon - 1) == ' ')
            {
                malformedHeader = true;
                continue;
            }
            final String name = line.substring(0, colon).toLowerCase(Locale.ROOT);
            final String value = line.substring(colon + 1).trim();
            headers.computeIfAbsent(name, (ignore) -> new ArrayList<>(1)).add(value);
        }
    }

    private static int parseStatus(final String line)
    {
        // RFC 7230 §3.1.2: status-line = HTTP-version SP status-code SP reason-phrase.
        if (!line.startsWith("HTTP/1.") || line.length() < 12 || ' ' != line.charAt(8) ||
            (line.length() > 12 && ' ' != line.charAt(12)))
        {
            return WebSocketHandshakeException.NO_STATUS;
        }
        int status = 0;
        for (int i = 9; i < 12; i++)
        {
            final char c = line.charAt(i);
            if (c < '0' || c > '9')
            {
                return WebSocketHandshakeException.NO_STATUS;
            }
            status = status * 10 + (c - '0');
        }
        return status;
    }

    private static boolean hasToken(final List<String> values, final String token)
    {
        if (null == values)
        {
            return false;
        }
        for (final String value : values)
        {
            for (final String element : value.split(","))
            {
                if (token.equalsIgnoreCase(element.trim()))
                {
                    return true;
                }
            }
        }
        return false;
    }
}
