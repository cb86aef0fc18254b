package io.wsmux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.agrona.DirectBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The websocket-multiplex text protocol over a real socket with the JDK's WebSocket client.
 */
@Timeout(30)
class MuxTextProtocolIntegrationTest
{
    /**
     * @return true to run every test over wss:// (the TLS subclass).
     */
    boolean tls()
    {
        return false;
    }

    private final BlockingQueue<String> serviceEvents = new LinkedBlockingQueue<>();
    private WsmuxServer server;
    private Multiplexer mux;

    /** Records what a client receives. */
    static final class Client implements WebSocket.Listener
    {
        final BlockingQueue<String> received = new LinkedBlockingQueue<>();
        final CompletableFuture<Integer> closed = new CompletableFuture<>();
        private final StringBuilder partial = new StringBuilder();
        WebSocket webSocket;

        @Override
        public CompletionStage<?> onText(final WebSocket webSocket, final CharSequence data, final boolean last)
        {
            partial.append(data);
            if (last)
            {
                received.add(partial.toString());
                partial.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(final WebSocket webSocket, final int statusCode, final String reason)
        {
            closed.complete(statusCode);
            return null;
        }

        void send(final String text) throws Exception
        {
            webSocket.sendText(text, true).get(5, TimeUnit.SECONDS);
        }

        String next() throws InterruptedException
        {
            final String message = received.poll(5, TimeUnit.SECONDS);
            if (null == message)
            {
                throw new AssertionError("nothing received");
            }
            return message;
        }
    }

    @BeforeEach
    void setUp() throws Exception
    {
        final WebSocketHandler echo = new WebSocketHandler()
        {
            @Override
            public void onOpen(final Connection connection)
            {
                serviceEvents.add("open " + connection.path());
            }

            @Override
            public void onText(final Connection connection, final DirectBuffer buffer, final int offset,
                final int length)
            {
                connection.sendText(buffer, offset, length);
            }

            @Override
            public void onClose(final Connection connection, final int code, final String reason)
            {
                serviceEvents.add("close " + connection.path() + " " + code);
            }
        };
        mux = Multiplexer.builder()
            .service("echo", echo)
            .service("chat room", echo)
            .service("secret", echo)
            .topicPrefix("prices.", TopicOptions.LATEST)
            .topic("news", TopicOptions.RELIABLE)
            .authorizer((webSocket, channel) -> "secret".equals(channel) ? "not for you" : null)
            .build();
        server = WsmuxServer.builder(TlsTestSupport.settings(tls(), new WsmuxSettings().port(0).ioThreads(2)))
            .mux("/mux", mux).build().start();
    }

    @AfterEach
    void tearDown()
    {
        server.close();
    }

    private Client connect() throws Exception
    {
        final Client client = new Client();
        client.webSocket = TlsTestSupport.httpClient(tls()).newWebSocketBuilder()
            .buildAsync(TlsTestSupport.uri(server, tls(), "/mux"), client)
            .get(5, TimeUnit.SECONDS);
        return client;
    }

    @Test
    void shouldOpenServiceAndEchoPayloadsWithCommas() throws Exception
    {
        final Client client = connect();

        client.send("sub,echo");
        client.send("msg,echo,hello, world,with,commas");

        assertEquals("msg,echo,hello, world,with,commas", client.next());
        assertEquals("open echo", serviceEvents.poll(5, TimeUnit.SECONDS));
    }

    @Test
    void shouldMatchEscapedNamesAndAnswerInTheClientsForm() throws Exception
    {
        final Client client = connect();

        client.send("sub,chat%20room");
        client.send("msg,chat%20room,hi");

        assertEquals("msg,chat%20room,hi", client.next());
        assertEquals("open chat room", serviceEvents.poll(5, TimeUnit.SECONDS));
    }

    @Test
    void shouldAnswerUnknownOrRefusedChannelWithUnsAndKeepTheSocket() throws Exception
    {
        final Client client = connect();

        client.send("sub,nowhere");
        assertEquals("uns,nowhere", client.next());
        client.send("sub,secret");
        assertEquals("uns,secret", client.next());

        client.send("sub,echo");
        client.send("msg,echo,still here");
        assertEquals("msg,echo,still here", client.next());
    }

    @Test
    void shouldCloseOnlyTheChannelOnUns() throws Exception
    {
        final Client client = connect();
        client.send("sub,echo");
        client.send("sub,chat%20room");
        client.send("uns,echo");
        client.send("msg,echo,ignored");
        client.send("msg,chat%20room,alive");

        assertEquals("msg,chat%20room,alive", client.next());
        String closeEvent = null;
        for (int i = 0; i < 4 && null == closeEvent; i++)
        {
            final String event = serviceEvents.poll(5, TimeUnit.SECONDS);
            closeEvent = null != event && event.startsWith("close echo") ? event : null;
        }
        assertEquals("close echo 1000", closeEvent);
    }

    @Test
    void shouldIgnoreMalformedMessages() throws Exception
    {
        final Client client = connect();
        client.send("garbage");
        client.send("SUB,echo");
        client.send("sub,");
        client.send("msg,notopen,x");
        client.send("sub,echo");
        client.send("msg,echo,ok");

        assertEquals("msg,echo,ok", client.next());
    }

    @Test
    void shouldDeliverTopicPublicationsAndLastValueOnSubscribe() throws Exception
    {
        final Client first = connect();
        first.send("sub,prices.EURUSD");
        while (mux.topic("prices.EURUSD").subscriberCount() < 1)
        {
            Thread.sleep(1);
        }

        mux.topic("prices.EURUSD").publish("EURUSD,1.08412,1.08415,1");
        assertEquals("msg,prices.EURUSD,EURUSD,1.08412,1.08415,1", first.next());
        mux.topic("prices.EURUSD").publish("EURUSD,1.08413,1.08416,2");
        assertEquals("msg,prices.EURUSD,EURUSD,1.08413,1.08416,2", first.next());

        final Client late = connect();
        late.send("sub,prices.EURUSD");
        assertEquals("msg,prices.EURUSD,EURUSD,1.08413,1.08416,2", late.next(), "last value first");
    }

    @Test
    void shouldCloseWith1003OnBinaryFrame() throws Exception
    {
        final Client client = connect();

        client.webSocket.sendBinary(ByteBuffer.wrap(new byte[]{ 1, 2, 3 }), true).get(5, TimeUnit.SECONDS);

        assertEquals(1003, client.closed.get(5, TimeUnit.SECONDS));
        assertNull(client.received.poll());
    }
}
