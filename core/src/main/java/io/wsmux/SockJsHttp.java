package io.wsmux;

import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

import io.wsmux.codec.http.UpgradeRejection;
import io.wsmux.codec.http.UpgradeRequestParser;
import io.wsmux.codec.sockjs.SockJsJson;
import io.wsmux.codec.sockjs.SockJsPages;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * HTTP/1.1 for SockJS on a {@link WsConnection}: keep-alive requests one after the other, request bodies up to
 * {@code wsmux.sockjs.max.body.length}, and the SockJS routes under an endpoint's prefix. While it answers a
 * receiver request (a poll, a streaming transport) it is the session's {@link SockJsReceiver}.
 * <p>
 * The request head is read by the connection's pooled parser, held only while a request is being read and answered
 * (an open streaming response holds none). A request for a session that lives on another loop is handed to that
 * loop with its socket ({@code IoLoop.handOff}), so every session runs on one thread.
 */
final class SockJsHttp implements SockJsReceiver
{
    private static final int HEAD = 0;
    private static final int BODY = 1;
    private static final int RESPONDING = 2;
    private static final int CLOSING = 3;

    private static final int XHR = 1;
    private static final int XHR_STREAMING = 2;
    private static final int EVENTSOURCE = 3;
    private static final int HTMLFILE = 4;
    private static final int JSONP = 5;
    private static final int XHR_SEND = 6;
    private static final int JSONP_SEND = 7;

    private static final String NO_CACHE =
        "Cache-Control: no-store, no-cache, no-transform, must-revalidate, max-age=0\r\n";
    private static final String CACHE_ONE_YEAR = "Cache-Control: public, max-age=31536000\r\n";
    private static final String TEXT_PLAIN = "text/plain; charset=UTF-8";
    private static final String JAVASCRIPT = "application/javascript; charset=UTF-8";
    private static final int PRELUDE_LENGTH = 2048;
    private static final byte[] XHR_PRELUDE = xhrPrelude();
    private static final byte[] CRLF = {'\r', '\n'};
    /**
     * RFC 7231 §7.1.1.1 IMF-fixdate: a two-digit day ("Fri, 03 Dec 2027 02:20:16 GMT"). The JDK's
     * RFC_1123_DATE_TIME writes days 1 to 9 with one digit, which is RFC 1123 but not an HTTP date.
     */
    private static final DateTimeFormatter HTTP_DATE =
        DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US);
    private static final UnsafeBuffer LAST_CHUNK =
        new UnsafeBuffer("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));

    private final WsConnection connection;
    private final LoopContext context;
    private int phase = HEAD;
    private boolean headReady;

    // the current request
    private SockJsEndpoint endpoint;
    private boolean keepAlive;
    /** The request has a body not read (yet): answered without reading it, the connection cannot be kept. */
    private boolean unreadBody;
    /** Inside {@link SockJsSession#attach}: the handler's onOpen may still read the request. */
    private boolean attaching;
    private int transport;
    private String sessionId;
    private String callback;
    /** The request's Origin and JSESSIONID, kept: a waiting poll is answered after its parser went back to the pool. */
    private String origin;
    private String sessionCookie;
    private UnsafeBuffer body;
    private int bodyLength;
    private int bodyReceived;

    // as a receiver
    private SockJsSession session;
    private boolean chunked;
    private int responseBytes;

    SockJsHttp(final WsConnection connection, final LoopContext context)
    {
        this.connection = connection;
        this.context = context;
    }

    /**
     * Bytes of the connection: the head the connection's parser has just completed (headReady), then what follows.
     */
    void onRead(
        final MutableDirectBuffer buffer, final int offset, final int length, final long nowNs, final boolean head)
    {
        headReady |= head;
        int position = offset;
        final int end = offset + length;
        while (true)
        {
            switch (phase)
            {
                case HEAD:
                    if (!headReady)
                    {
                        if (position == end)
                        {
                            return;
                        }
                        if (connection.queuedBytes() > context.outboundBudget)
                        {
                            // Requests sent without reading the answers: past the budget, stop and close.
                            context.slowConsumerCloses++;
                            close();
                            return;
                        }
                        UpgradeRequestParser parser = connection.parser();
                        if (null == parser)
                        {
                            parser = connection.acquireHttpParser();
                            if (null == parser)
                            {
                                fail(503, "Service Unavailable", "too many requests in progress: try again");
                                return;
                            }
                            connection.httpDeadline(nowNs + context.handshakeTimeoutNs);
                        }
                        position += parser.parse(buffer, position, end - position);
                        if (UpgradeRequestParser.NEED_MORE == parser.state())
                        {
                            return;
                        }
                        if (UpgradeRequestParser.REJECTED == parser.state() && !parser.headComplete())
                        {
                            reject(parser.rejection());
                            return;
                        }
                    }
                    headReady = false;
                    final int handled = onHead(buffer, position, end, nowNs);
                    if (handled < 0)
                    {
                        return; // upgraded to a WebSocket, handed to another loop, or closing
                    }
                    position = handled;
                    break;

                case BODY:
                    final int take = Math.min(end - position, bodyLength - bodyReceived);
                    body.putBytes(bodyReceived, buffer, position, take);
                    bodyReceived += take;
                    position += take;
                    if (bodyReceived < bodyLength)
                    {
                        return;
                    }
                    final UnsafeBuffer whole = body;
                    releaseBody();
                    onBody(whole, 0, bodyLength);
                    break;

                default:
                    // RESPONDING: a client that sends its next request before this answer ends (pipelining) is not
                    // served: the connection closes once the answer is written. CLOSING: nothing more is read.
                    if (position < end)
                    {
                        keepAlive = false;
                    }
                    return;
            }
        }
    }

    /**
     * @return where the next request starts in the buffer, or -1 when this connection is done with it.
     */
    private int onHead(final MutableDirectBuffer buffer, final int position, final int end, final long nowNs)
    {
        final UpgradeRequestParser parser = connection.parser();
        context.httpRequests++;
        connection.httpTarget(parser.path(), parser.query());
        endpoint = context.sockJsEndpoint(parser.path());
        final String connectionHeader = parser.header("Connection");
        keepAlive = !parser.isHttp10() &&
            (null == connectionHeader || !connectionHeader.toLowerCase(java.util.Locale.ROOT).contains("close"));
        transport = 0;
        sessionId = null;
        callback = null;
        unreadBody = 0 != parser.contentLength() || parser.hasTransferEncoding();
        if (null == endpoint)
        {
            final DirectBuffer resource = context.resources.get(parser.path());
            if (null != resource && "GET".equals(parser.method()))
            {
                // A page or script on a kept-alive connection (the iframe page's sockjs.min.js); it says close.
                connection.httpWrite(resource, 0, resource.capacity());
                close();
                return -1;
            }
            // A keep-alive connection asks for something that is no SockJS endpoint.
            fail(404, "Not Found", "no SockJS endpoint at this path");
            return -1;
        }
        origin = parser.header("Origin");
        sessionCookie = endpoint.cookieNeeded ? sessionCookie(parser.header("Cookie")) : null;

        final String method = parser.method();
        final String relative = parser.path().substring(endpoint.prefix.length());
        if (relative.isEmpty() || "/".equals(relative))
        {
            return "GET".equals(method) ? respondSimple(200, "OK", TEXT_PLAIN, SockJsPages.WELCOME, "", position) :
                respondMethodNotAllowed("GET", position);
        }
        if ("/info".equals(relative))
        {
            if ("OPTIONS".equals(method))
            {
                return respondOptions("OPTIONS, GET", position);
            }
            return "GET".equals(method) ? respondInfo(position) : respondMethodNotAllowed("OPTIONS, GET", position);
        }
        if (SockJsPages.isIframePath(relative))
        {
            return "GET".equals(method) ? respondIframe(position) : respondMethodNotAllowed("GET", position);
        }
        if ("/websocket".equals(relative))
        {
            return webSocket(false, buffer, position, end, nowNs);
        }

        // /server/session/transport: server and session ids are non-empty and hold no '.'.
        final int first = relative.indexOf('/', 1);
        final int second = first < 0 ? -1 : relative.indexOf('/', first + 1);
        if (first < 0 || second < 0 || relative.indexOf('/', second + 1) >= 0 || first == 1 || second == first + 1 ||
            relative.lastIndexOf('.', second) >= 0)
        {
            return respondError(404, "Not Found", "no such SockJS resource", position);
        }
        sessionId = relative.substring(first + 1, second);
        final String name = relative.substring(second + 1);
        switch (name)
        {
            case "websocket":
                return webSocket(true, buffer, position, end, nowNs);
            case "xhr":
                return receiverRequest(XHR, "POST", method, buffer, position, end, nowNs);
            case "xhr_streaming":
                return receiverRequest(XHR_STREAMING, "POST", method, buffer, position, end, nowNs);
            case "xhr_send":
                return sendRequest(XHR_SEND, method, buffer, position, end, nowNs);
            case "eventsource":
                return receiverRequest(EVENTSOURCE, "GET", method, buffer, position, end, nowNs);
            case "htmlfile":
                return receiverRequest(HTMLFILE, "GET", method, buffer, position, end, nowNs);
            case "jsonp":
                return receiverRequest(JSONP, "GET", method, buffer, position, end, nowNs);
            case "jsonp_send":
                return sendRequest(JSONP_SEND, method, buffer, position, end, nowNs);
            default:
                return respondError(404, "Not Found", "no such SockJS transport", position);
        }
    }

    // ---- WebSocket transports ----

    private int webSocket(
        final boolean framed, final MutableDirectBuffer buffer, final int position, final int end, final long nowNs)
    {
        final UpgradeRequestParser parser = connection.parser();
        if (!endpoint.websocket)
        {
            return respondError(404, "Not Found", "the WebSocket transport is off on this endpoint", position);
        }
        if (!"GET".equals(parser.method()))
        {
            return respondMethodNotAllowed("GET", position);
        }
        if (UpgradeRequestParser.COMPLETE != parser.state())
        {
            final UpgradeRejection rejection = parser.rejection();
            if (UpgradeRejection.NOT_WEBSOCKET_UPGRADE == rejection)
            {
                return respondError(400, "Bad Request", "Can \"Upgrade\" only to \"WebSocket\".", position);
            }
            if (UpgradeRejection.MISSING_CONNECTION_UPGRADE == rejection)
            {
                return respondError(400, "Bad Request", "\"Connection\" must be \"Upgrade\".", position);
            }
            reject(rejection);
            return -1;
        }
        connection.acceptUpgrade(framed ? endpoint.webSocketHandler : endpoint.handler, endpoint.hook,
            parser.path(), buffer, position, end - position, nowNs);
        return -1;
    }

    // ---- receivers: xhr, xhr_streaming, eventsource, htmlfile, jsonp ----

    private int receiverRequest(
        final int kind, final String allowed, final String method, final MutableDirectBuffer buffer,
        final int position, final int end, final long nowNs)
    {
        if ("OPTIONS".equals(method) && "POST".equals(allowed))
        {
            return respondOptions("OPTIONS, POST", position);
        }
        if (!allowed.equals(method))
        {
            return respondMethodNotAllowed("POST".equals(allowed) ? "OPTIONS, POST" : allowed, position);
        }
        if (HTMLFILE == kind || JSONP == kind)
        {
            final String raw = SockJsPages.parameter(connection.parser().query(), "c");
            if (null == raw || raw.isEmpty())
            {
                return respondError(500, "Internal Server Error", "\"callback\" parameter required", position);
            }
            if (!SockJsPages.isValidCallback(raw))
            {
                return respondError(500, "Internal Server Error", "invalid \"callback\" parameter", position);
            }
            callback = raw;
        }
        transport = kind;
        return readBody(buffer, position, end, nowNs);
    }

    private int sendRequest(
        final int kind, final String method, final MutableDirectBuffer buffer, final int position, final int end,
        final long nowNs)
    {
        if ("OPTIONS".equals(method) && XHR_SEND == kind)
        {
            return respondOptions("OPTIONS, POST", position);
        }
        if (!"POST".equals(method))
        {
            return respondMethodNotAllowed(XHR_SEND == kind ? "OPTIONS, POST" : "POST", position);
        }
        transport = kind;
        return readBody(buffer, position, end, nowNs);
    }

    /**
     * Read the request body (when it is all in this read, in place), then answer in {@link #onBody}.
     */
    private int readBody(final MutableDirectBuffer buffer, final int position, final int end, final long nowNs)
    {
        final UpgradeRequestParser parser = connection.parser();
        if (parser.hasTransferEncoding())
        {
            fail(411, "Length Required", "a request body must have a Content-Length");
            return -1;
        }
        final int length = parser.contentLength();
        if (length < 0)
        {
            fail(400, "Bad Request", "invalid Content-Length");
            return -1;
        }
        if (length > endpoint.maxBodyLength)
        {
            fail(413, "Payload Too Large",
                "a request body may have at most " + endpoint.maxBodyLength + " bytes (wsmux.sockjs.max.body.length)");
            return -1;
        }
        unreadBody = false;
        // The session lives on another loop: hand the request over with the socket before reading further.
        final SockJsSession existing = endpoint.sessions.get(sessionId);
        if (null != existing && existing.loop != connection.loop())
        {
            handOff(buffer, position, end, existing);
            return -1;
        }
        if (end - position >= length)
        {
            onBody(buffer, position, length);
            if (HEAD == phase)
            {
                return position + length;
            }
            if (RESPONDING == phase && position + length < end)
            {
                // A request pipelined behind a receiver that waits (a poll, a stream) is not served, as in onRead:
                // the connection closes once the answer is written rather than leave that request unanswered.
                keepAlive = false;
            }
            return -1;
        }
        // A body that spans reads is held until it is whole: it counts against the loop's assembly budget, with the
        // WebSocket messages being assembled, so that slow bodies cannot hold more than wsmux.assembly.budget.
        if (context.assemblyBytes + length > context.assemblyBudget)
        {
            context.assemblyRefusals++;
            fail(503, "Service Unavailable",
                "server busy: too many partly received requests (wsmux.assembly.budget): try again");
            return -1;
        }
        context.assemblyBytes += length;
        body = new UnsafeBuffer(new byte[length]);
        bodyLength = length;
        bodyReceived = 0;
        phase = BODY;
        return position;
    }

    private void handOff(
        final MutableDirectBuffer buffer, final int position, final int end, final SockJsSession owner)
    {
        final UpgradeRequestParser parser = connection.parser();
        final byte[] replay = new byte[parser.headLength() + end - position];
        parser.headBuffer().getBytes(0, replay, 0, parser.headLength());
        buffer.getBytes(position, replay, parser.headLength(), end - position);
        phase = CLOSING;
        context.socketHandOffs++;
        connection.handOff(owner.loop, replay);
    }

    private void onBody(final DirectBuffer bodyBuffer, final int bodyOffset, final int length)
    {
        phase = HEAD;
        switch (transport)
        {
            case XHR_SEND:
            case JSONP_SEND:
                onSend(bodyBuffer, bodyOffset, length);
                break;
            default:
                attachReceiver();
                break;
        }
    }

    private void onSend(final DirectBuffer bodyBuffer, final int bodyOffset, final int bodyLength)
    {
        final SockJsSession target = endpoint.sessions.get(sessionId);
        if (null != target && target.loop != connection.loop())
        {
            // Opened on another loop while this body was arriving: rare enough to ask the client to retry.
            respondError(503, "Service Unavailable", "the session is being opened: try again");
            requestDone();
            return;
        }
        if (null == target || SockJsSession.OPEN != target.state())
        {
            respondError(404, "Not Found", "no such session");
            requestDone();
            return;
        }
        DirectBuffer json = bodyBuffer;
        int offset = bodyOffset;
        int length = bodyLength;
        if (JSONP_SEND == transport && isFormEncoded())
        {
            final String form = bodyBuffer.getStringWithoutLengthUtf8(bodyOffset, bodyLength);
            final String value = SockJsPages.parameter(form, "d");
            final byte[] bytes = null == value ? new byte[0] : value.getBytes(StandardCharsets.UTF_8);
            json = new UnsafeBuffer(bytes);
            offset = 0;
            length = bytes.length;
        }
        if (0 == length)
        {
            respondError(500, "Internal Server Error", "Payload expected.");
            requestDone();
            return;
        }
        if (SockJsJson.BROKEN == context.sockJs.deliver(target, json, offset, length, false))
        {
            respondError(500, "Internal Server Error", "Broken JSON encoding.");
            requestDone();
            return;
        }
        final ExpandableArrayBuffer out = context.sockJs.out;
        int at;
        if (XHR_SEND == transport)
        {
            at = status(out, 204, "No Content");
            at = header(out, at, "Content-Type", TEXT_PLAIN);
            at = cors(out, at);
            at = put(out, at, NO_CACHE);
            at = cookie(out, at);
            at = connectionHeaders(out, at);
            at = put(out, at, "\r\n");
        }
        else
        {
            at = status(out, 200, "OK");
            at = header(out, at, "Content-Type", TEXT_PLAIN);
            at = put(out, at, NO_CACHE);
            at = cookie(out, at);
            at = header(out, at, "Content-Length", "2");
            at = connectionHeaders(out, at);
            at = put(out, at, "\r\nok");
        }
        connection.httpWrite(out, 0, at);
        requestDone();
    }

    private boolean isFormEncoded()
    {
        final String contentType = connection.parser().header("Content-Type");
        return null != contentType &&
            contentType.toLowerCase(java.util.Locale.ROOT).startsWith("application/x-www-form-urlencoded");
    }

    private void attachReceiver()
    {
        SockJsSession target = endpoint.sessions.get(sessionId);
        if (null != target && target.loop != connection.loop())
        {
            respondError(503, "Service Unavailable", "the session is being opened: try again");
            requestDone();
            return;
        }
        if (null == target)
        {
            if (endpoint.sessionCount.incrementAndGet() > endpoint.maxSessions)
            {
                endpoint.sessionCount.decrementAndGet();
                respondError(503, "Service Unavailable",
                    "too many SockJS sessions (wsmux.sockjs.max.sessions): try again later");
                requestDone();
                return;
            }
            Object identity = null;
            if (null != endpoint.hook)
            {
                UpgradeHook.Rejection rejection;
                try
                {
                    rejection = endpoint.hook.check(connection);
                }
                catch (final Throwable ex)
                {
                    context.errorHandler.onError(ex);
                    rejection = new UpgradeHook.Rejection(500, "the upgrade hook failed");
                }
                if (null != rejection)
                {
                    endpoint.sessionCount.decrementAndGet();
                    context.handshakesHookRefused++;
                    respondError(rejection.status(), WsConnection.statusText(rejection.status()), rejection.reason());
                    requestDone();
                    return;
                }
                identity = connection.identity();
            }
            final SockJsSession created = new SockJsSession(endpoint, context, connection.loop(), sessionId,
                connection.id(), connection.remoteAddress(), connection.query(), identity);
            final SockJsSession raced = endpoint.sessions.putIfAbsent(sessionId, created);
            if (null != raced)
            {
                endpoint.sessionCount.decrementAndGet();
                target = raced;
                if (raced.loop != connection.loop())
                {
                    // Another loop made the session a moment ago: answer 503 rather than replaying the request.
                    respondError(503, "Service Unavailable", "the session is being opened: try again");
                    requestDone();
                    return;
                }
            }
            else
            {
                target = created;
            }
        }
        session = target;
        responseBytes = 0;
        phase = RESPONDING;
        if (XHR_STREAMING == transport || EVENTSOURCE == transport || HTMLFILE == transport)
        {
            writeStreamingHead();
        }
        attaching = true;
        try
        {
            target.attach(this, connection);
        }
        finally
        {
            attaching = false;
        }
        // Answered, or waiting for frames: either way the parser is not needed until the next request.
        connection.releaseHttpParser();
        if (RESPONDING == phase)
        {
            connection.httpDeadline(WsConnection.NO_DEADLINE);
        }
    }

    // ---- the receiver ----

    private void writeStreamingHead()
    {
        final ExpandableArrayBuffer out = context.sockJs.out;
        int at = status(out, 200, "OK");
        switch (transport)
        {
            case XHR_STREAMING:
                at = header(out, at, "Content-Type", JAVASCRIPT);
                at = cors(out, at);
                break;
            case EVENTSOURCE:
                at = header(out, at, "Content-Type", "text/event-stream");
                break;
            default:
                at = header(out, at, "Content-Type", "text/html; charset=UTF-8");
                break;
        }
        at = put(out, at, NO_CACHE);
        at = cookie(out, at);
        chunked = keepAlive;
        at = put(out, at, chunked ? "Transfer-Encoding: chunked\r\n" : "Connection: close\r\n");
        at = put(out, at, "\r\n");
        connection.httpWrite(out, 0, at);
        origin = null; // only a poll's answer, written later, needs them: an open stream keeps neither String
        sessionCookie = null;
        switch (transport)
        {
            case XHR_STREAMING:
                writeChunk(new UnsafeBuffer(XHR_PRELUDE), 0, XHR_PRELUDE.length);
                break;
            case EVENTSOURCE:
                writeChunk(new UnsafeBuffer(CRLF), 0, 2);
                break;
            default:
                final byte[] head = SockJsPages.htmlfileHead(callback).getBytes(StandardCharsets.UTF_8);
                writeChunk(new UnsafeBuffer(head), 0, head.length);
                break;
        }
    }

    private void writeChunk(final DirectBuffer data, final int offset, final int length)
    {
        if (chunked)
        {
            final ExpandableArrayBuffer out = context.sockJs.out;
            int at = putHex(out, 0, length);
            at = put(out, at, "\r\n");
            out.putBytes(at, data, offset, length);
            at += length;
            at = put(out, at, "\r\n");
            connection.httpWrite(out, 0, at);
        }
        else
        {
            connection.httpWrite(data, offset, length);
        }
    }

    @Override
    public boolean sendFrame(final DirectBuffer frame, final int offset, final int length)
    {
        if (RESPONDING != phase)
        {
            return false;
        }
        if (XHR_STREAMING == transport && chunked)
        {
            // The common streaming case in one copy: chunk size, frame, '\n', CRLF.
            final ExpandableArrayBuffer out = context.sockJs.out;
            int at = putHex(out, 0, length + 1);
            out.putByte(at++, (byte)'\r');
            out.putByte(at++, (byte)'\n');
            out.putBytes(at, frame, offset, length);
            at += length;
            out.putByte(at++, (byte)'\n');
            out.putByte(at++, (byte)'\r');
            out.putByte(at++, (byte)'\n');
            connection.httpWrite(out, 0, at);
            return streamed(length + 1);
        }
        final ExpandableArrayBuffer wire = context.sockJs.quoted;
        int at = 0;
        switch (transport)
        {
            case XHR:
            case XHR_STREAMING:
                wire.putBytes(0, frame, offset, length);
                at = length;
                wire.putByte(at++, (byte)'\n');
                break;
            case EVENTSOURCE:
                at = wire.putStringWithoutLengthAscii(0, "data: ");
                wire.putBytes(at, frame, offset, length);
                at += length;
                at = put(wire, at, "\r\n\r\n");
                break;
            case HTMLFILE:
                at = wire.putStringWithoutLengthAscii(0, "<script>\np(");
                wire.checkLimit(at + SockJsJson.maxQuotedLength(length) + 32);
                at += SockJsJson.quote(frame, offset, length, wire, at);
                at = put(wire, at, ");\n</script>\r\n");
                break;
            default: // JSONP
                at = wire.putStringWithoutLengthAscii(0, "/**/");
                at = put(wire, at, callback);
                wire.putByte(at++, (byte)'(');
                wire.checkLimit(at + SockJsJson.maxQuotedLength(length) + 8);
                at += SockJsJson.quote(frame, offset, length, wire, at);
                at = put(wire, at, ");\r\n");
                break;
        }
        if (XHR == transport || JSONP == transport)
        {
            // A poll takes one frame and ends.
            final ExpandableArrayBuffer out = context.sockJs.out;
            int head = status(out, 200, "OK");
            head = header(out, head, "Content-Type", JAVASCRIPT);
            if (XHR == transport)
            {
                head = cors(out, head);
            }
            head = put(out, head, NO_CACHE);
            head = cookie(out, head);
            head = header(out, head, "Content-Length", Integer.toString(at));
            head = connectionHeaders(out, head);
            head = put(out, head, "\r\n");
            out.putBytes(head, wire, 0, at);
            connection.httpWrite(out, 0, head + at);
            finishResponse();
            return false;
        }
        writeChunk(wire, 0, at);
        return streamed(at);
    }

    private boolean streamed(final int length)
    {
        responseBytes += length;
        if (responseBytes >= endpoint.responseLimit)
        {
            end();
            return false;
        }
        return true;
    }

    @Override
    public void end()
    {
        if (RESPONDING != phase)
        {
            return;
        }
        if (XHR == transport || JSONP == transport)
        {
            // A poll that never got its frame (the server shut down): close rather than answer nothing.
            keepAlive = false;
        }
        else if (chunked)
        {
            connection.httpWrite(LAST_CHUNK, 0, LAST_CHUNK.capacity());
        }
        finishResponse();
    }

    private void finishResponse()
    {
        final SockJsSession ended = session;
        session = null;
        if (!chunked && XHR != transport && JSONP != transport)
        {
            keepAlive = false; // an HTTP/1.0 stream ends when the connection closes
        }
        requestDone();
        if (null != ended)
        {
            ended.detach(this);
        }
    }

    @Override
    public long queuedBytes()
    {
        return connection.queuedBytes();
    }

    /**
     * The socket took everything queued.
     */
    void onFlushed()
    {
        if (null != session)
        {
            session.flushed();
        }
    }

    /**
     * The connection closed (the client went away, or the server closed it).
     */
    void onClosed()
    {
        releaseBody();
        final SockJsSession held = session;
        session = null;
        if (RESPONDING == phase && null != held)
        {
            phase = CLOSING;
            held.receiverAborted(this);
        }
        phase = CLOSING;
    }

    /**
     * The request timer: a request that did not arrive in time (408), or a kept-alive connection idle too long.
     */
    void onDeadline(final long nowNs)
    {
        final UpgradeRequestParser parser = connection.parser();
        if (BODY == phase || (HEAD == phase && null != parser))
        {
            context.handshakesTimedOut++;
            respondError(408, "Request Timeout", "the request did not complete in time");
        }
        close();
    }

    void onShutdown()
    {
        keepAlive = false; // a response in progress ends with its session's 1001 close frame, then the socket closes
        if (RESPONDING != phase)
        {
            close();
        }
    }

    // ---- plain responses ----

    private void requestDone()
    {
        if (!attaching)
        {
            connection.releaseHttpParser();
        }
        if (CLOSING == phase)
        {
            return;
        }
        if (keepAlive)
        {
            phase = HEAD;
            connection.httpDeadline(connection.loop().nowNs() + context.httpIdleTimeoutNs);
        }
        else
        {
            close();
        }
    }

    private void releaseBody()
    {
        if (null != body)
        {
            context.assemblyBytes -= bodyLength;
            body = null;
        }
    }

    private void fail(final int status, final String statusText, final String reason)
    {
        keepAlive = false;
        respondError(status, statusText, reason);
        close();
    }

    /**
     * Refuse a request with the codec's response for its rejection, which carries the headers its status needs
     * (RFC 6455 §4.2.2: a 426 for an unsupported version lists {@code Sec-WebSocket-Version: 13}), then close.
     */
    private void reject(final UpgradeRejection rejection)
    {
        context.handshakesMalformed++;
        keepAlive = false;
        final int length = context.responseWriter.writeRejection(context.scratch, 0, rejection);
        connection.httpWrite(context.scratch, 0, length);
        close();
    }

    private void close()
    {
        phase = CLOSING;
        connection.releaseHttpParser();
        connection.httpCloseWhenFlushed();
    }

    /**
     * Answer with an error and go on with the next request (or close, for a request without keep-alive).
     *
     * @return where the next request starts, or -1.
     */
    private int respondError(final int status, final String statusText, final String reason, final int position)
    {
        respondError(status, statusText, reason);
        return answered(position);
    }

    private int answered(final int position)
    {
        // A request answered before its body was read: the body's bytes would be read as the next request.
        if (unreadBody)
        {
            keepAlive = false;
        }
        requestDone();
        return CLOSING == phase ? -1 : position;
    }

    private void respondError(final int status, final String statusText, final String reason)
    {
        final ExpandableArrayBuffer out = context.sockJs.out;
        final byte[] text = (reason + "\n").getBytes(StandardCharsets.UTF_8);
        int at = status(out, status, statusText);
        at = header(out, at, "Content-Type", TEXT_PLAIN);
        at = header(out, at, "Content-Length", Integer.toString(text.length));
        at = connectionHeaders(out, at);
        at = put(out, at, "\r\n");
        out.putBytes(at, text);
        connection.httpWrite(out, 0, at + text.length);
    }

    private int respondMethodNotAllowed(final String allow, final int position)
    {
        final ExpandableArrayBuffer out = context.sockJs.out;
        int at = status(out, 405, "Method Not Allowed");
        at = header(out, at, "Allow", allow);
        at = header(out, at, "Content-Length", "0");
        at = connectionHeaders(out, at);
        at = put(out, at, "\r\n");
        connection.httpWrite(out, 0, at);
        return answered(position);
    }

    private int respondSimple(
        final int status, final String statusText, final String contentType, final String text,
        final String headers, final int position)
    {
        final ExpandableArrayBuffer out = context.sockJs.out;
        final byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        int at = status(out, status, statusText);
        at = header(out, at, "Content-Type", contentType);
        at = put(out, at, headers);
        at = header(out, at, "Content-Length", Integer.toString(bytes.length));
        at = connectionHeaders(out, at);
        at = put(out, at, "\r\n");
        out.putBytes(at, bytes);
        connection.httpWrite(out, 0, at + bytes.length);
        return answered(position);
    }

    private int respondInfo(final int position)
    {
        final long entropy = ThreadLocalRandom.current().nextLong(1L << 32);
        final String info = "{\"websocket\":" + endpoint.websocket + ",\"origins\":[\"*:*\"],\"cookie_needed\":" +
            endpoint.cookieNeeded + ",\"entropy\":" + entropy + "}";
        final ExpandableArrayBuffer headers = context.sockJs.frame;
        int at = cors(headers, 0);
        at = put(headers, at, NO_CACHE);
        return respondSimple(200, "OK", "application/json; charset=UTF-8", info,
            headers.getStringWithoutLengthAscii(0, at), position);
    }

    private int respondIframe(final int position)
    {
        final ExpandableArrayBuffer out = context.sockJs.out;
        final String ifNoneMatch = connection.parser().header("If-None-Match");
        if (null != ifNoneMatch && ifNoneMatch.equals(endpoint.iframeEtag))
        {
            int at = status(out, 304, "Not Modified");
            at = header(out, at, "ETag", endpoint.iframeEtag);
            at = put(out, at, CACHE_ONE_YEAR);
            at = header(out, at, "Expires", expiresInOneYear());
            at = connectionHeaders(out, at);
            at = put(out, at, "\r\n");
            connection.httpWrite(out, 0, at);
            return answered(position);
        }
        int at = status(out, 200, "OK");
        at = header(out, at, "Content-Type", "text/html; charset=UTF-8");
        at = put(out, at, CACHE_ONE_YEAR);
        at = header(out, at, "Expires", expiresInOneYear());
        at = header(out, at, "ETag", endpoint.iframeEtag);
        at = header(out, at, "Content-Length", Integer.toString(endpoint.iframePage.length));
        at = connectionHeaders(out, at);
        at = put(out, at, "\r\n");
        out.putBytes(at, endpoint.iframePage);
        connection.httpWrite(out, 0, at + endpoint.iframePage.length);
        return answered(position);
    }

    private int respondOptions(final String methods, final int position)
    {
        final ExpandableArrayBuffer out = context.sockJs.out;
        int at = status(out, 204, "No Content");
        at = put(out, at, CACHE_ONE_YEAR);
        at = header(out, at, "Expires", expiresInOneYear());
        at = header(out, at, "Access-Control-Max-Age", "31536000");
        at = header(out, at, "Access-Control-Allow-Methods", methods);
        final String requested = connection.parser().header("Access-Control-Request-Headers");
        if (null != requested && !requested.isEmpty())
        {
            at = header(out, at, "Access-Control-Allow-Headers", requested);
        }
        at = cors(out, at);
        at = connectionHeaders(out, at);
        at = put(out, at, "\r\n");
        connection.httpWrite(out, 0, at);
        return answered(position);
    }

    // ---- header writing ----

    private static int status(final MutableDirectBuffer out, final int status, final String statusText)
    {
        int at = out.putStringWithoutLengthAscii(0, "HTTP/1.1 ");
        at += out.putIntAscii(at, status);
        out.putByte(at++, (byte)' ');
        at = put(out, at, statusText);
        return put(out, at, "\r\n");
    }

    private static int header(final MutableDirectBuffer out, final int at, final String name, final String value)
    {
        int position = put(out, at, name);
        position = put(out, position, ": ");
        position = put(out, position, value);
        return put(out, position, "\r\n");
    }

    private static int put(final MutableDirectBuffer out, final int at, final String ascii)
    {
        return at + out.putStringWithoutLengthAscii(at, ascii);
    }

    private static int putHex(final MutableDirectBuffer out, final int at, final int value)
    {
        final int digits = Math.max(1, (Integer.SIZE - Integer.numberOfLeadingZeros(value) + 3) / 4);
        for (int i = 0; i < digits; i++)
        {
            out.putByte(at + i, (byte)Character.forDigit((value >>> (4 * (digits - 1 - i))) & 0xF, 16));
        }
        return at + digits;
    }

    private int cors(final MutableDirectBuffer out, final int at)
    {
        if (null == origin || origin.isEmpty())
        {
            return put(out, at, "Access-Control-Allow-Origin: *\r\n");
        }
        final int position = header(out, at, "Access-Control-Allow-Origin", origin);
        return put(out, position, "Access-Control-Allow-Credentials: true\r\nVary: Origin\r\n");
    }

    private int cookie(final MutableDirectBuffer out, final int at)
    {
        return null == sessionCookie ? at : header(out, at, "Set-Cookie", "JSESSIONID=" + sessionCookie + "; path=/");
    }

    /**
     * @param cookies the request's Cookie header, or null.
     * @return the client's JSESSIONID when it is a valid cookie value, else "dummy".
     */
    private static String sessionCookie(final String cookies)
    {
        String value = "dummy";
        if (null != cookies)
        {
            for (final String cookie : cookies.split(";"))
            {
                final String trimmed = cookie.trim();
                if (trimmed.startsWith("JSESSIONID=") && isCookieValue(trimmed.substring(11)))
                {
                    value = trimmed.substring(11);
                }
            }
        }
        return value;
    }

    private static boolean isCookieValue(final String value)
    {
        if (value.isEmpty() || value.length() > 256)
        {
            return false;
        }
        for (int i = 0; i < value.length(); i++)
        {
            final char c = value.charAt(i);
            if (c <= ' ' || c >= 0x7f || '"' == c || ',' == c || ';' == c || '\\' == c)
            {
                return false;
            }
        }
        return true;
    }

    private int connectionHeaders(final MutableDirectBuffer out, final int at)
    {
        return keepAlive && !unreadBody ? at : put(out, at, "Connection: close\r\n");
    }

    private static String expiresInOneYear()
    {
        return HTTP_DATE.format(ZonedDateTime.now(ZoneOffset.UTC).plusYears(1));
    }

    private static byte[] xhrPrelude()
    {
        final byte[] prelude = new byte[PRELUDE_LENGTH + 1];
        java.util.Arrays.fill(prelude, (byte)'h');
        prelude[PRELUDE_LENGTH] = '\n';
        return prelude;
    }
}
