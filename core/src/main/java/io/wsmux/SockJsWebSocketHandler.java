package io.wsmux;

import io.wsmux.codec.CloseCode;
import io.wsmux.codec.sockjs.SockJsJson;
import org.agrona.DirectBuffer;

/**
 * The SockJS WebSocket transport ({@code /prefix/server/session/websocket}): each WebSocket carries one session,
 * not in the endpoint's table (two WebSockets may name the same session id). Frames go out as text messages; what
 * the client sends is a JSON array of strings, or one string.
 */
final class SockJsWebSocketHandler implements WebSocketHandler
{
    private final SockJsEndpoint endpoint;

    SockJsWebSocketHandler(final SockJsEndpoint endpoint)
    {
        this.endpoint = endpoint;
    }

    @Override
    public void onOpen(final Connection connection)
    {
        final WsConnection webSocket = (WsConnection)connection;
        final SockJsSession session = new SockJsSession(endpoint, webSocket.context(), webSocket.loop(), null,
            webSocket.id(), webSocket.remoteAddress(), webSocket.query(), webSocket.identity());
        final Receiver receiver = new Receiver(webSocket, session);
        webSocket.attach(receiver);
        session.attach(receiver, webSocket.handshake());
    }

    @Override
    public void onText(final Connection connection, final DirectBuffer buffer, final int offset, final int length)
    {
        if (0 == length)
        {
            return;
        }
        final Receiver receiver = (Receiver)connection.attachment();
        final WsConnection webSocket = receiver.webSocket;
        final int messages = webSocket.context().sockJs.deliver(receiver.session, buffer, offset, length, true);
        if (SockJsJson.BROKEN == messages)
        {
            connection.close(CloseCode.INVALID_PAYLOAD, "Broken JSON encoding.");
        }
    }

    @Override
    public void onBinary(final Connection connection, final DirectBuffer buffer, final int offset, final int length)
    {
        connection.close(CloseCode.UNSUPPORTED_DATA, "SockJS carries text frames only");
    }

    @Override
    public void onClose(final Connection connection, final int code, final String reason)
    {
        final Receiver receiver = (Receiver)connection.attachment();
        if (null != receiver)
        {
            receiver.session.webSocketClosed(receiver, code, reason);
        }
    }

    /**
     * The WebSocket as the session's receiver: one text message per frame.
     */
    static final class Receiver implements SockJsReceiver
    {
        final WsConnection webSocket;
        final SockJsSession session;

        Receiver(final WsConnection webSocket, final SockJsSession session)
        {
            this.webSocket = webSocket;
            this.session = session;
        }

        @Override
        public boolean sendFrame(final DirectBuffer frame, final int offset, final int length)
        {
            webSocket.sendText(frame, offset, length);
            return true;
        }

        @Override
        public void end()
        {
            webSocket.close(CloseCode.NORMAL, "");
        }

        @Override
        public long queuedBytes()
        {
            return webSocket.queuedBytes();
        }
    }
}
