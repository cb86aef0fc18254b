package io.wsmux;

import java.util.List;

/**
 * The HTTP upgrade request of a connection, for upgrade hooks and {@link WebSocketHandler#onOpen}. A view over the
 * parser's buffer: valid only during those calls. Copy what must outlive them (a user id into the attachment, say).
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
}
