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
     * An outgoing connection made with {@link IoLoop#connect} is established.
     *
     * @param loop    the loop that owns it for life.
     * @param channel the connected, non-blocking socket.
     * @param id      unique id.
     * @param nowNs   the loop's clock.
     * @param context what was given to {@link IoLoop#connect}.
     * @return the connection object for it.
     */
    default TcpConnection newClientConnection(
        final IoLoop loop, final SocketChannel channel, final long id, final long nowNs, final Object context)
    {
        return newConnection(loop, channel, id, nowNs);
    }

    /**
     * An outgoing connection made with {@link IoLoop#connect} failed.
     *
     * @param context what was given to {@link IoLoop#connect}.
     * @param cause   why.
     */
    /**
     * Make the connection of a socket another loop handed to this one ({@link IoLoop#handOff}).
     *
     * @param loop    the loop it now belongs to.
     * @param channel the socket, open and non-blocking.
     * @param id      its new id on this loop.
     * @param nowNs   loop clock.
     * @param context what the handing loop passed.
     * @return the connection.
     */
    default TcpConnection newHandedOffConnection(
        final IoLoop loop, final SocketChannel channel, final long id, final long nowNs, final Object context)
    {
        return newConnection(loop, channel, id, nowNs);
    }

    default void onConnectFailed(final Object context, final Throwable cause)
    {
    }

    /**
     * The loop finished a duty cycle that did work and published its own counters: publish the protocol's too (the
     * connections' counters are plain fields of the loop's thread; see {@link TransportCounters}).
     *
     * @param loop the loop.
     */
    default void onDutyCycleEnd(final IoLoop loop)
    {
    }

    /**
     * A batch (one read, or one drain of the command and task queues) is about to end: whatever the protocol deferred
     * during it, such as publications grouped for a fan-out, must be written now, while {@link IoLoop#stage} and the
     * batch's arena are still open. Called once or more per batch; cheap when there is nothing to do.
     *
     * @param loop the loop.
     */
    default void onBatchEnd(final IoLoop loop)
    {
    }

    /**
     * @return bytes written (best effort) to a socket refused at the connection limit before it is closed,
     * e.g. an HTTP 503 response; may be empty.
     */
    DirectBuffer refusalResponse();
}
