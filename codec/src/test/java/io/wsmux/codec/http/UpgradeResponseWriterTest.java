package io.wsmux.codec.http;

import static io.wsmux.codec.http.TestRequests.RFC_6455_EXAMPLE;
import static io.wsmux.codec.http.TestRequests.parse;
import static io.wsmux.codec.http.TestRequests.validRequestWith;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Random;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class UpgradeResponseWriterTest
{
    private static final String RFC_6455_ACCEPT = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

    /** RFC 6455 §1.2 and §1.3, the server's handshake for {@link TestRequests#RFC_6455_EXAMPLE}. */
    private static final String RFC_6455_RESPONSE =
        "HTTP/1.1 101 Switching Protocols\r\n" +
        "Upgrade: websocket\r\n" +
        "Connection: Upgrade\r\n" +
        "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n" +
        "Sec-WebSocket-Protocol: chat\r\n" +
        "\r\n";

    private final UpgradeResponseWriter writer = new UpgradeResponseWriter();
    private final UnsafeBuffer dst = new UnsafeBuffer(new byte[1024]);

    @Test
    void shouldComputeRfc6455Section13AcceptKey()
    {
        assertEquals(RFC_6455_ACCEPT, writer.acceptKey(TestRequests.KEY));
    }

    @Test
    void shouldComputeSameAcceptKeyAsJdkForRandomKeys() throws Exception
    {
        final long seed = System.nanoTime();
        final Random random = new Random(seed);
        final MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
        for (int i = 0; i < 100; i++)
        {
            final byte[] nonce = new byte[16];
            random.nextBytes(nonce);
            final String key = Base64.getEncoder().encodeToString(nonce);
            final String expected = Base64.getEncoder().encodeToString(
                sha1.digest((key + UpgradeResponseWriter.WEBSOCKET_GUID).getBytes(StandardCharsets.US_ASCII)));

            assertEquals(expected, writer.acceptKey(key), "seed=" + seed + ", key=" + key);
        }
    }

    @Test
    void shouldWriteRfc6455SwitchingProtocolsByteForByte()
    {
        final UpgradeRequestParser parser = parse(RFC_6455_EXAMPLE);
        final int offset = 7;

        final int length = writer.writeSwitchingProtocols(dst, offset, parser.headBuffer(),
            parser.secWebSocketKeyOffset(), parser.secWebSocketKeyLength(), parser.subprotocols().get(0), null);

        assertEquals(RFC_6455_RESPONSE, string(dst, offset, length));
        assertEquals(0, dst.getByte(offset - 1));
        assertEquals(0, dst.getByte(offset + length));
    }

    @Test
    void shouldWriteSwitchingProtocolsWithoutOptionalHeaders()
    {
        final int length = writeSwitchingProtocols(dst, 0, null, null);

        assertEquals(UpgradeResponseWriter.SWITCHING_PROTOCOLS_LENGTH, length);
        assertEquals(
            "HTTP/1.1 101 Switching Protocols\r\n" +
            "Upgrade: websocket\r\n" +
            "Connection: Upgrade\r\n" +
            "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n" +
            "\r\n",
            string(dst, 0, length));
    }

    @Test
    void shouldWriteSwitchingProtocolsWithSubprotocolAndExtensions()
    {
        final int length = writeSwitchingProtocols(dst, 0, "v2.mux", "permessage-deflate; server_no_context_takeover");

        final HttpResponse response = HttpResponse.parse(Arrays.copyOf(dst.byteArray(), length));
        assertEquals(101, response.status);
        assertEquals("Switching Protocols", response.statusText);
        assertEquals(List.of(
            "Upgrade: websocket",
            "Connection: Upgrade",
            "Sec-WebSocket-Accept: " + RFC_6455_ACCEPT,
            "Sec-WebSocket-Protocol: v2.mux",
            "Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover"),
            response.headerLines);
    }

    @Test
    void shouldWriteNothingAndReturnMinusOneWhenSwitchingProtocolsDoesNotFit()
    {
        final int length = RFC_6455_RESPONSE.length();
        final UnsafeBuffer small = new UnsafeBuffer(new byte[length + 3]);

        assertEquals(-1, writeSwitchingProtocols(small, 4, "chat", null));
        assertArrayEquals(new byte[length + 3], small.byteArray());
        assertEquals(length, writeSwitchingProtocols(small, 3, "chat", null));
    }

    @Test
    void shouldRefuseSubprotocolOrExtensionsThatWouldSplitTheResponse()
    {
        assertThrows(IllegalArgumentException.class, () -> writeSwitchingProtocols(dst, 0, "chat\r\nX-Evil: 1", null));
        assertThrows(IllegalArgumentException.class, () -> writeSwitchingProtocols(dst, 0, null, "x\n"));
        assertThrows(IllegalArgumentException.class, () -> writeSwitchingProtocols(dst, 0, "", null));
        assertThrows(IllegalArgumentException.class, () -> writeSwitchingProtocols(dst, 0, "caf\u00e9", null));
    }

    @Test
    void shouldStillComputeCorrectAcceptKeyAfterRefusedCalls()
    {
        assertEquals(-1, writeSwitchingProtocols(new UnsafeBuffer(new byte[8]), 0, null, null));
        assertThrows(IllegalArgumentException.class, () -> writeSwitchingProtocols(dst, 0, "\r", null));

        assertEquals(RFC_6455_RESPONSE.length(), writeSwitchingProtocols(dst, 0, "chat", null));
        assertEquals(RFC_6455_RESPONSE, string(dst, 0, RFC_6455_RESPONSE.length()));
    }

    @Test
    void shouldAllocateNothingWhenWritingSwitchingProtocols()
    {
        final UpgradeRequestParser parser = parse(RFC_6455_EXAMPLE);
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        for (int i = 0; i < 20_000; i++)
        {
            writer.writeSwitchingProtocols(dst, 0, parser.headBuffer(), parser.secWebSocketKeyOffset(),
                parser.secWebSocketKeyLength(), "chat", null);
        }

        final long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 1_000; i++)
        {
            writer.writeSwitchingProtocols(dst, 0, parser.headBuffer(), parser.secWebSocketKeyOffset(),
                parser.secWebSocketKeyLength(), "chat", null);
        }
        final long allocated = threads.getCurrentThreadAllocatedBytes() - before;

        assertEquals(0, allocated);
    }

    @ParameterizedTest
    @EnumSource(UpgradeRejection.class)
    void shouldWriteEveryRejectionAsWellFormedResponseThatClosesTheConnection(final UpgradeRejection rejection)
    {
        final int offset = 5;

        final int length = writer.writeRejection(dst, offset, rejection);

        assertTrue(length > 0 && length <= UpgradeResponseWriter.MAX_REJECTION_LENGTH, "length=" + length);
        final HttpResponse response = HttpResponse.parse(Arrays.copyOfRange(dst.byteArray(), offset, offset + length));
        assertEquals(rejection.status(), response.status);
        assertEquals(rejection.statusText(), response.statusText);
        assertEquals(List.of("close"), response.headers("Connection"));
        assertEquals(List.of("text/plain; charset=utf-8"), response.headers("Content-Type"));
        assertEquals(rejection.reason() + "\n", response.body);
    }

    @Test
    void shouldWriteAllowGetWith405()
    {
        final HttpResponse response = writeRejection(UpgradeRejection.METHOD_NOT_ALLOWED);

        assertEquals(405, response.status);
        assertEquals(List.of("GET"), response.headers("Allow"));
    }

    @Test
    void shouldWriteUpgradeWebSocketWith426WhenNotWebSocketUpgrade()
    {
        final HttpResponse response = writeRejection(UpgradeRejection.NOT_WEBSOCKET_UPGRADE);

        assertEquals(426, response.status);
        assertEquals(List.of("websocket"), response.headers("Upgrade"));
    }

    @Test
    void shouldAnswerVersion8AndMissingVersionWith426AndSupportedVersion()
    {
        final UpgradeRequestParser version8 =
            parse(validRequestWith("Sec-WebSocket-Version", "Sec-WebSocket-Version: 8"));
        final UpgradeRequestParser noVersion = parse(validRequestWith("Sec-WebSocket-Version", null));

        for (final UpgradeRequestParser parser : List.of(version8, noVersion))
        {
            final int length = writer.writeRejection(dst, 0, parser.rejection());
            final String text = string(dst, 0, length);

            assertTrue(text.startsWith("HTTP/1.1 426 Upgrade Required\r\n"), text);
            assertTrue(text.contains("\r\nSec-WebSocket-Version: 13\r\n"), text);
        }
    }

    @Test
    void shouldOnlySendExtraHeadersWhereTheStatusNeedsThem()
    {
        for (final UpgradeRejection rejection : UpgradeRejection.values())
        {
            final HttpResponse response = writeRejection(rejection);

            assertEquals(rejection == UpgradeRejection.METHOD_NOT_ALLOWED, !response.headers("Allow").isEmpty());
            assertEquals(rejection == UpgradeRejection.NOT_WEBSOCKET_UPGRADE, !response.headers("Upgrade").isEmpty());
            assertEquals(rejection == UpgradeRejection.UNSUPPORTED_WEBSOCKET_VERSION,
                !response.headers("Sec-WebSocket-Version").isEmpty());
        }
    }

    @Test
    void shouldWriteNothingAndReturnMinusOneWhenRejectionDoesNotFit()
    {
        final int length = writer.writeRejection(dst, 0, UpgradeRejection.MISSING_HOST);
        final UnsafeBuffer small = new UnsafeBuffer(new byte[length]);

        assertEquals(-1, writer.writeRejection(small, 1, UpgradeRejection.MISSING_HOST));
        assertArrayEquals(new byte[length], small.byteArray());
        assertEquals(length, writer.writeRejection(small, 0, UpgradeRejection.MISSING_HOST));
    }

    @Test
    void shouldWriteApplicationErrorWithConnectionCloseAndBody()
    {
        final int length = writer.writeError(dst, 0, 503, "Service Unavailable", "connection limit reached");

        assertEquals(
            "HTTP/1.1 503 Service Unavailable\r\n" +
            "Content-Type: text/plain; charset=utf-8\r\n" +
            "Content-Length: 25\r\n" +
            "Connection: close\r\n" +
            "\r\n" +
            "connection limit reached\n",
            string(dst, 0, length));
    }

    @Test
    void shouldCountUtf8BytesInContentLengthOfApplicationError()
    {
        final String reason = "Zugriff verweigert \u2014 \u00fcberpr\u00fcfen";

        final int length = writer.writeError(dst, 0, 403, "Forbidden", reason);

        final HttpResponse response = HttpResponse.parse(Arrays.copyOf(dst.byteArray(), length));
        assertEquals(403, response.status);
        assertEquals(List.of("close"), response.headers("Connection"));
        assertEquals(reason + "\n", response.body);
    }

    @Test
    void shouldRefuseInvalidApplicationErrorStatusLine()
    {
        assertThrows(IllegalArgumentException.class, () -> writer.writeError(dst, 0, 99, "Low", "x"));
        assertThrows(IllegalArgumentException.class, () -> writer.writeError(dst, 0, 1000, "High", "x"));
        assertThrows(IllegalArgumentException.class, () -> writer.writeError(dst, 0, 404, "Not\r\nFound", "x"));
        assertThrows(IllegalArgumentException.class, () -> writer.writeError(dst, 0, 404, "", "x"));
    }

    @Test
    void shouldReturnMinusOneWhenApplicationErrorDoesNotFit()
    {
        assertEquals(-1, writer.writeError(new UnsafeBuffer(new byte[32]), 0, 404, "Not Found", "no such path"));
    }

    private int writeSwitchingProtocols(
        final MutableDirectBuffer buffer, final int offset, final String subprotocol, final String extensions)
    {
        final UnsafeBuffer key = new UnsafeBuffer(TestRequests.KEY.getBytes(StandardCharsets.US_ASCII));
        return writer.writeSwitchingProtocols(buffer, offset, key, 0, key.capacity(), subprotocol, extensions);
    }

    private HttpResponse writeRejection(final UpgradeRejection rejection)
    {
        final int length = writer.writeRejection(dst, 0, rejection);
        return HttpResponse.parse(Arrays.copyOf(dst.byteArray(), length));
    }

    private static String string(final UnsafeBuffer buffer, final int offset, final int length)
    {
        return buffer.getStringWithoutLengthUtf8(offset, length);
    }
}
