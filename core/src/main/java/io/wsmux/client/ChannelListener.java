package io.wsmux.client;

import org.agrona.DirectBuffer;

/**
 * What an application does with one {@link MuxClientChannel}. Callbacks run on the client's I/O thread. Every
 * channel gets exactly one final callback: {@link #onRefused} or {@link #onClosed}.
 */
public interface ChannelListener
{
    /**
     * The server opened the channel (OPENED).
     *
     * @param channel the channel.
     */
    default void onOpened(final MuxClientChannel channel)
    {
    }

    /**
     * The server did not open the channel (REFUSED); its id is free again.
     *
     * @param channel the channel.
     * @param code    HTTP-style code: 403, 404, 409, 413, 429, 400.
     * @param reason  the server's reason.
     */
    default void onRefused(final MuxClientChannel channel, final int code, final String reason)
    {
    }

    /**
     * A text message arrived on the channel (UTF-8, checked).
     *
     * @param channel the channel.
     * @param buffer  holding the payload; valid only during the call.
     * @param offset  of the payload.
     * @param length  of the payload.
     */
    default void onText(final MuxClientChannel channel, final DirectBuffer buffer, final int offset, final int length)
    {
    }

    /**
     * A binary message arrived on the channel.
     *
     * @param channel the channel.
     * @param buffer  holding the payload; valid only during the call.
     * @param offset  of the payload.
     * @param length  of the payload.
     */
    default void onBinary(
        final MuxClientChannel channel, final DirectBuffer buffer, final int offset, final int length)
    {
    }

    /**
     * For a channel opened with positions ({@link MuxClient#openWithPositions}, {@link MuxClient#recover}), right after
     * {@link #onOpened}: what the server did with the position asked for. With
     * {@link io.wsmux.codec.mux.BinaryMuxDescriptor#RECOVERY_RECOVERED}, {@code offset - } the client's offset messages
     * follow before live ones; with {@code RECOVERY_NOT_RECOVERED} nothing was replayed (the last value follows if the
     * topic keeps one).
     *
     * @param channel  the channel.
     * @param recovery RECOVERY_NO_HISTORY, RECOVERY_FRESH, RECOVERY_RECOVERED or RECOVERY_NOT_RECOVERED.
     * @param epoch    the topic's epoch.
     * @param offset   the topic's current offset: its last publication's.
     */
    default void onRecovery(final MuxClientChannel channel, final int recovery, final long epoch, final long offset)
    {
    }

    /**
     * The channel's topic may have missed publications before the next message: the server's node lost its link to
     * the cluster for a while (code 503). The channel stays open; what follows is live again.
     *
     * @param channel the channel.
     * @param code    why (docs/protocol.md, GAP).
     * @param reason  in words.
     */
    default void onGap(final MuxClientChannel channel, final int code, final String reason)
    {
    }

    /**
     * The channel is closed.
     *
     * @param channel the channel.
     * @param code    the server's code when it closed the channel (CLOSED);
     *                {@link MuxClientChannel#CLOSED_BY_CLIENT} when {@link MuxClientChannel#close()} closed it;
     *                the WebSocket close code (1000-4999) when the WebSocket under it closed.
     * @param reason  the reason that came with the code.
     */
    default void onClosed(final MuxClientChannel channel, final int code, final String reason)
    {
    }
}
