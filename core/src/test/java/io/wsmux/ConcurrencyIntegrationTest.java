package io.wsmux;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import io.wsmux.codec.FrameEncoder;
import io.wsmux.codec.Opcode;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Thousands of connections open at once against the echo server, each exchanging numbered text messages
 * ({@code "<connection>:<sequence>"}, every tenth padded to a few KiB) with a few in flight, all checked to come
 * back complete and in order per connection; then every connection is closed with a close handshake. The client is
 * a small NIO client on the test thread (one selector, no thread per connection); client and server share this
 * process's file descriptor limit, two descriptors per connection.
 */
class ConcurrencyIntegrationTest
{
    private static final int CONNECTIONS = 4000;
    private static final int MESSAGES = 20;
    private static final int WINDOW = 4;
    /** Connections handshaking at once: stays below the accept backlog, so no SYN is dropped and retried. */
    private static final int MAX_CONNECTING = 256;
    private static final long PHASE_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(30);

    // RFC 6455 §1.3: the sample key and the accept value it yields.
    private static final String KEY = "dGhlIHNhbXBsZSBub25jZQ==";
    private static final String ACCEPT_HEADER = "\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n";

    private static final int STATE_CONNECTING = 0;
    private static final int STATE_HANDSHAKING = 1;
    private static final int STATE_OPEN = 2;
    private static final int STATE_CLOSING = 3;
    private static final int STATE_CLOSED = 4;

    private final UnsafeBuffer scratch = new UnsafeBuffer(new byte[16 * 1024]);
    private final ConcurrentLinkedQueue<Throwable> serverErrors = new ConcurrentLinkedQueue<>();
    private WsmuxServer server;
    private Selector selector;
    private Peer[] peers;
    private String failure;
    private int connectingCount;
    private int openCount;
    private int completeCount;
    private int closedCount;

    @AfterEach
    void closeAll() throws IOException
    {
        if (null != peers)
        {
            for (final Peer peer : peers)
            {
                if (null != peer)
                {
                    peer.channel.close();
                }
            }
        }
        if (null != selector)
        {
            selector.close();
        }
        if (null != server)
        {
            server.close();
        }
    }

    @Test
    @Timeout(90)
    void shouldDeliverEveryMessageInOrderOnThousandsOfSimultaneousConnections() throws Exception
    {
        server = WsmuxServer.builder(new WsmuxSettings().port(0).ioThreads(2))
            .anyPath(new EchoHandler())
            .errorHandler(serverErrors::add)
            .build()
            .start();
        final InetSocketAddress address = new InetSocketAddress("127.0.0.1", server.port());
        selector = Selector.open();
        peers = new Peer[CONNECTIONS];

        // Phase 1: open every connection, a bounded number handshaking at a time.
        int started = 0;
        final long connectDeadlineNs = System.nanoTime() + PHASE_TIMEOUT_NS;
        while (openCount < CONNECTIONS && null == failure)
        {
            while (started < CONNECTIONS && connectingCount < MAX_CONNECTING)
            {
                startConnect(started++, address);
            }
            assertTrue(System.nanoTime() - connectDeadlineNs < 0, () -> "phase connect timed out: " + progress());
            poll();
        }
        assertProgress();
        assertEquals(CONNECTIONS, server.openConnections(), "connections open on the server at once");

        // Phase 2: every connection sends its numbered messages, WINDOW in flight, the next on each echo.
        for (final Peer peer : peers)
        {
            for (int i = 0; i < WINDOW; i++)
            {
                sendNext(peer);
            }
            flush(peer);
        }
        runUntil(() -> completeCount == CONNECTIONS, "messages");
        for (final Peer peer : peers)
        {
            assertEquals(MESSAGES, peer.received, () -> "connection " + peer.index + " messages received");
        }

        // Phase 3: close every connection with a close handshake; the server replies and closes TCP.
        for (final Peer peer : peers)
        {
            final int length = FrameEncoder.encodeMaskedClose(scratch, 0, 1000, scratch, 0, 0, maskKey(peer, -1));
            append(peer, length);
            peer.state = STATE_CLOSING;
            flush(peer);
        }
        runUntil(() -> closedCount == CONNECTIONS, "close");

        ClientInteropIntegrationTest.awaitNoOpenConnections(server);
        assertTrue(serverErrors.isEmpty(), () -> "server reported errors: " + serverErrors);
    }

    private void runUntil(final BooleanSupplier done, final String phase) throws IOException
    {
        final long deadlineNs = System.nanoTime() + PHASE_TIMEOUT_NS;
        while (!done.getAsBoolean() && null == failure)
        {
            assertTrue(System.nanoTime() - deadlineNs < 0, () -> "phase " + phase + " timed out: " + progress());
            poll();
        }
        assertProgress();
    }

    private void assertProgress()
    {
        if (null != failure)
        {
            fail(failure + " (" + progress() + ")");
        }
    }

    private String progress()
    {
        return "connecting=" + connectingCount + ", open=" + openCount + ", complete=" + completeCount +
            ", closed=" + closedCount + " of " + CONNECTIONS + ", server open=" + server.openConnections();
    }

    private void startConnect(final int index, final InetSocketAddress address) throws IOException
    {
        final SocketChannel channel = SocketChannel.open();
        final Peer peer = new Peer(index, channel);
        peers[index] = peer;
        connectingCount++;
        channel.configureBlocking(false);
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        peer.key = channel.register(selector, SelectionKey.OP_CONNECT, peer);
        if (channel.connect(address))
        {
            onConnected(peer);
        }
    }

    private void poll() throws IOException
    {
        selector.select((key) ->
        {
            final Peer peer = (Peer)key.attachment();
            try
            {
                if (key.isValid() && key.isConnectable() && peer.channel.finishConnect())
                {
                    onConnected(peer);
                }
                if (key.isValid() && key.isWritable())
                {
                    flush(peer);
                }
                if (key.isValid() && key.isReadable())
                {
                    onReadable(peer);
                }
            }
            catch (final IOException ex)
            {
                recordFailure(peer, "I/O error in state " + peer.state + ": " + ex);
            }
        }, 100);
    }

    private void onConnected(final Peer peer) throws IOException
    {
        peer.state = STATE_HANDSHAKING;
        peer.out.put(("GET /concurrency/" + peer.index + " HTTP/1.1\r\n" +
            "Host: 127.0.0.1\r\n" +
            "Upgrade: websocket\r\n" +
            "Connection: Upgrade\r\n" +
            "Sec-WebSocket-Key: " + KEY + "\r\n" +
            "Sec-WebSocket-Version: 13\r\n" +
            "\r\n").getBytes(StandardCharsets.US_ASCII));
        flush(peer);
    }

    private void onReadable(final Peer peer) throws IOException
    {
        if (!peer.in.hasRemaining())
        {
            final ByteBuffer larger = ByteBuffer.allocate(peer.in.capacity() * 2);
            peer.in.flip();
            larger.put(peer.in);
            peer.in = larger;
        }
        final int read = peer.channel.read(peer.in);
        if (read < 0)
        {
            if (STATE_CLOSING == peer.state && peer.closeReplied)
            {
                peer.state = STATE_CLOSED;
                peer.channel.close();
                closedCount++;
            }
            else
            {
                recordFailure(peer, "end of stream in state " + peer.state + " after " + peer.received + " messages");
            }
            return;
        }

        peer.in.flip();
        if (STATE_HANDSHAKING == peer.state)
        {
            onHandshakeBytes(peer);
        }
        while (STATE_OPEN == peer.state || STATE_CLOSING == peer.state)
        {
            if (!onFrameBytes(peer))
            {
                break;
            }
        }
        peer.in.compact();
    }

    private void onHandshakeBytes(final Peer peer)
    {
        final ByteBuffer in = peer.in;
        for (int i = in.position(); i + 3 < in.limit(); i++)
        {
            if ('\r' == in.get(i) && '\n' == in.get(i + 1) && '\r' == in.get(i + 2) && '\n' == in.get(i + 3))
            {
                final byte[] head = new byte[i + 4 - in.position()];
                in.get(head);
                final String response = new String(head, StandardCharsets.US_ASCII);
                if (!response.startsWith("HTTP/1.1 101 ") || !response.contains(ACCEPT_HEADER))
                {
                    recordFailure(peer, "unexpected upgrade response:\n" + response);
                    return;
                }
                peer.state = STATE_OPEN;
                connectingCount--;
                openCount++;
                return;
            }
        }
    }

    /**
     * @return true if a whole frame was consumed.
     */
    private boolean onFrameBytes(final Peer peer) throws IOException
    {
        final ByteBuffer in = peer.in;
        final int start = in.position();
        if (in.remaining() < 2)
        {
            return false;
        }
        final int b0 = in.get(start) & 0xff;
        final int b1 = in.get(start + 1) & 0xff;
        if (0 != (b1 & 0x80))
        {
            recordFailure(peer, "masked frame from the server"); // RFC 6455 §5.1
            return false;
        }
        int headerLength = 2;
        long payloadLength = b1 & 0x7f;
        if (126 == payloadLength)
        {
            headerLength = 4;
            payloadLength = in.remaining() < headerLength ? -1 : in.getShort(start + 2) & 0xffff;
        }
        else if (127 == payloadLength)
        {
            headerLength = 10;
            payloadLength = in.remaining() < headerLength ? -1 : in.getLong(start + 2);
        }
        if (payloadLength < 0 || in.remaining() < headerLength + payloadLength)
        {
            return false;
        }
        final byte[] payload = new byte[(int)payloadLength];
        in.position(start + headerLength);
        in.get(payload);

        if ((0x80 | Opcode.TEXT) == b0)
        {
            final String expected = message(peer.index, peer.received);
            final String actual = new String(payload, StandardCharsets.UTF_8);
            if (STATE_OPEN != peer.state || !expected.equals(actual))
            {
                recordFailure(peer, "received \"" + abbreviate(actual) + "\" in state " + peer.state + ", expected \"" +
                    abbreviate(expected) + "\"");
                return false;
            }
            peer.received++;
            if (MESSAGES == peer.received)
            {
                completeCount++;
            }
            sendNext(peer);
            flush(peer);
        }
        else if ((0x80 | Opcode.CLOSE) == b0)
        {
            if (STATE_CLOSING != peer.state || 2 != payload.length || 0x03 != payload[0] || (byte)0xe8 != payload[1])
            {
                recordFailure(peer, "unexpected close frame of " + payload.length + " bytes in state " + peer.state);
                return false;
            }
            peer.closeReplied = true;
        }
        else
        {
            recordFailure(peer, "unexpected frame " + Integer.toHexString(b0) + " of " + payloadLength + " bytes");
            return false;
        }
        return true;
    }

    private void sendNext(final Peer peer)
    {
        if (peer.sent == MESSAGES)
        {
            return;
        }
        final byte[] text = message(peer.index, peer.sent).getBytes(StandardCharsets.US_ASCII);
        final int length = FrameEncoder.encodeMasked(
            scratch, 0, true, Opcode.TEXT, new UnsafeBuffer(text), 0, text.length, maskKey(peer, peer.sent));
        append(peer, length);
        peer.sent++;
    }

    /**
     * @return "connection:sequence", and for every tenth message a padding of 1 to 9 KiB, so that some frames use
     * the 16-bit length and span the server's reads.
     */
    private static String message(final int index, final int sequence)
    {
        final String text = index + ":" + sequence;
        if (9 != sequence % 10)
        {
            return text;
        }
        return text + ":" + "x".repeat(1024 + (index * 131 + sequence * 17) % 8192);
    }

    private void append(final Peer peer, final int length)
    {
        if (peer.out.remaining() < length)
        {
            final ByteBuffer larger = ByteBuffer.allocate(Math.max(peer.out.capacity() * 2, peer.out.position() +
                length));
            peer.out.flip();
            larger.put(peer.out);
            peer.out = larger;
        }
        peer.out.put(scratch.byteArray(), 0, length);
    }

    private void flush(final Peer peer) throws IOException
    {
        if (STATE_CONNECTING == peer.state || STATE_CLOSED == peer.state)
        {
            return;
        }
        peer.out.flip();
        if (peer.out.hasRemaining())
        {
            peer.channel.write(peer.out);
        }
        final boolean pending = peer.out.hasRemaining();
        peer.out.compact();
        peer.key.interestOps(pending ? SelectionKey.OP_READ | SelectionKey.OP_WRITE : SelectionKey.OP_READ);
    }

    private void recordFailure(final Peer peer, final String message)
    {
        if (null == failure)
        {
            failure = "connection " + peer.index + ": " + message;
        }
    }

    private static String abbreviate(final String text)
    {
        return text.length() > 40 ? text.substring(0, 40) + "...(" + text.length() + " chars)" : text;
    }

    private static int maskKey(final Peer peer, final int sequence)
    {
        return 0x9e3779b9 * (peer.index * 31 + sequence + 7);
    }

    /**
     * One client connection and its buffers.
     */
    static final class Peer
    {
        final int index;
        final SocketChannel channel;
        SelectionKey key;
        int state = STATE_CONNECTING;
        ByteBuffer in = ByteBuffer.allocate(512);
        ByteBuffer out = ByteBuffer.allocate(512);
        int sent;
        int received;
        boolean closeReplied;

        Peer(final int index, final SocketChannel channel)
        {
            this.index = index;
            this.channel = channel;
        }
    }
}
