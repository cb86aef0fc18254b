package io.wsmux.client;

import io.wsmux.codec.mux.BinaryMuxDescriptor;

/**
 * What an OPENED said of a {@link ReconnectingChannel} with positions (docs/protocol.md, positions and recovery),
 * told to {@link ReconnectingChannelListener#onRecovery} at each open: as {@code wsmux.js}'s {@code onrecovery}.
 *
 * @param status what the server did with the position asked for.
 * @param epoch  the topic's epoch; 0 for {@link Status#NO_HISTORY}.
 * @param offset the topic's current offset (its last publication's); 0 for {@link Status#NO_HISTORY}.
 * @param missed for {@link Status#RECOVERED}, how many publications follow before live ones ({@code offset} minus
 *               the channel's offset: exact on one node); -1 otherwise.
 * @param cause  why the channel was (re-)opened.
 */
public record Recovery(Status status, long epoch, long offset, long missed, Cause cause)
{
    /**
     * What the server did with the position, by OPENED's recovery byte.
     */
    public enum Status
    {
        /** The topic keeps no history (or the server predates positions): untagged messages, no position. */
        NO_HISTORY,
        /** No position was asked for: epoch and offset are the topic's current position; the last value follows if
         * the topic keeps one, then live. */
        FRESH,
        /** Every publication after the channel's offset follows, in order ({@code missed} of them), then live: no
         * duplicate, no gap. */
        RECOVERED,
        /** The epoch changed, or the history no longer holds what followed the channel's offset: nothing is
         * replayed, never a part of it; the last value follows if the topic keeps one, then live. */
        NOT_RECOVERED;

        /**
         * @param recovery OPENED's recovery byte ({@link BinaryMuxDescriptor#RECOVERY_FRESH} and the others).
         * @return its status; a value this client does not know is taken as {@link #NOT_RECOVERED}, as wsmux.js
         * does: nothing is assumed replayed.
         */
        public static Status of(final int recovery)
        {
            switch (recovery)
            {
                case BinaryMuxDescriptor.RECOVERY_NO_HISTORY:
                    return NO_HISTORY;
                case BinaryMuxDescriptor.RECOVERY_FRESH:
                    return FRESH;
                case BinaryMuxDescriptor.RECOVERY_RECOVERED:
                    return RECOVERED;
                default:
                    return NOT_RECOVERED;
            }
        }
    }

    /**
     * Why the channel was (re-)opened.
     */
    public enum Cause
    {
        /** Its first open. */
        OPEN,
        /** A new WebSocket after the last one closed. */
        RECONNECT,
        /** A GAP on the channel: it re-opened on the same WebSocket to recover what the gap may have lost. */
        GAP
    }
}
