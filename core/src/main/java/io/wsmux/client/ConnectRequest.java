package io.wsmux.client;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/**
 * One call to {@link WsmuxClient#connect}: what to connect to and ask for, who to tell. Built on the caller's thread,
 * handed to the loop as the connect context. Immutable but for the future.
 */
final class ConnectRequest
{
    private static final int DEFAULT_PORT = 80;
    private static final int DEFAULT_TLS_PORT = 443;
    private static final String SEPARATORS = "()<>@,;:\\\"/[]?={}";

    final URI uri;
    final boolean secure;
    final InetSocketAddress remote;
    final String target;
    final String hostHeader;
    final String subprotocol;
    final ClientHandler handler;
    final CompletableFuture<WebSocketClientConnection> future;

    private ConnectRequest(
        final URI uri,
        final boolean secure,
        final InetSocketAddress remote,
        final String target,
        final String hostHeader,
        final String subprotocol,
        final ClientHandler handler,
        final CompletableFuture<WebSocketClientConnection> future)
    {
        this.uri = uri;
        this.secure = secure;
        this.remote = remote;
        this.target = target;
        this.hostHeader = hostHeader;
        this.subprotocol = subprotocol;
        this.handler = handler;
        this.future = future;
    }

    /**
     * Check a {@code ws://} or {@code wss://} URI and resolve its host (may block on DNS, on the caller's thread).
     *
     * @param uri         {@code ws://host[:port]/path[?query]} or {@code wss://...}.
     * @param subprotocol to ask for, or null.
     * @param handler     callbacks.
     * @param future      to complete.
     * @return the request.
     * @throws IllegalArgumentException for anything but a ws or wss URI with a host, or a subprotocol that is not a
     *                                  token.
     */
    static ConnectRequest of(
        final URI uri,
        final String subprotocol,
        final ClientHandler handler,
        final CompletableFuture<WebSocketClientConnection> future)
    {
        final String scheme = null == uri || null == uri.getScheme() ? null : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!"ws".equals(scheme) && !"wss".equals(scheme))
        {
            throw new IllegalArgumentException("only ws:// and wss:// URIs are supported: uri=" + uri);
        }
        final boolean secure = "wss".equals(scheme);
        final int defaultPort = secure ? DEFAULT_TLS_PORT : DEFAULT_PORT;
        final String host = uri.getHost();
        if (null == host || host.isEmpty())
        {
            throw new IllegalArgumentException("URI has no host: uri=" + uri);
        }
        if (null != subprotocol && !isToken(subprotocol))
        {
            // RFC 6455 §4.1: each subprotocol is a token (RFC 2616: visible ASCII but separators).
            throw new IllegalArgumentException("subprotocol must be an HTTP token: subprotocol=" + subprotocol);
        }
        final int port = -1 == uri.getPort() ? defaultPort : uri.getPort();
        final String path = null == uri.getRawPath() || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        final String target = null == uri.getRawQuery() ? path : path + "?" + uri.getRawQuery();
        // RFC 6455 §4.1 item 4: Host is the host and, unless it is the default, the port.
        final String hostHeader = defaultPort == port ? host : host + ":" + port;
        final String address = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        return new ConnectRequest(
            uri, secure, new InetSocketAddress(address, port), target, hostHeader, subprotocol, handler, future);
    }

    /**
     * @param key        the Sec-WebSocket-Key value: base64 of 16 random bytes.
     * @param extensions the Sec-WebSocket-Extensions value to offer, or null for none.
     * @return the opening handshake request, ASCII.
     */
    byte[] upgradeRequest(final String key, final String extensions)
    {
        // RFC 6455 §4.1: the opening handshake is an HTTP/1.1 GET with these headers.
        final StringBuilder head = new StringBuilder(256)
            .append("GET ").append(target).append(" HTTP/1.1\r\n")
            .append("Host: ").append(hostHeader).append("\r\n")
            .append("Upgrade: websocket\r\n")
            .append("Connection: Upgrade\r\n")
            .append("Sec-WebSocket-Key: ").append(key).append("\r\n")
            .append("Sec-WebSocket-Version: 13\r\n");
        if (null != subprotocol)
        {
            head.append("Sec-WebSocket-Protocol: ").append(subprotocol).append("\r\n");
        }
        if (null != extensions)
        {
            head.append("Sec-WebSocket-Extensions: ").append(extensions).append("\r\n");
        }
        return head.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static boolean isToken(final String value)
    {
        if (value.isEmpty())
        {
            return false;
        }
        for (int i = 0; i < value.length(); i++)
        {
            final char c = value.charAt(i);
            if (c <= 0x20 || c >= 0x7F || SEPARATORS.indexOf(c) >= 0)
            {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString()
    {
        return uri.toString();
    }
}
