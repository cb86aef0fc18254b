package io.wsmux.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ProtocolException;
import java.net.URI;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.wsmux.Connection;
import io.wsmux.WebSocketHandler;
import io.wsmux.WsmuxServer;
import io.wsmux.WsmuxSettings;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link MuxClient} against a fake {@code wsmux.v1} server: a {@link WsmuxServer} endpoint whose handler speaks the
 * protocol minimally (the real server side is written separately). The fake opens "echo" and echoes TEXT and BINARY
 * on it, refuses other names with 404, closes a channel that sends "close-me", answers OPEN "truncated" with a
 * 3-byte OPENED, and answers messages for channels that are not open with ERROR 410.
 */
@Timeout(30)
class MuxClientTest
{
    private static final long WAIT_S = 10;

    private final ConcurrentLinkedQueue<Throwable> clientErrors = new ConcurrentLinkedQueue<>();
    private final BlockingQueue<String> serverEvents = new LinkedBlockingQueue<>();
    private final BlockingQueue<String> serverCloses = new LinkedBlockingQueue<>();
    private WsmuxServer server;
    private WsmuxClient client;

    /** The fake server side of wsmux.v1: one set of open ids per connection (its attachment). */
    final class FakeMuxServer implements WebSocketHandler
    {
        private final ExpandableArrayBuffer reply = new ExpandableArrayBuffer(1024);

        @Override
        public void onOpen(final Connection connection)
        {
            connection.attach(new HashSet<Integer>());
        }

        @Override
        @SuppressWarnings("unchecked")
        public void onBinary(final Connection connection, final DirectBuffer buffer, final int offset, final int length)
        {
            final Set<Integer> open = (Set<Integer>)connection.attachment();
            final int type = buffer.getByte(offset) & 0xFF;
            final int id = buffer.getInt(offset + 1, ByteOrder.BIG_ENDIAN);
            switch (type)
            {
                case 0x01:
                    final int nameLength = buffer.getShort(offset + 5, ByteOrder.BIG_ENDIAN) & 0xFFFF;
                    final String name = buffer.getStringWithoutLengthUtf8(offset + 7, nameLength);
                    final int maxRate = length >= 7 + nameLength + 4 ?
                        buffer.getInt(offset + 7 + nameLength, ByteOrder.BIG_ENDIAN) : 0;
                    serverEvents.add("OPEN " + id + " " + name + " " + maxRate);
                    if ("echo".equals(name))
                    {
                        open.add(id);
                        send(connection, 0x81, id, null, 0, 0);
                    }
                    else if ("truncated".equals(name))
                    {
                        reply.putByte(0, (byte)0x81);
                        reply.putShort(1, (short)0);
                        connection.sendBinary(reply, 0, 3);
                    }
                    else
                    {
                        sendCode(connection, 0x82, id, 404, "unknown channel");
                    }
                    break;

                case 0x02:
                    serverEvents.add("CLOSE " + id);
                    open.remove(id);
                    break;

                case 0x03:
                case 0x04:
                    if (!open.contains(id))
                    {
                        sendCode(connection, 0x86, id, 410, "channel not open");
                    }
                    else if (0x03 == type && "gap-me".equals(
                        buffer.getStringWithoutLengthUtf8(offset + 5, length - 5)))
                    {
                        sendCode(connection, 0x87, id, 503, "publications of other nodes may be missing");
                        sendCode(connection, 0x9A, id, 1, "a later extension's message");
                        final byte[] after = "after the gap".getBytes(StandardCharsets.UTF_8);
                        send(connection, 0x83, id, new UnsafeBuffer(after), 0, after.length);
                    }
                    else if (0x03 == type && "close-me".equals(
                        buffer.getStringWithoutLengthUtf8(offset + 5, length - 5)))
                    {
                        open.remove(id);
                        sendCode(connection, 0x85, id, 200, "closed by server");
                    }
                    else
                    {
                        send(connection, type | 0x80, id, buffer, offset + 5, length - 5);
                    }
                    break;

                default:
                    sendCode(connection, 0x86, 0, 400, "unknown type");
                    break;
            }
        }

        @Override
        public void onClose(final Connection connection, final int code, final String reason)
        {
            serverCloses.add(code + " " + reason);
        }

        private void send(
            final Connection connection,
            final int type,
            final int id,
            final DirectBuffer payload,
            final int offset,
            final int length)
        {
            reply.putByte(0, (byte)type);
            reply.putInt(1, id, ByteOrder.BIG_ENDIAN);
            if (length > 0)
            {
                reply.putBytes(5, payload, offset, length);
            }
            connection.sendBinary(reply, 0, 5 + length);
        }

        private void sendCode(
            final Connection connection, final int type, final int id, final int code, final String reason)
        {
            final byte[] text = reason.getBytes(StandardCharsets.UTF_8);
            final UnsafeBuffer body = new UnsafeBuffer(new byte[2 + text.length]);
            body.putShort(0, (short)code, ByteOrder.BIG_ENDIAN);
            body.putBytes(2, text);
            send(connection, type, id, body, 0, body.capacity());
        }
    }

    /** Records a channel's callbacks as strings. */
    static class ChannelRecorder implements ChannelListener
    {
        final BlockingQueue<String> events = new LinkedBlockingQueue<>();
        final BlockingQueue<byte[]> binaries = new LinkedBlockingQueue<>();

        @Override
        public void onOpened(final MuxClientChannel channel)
        {
            events.add("opened " + channel.id());
        }

        @Override
        public void onRefused(final MuxClientChannel channel, final int code, final String reason)
        {
            events.add("refused " + code + " " + reason);
        }

        @Override
        public void onText(
            final MuxClientChannel channel, final DirectBuffer buffer, final int offset, final int length)
        {
            events.add("text " + buffer.getStringWithoutLengthUtf8(offset, length));
        }

        @Override
        public void onBinary(
            final MuxClientChannel channel, final DirectBuffer buffer, final int offset, final int length)
        {
            final byte[] bytes = new byte[length];
            buffer.getBytes(offset, bytes);
            binaries.add(bytes);
        }

        @Override
        public void onClosed(final MuxClientChannel channel, final int code, final String reason)
        {
            events.add("closed " + code + " " + reason);
        }

        @Override
        public void onGap(final MuxClientChannel channel, final int code, final String reason)
        {
            events.add("gap " + code + " " + reason);
        }

        String next() throws InterruptedException
        {
            final String event = events.poll(WAIT_S, TimeUnit.SECONDS);
            assertNotNull(event, "no channel event within " + WAIT_S + " s");
            return event;
        }
    }

    /** Records connection-level events. */
    static final class MuxRecorder implements MuxListener
    {
        final BlockingQueue<String> errors = new LinkedBlockingQueue<>();
        final BlockingQueue<Throwable> failures = new LinkedBlockingQueue<>();
        final CompletableFuture<String> closed = new CompletableFuture<>();

        @Override
        public void onError(final MuxClient mux, final long channelId, final int code, final String reason)
        {
            errors.add(channelId + " " + code + " " + reason);
        }

        @Override
        public void onFailure(final MuxClient mux, final Throwable cause)
        {
            failures.add(cause);
        }

        @Override
        public void onClose(final MuxClient mux, final int code, final String reason)
        {
            closed.complete(code + " " + reason);
        }
    }

    @BeforeEach
    void setUp() throws IOException
    {
        server = WsmuxServer.builder(new WsmuxSettings().port(0).ioThreads(1))
            .endpoint("/mux", new FakeMuxServer(), null, MuxClient.SUBPROTOCOL)
            .build()
            .start();
        client = WsmuxClient.start(new ClientSettings().errorHandler(clientErrors::add));
    }

    @AfterEach
    void tearDown()
    {
        client.close();
        server.close();
        assertEquals(List.of(), new ArrayList<>(clientErrors), "errors on the client loop");
    }

    private MuxClient connect(final MuxListener listener) throws Exception
    {
        final URI uri = URI.create("ws://127.0.0.1:" + server.port() + "/mux");
        final MuxClient mux = MuxClient.connect(client, uri, listener).get(WAIT_S, TimeUnit.SECONDS);
        assertEquals(MuxClient.SUBPROTOCOL, mux.connection().subprotocol());
        return mux;
    }

    private String nextServerEvent() throws InterruptedException
    {
        final String event = serverEvents.poll(WAIT_S, TimeUnit.SECONDS);
        assertNotNull(event, "no server event within " + WAIT_S + " s");
        return event;
    }

    @Test
    void shouldOpenChannelAndHearOpened() throws Exception
    {
        final MuxClient mux = connect(null);
        final ChannelRecorder recorder = new ChannelRecorder();

        final MuxClientChannel channel = mux.open("echo", 5, recorder);

        assertEquals(1, channel.id());
        assertEquals("echo", channel.name());
        assertEquals("OPEN 1 echo 5", nextServerEvent());
        assertEquals("opened 1", recorder.next());
        assertTrue(channel.isOpen());
        assertEquals(1, mux.channelCount());

        mux.open("echo", recorder);
        assertEquals("OPEN 2 echo 0", nextServerEvent(), "no maxRate field when there is no limit");
    }

    @Test
    void shouldReportRefusalWithCodeAndReason() throws Exception
    {
        final MuxClient mux = connect(null);
        final ChannelRecorder recorder = new ChannelRecorder();

        final MuxClientChannel channel = mux.open("nope", 0, recorder);

        assertEquals("refused 404 unknown channel", recorder.next());
        assertFalse(channel.isOpen());
        assertFalse(channel.sendText("anyone?"));
        assertEquals(0, mux.channelCount());
        assertTrue(mux.isOpen(), "a refusal leaves the WebSocket open");
    }

    @Test
    void shouldEchoTextAndBinaryOnTwoChannelsConcurrently() throws Exception
    {
        final int count = 500;
        final MuxClient mux = connect(null);
        final ChannelRecorder textRecorder = new ChannelRecorder();
        final ChannelRecorder binaryRecorder = new ChannelRecorder();
        final MuxClientChannel texts = mux.open("echo", 0, textRecorder);
        final MuxClientChannel binaries = mux.open("echo", 0, binaryRecorder);
        assertEquals("opened 1", textRecorder.next());
        assertEquals("opened 2", binaryRecorder.next());

        final ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        final Thread textSender = new Thread(() ->
        {
            for (int i = 0; i < count; i++)
            {
                while (!texts.sendText("t" + i))
                {
                    Thread.yield();
                }
            }
        });
        final Thread binarySender = new Thread(() ->
        {
            final UnsafeBuffer message = new UnsafeBuffer(new byte[4]);
            for (int i = 0; i < count; i++)
            {
                message.putInt(0, i, ByteOrder.BIG_ENDIAN);
                while (!binaries.sendBinary(message, 0, 4))
                {
                    Thread.yield();
                }
            }
        });
        textSender.setUncaughtExceptionHandler((thread, ex) -> failures.add(ex));
        binarySender.setUncaughtExceptionHandler((thread, ex) -> failures.add(ex));
        textSender.start();
        binarySender.start();
        textSender.join();
        binarySender.join();
        assertEquals(List.of(), new ArrayList<>(failures));

        for (int i = 0; i < count; i++)
        {
            assertEquals("text t" + i, textRecorder.next());
            final byte[] bytes = binaryRecorder.binaries.poll(WAIT_S, TimeUnit.SECONDS);
            assertNotNull(bytes);
            assertEquals(i, new UnsafeBuffer(bytes).getInt(0, ByteOrder.BIG_ENDIAN));
        }
        assertTrue(textRecorder.binaries.isEmpty(), "nothing crossed channels");
        assertTrue(binaryRecorder.events.isEmpty(), "nothing crossed channels");
    }

    @Test
    void shouldEchoLargeMessagesSentFromAnotherThread() throws Exception
    {
        final MuxClient mux = connect(null);
        final ChannelRecorder recorder = new ChannelRecorder();
        final MuxClientChannel channel = mux.open("echo", 0, recorder);
        assertEquals("opened 1", recorder.next());
        final byte[] large = new byte[200 * 1024]; // more than one command of the client's ring buffer
        for (int i = 0; i < large.length; i++)
        {
            large[i] = (byte)(i * 31);
        }

        assertTrue(channel.sendBinary(new UnsafeBuffer(large), 0, large.length));
        assertTrue(channel.sendText("after"));

        assertArrayEquals(large, recorder.binaries.poll(WAIT_S, TimeUnit.SECONDS));
        assertEquals("text after", recorder.next());
    }

    @Test
    void shouldReportChannelClosedByServer() throws Exception
    {
        final MuxClient mux = connect(null);
        final ChannelRecorder closing = new ChannelRecorder();
        final ChannelRecorder staying = new ChannelRecorder();
        final MuxClientChannel channel = mux.open("echo", 0, closing);
        final MuxClientChannel other = mux.open("echo", 0, staying);
        assertEquals("opened 1", closing.next());
        assertEquals("opened 2", staying.next());

        assertTrue(channel.sendText("close-me"));

        assertEquals("closed 200 closed by server", closing.next());
        assertFalse(channel.isOpen());
        assertFalse(channel.sendText("gone"));
        assertTrue(other.sendText("still here"));
        assertEquals("text still here", staying.next());
        assertEquals(1, mux.channelCount());
    }

    @Test
    void shouldReportAGapAndIgnoreServerMessagesOfLaterExtensions() throws Exception
    {
        final MuxRecorder muxRecorder = new MuxRecorder();
        final MuxClient mux = connect(muxRecorder);
        final ChannelRecorder recorder = new ChannelRecorder();
        final MuxClientChannel channel = mux.open("echo", 0, recorder);
        assertEquals("opened 1", recorder.next());

        assertTrue(channel.sendText("gap-me"));

        assertEquals("gap 503 publications of other nodes may be missing", recorder.next());
        assertEquals("text after the gap", recorder.next(), "type 0x9a is skipped, the channel stays open");
        assertTrue(channel.isOpen());
        assertTrue(muxRecorder.failures.isEmpty(), () -> "failed: " + muxRecorder.failures);
    }

    @Test
    void shouldCloseChannelFromClient() throws Exception
    {
        final MuxClient mux = connect(null);
        final ChannelRecorder recorder = new ChannelRecorder();
        final MuxClientChannel channel = mux.open("echo", 0, recorder);
        assertEquals("OPEN 1 echo 0", nextServerEvent());
        assertEquals("opened 1", recorder.next());
        assertTrue(channel.sendText("last words"));
        assertEquals("text last words", recorder.next());

        channel.close();
        channel.close();

        assertFalse(channel.isOpen());
        assertFalse(channel.sendText("too late"));
        assertEquals("CLOSE 1", nextServerEvent());
        assertEquals("closed " + MuxClientChannel.CLOSED_BY_CLIENT + " closed by client", recorder.next());
        assertEquals(0, mux.channelCount());
        assertTrue(mux.isOpen());
    }

    @Test
    void shouldReuseIdsAfterClose() throws Exception
    {
        final MuxClient mux = connect(null);
        final ChannelRecorder recorder = new ChannelRecorder();
        final MuxClientChannel first = mux.open("echo", 0, recorder);
        final MuxClientChannel second = mux.open("echo", 0, recorder);
        final MuxClientChannel refused = mux.open("nope", 0, recorder);
        assertEquals(List.of(1, 2, 3), List.of(first.id(), second.id(), refused.id()));
        assertEquals("opened 1", recorder.next());
        assertEquals("opened 2", recorder.next());
        assertEquals("refused 404 unknown channel", recorder.next());

        first.close();
        assertEquals("closed 0 closed by client", recorder.next());

        final MuxClientChannel lowest = mux.open("echo", 0, recorder);
        final MuxClientChannel next = mux.open("echo", 0, recorder);
        assertEquals(1, lowest.id(), "the lowest free id");
        assertEquals(3, next.id(), "the refused channel's id is free again");
        assertEquals("opened 1", recorder.next());
        assertEquals("opened 3", recorder.next());
        assertTrue(lowest.sendText("on the reused id"));
        assertEquals("text on the reused id", recorder.next());
    }

    @Test
    void shouldKeepIdOfChannelClosedWhileOpeningUntilTheServerAnswers() throws Exception
    {
        final MuxClient mux = connect(null);
        final ChannelRecorder recorder = new ChannelRecorder();
        final CompletableFuture<int[]> ids = new CompletableFuture<>();
        mux.open("echo", 0, new ChannelRecorder()
        {
            @Override
            public void onOpened(final MuxClientChannel channel)
            {
                // On the I/O thread: OPEN 2, CLOSE 2 and OPEN 3 are written before any answer can arrive.
                final MuxClientChannel closing = channel.mux().open("echo", 0, recorder);
                closing.close();
                final MuxClientChannel next = channel.mux().open("echo", 0, recorder);
                ids.complete(new int[]{ closing.id(), next.id() });
            }
        });

        assertArrayEquals(new int[]{ 2, 3 }, ids.get(WAIT_S, TimeUnit.SECONDS), "id 2 is kept while opening");
        assertEquals("closed 0 closed by client", recorder.next());
        assertEquals("opened 3", recorder.next(), "the OPENED for id 2 went to no one");
        assertEquals(List.of("OPEN 1 echo 0", "OPEN 2 echo 0", "CLOSE 2", "OPEN 3 echo 0"),
            List.of(nextServerEvent(), nextServerEvent(), nextServerEvent(), nextServerEvent()));
        assertEquals(2, mux.channelCount(), "OPENED 2 freed the id");
        assertEquals(2, mux.open("echo", 0, recorder).id());
        assertEquals("opened 2", recorder.next());
    }

    @Test
    void shouldReportServerErrorMessages() throws Exception
    {
        final MuxRecorder muxRecorder = new MuxRecorder();
        final MuxClient mux = connect(muxRecorder);
        final ChannelRecorder recorder = new ChannelRecorder();
        final CompletableFuture<Boolean> sent = new CompletableFuture<>();
        mux.open("echo", 0, new ChannelRecorder()
        {
            @Override
            public void onOpened(final MuxClientChannel channel)
            {
                // On the I/O thread, so the TEXT is written before the REFUSED can arrive.
                sent.complete(channel.mux().open("nope", 0, recorder).sendText("before the refusal"));
            }
        });

        assertTrue(sent.get(WAIT_S, TimeUnit.SECONDS));
        assertEquals("refused 404 unknown channel", recorder.next());
        assertEquals("2 410 channel not open", muxRecorder.errors.poll(WAIT_S, TimeUnit.SECONDS));
        assertTrue(mux.isOpen());
        assertTrue(muxRecorder.failures.isEmpty());
    }

    @Test
    void shouldFailConnectionOnTruncatedOpened() throws Exception
    {
        final MuxRecorder muxRecorder = new MuxRecorder();
        final MuxClient mux = connect(muxRecorder);
        final ChannelRecorder echo = new ChannelRecorder();
        final ChannelRecorder truncated = new ChannelRecorder();
        mux.open("echo", 0, echo);
        assertEquals("opened 1", echo.next());

        mux.open("truncated", 0, truncated);

        final Throwable failure = muxRecorder.failures.poll(WAIT_S, TimeUnit.SECONDS);
        assertInstanceOf(ProtocolException.class, failure);
        assertTrue(failure.getMessage().contains("OPENED of 3 bytes"), failure.getMessage());
        assertEquals("1002 wsmux.v1: OPENED of 3 bytes, shorter than the 5-byte header",
            serverCloses.poll(WAIT_S, TimeUnit.SECONDS));
        final String closed = muxRecorder.closed.get(WAIT_S, TimeUnit.SECONDS);
        assertTrue(closed.startsWith("1002 "), closed);
        assertEquals("closed " + closed, echo.next(), "every channel closes with the WebSocket");
        assertEquals("closed " + closed, truncated.next());
        assertFalse(mux.isOpen());
        assertThrows(IllegalStateException.class, () -> mux.open("echo", 0, echo));
    }

    @Test
    void shouldCloseEveryChannelWhenTheWebSocketCloses() throws Exception
    {
        final MuxRecorder muxRecorder = new MuxRecorder();
        final MuxClient mux = connect(muxRecorder);
        final ChannelRecorder recorder = new ChannelRecorder();
        mux.open("echo", 0, recorder);
        assertEquals("opened 1", recorder.next());

        mux.close();

        assertEquals("closed 1000 ", recorder.next());
        assertEquals("1000 ", muxRecorder.closed.get(WAIT_S, TimeUnit.SECONDS));
        assertEquals("1000 ", serverCloses.poll(WAIT_S, TimeUnit.SECONDS));
    }
}
