package io.wsmux.client;

import org.agrona.DirectBuffer;

/**
 * What an application does with one {@link ReconnectingChannel}: as {@link ChannelListener}, for a channel that
 * outlives the WebSockets under it (the callbacks of {@code wsmux.js}'s channels). Callbacks run on the client's I/O
 * thread. Every channel gets exactly one final callback: {@link #onRefused} if it never opened, else
 * {@link #onClosed}. A callback that throws is reported to {@link MuxListener#onFailure} and does not close anything.
 */
public interface ReconnectingChannelListener
{
    /**
     * The channel is open (OPENED): first, and again each time a reconnect or a GAP re-opens it. Messages queued
     * while it was not open have been sent just before.
     *
     * @param channel the channel.
     */
    default void onOpened(final ReconnectingChannel channel)
    {
    }

    /**
     * For a channel with positions, at each OPENED, before {@link #onOpened}: what the server did with the position
     * asked for. {@link Recovery.Status#RECOVERED}: {@code missed} messages follow, in order, then live;
     * {@link Recovery.Status#NOT_RECOVERED}: nothing was replayed, the last value follows if the topic keeps one
     * (reload what depends on the messages missed).
     *
     * @param channel  the channel; its {@link ReconnectingChannel#position()} is where the replay starts after
     *                 (RECOVERED) or the topic's current offset (otherwise).
     * @param recovery status, position, count and cause.
     */
    default void onRecovery(final ReconnectingChannel channel, final Recovery recovery)
    {
    }

    /**
     * A text message arrived (UTF-8, checked).
     *
     * @param channel the channel; {@link ReconnectingChannel#position()} is this message's offset, for a channel with
     *                positions on a topic with history.
     * @param buffer  holding the payload; valid only during the call.
     * @param offset  of the payload.
     * @param length  of the payload.
     */
    default void onText(
        final ReconnectingChannel channel, final DirectBuffer buffer, final int offset, final int length)
    {
    }

    /**
     * A binary message arrived.
     *
     * @param channel the channel; {@link ReconnectingChannel#position()} is this message's offset, as for text.
     * @param buffer  holding the payload; valid only during the call.
     * @param offset  of the payload.
     * @param length  of the payload.
     */
    default void onBinary(
        final ReconnectingChannel channel, final DirectBuffer buffer, final int offset, final int length)
    {
    }

    /**
     * The channel's topic may have missed publications before the next message (docs/protocol.md, GAP: 503 the
     * server's node lost its cluster link, 507 its connection was over its outbound budget). A channel with a
     * position then re-opens with RECOVER ({@link #onRecovery} with {@link Recovery.Cause#GAP}); others stay open.
     *
     * @param channel the channel.
     * @param code    why.
     * @param reason  in words.
     */
    default void onGap(final ReconnectingChannel channel, final int code, final String reason)
    {
    }

    /**
     * The channel, once open, closed for good: {@link ReconnectingChannel#close()}
     * ({@link MuxClientChannel#CLOSED_BY_CLIENT}, also before it first opened), the server (CLOSED's code and reason,
     * or REFUSED's when a re-open is refused), or the client giving up (the WebSocket's close code and reason).
     *
     * @param channel the channel.
     * @param code    as above.
     * @param reason  the reason that came with the code.
     */
    default void onClosed(final ReconnectingChannel channel, final int code, final String reason)
    {
    }

    /**
     * The channel never opened: the server refused it (REFUSED: 403, 404, 413, 429, 400), or the client gave up
     * first (the WebSocket's close code and reason). Messages queued for it are dropped.
     *
     * @param channel the channel.
     * @param code    as above.
     * @param reason  the reason that came with the code.
     */
    default void onRefused(final ReconnectingChannel channel, final int code, final String reason)
    {
    }
}
