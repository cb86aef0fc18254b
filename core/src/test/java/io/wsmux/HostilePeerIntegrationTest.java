package io.wsmux;

import static io.wsmux.codec.WireFrames.concat;
import static io.wsmux.codec.WireFrames.frame;
import static io.wsmux.codec.WireFrames.masked;
import static io.wsmux.codec.WireFrames.unmasked;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Stream;

import io.wsmux.codec.CloseCode;
import io.wsmux.codec.CloseReason;
import io.wsmux.codec.Opcode;
import io.wsmux.conformance.RawWebSocketClient;
import io.wsmux.codec.http.UpgradeRejection;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile peers against a real server over loopback: malformed and oversized handshakes, slowloris, every framing
 * violation, clients that stop reading, clients that vanish in every state, the connection limit and idle peers.
 * Every client is a raw {@link HostileClient} with a read timeout, and every test has a {@link Timeout}.
 */
class HostilePeerIntegrationTest
{
    private static final int MAX_FRAME_LENGTH = 1024;
    private static final int MAX_MESSAGE_LENGTH = 4 * MAX_FRAME_LENGTH;
    private static final int MAX_HANDSHAKE_LENGTH = 8 * 1024;
    private static final int MAX_HEADER_COUNT = 64;
    private static final long AWAIT_NS = TimeUnit.SECONDS.toNanos(5);
    private static final HostileClient.Ending END_OF_STREAM = HostileClient.Ending.END_OF_STREAM;
    private static final byte[] CLIENT_MASK_KEY = { 0x11, 0x22, 0x33, 0x44 };

    private static final int FLOOD_MESSAGE_COUNT = 500;
    private static final int FLOOD_MESSAGE_LENGTH = 64 * 1024;
    private static final int OUTBOUND_BUDGET = 1024 * 1024;
    /** Messages of {@link #FLOOD_MESSAGE_LENGTH} that fill half the outbound budget. */
    private static final int HALF_BUDGET_MESSAGE_COUNT = OUTBOUND_BUDGET / FLOOD_MESSAGE_LENGTH / 2;
    /** Largest header the server writes for a 64 KiB payload: 2 bytes and a 64-bit length. */
    private static final int MAX_SERVER_HEADER_LENGTH = 10;

    private final List<HostileClient> clients = new ArrayList<>();
    private final RecordingHandler recording = new RecordingHandler();
    private WsmuxServer server;

    @AfterEach
    void tearDown()
    {
        for (final HostileClient client : clients)
        {
            client.close();
        }
        if (null != server)
        {
            server.close();
        }
    }

    // ---- 1. malformed and oversized handshakes ----

    static Stream<Arguments> malformedHandshakes()
    {
        final String valid = HostileClient.upgradeRequest("/echo");
        final StringBuilder oversized = new StringBuilder("GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ");
        while (oversized.length() < MAX_HANDSHAKE_LENGTH + 100)
        {
            oversized.append('a');
        }
        final String[] headers = new String[MAX_HEADER_COUNT + 1 - 5];
        for (int i = 0; i < headers.length; i++)
        {
            headers[i] = "X-Header-" + i + ": v";
        }

        return Stream.of(
            rejected("POST", valid.replace("GET /echo", "POST /echo"), UpgradeRejection.METHOD_NOT_ALLOWED,
                "Allow", "GET"),
            rejected("HTTP/1.0", valid.replace("HTTP/1.1", "HTTP/1.0"), UpgradeRejection.UNSUPPORTED_HTTP_VERSION,
                null, null),
            rejected("missing Host", valid.replace("Host: 127.0.0.1\r\n", ""), UpgradeRejection.MISSING_HOST,
                null, null),
            rejected("missing Upgrade", valid.replace("Upgrade: websocket\r\n", ""),
                UpgradeRejection.NOT_WEBSOCKET_UPGRADE, "Upgrade", "websocket"),
            rejected("Sec-WebSocket-Version 8", valid.replace("Sec-WebSocket-Version: 13", "Sec-WebSocket-Version: 8"),
                UpgradeRejection.UNSUPPORTED_WEBSOCKET_VERSION, "Sec-WebSocket-Version", "13"),
            rejected("bad key", valid.replaceFirst("Sec-WebSocket-Key: [^\r]*", "Sec-WebSocket-Key: not-a-key"),
                UpgradeRejection.MISSING_OR_INVALID_KEY, null, null),
            rejected("head over 8 KiB", oversized.toString(), UpgradeRejection.HEADER_TOO_LARGE, null, null),
            rejected("too many headers", HostileClient.upgradeRequest("/echo", headers),
                UpgradeRejection.TOO_MANY_HEADERS, null, null),
            rejected("garbage", "\u0000\u00ff\u0016\u0003 garbage \u0007\r\n\r\n",
                UpgradeRejection.MALFORMED_REQUEST_LINE, null, null),
            Arguments.of("plain GET on an unknown path", ascii("GET /nowhere HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"),
                404, "Not Found", null, null, null),
            Arguments.of("upgrade on an unknown path", ascii(HostileClient.upgradeRequest("/nowhere")),
                404, "Not Found", null, null, null));
    }

    private static Arguments rejected(
        final String name,
        final String request,
        final UpgradeRejection rejection,
        final String headerName,
        final String headerValue)
    {
        return Arguments.of(name, ascii(request), rejection.status(), rejection.statusText(), headerName, headerValue,
            rejection.reason() + "\n");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedHandshakes")
    @Timeout(10)
    void shouldAnswerMalformedHandshakeWithStatusAndReasonThenClose(
        final String name,
        final byte[] request,
        final int status,
        final String statusText,
        final String headerName,
        final String headerValue,
        final String body) throws IOException
    {
        start(WsmuxServer.builder(settings().maxHandshakeLength(MAX_HANDSHAKE_LENGTH).maxHeaderCount(MAX_HEADER_COUNT))
            .endpoint("/echo", recording));
        final HostileClient client = connect();

        client.write(request);
        final HostileClient.HttpReply reply = client.readHttpReply();

        assertEquals(status, reply.status(), reply.toString());
        assertEquals(statusText, reply.statusText(), reply.toString());
        if (null != headerName)
        {
            assertEquals(headerValue, reply.header(headerName), reply.toString());
        }
        assertEquals("close", reply.header("Connection"), reply.toString());
        if (null != body)
        {
            assertEquals(body, reply.body());
        }
        else
        {
            // The 404 reason is not in the rejection table: any one line of text will do.
            assertTrue(reply.body().length() > 1 && reply.body().indexOf('\n') == reply.body().length() - 1,
                "reason body: '" + reply.body() + "'");
        }
        assertEquals(END_OF_STREAM, client.awaitEndOfStream());
        awaitOpenConnections(0);
        AwaitCount.awaitCount("handshakesRejected", server::handshakesRejected, 1);
        assertTrue(recording.opened.isEmpty(), "no connection may open");
    }

    @Test
    @Timeout(10)
    void shouldRejectUpgradeTheHookRefusesWithItsStatusAndReasonAndAcceptTheGoodToken() throws IOException
    {
        start(WsmuxServer.builder(settings()).endpoint("/guarded", new EchoHandler(), (request) ->
            "good".equals(request.header("X-Token")) ? null : new UpgradeHook.Rejection(403, "bad token")));

        for (final String token : List.of("X-Token: bad", "X-Other: good"))
        {
            final HostileClient refused = connect();
            refused.writeAscii(HostileClient.upgradeRequest("/guarded", token));
            final HostileClient.HttpReply reply = refused.readHttpReply();
            assertEquals(403, reply.status(), reply.toString());
            assertEquals("Forbidden", reply.statusText(), reply.toString());
            assertEquals("bad token\n", reply.body());
            assertEquals(END_OF_STREAM, refused.awaitEndOfStream());
        }

        final HostileClient accepted = connect().upgrade("/guarded", "X-Token: good");
        assertEcho(accepted, "let in");
        AwaitCount.awaitCount("handshakesRejected", server::handshakesRejected, 2);
    }

    // ---- 2. slowloris ----

    @Test
    @Timeout(10)
    void shouldCloseHandshakeThatDribblesPastTheHandshakeTimeout() throws IOException
    {
        final int dribbleIntervalMs = 50;
        start(WsmuxServer.builder(settings().handshakeTimeoutNs(TimeUnit.MILLISECONDS.toNanos(300)))
            .endpoint("/echo", recording));
        final HostileClient client = connect();
        final byte[] request = ascii(HostileClient.upgradeRequest("/echo"));
        final long dribbleMs = (long)request.length * dribbleIntervalMs;
        client.readTimeoutMs(dribbleIntervalMs);

        final long startNs = System.nanoTime();
        int sent = 0;
        int firstByte = -2;
        while (sent < request.length && -2 == firstByte)
        {
            try
            {
                client.write(request, sent, 1);
                sent++;
            }
            catch (final IOException ex)
            {
                firstByte = -1; // the server closed and reset the connection
                break;
            }
            firstByte = client.pollByte(); // also paces the dribble: waits up to 50 ms
        }
        final long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs);

        assertNotEquals(-2, firstByte, "the server never closed the dribbling connection");
        assertTrue(sent < request.length, "the whole request went through: sent=" + sent);
        assertTrue(elapsedMs < dribbleMs / 3, "closed after " + elapsedMs + " ms of a " + dribbleMs + " ms dribble");
        if (firstByte >= 0)
        {
            client.readTimeoutMs(HostileClient.READ_TIMEOUT_MS);
            final String response = (char)firstByte + new String(client.readRemaining(), StandardCharsets.ISO_8859_1);
            assertTrue(response.startsWith("HTTP/1.1 408 "), response);
        }
        awaitOpenConnections(0);
        assertTrue(recording.opened.isEmpty(), "no connection may open");
    }

    // ---- 3. every framing rule, with its close code, through a real socket ----

    /**
     * The bytes a client sends to break one rule. Every constant but {@link CloseReason#MASKED_SERVER_FRAME} (which
     * only a client's decoder reports) has a case: a constant added to the table fails this test until it has one.
     */
    private static final Set<CloseReason> DEFLATE_REASONS = EnumSet.of(CloseReason.COMPRESSED_CONTROL_FRAME,
        CloseReason.COMPRESSED_CONTINUATION, CloseReason.CORRUPT_COMPRESSED_DATA, CloseReason.INFLATED_MESSAGE_TOO_BIG);

    private static byte[] violation(final CloseReason reason)
    {
        switch (reason)
        {
            case RESERVED_BITS:
                return masked(0x80 | 0x40 | Opcode.TEXT, ascii("rsv1"));
            case RESERVED_OPCODE:
                return masked(0x80 | 0x3, ascii("opcode 3"));
            case CONTROL_FRAME_TOO_LONG:
                return masked(0x80 | Opcode.PING, new byte[126]);
            case FRAGMENTED_CONTROL_FRAME:
                return masked(Opcode.PING, ascii("not final"));
            case UNEXPECTED_CONTINUATION:
                return masked(0x80 | Opcode.CONTINUATION, ascii("continues nothing"));
            case EXPECTED_CONTINUATION:
                return concat(masked(Opcode.TEXT, ascii("first")), masked(0x80 | Opcode.TEXT, ascii("second")));
            case INVALID_PAYLOAD_LENGTH:
                return concat(new byte[]{ (byte)(0x80 | Opcode.BINARY), (byte)0xFF, (byte)0x80, 0, 0, 0, 0, 0, 0, 1 },
                    CLIENT_MASK_KEY);
            case NON_MINIMAL_PAYLOAD_LENGTH:
                return frame(0x80 | Opcode.BINARY, CLIENT_MASK_KEY, 16, ascii("short"));
            case UNMASKED_CLIENT_FRAME:
                return unmasked(0x80 | Opcode.TEXT, ascii("bare"));
            case FRAME_TOO_BIG:
                return concat(new byte[]{ (byte)(0x80 | Opcode.BINARY), (byte)(0x80 | 126),
                    (byte)((MAX_FRAME_LENGTH + 1) >>> 8), (byte)(MAX_FRAME_LENGTH + 1) }, CLIENT_MASK_KEY);
            case MESSAGE_TOO_BIG:
                return concat(
                    masked(Opcode.BINARY, new byte[MAX_FRAME_LENGTH]),
                    masked(Opcode.CONTINUATION, new byte[MAX_FRAME_LENGTH]),
                    masked(Opcode.CONTINUATION, new byte[MAX_FRAME_LENGTH]),
                    masked(Opcode.CONTINUATION, new byte[MAX_FRAME_LENGTH]),
                    masked(0x80 | Opcode.CONTINUATION, new byte[1]));
            case INVALID_UTF8:
                return masked(0x80 | Opcode.TEXT, new byte[]{ 'o', 'k', (byte)0xC0, (byte)0xAF });
            case CLOSE_PAYLOAD_TOO_SHORT:
                return masked(0x80 | Opcode.CLOSE, new byte[]{ 0x03 });
            case INVALID_CLOSE_CODE:
                return masked(0x80 | Opcode.CLOSE, HostileClient.closePayload(CloseCode.NO_STATUS, new byte[0]));
            case INVALID_CLOSE_REASON:
                return masked(
                    0x80 | Opcode.CLOSE, HostileClient.closePayload(CloseCode.NORMAL, new byte[]{ 'b', (byte)0xFF }));
            // permessage-deflate, negotiated for these (see DEFLATE_REASONS)
            case COMPRESSED_CONTROL_FRAME:
                return masked(0x80 | 0x40 | Opcode.PING, ascii("compressed ping"));
            case COMPRESSED_CONTINUATION:
                return concat(masked(0x40 | Opcode.TEXT, RawWebSocketClient.deflate(ascii("first half"))),
                    masked(0x80 | 0x40 | Opcode.CONTINUATION, ascii("second")));
            case CORRUPT_COMPRESSED_DATA:
                return masked(0x80 | 0x40 | Opcode.BINARY, new byte[]{ (byte)0xFF, (byte)0xFF, 1, 2 });
            case INFLATED_MESSAGE_TOO_BIG:
                // within the wire limits, past the message limit once inflated
                return masked(0x80 | 0x40 | Opcode.BINARY,
                    RawWebSocketClient.deflate(new byte[MAX_MESSAGE_LENGTH + 1]));
            default:
                throw new IllegalArgumentException("no client bytes break this rule: " + reason);
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = CloseReason.class, mode = EnumSource.Mode.EXCLUDE, names = "MASKED_SERVER_FRAME")
    @Timeout(10)
    void shouldSendTheViolationsCloseCodeThenCloseTcp(final CloseReason reason) throws IOException
    {
        start(WsmuxServer.builder(settings()).endpoint("/echo", recording));
        final HostileClient good = connect().upgrade("/echo");
        final long goodId = recording.awaitOpen();
        final HostileClient client = DEFLATE_REASONS.contains(reason) ?
            connect().upgrade("/echo", "Sec-WebSocket-Extensions: permessage-deflate") : connect().upgrade("/echo");
        final long id = recording.awaitOpen();

        client.write(violation(reason));
        final HostileClient.Frame close = client.readFrame();

        assertEquals(Opcode.CLOSE, close.opcode(), close.toString());
        assertEquals(reason.code(), close.closeCode());
        assertEquals(reason.text(), close.closeReason());
        assertEquals(END_OF_STREAM, client.awaitEndOfStream());
        assertEquals(List.of(reason.code()), recording.awaitCloseCodes(id));
        assertEquals(List.of(), recording.texts(id), "nothing of the bad input may be delivered");
        awaitOpenConnections(1);
        AwaitCount.awaitCount("protocolErrors", server::protocolErrors, 1);
        assertEcho(good, "unaffected by " + reason);
        assertEquals(List.of(), recording.closeCodes(goodId));
    }

    @Test
    @Timeout(10)
    void shouldFailFragmentedTextAtTheFirstInvalidFragmentWithoutWaitingForTheLast() throws IOException
    {
        start(WsmuxServer.builder(settings()).endpoint("/echo", recording));
        final HostileClient client = connect().upgrade("/echo");
        final long id = recording.awaitOpen();

        client.sendFrame(Opcode.TEXT, ascii("valid so far, "));
        client.sendFrame(Opcode.CONTINUATION, new byte[]{ 'x', (byte)0xFF, 'y' });
        final HostileClient.Frame close = client.readFrame(); // the final fragment is never sent

        assertEquals(CloseCode.INVALID_PAYLOAD, close.closeCode());
        assertEquals(CloseReason.INVALID_UTF8.text(), close.closeReason());
        assertEquals(END_OF_STREAM, client.awaitEndOfStream());
        assertEquals(List.of(CloseCode.INVALID_PAYLOAD), recording.awaitCloseCodes(id));
        assertEquals(List.of(), recording.texts(id));
    }

    @Test
    @Timeout(10)
    void shouldAcceptCodePointSplitAcrossFragments() throws IOException
    {
        start(WsmuxServer.builder(settings()).endpoint("/echo", recording));
        final HostileClient client = connect().upgrade("/echo");

        client.sendFrame(Opcode.TEXT, new byte[]{ 'a', (byte)0xE2, (byte)0x82 }); // "€" is E2 82 AC
        client.sendFrame(0x80 | Opcode.CONTINUATION, new byte[]{ (byte)0xAC });
        final HostileClient.Frame echo = client.readFrame();

        assertEquals(Opcode.TEXT, echo.opcode());
        assertEquals("a\u20ac", echo.text());
    }

    // ---- 4. a client that stops reading ----

    @Test
    @Timeout(20)
    void shouldCloseSlowConsumerWhileAnotherConnectionOnTheSameLoopKeepsEchoing() throws Exception
    {
        final FloodHandler flood = new FloodHandler();
        start(WsmuxServer.builder(slowConsumerSettings()
                .closeTimeoutNs(TimeUnit.MILLISECONDS.toNanos(500))
                .slowConsumerCloseTimeoutNs(TimeUnit.MILLISECONDS.toNanos(500)))
            .endpoint("/flood", flood)
            .endpoint("/echo", new EchoHandler()));
        final HostileClient good = connect().upgrade("/echo");
        assertEcho(good, "before");
        final HostileClient slow = connectSmallWindow().upgrade("/flood");

        slow.sendText("flood");
        assertTrue(flood.flooded.await(5, TimeUnit.SECONDS), "flood did not run");

        assertTrue(flood.accepted.get() < FLOOD_MESSAGE_COUNT, "every message fitted: " + flood.accepted.get());
        final String padding = "x".repeat(1000);
        for (int i = 0; i < 20; i++)
        {
            assertEcho(good, "during " + i + " " + padding);
        }
        // At once, or after wsmux.slow.consumer.grace where the server has one; then the close timeout.
        awaitTrue(() -> server.slowConsumerCloses() >= 1, () -> "slowConsumerCloses=" + server.slowConsumerCloses());
        final Integer code = flood.closeCodes.poll(5, TimeUnit.SECONDS);
        assertEquals(CloseCode.POLICY_VIOLATION, code, "onClose of the slow consumer");
        awaitOpenConnections(1);
        slow.readRemaining(); // the slow client reads at last: what the kernel held, then the end
        for (int i = 0; i < 20; i++)
        {
            assertEcho(good, "after " + i + " " + padding);
        }
        assertTrue(flood.maxQueuedBytes.get() <= OUTBOUND_BUDGET + FLOOD_MESSAGE_LENGTH + MAX_SERVER_HEADER_LENGTH,
            "queued " + flood.maxQueuedBytes.get() + " bytes for a budget of " + OUTBOUND_BUDGET);
        assertEquals(List.of(), List.copyOf(flood.closeCodes), "onClose more than once");
    }

    @Test
    @Timeout(20)
    void shouldDropMessagesOverBudgetAndDeliverAnInOrderPrefixWhenTheClientReadsAgain() throws Exception
    {
        final FloodHandler flood = new FloodHandler();
        start(WsmuxServer.builder(slowConsumerSettings().outboundOverflow(WsmuxSettings.OverflowPolicy.DROP))
            .endpoint("/flood", flood)
            .endpoint("/echo", new EchoHandler()));
        final HostileClient good = connect().upgrade("/echo");
        final HostileClient slow = connectSmallWindow().upgrade("/flood");

        slow.sendText("flood");
        assertTrue(flood.flooded.await(5, TimeUnit.SECONDS), "flood did not run");
        assertEcho(good, "while the slow one is stuck");

        final long accepted = flood.accepted.get();
        assertTrue(flood.dropped.get() > 0, "nothing dropped");
        assertEquals(FLOOD_MESSAGE_COUNT, accepted + flood.dropped.get(), "accepted + dropped");
        assertEquals(0, server.slowConsumerCloses());
        assertTrue(flood.isOpen.get(), "the connection must stay open");
        assertTrue(flood.maxQueuedBytes.get() <= OUTBOUND_BUDGET + FLOOD_MESSAGE_LENGTH + MAX_SERVER_HEADER_LENGTH,
            "queued " + flood.maxQueuedBytes.get() + " bytes for a budget of " + OUTBOUND_BUDGET);

        for (int i = 0; i < accepted; i++)
        {
            final HostileClient.Frame frame = slow.readFrame();
            assertEquals(Opcode.BINARY, frame.opcode(), "message " + i);
            assertEquals(FLOOD_MESSAGE_LENGTH, frame.payload().length, "message " + i);
            assertEquals(i, ByteBuffer.wrap(frame.payload()).getInt(), "messages out of order");
        }
        assertEcho(slow, "back to normal");
        assertEcho(good, "still fine");
        assertEquals(List.of(), List.copyOf(flood.closeCodes));
    }

    @Test
    @Timeout(20)
    void shouldKeepPongsWithinTheOutboundBudgetForAClientThatPingsButNeverReads() throws Exception
    {
        start(WsmuxServer.builder(slowConsumerSettings()).endpoint("/echo", recording));
        final HostileClient good = connect().upgrade("/echo");
        final long goodId = recording.awaitOpen();
        final HostileClient pinger = connectSmallWindow().upgrade("/echo");
        final long id = recording.awaitOpen();
        final int pingsPerWrite = 1000;
        final byte[] ping = masked(0x80 | Opcode.PING, new byte[125]);
        final byte[] pings = new byte[ping.length * pingsPerWrite];
        for (int i = 0; i < pingsPerWrite; i++)
        {
            System.arraycopy(ping, 0, pings, i * ping.length, ping.length);
        }

        // 100 000 pings ask for 12.7 MB of pongs, twelve times the outbound budget, from a client that reads none.
        // Pongs may sit in a lane queuedBytes() does not count, so the server's direct memory (where its outbound
        // chunks live; this JVM runs it) is watched too. The pings are written from another thread: a server that
        // stops reading (back-pressure) blocks that write for good, which is a way of bounding memory too.
        System.gc();
        sleepMs(100);
        final long directBefore = directMemoryUsed();
        final CountDownLatch written = new CountDownLatch(1);
        final AtomicBoolean writeFailed = new AtomicBoolean();
        final Thread writer = new Thread(() ->
        {
            try
            {
                for (int i = 0; i < 100; i++)
                {
                    pinger.write(pings);
                }
            }
            catch (final IOException ex)
            {
                writeFailed.set(true); // the server closed the connection
            }
            written.countDown();
        }, "ping-flood");
        writer.setDaemon(true);
        writer.start();

        final boolean stalled = !written.await(5, TimeUnit.SECONDS);
        if (!stalled && !writeFailed.get())
        {
            pinger.sendText("stats");
            awaitTrue(() -> recording.queuedBytes(id) >= 0 || !recording.closeCodes(id).isEmpty(),
                () -> "the server neither answered the stats message nor closed the connection");
        }
        final long directGrowth = directMemoryUsed() - directBefore;

        if (writeFailed.get() || !recording.closeCodes(id).isEmpty())
        {
            assertEquals(List.of(CloseCode.POLICY_VIOLATION), recording.awaitCloseCodes(id));
        }
        else
        {
            final long queued = recording.queuedBytes(id);
            assertTrue(queued <= OUTBOUND_BUDGET + 2 + 125,
                "pongs queued without limit: queuedBytes=" + queued + " for an outbound budget of " + OUTBOUND_BUDGET);
            assertTrue(directGrowth <= OUTBOUND_BUDGET + 2 * 1024 * 1024,
                "pongs queued without limit: direct memory grew by " + directGrowth +
                " bytes for an outbound budget of " + OUTBOUND_BUDGET + (stalled ? " (writes stalled)" : ""));
        }
        assertEcho(good, "unaffected by the ping flood");
        assertEquals(List.of(), recording.closeCodes(goodId));
    }

    @Test
    @Timeout(10)
    void shouldSendNoDataFrameAfterItsCloseFrameWhenTheClientReadsSlowly() throws IOException
    {
        start(WsmuxServer.builder(settings().outboundBudget(OUTBOUND_BUDGET).socketSendBuffer(64 * 1024))
            .endpoint("/echo", recording));
        final HostileClient client = connectSmallWindow().upgrade("/echo");
        final long id = recording.awaitOpen();

        client.sendText("flood-then-close"); // half the budget of binary messages, then close(4000)
        awaitTrue(() -> recording.queuedBytes(id) > 0, () -> "nothing queued: the client's window is too large");
        final List<String> frames = new ArrayList<>();
        HostileClient.Frame frame;
        do
        {
            frame = client.readFrame();
            frames.add(Opcode.BINARY == frame.opcode() ?
                "binary #" + ByteBuffer.wrap(frame.payload()).getInt() : frame.toString());
        }
        while (Opcode.CLOSE != frame.opcode());
        assertEquals(4000, frame.closeCode());
        client.sendClose(4000, "");
        final byte[] afterClose = client.readRemaining();

        // RFC 6455 §5.5.1: "After sending a Close frame, the endpoint MUST NOT send any further data frames."
        assertEquals(0, afterClose.length, "bytes after the close frame; frames up to it: " + frames);
        assertEquals(HALF_BUDGET_MESSAGE_COUNT + 1, frames.size(), "frames up to the close: " + frames);
    }

    // ---- 5. abrupt disconnects in every state ----

    /** Where a client vanishes. */
    enum Stage
    {
        MID_HANDSHAKE,
        RIGHT_AFTER_101,
        MID_FRAME,
        MID_FRAGMENTED_MESSAGE,
        AFTER_CLIENT_CLOSE_BEFORE_REPLY,
        AFTER_SERVER_CLOSE,
        WHILE_THE_SERVER_IS_WRITING
    }

    static Stream<Arguments> disconnects()
    {
        final List<Arguments> arguments = new ArrayList<>();
        for (final Stage stage : Stage.values())
        {
            arguments.add(Arguments.of(stage, "FIN"));
            arguments.add(Arguments.of(stage, "RST"));
        }
        return arguments.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("disconnects")
    @Timeout(10)
    void shouldReleaseAndNotifyOnceWhenClientVanishes(final Stage stage, final String how) throws IOException
    {
        start(WsmuxServer.builder(settings().outboundBudget(OUTBOUND_BUDGET).socketSendBuffer(64 * 1024))
            .endpoint("/echo", recording));
        final HostileClient good = connect().upgrade("/echo");
        final long goodId = recording.awaitOpen();
        final HostileClient client = Stage.WHILE_THE_SERVER_IS_WRITING == stage ? connectSmallWindow() : connect();
        final long id;
        int expectedCode = CloseCode.ABNORMAL;

        if (Stage.MID_HANDSHAKE == stage)
        {
            final String request = HostileClient.upgradeRequest("/echo");
            client.writeAscii(request.substring(0, request.length() / 2));
            awaitOpenConnections(2);
            id = 0;
        }
        else
        {
            client.upgrade("/echo");
            id = recording.awaitOpen();
            switch (stage)
            {
                case MID_FRAME:
                    final byte[] frame = masked(0x80 | Opcode.BINARY, new byte[200]);
                    client.write(frame, 0, frame.length - 100);
                    break;
                case MID_FRAGMENTED_MESSAGE:
                    client.sendFrame(Opcode.TEXT, ascii("first fragment, "));
                    client.sendFrame(Opcode.CONTINUATION, ascii("second fragment, "));
                    break;
                case AFTER_CLIENT_CLOSE_BEFORE_REPLY:
                    client.sendClose(CloseCode.NORMAL, "bye");
                    expectedCode = CloseCode.NORMAL;
                    break;
                case AFTER_SERVER_CLOSE:
                    client.sendText("close-me");
                    final HostileClient.Frame close = client.readFrame();
                    assertEquals(4000, close.closeCode(), "the server starts the close handshake");
                    break;
                case WHILE_THE_SERVER_IS_WRITING:
                    client.sendText("flood-me");
                    assertEquals(Opcode.BINARY, client.readFrame().opcode());
                    awaitTrue(() -> recording.queuedBytes(id) > 0, () -> "nothing queued: the stage is not reached");
                    break;
                default:
                    break;
            }
        }
        if ("RST".equals(how))
        {
            client.abort();
        }
        else
        {
            client.close();
        }

        awaitOpenConnections(1);
        if (0 != id)
        {
            assertEquals(List.of(expectedCode), recording.awaitCloseCodes(id), stage + " " + how);
        }
        assertEquals(stage == Stage.MID_HANDSHAKE ? 1 : 2, recording.openCount(), "connections opened");
        assertEcho(good, "unaffected by " + stage + " " + how);
        assertEquals(List.of(), recording.closeCodes(goodId));
        good.close();
        awaitOpenConnections(0);
    }

    // ---- 6. connection limit ----

    @Test
    @Timeout(10)
    void shouldRefuseConnectionsOverTheLimitWith503AndAcceptAgainWhenOneCloses() throws IOException
    {
        start(WsmuxServer.builder(settings().maxConnections(5)).endpoint("/echo", recording));
        final List<HostileClient> open = new ArrayList<>();
        for (int i = 0; i < 5; i++)
        {
            open.add(connect().upgrade("/echo"));
        }
        awaitOpenConnections(5);

        final HostileClient sixth = connect();
        final HostileClient.HttpReply reply = sixth.readHttpReply();
        assertEquals(503, reply.status(), reply.toString());
        assertEquals("Service Unavailable", reply.statusText());
        assertEquals("the server is at its connection limit\n", reply.body());
        assertEquals(END_OF_STREAM, sixth.awaitEndOfStream());
        awaitTrue(() -> 1 == server.refusedConnections(), () -> "refusedConnections=" + server.refusedConnections());

        open.get(2).close();
        awaitOpenConnections(4);
        final HostileClient seventh = connect().upgrade("/echo");
        assertEcho(seventh, "room again");
        for (final HostileClient client : open)
        {
            if (!client.isClosed())
            {
                assertEcho(client, "still open");
            }
        }
    }

    // ---- 7. idle peers ----

    @Test
    @Timeout(10)
    void shouldPingASilentClientThenCloseWith1001WhenItNeverAnswers() throws IOException
    {
        start(WsmuxServer.builder(idleSettings()).endpoint("/echo", recording));
        final HostileClient client = connect().upgrade("/echo");
        final long id = recording.awaitOpen();
        final long startNs = System.nanoTime();

        final HostileClient.Frame ping = client.readFrame();
        final long pingMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs);
        final HostileClient.Frame close = client.readFrame();
        final long closeMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs);

        assertEquals(Opcode.PING, ping.opcode(), ping.toString());
        assertEquals(CloseCode.GOING_AWAY, close.closeCode(), close.toString());
        assertEquals(END_OF_STREAM, client.awaitEndOfStream());
        assertTrue(pingMs >= 150 && pingMs < 2_000, "ping after " + pingMs + " ms");
        assertTrue(closeMs >= 500 && closeMs < 3_000, "close after " + closeMs + " ms");
        assertEquals(List.of(CloseCode.GOING_AWAY), recording.awaitCloseCodes(id));
        awaitOpenConnections(0);
    }

    @Test
    @Timeout(10)
    void shouldKeepAClientThatAnswersPingsOpenPastSeveralIdleTimeouts() throws IOException
    {
        start(WsmuxServer.builder(idleSettings()).endpoint("/echo", recording));
        final HostileClient client = connect().upgrade("/echo");
        final long id = recording.awaitOpen();
        client.readTimeoutMs(1_000);

        final long endNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2_000);
        int pings = 0;
        while (System.nanoTime() - endNs < 0)
        {
            final HostileClient.Frame frame = client.readFrame();
            assertEquals(Opcode.PING, frame.opcode(), "after " + pings + " pings: " + frame);
            client.sendPong(frame.payload());
            pings++;
        }

        assertTrue(pings >= 3, "pings=" + pings);
        assertEcho(client, "still here");
        assertEquals(List.of(), recording.closeCodes(id));
        assertEquals(1, server.openConnections());
    }

    // ---- helpers ----

    private static WsmuxSettings settings()
    {
        return new WsmuxSettings()
            .port(0)
            .ioThreads(2)
            .maxFrameLength(MAX_FRAME_LENGTH)
            .maxMessageLength(MAX_MESSAGE_LENGTH)
            .shutdownTimeoutNs(TimeUnit.MILLISECONDS.toNanos(200));
    }

    /**
     * One loop, so that the well-behaved connection shares it with the slow one; small socket buffers, so that the
     * kernel absorbs little of the flood and the outbound queue meets its budget.
     */
    private static WsmuxSettings slowConsumerSettings()
    {
        return settings()
            .ioThreads(1)
            .maxFrameLength(FLOOD_MESSAGE_LENGTH)
            .maxMessageLength(FLOOD_MESSAGE_LENGTH)
            .outboundBudget(OUTBOUND_BUDGET)
            .socketSendBuffer(64 * 1024);
    }

    private static WsmuxSettings idleSettings()
    {
        return settings()
            .pingIntervalNs(TimeUnit.MILLISECONDS.toNanos(200))
            .idleTimeoutNs(TimeUnit.MILLISECONDS.toNanos(600));
    }

    private void start(final WsmuxServer.Builder builder) throws IOException
    {
        server = builder.build().start();
    }

    private HostileClient connect() throws IOException
    {
        final HostileClient client = HostileClient.connect(server.port());
        clients.add(client);
        return client;
    }

    private HostileClient connectSmallWindow() throws IOException
    {
        final HostileClient client = HostileClient.connect(server.port(), 32 * 1024);
        clients.add(client);
        return client;
    }

    private void awaitOpenConnections(final int expected)
    {
        awaitTrue(() -> server.openConnections() == expected,
            () -> "openConnections=" + server.openConnections() + ", expected " + expected);
    }

    private static void awaitTrue(final BooleanSupplier condition, final Supplier<String> message)
    {
        final long deadlineNs = System.nanoTime() + AWAIT_NS;
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadlineNs > 0)
            {
                fail(message.get());
            }
            sleepMs(5);
        }
    }

    private static void sleepMs(final long ms)
    {
        try
        {
            Thread.sleep(ms);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    private static long directMemoryUsed()
    {
        for (final BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class))
        {
            if ("direct".equals(pool.getName()))
            {
                return pool.getMemoryUsed();
            }
        }
        throw new IllegalStateException("no direct buffer pool");
    }

    private static void assertEcho(final HostileClient client, final String text) throws IOException
    {
        client.sendText(text);
        final HostileClient.Frame echo = client.readFrameAnsweringPings();
        assertEquals(Opcode.TEXT, echo.opcode(), echo.toString());
        assertEquals(text, echo.text());
    }

    private static byte[] ascii(final String text)
    {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * Echoes, starts a close with 4000 on "close-me", floods half the outbound budget on "flood-me" (and then starts
     * a close with 4000 on "flood-then-close"), samples the connection's queue on "stats", and records each
     * connection's opens, texts and closes.
     */
    static final class RecordingHandler implements WebSocketHandler
    {
        final BlockingQueue<Long> opened = new LinkedBlockingQueue<>();
        private final Map<Long, List<Integer>> closeCodes = new ConcurrentHashMap<>();
        private final Map<Long, List<String>> texts = new ConcurrentHashMap<>();
        private final Map<Long, Long> queuedBytes = new ConcurrentHashMap<>();
        private final AtomicLong openCount = new AtomicLong();

        @Override
        public void onOpen(final Connection connection)
        {
            openCount.incrementAndGet();
            opened.add(connection.id());
        }

        @Override
        public void onText(final Connection connection, final DirectBuffer buffer, final int offset, final int length)
        {
            final String text = buffer.getStringWithoutLengthUtf8(offset, length);
            texts.computeIfAbsent(connection.id(), (k) -> new CopyOnWriteArrayList<>()).add(text);
            if ("close-me".equals(text))
            {
                connection.close(4000, "bye");
            }
            else if ("flood-me".equals(text) || "flood-then-close".equals(text))
            {
                final UnsafeBuffer message = new UnsafeBuffer(new byte[FLOOD_MESSAGE_LENGTH]);
                for (int i = 0; i < HALF_BUDGET_MESSAGE_COUNT; i++)
                {
                    message.putInt(0, i, ByteOrder.BIG_ENDIAN);
                    connection.sendBinary(message, 0, FLOOD_MESSAGE_LENGTH);
                }
                queuedBytes.put(connection.id(), connection.queuedBytes());
                if ("flood-then-close".equals(text))
                {
                    connection.close(4000, "bye");
                }
            }
            else if ("stats".equals(text))
            {
                queuedBytes.put(connection.id(), connection.queuedBytes());
            }
            else
            {
                connection.sendText(buffer, offset, length);
            }
        }

        @Override
        public void onBinary(final Connection connection, final DirectBuffer buffer, final int offset, final int length)
        {
            connection.sendBinary(buffer, offset, length);
        }

        @Override
        public void onClose(final Connection connection, final int code, final String reason)
        {
            closeCodes.computeIfAbsent(connection.id(), (k) -> new CopyOnWriteArrayList<>()).add(code);
        }

        long awaitOpen()
        {
            try
            {
                final Long id = opened.poll(5, TimeUnit.SECONDS);
                assertNotNull(id, "onOpen was not called");
                return id;
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(ex);
            }
        }

        long openCount()
        {
            return openCount.get();
        }

        List<Integer> closeCodes(final long id)
        {
            return List.copyOf(closeCodes.getOrDefault(id, List.of()));
        }

        /**
         * @return the connection's queued bytes sampled on the loop at its last "stats" or "flood-me", or -1.
         */
        long queuedBytes(final long id)
        {
            return queuedBytes.getOrDefault(id, -1L);
        }

        List<String> texts(final long id)
        {
            return List.copyOf(texts.getOrDefault(id, List.of()));
        }

        /**
         * Wait for onClose, then a little longer so that a second call would be seen too.
         */
        List<Integer> awaitCloseCodes(final long id)
        {
            awaitTrue(() -> !closeCodes(id).isEmpty(), () -> "onClose not called for connection " + id);
            sleepMs(50);
            return closeCodes(id);
        }
    }

    /**
     * On the text "flood", sends {@link #FLOOD_MESSAGE_COUNT} binary messages of {@link #FLOOD_MESSAGE_LENGTH} bytes,
     * each starting with its sequence number, from the loop thread, sampling the connection's queue after each;
     * echoes anything else.
     */
    static final class FloodHandler implements WebSocketHandler
    {
        final CountDownLatch flooded = new CountDownLatch(1);
        final AtomicLong accepted = new AtomicLong();
        final AtomicLong dropped = new AtomicLong();
        final AtomicLong maxQueuedBytes = new AtomicLong();
        final AtomicBoolean isOpen = new AtomicBoolean();
        final BlockingQueue<Integer> closeCodes = new LinkedBlockingQueue<>();

        @Override
        public void onText(final Connection connection, final DirectBuffer buffer, final int offset, final int length)
        {
            if (!"flood".equals(buffer.getStringWithoutLengthUtf8(offset, length)))
            {
                connection.sendText(buffer, offset, length);
                return;
            }
            final UnsafeBuffer message = new UnsafeBuffer(new byte[FLOOD_MESSAGE_LENGTH]);
            Arrays.fill(message.byteArray(), (byte)'m');
            for (int i = 0; i < FLOOD_MESSAGE_COUNT; i++)
            {
                message.putInt(0, i, ByteOrder.BIG_ENDIAN);
                if (connection.sendBinary(message, 0, FLOOD_MESSAGE_LENGTH))
                {
                    accepted.incrementAndGet();
                }
                maxQueuedBytes.accumulateAndGet(connection.queuedBytes(), Math::max);
            }
            dropped.set(connection.droppedMessages());
            isOpen.set(connection.isOpen());
            flooded.countDown();
        }

        @Override
        public void onClose(final Connection connection, final int code, final String reason)
        {
            closeCodes.add(code);
        }
    }
}
