package io.wsmux;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * The HTTP upgrade request of a connection, for upgrade hooks and {@link WebSocketHandler#onOpen} (and a
 * multiplexer's {@code onWebSocketOpen}). A view over the parser's buffer: valid only during those calls. What must
 * outlive them goes into the connection's identity: a hook that recognises the client (a token in the query, a
 * cookie, a header) attaches who it is with {@link #identity(Object)}, and from then on
 * {@link Connection#identity()} returns it, on the WebSocket and on every channel it carries, for the
 * {@link ChannelAuthorizer} and the services.
 */
public interface HandshakeRequest
{
    /**
     * @return request path, without query.
     */
    String path();

    /**
     * @return query after '?', or null.
     */
    String query();

    /**
     * @return the Host header.
     */
    String host();

    /**
     * @return the Origin header, or null.
     */
    String origin();

    /**
     * @return subprotocols offered in Sec-WebSocket-Protocol, in order.
     */
    List<String> subprotocols();

    /**
     * @param name header name, any case.
     * @return the first value of that header, or null.
     */
    String header(String name);

    /**
     * @param name header name, any case.
     * @return every value of that header, in order.
     */
    List<String> headers(String name);

    /**
     * @param name cookie name, case sensitive.
     * @return the value of that cookie in the Cookie header(s) (RFC 6265 §5.4), without surrounding quotes, or null.
     */
    default String cookie(final String name)
    {
        return HandshakeFields.cookie(headers("Cookie"), name);
    }

    /**
     * @param name parameter name, as decoded.
     * @return the URL-decoded value of the first query parameter of that name ("" for {@code ?name} without '='),
     * or null if absent.
     */
    default String queryParameter(final String name)
    {
        return HandshakeFields.queryParameter(query(), name);
    }

    /**
     * @return the peer's address (before any proxy: read X-Forwarded-For with {@link #header} if one is trusted).
     */
    InetSocketAddress remoteAddress();

    /**
     * @return true when the request came over TLS (wss://, https://).
     */
    default boolean isSecure()
    {
        return false;
    }

    /**
     * The subject of the client's TLS certificate, with {@code wsmux.tls.client.auth} set to {@code optional} or
     * {@code required}: it is also the connection's {@link #identity()} until the hook attaches another.
     *
     * @return the principal (an {@link javax.security.auth.x500.X500Principal}), or null without a client
     * certificate.
     */
    default java.security.Principal peerPrincipal()
    {
        return null;
    }

    /**
     * Attach who the client is to the WebSocket being opened: any object (a user record, a session, a set of
     * permissions), kept for the WebSocket's life and returned by {@link Connection#identity()} on it and on each
     * of its channels. Call from the upgrade hook (or {@code onOpen}); the last call wins.
     *
     * @param identity the client's identity, or null for none.
     */
    void identity(Object identity);

    /**
     * @return the identity attached so far, or null.
     */
    Object identity();
}
