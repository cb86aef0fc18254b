package io.wsmux.client;

import static io.wsmux.client.ScriptedServer.ascii;
import static io.wsmux.client.ScriptedServer.frame;
import static io.wsmux.client.ScriptedServer.header;
import static io.wsmux.client.ScriptedServer.switchingProtocols;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.ProtocolException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * permessage-deflate (RFC 7692) in {@link WebSocketClientConnection} against a {@link ScriptedServer}: the offer, the
 * response checks, compressed frames from the server (whole, fragmented, with and without context takeover, a bomb,
 * corrupt data, RSV1 without agreement), and the client's compressed frames as they appear on the wire.
 */
@Timeout(30)
class WebSocketClientDeflateTest
{
    private static final long WAIT_S = 10;
    private static final int MIB = 1024 * 1024;
    private static final int TEXT = 0x1;
    private static final int BINARY = 0x2;
    private static final int FIN = 0x80;
    private static final int RSV1 = 0x40;
    private static final byte[] TAIL = { 0, 0, (byte)0xFF, (byte)0xFF };
    /** RFC 7692 §7.2.3.1: "Hello" compressed. */
    private static final byte[] HELLO = { (byte)0xf2, 0x48, (byte)0xcd, (byte)0xc9, (byte)0xc9, 0x07, 0x00 };
    /** RFC 7692 §7.2.3.2: "Hello" again, compressed with the context of the first. */
    private static final byte[] HELLO_AGAIN = { (byte)0xf2, 0x00, 0x11, 0x00, 0x00 };
    /** RFC 7692 §7.2.3.4: "Hello" in a DEFLATE block with BFINAL set. */
    private static final byte[] HELLO_FINAL_BLOCK =
        { (byte)0xf3, 0x48, (byte)0xcd, (byte)0xc9, (byte)0xc9, 0x07, 0x00 };

    private final ConcurrentLinkedQueue<Throwable> clientErrors = new ConcurrentLinkedQueue<>();
    private ScriptedServer server;
    private WsmuxClient client;

    @BeforeEach
    void setUp() throws IOException
    {
        server = new ScriptedServer();
        client = WsmuxClient.start(settings());
    }

    @AfterEach
    void tearDown() throws IOException
    {
        server.closeSocket(); // first, so that the client's close need not wait for a scripted server's reply
        client.close();
        server.close();
        assertEquals(List.of(), new ArrayList<>(clientErrors), "errors on the client loop");
    }

    private ClientSettings settings()
    {
        return new ClientSettings()
            .perMessageDeflate(true)
            .errorHandler(clientErrors::add)
            .handshakeTimeoutNs(TimeUnit.MILLISECONDS.toNanos(2000))
            .closeTimeoutNs(TimeUnit.MILLISECONDS.toNanos(500));
    }

    private void restartClient(final ClientSettings settings)
    {
        client.close();
        client = WsmuxClient.start(settings);
    }

    private CompletableFuture<WebSocketClientConnection> connect(final ClientHandler handler)
    {
        return client.connect(URI.create("ws://127.0.0.1:" + server.port() + "/"), null, handler);
    }

    /**
     * Open a connection whose 101 carries this Sec-WebSocket-Extensions value (null for none).
     */
    private WebSocketClientConnection open(final ClientHandler handler, final String extensions) throws Exception
    {
        final CompletableFuture<WebSocketClientConnection> future = connect(handler);
        final String request = server.acceptRequest();
        server.write(switchingProtocols(request,
            null == extensions ? "" : "Sec-WebSocket-Extensions: " + extensions + "\r\n"));
        return future.get(WAIT_S, TimeUnit.SECONDS);
    }

    private static byte[] concat(final byte[]... parts)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (final byte[] part : parts)
        {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    /** Raw deflate with SYNC_FLUSH, the tail removed: a permessage-deflate payload. */
    private static byte[] deflate(final byte[] message)
    {
        final Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION, true);
        deflater.setInput(message);
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final byte[] chunk = new byte[64 * 1024];
        int n;
        do
        {
            n = deflater.deflate(chunk, 0, chunk.length, Deflater.SYNC_FLUSH);
            out.write(chunk, 0, n);
        }
        while (n == chunk.length || !deflater.needsInput());
        deflater.end();
        final byte[] compressed = out.toByteArray();
        return Arrays.copyOf(compressed, compressed.length - TAIL.length);
    }

    /** Inflate one message's payload with the tail put back (RFC 7692 §7.2.2). */
    private static byte[] inflate(final Inflater inflater, final byte[] payload) throws DataFormatException
    {
        inflater.setInput(concat(payload, TAIL));
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final byte[] chunk = new byte[64 * 1024];
        int n;
        while ((n = inflater.inflate(chunk)) > 0)
        {
            out.write(chunk, 0, n);
        }
        assertTrue(inflater.needsInput(), "the whole payload inflated");
        return out.toByteArray();
    }

    private static byte[] randomBytes(final int length, final long seed)
    {
        final byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private static byte[] jsonLike(final int length)
    {
        final StringBuilder json = new StringBuilder();
        for (int i = 0; json.length() < length; i++)
        {
            json.append("{\"symbol\":\"EURUSD\",\"bid\":1.08").append(i % 100).append(",\"ask\":1.09,\"seq\":")
                .append(i).append("},");
        }
        return json.substring(0, length).getBytes(StandardCharsets.US_ASCII);
    }

    // ---- the handshake ----

    @Test
    void shouldOfferPermessageDeflateWithClientMaxWindowBits() throws Exception
    {
        connect(new WebSocketClientIntegrationTest.Recorder());
        final String request = server.acceptRequest();

        assertEquals("permessage-deflate; client_max_window_bits", header(request, "Sec-WebSocket-Extensions"));
    }

    @Test
    void shouldAgreeToAValidResponse() throws Exception
    {
        final WebSocketClientConnection connection = open(new WebSocketClientIntegrationTest.Recorder(),
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=12;" +
            " client_max_window_bits=10");

        assertTrue(connection.isOpen());
        assertTrue(connection.perMessageDeflate());
    }

    @Test
    void shouldSpeakPlainWhenTheServerDeclines() throws Exception
    {
        final WebSocketClientIntegrationTest.Recorder recorder = new WebSocketClientIntegrationTest.Recorder();
        final WebSocketClientConnection connection = open(recorder, null);
        assertFalse(connection.perMessageDeflate());

        final byte[] text = jsonLike(1024);
        assertTrue(connection.sendBinary(new UnsafeBuffer(text), 0, text.length));
        final ScriptedServer.ClientFrame frame = server.readFrame();
        assertFalse(frame.rsv1());
        assertArrayEquals(text, frame.payload());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "x-webkit-deflate-frame|server chose an extension that was not offered: x-webkit-deflate-frame",
        "permessage-deflate, permessage-deflate|server chose more than one extension",
        "permessage-deflate; server_no_context_takeover; server_no_context_takeover|a repeated parameter",
        "permessage-deflate; client_max_window_bits=10; client_max_window_bits=11|a repeated parameter",
        "permessage-deflate; no_context_takeover|an unknown parameter 'no_context_takeover'",
        "permessage-deflate; server_max_window_bits=16|an invalid window size",
        "permessage-deflate; server_max_window_bits=7|an invalid window size",
        "permessage-deflate; client_max_window_bits|an invalid window size",
        "permessage-deflate; client_no_context_takeover=1|a value for a parameter without one",
    })
    void shouldFailTheHandshakeOnAResponseRfc7692Fails(final String testCase) throws Exception
    {
        final String extensions = testCase.substring(0, testCase.indexOf('|'));
        final String expected = testCase.substring(testCase.indexOf('|') + 1);
        final CompletableFuture<WebSocketClientConnection> future =
            connect(new WebSocketClientIntegrationTest.Recorder());
        final String request = server.acceptRequest();
        server.write(switchingProtocols(request, "Sec-WebSocket-Extensions: " + extensions + "\r\n"));

        final Throwable failure =
            assertThrows(ExecutionException.class, () -> future.get(WAIT_S, TimeUnit.SECONDS)).getCause();
        assertEquals(101, assertInstanceOf(WebSocketHandshakeException.class, failure).status());
        assertTrue(failure.getMessage().startsWith("WebSocket upgrade to ws://127.0.0.1:"), failure.getMessage());
        assertTrue(failure.getMessage().contains(expected), failure.getMessage());
        assertEquals(-1, server.in().read(), "the client closed the socket");
    }

    @Test
    void shouldFailTheHandshakeWhenPermessageDeflateWasNotOffered() throws Exception
    {
        restartClient(settings().perMessageDeflate(false));
        final CompletableFuture<WebSocketClientConnection> future =
            connect(new WebSocketClientIntegrationTest.Recorder());
        final String request = server.acceptRequest();
        assertEquals(null, header(request, "Sec-WebSocket-Extensions"));
        server.write(switchingProtocols(request, "Sec-WebSocket-Extensions: permessage-deflate\r\n"));

        final Throwable failure =
            assertThrows(ExecutionException.class, () -> future.get(WAIT_S, TimeUnit.SECONDS)).getCause();
        assertTrue(failure.getMessage().contains("server chose extensions that were not offered: permessage-deflate"),
            failure.getMessage());
    }

    // ---- receiving ----

    @Test
    void shouldInflateMessagesWithTheLoopsInflaterWhenTheServerHasNoContext() throws Exception
    {
        final WebSocketClientIntegrationTest.Recorder recorder = new WebSocketClientIntegrationTest.Recorder();
        open(recorder, "permessage-deflate; server_no_context_takeover");

        server.write(frame(FIN | RSV1 | TEXT, HELLO));
        assertEquals("Hello", recorder.nextText());
        server.write(frame(FIN | RSV1 | TEXT, HELLO)); // the same bytes again: the inflater was reset
        assertEquals("Hello", recorder.nextText());

        // §7.2.3.1: the same message in two fragments, RSV1 on the first only, with a ping between them.
        server.write(concat(
            frame(RSV1 | TEXT, Arrays.copyOfRange(HELLO, 0, 3)),
            frame(FIN | 0x9, ascii("p")),
            frame(FIN, Arrays.copyOfRange(HELLO, 3, HELLO.length))));
        assertEquals(0xA, server.readFrame().opcode(), "the ping answered");
        assertEquals("Hello", recorder.nextText());

        final byte[] binary = randomBytes(100_000, 1);
        server.write(frame(FIN | RSV1 | BINARY, deflate(binary)));
        assertArrayEquals(binary, recorder.nextBinary());
        server.write(frame(FIN | BINARY, new byte[]{ 1, 2, 3 })); // uncompressed messages still pass
        assertArrayEquals(new byte[]{ 1, 2, 3 }, recorder.nextBinary());
    }

    @Test
    void shouldInflateWithTheConnectionsOwnInflaterWhenTheServerKeepsItsContext() throws Exception
    {
        final WebSocketClientIntegrationTest.Recorder recorder = new WebSocketClientIntegrationTest.Recorder();
        open(recorder, "permessage-deflate");

        // §7.2.3.2: the second message refers back into the first.
        server.write(frame(FIN | RSV1 | TEXT, HELLO));
        server.write(frame(FIN | RSV1 | TEXT, HELLO_AGAIN));
        assertEquals("Hello", recorder.nextText());
        assertEquals("Hello", recorder.nextText());

        // §7.2.3.4: a message may end its stream with a final block; the next starts a fresh one.
        server.write(frame(FIN | RSV1 | TEXT, HELLO_FINAL_BLOCK));
        server.write(frame(FIN | RSV1 | TEXT, HELLO));
        assertEquals("Hello", recorder.nextText());
        assertEquals("Hello", recorder.nextText());
    }

    @Test
    void shouldCloseWith1009AtTheLimitWithoutInflatingABomb() throws Exception
    {
        restartClient(settings().maxFrameLength(MIB).maxMessageLength(MIB));
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final WebSocketClientIntegrationTest.Recorder recorder = new WebSocketClientIntegrationTest.Recorder();
        open(recorder, "permessage-deflate; server_no_context_takeover");
        final long loopThreadId = recorder.callbackThread.getId();
        final byte[] bomb = deflate(new byte[16 * MIB]);
        assertTrue(bomb.length < 64 * 1024, "16 MiB of zeros compress to " + bomb.length + " bytes");

        final long before = threads.getThreadAllocatedBytes(loopThreadId);
        server.write(frame(FIN | RSV1 | BINARY, bomb));

        final ScriptedServer.ClientFrame close = server.readFrame();
        assertEquals(0x8, close.opcode());
        assertEquals(1009, close.closeCode());
        assertTrue(recorder.closed.get(WAIT_S, TimeUnit.SECONDS).startsWith("1009 "));
        final long allocated = threads.getThreadAllocatedBytes(loopThreadId) - before;
        assertTrue(allocated < 4 * MIB, "the client allocated " + allocated + " bytes for a 16 MiB bomb");
        assertTrue(recorder.binaries.isEmpty());
        assertInstanceOf(ProtocolException.class, recorder.errors.peek());
    }

    @Test
    void shouldCloseWith1007OnCorruptDeflateData() throws Exception
    {
        final WebSocketClientIntegrationTest.Recorder recorder = new WebSocketClientIntegrationTest.Recorder();
        open(recorder, "permessage-deflate");

        // BFINAL 1, BTYPE 11: a reserved block type (RFC 1951 §3.2.3).
        server.write(frame(FIN | RSV1 | BINARY, new byte[]{ (byte)0xFF, (byte)0xFF, (byte)0xFF }));

        final ScriptedServer.ClientFrame close = server.readFrame();
        assertEquals(0x8, close.opcode());
        assertEquals(1007, close.closeCode());
        assertTrue(recorder.closed.get(WAIT_S, TimeUnit.SECONDS).startsWith("1007 "));
    }

    @Test
    void shouldCloseWith1007WhenInflatedTextIsNotUtf8() throws Exception
    {
        final WebSocketClientIntegrationTest.Recorder recorder = new WebSocketClientIntegrationTest.Recorder();
        open(recorder, "permessage-deflate; server_no_context_takeover");

        server.write(frame(FIN | RSV1 | TEXT, deflate(new byte[]{ 'a', (byte)0xC0, (byte)0x80 })));

        assertEquals(1007, server.readFrame().closeCode());
        assertTrue(recorder.texts.isEmpty());
    }

    @ParameterizedTest
    @ValueSource(booleans = { true, false })
    void shouldCloseWith1002OnRsv1WithoutAgreement(final boolean offered) throws Exception
    {
        restartClient(settings().perMessageDeflate(offered));
        final WebSocketClientIntegrationTest.Recorder recorder = new WebSocketClientIntegrationTest.Recorder();
        open(recorder, null); // declined, or not offered

        server.write(frame(FIN | RSV1 | TEXT, HELLO));

        assertEquals(1002, server.readFrame().closeCode());
        assertTrue(recorder.closed.get(WAIT_S, TimeUnit.SECONDS).startsWith("1002 "));
        assertTrue(recorder.texts.isEmpty());
    }

    @Test
    void shouldCloseWith1002OnRsv1OnAContinuationFrame() throws Exception
    {
        final WebSocketClientIntegrationTest.Recorder recorder = new WebSocketClientIntegrationTest.Recorder();
        open(recorder, "permessage-deflate");

        server.write(concat(frame(RSV1 | TEXT, Arrays.copyOfRange(HELLO, 0, 3)),
            frame(FIN | RSV1, Arrays.copyOfRange(HELLO, 3, HELLO.length))));

        assertEquals(1002, server.readFrame().closeCode());
        assertTrue(recorder.closed.get(WAIT_S, TimeUnit.SECONDS).startsWith("1002 "));
    }

    // ---- sending ----

    @Test
    void shouldSendCompressedMaskedFramesFromAnyThreadWithTheLoopsCompressor() throws Exception
    {
        final byte[] json = jsonLike(1024);
        final WebSocketClientIntegrationTest.Recorder recorder = new WebSocketClientIntegrationTest.Recorder()
        {
            @Override
            public void onOpen(final WebSocketClientConnection connection)
            {
                super.onOpen(connection);
                connection.sendText(new UnsafeBuffer(json), 0, json.length); // on the loop thread
            }
        };
        final WebSocketClientConnection connection =
            open(recorder, "permessage-deflate; server_no_context_takeover; client_no_context_takeover");
        final Inflater inflater = new Inflater(true);

        final ScriptedServer.ClientFrame fromLoop = server.readFrame();
        assertTrue(fromLoop.rsv1() && fromLoop.fin());
        assertEquals(TEXT, fromLoop.opcode());
        assertTrue(fromLoop.payload().length < json.length / 2, "compressed to " + fromLoop.payload().length);
        assertArrayEquals(json, inflate(inflater, fromLoop.payload()));
        inflater.reset(); // client_no_context_takeover: each message on its own

        assertTrue(connection.sendText(new UnsafeBuffer(json), 0, json.length)); // from this thread
        final ScriptedServer.ClientFrame fromThread = server.readFrame();
        assertTrue(fromThread.rsv1());
        assertArrayEquals(fromLoop.payload(), fromThread.payload(), "the same bytes: no context kept");
        assertArrayEquals(json, inflate(inflater, fromThread.payload()));
        inflater.reset();

        final byte[] large = jsonLike(300 * 1024); // more than one command: sent in parts
        assertTrue(connection.sendBinary(new UnsafeBuffer(large), 0, large.length));
        final ScriptedServer.ClientFrame parts = server.readFrame();
        assertTrue(parts.rsv1());
        assertEquals(BINARY, parts.opcode());
        assertArrayEquals(large, inflate(inflater, parts.payload()));
        inflater.end();
    }

    @Test
    void shouldSendShortAndIncompressibleMessagesPlainWithTheLoopsCompressor() throws Exception
    {
        final WebSocketClientConnection connection =
            open(new WebSocketClientIntegrationTest.Recorder(), "permessage-deflate; client_no_context_takeover");

        final byte[] shortText = jsonLike(127); // below deflateMinLength
        assertTrue(connection.sendText(new UnsafeBuffer(shortText), 0, shortText.length));
        final ScriptedServer.ClientFrame shortFrame = server.readFrame();
        assertFalse(shortFrame.rsv1());
        assertArrayEquals(shortText, shortFrame.payload());

        final byte[] random = randomBytes(4096, 2); // does not get smaller
        assertTrue(connection.sendBinary(new UnsafeBuffer(random), 0, random.length));
        final ScriptedServer.ClientFrame randomFrame = server.readFrame();
        assertFalse(randomFrame.rsv1());
        assertArrayEquals(random, randomFrame.payload());
    }

    @Test
    void shouldKeepTheContextWithTheConnectionsOwnCompressor() throws Exception
    {
        final WebSocketClientConnection connection = open(new WebSocketClientIntegrationTest.Recorder(),
            "permessage-deflate; server_no_context_takeover");
        final Inflater inflater = new Inflater(true); // one stream for the whole connection

        final byte[] random = randomBytes(4096, 3);
        final int[] lengths = new int[3];
        for (int i = 0; i < lengths.length; i++)
        {
            assertTrue(connection.sendBinary(new UnsafeBuffer(random), 0, random.length));
            final ScriptedServer.ClientFrame frame = server.readFrame();
            assertTrue(frame.rsv1(), "compressed once, always compressed: message " + i);
            assertArrayEquals(random, inflate(inflater, frame.payload()));
            lengths[i] = frame.payload().length;
        }
        assertTrue(lengths[0] > random.length, "random bytes grow: " + lengths[0]);
        assertTrue(lengths[1] < 100, "the repeat refers back to the first: " + lengths[1]);
        inflater.end();
    }

    @Test
    void shouldCompressInPiecesOfTheWindowTheServerAllows() throws Exception
    {
        final WebSocketClientConnection connection = open(new WebSocketClientIntegrationTest.Recorder(),
            "permessage-deflate; server_no_context_takeover; client_max_window_bits=9");
        // 1000 random bytes repeated: every repeat is further back than a 512-byte window reaches. The connection's
        // own compressor sends what it made even when no smaller (the loop's would send this plain).
        final byte[] block = randomBytes(1000, 4);
        final byte[] message = new byte[20 * block.length];
        for (int i = 0; i < 20; i++)
        {
            System.arraycopy(block, 0, message, i * block.length, block.length);
        }

        assertTrue(connection.sendBinary(new UnsafeBuffer(message), 0, message.length));
        final ScriptedServer.ClientFrame frame = server.readFrame();

        assertTrue(frame.rsv1());
        assertArrayEquals(message, inflate(new Inflater(true), frame.payload()));
        assertTrue(frame.payload().length > 10 * block.length,
            "no back-reference past 512 bytes: " + frame.payload().length + " bytes, with a 32 KiB window ~" +
            deflate(message).length);
    }

    @Test
    void shouldCompressWithAZeroMaskKey() throws Exception
    {
        restartClient(settings().zeroMaskKey(true));
        final WebSocketClientConnection connection =
            open(new WebSocketClientIntegrationTest.Recorder(), "permessage-deflate; client_no_context_takeover");
        final byte[] json = jsonLike(2000);

        assertTrue(connection.sendText(new UnsafeBuffer(json), 0, json.length));
        final ScriptedServer.ClientFrame frame = server.readFrame();

        assertEquals(0, frame.maskKey());
        assertTrue(frame.rsv1());
        assertArrayEquals(json, inflate(new Inflater(true), frame.payload()));
    }
}
