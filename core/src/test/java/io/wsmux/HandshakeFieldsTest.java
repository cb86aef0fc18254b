package io.wsmux;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class HandshakeFieldsTest
{
    @Test
    void shouldReadCookiesAsRfc6265SendsThem()
    {
        final List<String> headers = List.of("theme=dark; token=abc123; empty=", "split=\"quoted value\"");
        assertEquals("abc123", HandshakeFields.cookie(headers, "token"));
        assertEquals("dark", HandshakeFields.cookie(headers, "theme"));
        assertEquals("", HandshakeFields.cookie(headers, "empty"));
        assertEquals("quoted value", HandshakeFields.cookie(headers, "split"));
        assertNull(HandshakeFields.cookie(headers, "Token"), "names are case sensitive");
        assertNull(HandshakeFields.cookie(headers, "oken"));
        assertNull(HandshakeFields.cookie(List.of(), "token"));
    }

    @Test
    void shouldReadCookiesLeniently()
    {
        assertEquals("v", HandshakeFields.cookie(List.of("  a = 1 ;flag;b=v;;"), "b"));
        assertEquals("1", HandshakeFields.cookie(List.of("a=1; a=2"), "a"), "the first of a name wins");
        assertEquals("x=y", HandshakeFields.cookie(List.of("a=x=y"), "a"));
        assertNull(HandshakeFields.cookie(List.of("flag"), "flag"), "a pair without '=' is no cookie");
    }

    @Test
    void shouldReadUrlDecodedQueryParameters()
    {
        final String query = "token=a%2Bb%3D&name=J%C3%BCrgen+M&flag&empty=&token=second";
        assertEquals("a+b=", HandshakeFields.queryParameter(query, "token"));
        assertEquals("J\u00fcrgen M", HandshakeFields.queryParameter(query, "name"));
        assertEquals("", HandshakeFields.queryParameter(query, "flag"));
        assertEquals("", HandshakeFields.queryParameter(query, "empty"));
        assertNull(HandshakeFields.queryParameter(query, "missing"));
        assertNull(HandshakeFields.queryParameter(null, "token"));
        assertEquals("ok", HandshakeFields.queryParameter("bad=%zz&good=ok", "good"), "a malformed pair is skipped");
        assertEquals("1", HandshakeFields.queryParameter("a%20b=1", "a b"));
    }
}
