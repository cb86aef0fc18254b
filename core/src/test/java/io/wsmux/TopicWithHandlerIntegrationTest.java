package io.wsmux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.wsmux.client.ChannelListener;
import io.wsmux.client.MuxClient;
import io.wsmux.client.MuxClientChannel;
import io.wsmux.client.WsmuxClient;
import io.wsmux.cluster.TextCollector;
import io.wsmux.demo.ChatService;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A topic whose subscribers send ({@code Multiplexer.Builder.topic(name, options, handler)}): a channel on it is a
 * subscription, and what its client sends goes to the handler, which decides what to publish; on a plain topic what a
 * client sends is ignored and counted. Both protocols, with the demo's chat room as the handler.
 */
@Timeout(30)
class TopicWithHandlerIntegrationTest
{
    private static final long WAIT_MS = 10_000;
    private static final String WELCOME = "{\"system\":\"welcome to the room\"}";

    private final ChatService chat = new ChatService();
    private Multiplexer mux;
    private WsmuxServer server;
    private WsmuxClient client;

    @BeforeEach
    void start() throws Exception
    {
        mux = Multiplexer.builder()
            .topic("chat", TopicOptions.RELIABLE, chat)
            .topic("plain", TopicOptions.RELIABLE)
            .build();
        server = WsmuxServer.builder(new WsmuxSettings().port(0).ioThreads(2)).mux("/mux", mux).build().start();
        chat.room(mux.topic("chat"));
        client = WsmuxClient.start();
    }

    @AfterEach
    void stop()
    {
        client.close();
        server.close();
    }

    @Test
    void shouldPublishWhatMembersSendToEveryMemberOfBothProtocols() throws Exception
    {
        final TextCollector text = new TextCollector(WAIT_MS);
        final WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder().buildAsync(uri(), text)
            .get(WAIT_MS, TimeUnit.MILLISECONDS);
        socket.sendText("sub,chat", true).get(WAIT_MS, TimeUnit.MILLISECONDS);
        assertEquals("msg,chat," + WELCOME, text.next());

        final MuxClient binary = MuxClient.connect(client, uri()).get(WAIT_MS, TimeUnit.MILLISECONDS);
        final BlockingQueue<String> heard = new LinkedBlockingQueue<>();
        final MuxClientChannel channel = binary.open("chat", new ChannelListener()
        {
            @Override
            public void onText(
                final MuxClientChannel channel, final DirectBuffer buffer, final int offset, final int length)
            {
                heard.add(buffer.getStringWithoutLengthUtf8(offset, length));
            }

            @Override
            public void onClosed(final MuxClientChannel channel, final int code, final String reason)
            {
                heard.add("closed " + code);
            }
        });
        assertEquals(WELCOME, heard.poll(WAIT_MS, TimeUnit.MILLISECONDS));
        assertEquals(2, chat.memberCount());
        assertEquals(2, mux.topic("chat").subscriberCount());

        socket.sendText("msg,chat,hi, from text", true).get(WAIT_MS, TimeUnit.MILLISECONDS);
        assertEquals("msg,chat,hi, from text", text.next());
        assertEquals("hi, from text", heard.poll(WAIT_MS, TimeUnit.MILLISECONDS));
        assertTrue(channel.sendText("hi from binary"));
        assertEquals("msg,chat,hi from binary", text.next());
        assertEquals("hi from binary", heard.poll(WAIT_MS, TimeUnit.MILLISECONDS));

        // The application publishes to the same topic: members get it like any publication.
        mux.topic("chat").publish("{\"system\":\"closing soon\"}");
        assertEquals("msg,chat,{\"system\":\"closing soon\"}", text.next());
        assertEquals("{\"system\":\"closing soon\"}", heard.poll(WAIT_MS, TimeUnit.MILLISECONDS));

        channel.close();
        awaitMembers(1);
        socket.sendText("uns,chat", true).get(WAIT_MS, TimeUnit.MILLISECONDS);
        awaitMembers(0);
        assertEquals(0, mux.topic("chat").subscriberCount());
        socket.abort();
        binary.close();
    }

    @Test
    void shouldCutLongMessagesAtACharacterBoundary() throws Exception
    {
        final TextCollector text = new TextCollector(WAIT_MS);
        final WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder().buildAsync(uri(), text)
            .get(WAIT_MS, TimeUnit.MILLISECONDS);
        socket.sendText("sub,chat", true).get(WAIT_MS, TimeUnit.MILLISECONDS);
        assertEquals("msg,chat," + WELCOME, text.next());

        // 499 ASCII bytes, then a 3-byte character that would straddle the 500-byte limit: it is left out whole, and
        // the client (which checks UTF-8, as every WebSocket client must) gets valid text.
        final String message = "x".repeat(ChatService.MAX_MESSAGE_LENGTH - 1) + "\u20ac and more";
        socket.sendText("msg,chat," + message, true).get(WAIT_MS, TimeUnit.MILLISECONDS);
        assertEquals("msg,chat," + "x".repeat(ChatService.MAX_MESSAGE_LENGTH - 1), text.next());
        socket.abort();
    }

    @Test
    void shouldIgnoreAndCountWhatAClientSendsOnAPlainTopic() throws Exception
    {
        final TextCollector text = new TextCollector(WAIT_MS);
        final WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder().buildAsync(uri(), text)
            .get(WAIT_MS, TimeUnit.MILLISECONDS);
        socket.sendText("sub,plain", true).get(WAIT_MS, TimeUnit.MILLISECONDS);
        final long ignored = server.muxIgnoredMessages();
        socket.sendText("msg,plain,not yours to publish", true).get(WAIT_MS, TimeUnit.MILLISECONDS);
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
        while (server.muxIgnoredMessages() == ignored)
        {
            assertTrue(System.nanoTime() < deadline, "the message was not counted as ignored");
            Thread.sleep(2);
        }
        assertNull(text.poll(200), "nothing was published");
        mux.topic("plain").publish("from the application");
        assertEquals("msg,plain,from the application", text.next());
        socket.abort();
    }

    @Test
    void shouldFindTheLongestPrefixThatEndsAtACharacterBoundary()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer("ab\u00e9\u20ac\uD83D\uDE80".getBytes(StandardCharsets.UTF_8));
        // a b (1 each), é (2), € (3), rocket (4): boundaries at 0, 1, 2, 4, 7, 11.
        final int[] expected = {0, 1, 2, 2, 4, 4, 4, 7, 7, 7, 7, 11};
        for (int max = 0; max <= 11; max++)
        {
            assertEquals(expected[max], ChatService.utf8Prefix(buffer, 0, 11, max), "max " + max);
        }
        assertEquals(11, ChatService.utf8Prefix(buffer, 0, 11, 500));
    }

    private void awaitMembers(final int members) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
        while (chat.memberCount() != members)
        {
            assertTrue(System.nanoTime() < deadline, "members " + chat.memberCount());
            Thread.sleep(2);
        }
    }

    private URI uri()
    {
        return URI.create("ws://127.0.0.1:" + server.port() + "/mux");
    }
}
