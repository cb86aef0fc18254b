package io.wsmux.codec.http;

/**
 * Every reason {@link UpgradeRequestParser} refuses a request, with the HTTP response that answers it.
 * <p>
 * One table, so each rule is stated once: the parser picks a constant and {@link UpgradeResponseWriter} sends
 * {@link #status()}, {@link #statusText()}, the extra headers the status needs and {@link #reason()} as the body.
 * Immutable and thread safe.
 */
public enum UpgradeRejection
{
    /** RFC 7230 §3.1.1: the request line is not {@code method SP request-target SP HTTP-version}. */
    MALFORMED_REQUEST_LINE(400, "Bad Request", "", "the request line must be 'GET /path HTTP/1.1'"),

    /** RFC 6455 §4.1 and RFC 7230 §5.3.1: the target must be origin-form, a path that starts with '/'. */
    INVALID_REQUEST_TARGET(400, "Bad Request", "", "the request target must be a path that starts with '/'"),

    /**
     * RFC 6455 §4.1 asks for "HTTP/1.1 or higher", but there is no HTTP/1.2 and HTTP/2 and HTTP/3 do not upgrade
     * this way (they use Extended CONNECT, RFC 8441 and RFC 9220), so anything but exactly HTTP/1.1 is refused.
     */
    UNSUPPORTED_HTTP_VERSION(400, "Bad Request", "", "a WebSocket upgrade must be an HTTP/1.1 request"),

    /** RFC 6455 §4.1: "The method of the request MUST be GET". RFC 7231 §6.5.5: a 405 carries Allow. */
    METHOD_NOT_ALLOWED(405, "Method Not Allowed", "Allow: GET\r\n", "only GET can upgrade to a WebSocket"),

    /** RFC 7230 §3.5 lets a server accept a lone LF as a line end; wsmux does not. */
    BARE_LINE_FEED(400, "Bad Request", "", "lines of the request head must end with CRLF"),

    /** RFC 7230 §3.2 and §3.2.4: a header line is {@code token ":" OWS value OWS}, no whitespace before ':'. */
    MALFORMED_HEADER(400, "Bad Request", "", "a header line is not 'name: value' with the colon right after the name"),

    /** RFC 7230 §3.2.4: a server MUST reject obs-fold (or replace it, which wsmux does not). */
    OBSOLETE_LINE_FOLDING(400, "Bad Request", "", "header values must not be folded over several lines"),

    /** RFC 7230 §3.2: a field value holds visible characters, SP, HTAB and obs-text, no other control. */
    INVALID_HEADER_VALUE(400, "Bad Request", "", "a header value contains a control character"),

    /** RFC 6585 §5: the head did not end within the parser's maxHeadLength bytes. */
    HEADER_TOO_LARGE(431, "Request Header Fields Too Large", "", "the request head is too large"),

    /** RFC 6585 §5: the head has more header lines than the parser's maxHeaderCount. */
    TOO_MANY_HEADERS(431, "Request Header Fields Too Large", "", "the request has too many header lines"),

    /** RFC 7230 §5.4: "A server MUST respond with a 400 ... to any HTTP/1.1 request message that lacks a Host". */
    MISSING_HOST(400, "Bad Request", "", "the Host header is required"),

    /** RFC 7230 §5.4 for Host, RFC 6455 §11.3.1 and §11.3.5 for Sec-WebSocket-Key and -Version: at most once. */
    DUPLICATE_HEADER(400, "Bad Request", "",
        "Host, Sec-WebSocket-Key and Sec-WebSocket-Version must each appear only once"),

    /**
     * RFC 6455 §4.2.1 item 3: no {@code websocket} in Upgrade, so this is a plain HTTP request. The server answers
     * 404 instead on a path that serves no WebSocket; {@link UpgradeRequestParser#path()} is still available.
     */
    NOT_WEBSOCKET_UPGRADE(426, "Upgrade Required", "Upgrade: websocket\r\n",
        "this resource is only available as a WebSocket"),

    /** RFC 6455 §4.2.1 item 4: the Connection header must contain the token {@code Upgrade}. */
    MISSING_CONNECTION_UPGRADE(400, "Bad Request", "", "the Connection header must contain 'Upgrade'"),

    /**
     * A GET upgrade carries no body, and the bytes after the head are read as WebSocket frames, so a
     * Transfer-Encoding or a Content-Length other than 0 (RFC 7230 §3.3) is refused rather than misread.
     */
    UNEXPECTED_BODY(400, "Bad Request", "", "a WebSocket upgrade request must not have a body"),

    /** RFC 6455 §4.2.2 item 4: answer an unsupported version with 426 and the versions the server speaks. */
    UNSUPPORTED_WEBSOCKET_VERSION(426, "Upgrade Required", "Sec-WebSocket-Version: 13\r\n",
        "Sec-WebSocket-Version must be 13"),

    /** RFC 6455 §4.1: the key is a base64-encoded 16-byte value, sent once. */
    MISSING_OR_INVALID_KEY(400, "Bad Request", "", "Sec-WebSocket-Key must be the base64 encoding of 16 bytes");

    private final int status;
    private final String statusText;
    private final String responseHeaders;
    private final String reason;

    UpgradeRejection(final int status, final String statusText, final String responseHeaders, final String reason)
    {
        this.status = status;
        this.statusText = statusText;
        this.responseHeaders = responseHeaders;
        this.reason = reason;
    }

    /**
     * HTTP status code of the response.
     *
     * @return a 4xx status code.
     */
    public int status()
    {
        return status;
    }

    /**
     * Reason phrase of the status line, the standard one for {@link #status()}.
     *
     * @return for example "Bad Request".
     */
    public String statusText()
    {
        return statusText;
    }

    /**
     * Human-readable explanation sent as the response body.
     *
     * @return one line of ASCII text, without a line end.
     */
    public String reason()
    {
        return reason;
    }

    /**
     * Header lines this status requires beyond the common ones, each ending in CRLF.
     *
     * @return for example "Allow: GET\r\n", or the empty string.
     */
    String responseHeaders()
    {
        return responseHeaders;
    }
}
