package io.wsmux.status;

import java.net.InetSocketAddress;

/**
 * Commits wsmux's JFR events ({@code jfr print --events 'io.wsmux.*' recording.jfr}). Each carries the connection's id
 * and remote address, so a recording tells the story of an incident. Cold paths only: an event and its strings are
 * allocated when recording is on, nothing when it is off.
 * <p>
 * <b>Internal</b>: public only so that {@code io.wsmux} can emit them. Thread safe.
 */
public final class WsmuxEvents
{
    private WsmuxEvents()
    {
    }

    /**
     * @param connectionId   the WebSocket's id.
     * @param remoteAddress  the peer, or null if the socket is gone.
     * @param reason         why it was given up on.
     * @param queuedBytes    bytes queued for it when it was given up on.
     * @param discardedBytes unsent data frames dropped so the close frame goes next.
     */
    public static void slowConsumerClosed(
        final long connectionId,
        final InetSocketAddress remoteAddress,
        final String reason,
        final long queuedBytes,
        final long discardedBytes)
    {
        final SlowConsumerCloseEvent event = new SlowConsumerCloseEvent();
        if (event.shouldCommit())
        {
            event.connectionId = connectionId;
            event.remoteAddress = text(remoteAddress);
            event.reason = reason;
            event.queuedBytes = queuedBytes;
            event.discardedBytes = discardedBytes;
            event.commit();
        }
    }

    /**
     * @param connectionId  the connection's id.
     * @param remoteAddress the peer, or null if the socket is gone.
     * @param status        the HTTP status answered.
     * @param reason        the reason sent in the body.
     * @param path          the request path, or null if the request line was not read.
     */
    public static void handshakeRefused(
        final long connectionId,
        final InetSocketAddress remoteAddress,
        final int status,
        final String reason,
        final String path)
    {
        final HandshakeRefusedEvent event = new HandshakeRefusedEvent();
        if (event.shouldCommit())
        {
            event.connectionId = connectionId;
            event.remoteAddress = text(remoteAddress);
            event.status = status;
            event.reason = reason;
            event.path = path;
            event.commit();
        }
    }

    private static String text(final InetSocketAddress address)
    {
        return null == address ? null : address.getHostString() + ":" + address.getPort();
    }
}
