package io.wsmux.client;

/**
 * What an application hears about a {@link MuxClient}, or a {@link ReconnectingMuxClient}, as a whole. Callbacks run
 * on the client's I/O thread (for a {@link ReconnectingMuxClient}: see there).
 */
public interface MuxListener
{
    /**
     * The WebSocket opened: channels may be opened. For a {@link MuxClient}, before its connect future completes;
     * for a {@link ReconnectingMuxClient}, the first WebSocket only (later ones: {@link #onReconnected}).
     *
     * @param mux the connection.
     */
    default void onOpen(final MuxClient mux)
    {
    }

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
     * listener threw, or an I/O error. {@link #onClose} follows. For a {@link ReconnectingMuxClient} also: an
     * attempt to connect failed ({@code mux} null; {@link #onReconnecting} follows), or a channel listener threw
     * (nothing is closed).
     *
     * @param mux   the connection, or null.
     * @param cause what happened.
     */
    default void onFailure(final MuxClient mux, final Throwable cause)
    {
    }

    /**
     * The WebSocket is closed, and with it every channel. For a {@link ReconnectingMuxClient}: the client is done
     * (closed by the application, or a close no reconnect follows), once.
     *
     * @param mux    the connection; for a {@link ReconnectingMuxClient} the last one, null if none opened.
     * @param code   the WebSocket close code (see {@link ClientHandler#onClose}).
     * @param reason the close reason.
     */
    default void onClose(final MuxClient mux, final int code, final String reason)
    {
    }

    /**
     * {@link ReconnectingMuxClient} only: the WebSocket closed, or an attempt to open one failed, and attempt
     * {@code attempt} starts in {@code delayMs}.
     *
     * @param attempt the attempt, from 1; counts from 1 again once a WebSocket stayed open the policy's minimum
     *                uptime.
     * @param delayMs the wait before it, drawn as {@link ReconnectPolicy} says.
     * @param code    the close code of the WebSocket that closed; 1006 when an attempt failed before opening.
     * @param reason  its close reason, or why the attempt failed.
     */
    default void onReconnecting(final int attempt, final long delayMs, final int code, final String reason)
    {
    }

    /**
     * {@link ReconnectingMuxClient} only: a new WebSocket opened; every channel is being re-opened (channels with
     * positions with RECOVER).
     *
     * @param mux     the new connection.
     * @param attempt the attempt that succeeded.
     */
    default void onReconnected(final MuxClient mux, final int attempt)
    {
    }
}
