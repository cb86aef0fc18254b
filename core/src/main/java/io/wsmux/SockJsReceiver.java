package io.wsmux;

import org.agrona.DirectBuffer;

/**
 * Where a {@link SockJsSession}'s frames go: a streaming HTTP response, a waiting poll, or a SockJS WebSocket. Each
 * wraps a frame ({@code o}, {@code h}, {@code a[...]}, {@code c[...]}) in its transport's framing.
 */
interface SockJsReceiver
{
    /**
     * Write one frame.
     *
     * @param frame  the frame's bytes.
     * @param offset of the frame.
     * @param length of the frame.
     * @return true while the receiver stays attached; false once it has ended (a poll answered, a streaming response
     * at its limit).
     */
    boolean sendFrame(DirectBuffer frame, int offset, int length);

    /**
     * End the response (after a close frame). Idempotent.
     */
    void end();

    /**
     * @return bytes the receiver's socket has not taken yet.
     */
    long queuedBytes();
}
