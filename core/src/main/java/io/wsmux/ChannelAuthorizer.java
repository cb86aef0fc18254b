package io.wsmux;

/**
 * Decides whether a WebSocket may open a channel. Runs on the connection's I/O loop when the client opens the
 * channel; must not block.
 */
@FunctionalInterface
public interface ChannelAuthorizer
{
    /**
     * @param connection  the WebSocket (its path, query, attachment; the upgrade hook or onOpen can store what it
     *                    learned from the handshake headers in the attachment).
     * @param channelName the channel's name, unescaped.
     * @return null to allow, or the reason for refusing (sent to binary-protocol clients; text-protocol clients get
     * {@code uns,<name>}).
     */
    String authorize(Connection connection, String channelName);
}
