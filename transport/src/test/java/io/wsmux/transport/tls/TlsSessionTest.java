package io.wsmux.transport.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link TlsSession} between two non-blocking sockets on loopback, each side with buffers of its own as two loops
 * would have: the handshake, records both ways, what a connection keeps (and gives back) when a record is split or
 * the socket is full, and the bad inputs it must refuse.
 */
@Timeout(30)
class TlsSessionTest
{
    private static final long DEADLINE_NS = TimeUnit.SECONDS.toNanos(10);

    @TempDir
    Path directory;

    private TestCertificates certificates;
    private SocketChannel serverChannel;
    private SocketChannel clientChannel;
    private final TlsBuffers serverBuffers = TlsBuffers.forJdkEngine(64 * 1024, 16);
    private final TlsBuffers clientBuffers = TlsBuffers.forJdkEngine(64 * 1024, 16);
    private TlsSession server;
    private TlsSession client;

    @BeforeEach
    void connect() throws IOException
    {
        certificates = TestCertificates.create(directory);
        try (ServerSocketChannel listener = ServerSocketChannel.open())
        {
            listener.bind(new InetSocketAddress("127.0.0.1", 0));
            clientChannel = SocketChannel.open(listener.getLocalAddress());
            serverChannel = listener.accept();
        }
        serverChannel.configureBlocking(false);
        clientChannel.configureBlocking(false);
        server = new TlsSession(TlsEngineFactory.server(certificates.serverContext(), null, null,
            TlsClientAuth.NONE, null).newEngine(null, -1), serverBuffers, null);
        client = new TlsSession(TlsEngineFactory.client(certificates.clientContext(), null, null, true)
            .newEngine("localhost", 443), clientBuffers, null);
    }

    @AfterEach
    void close() throws IOException
    {
        serverChannel.close();
        clientChannel.close();
    }

    /**
     * Drive one side as its loop would: read what arrived, unwrap, run tasks inline; return the plaintext.
     */
    private static byte[] pump(final TlsSession session, final TlsBuffers buffers, final SocketChannel channel)
        throws IOException
    {
        final ByteArrayOutputStream plaintext = new ByteArrayOutputStream();
        session.flush(channel);
        session.fill(channel);
        int result;
        while ((result = session.unwrap(channel)) > 0 || TlsSession.NEED_TASKS == result)
        {
            if (result > 0)
            {
                final byte[] bytes = new byte[result];
                buffers.plaintext().getBytes(0, bytes);
                plaintext.writeBytes(bytes);
            }
            else
            {
                session.runDelegatedTasks();
            }
        }
        assertTrue(result >= TlsSession.NEED_WRITABLE, "unexpected result " + result);
        session.keepRemainder();
        return plaintext.toByteArray();
    }

    private void handshake() throws IOException
    {
        final long deadline = System.nanoTime() + DEADLINE_NS;
        while (!server.isEstablished() || !client.isEstablished())
        {
            pump(client, clientBuffers, clientChannel);
            pump(server, serverBuffers, serverChannel);
            assertTrue(System.nanoTime() < deadline, "no handshake within 10 s");
        }
        // The server's session tickets (TLS 1.3) arrive after its Finished: let the client read them.
        pump(client, clientBuffers, clientChannel);
    }

    private byte[] receive(final TlsSession session, final TlsBuffers buffers, final SocketChannel channel,
        final int length) throws IOException
    {
        final ByteArrayOutputStream received = new ByteArrayOutputStream();
        final long deadline = System.nanoTime() + DEADLINE_NS;
        while (received.size() < length)
        {
            received.writeBytes(pump(session, buffers, channel));
            assertTrue(System.nanoTime() < deadline, "received " + received.size() + " of " + length);
        }
        return received.toByteArray();
    }

    @Test
    void shouldHandshakeAndCarryMessagesBothWays() throws IOException
    {
        handshake();
        assertEquals(1, serverBuffers.handshakes());
        assertEquals(0, serverBuffers.handshaking());
        assertEquals("TLSv1.3", server.session().getProtocol());

        final byte[] hello = "hello over TLS".getBytes(StandardCharsets.US_ASCII);
        assertEquals(hello.length, client.wrap(clientChannel, ByteBuffer.wrap(hello)));
        assertArrayEquals(hello, receive(server, serverBuffers, serverChannel, hello.length));

        // Several sources gathered into records: 100 KiB in 64 regions, as the writer gathers a queue.
        final ByteBuffer[] regions = new ByteBuffer[64];
        final ByteArrayOutputStream sent = new ByteArrayOutputStream();
        for (int i = 0; i < regions.length; i++)
        {
            final byte[] region = new byte[1600];
            java.util.Arrays.fill(region, (byte)i);
            sent.writeBytes(region);
            regions[i] = ByteBuffer.wrap(region);
        }
        long consumed = 0;
        final long deadline = System.nanoTime() + DEADLINE_NS;
        final ByteArrayOutputStream received = new ByteArrayOutputStream();
        while (consumed < sent.size() || server.hasPendingOutput())
        {
            if (server.flush(serverChannel))
            {
                consumed += server.wrap(serverChannel, regions, 0, regions.length);
            }
            received.writeBytes(pump(client, clientBuffers, clientChannel));
            assertTrue(System.nanoTime() < deadline);
        }
        received.writeBytes(receive(client, clientBuffers, clientChannel, sent.size() - received.size()));
        assertArrayEquals(sent.toByteArray(), received.toByteArray());
    }

    @Test
    void shouldKeepOnlyOneRecordBeyondThePlaintextWhenTheSocketIsFull() throws IOException
    {
        handshake();
        serverChannel.setOption(StandardSocketOptions.SO_SNDBUF, 4096);
        final ByteBuffer megabyte = ByteBuffer.allocate(1024 * 1024);
        long consumed = 0;
        for (int i = 0; i < 1000 && !server.hasPendingOutput(); i++)
        {
            consumed += server.wrap(serverChannel, megabyte);
        }
        assertTrue(server.hasPendingOutput(), "the client reads nothing: the socket fills");
        assertTrue(consumed < megabyte.capacity(), "consumed " + consumed);
        // Nothing more is encrypted while a record's rest waits.
        assertEquals(0, server.wrap(serverChannel, megabyte));

        // The client reads; the server finishes its record and gives the spill buffer back.
        final long deadline = System.nanoTime() + DEADLINE_NS;
        final long spillsBefore = serverBuffers.spillsAllocated();
        while (server.hasPendingOutput())
        {
            pump(client, clientBuffers, clientChannel);
            server.flush(serverChannel);
            assertTrue(System.nanoTime() < deadline);
        }
        assertEquals(spillsBefore, serverBuffers.spillsAllocated());
        assertTrue(server.wrap(serverChannel, megabyte) > 0, "encrypting again once the record is out");
    }

    @Test
    void shouldKeepAPartialRecordUntilTheRestArrives() throws IOException
    {
        // The client talks to a relay that the test forwards by hand, so that a record reaches the server in pieces.
        final SocketChannel relayIn;
        final SocketChannel relayOut;
        try (ServerSocketChannel listener = ServerSocketChannel.open())
        {
            listener.bind(new InetSocketAddress("127.0.0.1", 0));
            final SocketChannel relayedClient = SocketChannel.open(listener.getLocalAddress());
            relayIn = listener.accept();
            relayOut = SocketChannel.open(listener.getLocalAddress());
            final SocketChannel relayedServer = listener.accept();
            clientChannel.close();
            serverChannel.close();
            clientChannel = relayedClient;
            serverChannel = relayedServer;
        }
        for (final SocketChannel channel : new SocketChannel[]{clientChannel, serverChannel, relayIn, relayOut})
        {
            channel.configureBlocking(false);
        }
        try (relayIn; relayOut)
        {
            final long deadline = System.nanoTime() + DEADLINE_NS;
            while (!server.isEstablished() || !client.isEstablished())
            {
                pump(client, clientBuffers, clientChannel);
                forward(relayIn, relayOut, Integer.MAX_VALUE);
                pump(server, serverBuffers, serverChannel);
                forward(relayOut, relayIn, Integer.MAX_VALUE);
                assertTrue(System.nanoTime() < deadline, "no handshake within 10 s");
            }

            final byte[] message = new byte[10_000];
            java.util.Arrays.fill(message, (byte)'m');
            assertEquals(message.length, client.wrap(clientChannel, ByteBuffer.wrap(message)));
            assertEquals(100, forward(relayIn, relayOut, 100));
            assertEquals(0, receiveNow().length, "a tenth of a record decrypts to nothing");
            assertTrue(server.hasPartialInput(), "the start of the record is kept");

            forward(relayIn, relayOut, Integer.MAX_VALUE);
            final ByteArrayOutputStream received = new ByteArrayOutputStream();
            while (received.size() < message.length)
            {
                received.writeBytes(receiveNow());
                assertTrue(System.nanoTime() < deadline);
            }
            assertArrayEquals(message, received.toByteArray());
            assertFalse(server.hasPartialInput(), "the spill buffer went back to the pool");
        }
    }

    private byte[] receiveNow() throws IOException
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
        byte[] bytes = new byte[0];
        while (0 == bytes.length && System.nanoTime() < deadline)
        {
            bytes = pump(server, serverBuffers, serverChannel);
        }
        return bytes;
    }

    /**
     * Copy up to {@code limit} bytes that arrived on one socket to another (a relay the test controls).
     */
    private static int forward(final SocketChannel from, final SocketChannel to, final int limit) throws IOException
    {
        final ByteBuffer buffer = ByteBuffer.allocate(Math.min(limit, 64 * 1024));
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Integer.MAX_VALUE == limit ? 50 : 2000);
        int total = 0;
        while (buffer.hasRemaining() && System.nanoTime() < deadline)
        {
            if (from.read(buffer) < 0)
            {
                break;
            }
        }
        buffer.flip();
        total = buffer.remaining();
        while (buffer.hasRemaining())
        {
            to.write(buffer);
        }
        return total;
    }

    @Test
    void shouldReportPlaintextOnATlsSocket() throws IOException
    {
        clientChannel.write(ByteBuffer.wrap("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
        final long deadline = System.nanoTime() + DEADLINE_NS;
        while (0 == server.fill(serverChannel))
        {
            assertTrue(System.nanoTime() < deadline);
        }
        assertEquals(TlsSession.PLAINTEXT, server.unwrap(serverChannel));
        assertEquals(1, serverBuffers.plaintextRefused());
        assertTrue(server.isFailed());
    }

    @Test
    void shouldFailOnARecordThatDoesNotDecrypt() throws IOException
    {
        handshake();
        final byte[] forged = new byte[5 + 64];
        forged[0] = 23; // application data
        forged[1] = 3;
        forged[2] = 3;
        forged[4] = 64;
        clientChannel.write(ByteBuffer.wrap(forged));
        final long deadline = System.nanoTime() + DEADLINE_NS;
        int result = TlsSession.NEED_INPUT;
        while (TlsSession.NEED_INPUT == result)
        {
            server.fill(serverChannel);
            result = server.unwrap(serverChannel);
            assertTrue(System.nanoTime() < deadline);
        }
        assertEquals(TlsSession.FAILED, result);
        assertEquals(1, serverBuffers.badRecords());
        assertTrue(null != server.failure());
    }

    @Test
    void shouldReleaseWhatItKeptOnce() throws IOException
    {
        handshake();
        server.release(serverChannel, true);
        server.release(serverChannel, true);
        // The client reads close_notify: the end of the server's stream.
        final long deadline = System.nanoTime() + DEADLINE_NS;
        int result = TlsSession.NEED_INPUT;
        while (TlsSession.NEED_INPUT == result)
        {
            client.fill(clientChannel);
            result = client.unwrap(clientChannel);
            assertTrue(System.nanoTime() < deadline);
        }
        assertEquals(TlsSession.CLOSED, result);
    }
}
