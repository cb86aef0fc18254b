package io.wsmux.transport;

import java.nio.channels.SocketChannel;

import org.agrona.DirectBuffer;

/**
 * Supplies the protocol's connection objects to a loop. Called on the loop's thread.
 */
public interface ConnectionFactory
{
    /**
     * A socket was accepted and is about to be registered.
     *
     * @param loop    the loop that owns it for life.
     * @param channel the accepted, non-blocking socket.
     * @param id      unique, never reused, never {@link TcpConnection#NULL_ID}.
     * @param nowNs   the loop's clock.
     * @return the connection object for it.
     */
    TcpConnection newConnection(IoLoop loop, SocketChannel channel, long id, long nowNs);

    /**
     * @return bytes written (best effort) to a socket refused at the connection limit before it is closed,
     * e.g. an HTTP 503 response; may be empty.
     */
    DirectBuffer refusalResponse();
}
