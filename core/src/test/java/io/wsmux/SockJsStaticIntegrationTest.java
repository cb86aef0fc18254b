package io.wsmux;

import static io.wsmux.SockJsHttpClient.newSessionId;
import static io.wsmux.SockJsHttpClient.once;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.wsmux.SockJsHttpClient.Response;
import io.wsmux.codec.sockjs.SockJsPages;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The SockJS URLs that are not sessions: the greeting, {@code /info}, the iframe page, CORS preflights, and what
 * every other path and method gets (404, 405), on {@link Main#sockJsTestServer}.
 */
@Timeout(30)
class SockJsStaticIntegrationTest
{
    static final String NO_CACHE = "no-store, no-cache, no-transform, must-revalidate, max-age=0";
    private static final Pattern INFO = Pattern.compile(
        "\\{\"websocket\":(true|false),\"origins\":\\[\"\\*:\\*\"],\"cookie_needed\":(true|false),\"entropy\":(\\d+)}");

    private static final Pattern IMF_FIXDATE =
        Pattern.compile("(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \\d{2} [A-Z][a-z]{2} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT");

    private static WsmuxServer server;
    private static int port;

    @BeforeAll
    static void startServer() throws Exception
    {
        server = SockJsHttpClient.start(SockJsHttpClient.testSettings());
        port = server.port();
    }

    @AfterAll
    static void stopServer()
    {
        if (null != server)
        {
            server.close();
        }
    }

    // ---- greeting ----

    @ParameterizedTest
    @ValueSource(strings = {"/echo", "/echo/", "/cookie_needed_echo", "/close/"})
    void shouldGreetOnThePrefixWithAndWithoutSlash(final String path) throws Exception
    {
        final Response response = once(port, "GET", path, null);

        assertEquals(200, response.status(), response.toString());
        assertEquals("text/plain; charset=UTF-8", response.header("Content-Type"));
        assertEquals("Welcome to SockJS!\n", response.bodyText());
        assertEquals("19", response.header("Content-Length"));
        assertNull(response.header("Set-Cookie"), "no cookie on the greeting, even where cookies are needed");
    }

    @ParameterizedTest
    @ValueSource(strings = {"POST", "PUT", "DELETE", "OPTIONS"})
    void shouldRefuseOtherMethodsOnTheGreetingWith405(final String method) throws Exception
    {
        final Response response = once(port, method, "/echo", "POST".equals(method) ? "" : null);

        assertMethodNotAllowed(response, "GET");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/echo/a", "/echo/a.html", "/echo//", "/echo///", "/echo/a/a", "/echo/a/a/", "/echo/a/",
        "/echo/info/", "/echo/INFO", "/echo/websocket/", "/echo/a/a/a/a", "/echo/a/a/xhr/"})
    void shouldAnswer404ForUnknownPaths(final String path) throws Exception
    {
        final Response response = once(port, "GET", path, null);

        assertEquals(404, response.status(), path + " -> " + response);
        assertNull(response.header("Set-Cookie"));
    }

    // ---- iframe ----

    @ParameterizedTest
    @ValueSource(strings = {"/iframe.html", "/iframe-a.html", "/iframe-.html", "/iframe-0.1.2.html",
        "/iframe-0.1.2abc-dirty.2144.html", "/iframe.html?t=1234", "/iframe-0.1.2.html?t=123414"})
    void shouldServeTheIframePageWithCacheHeadersAndAStableEtag(final String path) throws Exception
    {
        final Response response = once(port, "GET", "/echo" + path, null);
        final Response again = once(port, "GET", "/echo" + path, null);

        assertEquals(200, response.status(), response.toString());
        assertEquals("text/html; charset=UTF-8", response.header("Content-Type"));
        assertEquals("public, max-age=31536000", response.header("Cache-Control"));
        assertFutureDate(response.header("Expires"));
        assertNull(response.header("Last-Modified"));
        assertNull(response.header("Set-Cookie"));
        final String etag = response.header("ETag");
        assertNotNull(etag);
        assertTrue(etag.startsWith("\"") && etag.endsWith("\""), "a quoted entity tag: " + etag);
        assertEquals(etag, again.header("ETag"));
        assertEquals(SockJsPages.iframe("/sockjs.min.js"), response.bodyText());
        assertEquals(Integer.toString(response.body().length), response.header("Content-Length"));
        assertArrayEquals(response.body(), again.body());
    }

    @Test
    void shouldServeTheIframePageWithoutCookieOnACookieEndpoint() throws Exception
    {
        final Response response = once(port, "GET", "/cookie_needed_echo/iframe.html", null,
            "Cookie: JSESSIONID=abc");

        assertEquals(200, response.status());
        assertNull(response.header("Set-Cookie"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/iframe.htm", "/iframe", "/IFRAME.HTML", "/IFRAME", "/iframe.HTML", "/iframe.xml",
        "/iframe-/.html", "/iframe-A.html", "/iframe-%20.html", "/iframe.html/x", "/iframeX.html.x",
        "/iframe.html.htm"})
    void shouldAnswer404ForPathsThatAreNotTheIframePage(final String path) throws Exception
    {
        final Response response = once(port, "GET", "/echo" + path, null);

        assertEquals(404, response.status(), path + " -> " + response);
    }

    @Test
    void shouldAnswer304WhenIfNoneMatchCarriesTheEtag() throws Exception
    {
        final String etag = once(port, "GET", "/echo/iframe.html", null).header("ETag");

        final Response response = once(port, "GET", "/echo/iframe.html", null, "If-None-Match: " + etag);

        assertEquals(304, response.status(), response.toString());
        assertNull(response.header("Content-Type"));
        assertEquals(0, response.body().length);
        assertEquals("public, max-age=31536000", response.header("Cache-Control"));
        assertFutureDate(response.header("Expires"));
        assertTrue(null == response.header("Content-Length") || "0".equals(response.header("Content-Length")));
    }

    @Test
    void shouldServeThePageWhenIfNoneMatchDiffers() throws Exception
    {
        final Response response = once(port, "GET", "/echo/iframe.html", null, "If-None-Match: \"not-it\"");

        assertEquals(200, response.status());
        assertEquals(SockJsPages.iframe("/sockjs.min.js"), response.bodyText());
    }

    @Test
    void shouldRefusePostToTheIframePage() throws Exception
    {
        assertMethodNotAllowed(once(port, "POST", "/echo/iframe.html", ""), "GET");
    }

    // ---- /info ----

    @Test
    void shouldDescribeTheEndpointOnInfoWithoutOrigin() throws Exception
    {
        final Response response = once(port, "GET", "/echo/info", null);

        assertEquals(200, response.status(), response.toString());
        assertEquals("application/json; charset=UTF-8", response.header("Content-Type"));
        assertEquals(NO_CACHE, response.header("Cache-Control"));
        assertNull(response.header("Expires"));
        assertNull(response.header("Last-Modified"));
        assertNull(response.header("Set-Cookie"));
        assertEquals("*", response.header("Access-Control-Allow-Origin"));
        assertNull(response.header("Access-Control-Allow-Credentials"));
        final Matcher info = INFO.matcher(response.bodyText());
        assertTrue(info.matches(), response.bodyText());
        assertEquals("true", info.group(1));
        assertEquals("false", info.group(2));
        assertTrue(Long.parseLong(info.group(3)) < (1L << 32), "entropy is a 32-bit integer: " + info.group(3));
    }

    @Test
    void shouldEchoOriginWithCredentialsOnInfo() throws Exception
    {
        final Response response = once(port, "GET", "/echo/info", null, "Origin: test");
        final Response nullOrigin = once(port, "GET", "/echo/info", null, "Origin: null");

        assertEquals("test", response.header("Access-Control-Allow-Origin"));
        assertEquals("true", response.header("Access-Control-Allow-Credentials"));
        assertEquals("null", nullOrigin.header("Access-Control-Allow-Origin"));
        assertEquals("true", nullOrigin.header("Access-Control-Allow-Credentials"));
    }

    @Test
    void shouldSendDifferentEntropyOnEachInfo() throws Exception
    {
        final Matcher first = INFO.matcher(once(port, "GET", "/echo/info", null).bodyText());
        final Matcher second = INFO.matcher(once(port, "GET", "/echo/info", null).bodyText());

        assertTrue(first.matches() && second.matches());
        assertNotEquals(first.group(3), second.group(3));
    }

    @Test
    void shouldSayWebSocketIsOffOnTheDisabledEndpoint() throws Exception
    {
        final Matcher info = INFO.matcher(once(port, "GET", "/disabled_websocket_echo/info", null).bodyText());

        assertTrue(info.matches());
        assertEquals("false", info.group(1));
        assertEquals("false", info.group(2));
    }

    @Test
    void shouldSayCookieNeededWithoutSettingACookieOnInfo() throws Exception
    {
        final Response response = once(port, "GET", "/cookie_needed_echo/info", null, "Cookie: JSESSIONID=abc");
        final Matcher info = INFO.matcher(response.bodyText());

        assertTrue(info.matches());
        assertEquals("true", info.group(1));
        assertEquals("true", info.group(2));
        assertNull(response.header("Set-Cookie"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"POST", "PUT", "DELETE"})
    void shouldRefuseOtherMethodsOnInfo(final String method) throws Exception
    {
        assertMethodNotAllowed(once(port, method, "/echo/info", ""), "OPTIONS, GET");
    }

    // ---- OPTIONS ----

    @Test
    void shouldAnswerInfoPreflightWithCorsAndCacheHeaders() throws Exception
    {
        final Response response = once(port, "OPTIONS", "/echo/info", null, "Origin: test",
            "Access-Control-Request-Method: GET", "Access-Control-Request-Headers: a, b, c");

        assertPreflight(response, "OPTIONS, GET");
        assertEquals("test", response.header("Access-Control-Allow-Origin"));
        assertEquals("true", response.header("Access-Control-Allow-Credentials"));
        assertEquals("a, b, c", response.header("Access-Control-Allow-Headers"));
    }

    @Test
    void shouldAnswerPreflightWithNullOrigin() throws Exception
    {
        final Response response = once(port, "OPTIONS", "/echo/info", null, "Origin: null",
            "Access-Control-Request-Method: POST");

        assertPreflight(response, "OPTIONS, GET");
        assertEquals("null", response.header("Access-Control-Allow-Origin"));
        assertEquals("true", response.header("Access-Control-Allow-Credentials"));
        assertNull(response.header("Access-Control-Allow-Headers"));
    }

    @Test
    void shouldAnswerPreflightWithoutOriginWithStar() throws Exception
    {
        final Response response = once(port, "OPTIONS", "/echo/info", null, "Access-Control-Request-Headers: ");

        assertPreflight(response, "OPTIONS, GET");
        assertEquals("*", response.header("Access-Control-Allow-Origin"));
        assertNull(response.header("Access-Control-Allow-Credentials"));
        final String allowHeaders = response.header("Access-Control-Allow-Headers");
        assertTrue(null == allowHeaders || allowHeaders.isEmpty(), "empty request headers echo nothing");
    }

    @ParameterizedTest
    @ValueSource(strings = {"xhr", "xhr_send", "xhr_streaming"})
    void shouldAnswerPreflightOnXhrTransports(final String transport) throws Exception
    {
        final Response response = once(port, "OPTIONS", "/echo/abc/" + newSessionId() + "/" + transport, null,
            "Origin: test", "Access-Control-Request-Headers: X-Requested-With, Content-Type");

        assertPreflight(response, "OPTIONS, POST");
        assertEquals("test", response.header("Access-Control-Allow-Origin"));
        assertEquals("X-Requested-With, Content-Type", response.header("Access-Control-Allow-Headers"));
    }

    @Test
    void shouldNotCreateASessionOnPreflight() throws Exception
    {
        final String session = newSessionId();
        once(port, "OPTIONS", "/echo/abc/" + session + "/xhr", null);

        final Response send = once(port, "POST", "/echo/abc/" + session + "/xhr_send", "[\"x\"]");

        assertEquals(404, send.status(), send.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"eventsource", "htmlfile", "jsonp"})
    void shouldRefusePreflightOnGetTransports(final String transport) throws Exception
    {
        assertMethodNotAllowed(once(port, "OPTIONS", "/echo/a/" + newSessionId() + "/" + transport, null), "GET");
    }

    @Test
    void shouldRefusePreflightOnJsonpSend() throws Exception
    {
        assertMethodNotAllowed(once(port, "OPTIONS", "/echo/a/" + newSessionId() + "/jsonp_send", null), "POST");
    }

    // ---- 405 and invalid session URLs ----

    @ParameterizedTest
    @ValueSource(strings = {"GET xhr", "GET xhr_streaming", "GET xhr_send", "PUT xhr", "POST eventsource",
        "POST htmlfile", "POST jsonp", "GET jsonp_send", "POST websocket", "PUT websocket", "DELETE xhr_send"})
    void shouldAnswer405WithAllowAndAnEmptyBody(final String methodAndTransport) throws Exception
    {
        final String method = methodAndTransport.substring(0, methodAndTransport.indexOf(' '));
        final String transport = methodAndTransport.substring(method.length() + 1);
        final boolean hasBody = !"GET".equals(method);

        final Response response = once(port, method, "/echo/a/" + newSessionId() + "/" + transport,
            hasBody ? "" : null);

        final String expected = switch (transport)
        {
            case "xhr", "xhr_streaming", "xhr_send" -> "OPTIONS, POST";
            case "jsonp_send" -> "POST";
            default -> "GET";
        };
        assertMethodNotAllowed(response, expected);
    }

    @Test
    void shouldAnswer405ToPostOnWebSocketEvenWithUpgradeHeaders() throws Exception
    {
        final Response response = once(port, "POST", "/echo/0/0/websocket", "",
            "Upgrade: WebSocket", "Connection: Upgrade");

        assertMethodNotAllowed(response, "GET");
    }

    @ParameterizedTest
    @ValueSource(strings = {"//xhr", "/a./a/xhr", "/a/a./xhr", "/./././xhr", "/./xhr", "/xhr", "///xhr",
        "/a/a/xhr/x", "/a/.a/xhr", "/a/a/nope", "/a/a/XHR", "/a/a/", "/a//xhr"})
    void shouldAnswer404ForInvalidSessionUrlsOnGetAndPost(final String path) throws Exception
    {
        final Response get = once(port, "GET", "/echo" + path, null);
        final Response post = once(port, "POST", "/echo" + path, "");

        assertEquals(404, get.status(), "GET " + path + " -> " + get);
        assertEquals(404, post.status(), "POST " + path + " -> " + post);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/a/a123", "/_/_1", "/1/1", "/abcdefgh_i-j%20/abcdefg_i-j%20123", "/-/-",
        "/x/\u00e9t\u00e9"})
    void shouldAcceptAnyServerAndSessionWithoutDotsOrSlashes(final String path) throws Exception
    {
        final String unique = path + newSessionId();
        final Response response = once(port, "POST", "/echo" + unique.replace("\u00e9", "%C3%A9") + "/xhr", "");

        assertEquals(200, response.status(), response.toString());
        assertEquals("o\n", response.bodyText());
    }

    static void assertMethodNotAllowed(final Response response, final String allow)
    {
        assertEquals(405, response.status(), response.toString());
        assertEquals(allow, response.header("Allow"));
        assertNull(response.header("Content-Type"), response.toString());
        assertEquals(0, response.body().length);
    }

    private static void assertPreflight(final Response response, final String methods)
    {
        assertEquals(204, response.status(), response.toString());
        assertEquals("public, max-age=31536000", response.header("Cache-Control"));
        assertFutureDate(response.header("Expires"));
        assertEquals(methods, response.header("Access-Control-Allow-Methods"));
        final String maxAge = response.header("Access-Control-Max-Age");
        assertNotNull(maxAge);
        assertTrue(Long.parseLong(maxAge) > 1_000_000, maxAge);
        assertNull(response.header("Content-Type"));
        assertNull(response.header("Set-Cookie"));
        assertFalse(response.isChunked());
        assertEquals(0, response.body().length);
    }

    static void assertFutureDate(final String httpDate)
    {
        assertNotNull(httpDate, "Expires");
        // RFC 7231 §7.1.1.1: IMF-fixdate, a two-digit day ("Fri, 03 Dec 2027 02:20:16 GMT").
        assertTrue(IMF_FIXDATE.matcher(httpDate).matches(), "not an IMF-fixdate: " + httpDate);
        final ZonedDateTime expires = ZonedDateTime.parse(httpDate, DateTimeFormatter.RFC_1123_DATE_TIME);
        assertTrue(expires.isAfter(ZonedDateTime.now().plusDays(300)), "about a year ahead: " + httpDate);
    }
}
