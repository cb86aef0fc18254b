package io.wsmux;

/**
 * Decides whether an upgrade request may become a WebSocket: checks an Origin, a token, a cookie. Runs on the I/O
 * loop before the 101 response; must not block.
 */
@FunctionalInterface
public interface UpgradeHook
{
    /**
     * @param request the upgrade request.
     * @return null to accept, or the HTTP rejection to answer with (the socket is then closed).
     */
    Rejection check(HandshakeRequest request);

    /**
     * An HTTP rejection of an upgrade.
     *
     * @param status HTTP status, 400-599.
     * @param reason human-readable reason, sent as the response body.
     */
    record Rejection(int status, String reason)
    {
        /**
         * @param status HTTP status, 400-599.
         * @param reason human-readable reason.
         */
        public Rejection
        {
            if (status < 400 || status > 599)
            {
                throw new IllegalArgumentException("rejection status must be 4xx or 5xx: status=" + status);
            }
        }
    }
}
