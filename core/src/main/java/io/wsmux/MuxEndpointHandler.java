package io.wsmux;

import java.util.function.Consumer;

import io.wsmux.codec.mux.BinaryMuxDescriptor;
import org.agrona.DirectBuffer;

/**
 * The handler of a multiplexed endpoint: gives each WebSocket a {@link MuxSession} in the protocol its handshake
 * chose and routes its messages there, and calls the multiplexer's per-WebSocket open and close hooks. Stateless;
 * runs on each connection's loop.
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
        final MuxCarrier webSocket = (MuxCarrier)connection;
        webSocket.muxSession(new MuxSession(webSocket, multiplexer, webSocket.context(),
            BinaryMuxDescriptor.SUBPROTOCOL.equals(webSocket.subprotocol())));
        final Consumer<Connection> onOpen = multiplexer.onWebSocketOpen();
        if (null != onOpen)
        {
            onOpen.accept(webSocket); // throws: the WebSocket closes with 1011 (WsConnection's handler guard)
        }
    }

    @Override
    public void onText(final Connection connection, final DirectBuffer buffer, final int offset, final int length)
    {
        ((MuxCarrier)connection).muxSession().onText(buffer, offset, length);
    }

    @Override
    public void onBinary(final Connection connection, final DirectBuffer buffer, final int offset, final int length)
    {
        ((MuxCarrier)connection).muxSession().onBinary(buffer, offset, length);
    }

    @Override
    public void onClose(final Connection connection, final int code, final String reason)
    {
        final MuxSession session = ((MuxCarrier)connection).muxSession();
        if (null != session)
        {
            session.onWebSocketClosed(code, reason);
        }
        final Multiplexer.WebSocketCloseListener onClose = multiplexer.onWebSocketClose();
        if (null != onClose)
        {
            onClose.onClose(connection, code, reason);
        }
    }
}
