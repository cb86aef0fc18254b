package io.wsmux;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.wsmux.codec.CloseReason;
import io.wsmux.codec.FrameDecoder;
import io.wsmux.codec.FrameEncoder;
import io.wsmux.codec.FrameHandler;
import io.wsmux.codec.Opcode;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The loop delivers a batch's publications together at the batch's end (FanOutBatch). What a client receives must be
 * what it received when each publication was delivered at once: in arrival order across topics, in order with
 * service replies and with subscriptions made in the same batch, and nothing twice. Each test sends its requests in
 * one write, so that the server reads them in one batch.
 */
@Timeout(60)
class MuxFanOutOrderIntegrationTest
{
    private static final long WAIT_NS = TimeUnit.SECONDS.toNanos(10);

    private Multiplexer mux;
    private WsmuxServer server;
    private final List<Client> clients = new ArrayList<>();

    @BeforeEach
    void start() throws IOException
    {
        final Multiplexer[] holder = new Multiplexer[1];
        mux = Multiplexer.builder()
            .topicPrefix("t.", TopicOptions.RELIABLE)
            .topicPrefix("lv.", new TopicOptions(true, false, 0))
            .servicePrefix("publish.", new Main.PublishService(holder))
            .service("pubreply", new WebSocketHandler()
            {
                @Override
                public void onText(final Connection channel, final DirectBuffer buffer, final int offset,
                    final int length)
                {
                    final String text = buffer.getStringWithoutLengthUtf8(offset, length);
                    holder[0].topic("t.reply").publish(text);
                    channel.sendText("ack:" + text);
                }
            })
            .build();
        holder[0] = mux;
        server = WsmuxServer.builder(new WsmuxSettings().port(0).ioThreads(1)).mux("/mux", mux).build().start();
    }

    @AfterEach
    void stop() throws IOException
    {
        for (final Client client : clients)
        {
            client.socket.close();
        }
        server.close();
    }

    @Test
    void shouldKeepArrivalOrderAcrossTopicsForASubscriberOfSeveral() throws Exception
    {
        final Client both = client();
        both.send("sub,t.a", "sub,t.b");
        final Client onlyA = client();
        onlyA.send("sub,t.a");
        awaitSubscribers("t.a", 2);
        awaitSubscribers("t.b", 1);

        final Client publisher = client();
        publisher.send("sub,publish.t.a", "sub,publish.t.b");
        final List<String> burst = new ArrayList<>();
        final List<String> expectedBoth = new ArrayList<>();
        final List<String> expectedA = new ArrayList<>();
        for (int i = 0; i < 50; i++)
        {
            burst.add("msg,publish.t.a,a" + i);
            expectedBoth.add("msg,t.a,a" + i);
            expectedA.add("msg,t.a,a" + i);
            if (i % 3 != 0)
            {
                burst.add("msg,publish.t.b,b" + i);
                expectedBoth.add("msg,t.b,b" + i);
            }
        }
        publisher.send(burst.toArray(new String[0]));

        assertEquals(expectedBoth, both.receive(expectedBoth.size()));
        assertEquals(expectedA, onlyA.receive(expectedA.size()));
    }

    @Test
    void shouldDeliverAPublicationBeforeAServiceReplySentAfterIt() throws Exception
    {
        final Client other = client();
        other.send("sub,t.reply");
        final Client client = client();
        client.send("sub,t.reply", "sub,pubreply");
        awaitSubscribers("t.reply", 2);

        client.send("msg,pubreply,1", "msg,pubreply,2", "uns,t.reply", "msg,pubreply,3");

        assertEquals(List.of("msg,t.reply,1", "msg,pubreply,ack:1", "msg,t.reply,2", "msg,pubreply,ack:2",
            "msg,pubreply,ack:3"), client.receive(5));
        assertEquals(List.of("msg,t.reply,1", "msg,t.reply,2", "msg,t.reply,3"), other.receive(3));
    }

    @Test
    void shouldGiveAChannelOpenedInTheBatchOnlyWhatCameAfterIt() throws Exception
    {
        final Client witness = client();
        witness.send("sub,t.e", "sub,lv.d");
        awaitSubscribers("t.e", 1);
        awaitSubscribers("lv.d", 1);

        final Client client = client();
        client.send("sub,publish.t.e", "sub,publish.lv.d",
            "msg,publish.t.e,e1", "msg,publish.lv.d,v1",
            "sub,t.e", "sub,lv.d",
            "msg,publish.t.e,e2", "msg,publish.lv.d,v2");

        // The last value once, when the channel opens, then what follows: nothing twice, nothing from before.
        assertEquals(List.of("msg,lv.d,v1", "msg,t.e,e2", "msg,lv.d,v2"), client.receive(3));
        assertEquals(List.of("msg,t.e,e1", "msg,lv.d,v1", "msg,t.e,e2", "msg,lv.d,v2"), witness.receive(4));
        client.send("msg,publish.t.e,e3");
        assertEquals(List.of("msg,t.e,e3"), client.receive(1));
    }

    private void awaitSubscribers(final String topic, final int count) throws InterruptedException
    {
        final long deadline = System.nanoTime() + WAIT_NS;
        while (mux.topic(topic).subscriberCount() < count && System.nanoTime() < deadline)
        {
            Thread.sleep(1);
        }
        assertEquals(count, mux.topic(topic).subscriberCount(), topic);
    }

    private Client client() throws IOException
    {
        final Client client = new Client(new Socket("127.0.0.1", server.port()));
        clients.add(client);
        return client;
    }

    /**
     * A blocking text-protocol client: requests go out in one write, messages are read one frame at a time.
     */
    private static final class Client implements FrameHandler
    {
        final Socket socket;
        final OutputStream out;
        final InputStream in;
        final FrameDecoder decoder = new FrameDecoder(this, false, 1 << 16, 1 << 16, true);
        final List<String> received = new ArrayList<>();
        final StringBuilder text = new StringBuilder();
        String error;

        Client(final Socket socket) throws IOException
        {
            this.socket = socket;
            socket.setSoTimeout(10_000);
            socket.setTcpNoDelay(true);
            this.out = socket.getOutputStream();
            this.in = socket.getInputStream();
            MuxTestSockets.upgrade(socket);
        }

        void send(final String... messages) throws IOException
        {
            final UnsafeBuffer frames = new UnsafeBuffer(new byte[64 * 1024]);
            int length = 0;
            for (final String message : messages)
            {
                final byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
                length += FrameEncoder.encodeMasked(frames, length, true, Opcode.TEXT, new UnsafeBuffer(bytes), 0,
                    bytes.length, 0x11223344);
            }
            out.write(frames.byteArray(), 0, length);
            out.flush();
        }

        List<String> receive(final int count) throws IOException
        {
            final byte[] bytes = new byte[1];
            final UnsafeBuffer buffer = new UnsafeBuffer(bytes);
            while (received.size() < count && null == error)
            {
                final int b = in.read(); // one byte at a time: nothing beyond the expected messages is consumed
                if (b < 0)
                {
                    throw new IOException("closed after " + received);
                }
                bytes[0] = (byte)b;
                decoder.decode(buffer, 0, 1);
            }
            if (null != error)
            {
                throw new IOException(error);
            }
            final List<String> messages = new ArrayList<>(received.subList(0, count));
            received.subList(0, count).clear();
            return messages;
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
            received.add(text.toString());
        }

        @Override
        public void onProtocolError(final CloseReason reason)
        {
            error = reason.text();
        }
    }
}
