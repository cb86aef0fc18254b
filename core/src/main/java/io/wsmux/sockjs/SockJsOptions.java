package io.wsmux.sockjs;

/**
 * How one SockJS endpoint behaves where it differs from the server-wide settings ({@code wsmux.sockjs.*}). A zero
 * or null value means "the server's setting". Not thread safe: configure before the server is built.
 */
public final class SockJsOptions
{
    /** Where the bundled sockjs-client is served, which the iframe page loads by default. */
    public static final String BUNDLED_CLIENT_PATH = "/sockjs.min.js";

    private boolean websocket = true;
    private boolean cookieNeeded;
    private int responseLimit;
    private long heartbeatNs;
    private long disconnectDelayNs;
    private String clientUrl = BUNDLED_CLIENT_PATH;

    /**
     * @return whether the WebSocket transports ({@code /websocket} and the session's) are offered; {@code /info}
     * says so to clients.
     */
    public boolean websocket()
    {
        return websocket;
    }

    /**
     * @param websocket whether to offer the WebSocket transports (default true).
     * @return this.
     */
    public SockJsOptions websocket(final boolean websocket)
    {
        this.websocket = websocket;
        return this;
    }

    /**
     * @return whether every transport response sets the JSESSIONID cookie (for load balancers that stick on it), and
     * {@code /info} says {@code cookie_needed: true}.
     */
    public boolean cookieNeeded()
    {
        return cookieNeeded;
    }

    /**
     * @param cookieNeeded set JSESSIONID (the client's own value, else "dummy"; default false).
     * @return this.
     */
    public SockJsOptions cookieNeeded(final boolean cookieNeeded)
    {
        this.cookieNeeded = cookieNeeded;
        return this;
    }

    /**
     * @return bytes a streaming response carries before it ends, 0 for {@code wsmux.sockjs.response.limit}.
     */
    public int responseLimit()
    {
        return responseLimit;
    }

    /**
     * @param responseLimit bytes a streaming response carries, at least 1 (0: the server's setting).
     * @return this.
     */
    public SockJsOptions responseLimit(final int responseLimit)
    {
        if (responseLimit < 0)
        {
            throw new IllegalArgumentException("responseLimit must be at least 0: responseLimit=" + responseLimit);
        }
        this.responseLimit = responseLimit;
        return this;
    }

    /**
     * @return heartbeat interval, 0 for {@code wsmux.sockjs.heartbeat}.
     */
    public long heartbeatNs()
    {
        return heartbeatNs;
    }

    /**
     * @param heartbeatNs heartbeat interval (0: the server's setting).
     * @return this.
     */
    public SockJsOptions heartbeatNs(final long heartbeatNs)
    {
        if (heartbeatNs < 0)
        {
            throw new IllegalArgumentException("heartbeatNs must be at least 0: heartbeatNs=" + heartbeatNs);
        }
        this.heartbeatNs = heartbeatNs;
        return this;
    }

    /**
     * @return how long a session lives without a receiver, 0 for {@code wsmux.sockjs.disconnect.delay}.
     */
    public long disconnectDelayNs()
    {
        return disconnectDelayNs;
    }

    /**
     * @param disconnectDelayNs how long a session lives without a receiver (0: the server's setting).
     * @return this.
     */
    public SockJsOptions disconnectDelayNs(final long disconnectDelayNs)
    {
        if (disconnectDelayNs < 0)
        {
            throw new IllegalArgumentException(
                "disconnectDelayNs must be at least 0: disconnectDelayNs=" + disconnectDelayNs);
        }
        this.disconnectDelayNs = disconnectDelayNs;
        return this;
    }

    /**
     * @return the sockjs-client script the iframe page loads.
     */
    public String clientUrl()
    {
        return clientUrl;
    }

    /**
     * @param clientUrl the sockjs-client script the iframe page loads: a path on this server or an http(s) URL
     *                  (default: the copy the jar serves at {@link #BUNDLED_CLIENT_PATH}).
     * @return this.
     */
    public SockJsOptions clientUrl(final String clientUrl)
    {
        if (null == clientUrl || !(clientUrl.startsWith("/") || clientUrl.startsWith("http")) ||
            clientUrl.indexOf('"') >= 0 || clientUrl.indexOf('<') >= 0)
        {
            throw new IllegalArgumentException("clientUrl must be a path or an http(s) URL: clientUrl=" + clientUrl);
        }
        this.clientUrl = clientUrl;
        return this;
    }
}
