package io.wsmux.perf.load;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.wsmux.Multiplexer;
import io.wsmux.Topic;
import io.wsmux.TopicOptions;
import io.wsmux.WsmuxServer;
import io.wsmux.WsmuxSettings;
import io.wsmux.codec.FrameDescriptor;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Fan-out throughput in one process: a wsmux server with one I/O thread, S text-protocol subscribers of one
 * reliable topic read by one client thread, and a publisher that keeps at most W publications in flight (ahead of
 * what every subscriber has received). Reports deliveries per second over the measured window.
 * <pre>
 * java -cp wsmux-perf.jar io.wsmux.perf.load.FanOutLoad 1000 64 32 3 5
 *                                                        S    payload W warm-up-s measure-s
 * </pre>
 */
public final class FanOutLoad
{
    private FanOutLoad()
    {
    }

    /**
     * @param args subscribers payloadLength window warmupSeconds measureSeconds.
     * @throws Exception on failure.
     */
    public static void main(final String[] args) throws Exception
    {
        final int subscribers = Integer.parseInt(args[0]);
        final int payloadLength = Integer.parseInt(args[1]);
        final int window = Integer.parseInt(args[2]);
        final int warmupSeconds = Integer.parseInt(args[3]);
        final int measureSeconds = Integer.parseInt(args[4]);

        final Multiplexer mux = Multiplexer.builder().topic("load", TopicOptions.RELIABLE).build();
        final AtomicLong receivedBytes = new AtomicLong();
        try (WsmuxServer server = WsmuxServer.builder(new WsmuxSettings().port(0).ioThreads(1)
            .outboundBudget(64 << 20)).mux("/mux", mux).build().start();
            Selector selector = Selector.open())
        {
            final List<SocketChannel> channels = new ArrayList<>();
            for (int i = 0; i < subscribers; i++)
            {
                final SocketChannel channel = SocketChannel.open(server.address());
                subscribe(channel);
                channel.configureBlocking(false);
                channel.register(selector, SelectionKey.OP_READ);
                channels.add(channel);
            }
            final Topic topic = mux.topic("load");
            while (topic.subscriberCount() < subscribers)
            {
                Thread.sleep(1);
            }

            final Thread reader = new Thread(() ->
            {
                final ByteBuffer buffer = ByteBuffer.allocateDirect(256 * 1024);
                while (!Thread.currentThread().isInterrupted())
                {
                    try
                    {
                        selector.select((key) ->
                        {
                            try
                            {
                                buffer.clear();
                                final int read = ((SocketChannel)key.channel()).read(buffer);
                                if (read > 0)
                                {
                                    receivedBytes.addAndGet(read);
                                }
                            }
                            catch (final IOException ex)
                            {
                                key.cancel();
                            }
                        }, 10);
                    }
                    catch (final IOException | RuntimeException ex)
                    {
                        return;
                    }
                }
            }, "fanout-reader");
            reader.start();

            final UnsafeBuffer payload = new UnsafeBuffer(new byte[payloadLength]);
            payload.setMemory(0, payloadLength, (byte)'p');
            final int textLength = "msg,load,".length() + payloadLength;
            final long frameLength = FrameDescriptor.headerLength(textLength, false) + textLength;
            final long bytesPerPublication = frameLength * subscribers;

            final long start = System.nanoTime();
            final long measureStart = start + TimeUnit.SECONDS.toNanos(warmupSeconds);
            final long end = measureStart + TimeUnit.SECONDS.toNanos(measureSeconds);
            long published = 0;
            long deliveredAtStart = -1;
            long now;
            while ((now = System.nanoTime()) < end)
            {
                if (deliveredAtStart < 0 && now >= measureStart)
                {
                    deliveredAtStart = receivedBytes.get() / frameLength;
                }
                if (published - receivedBytes.get() / bytesPerPublication < window)
                {
                    topic.publish(payload, 0, payloadLength);
                    published++;
                }
                else
                {
                    Thread.onSpinWait();
                }
            }
            final long delivered = receivedBytes.get() / frameLength - Math.max(0, deliveredAtStart);
            reader.interrupt();
            reader.join(1000);
            System.out.printf("fanout subscribers=%d payload=%d window=%d deliveriesPerSecond=%.0f%n",
                subscribers, payloadLength, window, delivered / (double)measureSeconds);
            for (final SocketChannel channel : channels)
            {
                channel.close();
            }
        }
    }

    private static void subscribe(final SocketChannel channel) throws IOException
    {
        RawUpgrade.upgrade(channel.socket(), "load", "/mux");
        RawUpgrade.sendText(channel.socket(), "sub,load");
    }
}
