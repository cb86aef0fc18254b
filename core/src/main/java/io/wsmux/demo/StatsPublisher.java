package io.wsmux.demo;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.concurrent.TimeUnit;

import io.wsmux.Topic;
import io.wsmux.WsmuxServer;
import io.wsmux.status.SystemCounter;

/**
 * Publishes the server's counters once a second (read from its counters file, as {@code stat} and {@code /metrics}
 * read them, so the numbers agree) as JSON to the {@code stats} topic: connections, channels,
 * WebSocket and channel messages per second, bytes out per second, bytes queued and the JVM's GC count. Runs on its
 * own thread; a once-a-second string is fine here.
 */
public final class StatsPublisher implements Runnable
{
    private final WsmuxServer server;
    private final Topic topic;
    private volatile boolean running = true;

    /**
     * @param server the server to report on.
     * @param topic  where to publish.
     */
    public StatsPublisher(final WsmuxServer server, final Topic topic)
    {
        this.server = server;
        this.topic = topic;
    }

    /**
     * Stop after the current second.
     */
    public void stop()
    {
        running = false;
    }

    @Override
    public void run()
    {
        long lastIn = server.messagesIn();
        long lastOut = server.messagesOut();
        long lastBytes = server.bytesWritten();
        long lastNs = System.nanoTime();
        while (running)
        {
            try
            {
                Thread.sleep(1000);
            }
            catch (final InterruptedException ex)
            {
                return;
            }
            final long nowNs = System.nanoTime();
            final double seconds = (nowNs - lastNs) / (double)TimeUnit.SECONDS.toNanos(1);
            final long in = server.messagesIn();
            final long out = server.messagesOut();
            final long bytes = server.bytesWritten();
            topic.publish("{\"connections\":" + server.counter(SystemCounter.CONNECTIONS_OPEN) +
                ",\"channels\":" + server.openChannels() +
                ",\"messagesInPerSecond\":" + Math.round((in - lastIn) / seconds) +
                ",\"messagesOutPerSecond\":" + Math.round((out - lastOut) / seconds) +
                ",\"bytesOutPerSecond\":" + Math.round((bytes - lastBytes) / seconds) +
                ",\"queuedBytes\":" + server.queuedBytes() +
                ",\"gcCount\":" + gcCount() + "}");
            lastIn = in;
            lastOut = out;
            lastBytes = bytes;
            lastNs = nowNs;
        }
    }

    private static long gcCount()
    {
        long count = 0;
        for (final GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans())
        {
            count += Math.max(0, collector.getCollectionCount());
        }
        return count;
    }
}
