package io.wsmux.perf.load;

import org.agrona.DirectBuffer;

/**
 * Callbacks of one SockJS xhr-streaming session ({@link XhrStreamingSession}), on its client loop's thread.
 */
interface XhrStreamingHandler
{
    /**
     * The {@code o} frame arrived: the session is open and {@link XhrStreamingSession#send} may be called.
     *
     * @param session the session.
     */
    default void onOpen(final XhrStreamingSession session)
    {
    }

    /**
     * One message of an {@code a} frame.
     *
     * @param session the session.
     * @param buffer  holds the message, UTF-8; valid only during the call.
     * @param offset  of the message.
     * @param length  of the message.
     */
    default void onMessage(final XhrStreamingSession session, final DirectBuffer buffer, final int offset,
        final int length)
    {
    }

    /**
     * The session ended other than by the client's own close: a {@code c} frame (the server's code and reason), or
     * a failure ({@link XhrStreamingSession#CLIENT_FAILURE}: a connection ended or was refused, a request was
     * answered with an error, or the server sent what is not SockJS). Not called for a session that never opened
     * (its connect fails instead).
     *
     * @param session the session.
     * @param code    the close code.
     * @param reason  what happened.
     */
    default void onClose(final XhrStreamingSession session, final int code, final String reason)
    {
    }
}
