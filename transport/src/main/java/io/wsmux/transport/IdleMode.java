package io.wsmux.transport;

/**
 * How an {@link IoLoop} waits when a duty cycle found no work.
 */
public enum IdleMode
{
    /** Block in {@code select} until a socket is ready, a command arrives or the next timer tick (default). */
    BLOCKING,
    /** Poll with {@code selectNow}, then spin, yield and park with growing pauses (Agrona back-off). */
    BACKOFF,
    /** Poll with {@code selectNow} and never sleep: lowest latency, one core per loop. */
    SPIN
}
