package io.wsmux.client;

/**
 * What an application hears about a {@link MuxClient} as a whole. Callbacks run on the client's I/O thread.
 */
public interface MuxListener
{
    /**
     * The server sent ERROR: a message of this client was malformed or not allowed. Nothing else happened; the
     * WebSocket stays open.
     *
     * @param mux       the connection.
     * @param channelId the channel concerned (unsigned), or 0 for the connection as a whole.
     * @param code      HTTP-style code: 400, 410, ...
     * @param reason    the server's reason.
     */
    default void onError(final MuxClient mux, final long channelId, final int code, final String reason)
    {
    }

    /**
     * The connection failed: the server sent a malformed {@code wsmux.v1} message (a
     * {@link java.net.ProtocolException}; the client then closes the WebSocket with 1002), broke RFC 6455, a
     * listener threw, or an I/O error. {@link #onClose} follows.
     *
     * @param mux   the connection.
     * @param cause what happened.
     */
    default void onFailure(final MuxClient mux, final Throwable cause)
    {
    }

    /**
     * The WebSocket is closed, and with it every channel.
     *
     * @param mux    the connection.
     * @param code   the WebSocket close code (see {@link ClientHandler#onClose}).
     * @param reason the close reason.
     */
    default void onClose(final MuxClient mux, final int code, final String reason)
    {
    }
}
