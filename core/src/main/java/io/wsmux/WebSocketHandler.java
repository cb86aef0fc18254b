package io.wsmux;

import org.agrona.DirectBuffer;

/**
 * What an application does with the connections of one endpoint. Every callback runs on the I/O loop that owns
 * the connection, so callbacks for one connection never run concurrently; a callback that blocks stalls every
 * connection of its loop. A callback that throws closes only its own connection, with 1011, after
 * {@link #onError}.
 */
public interface WebSocketHandler
{
    /**
     * The upgrade completed. {@link Connection#handshake()} is available during this call only.
     *
     * @param connection the new connection.
     */
    default void onOpen(final Connection connection)
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
    default void onText(final Connection connection, final DirectBuffer buffer, final int offset, final int length)
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
    default void onBinary(final Connection connection, final DirectBuffer buffer, final int offset, final int length)
    {
    }

    /**
     * The connection is closed: by a close handshake either way, a protocol violation, a timeout or the network.
     * Called once per opened connection.
     *
     * @param connection the connection, no longer usable for sending.
     * @param code       the close code: the one exchanged in the close handshake, the one sent for a violation,
     *                   or 1006 when the connection ended without a close frame.
     * @param reason     the close reason, possibly empty.
     */
    default void onClose(final Connection connection, final int code, final String reason)
    {
    }

    /**
     * A callback of this handler threw. The connection is then closed with 1011.
     *
     * @param connection the connection.
     * @param error      what was thrown.
     */
    default void onError(final Connection connection, final Throwable error)
    {
    }
}
