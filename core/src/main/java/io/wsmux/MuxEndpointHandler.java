package io.wsmux;

import io.wsmux.codec.mux.BinaryMuxDescriptor;
import org.agrona.DirectBuffer;

/**
 * The handler of a multiplexed endpoint: gives each WebSocket a {@link MuxSession} in the protocol its handshake
 * chose and routes its messages there. Stateless; runs on each connection's loop.
 */
final class MuxEndpointHandler implements WebSocketHandler
{
    private final Multiplexer multiplexer;

    MuxEndpointHandler(final Multiplexer multiplexer)
    {
        this.multiplexer = multiplexer;
    }

    @Override
    public void onOpen(final Connection connection)
    {
        final WsConnection webSocket = (WsConnection)connection;
        webSocket.muxSession(new MuxSession(webSocket, multiplexer, webSocket.context(),
            BinaryMuxDescriptor.SUBPROTOCOL.equals(webSocket.subprotocol())));
    }

    @Override
    public void onText(final Connection connection, final DirectBuffer buffer, final int offset, final int length)
    {
        ((WsConnection)connection).muxSession().onText(buffer, offset, length);
    }

    @Override
    public void onBinary(final Connection connection, final DirectBuffer buffer, final int offset, final int length)
    {
        ((WsConnection)connection).muxSession().onBinary(buffer, offset, length);
    }

    @Override
    public void onClose(final Connection connection, final int code, final String reason)
    {
        final MuxSession session = ((WsConnection)connection).muxSession();
        if (null != session)
        {
            session.onWebSocketClosed(code, reason);
        }
    }
}
