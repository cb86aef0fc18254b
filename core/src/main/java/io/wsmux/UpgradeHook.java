package io.wsmux;

/**
 * Decides whether an upgrade request may become a WebSocket: checks an Origin, a token, a cookie. Runs on the I/O
 * loop before the 101 response; must not block (look tokens up in memory, or validate a signed one). To accept and
 * say who the client is, attach an identity and return null; the {@link ChannelAuthorizer} and every channel see it
 * as {@link Connection#identity()}:
 * <pre>
 * UpgradeHook tokenCheck = (request) -&gt;
 * {
 *     final User user = users.get(request.queryParameter("token"));   // or request.cookie("token")
 *     if (null == user)
 *     {
 *         return new UpgradeHook.Rejection(401, "a valid token is required");
 *     }
 *     request.identity(user);
 *     return null;
 * };
 * </pre>
 * A hook that throws answers 500 and counts as an error.
 */
@FunctionalInterface
public interface UpgradeHook
{
    /**
     * @param request the upgrade request: headers, cookies, query, remote address; attach the client's identity to it.
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
