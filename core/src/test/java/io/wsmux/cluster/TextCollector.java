package io.wsmux.cluster;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.WebSocket;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Collects a JDK WebSocket's text messages, whole, for the cluster tests.
 */
public final class TextCollector implements WebSocket.Listener
{
    private final LinkedBlockingQueue<String> received = new LinkedBlockingQueue<>();
    private final StringBuilder text = new StringBuilder();
    private final long waitMs;

    /**
     * @param waitMs how long {@link #next()} waits.
     */
    public TextCollector(final long waitMs)
    {
        this.waitMs = waitMs;
    }

    @Override
    public CompletionStage<?> onText(final WebSocket webSocket, final CharSequence data, final boolean last)
    {
        text.append(data);
        if (last)
        {
            received.add(text.toString());
            text.setLength(0);
        }
        webSocket.request(1);
        return null;
    }

    /**
     * @return the next message; fails the test if none comes in time.
     * @throws InterruptedException if interrupted.
     */
    public String next() throws InterruptedException
    {
        final String message = received.poll(waitMs, TimeUnit.MILLISECONDS);
        assertTrue(null != message, "nothing received within " + waitMs + " ms");
        return message;
    }

    /**
     * @param pollMs how long to wait.
     * @return the next message, or null if none came.
     * @throws InterruptedException if interrupted.
     */
    public String poll(final long pollMs) throws InterruptedException
    {
        return received.poll(pollMs, TimeUnit.MILLISECONDS);
    }
}
