package io.wsmux;

import org.agrona.DirectBuffer;

/**
 * Sends every message straight back, with the same type: the handler of the jar's echo mode, the demo's
 * {@code echo} channel service and many tests. Stateless, so one instance may serve any number of endpoints and
 * loops.
 */
public final class EchoHandler implements WebSocketHandler
{
    @Override
    public void onText(final Connection connection, final DirectBuffer buffer, final int offset, final int length)
    {
        connection.sendText(buffer, offset, length);
    }

    @Override
    public void onBinary(final Connection connection, final DirectBuffer buffer, final int offset, final int length)
    {
        connection.sendBinary(buffer, offset, length);
    }
}
