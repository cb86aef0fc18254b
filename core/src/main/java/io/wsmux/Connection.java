package io.wsmux;

import java.net.InetSocketAddress;

import org.agrona.DirectBuffer;

/**
 * One WebSocket connection as the application sees it. Sending and closing are safe from any thread: on the
 * connection's own I/O loop they take the fast path (straight to the socket, or gathered with the other replies of
 * the current read); from other threads the bytes are copied into the loop's command ring buffer without allocating
 * (messages larger than an eighth of {@code wsmux.command.buffer.length} are copied into a fresh array, and only a
 * ticket for them goes through the ring). Messages one thread sends to one connection arrive in the order sent.
 * A SockJS session is the exception: from another thread its sends and closes are copied and handed to its loop as
 * a task (they allocate).
 * Accessors other than {@link #id()} and {@link #isOpen()} are for the loop thread.
 */
public interface Connection
{
    /**
     * The id of the WebSocket this connection is, or travels over: unique per WebSocket within one server (not
     * reused while the server runs). The channels of one multiplexed WebSocket are not told apart by it: each
     * returns its WebSocket's id. Tell channels apart by {@link #path()} or by the object itself.
     *
     * @return the id of the WebSocket, unique within the server.
     */
    long id();

    /**
     * @return true until a close handshake starts or the socket closes.
     */
    boolean isOpen();

    /**
     * Send a text message.
     *
     * @param buffer holding UTF-8 text (not checked); not retained.
     * @param offset of the text.
     * @param length in bytes.
     * @return false when not sent: the connection is closing, the outbound budget is exceeded (then the overflow
     * policy applies), or, from another thread, the loop's command buffer is full.
     */
    boolean sendText(DirectBuffer buffer, int offset, int length);

    /**
     * Send a text message; convenience that encodes the string (allocates).
     *
     * @param text to send.
     * @return as {@link #sendText(DirectBuffer, int, int)}.
     */
    boolean sendText(CharSequence text);

    /**
     * Send a binary message.
     *
     * @param buffer holding the bytes; not retained.
     * @param offset of the bytes.
     * @param length of the bytes.
     * @return as {@link #sendText(DirectBuffer, int, int)}.
     */
    boolean sendBinary(DirectBuffer buffer, int offset, int length);

    /**
     * Start the close handshake: send a close frame and close TCP when the client answers or after
     * {@code wsmux.close.timeout}.
     *
     * @param code   a code valid on the wire (1000-1003, 1007-1014, 3000-4999).
     * @param reason at most 123 bytes of UTF-8, may be empty.
     */
    void close(int code, String reason);

    /**
     * @return the path of the upgrade request, without query.
     */
    String path();

    /**
     * @return the query of the upgrade request (after '?'), or null if none.
     */
    String query();

    /**
     * @return the subprotocol agreed in the handshake, or null.
     */
    String subprotocol();

    /**
     * @return the upgrade request; only during {@link WebSocketHandler#onOpen} and the upgrade hook, else null
     * (always null for a multiplexed channel, opened long after the handshake: use {@link #identity()}).
     */
    HandshakeRequest handshake();

    /**
     * @return the peer's address, or null once closed.
     */
    InetSocketAddress remoteAddress();

    /**
     * @return bytes queued for this connection that the socket has not taken yet.
     */
    long queuedBytes();

    /**
     * @return messages dropped because the outbound budget was exceeded (overflow policy {@code drop}).
     */
    long droppedMessages();

    /**
     * @return topic messages this connection did not receive because a newer value replaced them while it was
     * behind or throttled (conflation); 0 for connections without topic subscriptions.
     */
    long conflatedMessages();

    /**
     * @return the application's object for this connection, or null.
     */
    Object attachment();

    /**
     * @param attachment the application's object for this connection.
     */
    void attach(Object attachment);

    /**
     * Who the client is, as the endpoint's {@link UpgradeHook} recognised it
     * ({@link HandshakeRequest#identity(Object)}): for a WebSocket, what its hook attached; for a multiplexed channel,
     * its WebSocket's. Fixed before the
     * connection opens, so safe to read from any thread that was handed the connection.
     *
     * @return the identity, or null when the hook attached none (or there is no hook).
     */
    default Object identity()
    {
        return null;
    }

    /**
     * @return the WebSocket carrying this connection: itself for a WebSocket, the multiplexed WebSocket for a
     * channel (to close the whole socket, or read its path and query).
     */
    default Connection webSocket()
    {
        return this;
    }
}
