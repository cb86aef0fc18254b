package io.wsmux.client;

import java.io.IOException;

/**
 * The opening handshake failed: the server answered with something other than a valid 101 (RFC 6455 §4.1), did not
 * answer in time, or closed the connection first. The message names the URI and, when there was a response, its
 * status line.
 */
public final class WebSocketHandshakeException extends IOException
{
    private static final long serialVersionUID = 1L;

    /** {@link #status()} when no HTTP status line was received. */
    public static final int NO_STATUS = -1;

    private final int status;

    /**
     * @param message what went wrong, with the URI and the status line.
     * @param status  the HTTP status received, or {@link #NO_STATUS}.
     */
    public WebSocketHandshakeException(final String message, final int status)
    {
        super(message);
        this.status = status;
    }

    /**
     * @return the HTTP status of the response (101 when the 101 itself was invalid), or {@link #NO_STATUS}.
     */
    public int status()
    {
        return status;
    }
}
