package io.wsmux.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;

import javax.net.ssl.SSLContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import io.wsmux.codec.CloseCode;
import io.wsmux.codec.Opcode;
import io.wsmux.codec.WireFrames;
import io.wsmux.conformance.RawWebSocketClient.Frame;
import io.wsmux.conformance.RawWebSocketClient.Message;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A strict RFC 6455 conformance suite against an echo server, after the Autobahn|Testsuite cases 1-7 and 9
 * (framing, pings and pongs, reserved bits, reserved opcodes, fragmentation, UTF-8, closing, limits) with reduced
 * sizes, speaking raw bytes over loopback through {@link RawWebSocketClient}.
 * <p>
 * The server under test must echo every text and binary message with the same type (as one frame or as fragments:
 * the suite reassembles before comparing), answer every ping with a pong carrying the same payload, accept messages
 * up to {@link #messageLimit()} and refuse larger ones with 1009. After a violation it must send a close frame with
 * the expected code and then close the TCP connection itself; when the client starts the closing handshake with a
 * valid code it must answer with a close carrying that code and close TCP.
 * <p>
 * A subclass supplies {@link #serverAddress()} (starting the server once, e.g. in a {@code @BeforeAll}) and may
 * override {@link #path()}, {@link #messageLimit()} and {@link #timeoutMs()}. A test named {@code caseNxMxK…}
 * follows Autobahn case N.M.K ("x" stands for the dot: the house Checkstyle allows no underscore in method names);
 * {@code caseNExtra…} and {@code protocol…} add cases Autobahn lacks.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
public abstract class AbstractEchoConformanceTest
{
    /** Default message limit the server must honour: 16 MiB. */
    protected static final int MESSAGE_LIMIT_DEFAULT = 16 * 1024 * 1024;

    private static final int KIB = 1024;
    private static final int MIB = 1024 * 1024;
    private static final int FIN = 0x80;
    private static final int TEXT = Opcode.TEXT;
    private static final int BINARY = Opcode.BINARY;
    private static final int CONTINUATION = Opcode.CONTINUATION;
    private static final int PING = Opcode.PING;
    private static final int PONG = Opcode.PONG;
    private static final int CLOSE = Opcode.CLOSE;
    private static final byte[] EMPTY = new byte[0];
    private static final byte[] KOSME = hex("cebae1bdb9cf83cebcceb5");
    private static final String HELLO = "Hello, world!";
    private static final long FRAMEWISE_PAUSE_NS = TimeUnit.MILLISECONDS.toNanos(5);

    private final List<RawWebSocketClient> clients = new ArrayList<>();

    /**
     * @return where the echo server listens.
     */
    protected abstract InetSocketAddress serverAddress();

    /**
     * @return a client TLS context trusting the server, to run the suite over wss://; null (the default) for ws://.
     */
    protected SSLContext tlsContext()
    {
        return null;
    }

    /**
     * @return the request target of the echo endpoint.
     */
    protected String path()
    {
        return "/";
    }

    /**
     * @return the largest message the server accepts; one byte more must be refused with 1009.
     */
    protected int messageLimit()
    {
        return MESSAGE_LIMIT_DEFAULT;
    }

    /**
     * @return read timeout and write watchdog for each client, milliseconds.
     */
    protected int timeoutMs()
    {
        return RawWebSocketClient.DEFAULT_TIMEOUT_MS;
    }

    /**
     * Open a client to the echo endpoint; it is closed after the test.
     *
     * @return a connected client, handshake done.
     * @throws IOException when the connection fails.
     */
    protected RawWebSocketClient connect() throws IOException
    {
        final RawWebSocketClient client =
            RawWebSocketClient.connect(serverAddress(), path(), timeoutMs(), null, null, tlsContext());
        clients.add(client);
        return client;
    }

    @AfterEach
    void closeClients()
    {
        for (final RawWebSocketClient client : clients)
        {
            client.close();
        }
        clients.clear();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // 1.x Framing: text and binary messages of every length encoding, sent whole and in chunks.
    // ---------------------------------------------------------------------------------------------------------------

    @Test
    void case1x1x1ShouldEchoEmptyTextMessage() throws IOException
    {
        echoCase(TEXT, 0);
    }

    @Test
    void case1x1x2ShouldEchoTextMessageOf125Bytes() throws IOException
    {
        echoCase(TEXT, 125);
    }

    @Test
    void case1x1x3ShouldEchoTextMessageOf126Bytes() throws IOException
    {
        echoCase(TEXT, 126);
    }

    @Test
    void case1x1x4ShouldEchoTextMessageOf127Bytes() throws IOException
    {
        echoCase(TEXT, 127);
    }

    @Test
    void case1x1x5ShouldEchoTextMessageOf128Bytes() throws IOException
    {
        echoCase(TEXT, 128);
    }

    @Test
    void case1x1x6ShouldEchoTextMessageOf65535Bytes() throws IOException
    {
        echoCase(TEXT, 65535);
    }

    @Test
    void case1x1x7ShouldEchoTextMessageOf65536Bytes() throws IOException
    {
        echoCase(TEXT, 65536);
    }

    @Test
    void case1x1x8ShouldEchoTextMessageOf65536BytesSentInChunksOf997() throws IOException
    {
        chunkedEchoCase(TEXT, 65536, 997);
    }

    @Test
    void case1x2x1ShouldEchoEmptyBinaryMessage() throws IOException
    {
        echoCase(BINARY, 0);
    }

    @Test
    void case1x2x2ShouldEchoBinaryMessageOf125Bytes() throws IOException
    {
        echoCase(BINARY, 125);
    }

    @Test
    void case1x2x3ShouldEchoBinaryMessageOf126Bytes() throws IOException
    {
        echoCase(BINARY, 126);
    }

    @Test
    void case1x2x4ShouldEchoBinaryMessageOf127Bytes() throws IOException
    {
        echoCase(BINARY, 127);
    }

    @Test
    void case1x2x5ShouldEchoBinaryMessageOf128Bytes() throws IOException
    {
        echoCase(BINARY, 128);
    }

    @Test
    void case1x2x6ShouldEchoBinaryMessageOf65535Bytes() throws IOException
    {
        echoCase(BINARY, 65535);
    }

    @Test
    void case1x2x7ShouldEchoBinaryMessageOf65536Bytes() throws IOException
    {
        echoCase(BINARY, 65536);
    }

    @Test
    void case1x2x8ShouldEchoBinaryMessageOf65536BytesSentInChunksOf997() throws IOException
    {
        chunkedEchoCase(BINARY, 65536, 997);
    }

    @ParameterizedTest(name = "length={0} chunkSize={1}")
    @CsvSource({ "130, 1", "200, 2", "1000, 7", "4000, 100", "70000, 4096", "200000, 65536" })
    void case1ExtraShouldEchoTextMessageSentInChunksOfVariousSizes(final int length, final int chunkSize)
        throws IOException
    {
        chunkedEchoCase(TEXT, length, chunkSize);
    }

    @ParameterizedTest(name = "length={0} chunkSize={1}")
    @CsvSource({ "130, 1", "200, 3", "1000, 13", "4000, 125", "70000, 1500", "200000, 65535" })
    void case1ExtraShouldEchoBinaryMessageSentInChunksOfVariousSizes(final int length, final int chunkSize)
        throws IOException
    {
        chunkedEchoCase(BINARY, length, chunkSize);
    }

    @Test
    void case1ExtraShouldEchoSeveralMessagesWrittenInOneWrite() throws IOException
    {
        final RawWebSocketClient client = connect();
        final byte[] first = text(HELLO);
        final byte[] second = binary(300);
        final byte[] third = text(70_000);
        client.send(concat(frame(true, TEXT, first), frame(true, BINARY, second), frame(true, TEXT, third)));
        assertEcho(client, TEXT, first);
        assertEcho(client, BINARY, second);
        assertEcho(client, TEXT, third);
        closeNormally(client);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // 2.x Pings and pongs.
    // ---------------------------------------------------------------------------------------------------------------

    @Test
    void case2x1ShouldAnswerPingWithoutPayload() throws IOException
    {
        pingCase(EMPTY, 0);
    }

    @Test
    void case2x2ShouldAnswerPingWithTextPayload() throws IOException
    {
        pingCase(text("Hello, world!"), 0);
    }

    @Test
    void case2x3ShouldAnswerPingWithBinaryPayload() throws IOException
    {
        pingCase(hex("00fffefdfcfb00ff"), 0);
    }

    @Test
    void case2x4ShouldAnswerPingWith125BytePayload() throws IOException
    {
        pingCase(filled(125, 0xFE), 0);
    }

    @Test
    void case2x5ShouldCloseWith1002WhenPingPayloadIs126Bytes() throws IOException
    {
        final RawWebSocketClient client = connect();
        client.sendFrame(true, PING, filled(126, 0xFE));
        client.expectClose(CloseCode.PROTOCOL_ERROR);
    }

    @Test
    void case2x6ShouldAnswerPingWith125BytePayloadSentOctetByOctet() throws IOException
    {
        pingCase(filled(125, 0xFE), 1);
    }

    @Test
    void case2x7ShouldIgnoreUnsolicitedPongWithoutPayload() throws IOException
    {
        unsolicitedPongCase(EMPTY);
    }

    @Test
    void case2x8ShouldIgnoreUnsolicitedPongWithPayload() throws IOException
    {
        unsolicitedPongCase(text("unsolicited pong payload"));
    }

    @Test
    void case2x9ShouldAnswerPingAfterUnsolicitedPong() throws IOException
    {
        final RawWebSocketClient client = connect();
        client.send(concat(frame(true, PONG, text("unsolicited pong payload")),
            frame(true, PING, text("ping payload"))));
        assertPong(client.readFrame(), text("ping payload"));
        closeNormally(client);
    }

    @Test
    void case2x10ShouldAnswerTenPingsWithTenPongs() throws IOException
    {
        tenPingsCase(0);
    }

    @Test
    void case2x11ShouldAnswerTenPingsSentOctetByOctetWithTenPongs() throws IOException
    {
        tenPingsCase(1);
    }

    @Test
    void case2ExtraShouldAnswerPingBetweenMessages() throws IOException
    {
        final RawWebSocketClient client = connect();
        client.send(concat(frame(true, TEXT, text("before")), frame(true, PING, text("between")),
            frame(true, BINARY, binary(10))));
        assertEcho(client, TEXT, text("before"));
        assertPong(client.readFrame(), text("between"));
        assertEcho(client, BINARY, binary(10));
        closeNormally(client);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // 3.x Reserved bits: no extension is negotiated, so any RSV bit fails the connection (§5.2).
    // ---------------------------------------------------------------------------------------------------------------

    @Test
    void case3x1ShouldCloseWith1002WhenTextHasRsv1() throws IOException
    {
        final RawWebSocketClient client = connect();
        client.sendRawFrame(FIN | 0x10 | TEXT, text(HELLO));
        client.expectClose(CloseCode.PROTOCOL_ERROR);
    }

    @Test
    void case3x2ShouldEchoThenCloseWith1002WhenTextHasRsv2() throws IOException
    {
        final RawWebSocketClient client = connect();
        client.send(concat(frame(true, TEXT, text(HELLO)), rawFrame(FIN | 0x20 | TEXT, text(HELLO)),
            frame(true, PING, EMPTY)));
        assertEcho(client, TEXT, text(HELLO));
        client.expectClose(CloseCode.PROTOCOL_ERROR);
    }

    @Test
    void case3x3ShouldEchoThenCloseWith1002WhenTextHasRsv3SentFramewise() throws IOException
    {
        final RawWebSocketClient client = connect();
        client.sendFrame(true, TEXT, text(HELLO));
        assertEcho(client, TEXT, text(HELLO));
        trySendFramewise(client, rawFrame(FIN | 0x30 | TEXT, text(HELLO)), frame(true, PING, EMPTY));
        client.expectClose(CloseCode.PROTOCOL_ERROR);
    }

    @Test
    void case3x4ShouldEchoThenCloseWith1002WhenTextHasRsv4SentOctetwise() throws IOException
    {
        final RawWebSocketClient client = connect();
        client.sendFrame(true, TEXT, text(HELLO));
        assertEcho(client, TEXT, text(HELLO));
        trySendInChunks(client, concat(rawFrame(FIN | 0x40 | TEXT, text(HELLO)), frame(true, PING, EMPTY)), 1);
        client.expectClose(CloseCode.PROTOCOL_ERROR);
    }

    @Test
    void case3x5ShouldCloseWith1002WhenBinaryHasRsv5() throws IOException
    {
        final RawWebSocketClient client = connect();
        client.sendRawFrame(FIN | 0x50 | BINARY, filled(8, 0xFF));
        client.expectClose(CloseCode.PROTOCOL_ERROR);
    }

    @Test
    void case3x6ShouldCloseWith1002WhenPingHasRsv6() throws IOException
    {
        final RawWebSocketClient client = connect();
        client.sendRawFrame(FIN | 0x60 | PING, text(HELLO));
        client.expectClose(CloseCode.PROTOCOL_ERROR);
    }

    @Test
    void case3x7ShouldCloseWith1002WhenCloseHasRsv7() throws IOException
    {
        final RawWebSocketClient client = connect();
        client.sendRawFrame(FIN | 0x70 | CLOSE, EMPTY);
        client.expectClose(CloseCode.PROTOCOL_ERROR);
    }

    @ParameterizedTest(name = "rsv={0} opcode={1}")
    @MethodSource("reservedBitCombinations")
    void case3ExtraShouldEchoValidMessageThenCloseWith1002WhenReservedBitsSet(final int rsv, final int opcode)
        throws IOException
    {
        final RawWebSocketClient client = connect();
        client.send(concat(frame(true, BINARY, binary(20)), rawFrame(FIN | (rsv << 4) | opcode, text(HELLO)),
            frame(true, PING, text("must not be answered"))));
        assertEcho(client, BINARY, binary(20));
        client.expectClose(CloseCode.PROTOCOL_ERROR);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // 4.x Reserved opcodes: 0x3-0x7 (data) and 0xB-0xF (control) fail the connection (§5.2).
    // ---------------------------------------------------------------------------------------------------------------

    @Test
    void case4x1x1ShouldCloseWith1002OnReservedOpcode3() throws IOException
    {
        reservedOpcodeCase(0x3, EMPTY, false);
    }

    @Test
    void case4x1x2ShouldCloseWith1002OnReservedOpcode4WithPayload() throws IOException
    {
        reservedOpcodeCase(0x4, text("reserved opcode payload"), false);
    }

    @Test
    void case4x1x3ShouldEchoThenCloseWith1002OnReservedOpcode5() throws IOException
    {
        reservedOpcodeCase(0x5, EMPTY, true);
    }

    @Test
    void case4x1x4ShouldEchoThenCloseWith1002OnReservedOpcode6WithPayload() throws IOException
    {
        reservedOpcodeCase(0x6, text("reserved opcode payload"), true);
    }

    @Test
    void case4x1x5ShouldEchoThenCloseWith1002OnReservedOpcode7WithPayload() throws IOException
    {
        reservedOpcodeCase(0x7, text("reserved opcode payload"), true);
    }

    @Test
    void case4x2x1ShouldCloseWith1002OnReservedOpcode11() throws IOException
    {
        reservedOpcodeCase(0xB, EMPTY, false);
    }

    @Test
    void case4x2x2ShouldCloseWith1002OnReservedOpcode12WithPayload() throws IOException
    {
        reservedOpcodeCase(0xC, text("reserved opcode payload"), false);
    }

    @Test
    void case4x2x3ShouldEchoThenCloseWith1002OnReservedOpcode13() throws IOException
    {
        reservedOpcodeCase(0xD, EMPTY, true);
    }

    @Test
    void case4x2x4ShouldEchoThenCloseWith1002OnReservedOpcode14WithPayload() throws IOException
    {
        reservedOpcodeCase(0xE, text("reserved opcode payload"), true);
    }

    @Test
    void case4x2x5ShouldEchoThenCloseWith1002OnReservedOpcode15WithPayload() throws IOException
    {
        reservedOpcodeCase(0xF, text("reserved opcode payload"), true);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // 5.x Fragmentation (§5.4): control frames are never fragmented, continuations only continue, pings may come
    // between fragments.
    // ---------------------------------------------------------------------------------------------------------------

    @Test
    void case5x1ShouldCloseWith1002WhenPingIsFragmented() throws IOException
    {
        final RawWebSocketClient client = connect();
        client.send(concat(frame(false, PING, text("fragment1")), frame(true, CONTINUATION, text("fragment2"))));
        client.expectClose(CloseCode.PROTOCOL_ERROR);
    }

    @Test
    void case5x2ShouldCloseWith1002WhenPongIsFragmented() throws IOException
    {
        final RawWebSocketClient client = connect();
        client.send(concat(frame(false, PONG, text("fragment1")), frame(true, CONTINUATION, text("fragment2"))));
        client.expectClose(CloseCode.PROTOCOL_ERROR);
    }

    @Test
    void case5x3ShouldEchoTextInTwoFragments() throws IOException
    {
        final RawWebSocketClient client = connect();
        client.send(twoFragments());
        assertEcho(client, TEXT, text("fragment1fragment2"));
        closeNormally(client);
    }

    @Test
    void case5x4ShouldEchoTextInTwoFragmentsSentFramewise() throws IOException
    {
        final RawWebSocketClient client = connect();
        sendFramewise(client, frame(false, TEXT, text("fragment1")), frame(true, CONTINUATION, text("fragment2")));
        assertEcho(client, TEXT, text("fragment1fragment2"));
        closeNormally(client);
    }

    @Test
    void case5x5ShouldEchoTextInTwoFragmentsSentOctetwise() throws IOException
    {
        final RawWebSocketClient client = connect();
        client.sendInChunks(twoFragments(), 1);
        assertEcho(client, TEXT, text("fragment1fragment2"));
        closeNormally(client);
    }

    @Test
    void case5x6ShouldAnswerPingBetweenFragmentsThenEcho() throws IOException
    {
        final RawWebSocketClient client = connect();
        client.send(concat(frame(false, TEXT, text("fragment1")), frame(true, PING, text("ping payload")),
            frame(true, CONTINUATION, text("fragment2"))));
        assertPongThenEcho(client, text("ping payload"), TEXT, text("fragment1fragment2"));
        closeNormally(client);
    }

    @Test
    void case5x7ShouldAnswerPingBetweenFragmentsThenEchoSentFramewise() throws IOException
    {
        final RawWebSocketClient client = connect();
        sendFramewise(client, frame(false, TEXT, text("fragment1")), frame(true, PING, text("ping payload")),
            frame(true, CONTINUATION, text("fragment2")));
        assertPongThenEcho(client, text("ping payload"), TEXT, text("fragment1fragment2"));
        closeNormally(client);
    }

    @Test
    void case5x8ShouldAnswerPingBetweenFragmentsThenEchoSentOctetwise() throws IOException
    {
        final RawWebSocketClient client = connect();
        client.sendInChunks(concat(frame(false, TEXT, text("fragment1")), frame(true, PING, text("ping payload")),
            frame(true, CONTINUATION, text("fragment2"))), 1);
        assertPongThenEcho(client, text("ping payload"), TEXT, text("fragment1fragment2"));
        closeNormally(client);
    }

    @Test
    void case5x9ShouldCloseWith1002OnFinalContinuationWithNothingToContinue() throws IOException
    {
        final RawWebSocketClient client = connect();
        client.send(unexpectedContinuation(true));
        client.expectClose(CloseCode.PROTOCOL_ERROR);
    }

    @Test
    void case5x10ShouldCloseWith1002OnFinalContinuationWithNothingToContinueSentFramewise() throws IOException
    {
        final RawWebSocketClient client = connect();
        trySendFramewise(client, frame(true, CONTINUATION, text("non-continuation payload")),
            frame(true, TEXT, text(HELLO)));
        client.expectClose(CloseCode.PROTOCOL_ERROR);
    }

    @Test
    void case5x11ShouldCloseWith1002OnFinalContinuationWithNothingToContinueSentOctetwise() throws IOException
    {
        final RawWebSocketClient client = connect();
        trySendInChunks(client, unexpectedContinuation(true), 1);
        client.expectClose(CloseCode.PROTOCOL_ERROR);
    }

    @Test
    void case5x12ShouldCloseWith1002OnContinuationWithNothingToContinue() throws IOException
    {
        final RawWebSocketClient client = connect();
        client.send(unexpectedContinuation(false));
        client.expectClose(CloseCode.PROTOCOL_ERROR);
    }

    @Test
    void case5x13ShouldCloseWith1002OnContinuationWithNothingToContinueSentFramewise() throws IOException
    {
        final RawWebSocketClient client = connect();
        trySendFramewise(client, frame(false, CONTINUATION, text("non-continuation payload")),
            frame(true, TEXT, text(HELLO)));
        client.expectClose(CloseCode.PROTOCOL_ERROR);
    }

    @Test
    void case5x14ShouldCloseWith1002OnContinuationWithNothingToContinueSentOctetwise() throws IOException
    {
        final RawWebSocketClient client = connect();
        trySendInChunks(client, unexpectedContinuation(false), 1);
        client.expectClose(CloseCode.PROTOCOL_ERROR);
    }

    @Test
    void case5x15ShouldEchoThenCloseWith1002OnContinuationAfterCompleteMessage() throws IOException
    {
        final RawWebSocketClient client = connect();
        client.send(concat(frame(false, TEXT, text("fragment1")), frame(true, CONTINUATION, text("fragment2")),
            frame(false, CONTINUATION, text("fragment3")), frame(true, TEXT, text("fragment4"))));
        assertEcho(client, TEXT, text("fragment1fragment2"));
        client.expectClose(CloseCode.PROTOCOL_ERROR);
    }

    @Test
    void case5x16ShouldCloseWith1002OnContinuationBeforeTextRepeated() throws IOException
    {
        final byte[] round = concat(frame(false, CONTINUATION, text("fragment1")),
            frame(false, TEXT, text("fragment2")), frame(true, CONTINUATION, text("fragment3")));
        final RawWebSocketClient client = connect();
        client.send(concat(round, round));
        client.expectClose(CloseCode.PROTOCOL_ERROR);
    }

    @Test
    void case5x17ShouldCloseWith1002OnFinalContinuationBeforeTextRepeated() throws IOException
    {
        final byte[] round = concat(frame(true, CONTINUATION, text("fragment1")),
            frame(false, TEXT, text("fragment2")), frame(true, CONTINUATION, text("fragment3")));
        final RawWebSocketClient client = connect();
        client.send(concat(round, round));
        client.expectClose(CloseCode.PROTOCOL_ERROR);
    }

    @Test
    void case5x18ShouldCloseWith1002WhenSecondFragmentIsTextInsteadOfContinuation() throws IOException
    {
        final RawWebSocketClient client = connect();
        client.send(concat(frame(false, TEXT, text("fragment1")), frame(true, TEXT, text("fragment2"))));
        client.expectClose(CloseCode.PROTOCOL_ERROR);
    }

    @Test
    void case5x19ShouldAnswerPingsBetweenFragmentsBeforeTheMessageCompletes() throws IOException
    {
        pingsBetweenFragmentsCase(false);
    }

    @Test
    void case5x20ShouldAnswerPingsBetweenFragmentsBeforeTheMessageCompletesSentFramewise() throws IOException
    {
        pingsBetweenFragmentsCase(true);
    }

    @Test
    void case5ExtraShouldEchoBinaryInTwoFragments() throws IOException
    {
        final RawWebSocketClient client = connect();
        final byte[] payload = binary(300);
        client.send(concat(frame(false, BINARY, Arrays.copyOfRange(payload, 0, 100)),
            frame(true, CONTINUATION, Arrays.copyOfRange(payload, 100, 300))));
        assertEcho(client, BINARY, payload);
        closeNormally(client);
    }

    @ParameterizedTest(name = "opcode={0}")
    @ValueSource(ints = { TEXT, BINARY })
    void case5ExtraShouldEchoMessageInManyFragmentsOfVaryingSizes(final int opcode) throws IOException
    {
        final RawWebSocketClient client = connect();
        final byte[] payload = TEXT == opcode ? text(100_000) : binary(100_000);
        client.send(fragment(opcode, payload, new int[]{ 0, 1, 2, 125, 126, 127, 128, 1000, 0, 65536, 7 }));
        assertEcho(client, opcode, payload);
        closeNormally(client);
    }

    @ParameterizedTest(name = "opcode={0}")
    @ValueSource(ints = { TEXT, BINARY })
    void case5ExtraShouldEchoMessageInHundredFragmentsWithPingsBetween(final int opcode) throws IOException
    {
        final RawWebSocketClient client = connect();
        final byte[] payload = TEXT == opcode ? text(1000) : binary(1000);
        final ByteArrayOutputStream wire = new ByteArrayOutputStream();
        for (int i = 0; i < 100; i++)
        {
            wire.writeBytes(frame(99 == i, 0 == i ? opcode : CONTINUATION, Arrays.copyOfRange(payload, i * 10,
                i * 10 + 10)));
            if (0 == i % 25)
            {
                wire.writeBytes(frame(true, PING, text("ping " + i)));
            }
        }
        client.send(wire.toByteArray());
        final List<Frame> pongs = new ArrayList<>();
        assertMessage(client.readMessage(pongs), opcode, payload);
        assertEquals(4, pongs.size(), "pongs before the echo: " + pongs);
        for (int i = 0; i < 4; i++)
        {
            assertPong(pongs.get(i), text("ping " + i * 25));
        }
        closeNormally(client);
    }

    @Test
    void case5ExtraShouldEchoTextWhoseFirstFragmentIsEmpty() throws IOException
    {
        final RawWebSocketClient client = connect();
        client.send(concat(frame(false, TEXT, EMPTY), frame(true, CONTINUATION, text("rest"))));
        assertEcho(client, TEXT, text("rest"));
        closeNormally(client);
    }

    @Test
    void case5ExtraShouldEchoTextWhoseFinalFragmentIsEmpty() throws IOException
    {
        final RawWebSocketClient client = connect();
        client.send(concat(frame(false, TEXT, text("all")), frame(true, CONTINUATION, EMPTY)));
        assertEcho(client, TEXT, text("all"));
        closeNormally(client);
    }

    @Test
    void case5ExtraShouldCloseWith1002WhenCloseIsFragmented() throws IOException
    {
        final RawWebSocketClient client = connect();
        client.send(concat(frame(false, CLOSE, closeBody(CloseCode.NORMAL, "")),
            frame(true, CONTINUATION, EMPTY)));
        client.expectClose(CloseCode.PROTOCOL_ERROR);
    }

    @Test
    void case5ExtraShouldCloseWith1002WhenBinaryStartsInsideFragmentedText() throws IOException
    {
        final RawWebSocketClient client = connect();
        client.send(concat(frame(false, TEXT, text("fragment1")), frame(true, BINARY, binary(4)),
            frame(true, CONTINUATION, text("fragment2"))));
        client.expectClose(CloseCode.PROTOCOL_ERROR);
    }

    @Test
    void case5ExtraShouldCloseWith1002WhenTextStartsInsideFragmentedBinary() throws IOException
    {
        final RawWebSocketClient client = connect();
        client.send(concat(frame(false, BINARY, binary(4)), frame(false, TEXT, text("fragment"))));
        client.expectClose(CloseCode.PROTOCOL_ERROR);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // 6.x UTF-8 (§5.6, §8.1): text must be valid UTF-8, checked incrementally and failed fast with 1007.
    // ---------------------------------------------------------------------------------------------------------------

    @Test
    void case6x1x1ShouldEchoEmptyTextMessage() throws IOException
    {
        final RawWebSocketClient client = connect();
        client.sendFrame(true, TEXT, EMPTY);
        assertEcho(client, TEXT, EMPTY);
        closeNormally(client);
    }

    @Test
    void case6x1x2ShouldEchoTextOfThreeEmptyFragments() throws IOException
    {
        final RawWebSocketClient client = connect();
        client.send(concat(frame(false, TEXT, EMPTY), frame(false, CONTINUATION, EMPTY),
            frame(true, CONTINUATION, EMPTY)));
        assertEcho(client, TEXT, EMPTY);
        closeNormally(client);
    }

    @Test
    void case6x1x3ShouldEchoTextWhoseFirstAndLastFragmentsAreEmpty() throws IOException
    {
        final RawWebSocketClient client = connect();
        client.send(concat(frame(false, TEXT, EMPTY), frame(false, CONTINUATION, text("middle frame payload")),
            frame(true, CONTINUATION, EMPTY)));
        assertEcho(client, TEXT, text("middle frame payload"));
        closeNormally(client);
    }

    @Test
    void case6x2x1ShouldEchoValidUtf8WithOneToFourByteSequences() throws IOException
    {
        final RawWebSocketClient client = connect();
        final byte[] payload = text("Hello-\u00b5@\u00df\u00f6\u00e4\u00fc\u00e0\u00e1-UTF-8!! \ud83d\ude00");
        client.sendFrame(true, TEXT, payload);
        assertEcho(client, TEXT, payload);
        closeNormally(client);
    }

    @Test
    void case6x2x2ShouldEchoValidUtf8InTwoFragmentsSplitAtCodePoint() throws IOException
    {
        final RawWebSocketClient client = connect();
        final byte[] first = text("Hello-\u00b5@\u00df\u00f6\u00e4");
        final byte[] second = text("\u00fc\u00e0\u00e1-UTF-8!!");
        client.send(concat(frame(false, TEXT, first), frame(true, CONTINUATION, second)));
        assertEcho(client, TEXT, concat(first, second));
        closeNormally(client);
    }

    @Test
    void case6x2x3ShouldEchoValidUtf8FragmentedIntoOneOctetFrames() throws IOException
    {
        final RawWebSocketClient client = connect();
        final byte[] payload = text("Hello-\u00b5@\u00df\u00f6\u00e4\u00fc\u00e0\u00e1-UTF-8!!");
        client.send(fragment(TEXT, payload, new int[]{ 1 }));
        assertEcho(client, TEXT, payload);
        closeNormally(client);
    }

    @Test
    void case6x2x4ShouldEchoKosmeFragmentedIntoOneOctetFrames() throws IOException
    {
        final RawWebSocketClient client = connect();
        client.send(fragment(TEXT, KOSME, new int[]{ 1 }));
        assertEcho(client, TEXT, KOSME);
        closeNormally(client);
    }

    @Test
    void case6x3x1ShouldCloseWith1007OnSurrogateInOneFrame() throws IOException
    {
        final RawWebSocketClient client = connect();
        client.sendFrame(true, TEXT, concat(KOSME, hex("eda080"), text("edited")));
        client.expectClose(CloseCode.INVALID_PAYLOAD);
    }

    @Test
    void case6x3x2ShouldCloseWith1007OnSurrogateInOneOctetFrames() throws IOException
    {
        final RawWebSocketClient client = connect();
        client.send(fragment(TEXT, concat(KOSME, hex("eda080"), text("edited")), new int[]{ 1 }));
        client.expectClose(CloseCode.INVALID_PAYLOAD);
    }

    @Test
    void case6x4x1ShouldFailFastWith1007OnInvalidSecondFragmentWithoutWaitingForTheRest() throws IOException
    {
        final RawWebSocketClient client = connect();
        client.sendFrame(false, TEXT, KOSME);
        client.sendFrame(false, CONTINUATION, hex("f4908080"));
        // The final fragment ("edited") is never sent: the server must fail as soon as it sees 0x90.
        client.expectClose(CloseCode.INVALID_PAYLOAD);
    }

    @Test
    void case6x4x2ShouldFailFastWith1007WhenSecondFragmentMakesSequenceInvalid() throws IOException
    {
        final RawWebSocketClient client = connect();
        client.sendFrame(false, TEXT, concat(KOSME, hex("f4")));
        client.sendFrame(false, CONTINUATION, hex("90"));
        client.expectClose(CloseCode.INVALID_PAYLOAD);
    }

    @Test
    void case6x4x3ShouldFailFastWith1007InsideAFrameWithoutWaitingForItsEnd() throws IOException
    {
        final RawWebSocketClient client = connect();
        final byte[] wire = frame(true, TEXT, concat(KOSME, hex("f4908080"), text("edited")));
        final int headerLength = wire.length - (KOSME.length + 4 + 6);
        client.send(Arrays.copyOfRange(wire, 0, headerLength + KOSME.length));
        LockSupport.parkNanos(FRAMEWISE_PAUSE_NS);
        client.send(Arrays.copyOfRange(wire, headerLength + KOSME.length, headerLength + KOSME.length + 4));
        // The rest of the frame is never sent.
        client.expectClose(CloseCode.INVALID_PAYLOAD);
    }

    @Test
    void case6x4x4ShouldFailFastWith1007OnTheFirstInvalidOctetInsideAFrame() throws IOException
    {
        final RawWebSocketClient client = connect();
        final byte[] wire = frame(true, TEXT, concat(KOSME, hex("f4908080"), text("edited")));
        final int headerLength = wire.length - (KOSME.length + 4 + 6);
        client.send(Arrays.copyOfRange(wire, 0, headerLength + KOSME.length + 1));
        LockSupport.parkNanos(FRAMEWISE_PAUSE_NS);
        client.send(Arrays.copyOfRange(wire, headerLength + KOSME.length + 1, headerLength + KOSME.length + 2));
        client.expectClose(CloseCode.INVALID_PAYLOAD);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("utf8Sequences")
    void case6xShouldEchoValidOrCloseWith1007OnInvalidUtf8(final String name, final boolean valid,
        final byte[] payload) throws IOException
    {
        final RawWebSocketClient client = connect();
        client.sendFrame(true, TEXT, payload);
        if (valid)
        {
            assertEcho(client, TEXT, payload);
            closeNormally(client);
        }
        else
        {
            client.expectClose(CloseCode.INVALID_PAYLOAD);
        }
    }

    @Test
    void case6ExtraShouldEchoFourByteCodePointSplitAcrossFragments() throws IOException
    {
        final RawWebSocketClient client = connect();
        client.send(concat(frame(false, TEXT, hex("61f09f")), frame(false, CONTINUATION, hex("98")),
            frame(true, CONTINUATION, hex("8062"))));
        assertEcho(client, TEXT, hex("61f09f988062"));
        closeNormally(client);
    }

    @Test
    void case6ExtraShouldCloseWith1007OnSurrogateSplitAcrossFragments() throws IOException
    {
        final RawWebSocketClient client = connect();
        client.sendFrame(false, TEXT, hex("61ed"));
        client.sendFrame(false, CONTINUATION, hex("a080"));
        client.expectClose(CloseCode.INVALID_PAYLOAD);
    }

    @Test
    void case6ExtraShouldCloseWith1007WhenFragmentedTextEndsInsideASequence() throws IOException
    {
        final RawWebSocketClient client = connect();
        client.send(concat(frame(false, TEXT, hex("61f09f98")), frame(true, CONTINUATION, EMPTY)));
        client.expectClose(CloseCode.INVALID_PAYLOAD);
    }

    @Test
    void case6ExtraShouldCloseWith1007OnInvalidOctetAtTheEndOfALargeMessage() throws IOException
    {
        final RawWebSocketClient client = connect();
        client.sendFrame(true, TEXT, concat(text(64 * KIB), hex("ff")));
        client.expectClose(CloseCode.INVALID_PAYLOAD);
    }

    @Test
    void case6ExtraShouldEchoEveryUnicodeScalarValue() throws IOException
    {
        final StringBuilder all = new StringBuilder();
        for (int codePoint = 0; codePoint <= Character.MAX_CODE_POINT; codePoint++)
        {
            if (codePoint < Character.MIN_SURROGATE || codePoint > Character.MAX_SURROGATE)
            {
                all.appendCodePoint(codePoint);
            }
        }
        final byte[] payload = text(all.toString());
        final RawWebSocketClient client = connect();
        client.sendAsync(frame(true, TEXT, payload));
        assertEcho(client, TEXT, payload);
        closeNormally(client);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // 7.x Closing (§5.5.1, §7): the closing handshake, close bodies and status codes.
    // ---------------------------------------------------------------------------------------------------------------

    @Test
    void case7x1x1ShouldEchoThenAnswerClose() throws IOException
    {
        final RawWebSocketClient client = connect();
        client.sendFrame(true, TEXT, text("Hello World!"));
        assertEcho(client, TEXT, text("Hello World!"));
        closeNormally(client);
    }

    @Test
    void case7x1x2ShouldAnswerOnlyTheFirstOfTwoCloses() throws IOException
    {
        final RawWebSocketClient client = connect();
        client.sendClose(CloseCode.NORMAL, "");
        client.trySend(frame(true, CLOSE, closeBody(CloseCode.NORMAL, "")));
        client.expectClose(CloseCode.NORMAL);
    }

    @Test
    void case7x1x3ShouldNotAnswerPingAfterClose() throws IOException
    {
        final RawWebSocketClient client = connect();
        client.send(concat(frame(true, CLOSE, closeBody(CloseCode.NORMAL, "")), frame(true, PING, text("late"))));
        client.expectClose(CloseCode.NORMAL);
    }

    @Test
    void case7x1x4ShouldNotEchoTextAfterClose() throws IOException
    {
        final RawWebSocketClient client = connect();
        client.send(concat(frame(true, CLOSE, closeBody(CloseCode.NORMAL, "")), frame(true, TEXT, text("late"))));
        client.expectClose(CloseCode.NORMAL);
    }

    @Test
    void case7x1x5ShouldNotEchoMessageCompletedAfterClose() throws IOException
    {
        final RawWebSocketClient client = connect();
        client.send(concat(frame(false, TEXT, text("fragment1")), frame(true, CLOSE, closeBody(CloseCode.NORMAL, "")),
            frame(true, CONTINUATION, text("fragment2"))));
        client.expectClose(CloseCode.NORMAL);
    }

    @Test
    void case7x1x6ShouldEchoOnlyMessagesBeforeCloseAndNotAnswerPingAfterIt() throws IOException
    {
        final RawWebSocketClient client = connect();
        final byte[] big = text(256 * KIB);
        final byte[] hello = text("Hello World!");
        final CompletableFuture<Void> written = client.sendAsync(concat(frame(true, TEXT, big),
            frame(true, TEXT, hello), frame(true, CLOSE, closeBody(CloseCode.NORMAL, "")), frame(true, PING, EMPTY)));
        final List<Frame> before = new ArrayList<>();
        final Frame close = client.awaitClose(before);
        written.join();
        assertEquals(CloseCode.NORMAL, close.closeCode(), "close " + close);
        final List<Message> echoes = joinMessages(before);
        final List<byte[]> expected = List.of(big, hello);
        assertTrue(echoes.size() <= expected.size(), "too many frames before the close: " + before);
        for (int i = 0; i < echoes.size(); i++)
        {
            assertMessage(echoes.get(i), TEXT, expected.get(i));
        }
    }

    @Test
    void case7x3x1ShouldAnswerEmptyCloseWithEmptyCloseOr1000() throws IOException
    {
        final RawWebSocketClient client = connect();
        client.sendFrame(true, CLOSE, EMPTY);
        final Frame close = client.awaitClose(null);
        assertTrue(CloseCode.NO_STATUS == close.closeCode() || CloseCode.NORMAL == close.closeCode(),
            "expected an empty close or 1000, got " + close);
    }

    @Test
    void case7x3x2ShouldCloseWith1002OnOneByteClosePayload() throws IOException
    {
        final RawWebSocketClient client = connect();
        client.sendFrame(true, CLOSE, text("a"));
        client.expectClose(CloseCode.PROTOCOL_ERROR);
    }

    @Test
    void case7x3x3ShouldAnswerClose1000WithoutReason() throws IOException
    {
        final RawWebSocketClient client = connect();
        client.sendClose(CloseCode.NORMAL, "");
        client.expectClose(CloseCode.NORMAL);
    }

    @Test
    void case7x3x4ShouldAnswerClose1000WithReason() throws IOException
    {
        final RawWebSocketClient client = connect();
        client.sendClose(CloseCode.NORMAL, "Hello World!");
        client.expectClose(CloseCode.NORMAL);
    }

    @Test
    void case7x3x5ShouldAnswerCloseWith123ByteReason() throws IOException
    {
        final RawWebSocketClient client = connect();
        client.sendFrame(true, CLOSE, closePayload(CloseCode.NORMAL, filled(123, '*')));
        client.expectClose(CloseCode.NORMAL);
    }

    @Test
    void case7x3x6ShouldCloseWith1002OnClosePayloadOf126Bytes() throws IOException
    {
        final RawWebSocketClient client = connect();
        client.sendFrame(true, CLOSE, closePayload(CloseCode.NORMAL, filled(124, '*')));
        client.expectClose(CloseCode.PROTOCOL_ERROR);
    }

    @Test
    void case7x5x1ShouldCloseWith1007OnInvalidUtf8CloseReason() throws IOException
    {
        final RawWebSocketClient client = connect();
        client.sendFrame(true, CLOSE, closePayload(CloseCode.NORMAL, concat(KOSME, hex("eda080"), text("edited"))));
        client.expectClose(CloseCode.INVALID_PAYLOAD);
    }

    @ParameterizedTest(name = "code={0}")
    @ValueSource(ints = { 1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014,
        3000, 3999, 4000, 4999 })
    void case7x7ShouldEchoValidCloseCode(final int code) throws IOException
    {
        final RawWebSocketClient client = connect();
        client.sendClose(code, "");
        client.expectClose(code);
    }

    @ParameterizedTest(name = "code={0}")
    @ValueSource(ints = { 0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535 })
    void case7x9ShouldCloseWith1002OnInvalidCloseCode(final int code) throws IOException
    {
        final RawWebSocketClient client = connect();
        client.sendFrame(true, CLOSE, closePayload(code, EMPTY));
        client.expectClose(CloseCode.PROTOCOL_ERROR);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // 9.x Limits and large messages (sizes reduced so the suite stays fast).
    // ---------------------------------------------------------------------------------------------------------------

    @Test
    void case9x1x1ShouldEchoTextOf64KiB() throws IOException
    {
        largeEchoCase(TEXT, 64 * KIB);
    }

    @Test
    void case9x1x2ShouldEchoTextOf256KiB() throws IOException
    {
        largeEchoCase(TEXT, 256 * KIB);
    }

    @Test
    void case9x1x3ShouldEchoTextOf1MiB() throws IOException
    {
        largeEchoCase(TEXT, MIB);
    }

    @Test
    void case9x1x4ShouldEchoTextOf4MiB() throws IOException
    {
        largeEchoCase(TEXT, 4 * MIB);
    }

    @Test
    void case9x1x6ShouldEchoTextOf16MiB() throws IOException
    {
        largeEchoCase(TEXT, 16 * MIB);
    }

    @Test
    void case9x2x1ShouldEchoBinaryOf64KiB() throws IOException
    {
        largeEchoCase(BINARY, 64 * KIB);
    }

    @Test
    void case9x2x2ShouldEchoBinaryOf256KiB() throws IOException
    {
        largeEchoCase(BINARY, 256 * KIB);
    }

    @Test
    void case9x2x3ShouldEchoBinaryOf1MiB() throws IOException
    {
        largeEchoCase(BINARY, MIB);
    }

    @Test
    void case9x2x4ShouldEchoBinaryOf4MiB() throws IOException
    {
        largeEchoCase(BINARY, 4 * MIB);
    }

    @Test
    void case9x2x6ShouldEchoBinaryOf16MiB() throws IOException
    {
        largeEchoCase(BINARY, 16 * MIB);
    }

    @Test
    void case9x3ShouldEchoTextOf16MiBSentIn64KiBFragments() throws IOException
    {
        fragmentedLargeEchoCase(TEXT, 16 * MIB, 64 * KIB);
    }

    @Test
    void case9x4ShouldEchoBinaryOf16MiBSentIn64KiBFragments() throws IOException
    {
        fragmentedLargeEchoCase(BINARY, 16 * MIB, 64 * KIB);
    }

    @Test
    void case9x7ShouldEchoThousandPipelinedTextMessagesInOrder() throws IOException
    {
        pipelinedCase(TEXT, 1000, 64);
    }

    @Test
    void case9x8ShouldEchoThousandPipelinedBinaryMessagesInOrder() throws IOException
    {
        pipelinedCase(BINARY, 1000, 256);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Protocol-level extras: masking, message limit, length encoding.
    // ---------------------------------------------------------------------------------------------------------------

    @Test
    void protocolShouldCloseWith1002WhenClientFrameIsNotMasked() throws IOException
    {
        final RawWebSocketClient client = connect();
        client.send(RawWebSocketClient.unmaskedFrame(FIN | TEXT, text(HELLO)));
        client.expectClose(CloseCode.PROTOCOL_ERROR);
    }

    @Test
    void protocolShouldCloseWith1009WhenMessageExceedsTheLimitByOneByte() throws IOException
    {
        final RawWebSocketClient client = connect();
        final CompletableFuture<Void> written = client.sendAsync(frame(true, BINARY, binary(messageLimit() + 1)));
        client.expectClose(CloseCode.MESSAGE_TOO_BIG);
        written.exceptionally((final Throwable ignore) -> null).join();
    }

    @Test
    void protocolShouldCloseWith1009WhenFragmentsExceedTheLimitByOneByte() throws IOException
    {
        final RawWebSocketClient client = connect();
        final int half = messageLimit() / 2;
        final byte[] payload = binary(messageLimit() + 1);
        final CompletableFuture<Void> written = client.sendAsync(concat(
            frame(false, BINARY, Arrays.copyOfRange(payload, 0, half)),
            frame(true, CONTINUATION, Arrays.copyOfRange(payload, half, payload.length))));
        client.expectClose(CloseCode.MESSAGE_TOO_BIG);
        written.exceptionally((final Throwable ignore) -> null).join();
    }

    @Test
    void protocolShouldCloseWith1002WhenLengthIsNotMinimallyEncoded() throws IOException
    {
        final RawWebSocketClient client = connect();
        client.send(WireFrames.frame(FIN | TEXT, hex("37fa213d"), 16, text(HELLO)));
        client.expectClose(CloseCode.PROTOCOL_ERROR);
    }

    @Test
    void protocolShouldCloseWith1002WhenSixtyFourBitLengthHasTopBitSet() throws IOException
    {
        final RawWebSocketClient client = connect();
        client.send(hex("82ff" + "8000000000000005" + "37fa213d" + "0102030405"));
        client.expectClose(CloseCode.PROTOCOL_ERROR);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Case bodies.
    // ---------------------------------------------------------------------------------------------------------------

    private void echoCase(final int opcode, final int length) throws IOException
    {
        final RawWebSocketClient client = connect();
        final byte[] payload = TEXT == opcode ? text(length) : binary(length);
        client.sendFrame(true, opcode, payload);
        assertEcho(client, opcode, payload);
        closeNormally(client);
    }

    private void chunkedEchoCase(final int opcode, final int length, final int chunkSize) throws IOException
    {
        final RawWebSocketClient client = connect();
        final byte[] payload = TEXT == opcode ? text(length) : binary(length);
        client.sendFrameInChunks(true, opcode, payload, chunkSize);
        assertEcho(client, opcode, payload);
        closeNormally(client);
    }

    private void largeEchoCase(final int opcode, final int length) throws IOException
    {
        final RawWebSocketClient client = connect();
        final byte[] payload = TEXT == opcode ? text(length) : binary(length);
        final CompletableFuture<Void> written = client.sendAsync(frame(true, opcode, payload));
        assertEcho(client, opcode, payload);
        written.join();
        closeNormally(client);
    }

    private void fragmentedLargeEchoCase(final int opcode, final int length, final int fragmentLength)
        throws IOException
    {
        final RawWebSocketClient client = connect();
        final byte[] payload = TEXT == opcode ? text(length) : binary(length);
        final byte[] wire = fragment(opcode, payload, new int[]{ fragmentLength });
        final CompletableFuture<Void> written = client.sendAsync(wire);
        assertEcho(client, opcode, payload);
        written.join();
        closeNormally(client);
    }

    private void pipelinedCase(final int opcode, final int count, final int length) throws IOException
    {
        final RawWebSocketClient client = connect();
        final List<byte[]> payloads = new ArrayList<>(count);
        final ByteArrayOutputStream wire = new ByteArrayOutputStream();
        for (int i = 0; i < count; i++)
        {
            final byte[] payload = TEXT == opcode ? text(length, i) : binary(length, i);
            payloads.add(payload);
            wire.writeBytes(frame(true, opcode, payload));
        }
        final CompletableFuture<Void> written = client.sendAsync(wire.toByteArray());
        for (int i = 0; i < count; i++)
        {
            final Message echo = client.readMessage();
            assertEquals(opcode, echo.opcode(), "opcode of echo " + i);
            assertArrayEquals(payloads.get(i), echo.payload(), "echo " + i + " out of order or corrupt");
        }
        written.join();
        closeNormally(client);
    }

    private void pingCase(final byte[] payload, final int chunkSize) throws IOException
    {
        final RawWebSocketClient client = connect();
        if (0 == chunkSize)
        {
            client.sendFrame(true, PING, payload);
        }
        else
        {
            client.sendFrameInChunks(true, PING, payload, chunkSize);
        }
        assertPong(client.readFrame(), payload);
        closeNormally(client);
    }

    private void unsolicitedPongCase(final byte[] payload) throws IOException
    {
        final RawWebSocketClient client = connect();
        client.send(concat(frame(true, PONG, payload), frame(true, TEXT, text("after pong"))));
        assertEcho(client, TEXT, text("after pong"));
        closeNormally(client);
    }

    private void tenPingsCase(final int chunkSize) throws IOException
    {
        final RawWebSocketClient client = connect();
        final ByteArrayOutputStream wire = new ByteArrayOutputStream();
        for (int i = 0; i < 10; i++)
        {
            wire.writeBytes(frame(true, PING, text("payload-" + i)));
        }
        if (0 == chunkSize)
        {
            client.send(wire.toByteArray());
        }
        else
        {
            client.sendInChunks(wire.toByteArray(), chunkSize);
        }
        for (int i = 0; i < 10; i++)
        {
            assertPong(client.readFrame(), text("payload-" + i));
        }
        closeNormally(client);
    }

    private void reservedOpcodeCase(final int opcode, final byte[] payload, final boolean afterValidMessage)
        throws IOException
    {
        final RawWebSocketClient client = connect();
        if (afterValidMessage)
        {
            client.send(concat(frame(true, TEXT, text(HELLO)), rawFrame(FIN | opcode, payload),
                frame(true, PING, EMPTY)));
            assertEcho(client, TEXT, text(HELLO));
        }
        else
        {
            client.sendRawFrame(FIN | opcode, payload);
        }
        client.expectClose(CloseCode.PROTOCOL_ERROR);
    }

    private void pingsBetweenFragmentsCase(final boolean framewise) throws IOException
    {
        final RawWebSocketClient client = connect();
        final byte[][] part1 = {
            frame(false, TEXT, text("fragment1")),
            frame(false, CONTINUATION, text("fragment2")),
            frame(true, PING, text("pongme 1!")) };
        final byte[][] part2 = {
            frame(false, CONTINUATION, text("fragment3")),
            frame(false, CONTINUATION, text("fragment4")),
            frame(true, PING, text("pongme 2!")),
            frame(true, CONTINUATION, text("fragment5")) };
        if (framewise)
        {
            sendFramewise(client, part1);
        }
        else
        {
            client.send(concat(part1));
        }
        // The first pong must arrive while the message is still incomplete.
        assertPong(client.readFrame(), text("pongme 1!"));
        if (framewise)
        {
            sendFramewise(client, part2);
        }
        else
        {
            client.send(concat(part2));
        }
        assertPongThenEcho(client, text("pongme 2!"), TEXT, text("fragment1fragment2fragment3fragment4fragment5"));
        closeNormally(client);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Assertions and helpers.
    // ---------------------------------------------------------------------------------------------------------------

    /**
     * Start the closing handshake with 1000 and expect the server to answer 1000 and close TCP.
     *
     * @param client an open client.
     * @throws IOException on an I/O error.
     */
    protected static void closeNormally(final RawWebSocketClient client) throws IOException
    {
        client.sendClose(CloseCode.NORMAL, "");
        client.expectClose(CloseCode.NORMAL);
    }

    /**
     * Read the next message (fragments joined) and compare it with what was sent.
     *
     * @param client   client.
     * @param opcode   expected message opcode.
     * @param expected expected payload.
     * @throws IOException on an I/O error.
     */
    protected static void assertEcho(final RawWebSocketClient client, final int opcode, final byte[] expected)
        throws IOException
    {
        assertMessage(client.readMessage(), opcode, expected);
    }

    private static void assertMessage(final Message message, final int opcode, final byte[] expected)
    {
        assertEquals(Opcode.name(opcode), Opcode.name(message.opcode()), "echo type of " + message);
        assertEquals(expected.length, message.payload().length, "echo length of " + message);
        assertArrayEquals(expected, message.payload(), "echo payload of " + message);
    }

    private static void assertPong(final Frame frame, final byte[] payload)
    {
        assertEquals(PONG, frame.opcode(), "expected a pong, got " + frame);
        assertArrayEquals(payload, frame.payload(), "pong payload of " + frame);
    }

    private static void assertPongThenEcho(
        final RawWebSocketClient client, final byte[] pingPayload, final int opcode, final byte[] expected)
        throws IOException
    {
        final List<Frame> controls = new ArrayList<>();
        final Message echo = client.readMessage(controls);
        assertEquals(1, controls.size(), "expected one pong before the echo completed, got " + controls);
        assertPong(controls.get(0), pingPayload);
        assertMessage(echo, opcode, expected);
    }

    private static List<Message> joinMessages(final List<Frame> frames)
    {
        final List<Message> messages = new ArrayList<>();
        final ByteArrayOutputStream joined = new ByteArrayOutputStream();
        int opcode = -1;
        int count = 0;
        for (final Frame frame : frames)
        {
            if (Opcode.isControl(frame.opcode()))
            {
                fail("unexpected control frame " + frame + " in " + frames);
            }
            if (-1 == opcode)
            {
                opcode = frame.opcode();
            }
            joined.writeBytes(frame.payload());
            count++;
            if (frame.fin())
            {
                messages.add(new Message(opcode, joined.toByteArray(), count));
                joined.reset();
                opcode = -1;
                count = 0;
            }
        }
        return messages;
    }

    private static void sendFramewise(final RawWebSocketClient client, final byte[]... frames) throws IOException
    {
        for (int i = 0; i < frames.length; i++)
        {
            if (i > 0)
            {
                LockSupport.parkNanos(FRAMEWISE_PAUSE_NS);
            }
            client.send(frames[i]);
        }
    }

    /**
     * Send frames one write each, stopping quietly at the first failed write: for frames after a violation, which a
     * strict server may close the connection before reading.
     */
    private static void trySendFramewise(final RawWebSocketClient client, final byte[]... frames)
    {
        for (int i = 0; i < frames.length; i++)
        {
            if (i > 0)
            {
                LockSupport.parkNanos(FRAMEWISE_PAUSE_NS);
            }
            if (!client.trySend(frames[i]))
            {
                return;
            }
        }
    }

    private static void trySendInChunks(final RawWebSocketClient client, final byte[] wire, final int chunkSize)
    {
        try
        {
            client.sendInChunks(wire, chunkSize);
        }
        catch (final IOException ignore)
        {
            // the server closed after the violation, before reading the rest: allowed.
        }
    }

    private static byte[] twoFragments()
    {
        return concat(frame(false, TEXT, text("fragment1")), frame(true, CONTINUATION, text("fragment2")));
    }

    private static byte[] unexpectedContinuation(final boolean fin)
    {
        return concat(frame(fin, CONTINUATION, text("non-continuation payload")), frame(true, TEXT, text(HELLO)));
    }

    /**
     * Split a message into frames whose payload lengths cycle through {@code lengths} (the last frame takes the
     * rest; a zero length makes an empty fragment).
     */
    private static byte[] fragment(final int opcode, final byte[] payload, final int[] lengths)
    {
        final ByteArrayOutputStream wire = new ByteArrayOutputStream();
        int position = 0;
        int index = 0;
        boolean first = true;
        while (true)
        {
            final int length = Math.min(lengths[index++ % lengths.length], payload.length - position);
            final boolean fin = position + length == payload.length && length > 0 || payload.length == 0;
            wire.writeBytes(frame(fin, first ? opcode : CONTINUATION,
                Arrays.copyOfRange(payload, position, position + length)));
            first = false;
            position += length;
            if (fin)
            {
                return wire.toByteArray();
            }
        }
    }

    private static byte[] frame(final boolean fin, final int opcode, final byte[] payload)
    {
        return RawWebSocketClient.frame(fin, opcode, payload);
    }

    private static byte[] rawFrame(final int firstByte, final byte[] payload)
    {
        return RawWebSocketClient.rawFrame(firstByte, payload);
    }

    private static byte[] closeBody(final int code, final String reason)
    {
        return closePayload(code, text(reason));
    }

    private static byte[] closePayload(final int code, final byte[] reason)
    {
        return RawWebSocketClient.closePayload(code, reason);
    }

    /**
     * @param s text.
     * @return its UTF-8 bytes.
     */
    protected static byte[] text(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] text(final int length)
    {
        return text(length, length);
    }

    /**
     * Printable ASCII from a seeded generator: valid UTF-8, and not periodic, so that a misplaced chunk shows.
     */
    private static byte[] text(final int length, final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++)
        {
            bytes[i] = (byte)(' ' + random.nextInt(95));
        }
        return bytes;
    }

    private static byte[] binary(final int length)
    {
        return binary(length, length);
    }

    private static byte[] binary(final int length, final long seed)
    {
        final byte[] bytes = new byte[length];
        new SplittableRandom(seed ^ 0x5DEECE66DL).nextBytes(bytes);
        return bytes;
    }

    private static byte[] filled(final int length, final int value)
    {
        final byte[] bytes = new byte[length];
        Arrays.fill(bytes, (byte)value);
        return bytes;
    }

    private static byte[] hex(final String hex)
    {
        return HexFormat.of().parseHex(hex);
    }

    private static byte[] concat(final byte[]... parts)
    {
        return WireFrames.concat(parts);
    }

    static Stream<Arguments> reservedBitCombinations()
    {
        return IntStream.rangeClosed(1, 7).boxed().flatMap((final Integer rsv) ->
            Stream.of(TEXT, BINARY, PING).map((final Integer opcode) -> Arguments.of(rsv, opcode)));
    }

    /**
     * Autobahn cases 6.5 to 6.23: Markus Kuhn's UTF-8 decoder stress test, each sequence sent as one text frame.
     *
     * @return (name, valid, payload) triples named "6.G.N valid|invalid hex".
     */
    static Stream<Arguments> utf8Sequences()
    {
        final List<List<Utf8Case>> groups = new ArrayList<>();

        groups.add(List.of(
            valid("68656c6c6f24776f726c64"),
            valid("68656c6c6fc2a2776f726c64"),
            valid("68656c6c6fe282ac776f726c64"),
            valid("68656c6c6ff0a4ada2776f726c64"),
            valid("cebae1bdb9cf83cebcceb5")));

        final List<Utf8Case> prefixes = new ArrayList<>();
        final List<Integer> codePointEnds = List.of(2, 5, 7, 9, 11);
        for (int i = 1; i <= KOSME.length; i++)
        {
            prefixes.add(new Utf8Case(codePointEnds.contains(i), Arrays.copyOfRange(KOSME, 0, i)));
        }
        groups.add(prefixes);

        groups.add(List.of(valid("00"), valid("c280"), valid("e0a080"), valid("f0908080")));
        groups.add(List.of(invalid("f888808080"), invalid("fc8480808080")));
        groups.add(List.of(valid("7f"), valid("dfbf"), valid("efbfbf"), valid("f48fbfbf")));
        groups.add(List.of(invalid("f7bfbfbf"), invalid("fbbfbfbfbf"), invalid("fdbfbfbfbfbf")));
        groups.add(List.of(valid("ed9fbf"), valid("ee8080"), valid("efbfbd"), valid("f48fbfbf"), invalid("f4908080")));

        final StringBuilder continuations = new StringBuilder();
        for (int b = 0x80; b < 0xBF; b++)
        {
            continuations.append(String.format("%02x", b));
        }
        groups.add(List.of(invalid("80"), invalid("bf"), invalid("80bf"), invalid("80bf80"), invalid("80bf80bf"),
            invalid("80bf80bf80"), invalid("80bf80bf80bf"), invalid(continuations.toString())));

        final List<Utf8Case> lonely = new ArrayList<>();
        for (final int[] range : new int[][]{ { 0xC0, 0xDF }, { 0xE0, 0xEF }, { 0xF0, 0xF7 }, { 0xF8, 0xFB },
            { 0xFC, 0xFD } })
        {
            final StringBuilder s = new StringBuilder();
            for (int b = range[0]; b < range[1]; b++)
            {
                s.append(String.format("%02x20", b));
            }
            lonely.add(invalid(s.toString()));
        }
        groups.add(lonely);

        final List<String> truncated = List.of("c0", "e080", "f08080", "f8808080", "fc80808080",
            "df", "efbf", "f7bfbf", "fbbfbfbf", "fdbfbfbfbf");
        final List<Utf8Case> missing = new ArrayList<>();
        for (final String s : truncated)
        {
            missing.add(invalid(s));
        }
        groups.add(missing);
        groups.add(List.of(invalid(String.join("", truncated))));

        groups.add(List.of(invalid("fe"), invalid("ff"), invalid("fefeffff")));
        groups.add(List.of(invalid("c0af"), invalid("e080af"), invalid("f08080af"), invalid("f8808080af"),
            invalid("fc80808080af")));
        groups.add(List.of(invalid("c1bf"), invalid("e09fbf"), invalid("f08fbfbf"), invalid("f887bfbfbf"),
            invalid("fc83bfbfbfbf")));
        groups.add(List.of(invalid("c080"), invalid("e08080"), invalid("f0808080"), invalid("f880808080"),
            invalid("fc8080808080")));
        groups.add(List.of(invalid("eda080"), invalid("edadbf"), invalid("edae80"), invalid("edafbf"),
            invalid("edb080"), invalid("edbe80"), invalid("edbfbf")));
        groups.add(List.of(invalid("eda080edb080"), invalid("eda080edbfbf"), invalid("edadbfedb080"),
            invalid("edadbfedbfbf"), invalid("edae80edb080"), invalid("edae80edbfbf"), invalid("edafbfedb080"),
            invalid("edafbfedbfbf")));

        final List<Utf8Case> nonCharacters = new ArrayList<>();
        nonCharacters.add(valid("efbfbe"));
        nonCharacters.add(valid("efbfbf"));
        for (final String lead : List.of("f0", "f1", "f2", "f3", "f4"))
        {
            for (final String second : List.of("8f", "9f", "af", "bf"))
            {
                for (final String last : List.of("be", "bf"))
                {
                    final boolean aboveMax = "f4".equals(lead) && !"8f".equals(second);
                    final boolean overlong = "f0".equals(lead) && "8f".equals(second);
                    if (!aboveMax && !overlong)
                    {
                        nonCharacters.add(valid(lead + second + "bf" + last));
                    }
                }
            }
        }
        groups.add(nonCharacters);

        groups.add(List.of(valid("efbfb9"), valid("efbfba"), valid("efbfbb"), valid("efbfbc"), valid("efbfbd"),
            valid("efbfbe"), valid("efbfbf")));

        final List<Arguments> arguments = new ArrayList<>();
        for (int g = 0; g < groups.size(); g++)
        {
            final List<Utf8Case> group = groups.get(g);
            for (int n = 0; n < group.size(); n++)
            {
                final boolean isValid = group.get(n).valid();
                final byte[] payload = group.get(n).payload();
                final String hexText = HexFormat.of().formatHex(payload);
                arguments.add(Arguments.of("6." + (g + 5) + "." + (n + 1) + (isValid ? " valid " : " invalid ") +
                    (hexText.length() > 48 ? hexText.substring(0, 48) + "..." : hexText), isValid, payload));
            }
        }
        return arguments.stream();
    }

    private static Utf8Case valid(final String hex)
    {
        return new Utf8Case(true, hex(hex));
    }

    private static Utf8Case invalid(final String hex)
    {
        return new Utf8Case(false, hex(hex));
    }

    private record Utf8Case(boolean valid, byte[] payload)
    {
    }
}
