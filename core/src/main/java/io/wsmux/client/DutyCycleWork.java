package io.wsmux.client;

/**
 * Work a {@link WsmuxClient}'s I/O thread does once per duty cycle, after its I/O: a load generator's pacer that
 * sends on a schedule, say. It runs on the client's thread, so the connections it sends on are written directly,
 * without a cross-thread hand-off. Under {@link io.wsmux.transport.IdleMode#BLOCKING} a cycle runs only when I/O,
 * a timer or a command wakes the loop; for work on a schedule use {@link io.wsmux.transport.IdleMode#SPIN} or
 * {@link io.wsmux.transport.IdleMode#BACKOFF}.
 */
@FunctionalInterface
public interface DutyCycleWork
{
    /**
     * Do some work; must not block.
     *
     * @param nowNs the loop's clock ({@link System#nanoTime()} read at the start of the cycle).
     * @return how much work was done: 0 lets the idle strategy back off.
     */
    int doWork(long nowNs);
}
