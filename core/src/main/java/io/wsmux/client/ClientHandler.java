package io.wsmux.client;

import org.agrona.DirectBuffer;

/**
 * What an application does with a {@link WebSocketClientConnection}. Every callback runs on the client's I/O thread,
 * so callbacks of one connection never run concurrently, and a callback that blocks stalls every connection of the
 * client. A callback that throws is reported to {@link #onError} and the connection is closed with 1011.
 */
public interface ClientHandler
{
    /**
     * The opening handshake completed: the connection may send. Runs before the connect future completes.
     *
     * @param connection the new connection.
     */
    default void onOpen(final WebSocketClientConnection connection)
    {
    }

    /**
     * A whole text message arrived, valid UTF-8.
     *
     * @param connection the connection.
     * @param buffer     holding the message; valid only during the call: copy what must outlive it.
     * @param offset     of the message.
     * @param length     of the message in bytes.
     */
    default void onText(
        final WebSocketClientConnection connection, final DirectBuffer buffer, final int offset, final int length)
    {
    }

    /**
     * A whole binary message arrived.
     *
     * @param connection the connection.
     * @param buffer     holding the message; valid only during the call: copy what must outlive it.
     * @param offset     of the message.
     * @param length     of the message in bytes.
     */
    default void onBinary(
        final WebSocketClientConnection connection, final DirectBuffer buffer, final int offset, final int length)
    {
    }

    /**
     * A pong arrived (the answer to {@link WebSocketClientConnection#sendPing}, or unsolicited).
     *
     * @param connection the connection.
     * @param buffer     holding the pong's application data; valid only during the call.
     * @param offset     of the data.
     * @param length     of the data, 0 to 125 bytes.
     */
    default void onPong(
        final WebSocketClientConnection connection, final DirectBuffer buffer, final int offset, final int length)
    {
    }

    /**
     * The connection is closed (its socket too). Called once for every connection that reached {@link #onOpen}.
     *
     * @param connection the connection, no longer usable for sending.
     * @param code       the status code of the first close frame received (RFC 6455 §7.1.5), 1005 if it had none;
     *                   the code this client sent when it failed the connection for a protocol violation; 1006 when
     *                   the connection ended without a close frame from the server.
     * @param reason     the reason that came with the code, possibly empty.
     */
    default void onClose(final WebSocketClientConnection connection, final int code, final String reason)
    {
    }

    /**
     * Something went wrong on an open connection: a callback of this handler threw, the server broke RFC 6455
     * (a {@link java.net.ProtocolException}), or an I/O error. {@link #onClose} follows.
     *
     * @param connection the connection.
     * @param error      what happened.
     */
    default void onError(final WebSocketClientConnection connection, final Throwable error)
    {
    }
}
