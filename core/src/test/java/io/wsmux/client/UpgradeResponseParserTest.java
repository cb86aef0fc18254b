package io.wsmux.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;

import io.wsmux.codec.deflate.DeflateNegotiation;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * The upgrade response head parser: every split point, the exact stop after CRLFCRLF, and each RFC 6455 §4.1 check.
 */
class UpgradeResponseParserTest
{
    private static final String ACCEPT = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";
    private static final String VALID = "HTTP/1.1 101 Switching Protocols\r\n" +
        "Upgrade: WebSocket\r\n" +
        "Connection: keep-alive, Upgrade\r\n" +
        "Sec-WebSocket-Accept: " + ACCEPT + "\r\n" +
        "Sec-WebSocket-Protocol: wsmux.v1\r\n" +
        "\r\n";

    private static UnsafeBuffer ascii(final String text)
    {
        return new UnsafeBuffer(text.getBytes(StandardCharsets.US_ASCII));
    }

    private static UpgradeResponseParser parse(final String response)
    {
        final UpgradeResponseParser parser = new UpgradeResponseParser(8192);
        final UnsafeBuffer buffer = ascii(response);
        parser.parse(buffer, 0, buffer.capacity());
        assertEquals(UpgradeResponseParser.COMPLETE, parser.state());
        return parser;
    }

    private static String check(final String response, final String subprotocol)
    {
        return parse(response).check(ACCEPT, subprotocol, false);
    }

    private static String withExtensions(final String... values)
    {
        final StringBuilder headers = new StringBuilder();
        for (final String value : values)
        {
            headers.append("Sec-WebSocket-Extensions: ").append(value).append("\r\n");
        }
        return VALID.replace("\r\n\r\n", "\r\n" + headers + "\r\n");
    }

    @Test
    void shouldParseTheSameHeadWhenInputIsSplitAtEveryOffset()
    {
        final UnsafeBuffer wire = ascii(VALID + "\u0081\u0002hi");
        final int headLength = VALID.length();
        for (int split = 0; split <= wire.capacity(); split++)
        {
            final UpgradeResponseParser parser = new UpgradeResponseParser(8192);
            int consumed = parser.parse(wire, 0, split);
            if (UpgradeResponseParser.COMPLETE != parser.state())
            {
                consumed += parser.parse(wire, split, wire.capacity() - split);
            }
            assertEquals(UpgradeResponseParser.COMPLETE, parser.state(), "split=" + split);
            assertEquals(headLength, consumed, "stops right after CRLFCRLF: split=" + split);
            assertEquals(101, parser.status());
            assertEquals("HTTP/1.1 101 Switching Protocols", parser.statusLine());
            assertNull(parser.check(ACCEPT, "wsmux.v1", false), "split=" + split);
        }
    }

    @Test
    void shouldStopAtTheLimit()
    {
        final UpgradeResponseParser parser = new UpgradeResponseParser(256);
        final UnsafeBuffer buffer = ascii("HTTP/1.1 101 OK\r\nX: " + "y".repeat(300) + "\r\n\r\n");
        assertEquals(256, parser.parse(buffer, 0, buffer.capacity()));
        assertEquals(UpgradeResponseParser.TOO_LONG, parser.state());
        assertEquals("HTTP/1.1 101 OK", parser.statusLine());
    }

    @Test
    void shouldRejectWhatRfc6455Section41Rejects()
    {
        assertNull(check(VALID, "wsmux.v1"));
        assertEquals("upgrade refused", check("HTTP/1.1 403 Forbidden\r\n\r\n", null));
        assertEquals("malformed status line", check("HTTP/1.1 1x1 Odd\r\n\r\n", null));
        assertEquals("malformed status line", check("ICY 101 Switching\r\n\r\n", null));
        assertTrue(check(VALID.replace("Upgrade: WebSocket", "Upgrade: h2c"), "wsmux.v1").contains("Upgrade"));
        assertTrue(check(VALID.replace("keep-alive, Upgrade", "keep-alive"), "wsmux.v1").contains("Connection"));
        assertTrue(check(VALID.replace(ACCEPT, "x" + ACCEPT.substring(1)), "wsmux.v1")
            .contains("Sec-WebSocket-Accept"));
        assertTrue(check(VALID, null).contains("not asked for"));
        assertTrue(check(VALID, "other").contains("did not agree"));
        assertTrue(check(VALID.replace("Sec-WebSocket-Protocol: wsmux.v1\r\n", ""), "wsmux.v1")
            .contains("did not agree"));
        assertTrue(check(VALID.replace("\r\n\r\n", "\r\nSec-WebSocket-Extensions: x\r\n\r\n"), "wsmux.v1")
            .contains("extensions"));
        assertEquals("malformed header line", check(VALID.replace("Upgrade: WebSocket", "Upgrade : WebSocket"),
            "wsmux.v1"));
    }

    @Test
    void shouldRejectPermessageDeflateWhenNotOffered()
    {
        final String problem = check(withExtensions("permessage-deflate"), "wsmux.v1");
        assertEquals("server chose extensions that were not offered: permessage-deflate", problem);
        assertNull(check(withExtensions(""), "wsmux.v1"), "an empty header names no extension");
    }

    @Test
    void shouldAgreeToPermessageDeflateWhenOffered()
    {
        final UpgradeResponseParser parser = parse(withExtensions("permessage-deflate; server_no_context_takeover",
            "")); // empty lines of the header are no elements
        assertNull(parser.check(ACCEPT, "wsmux.v1", true));
        final DeflateNegotiation.ClientAgreement agreement = parser.deflateAgreement();
        assertNotNull(agreement);
        assertTrue(agreement.serverNoContextTakeover());

        final UpgradeResponseParser declined = parse(VALID);
        assertNull(declined.check(ACCEPT, "wsmux.v1", true));
        assertNull(declined.deflateAgreement(), "the server declined: no extension in use");
    }

    @Test
    void shouldRejectAPermessageDeflateResponseTheRfcFails()
    {
        final UpgradeResponseParser twoLines = parse(withExtensions("permessage-deflate", "permessage-deflate"));
        assertTrue(twoLines.check(ACCEPT, "wsmux.v1", true).contains("more than one"));
        assertNull(twoLines.deflateAgreement());

        assertTrue(parse(withExtensions("permessage-deflate; x=1")).check(ACCEPT, "wsmux.v1", true)
            .contains("unknown parameter 'x=1'"));
        assertTrue(parse(withExtensions("x-webkit-deflate-frame")).check(ACCEPT, "wsmux.v1", true)
            .contains("not offered"));
    }

    @Test
    void shouldExcerptTheFirstLineOfABody()
    {
        final UnsafeBuffer body = ascii("  no entry \r\nmore");
        assertEquals("no entry", UpgradeResponseParser.bodyExcerpt(body, 0, body.capacity()));
        assertEquals("", UpgradeResponseParser.bodyExcerpt(body, 0, 0));
    }
}
