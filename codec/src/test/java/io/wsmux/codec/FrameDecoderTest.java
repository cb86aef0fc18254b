package io.wsmux.codec;

import static io.wsmux.codec.WireFrames.concat;
import static io.wsmux.codec.WireFrames.feed;
import static io.wsmux.codec.WireFrames.frame;
import static io.wsmux.codec.WireFrames.masked;
import static io.wsmux.codec.WireFrames.unmasked;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class FrameDecoderTest
{
    private static final int MAX_FRAME = 1 << 20;
    private static final int MAX_MESSAGE = 4 << 20;
    private static final byte[] HELLO = "Hello".getBytes(StandardCharsets.US_ASCII);

    private static final int FIN = 0x80;
    private static final int TEXT = Opcode.TEXT;
    private static final int BINARY = Opcode.BINARY;
    private static final int CONT = Opcode.CONTINUATION;

    static FrameDecoder server(final RecordingFrameHandler handler)
    {
        return new FrameDecoder(handler, true, MAX_FRAME, MAX_MESSAGE, true);
    }

    static FrameDecoder client(final RecordingFrameHandler handler)
    {
        return new FrameDecoder(handler, false, MAX_FRAME, MAX_MESSAGE, true);
    }

    private static byte[] bytes(final int... values)
    {
        final byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++)
        {
            out[i] = (byte)values[i];
        }
        return out;
    }

    private static byte[] filled(final int length)
    {
        final byte[] out = new byte[length];
        for (int i = 0; i < length; i++)
        {
            out[i] = (byte)(i * 31 + 7);
        }
        return out;
    }

    /**
     * RFC 6455 §5.7, byte for byte: (name, masked, wire bytes, expected frames).
     */
    static Stream<Arguments> rfc6455Section57Examples()
    {
        final byte[] binary256 = filled(256);
        final byte[] binary64k = filled(65536);
        return Stream.of(
            Arguments.of("single-frame unmasked text", false,
                bytes(0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f),
                List.of(new RecordingFrameHandler.Frame(TEXT, true, HELLO, 1))),
            Arguments.of("single-frame masked text", true,
                bytes(0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58),
                List.of(new RecordingFrameHandler.Frame(TEXT, true, HELLO, 1))),
            Arguments.of("fragmented unmasked text", false,
                bytes(0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f),
                List.of(
                    new RecordingFrameHandler.Frame(TEXT, false, "Hel".getBytes(StandardCharsets.US_ASCII), 1),
                    new RecordingFrameHandler.Frame(CONT, true, "lo".getBytes(StandardCharsets.US_ASCII), 1))),
            Arguments.of("unmasked ping", false,
                bytes(0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f),
                List.of(new RecordingFrameHandler.Frame(Opcode.PING, true, HELLO, 1))),
            Arguments.of("masked pong", true,
                bytes(0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58),
                List.of(new RecordingFrameHandler.Frame(Opcode.PONG, true, HELLO, 1))),
            Arguments.of("256 bytes binary, 16-bit length", false,
                concat(bytes(0x82, 0x7E, 0x01, 0x00), binary256),
                List.of(new RecordingFrameHandler.Frame(BINARY, true, binary256, 1))),
            Arguments.of("64 KiB binary, 64-bit length", false,
                concat(bytes(0x82, 0x7F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00), binary64k),
                List.of(new RecordingFrameHandler.Frame(BINARY, true, binary64k, 1))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rfc6455Section57Examples")
    void shouldDecodeRfcExamplesWhole(
        final String name, final boolean masked, final byte[] wire, final List<RecordingFrameHandler.Frame> expected)
    {
        final RecordingFrameHandler handler = new RecordingFrameHandler();
        final FrameDecoder decoder = masked ? server(handler) : client(handler);

        assertEquals(wire.length, feed(decoder, wire, 0, wire.length));

        assertNull(handler.error());
        assertEquals(expected, handler.frames());
        assertTrue(decoder.isAtFrameBoundary());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rfc6455Section57Examples")
    void shouldDecodeSameFramesWhenInputIsSplitAtEveryOffset(
        final String name, final boolean masked, final byte[] wire, final List<RecordingFrameHandler.Frame> expected)
    {
        final int step = wire.length > 1000 ? 97 : 1;
        for (int split = 0; split <= wire.length; split += step)
        {
            final RecordingFrameHandler handler = new RecordingFrameHandler();
            final FrameDecoder decoder = masked ? server(handler) : client(handler);

            assertEquals(split, feed(decoder, wire, 0, split));
            assertEquals(wire.length - split, feed(decoder, wire, split, wire.length - split));

            assertNull(handler.error(), "split=" + split);
            assertEquals(expected, handler.frames(), "split=" + split);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rfc6455Section57Examples")
    void shouldDecodeSameFramesWhenInputArrivesOneByteAtATime(
        final String name, final boolean masked, final byte[] wire, final List<RecordingFrameHandler.Frame> expected)
    {
        final RecordingFrameHandler handler = new RecordingFrameHandler();
        final FrameDecoder decoder = masked ? server(handler) : client(handler);

        for (int i = 0; i < wire.length; i++)
        {
            assertEquals(1, feed(decoder, wire, i, 1));
        }

        assertNull(handler.error());
        assertEquals(expected, handler.frames());
    }

    @Test
    void shouldDeliverWholePayloadAsOneChunkWhenFrameArrivesInOneRead()
    {
        final RecordingFrameHandler handler = new RecordingFrameHandler();
        final FrameDecoder decoder = server(handler);
        final byte[] wire = concat(masked(FIN | TEXT, HELLO), masked(FIN | BINARY, filled(70000)));

        feed(decoder, wire, 0, wire.length);

        assertEquals(2, handler.frames().size());
        assertEquals(1, handler.frames().get(0).chunks());
        assertEquals(1, handler.frames().get(1).chunks());
    }

    @Test
    void shouldDecodeEveryFrameTypeSplitAtEveryOffsetInOneStream()
    {
        final byte[] wire = concat(
            masked(FIN | TEXT, "κόσμε".getBytes(StandardCharsets.UTF_8)),
            masked(TEXT, "frag".getBytes(StandardCharsets.UTF_8)),
            masked(FIN | Opcode.PING, bytes(1, 2, 3)),
            masked(CONT, new byte[0]),
            masked(FIN | CONT, "ment€".getBytes(StandardCharsets.UTF_8)),
            masked(FIN | BINARY, filled(300)),
            masked(FIN | Opcode.PONG, new byte[0]),
            masked(FIN | BINARY, new byte[0]),
            masked(FIN | Opcode.CLOSE, bytes(0x03, 0xE8, 'b', 'y', 'e')));

        final RecordingFrameHandler whole = new RecordingFrameHandler();
        feed(server(whole), wire, 0, wire.length);
        assertNull(whole.error());
        assertEquals(9, whole.frames().size());

        for (int first = 0; first <= wire.length; first++)
        {
            for (int second = first; second <= wire.length; second += 7)
            {
                final RecordingFrameHandler handler = new RecordingFrameHandler();
                final FrameDecoder decoder = server(handler);
                feed(decoder, wire, 0, first);
                feed(decoder, wire, first, second - first);
                feed(decoder, wire, second, wire.length - second);
                assertEquals(whole.frames(), handler.frames(), "splits=" + first + "," + second);
                assertNull(handler.error(), "splits=" + first + "," + second);
            }
        }
    }

    @Test
    void shouldAllowControlFramesBetweenFragments()
    {
        final RecordingFrameHandler handler = new RecordingFrameHandler();
        final FrameDecoder decoder = server(handler);
        final byte[] wire = concat(
            masked(BINARY, bytes(1)),
            masked(FIN | Opcode.PING, HELLO),
            masked(CONT, bytes(2)),
            masked(FIN | Opcode.PONG, HELLO),
            masked(FIN | CONT, bytes(3)));

        feed(decoder, wire, 0, wire.length);

        assertNull(handler.error());
        assertEquals(5, handler.frames().size());
        assertEquals(0, decoder.messageOpcode());
    }

    @Test
    void shouldReportMessageOpcodeDuringContinuations()
    {
        final RecordingFrameHandler handler = new RecordingFrameHandler();
        final FrameDecoder decoder = server(handler);
        final byte[] first = masked(BINARY, bytes(1));

        feed(decoder, first, 0, first.length);

        assertEquals(BINARY, decoder.messageOpcode());
    }

    // ---- every violation, with its close code ----

    static Stream<Arguments> violations()
    {
        final byte[] key = bytes(1, 2, 3, 4);
        return Stream.of(
            Arguments.of(CloseReason.RESERVED_BITS, "RSV1", true, masked(FIN | 0x40 | TEXT, HELLO)),
            Arguments.of(CloseReason.RESERVED_BITS, "RSV2", true, masked(FIN | 0x20 | TEXT, HELLO)),
            Arguments.of(CloseReason.RESERVED_BITS, "RSV3", true, masked(FIN | 0x10 | BINARY, HELLO)),
            Arguments.of(CloseReason.RESERVED_BITS, "RSV on ping", true, masked(FIN | 0x70 | Opcode.PING, HELLO)),
            Arguments.of(CloseReason.RESERVED_OPCODE, "opcode 3", true, masked(FIN | 0x3, HELLO)),
            Arguments.of(CloseReason.RESERVED_OPCODE, "opcode 7", true, masked(FIN | 0x7, HELLO)),
            Arguments.of(CloseReason.RESERVED_OPCODE, "opcode B", true, masked(FIN | 0xB, HELLO)),
            Arguments.of(CloseReason.RESERVED_OPCODE, "opcode F", true, masked(FIN | 0xF, HELLO)),
            Arguments.of(CloseReason.CONTROL_FRAME_TOO_LONG, "ping 126", true,
                masked(FIN | Opcode.PING, filled(126))),
            Arguments.of(CloseReason.CONTROL_FRAME_TOO_LONG, "close 64-bit length", true,
                frame(FIN | Opcode.CLOSE, key, 64, filled(10))),
            Arguments.of(CloseReason.FRAGMENTED_CONTROL_FRAME, "ping not final", true,
                masked(Opcode.PING, HELLO)),
            Arguments.of(CloseReason.FRAGMENTED_CONTROL_FRAME, "close not final", true,
                masked(Opcode.CLOSE, bytes(0x03, 0xE8))),
            Arguments.of(CloseReason.UNEXPECTED_CONTINUATION, "continuation first", true,
                masked(FIN | CONT, HELLO)),
            Arguments.of(CloseReason.UNEXPECTED_CONTINUATION, "continuation after complete message", true,
                concat(masked(FIN | TEXT, HELLO), masked(CONT, HELLO))),
            Arguments.of(CloseReason.EXPECTED_CONTINUATION, "text while text open", true,
                concat(masked(TEXT, HELLO), masked(FIN | TEXT, HELLO))),
            Arguments.of(CloseReason.EXPECTED_CONTINUATION, "binary while text open", true,
                concat(masked(TEXT, HELLO), masked(FIN | Opcode.PING, HELLO), masked(BINARY, HELLO))),
            Arguments.of(CloseReason.INVALID_PAYLOAD_LENGTH, "64-bit top bit", true,
                bytes(0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4)),
            Arguments.of(CloseReason.NON_MINIMAL_PAYLOAD_LENGTH, "5 in 16 bits", true,
                frame(FIN | BINARY, key, 16, HELLO)),
            Arguments.of(CloseReason.NON_MINIMAL_PAYLOAD_LENGTH, "125 in 16 bits", true,
                frame(FIN | BINARY, key, 16, filled(125))),
            Arguments.of(CloseReason.NON_MINIMAL_PAYLOAD_LENGTH, "65535 in 64 bits", true,
                frame(FIN | BINARY, key, 64, filled(65535))),
            Arguments.of(CloseReason.UNMASKED_CLIENT_FRAME, "unmasked text to server", true,
                unmasked(FIN | TEXT, HELLO)),
            Arguments.of(CloseReason.UNMASKED_CLIENT_FRAME, "unmasked close to server", true,
                unmasked(FIN | Opcode.CLOSE, bytes(0x03, 0xE8))),
            Arguments.of(CloseReason.MASKED_SERVER_FRAME, "masked text to client", false,
                masked(FIN | TEXT, HELLO)),
            Arguments.of(CloseReason.FRAME_TOO_BIG, "frame over limit", true,
                masked(FIN | BINARY, filled(MAX_FRAME + 1))),
            Arguments.of(CloseReason.MESSAGE_TOO_BIG, "message over limit", true,
                concat(masked(BINARY, filled(MAX_FRAME)), masked(CONT, filled(MAX_FRAME)),
                    masked(CONT, filled(MAX_FRAME)), masked(CONT, filled(MAX_FRAME)),
                    masked(FIN | CONT, filled(1)))),
            Arguments.of(CloseReason.INVALID_UTF8, "invalid text", true,
                masked(FIN | TEXT, bytes('a', 0xC0, 0xAF))),
            Arguments.of(CloseReason.INVALID_UTF8, "text ends mid-sequence", true,
                masked(FIN | TEXT, bytes('a', 0xE2, 0x82))),
            Arguments.of(CloseReason.INVALID_UTF8, "fragmented text ends mid-sequence", true,
                concat(masked(TEXT, bytes('a', 0xE2)), masked(FIN | CONT, bytes(0x82)))),
            Arguments.of(CloseReason.INVALID_UTF8, "surrogate in continuation", true,
                concat(masked(TEXT, bytes('a')), masked(FIN | CONT, bytes(0xED, 0xA0, 0x80)))));
    }

    // ---- permessage-deflate (RFC 7692 §6.1): RSV1 once negotiated ----

    static Stream<Arguments> compressedViolations()
    {
        return Stream.of(
            Arguments.of(CloseReason.COMPRESSED_CONTROL_FRAME, "RSV1 on ping", masked(FIN | 0x40 | Opcode.PING, HELLO)),
            Arguments.of(CloseReason.COMPRESSED_CONTROL_FRAME, "RSV1 on close",
                masked(FIN | 0x40 | Opcode.CLOSE, bytes(0x03, 0xE8))),
            Arguments.of(CloseReason.COMPRESSED_CONTINUATION, "RSV1 on a continuation",
                concat(masked(0x40 | TEXT, HELLO), masked(FIN | 0x40 | CONT, HELLO))),
            Arguments.of(CloseReason.COMPRESSED_CONTINUATION, "RSV1 on the continuation of a plain message",
                concat(masked(BINARY, HELLO), masked(FIN | 0x40 | CONT, HELLO))),
            Arguments.of(CloseReason.RESERVED_BITS, "RSV2 with deflate", masked(FIN | 0x20 | TEXT, HELLO)),
            Arguments.of(CloseReason.RESERVED_BITS, "RSV1 and RSV3", masked(FIN | 0x50 | TEXT, HELLO)));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("compressedViolations")
    void shouldEnforceCompressionBitRules(final CloseReason expected, final String name, final byte[] wire)
    {
        final RecordingFrameHandler handler = new RecordingFrameHandler();
        final FrameDecoder decoder = server(handler).allowCompression(true);

        feed(decoder, wire, 0, wire.length);

        assertEquals(expected, handler.error());
        assertEquals(CloseCode.PROTOCOL_ERROR, expected.code());
    }

    @Test
    void shouldAcceptCompressedFirstFrameOnlyWhenNegotiated()
    {
        // Not valid UTF-8 as it stands (deflate data): the receiver checks the inflated text, not the decoder.
        final byte[] deflated = bytes(0xF2, 0x48, 0xCD, 0xC9, 0xC9, 0x07, 0x00);
        final byte[] wire = concat(masked(0x40 | TEXT, Arrays.copyOf(deflated, 3)),
            masked(FIN | Opcode.PING, HELLO),
            masked(FIN | CONT, Arrays.copyOfRange(deflated, 3, deflated.length)), masked(FIN | TEXT, HELLO));
        final RecordingFrameHandler handler = new RecordingFrameHandler();
        final FrameDecoder decoder = server(handler).allowCompression(true);

        feed(decoder, wire, 0, wire.length);

        assertNull(handler.error());
        assertEquals(4, handler.frames().size());
        assertFalse(decoder.isMessageCompressed(), "the last message was plain");

        final RecordingFrameHandler refusing = new RecordingFrameHandler();
        feed(server(refusing), wire, 0, wire.length);
        assertEquals(CloseReason.RESERVED_BITS, refusing.error());
    }

    @Test
    void shouldReportCompressedMessageUntilItsEnd()
    {
        final RecordingFrameHandler handler = new RecordingFrameHandler();
        final FrameDecoder decoder = server(handler).allowCompression(true);
        final byte[] first = masked(0x40 | BINARY, bytes(1, 2));

        feed(decoder, first, 0, first.length);
        assertTrue(decoder.isMessageCompressed());

        final byte[] ping = masked(FIN | Opcode.PING, HELLO);
        feed(decoder, ping, 0, ping.length);
        assertTrue(decoder.isMessageCompressed(), "a control frame between fragments keeps the message's bit");
        assertNull(handler.error());

        decoder.reset();
        final byte[] again = masked(FIN | 0x40 | BINARY, bytes(1));
        feed(decoder, again, 0, again.length);
        assertEquals(CloseReason.RESERVED_BITS, handler.error(), "reset forgets the negotiation");
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("violations")
    void shouldReportViolationWithItsCloseCode(
        final CloseReason expected, final String name, final boolean serverSide, final byte[] wire)
    {
        final RecordingFrameHandler handler = new RecordingFrameHandler();
        final FrameDecoder decoder = serverSide ? server(handler) : client(handler);

        assertEquals(wire.length, feed(decoder, wire, 0, wire.length));

        assertEquals(expected, handler.error());
        assertEquals(1, handler.errorCount());
        assertEquals(expected, decoder.failure());
        assertTrue(decoder.isFailed());
        assertEquals(expected.code(), handler.error().code());
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("violations")
    void shouldReportSameViolationWhenFedOneByteAtATime(
        final CloseReason expected, final String name, final boolean serverSide, final byte[] wire)
    {
        if (wire.length > 10_000)
        {
            return;
        }
        final RecordingFrameHandler handler = new RecordingFrameHandler();
        final FrameDecoder decoder = serverSide ? server(handler) : client(handler);

        for (int i = 0; i < wire.length; i++)
        {
            feed(decoder, wire, i, 1);
        }

        assertEquals(expected, handler.error());
        assertEquals(1, handler.errorCount());
    }

    @Test
    void shouldHaveViolationCaseForEveryDecoderReason()
    {
        final Set<CloseReason> covered = EnumSet.noneOf(CloseReason.class);
        violations().forEach((arguments) -> covered.add((CloseReason)arguments.get()[0]));
        compressedViolations().forEach((arguments) -> covered.add((CloseReason)arguments.get()[0]));
        // Reasons found elsewhere: in a close frame's body, or by the receiver while inflating a message.
        final Set<CloseReason> closeBodyReasons = EnumSet.of(
            CloseReason.CLOSE_PAYLOAD_TOO_SHORT, CloseReason.INVALID_CLOSE_CODE, CloseReason.INVALID_CLOSE_REASON,
            CloseReason.CORRUPT_COMPRESSED_DATA, CloseReason.INFLATED_MESSAGE_TOO_BIG);

        for (final CloseReason reason : CloseReason.values())
        {
            assertTrue(covered.contains(reason) || closeBodyReasons.contains(reason), reason.name());
        }
    }

    @Test
    void shouldCloseWith1009AsSoonAsHeaderAnnouncesOversizedFrame()
    {
        final RecordingFrameHandler handler = new RecordingFrameHandler();
        final FrameDecoder decoder = server(handler);
        final byte[] header = bytes(0x82, 0xFF, 0, 0, 0, 0, 0x7F, 0, 0, 0, 1, 2, 3, 4);

        feed(decoder, header, 0, header.length);

        assertEquals(CloseReason.FRAME_TOO_BIG, handler.error());
        assertEquals(CloseCode.MESSAGE_TOO_BIG, handler.error().code());
    }

    @Test
    void shouldFailInvalidUtf8OnFirstBadFragmentNotAtMessageEnd()
    {
        final RecordingFrameHandler handler = new RecordingFrameHandler();
        final FrameDecoder decoder = server(handler);
        final byte[] good = masked(TEXT, "valid ".getBytes(StandardCharsets.UTF_8));
        final byte[] bad = masked(CONT, bytes('x', 0xF5, 'y'));

        feed(decoder, good, 0, good.length);
        assertNull(handler.error());
        feed(decoder, bad, 0, bad.length);

        assertEquals(CloseReason.INVALID_UTF8, handler.error());
        assertEquals(CloseCode.INVALID_PAYLOAD, handler.error().code());
        assertEquals(1, handler.frames().size(), "the bad fragment is never delivered");
    }

    @Test
    void shouldFailInvalidUtf8InPartOfAFrameBeforeTheRestArrives()
    {
        final RecordingFrameHandler handler = new RecordingFrameHandler();
        final FrameDecoder decoder = server(handler);
        final byte[] payload = new byte[1000];
        Arrays.fill(payload, (byte)'a');
        payload[10] = (byte)0xFF;
        final byte[] wire = masked(FIN | TEXT, payload);

        feed(decoder, wire, 0, 100);

        assertEquals(CloseReason.INVALID_UTF8, handler.error());
    }

    @Test
    void shouldNotValidateUtf8WhenDisabled()
    {
        final RecordingFrameHandler handler = new RecordingFrameHandler();
        final FrameDecoder decoder = new FrameDecoder(handler, true, MAX_FRAME, MAX_MESSAGE, false);
        final byte[] wire = masked(FIN | TEXT, bytes(0xFF));

        feed(decoder, wire, 0, wire.length);

        assertNull(handler.error());
        assertEquals(1, handler.frames().size());
    }

    @Test
    void shouldAcceptFrameAndMessageExactlyAtLimits()
    {
        final RecordingFrameHandler handler = new RecordingFrameHandler();
        final FrameDecoder decoder = new FrameDecoder(handler, true, 1000, 2000, true);
        final byte[] wire = concat(
            masked(FIN | BINARY, filled(1000)),
            masked(BINARY, filled(1000)),
            masked(FIN | CONT, filled(1000)));

        feed(decoder, wire, 0, wire.length);

        assertNull(handler.error());
        assertEquals(3, handler.frames().size());
    }

    @Test
    void shouldIgnoreInputAfterFailure()
    {
        final RecordingFrameHandler handler = new RecordingFrameHandler();
        final FrameDecoder decoder = server(handler);
        final byte[] bad = unmasked(FIN | TEXT, HELLO);
        final byte[] good = masked(FIN | TEXT, HELLO);

        feed(decoder, bad, 0, bad.length);
        assertEquals(good.length, feed(decoder, good, 0, good.length));

        assertEquals(1, handler.errorCount());
        assertTrue(handler.frames().isEmpty());
    }

    @Test
    void shouldDecodeAgainAfterReset()
    {
        final RecordingFrameHandler handler = new RecordingFrameHandler();
        final FrameDecoder decoder = server(handler);
        final byte[] bad = concat(masked(TEXT, bytes(0xE2)), unmasked(FIN | TEXT, HELLO));
        final byte[] good = masked(FIN | TEXT, HELLO);

        feed(decoder, bad, 0, bad.length);
        decoder.reset();
        feed(decoder, good, 0, good.length);

        assertEquals(2, handler.frames().size(), "the fragment before the failure, then the frame after reset");
        assertEquals(new RecordingFrameHandler.Frame(TEXT, true, HELLO, 1), handler.frames().get(1));
        assertFalse(decoder.isFailed());
    }

    @Test
    void shouldStopAtHaltAndContinueAfterResume()
    {
        final List<String> events = new ArrayList<>();
        final FrameDecoder[] decoderRef = new FrameDecoder[1];
        final RecordingFrameHandler recorder = new RecordingFrameHandler();
        final FrameHandler halting = new FrameHandler()
        {
            @Override
            public void onFrameStart(final int opcode, final boolean fin, final long payloadLength)
            {
                recorder.onFrameStart(opcode, fin, payloadLength);
            }

            @Override
            public void onFramePayload(final org.agrona.MutableDirectBuffer buffer, final int offset, final int length)
            {
                recorder.onFramePayload(buffer, offset, length);
            }

            @Override
            public void onFrameEnd()
            {
                recorder.onFrameEnd();
                events.add("end");
                decoderRef[0].halt();
            }

            @Override
            public void onProtocolError(final CloseReason reason)
            {
                recorder.onProtocolError(reason);
            }
        };
        final FrameDecoder decoder = new FrameDecoder(halting, true, MAX_FRAME, MAX_MESSAGE, true);
        decoderRef[0] = decoder;
        final byte[] first = masked(FIN | Opcode.CLOSE, bytes(0x03, 0xE8));
        final byte[] wire = concat(first, masked(FIN | TEXT, HELLO), masked(FIN | BINARY, new byte[0]));
        final UnsafeBuffer buffer = new UnsafeBuffer(wire.clone());

        final int consumed = decoder.decode(buffer, 0, wire.length);

        assertEquals(first.length, consumed);
        assertTrue(decoder.isHalted());
        assertTrue(decoder.isAtFrameBoundary());
        assertEquals(1, recorder.frames().size());

        decoder.resume();
        final int second = decoder.decode(buffer, consumed, wire.length - consumed);
        decoder.resume();
        final int third = decoder.decode(buffer, consumed + second, wire.length - consumed - second);

        assertEquals(wire.length, consumed + second + third);
        assertEquals(3, recorder.frames().size());
        assertArrayEquals(HELLO, recorder.frames().get(1).payload());
        assertEquals(List.of("end", "end", "end"), events);
    }

    @Test
    void shouldRejectInvalidLimits()
    {
        final RecordingFrameHandler handler = new RecordingFrameHandler();
        org.junit.jupiter.api.Assertions.assertThrows(
            IllegalArgumentException.class, () -> new FrameDecoder(handler, true, 100, 1000, true));
        org.junit.jupiter.api.Assertions.assertThrows(
            IllegalArgumentException.class, () -> new FrameDecoder(handler, true, 1000, 999, true));
    }
}
