package io.wsmux.codec.sockjs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SockJsPagesTest
{
    // ---- callbacks ----

    @ParameterizedTest
    @ValueSource(strings = {"callback", "a", "A.b_c-1", "_", "jQuery123_456", "x.y.z", "0"})
    void shouldAcceptCallbackNames(final String callback)
    {
        assertTrue(SockJsPages.isValidCallback(callback));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "a b", "abc(", "a;b", "a*", "a/b", "a\"", "a'", "a<", "\u00e9", "a\nb", "a+b",
        "a%28", "a=b", "a[0]"})
    void shouldRefuseCallbacksThatAreNotNames(final String callback)
    {
        assertFalse(SockJsPages.isValidCallback(callback), callback);
    }

    @Test
    void shouldBoundTheCallbackLength()
    {
        assertTrue(SockJsPages.isValidCallback("c".repeat(256)));
        assertFalse(SockJsPages.isValidCallback("c".repeat(257)));
    }

    // ---- iframe paths ----

    @ParameterizedTest
    @ValueSource(strings = {"/iframe.html", "/iframe-.html", "/iframe-a.html", "/iframe-0.1.2.html",
        "/iframe-0.1.2abc-dirty.2144.html", "/iframe_1.html", "/iframe..html", "/iframex.html"})
    void shouldMatchIframePaths(final String path)
    {
        assertTrue(SockJsPages.isIframePath(path), path);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/iframe.htm", "/iframe", "/IFRAME.HTML", "/IFRAME", "/iframe.HTML", "/iframe.xml",
        "/iframe-/.html", "/iframe-A.html", "/iframe-%20.html", "/iframe.html/", "/iframe.html/x", "iframe.html",
        "/xiframe.html", "/iframe html", "/iframe .html", "", "/", "/.html", "/iframe.htmlx"})
    void shouldNotMatchOtherPaths(final String path)
    {
        assertFalse(SockJsPages.isIframePath(path), path);
    }

    // ---- parameters ----

    @Test
    void shouldFindAParameterAmongOthers()
    {
        assertEquals("x", SockJsPages.parameter("c=x", "c"));
        assertEquals("x", SockJsPages.parameter("a=1&c=x&b=2", "c"));
        assertEquals("first", SockJsPages.parameter("c=first&c=second", "c"));
        assertEquals("", SockJsPages.parameter("c", "c"));
        assertEquals("", SockJsPages.parameter("a=1&c=&b", "c"));
        assertEquals("", SockJsPages.parameter("a&c", "c"));
        assertEquals("v=w", SockJsPages.parameter("c=v%3Dw", "c"));
        assertEquals("a=b", SockJsPages.parameter("c=a=b", "c"));
    }

    @Test
    void shouldNotMistakeALongerOrShorterName()
    {
        assertNull(SockJsPages.parameter("cb=x", "c"));
        assertNull(SockJsPages.parameter("xc=x", "c"));
        assertNull(SockJsPages.parameter("=x", "c"));
        assertNull(SockJsPages.parameter("", "c"));
        assertNull(SockJsPages.parameter("&&", "c"));
        assertNull(SockJsPages.parameter(null, "c"));
        assertEquals("y", SockJsPages.parameter("cc=x&c=y", "c"));
    }

    @Test
    void shouldTellAMalformedValueByNull()
    {
        assertNull(SockJsPages.parameter("c=%zz", "c"));
        assertNull(SockJsPages.parameter("c=%4", "c"));
    }

    @Test
    void shouldDecodeComponents()
    {
        assertEquals("abc", SockJsPages.decodeComponent("abc"));
        assertEquals("a b c", SockJsPages.decodeComponent("a+b%20c"));
        assertEquals("AB", SockJsPages.decodeComponent("%41%42"));
        assertEquals("\u00e9\u00e9", SockJsPages.decodeComponent("%c3%a9%C3%A9"));
        assertEquals("\ud83d\ude00", SockJsPages.decodeComponent("%F0%9F%98%80"));
        assertEquals("+%", SockJsPages.decodeComponent("%2B%25"));
        assertEquals("[\"x\"]", SockJsPages.decodeComponent("%5B%22x%22%5D"));
        assertEquals("", SockJsPages.decodeComponent(""));
    }

    @Test
    void shouldKeepUnescapedNonAsciiCharacters()
    {
        assertEquals("\u00e9 \u00e9", SockJsPages.decodeComponent("\u00e9+%C3%A9"));
        assertEquals("\u4e2d\ud83d\ude00!", SockJsPages.decodeComponent("\u4e2d\ud83d\ude00%21"));
        assertEquals("\u00e9", SockJsPages.decodeComponent("\u00e9"));
    }

    @Test
    void shouldReplaceEscapedBytesThatAreNotUtf8()
    {
        assertEquals("a\ufffdb", SockJsPages.decodeComponent("a%FFb"));
        assertEquals("\ufffd", SockJsPages.decodeComponent("%C3"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"%", "%4", "a%4", "100%", "%zz", "%4g", "%g4", "%%41", "%-1"})
    void shouldRefuseMalformedEscapes(final String text)
    {
        assertNull(SockJsPages.decodeComponent(text), text);
    }

    // ---- pages ----

    @Test
    void shouldWriteTheClientUrlIntoTheIframePage()
    {
        final String page = SockJsPages.iframe("https://cdn.example/sockjs.js");

        assertTrue(page.startsWith("<!DOCTYPE html>\n<html>\n<head>\n"), page);
        assertTrue(page.contains("  <script src=\"https://cdn.example/sockjs.js\"></script>\n"), page);
        assertTrue(page.contains("    document.domain = document.domain;\n    SockJS.bootstrap_iframe();\n"), page);
        assertTrue(page.endsWith("</body>\n</html>"), page);
    }

    @Test
    void shouldPadTheHtmlFileHeadPastOneKibibyte()
    {
        for (final String callback : new String[] {"c", "x".repeat(256)})
        {
            final String head = SockJsPages.htmlfileHead(callback);

            assertTrue(head.length() > 1024, "length " + head.length());
            assertTrue(head.contains("var c = parent." + callback + ";\n"));
            assertTrue(head.endsWith("</script>" + " ".repeat(head.length() - head.strip().length() - 4) + "\r\n\r\n"),
                "padding then a blank line");
        }
    }
}
