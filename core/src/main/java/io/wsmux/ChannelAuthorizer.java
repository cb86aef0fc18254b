package io.wsmux;

/**
 * Decides whether a WebSocket may open a channel. Runs on the connection's I/O loop when the client opens the
 * channel; must not block. Who the client is comes from the endpoint's {@link UpgradeHook}, which read the token,
 * cookie or header at the handshake and attached an identity ({@link HandshakeRequest#identity(Object)}):
 * <pre>
 * (webSocket, channel) -&gt; channel.startsWith("admin.") &amp;&amp; !((User)webSocket.identity()).admin() ?
 *     "admins only" : null
 * </pre>
 */
@FunctionalInterface
public interface ChannelAuthorizer
{
    /**
     * @param connection  the WebSocket: its {@link Connection#identity()} (what the upgrade hook attached), path,
     *                    query and remote address.
     * @param channelName the channel's name, unescaped.
     * @return null to allow, or the reason for refusing (sent to binary-protocol clients; text-protocol clients get
     * {@code uns,<name>}).
     */
    String authorize(Connection connection, String channelName);
}
