package io.wsmux.client;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.agrona.DirectBuffer;

/**
 * A channel's events as lines, for tests: {@code opened}, {@code recovery R E O}, {@code text T @P} (P the channel's
 * position, 0 without positions), {@code binary N @P}, {@code gap C reason}, {@code closed C reason},
 * {@code refused C reason}.
 */
public final class ChannelEvents implements ChannelListener
{
    private final BlockingQueue<String> events = new LinkedBlockingQueue<>();
    private final long waitMs;

    /**
     * @param waitMs how long {@link #next()} waits.
     */
    public ChannelEvents(final long waitMs)
    {
        this.waitMs = waitMs;
    }

    @Override
    public void onOpened(final MuxClientChannel channel)
    {
        events.add("opened");
    }

    @Override
    public void onRecovery(final MuxClientChannel channel, final int recovery, final long epoch, final long offset)
    {
        events.add("recovery " + recovery + " " + epoch + " " + offset);
    }

    @Override
    public void onText(final MuxClientChannel channel, final DirectBuffer buffer, final int offset, final int length)
    {
        events.add("text " + buffer.getStringWithoutLengthUtf8(offset, length) + " @" + channel.position());
    }

    @Override
    public void onBinary(
        final MuxClientChannel channel, final DirectBuffer buffer, final int offset, final int length)
    {
        events.add("binary " + length + " @" + channel.position());
    }

    @Override
    public void onGap(final MuxClientChannel channel, final int code, final String reason)
    {
        events.add("gap " + code + " " + reason);
    }

    @Override
    public void onClosed(final MuxClientChannel channel, final int code, final String reason)
    {
        events.add("closed " + code + " " + reason);
    }

    @Override
    public void onRefused(final MuxClientChannel channel, final int code, final String reason)
    {
        events.add("refused " + code + " " + reason);
    }

    /**
     * @return the next event; fails the test if none comes in time.
     * @throws InterruptedException if interrupted.
     */
    public String next() throws InterruptedException
    {
        final String event = events.poll(waitMs, TimeUnit.MILLISECONDS);
        assertTrue(null != event, "no channel event within " + waitMs + " ms");
        return event;
    }

    /**
     * @param ms how long to wait.
     * @return the next event, or null if none came.
     * @throws InterruptedException if interrupted.
     */
    public String poll(final long ms) throws InterruptedException
    {
        return events.poll(ms, TimeUnit.MILLISECONDS);
    }
}
