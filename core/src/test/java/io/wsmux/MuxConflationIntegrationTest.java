package io.wsmux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.wsmux.codec.CloseReason;
import io.wsmux.codec.FrameDecoder;
import io.wsmux.codec.FrameHandler;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A subscriber that stops reading while a conflating topic publishes thousands of updates: the others keep
 * receiving everything, the server queues a bounded amount for the stalled one, and when it reads again it gets
 * the latest value, never an older one after a newer one.
 */
@Timeout(60)
class MuxConflationIntegrationTest
{
    private static final int UPDATES = 20_000;

    /** A text-protocol subscriber on a raw socket with a tiny receive buffer, which reads only when told to. */
    static final class StalledSubscriber implements FrameHandler
    {
        final Socket socket = new Socket();
        final List<String> messages = new ArrayList<>();
        volatile int received;
        private final StringBuilder text = new StringBuilder();
        private final FrameDecoder decoder = new FrameDecoder(this, false, 1 << 20, 1 << 20, true);

        StalledSubscriber(final InetSocketAddress address, final String channel) throws IOException
        {
            this(address, channel, 4096);
        }

        /**
         * @param receiveBufferLength SO_RCVBUF, or 0 for the kernel's default (and its auto-tuning).
         */
        StalledSubscriber(final InetSocketAddress address, final String channel, final int receiveBufferLength)
            throws IOException
        {
            if (receiveBufferLength > 0)
            {
                socket.setReceiveBufferSize(receiveBufferLength);
            }
            socket.connect(address);
            socket.setSoTimeout(10_000);
            MuxTestSockets.upgradeAndSubscribe(socket, channel);
        }

        void readUntil(final String lastMessage) throws IOException
        {
            final byte[] bytes = new byte[8192];
            final UnsafeBuffer buffer = new UnsafeBuffer(bytes);
            while (messages.isEmpty() || !messages.get(messages.size() - 1).equals(lastMessage))
            {
                final int read = socket.getInputStream().read(bytes);
                if (read < 0)
                {
                    throw new IOException("closed after " + messages.size() + " messages");
                }
                decoder.decode(buffer, 0, read);
            }
        }

        @Override
        public void onFrameStart(final int opcode, final boolean fin, final long payloadLength)
        {
            text.setLength(0);
        }

        @Override
        public void onFramePayload(final MutableDirectBuffer buffer, final int offset, final int length)
        {
            text.append(buffer.getStringWithoutLengthUtf8(offset, length));
        }

        @Override
        public void onFrameEnd()
        {
            messages.add(text.toString());
            received = messages.size();
        }

        @Override
        public void onProtocolError(final CloseReason reason)
        {
            throw new AssertionError(reason.text());
        }
    }

    @Test
    void shouldKeepOnlyTheLatestValueForAStalledSubscriberWhileOthersGetEverything() throws Exception
    {
        final Multiplexer mux = Multiplexer.builder()
            .topic("prices.EURUSD", TopicOptions.LATEST)
            .topic("feed", TopicOptions.RELIABLE)
            .build();
        final WsmuxSettings settings = new WsmuxSettings().port(0).ioThreads(2).socketSendBuffer(8192)
            .outboundBudget(16 << 20);
        try (WsmuxServer server = WsmuxServer.builder(settings).mux("/mux", mux).build().start())
        {
            final Topic prices = mux.topic("prices.EURUSD");
            final Topic feed = mux.topic("feed");
            final StalledSubscriber stalled = new StalledSubscriber(server.address(), "prices.EURUSD");

            final List<String> fastFeed = new ArrayList<>();
            final CountDownLatch allFeed = new CountDownLatch(1);
            final WebSocket fast = HttpClient.newHttpClient().newWebSocketBuilder()
                .buildAsync(URI.create("ws://127.0.0.1:" + server.port() + "/mux"), new WebSocket.Listener()
                {
                    private final StringBuilder partial = new StringBuilder();

                    @Override
                    public CompletionStage<?> onText(final WebSocket webSocket, final CharSequence data,
                        final boolean last)
                    {
                        partial.append(data);
                        if (last)
                        {
                            final String message = partial.toString();
                            partial.setLength(0);
                            if (message.startsWith("msg,feed,"))
                            {
                                fastFeed.add(message);
                                if (fastFeed.size() == UPDATES)
                                {
                                    allFeed.countDown();
                                }
                            }
                        }
                        webSocket.request(1);
                        return null;
                    }
                })
                .get(5, TimeUnit.SECONDS);
            fast.sendText("sub,feed", true).get(5, TimeUnit.SECONDS);
            fast.sendText("sub,prices.EURUSD", true).get(5, TimeUnit.SECONDS);
            while (prices.subscriberCount() < 2 || feed.subscriberCount() < 1)
            {
                Thread.sleep(1);
            }

            final String padding = "x".repeat(200);
            for (int i = 1; i <= UPDATES; i++)
            {
                prices.publish("EURUSD," + i + "," + padding);
                feed.publish("tick," + i);
            }

            assertTrue(allFeed.await(30, TimeUnit.SECONDS), "the fast subscriber got " + fastFeed.size());
            for (int i = 0; i < UPDATES; i++)
            {
                assertEquals("msg,feed,tick," + (i + 1), fastFeed.get(i), "in order, exactly once");
            }
            assertTrue(server.conflations() > UPDATES / 2, "conflations=" + server.conflations());
            final long chunks = server.outboundChunksAllocated();
            assertTrue(chunks < 64, "queued memory stays bounded: chunks allocated=" + chunks);

            final String latest = "msg,prices.EURUSD,EURUSD," + UPDATES + "," + padding;
            stalled.readUntil(latest);

            long previous = 0;
            for (final String message : stalled.messages)
            {
                final long sequence = Long.parseLong(message.split(",")[3]);
                assertTrue(sequence > previous, "never an older value after a newer one: " + previous + " then " +
                    sequence);
                previous = sequence;
            }
            assertTrue(stalled.messages.size() < UPDATES / 2, "received " + stalled.messages.size());
            stalled.socket.close();
            fast.abort();
        }
    }

    /**
     * With the server's default socket buffers (no {@code socketSendBuffer} as above, which hid this): a subscriber
     * that read along for a while (so the kernel auto-tuned its send buffer) stops reading while 8.6 MB are offered,
     * then reads again. The server bounds what a conflating subscriber has in its socket
     * ({@code wsmux.conflation.send.buffer}), so the subscriber reads about 100 KB of stale updates before the latest
     * value, where the auto-tuned buffer held about 370 KB here (and up to 4 MiB, tcp_wmem's maximum, on a busier
     * connection). The client's own receive buffer is small (16 KiB): what it holds is the client's to bound.
     */
    @Test
    void shouldBoundTheStaleUpdatesInFlightToAConflatingSubscriberWithDefaultSocketBuffers() throws Exception
    {
        final Multiplexer mux = Multiplexer.builder().topicPrefix("prices.", TopicOptions.LATEST).build();
        final int updates = 40_000;
        try (WsmuxServer server = WsmuxServer.builder(new WsmuxSettings().port(0).ioThreads(1))
            .mux("/mux", mux).build().start())
        {
            final StalledSubscriber stalled = new StalledSubscriber(server.address(), "prices.EURUSD", 16 * 1024);
            final Topic prices = mux.topic("prices.EURUSD");
            while (prices.subscriberCount() < 1)
            {
                Thread.sleep(1);
            }

            // First it reads along, so that the kernel grows its buffers as for any busy connection.
            final String padding = "x".repeat(200);
            final String warmLatest = "msg,prices.EURUSD,EURUSD," + updates + "," + padding;
            final Thread reader = new Thread(() ->
            {
                try
                {
                    stalled.readUntil(warmLatest);
                }
                catch (final IOException ex)
                {
                    throw new IllegalStateException(ex);
                }
            });
            reader.start();
            for (int i = 1; i <= updates; i++)
            {
                prices.publish("EURUSD," + i + "," + padding);
                if (i % 100 == 0)
                {
                    Thread.sleep(1);
                }
            }
            reader.join(20_000);
            assertTrue(!reader.isAlive(), "the subscriber did not get the latest value while reading along");
            stalled.messages.clear();

            // Then it stops reading while 8.6 MB are offered, and reads again.
            for (int i = updates + 1; i <= 2 * updates; i++)
            {
                prices.publish("EURUSD," + i + "," + padding);
            }
            Thread.sleep(500);
            final String latest = "msg,prices.EURUSD,EURUSD," + 2 * updates + "," + padding;
            stalled.readUntil(latest);

            long staleBytes = 0;
            for (final String message : stalled.messages)
            {
                staleBytes += message.length();
            }
            System.out.println("conflation with default buffers: " + staleBytes + " bytes in " +
                stalled.messages.size() + " messages before the latest of " + updates);
            assertTrue(staleBytes < 256 * 1024, "the subscriber read " + staleBytes + " bytes in " +
                stalled.messages.size() + " messages before the latest of " + updates);
            assertTrue(server.conflations() > updates / 2, "conflations=" + server.conflations());
            stalled.socket.close();
        }
    }

    @Test
    void shouldDeliverEveryPublicationIntactAndInOrderToAReliableSubscriberThatStalledAndReadsAgain() throws Exception
    {
        // Publications from another thread are fanned out in batches through the loop's arena; the stalled
        // subscriber's socket leaves most of each batch, which must move intact to its own chunks before the arena
        // is reused by the next batch.
        final int publications = 5_000;
        final Multiplexer mux = Multiplexer.builder().topic("feed", TopicOptions.RELIABLE).build();
        final WsmuxSettings settings = new WsmuxSettings().port(0).ioThreads(1).socketSendBuffer(8192)
            .outboundBudget(16 << 20);
        try (WsmuxServer server = WsmuxServer.builder(settings).mux("/mux", mux).build().start())
        {
            final Topic feed = mux.topic("feed");
            final StalledSubscriber stalled = new StalledSubscriber(server.address(), "feed");
            final StalledSubscriber other = new StalledSubscriber(server.address(), "feed");
            final StalledSubscriber reader = new StalledSubscriber(server.address(), "feed");
            while (feed.subscriberCount() < 3)
            {
                Thread.sleep(1);
            }
            final String padding = "y".repeat(180);
            final String last = "msg,feed," + publications + "," + padding + "," + publications;
            // One subscriber keeps reading, so every batch reuses the arena while the other two have a backlog.
            final Throwable[] readerFailure = new Throwable[1];
            final Thread readerThread = new Thread(() ->
            {
                try
                {
                    reader.readUntil(last);
                }
                catch (final Throwable ex)
                {
                    readerFailure[0] = ex;
                }
            }, "test-reader");
            readerThread.start();

            for (int i = 1; i <= publications; i++)
            {
                feed.publish(i + "," + padding + "," + i);
                // One publication per batch: once a stalled socket is full, its frame stays behind at the start of
                // the arena, where the next batch puts the reader's frame.
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (reader.received < i && System.nanoTime() < deadline)
                {
                    Thread.yield();
                }
            }
            readerThread.join(30_000);
            assertEquals(null, readerFailure[0]);
            other.readUntil(last);
            stalled.readUntil(last);

            for (final StalledSubscriber subscriber : List.of(reader, other, stalled))
            {
                assertEquals(publications, subscriber.messages.size());
                for (int i = 1; i <= publications; i++)
                {
                    assertEquals("msg,feed," + i + "," + padding + "," + i, subscriber.messages.get(i - 1),
                        "intact, in order, exactly once");
                }
                subscriber.socket.close();
            }
        }
    }
}
