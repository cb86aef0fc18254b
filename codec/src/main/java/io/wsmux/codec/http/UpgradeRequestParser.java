package io.wsmux.codec.http;

import static io.wsmux.codec.http.HttpSyntax.COLON;
import static io.wsmux.codec.http.HttpSyntax.CR;
import static io.wsmux.codec.http.HttpSyntax.EQUALS;
import static io.wsmux.codec.http.HttpSyntax.LF;
import static io.wsmux.codec.http.HttpSyntax.QUESTION_MARK;
import static io.wsmux.codec.http.HttpSyntax.SLASH;
import static io.wsmux.codec.http.HttpSyntax.SP;
import static io.wsmux.codec.http.HttpSyntax.ascii;
import static io.wsmux.codec.http.HttpSyntax.bytesEqual;
import static io.wsmux.codec.http.HttpSyntax.containsControl;
import static io.wsmux.codec.http.HttpSyntax.equalsIgnoreCase;
import static io.wsmux.codec.http.HttpSyntax.indexOf;
import static io.wsmux.codec.http.HttpSyntax.isBase64;
import static io.wsmux.codec.http.HttpSyntax.isToken;
import static io.wsmux.codec.http.HttpSyntax.isTokenChar;
import static io.wsmux.codec.http.HttpSyntax.isVisible;
import static io.wsmux.codec.http.HttpSyntax.isWhitespace;
import static io.wsmux.codec.http.HttpSyntax.listElementEnd;
import static io.wsmux.codec.http.HttpSyntax.skipWhitespace;
import static io.wsmux.codec.http.HttpSyntax.trimWhitespace;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Incremental parser of the HTTP/1.1 request that opens a WebSocket (RFC 6455 §4.2.1, syntax of RFC 7230).
 * <p>
 * Feed it the bytes of a connection as they arrive, in pieces of any size, with {@link #parse}. It copies them into
 * a head buffer of {@code maxHeadLength} bytes that it owns (the caller's buffer may be reused between calls), checks
 * each line as soon as its CRLF arrives, and stops exactly after the CRLF CRLF that ends the head: bytes after it
 * (frames a client sent early) are left to the caller. Each byte is looked at a bounded number of times, so the work
 * is linear in the length of the head whatever the pieces.
 * <p>
 * Checked as each line arrives, and rejected at once: the request line
 * ({@link UpgradeRejection#MALFORMED_REQUEST_LINE}, {@link UpgradeRejection#INVALID_REQUEST_TARGET},
 * {@link UpgradeRejection#UNSUPPORTED_HTTP_VERSION}, {@link UpgradeRejection#METHOD_NOT_ALLOWED}, in that order),
 * line ends, header syntax and the two limits. Checked when the head is complete, in this order: Host, duplicates,
 * Upgrade, Connection, body, version, key.
 * <p>
 * Line ends must be CRLF. RFC 7230 §3.5 allows a recipient to accept a lone LF; wsmux rejects it with
 * {@link UpgradeRejection#BARE_LINE_FEED} (every WebSocket client sends CRLF, and one line-end rule leaves no
 * ambiguity about where the head ends), and a CR not followed by LF is a control character like any other. Empty
 * lines before the request line are skipped, as RFC 7230 §3.5 recommends; they count towards {@code maxHeadLength}.
 * <p>
 * After {@link #COMPLETE} every accessor is valid. After {@link #REJECTED} the request-line accessors are valid when
 * {@link #hasRequestLine()} is true (so a non-WebSocket request can still be routed by path), and the header
 * accessors show the lines parsed so far. Strings are made lazily, decoding bytes as ISO-8859-1 (so obs-text
 * survives unchanged); paths and queries are not percent-decoded.
 * <p>
 * <b>Note:</b> Not thread safe: owned by one I/O loop and lent to one connection at a time; {@link #reset()} makes it
 * ready for the next. Parsing and resetting allocate nothing; the String and List accessors allocate on first use.
 * Footprint: {@code maxHeadLength} bytes of head plus 20 bytes per allowed header line, about 9.5 KiB at the
 * defaults of 8192 and 64, held by the pool rather than by each connection.
 */
public final class UpgradeRequestParser
{
    /** {@link #state()}: the head has not ended yet; feed more bytes. */
    public static final int NEED_MORE = 0;

    /** {@link #state()}: the head ended and is a valid WebSocket upgrade request. */
    public static final int COMPLETE = 1;

    /** {@link #state()}: the request is refused; {@link #rejection()} says why. */
    public static final int REJECTED = 2;

    private static final byte[] GET = ascii("GET");
    private static final byte[] HTTP_1_1 = ascii("HTTP/1.1");
    private static final byte[] HTTP_1_0 = ascii("HTTP/1.0");
    private static final byte[] WEBSOCKET_TOKEN = ascii("websocket");
    private static final byte[] UPGRADE_TOKEN = ascii("upgrade");
    private static final byte[] VERSION_13 = ascii("13");
    private static final byte[] CONTENT_LENGTH_ZERO = ascii("0");

    /** RFC 6455 §4.1: 16 random bytes in base64 are 22 characters and "==". */
    private static final int KEY_LENGTH = 24;
    private static final int KEY_DATA_LENGTH = 22;

    /** A header line is at least "n:" CRLF, so a head can never hold more lines than this fraction of its bytes. */
    private static final int MIN_HEADER_LINE_LENGTH = 4;

    private static final int HOST = 0;
    private static final int UPGRADE = 1;
    private static final int CONNECTION = 2;
    private static final int SEC_WEBSOCKET_KEY = 3;
    private static final int SEC_WEBSOCKET_VERSION = 4;
    private static final int SEC_WEBSOCKET_PROTOCOL = 5;
    private static final int SEC_WEBSOCKET_EXTENSIONS = 6;
    private static final int ORIGIN = 7;
    private static final int CONTENT_LENGTH = 8;
    private static final int TRANSFER_ENCODING = 9;
    private static final int OTHER = 10;

    /** Lower-case names of the headers the parser acts on, indexed by the ids above. */
    private static final byte[][] KNOWN_NAMES =
    {
        ascii("host"), ascii("upgrade"), ascii("connection"), ascii("sec-websocket-key"),
        ascii("sec-websocket-version"), ascii("sec-websocket-protocol"), ascii("sec-websocket-extensions"),
        ascii("origin"), ascii("content-length"), ascii("transfer-encoding"),
    };

    /** Layout of one header in {@link #headerFields}: five ints. */
    private static final int NAME_OFFSET = 0;
    private static final int NAME_LENGTH = 1;
    private static final int VALUE_OFFSET = 2;
    private static final int VALUE_LENGTH = 3;
    private static final int NAME_ID = 4;
    private static final int HEADER_STRIDE = 5;

    private final int maxHeadLength;
    private final int maxHeaderCount;
    private final byte[] head;
    private final UnsafeBuffer headBuffer;
    private final int[] headerFields;
    private final int[] knownCounts = new int[OTHER + 1];
    private final int[] knownFirstIndex = new int[OTHER + 1];
    private final List<String> subprotocols = new ArrayList<>();
    private final List<String> subprotocolsView = Collections.unmodifiableList(subprotocols);
    private final List<String> extensions = new ArrayList<>();
    private final List<String> extensionsView = Collections.unmodifiableList(extensions);

    private boolean plainHttp;
    private int state;
    private UpgradeRejection rejection;
    private boolean headComplete;
    private boolean http10;
    private UpgradeRejection deferredRejection;
    private int headLength;
    private int scanPosition;
    private int lineStart;
    private int headerCount;
    private boolean hasRequestLine;
    private int methodOffset;
    private int methodLength;
    private int pathOffset;
    private int pathLength;
    private int queryOffset;
    private int queryLength;
    private String method;
    private String path;
    private String query;
    private boolean subprotocolsParsed;
    private boolean extensionsParsed;

    /**
     * Create a parser and the head buffer it owns.
     *
     * @param maxHeadLength  largest head accepted, in bytes, counting the request line and the final CRLF CRLF;
     *                       a longer one is rejected with {@link UpgradeRejection#HEADER_TOO_LARGE}.
     * @param maxHeaderCount most header lines accepted; one more is rejected with
     *                       {@link UpgradeRejection#TOO_MANY_HEADERS}.
     * @throws IllegalArgumentException if either limit is not positive.
     */
    public UpgradeRequestParser(final int maxHeadLength, final int maxHeaderCount)
    {
        if (maxHeadLength <= 0)
        {
            throw new IllegalArgumentException("maxHeadLength must be positive: maxHeadLength=" + maxHeadLength);
        }
        if (maxHeaderCount <= 0)
        {
            throw new IllegalArgumentException("maxHeaderCount must be positive: maxHeaderCount=" + maxHeaderCount);
        }
        this.maxHeadLength = maxHeadLength;
        this.maxHeaderCount = maxHeaderCount;
        this.head = new byte[maxHeadLength];
        this.headBuffer = new UnsafeBuffer(head);
        final int headerCapacity = Math.min(maxHeaderCount, maxHeadLength / MIN_HEADER_LINE_LENGTH);
        this.headerFields = new int[headerCapacity * HEADER_STRIDE];
    }

    /**
     * Forget the previous request so the parser can serve another connection. Allocates nothing.
     *
     * @return this parser.
     */
    public UpgradeRequestParser reset()
    {
        state = NEED_MORE;
        rejection = null;
        headComplete = false;
        http10 = false;
        deferredRejection = null;
        headLength = 0;
        scanPosition = 0;
        lineStart = 0;
        headerCount = 0;
        hasRequestLine = false;
        methodOffset = 0;
        methodLength = 0;
        pathOffset = 0;
        pathLength = 0;
        queryOffset = 0;
        queryLength = 0;
        method = null;
        path = null;
        query = null;
        subprotocols.clear();
        extensions.clear();
        subprotocolsParsed = false;
        extensionsParsed = false;
        Arrays.fill(knownCounts, 0);
        return this;
    }

    /**
     * Read plain HTTP requests too (a server with SockJS endpoints): any method and HTTP/1.0 as well as HTTP/1.1
     * pass the request line, and the head is read to its end before such a request is rejected with
     * {@link UpgradeRejection#METHOD_NOT_ALLOWED} or {@link UpgradeRejection#UNSUPPORTED_HTTP_VERSION}, so that
     * {@link #headComplete()} is true and every accessor valid: the caller may serve it as plain HTTP instead.
     * Without it (the default) such a request is rejected as soon as its request line arrives.
     *
     * @param plainHttp whether to read plain HTTP requests to the end of their head.
     * @return this parser.
     */
    public UpgradeRequestParser plainHttp(final boolean plainHttp)
    {
        this.plainHttp = plainHttp;
        return this;
    }

    /**
     * Whether the whole head was read: always once {@link #COMPLETE}; once {@link #REJECTED}, when the rejection
     * was about what a WebSocket upgrade needs (method, version, Upgrade, Connection, body, key) rather than about
     * the syntax or size of the request, so it may still be served as plain HTTP.
     *
     * @return true when every accessor is valid and {@link #headLength()} ends at the blank line.
     */
    public boolean headComplete()
    {
        return headComplete;
    }

    /**
     * @return true when the request line said HTTP/1.0 (only in {@link #plainHttp(boolean)} mode).
     */
    public boolean isHttp10()
    {
        return http10;
    }

    /**
     * The Content-Length of a plain HTTP request.
     *
     * @return 0 when absent, the value when one or more equal valid values were sent, -1 when a value is not a
     * decimal number below 2^31 or two values differ (RFC 7230 §3.3.2: answer 400).
     */
    public int contentLength()
    {
        int result = 0;
        boolean seen = false;
        for (int i = 0; i < headerCount; i++)
        {
            if (CONTENT_LENGTH == field(i, NAME_ID))
            {
                final int offset = field(i, VALUE_OFFSET);
                final int length = field(i, VALUE_LENGTH);
                if (0 == length || length > 10)
                {
                    return -1;
                }
                long value = 0;
                for (int j = offset; j < offset + length; j++)
                {
                    final int digit = head[j] - '0';
                    if (digit < 0 || digit > 9)
                    {
                        return -1;
                    }
                    value = value * 10 + digit;
                }
                if (value > Integer.MAX_VALUE || (seen && value != result))
                {
                    return -1;
                }
                result = (int)value;
                seen = true;
            }
        }
        return result;
    }

    /**
     * @return true when the request has a Transfer-Encoding header (its body is not delimited by Content-Length).
     */
    public boolean hasTransferEncoding()
    {
        return knownCounts[TRANSFER_ENCODING] > 0;
    }

    /**
     * Consume the next bytes of the connection.
     * <p>
     * While the state is {@link #NEED_MORE} all bytes are consumed. When the head completes, the count stops just
     * after its CRLF CRLF and the rest belongs to the caller. When the request is rejected, all bytes are consumed:
     * nothing more will be parsed and the caller answers and closes. In {@link #COMPLETE} or {@link #REJECTED} state
     * nothing is consumed.
     *
     * @param buffer holding the bytes; only read during the call.
     * @param offset of the first byte in the buffer.
     * @param length of the bytes available.
     * @return how many bytes were consumed.
     */
    public int parse(final DirectBuffer buffer, final int offset, final int length)
    {
        if (NEED_MORE != state)
        {
            return 0;
        }

        final int start = headLength;
        final int copyLength = Math.min(length, maxHeadLength - start);
        buffer.getBytes(offset, head, start, copyLength);
        headLength = start + copyLength;
        scan();

        if (COMPLETE == state || headComplete)
        {
            return headLength - start; // a plain request's body, or early frames, belong to the caller
        }
        if (NEED_MORE == state && headLength == maxHeadLength)
        {
            // The head has not ended within maxHeadLength bytes: whatever comes next, it cannot fit.
            reject(UpgradeRejection.HEADER_TOO_LARGE);
        }

        return length;
    }

    /**
     * Progress of the request.
     *
     * @return {@link #NEED_MORE}, {@link #COMPLETE} or {@link #REJECTED}.
     */
    public int state()
    {
        return state;
    }

    /**
     * Why the request was refused.
     *
     * @return the rejection when the state is {@link #REJECTED}, otherwise null.
     */
    public UpgradeRejection rejection()
    {
        return rejection;
    }

    /**
     * Largest head accepted, in bytes.
     *
     * @return the limit given to the constructor.
     */
    public int maxHeadLength()
    {
        return maxHeadLength;
    }

    /**
     * Most header lines accepted.
     *
     * @return the limit given to the constructor.
     */
    public int maxHeaderCount()
    {
        return maxHeaderCount;
    }

    /**
     * The bytes of the head, into which every offset of this parser points. Only valid until {@link #reset()}.
     *
     * @return a view of the parser's own head buffer; its capacity is {@link #maxHeadLength()}.
     */
    public DirectBuffer headBuffer()
    {
        return headBuffer;
    }

    /**
     * Bytes of the head held so far; once {@link #COMPLETE}, the whole head including the final CRLF CRLF.
     *
     * @return length from offset 0 of {@link #headBuffer()}.
     */
    public int headLength()
    {
        return headLength;
    }

    /**
     * Whether the request line has passed its syntax checks: always once {@link #COMPLETE}; once {@link #REJECTED},
     * unless the rejection came before or during the request line (a malformed line, an invalid target, a bare LF,
     * or a head too large before the line ended). A wrong version or method still leaves the request line readable.
     *
     * @return true when the method, path and query accessors are valid.
     */
    public boolean hasRequestLine()
    {
        return hasRequestLine;
    }

    /**
     * Offset of the method in {@link #headBuffer()}.
     *
     * @return the offset, 0 if {@link #hasRequestLine()} is false.
     */
    public int methodOffset()
    {
        return methodOffset;
    }

    /**
     * Length of the method in {@link #headBuffer()}.
     *
     * @return the length, 0 if {@link #hasRequestLine()} is false.
     */
    public int methodLength()
    {
        return methodLength;
    }

    /**
     * The request method, case preserved.
     *
     * @return for example "GET", or null if {@link #hasRequestLine()} is false.
     */
    public String method()
    {
        if (null == method && hasRequestLine)
        {
            method = string(methodOffset, methodLength);
        }
        return method;
    }

    /**
     * Offset of the path, the request target up to the first '?', in {@link #headBuffer()}.
     *
     * @return the offset, 0 if {@link #hasRequestLine()} is false.
     */
    public int pathOffset()
    {
        return pathOffset;
    }

    /**
     * Length of the path in {@link #headBuffer()}.
     *
     * @return the length, at least 1 when {@link #hasRequestLine()} is true.
     */
    public int pathLength()
    {
        return pathLength;
    }

    /**
     * The path: the request target up to the first '?', not percent-decoded.
     *
     * @return for example "/chat", or null if {@link #hasRequestLine()} is false.
     */
    public String path()
    {
        if (null == path && hasRequestLine)
        {
            path = string(pathOffset, pathLength);
        }
        return path;
    }

    /**
     * Offset of the query, the request target after the first '?', in {@link #headBuffer()}.
     *
     * @return the offset, the end of the path when there is no query.
     */
    public int queryOffset()
    {
        return queryOffset;
    }

    /**
     * Length of the query in {@link #headBuffer()}.
     *
     * @return the length, 0 when there is no query.
     */
    public int queryLength()
    {
        return queryLength;
    }

    /**
     * The query: the request target after the first '?', not percent-decoded.
     *
     * @return for example "a=1&amp;b=2", the empty string if there is none, null if {@link #hasRequestLine()} is false.
     */
    public String query()
    {
        if (null == query && hasRequestLine)
        {
            query = string(queryOffset, queryLength);
        }
        return query;
    }

    /**
     * The Host header.
     *
     * @return its first value, or null if absent.
     */
    public String host()
    {
        return knownValue(HOST);
    }

    /**
     * The Origin header (RFC 6455 §10.2: the server decides whether to accept it).
     *
     * @return its first value, or null if absent.
     */
    public String origin()
    {
        return knownValue(ORIGIN);
    }

    /**
     * Offset of the Sec-WebSocket-Key value in {@link #headBuffer()}, for {@link UpgradeResponseWriter}.
     *
     * @return the offset, 0 if there is no key.
     */
    public int secWebSocketKeyOffset()
    {
        return 0 == knownCounts[SEC_WEBSOCKET_KEY] ? 0 : field(knownFirstIndex[SEC_WEBSOCKET_KEY], VALUE_OFFSET);
    }

    /**
     * Length of the Sec-WebSocket-Key value in {@link #headBuffer()}.
     *
     * @return 24 once {@link #COMPLETE}, 0 if there is no key.
     */
    public int secWebSocketKeyLength()
    {
        return 0 == knownCounts[SEC_WEBSOCKET_KEY] ? 0 : field(knownFirstIndex[SEC_WEBSOCKET_KEY], VALUE_LENGTH);
    }

    /**
     * The Sec-WebSocket-Key header.
     *
     * @return its first value, or null if absent.
     */
    public String secWebSocketKey()
    {
        return knownValue(SEC_WEBSOCKET_KEY);
    }

    /**
     * The subprotocols offered in Sec-WebSocket-Protocol (RFC 6455 §4.1), from every such line, in order.
     *
     * @return the trimmed, non-empty tokens; an unmodifiable list owned by the parser and cleared by reset.
     */
    public List<String> subprotocols()
    {
        if (!subprotocolsParsed)
        {
            collectListElements(SEC_WEBSOCKET_PROTOCOL, subprotocols);
            subprotocolsParsed = true;
        }
        return subprotocolsView;
    }

    /**
     * The extensions offered in Sec-WebSocket-Extensions (RFC 6455 §9.1), from every such line, in order.
     *
     * @return one trimmed element per extension with its parameters, for example
     * "permessage-deflate; client_max_window_bits"; an unmodifiable list owned by the parser and cleared by reset.
     */
    public List<String> extensions()
    {
        if (!extensionsParsed)
        {
            collectListElements(SEC_WEBSOCKET_EXTENSIONS, extensions);
            extensionsParsed = true;
        }
        return extensionsView;
    }

    /**
     * Number of header lines parsed.
     *
     * @return the count, at most {@link #maxHeaderCount()}.
     */
    public int headerCount()
    {
        return headerCount;
    }

    /**
     * Offset of a header name in {@link #headBuffer()}.
     *
     * @param index of the header line, from 0 in arrival order.
     * @return the offset.
     * @throws IndexOutOfBoundsException if index is not below {@link #headerCount()}.
     */
    public int headerNameOffset(final int index)
    {
        return field(Objects.checkIndex(index, headerCount), NAME_OFFSET);
    }

    /**
     * Length of a header name in {@link #headBuffer()}.
     *
     * @param index of the header line, from 0 in arrival order.
     * @return the length.
     * @throws IndexOutOfBoundsException if index is not below {@link #headerCount()}.
     */
    public int headerNameLength(final int index)
    {
        return field(Objects.checkIndex(index, headerCount), NAME_LENGTH);
    }

    /**
     * Offset of a header value, without surrounding whitespace, in {@link #headBuffer()}.
     *
     * @param index of the header line, from 0 in arrival order.
     * @return the offset.
     * @throws IndexOutOfBoundsException if index is not below {@link #headerCount()}.
     */
    public int headerValueOffset(final int index)
    {
        return field(Objects.checkIndex(index, headerCount), VALUE_OFFSET);
    }

    /**
     * Length of a header value, without surrounding whitespace, in {@link #headBuffer()}.
     *
     * @param index of the header line, from 0 in arrival order.
     * @return the length.
     * @throws IndexOutOfBoundsException if index is not below {@link #headerCount()}.
     */
    public int headerValueLength(final int index)
    {
        return field(Objects.checkIndex(index, headerCount), VALUE_LENGTH);
    }

    /**
     * A header name as sent.
     *
     * @param index of the header line, from 0 in arrival order.
     * @return the name, case preserved; a new String.
     * @throws IndexOutOfBoundsException if index is not below {@link #headerCount()}.
     */
    public String headerName(final int index)
    {
        return string(headerNameOffset(index), headerNameLength(index));
    }

    /**
     * A header value without surrounding whitespace.
     *
     * @param index of the header line, from 0 in arrival order.
     * @return the value; a new String.
     * @throws IndexOutOfBoundsException if index is not below {@link #headerCount()}.
     */
    public String headerValue(final int index)
    {
        return string(headerValueOffset(index), headerValueLength(index));
    }

    /**
     * The first value of a header, the name compared case-insensitively.
     *
     * @param name of the header, for example "Cookie".
     * @return the value, or null if no such header was sent.
     */
    public String header(final String name)
    {
        for (int i = 0; i < headerCount; i++)
        {
            if (nameEquals(i, name))
            {
                return headerValue(i);
            }
        }
        return null;
    }

    /**
     * Every value of a header, the name compared case-insensitively.
     *
     * @param name of the header, for example "Cookie".
     * @return a new list of the values in arrival order, empty if no such header was sent.
     */
    public List<String> headers(final String name)
    {
        final List<String> values = new ArrayList<>();
        for (int i = 0; i < headerCount; i++)
        {
            if (nameEquals(i, name))
            {
                values.add(headerValue(i));
            }
        }
        return values;
    }

    private void scan()
    {
        final byte[] head = this.head;
        final int limit = headLength;
        int position = scanPosition;
        while (position < limit && NEED_MORE == state)
        {
            if (LF == head[position])
            {
                onLine(position);
            }
            position++;
        }
        scanPosition = position;
    }

    private void onLine(final int lineFeedIndex)
    {
        final int start = lineStart;
        lineStart = lineFeedIndex + 1;

        if (lineFeedIndex == start || CR != head[lineFeedIndex - 1])
        {
            reject(UpgradeRejection.BARE_LINE_FEED);
            return;
        }

        final int end = lineFeedIndex - 1;
        if (!hasRequestLine)
        {
            // RFC 7230 §3.5: a server SHOULD ignore at least one empty line received prior to the request-line.
            if (end > start)
            {
                parseRequestLine(start, end);
            }
        }
        else if (end > start)
        {
            parseHeaderLine(start, end);
        }
        else
        {
            headLength = lineFeedIndex + 1;
            headComplete = true;
            rejection = null != deferredRejection ? deferredRejection : validate();
            state = null == rejection ? COMPLETE : REJECTED;
        }
    }

    private void parseRequestLine(final int start, final int end)
    {
        // RFC 7230 §3.1.1: request-line = method SP request-target SP HTTP-version CRLF, single spaces.
        final int methodEnd = indexOf(head, SP, start, end);
        final int targetEnd = methodEnd < 0 ? -1 : indexOf(head, SP, methodEnd + 1, end);
        if (targetEnd < 0 ||
            targetEnd == methodEnd + 1 ||
            targetEnd + 1 == end ||
            indexOf(head, SP, targetEnd + 1, end) >= 0 ||
            !isToken(head, start, methodEnd))
        {
            reject(UpgradeRejection.MALFORMED_REQUEST_LINE);
            return;
        }

        // RFC 6455 §4.1 sends the resource name in origin-form; RFC 7230 §5.3.1: it starts with '/'.
        final int targetStart = methodEnd + 1;
        if (SLASH != head[targetStart] || !isVisible(head, targetStart, targetEnd))
        {
            reject(UpgradeRejection.INVALID_REQUEST_TARGET);
            return;
        }

        final int questionMark = indexOf(head, QUESTION_MARK, targetStart, targetEnd);
        methodOffset = start;
        methodLength = methodEnd - start;
        pathOffset = targetStart;
        pathLength = (questionMark < 0 ? targetEnd : questionMark) - targetStart;
        queryOffset = questionMark < 0 ? targetEnd : questionMark + 1;
        queryLength = targetEnd - queryOffset;
        hasRequestLine = true;

        final boolean http11 = bytesEqual(head, targetEnd + 1, end - targetEnd - 1, HTTP_1_1);
        if (plainHttp && (http11 || bytesEqual(head, targetEnd + 1, end - targetEnd - 1, HTTP_1_0)))
        {
            // Read to the end of the head; a plain request is refused as an upgrade only then (validate()).
            http10 = !http11;
            if (!bytesEqual(head, start, methodLength, GET))
            {
                deferredRejection = UpgradeRejection.METHOD_NOT_ALLOWED;
            }
            else if (http10)
            {
                deferredRejection = UpgradeRejection.UNSUPPORTED_HTTP_VERSION;
            }
        }
        else if (!http11)
        {
            reject(UpgradeRejection.UNSUPPORTED_HTTP_VERSION);
        }
        else if (!bytesEqual(head, start, methodLength, GET))
        {
            // RFC 7230 §3.1.1: the method is case-sensitive, so "get" is not GET.
            reject(UpgradeRejection.METHOD_NOT_ALLOWED);
        }
    }

    private void parseHeaderLine(final int start, final int end)
    {
        // RFC 7230 §3.2.4: a line that starts with whitespace continues the previous value (obs-fold), and §3
        // forbids whitespace between the request line and the first header: reject both.
        if (isWhitespace(head[start]))
        {
            reject(UpgradeRejection.OBSOLETE_LINE_FOLDING);
            return;
        }
        if (headerCount == maxHeaderCount)
        {
            reject(UpgradeRejection.TOO_MANY_HEADERS);
            return;
        }

        // RFC 7230 §3.2.4: "No whitespace is allowed between the header field-name and colon" (400 if present).
        int nameEnd = start;
        while (nameEnd < end && isTokenChar(head[nameEnd]))
        {
            nameEnd++;
        }
        if (nameEnd == start || nameEnd == end || COLON != head[nameEnd])
        {
            reject(UpgradeRejection.MALFORMED_HEADER);
            return;
        }

        final int valueStart = skipWhitespace(head, nameEnd + 1, end);
        final int valueEnd = trimWhitespace(head, valueStart, end);
        if (containsControl(head, valueStart, valueEnd))
        {
            reject(UpgradeRejection.INVALID_HEADER_VALUE);
            return;
        }

        final int nameLength = nameEnd - start;
        final int nameId = knownNameId(start, nameLength);
        final int base = headerCount * HEADER_STRIDE;
        headerFields[base + NAME_OFFSET] = start;
        headerFields[base + NAME_LENGTH] = nameLength;
        headerFields[base + VALUE_OFFSET] = valueStart;
        headerFields[base + VALUE_LENGTH] = valueEnd - valueStart;
        headerFields[base + NAME_ID] = nameId;
        if (0 == knownCounts[nameId])
        {
            knownFirstIndex[nameId] = headerCount;
        }
        knownCounts[nameId]++;
        headerCount++;
    }

    private UpgradeRejection validate()
    {
        if (0 == knownCounts[HOST])
        {
            return UpgradeRejection.MISSING_HOST;
        }
        if (knownCounts[HOST] > 1 || knownCounts[SEC_WEBSOCKET_KEY] > 1 || knownCounts[SEC_WEBSOCKET_VERSION] > 1)
        {
            return UpgradeRejection.DUPLICATE_HEADER;
        }
        // RFC 6455 §4.2.1 items 3 and 4: tokens in comma-separated lists, compared case-insensitively.
        if (!listContains(UPGRADE, WEBSOCKET_TOKEN))
        {
            return UpgradeRejection.NOT_WEBSOCKET_UPGRADE;
        }
        if (!listContains(CONNECTION, UPGRADE_TOKEN))
        {
            return UpgradeRejection.MISSING_CONNECTION_UPGRADE;
        }
        if (knownCounts[TRANSFER_ENCODING] > 0 || !allValuesEqual(CONTENT_LENGTH, CONTENT_LENGTH_ZERO))
        {
            return UpgradeRejection.UNEXPECTED_BODY;
        }
        // RFC 6455 §4.2.1 item 6: "a |Sec-WebSocket-Version| header field, with a value of 13".
        if (0 == knownCounts[SEC_WEBSOCKET_VERSION] || !valueEquals(knownFirstIndex[SEC_WEBSOCKET_VERSION], VERSION_13))
        {
            return UpgradeRejection.UNSUPPORTED_WEBSOCKET_VERSION;
        }
        if (0 == knownCounts[SEC_WEBSOCKET_KEY] || !isValidKey(knownFirstIndex[SEC_WEBSOCKET_KEY]))
        {
            return UpgradeRejection.MISSING_OR_INVALID_KEY;
        }
        return null;
    }

    /**
     * RFC 6455 §4.2.1 item 5: base64 that decodes to 16 bytes, i.e. 22 alphabet characters then "==". Pad bits in
     * the last character are not required to be zero, as RFC 4648 §3.5 allows decoders to ignore them.
     */
    private boolean isValidKey(final int index)
    {
        final int offset = field(index, VALUE_OFFSET);
        return KEY_LENGTH == field(index, VALUE_LENGTH) &&
            isBase64(head, offset, offset + KEY_DATA_LENGTH) &&
            EQUALS == head[offset + KEY_DATA_LENGTH] &&
            EQUALS == head[offset + KEY_DATA_LENGTH + 1];
    }

    private boolean listContains(final int nameId, final byte[] lowerCaseToken)
    {
        for (int i = 0; i < headerCount; i++)
        {
            if (nameId == field(i, NAME_ID))
            {
                final int end = field(i, VALUE_OFFSET) + field(i, VALUE_LENGTH);
                int position = field(i, VALUE_OFFSET);
                while (position <= end)
                {
                    final int elementEnd = listElementEnd(head, position, end);
                    final int first = skipWhitespace(head, position, elementEnd);
                    final int last = trimWhitespace(head, first, elementEnd);
                    if (equalsIgnoreCase(head, first, last - first, lowerCaseToken))
                    {
                        return true;
                    }
                    position = elementEnd + 1;
                }
            }
        }
        return false;
    }

    private void collectListElements(final int nameId, final List<String> elements)
    {
        for (int i = 0; i < headerCount; i++)
        {
            if (nameId == field(i, NAME_ID))
            {
                final int end = field(i, VALUE_OFFSET) + field(i, VALUE_LENGTH);
                int position = field(i, VALUE_OFFSET);
                while (position <= end)
                {
                    final int elementEnd = listElementEnd(head, position, end);
                    final int first = skipWhitespace(head, position, elementEnd);
                    final int last = trimWhitespace(head, first, elementEnd);
                    // RFC 7230 §7: a recipient MUST accept and ignore empty list elements.
                    if (last > first)
                    {
                        elements.add(string(first, last - first));
                    }
                    position = elementEnd + 1;
                }
            }
        }
    }

    private boolean allValuesEqual(final int nameId, final byte[] expected)
    {
        for (int i = 0; i < headerCount; i++)
        {
            if (nameId == field(i, NAME_ID) && !valueEquals(i, expected))
            {
                return false;
            }
        }
        return true;
    }

    private boolean valueEquals(final int index, final byte[] expected)
    {
        return bytesEqual(head, field(index, VALUE_OFFSET), field(index, VALUE_LENGTH), expected);
    }

    private int knownNameId(final int offset, final int length)
    {
        for (int id = 0; id < KNOWN_NAMES.length; id++)
        {
            if (equalsIgnoreCase(head, offset, length, KNOWN_NAMES[id]))
            {
                return id;
            }
        }
        return OTHER;
    }

    private String knownValue(final int nameId)
    {
        return 0 == knownCounts[nameId] ? null : headerValue(knownFirstIndex[nameId]);
    }

    private boolean nameEquals(final int index, final String name)
    {
        return equalsIgnoreCase(head, field(index, NAME_OFFSET), field(index, NAME_LENGTH), name);
    }

    private int field(final int index, final int field)
    {
        return headerFields[index * HEADER_STRIDE + field];
    }

    private void reject(final UpgradeRejection rejection)
    {
        this.rejection = rejection;
        state = REJECTED;
    }

    private String string(final int offset, final int length)
    {
        return new String(head, offset, length, StandardCharsets.ISO_8859_1);
    }
}
