package io.wsmux.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

import io.wsmux.EchoHandler;
import io.wsmux.Main;
import io.wsmux.WsmuxServer;
import io.wsmux.WsmuxSettings;
import io.wsmux.codec.CloseCode;
import io.wsmux.codec.Opcode;
import io.wsmux.status.SystemCounter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * permessage-deflate (RFC 7692) against the echo server, in raw bytes: the negotiation (offers accepted, declined,
 * several at once), the frame rules with compression (RSV1 on the first frame only, never on control frames, 1002
 * without the extension), inflation bounded by the message limit (a bomb refused with 1009 as it inflates), invalid
 * data (1007), each context-takeover mode in both directions, and Autobahn 12.x/13.x-like runs of compressed echoes of
 * many sizes. The same rules as the uncompressed suite, compressed.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class DeflateConformanceIntegrationTest
{
    private static final String BROWSER_OFFER = "permessage-deflate; client_max_window_bits";
    private static final int TIMEOUT_MS = 10_000;

    private WsmuxServer server;

    @AfterEach
    void stopServer()
    {
        if (null != server)
        {
            server.close();
        }
    }

    private WsmuxServer start(final WsmuxSettings settings) throws IOException
    {
        server = WsmuxServer.builder(settings.port(0).ioThreads(1)).anyPath(new EchoHandler()).build().start();
        return server;
    }

    /**
     * @return the settings of {@code --mode echo} (16 MiB messages), to change further.
     */
    private static WsmuxSettings echo()
    {
        return Main.echoMode(new WsmuxSettings());
    }

    private RawWebSocketClient connect(final String offer) throws IOException
    {
        return RawWebSocketClient.connect(server.address(), "/", TIMEOUT_MS, offer);
    }

    // ---- negotiation ----

    @Test
    void shouldAnswerTheBrowserOfferWithNoContextTakeoverBothWays() throws IOException
    {
        start(echo());
        try (RawWebSocketClient client = connect(BROWSER_OFFER))
        {
            assertEquals("permessage-deflate; server_no_context_takeover; client_no_context_takeover",
                client.extensions());
        }
    }

    @Test
    void shouldTakeTheFirstAcceptableOfSeveralOffersAcrossHeaderElements() throws IOException
    {
        start(echo());
        try (RawWebSocketClient client = connect(
            "x-webkit-deflate-frame, permessage-deflate; server_max_window_bits=10; server_max_window_bits=10, " +
            "permessage-deflate; server_max_window_bits=12, permessage-deflate"))
        {
            assertEquals("permessage-deflate; server_no_context_takeover; client_no_context_takeover; " +
                "server_max_window_bits=12", client.extensions());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "permessage-deflate; unknown",
        "permessage-deflate; server_max_window_bits=16",
        "permessage-deflate; client_no_context_takeover=1",
        "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
        "x-webkit-deflate-frame",
    })
    void shouldDeclineAnOfferItCannotAcceptAndStillUpgrade(final String offer) throws IOException
    {
        start(echo());
        try (RawWebSocketClient client = connect(offer))
        {
            assertNull(client.extensions(), "declined, not failed: RFC 7692 §5");
            // RSV1 is then a protocol error, as without any offer.
            client.sendRawFrame(0x80 | 0x40 | Opcode.TEXT, RawWebSocketClient.deflate(bytes("hello")));
            client.expectClose(CloseCode.PROTOCOL_ERROR);
        }
    }

    @Test
    void shouldDeclineEveryOfferWhenSwitchedOffAndRefuseRsv1() throws IOException
    {
        start(echo().deflate(false));
        try (RawWebSocketClient client = connect(BROWSER_OFFER))
        {
            assertNull(client.extensions());
            client.sendCompressed(Opcode.TEXT, bytes("hello"));
            client.expectClose(CloseCode.PROTOCOL_ERROR);
        }
        assertEquals(0, server.counter(SystemCounter.DEFLATE_CONNECTIONS));
    }

    @Test
    void shouldDeclineOnAnEndpointWithCompressionOff() throws IOException
    {
        server = WsmuxServer.builder(new WsmuxSettings().port(0).ioThreads(1))
            .endpoint("/plain", new EchoHandler())
            .endpoint("/packed", new EchoHandler())
            .compression("/plain", false)
            .build().start();
        try (RawWebSocketClient plain = RawWebSocketClient.connect(server.address(), "/plain", TIMEOUT_MS,
            BROWSER_OFFER);
            RawWebSocketClient packed = RawWebSocketClient.connect(server.address(), "/packed", TIMEOUT_MS,
                BROWSER_OFFER))
        {
            assertNull(plain.extensions());
            assertTrue(packed.extensions().startsWith("permessage-deflate"));
        }
    }

    // ---- echoes ----

    @Test
    void shouldInflateCompressedMessagesAndCompressLongEchoes() throws IOException
    {
        start(echo());
        try (RawWebSocketClient client = connect(BROWSER_OFFER))
        {
            final byte[] ticks = ticks(4000);
            client.sendCompressed(Opcode.TEXT, ticks);
            final RawWebSocketClient.Message echo = client.readMessage();
            assertEquals(Opcode.TEXT, echo.opcode());
            assertTrue(echo.compressed(), "an echo of 4000 bytes goes out compressed");
            assertArrayEquals(ticks, echo.payload());

            client.sendCompressed(Opcode.BINARY, bytes("short"));
            final RawWebSocketClient.Message shortEcho = client.readMessage();
            assertFalse(shortEcho.compressed(), "below wsmux.deflate.min.length the echo is plain");
            assertEquals("short", shortEcho.text());

            client.sendFrame(true, Opcode.TEXT, ticks);
            final RawWebSocketClient.Message plainIn = client.readMessage();
            assertTrue(plainIn.compressed(), "a plain message in may be compressed out");
            assertArrayEquals(ticks, plainIn.payload());

            client.sendCompressed(Opcode.TEXT, new byte[0]);
            assertEquals(0, client.readMessage().payload().length);
        }
        awaitCounter(() -> server.counter(SystemCounter.DEFLATE_INFLATED), 3);
        assertEquals(2, server.counter(SystemCounter.DEFLATE_COMPRESSED));
    }

    @Test
    void shouldInflateAFragmentedCompressedMessageWithControlFramesBetween() throws IOException
    {
        start(echo());
        try (RawWebSocketClient client = connect(BROWSER_OFFER))
        {
            final byte[] message = ticks(3000);
            final byte[] compressed = RawWebSocketClient.deflate(message);
            final int third = compressed.length / 3;
            client.sendRawFrame(0x40 | Opcode.TEXT, java.util.Arrays.copyOfRange(compressed, 0, third));
            client.sendFrame(true, Opcode.PING, bytes("between"));
            client.sendRawFrame(Opcode.CONTINUATION, java.util.Arrays.copyOfRange(compressed, third, 2 * third));
            client.sendRawFrame(0x80 | Opcode.CONTINUATION,
                java.util.Arrays.copyOfRange(compressed, 2 * third, compressed.length));
            final List<RawWebSocketClient.Frame> controls = new ArrayList<>();
            final RawWebSocketClient.Message echo = client.readMessage(controls);
            assertArrayEquals(message, echo.payload());
            assertEquals(1, controls.size(), "the pong");
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {16, 64, 256, 1024, 4096, 16384, 65536, 131072})
    void shouldEchoManyCompressedMessagesOfOneSize(final int size) throws IOException
    {
        // After Autobahn 12.x: a run of compressed messages of one size, text and binary, each echoed intact.
        start(echo());
        final Random random = new Random(size);
        try (RawWebSocketClient client = connect(BROWSER_OFFER))
        {
            for (int i = 0; i < 50; i++)
            {
                final byte[] message = 0 == i % 5 ? randomBytes(random, size) : ticks(size);
                final int opcode = 0 == i % 2 ? Opcode.TEXT : Opcode.BINARY;
                if (Opcode.TEXT == opcode && 0 == i % 5)
                {
                    continue; // random bytes are not UTF-8
                }
                client.sendCompressed(opcode, message);
                final RawWebSocketClient.Message echo = client.readMessage();
                assertEquals(opcode, echo.opcode());
                assertArrayEquals(message, echo.payload(), "message " + i);
            }
        }
    }

    @Test
    void shouldKeepAClientsContextWhenAllowedWithAnInflaterOfItsOwn() throws IOException
    {
        start(echo().deflateClientContextTakeover(true));
        try (RawWebSocketClient client = connect(BROWSER_OFFER))
        {
            assertEquals("permessage-deflate; server_no_context_takeover", client.extensions());
            final Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
            for (int i = 0; i < 20; i++)
            {
                // The same lines again and again: later messages refer back into earlier ones.
                final byte[] message = ticks(1000);
                final byte[] compressed = RawWebSocketClient.deflate(deflater, message);
                if (i > 0)
                {
                    assertTrue(compressed.length < 100, "context taken over: " + compressed.length);
                }
                client.sendRawFrame(0x80 | 0x40 | Opcode.TEXT, compressed);
                assertArrayEquals(message, client.readMessage().payload(), "message " + i);
            }
            deflater.end();
            awaitCounter(() -> server.counter(SystemCounter.DEFLATE_INFLATERS), 1);
        }
        awaitCounter(() -> -server.counter(SystemCounter.DEFLATE_INFLATERS), 0);
    }

    @Test
    void shouldKeepItsOwnContextWhenAllowedAndNotForbidden() throws IOException
    {
        start(echo().deflateServerContextTakeover(true));
        try (RawWebSocketClient client = connect(BROWSER_OFFER))
        {
            assertEquals("permessage-deflate; client_no_context_takeover", client.extensions());
            for (int i = 0; i < 20; i++)
            {
                final byte[] message = ticks(1000);
                client.sendCompressed(Opcode.TEXT, message);
                final RawWebSocketClient.Message echo = client.readMessage();
                assertTrue(echo.compressed());
                assertArrayEquals(message, echo.payload(), "message " + i + " inflated with the kept context");
            }
        }
        try (RawWebSocketClient client = connect(BROWSER_OFFER + "; server_no_context_takeover"))
        {
            assertEquals("permessage-deflate; server_no_context_takeover; client_no_context_takeover",
                client.extensions(), "the client may still forbid it");
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {8, 9, 11, 15})
    void shouldCompressWithinASmallerServerWindow(final int bits) throws IOException
    {
        start(echo());
        try (RawWebSocketClient client = connect("permessage-deflate; server_max_window_bits=" + bits))
        {
            assertTrue(client.extensions().endsWith("; server_max_window_bits=" + bits), client.extensions());
            final byte[] message = ticks(20_000);
            client.sendCompressed(Opcode.TEXT, message);
            final RawWebSocketClient.Message echo = client.readMessage();
            assertTrue(echo.compressed());
            assertArrayEquals(message, echo.payload());
        }
    }

    // ---- violations ----

    @Test
    void shouldRefuseRsv1OnAContinuationFrame() throws IOException
    {
        start(echo());
        try (RawWebSocketClient client = connect(BROWSER_OFFER))
        {
            final byte[] compressed = RawWebSocketClient.deflate(ticks(500));
            client.sendRawFrame(0x40 | Opcode.TEXT, java.util.Arrays.copyOfRange(compressed, 0, 10));
            client.sendRawFrame(0x80 | 0x40 | Opcode.CONTINUATION,
                java.util.Arrays.copyOfRange(compressed, 10, compressed.length));
            client.expectClose(CloseCode.PROTOCOL_ERROR);
        }
    }

    @Test
    void shouldRefuseRsv1OnAControlFrame() throws IOException
    {
        start(echo());
        try (RawWebSocketClient client = connect(BROWSER_OFFER))
        {
            client.sendRawFrame(0x80 | 0x40 | Opcode.PING, bytes("ping"));
            client.expectClose(CloseCode.PROTOCOL_ERROR);
        }
    }

    @Test
    void shouldRefuseRsv2AndRsv3EvenWithCompression() throws IOException
    {
        start(echo());
        try (RawWebSocketClient client = connect(BROWSER_OFFER))
        {
            client.sendRawFrame(0x80 | 0x20 | Opcode.TEXT, bytes("x"));
            client.expectClose(CloseCode.PROTOCOL_ERROR);
        }
    }

    @Test
    void shouldRefuseTextThatIsNotUtf8OnceInflatedWith1007() throws IOException
    {
        start(echo());
        try (RawWebSocketClient client = connect(BROWSER_OFFER))
        {
            client.sendCompressed(Opcode.TEXT, new byte[] {'a', (byte)0xC0, (byte)0xAF, 'b'});
            client.expectClose(CloseCode.INVALID_PAYLOAD);
        }
    }

    @Test
    void shouldRefuseDataThatIsNotDeflateWith1007() throws IOException
    {
        start(echo());
        try (RawWebSocketClient client = connect(BROWSER_OFFER))
        {
            client.sendRawFrame(0x80 | 0x40 | Opcode.BINARY, new byte[] {(byte)0xFF, (byte)0xFF, 0x12, 0x34});
            client.expectClose(CloseCode.INVALID_PAYLOAD);
        }
        awaitCounter(() -> server.counter(SystemCounter.DEFLATE_TOO_BIG), 1);
    }

    @Test
    void shouldAcceptAMessageThatInflatesToTheLimitAndRefuseOneByteMore() throws IOException
    {
        final int limit = 64 * 1024;
        start(echo().maxFrameLength(limit).maxMessageLength(limit));
        try (RawWebSocketClient client = connect(BROWSER_OFFER))
        {
            final byte[] atLimit = ticks(limit);
            client.sendCompressed(Opcode.TEXT, atLimit);
            assertArrayEquals(atLimit, client.readMessage().payload());

            client.sendCompressed(Opcode.TEXT, ticks(limit + 1));
            client.expectClose(CloseCode.MESSAGE_TOO_BIG);
        }
    }

    @Test
    void shouldRefuseADecompressionBombAtTheLimitWith1009() throws IOException
    {
        // 16 MiB of zeros compresses to about 16 KB: within every wire limit, refused as it inflates past 1 MiB.
        final int limit = 1024 * 1024;
        start(echo().maxFrameLength(limit).maxMessageLength(limit));
        final byte[] bomb = RawWebSocketClient.deflate(new byte[16 * 1024 * 1024]);
        assertTrue(bomb.length < 20 * 1024, "compressed to " + bomb.length);
        try (RawWebSocketClient client = connect(BROWSER_OFFER))
        {
            client.sendRawFrame(0x80 | 0x40 | Opcode.BINARY, bomb);
            final RawWebSocketClient.Frame close = client.expectClose(CloseCode.MESSAGE_TOO_BIG);
            assertTrue(close.closeReason().contains("inflated"), close.closeReason());
        }
        awaitCounter(() -> server.counter(SystemCounter.DEFLATE_TOO_BIG), 1);

        // Other connections are unharmed, and the server takes the next client.
        try (RawWebSocketClient client = connect(BROWSER_OFFER))
        {
            client.sendCompressed(Opcode.TEXT, ticks(1000));
            assertArrayEquals(ticks(1000), client.readMessage().payload());
        }
    }

    @Test
    void shouldRefuseRsv1WithoutAnOffer() throws IOException
    {
        start(echo());
        try (RawWebSocketClient client = connect(null))
        {
            client.sendCompressed(Opcode.TEXT, bytes("hello"));
            client.expectClose(CloseCode.PROTOCOL_ERROR);
        }
    }

    // ---- helpers ----

    /**
     * A control check that the test's own inflation is right: a known RFC 7692 §7.2.3.1 example.
     */
    @Test
    void shouldInflateTheRfcExampleAsTheClientHelperDoes() throws Exception
    {
        final Inflater inflater = new Inflater(true);
        inflater.setInput(new byte[] {(byte)0xf2, 0x48, (byte)0xcd, (byte)0xc9, (byte)0xc9, 0x07, 0x00, 0x00, 0x00,
            (byte)0xff, (byte)0xff});
        final byte[] out = new byte[5];
        assertEquals(5, inflater.inflate(out));
        inflater.end();
        assertEquals("Hello", new String(out, StandardCharsets.US_ASCII));
    }

    private static void awaitCounter(final LongSupplier value, final long expected)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (value.getAsLong() < expected && System.nanoTime() < deadline)
        {
            Thread.onSpinWait();
        }
        assertTrue(value.getAsLong() >= expected, () -> "counter " + value.getAsLong() + " < " + expected);
    }

    static byte[] ticks(final int size)
    {
        final StringBuilder text = new StringBuilder(size + 64);
        int i = 0;
        while (text.length() < size)
        {
            text.append("{\"s\":\"EURUSD\",\"b\":1.08").append(400 + i % 37).append(",\"a\":1.08")
                .append(410 + i % 41).append(",\"n\":").append(i).append("}\n");
            i++;
        }
        return text.substring(0, size).getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] randomBytes(final Random random, final int size)
    {
        final byte[] bytes = new byte[size];
        random.nextBytes(bytes);
        return bytes;
    }

    private static byte[] bytes(final String text)
    {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
