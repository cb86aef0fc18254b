package io.wsmux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.wsmux.codec.CloseReason;
import io.wsmux.codec.FrameDecoder;
import io.wsmux.codec.FrameHandler;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One publisher, 2,000 subscribers of one topic spread over both I/O loops: every subscriber receives every
 * publication exactly once and in order.
 */
@Timeout(120)
class MuxFanOutIntegrationTest
{
    private static final int SUBSCRIBERS = 2_000;
    private static final int PUBLICATIONS = 200;

    /** A text-protocol subscriber checking the sequence numbers it receives. */
    static final class Subscriber implements FrameHandler
    {
        final SocketChannel channel;
        final FrameDecoder decoder = new FrameDecoder(this, false, 1 << 16, 1 << 16, true);
        final StringBuilder text = new StringBuilder();
        int nextExpected = 1;
        String error;

        Subscriber(final SocketChannel channel)
        {
            this.channel = channel;
        }

        @Override
        public void onFrameStart(final int opcode, final boolean fin, final long payloadLength)
        {
            text.setLength(0);
        }

        @Override
        public void onFramePayload(final MutableDirectBuffer buffer, final int offset, final int length)
        {
            text.append(buffer.getStringWithoutLengthAscii(offset, length));
        }

        @Override
        public void onFrameEnd()
        {
            final String expected = "msg,fan,seq=" + nextExpected;
            if (null == error && !expected.contentEquals(text))
            {
                error = "expected " + expected + " but got " + text;
            }
            nextExpected++;
        }

        @Override
        public void onProtocolError(final CloseReason reason)
        {
            error = reason.text();
        }
    }

    @Test
    void shouldDeliverEveryPublicationOnceAndInOrderToEverySubscriber() throws Exception
    {
        final Multiplexer mux = Multiplexer.builder().topic("fan", TopicOptions.RELIABLE).build();
        try (WsmuxServer server = WsmuxServer.builder(new WsmuxSettings().port(0).ioThreads(2))
            .mux("/mux", mux).build().start();
            Selector selector = Selector.open())
        {
            final List<Subscriber> subscribers = new ArrayList<>();
            for (int i = 0; i < SUBSCRIBERS; i++)
            {
                final SocketChannel channel = SocketChannel.open(server.address());
                MuxTestSockets.upgradeAndSubscribe(channel.socket(), "fan");
                channel.configureBlocking(false);
                final Subscriber subscriber = new Subscriber(channel);
                channel.register(selector, SelectionKey.OP_READ, subscriber);
                subscribers.add(subscriber);
            }
            final Topic topic = mux.topic("fan");
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (topic.subscriberCount() < SUBSCRIBERS && System.nanoTime() < deadline)
            {
                Thread.sleep(1);
            }
            assertEquals(SUBSCRIBERS, topic.subscriberCount());
            assertTrue(topic.loopTopic(0).subscriberCount > 0 && topic.loopTopic(1).subscriberCount > 0,
                "subscribers on both loops: " + topic.loopTopic(0).subscriberCount + " and " +
                topic.loopTopic(1).subscriberCount);

            final Thread publisher = new Thread(() ->
            {
                for (int i = 1; i <= PUBLICATIONS; i++)
                {
                    topic.publish("seq=" + i);
                }
            });
            publisher.start();

            final ByteBuffer read = ByteBuffer.allocateDirect(64 * 1024);
            final UnsafeBuffer view = new UnsafeBuffer(read);
            int complete = 0;
            while (complete < SUBSCRIBERS && System.nanoTime() < deadline + TimeUnit.SECONDS.toNanos(30))
            {
                selector.select(100);
                for (final SelectionKey key : selector.selectedKeys())
                {
                    final Subscriber subscriber = (Subscriber)key.attachment();
                    read.clear();
                    final int length = subscriber.channel.read(read);
                    if (length > 0)
                    {
                        final boolean wasComplete = subscriber.nextExpected > PUBLICATIONS;
                        subscriber.decoder.decode(view, 0, length);
                        if (!wasComplete && subscriber.nextExpected > PUBLICATIONS)
                        {
                            complete++;
                        }
                    }
                }
                selector.selectedKeys().clear();
            }
            publisher.join();

            for (final Subscriber subscriber : subscribers)
            {
                assertEquals(null, subscriber.error);
                assertEquals(PUBLICATIONS + 1, subscriber.nextExpected, "every publication exactly once");
                subscriber.channel.close();
            }
            AwaitCount.awaitCount("deliveries", server::deliveries, (long)SUBSCRIBERS * PUBLICATIONS);
        }
    }
}
