package io.wsmux.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzz test of {@link FrameDecoder}: the same bytes decoded whole and split at fuzzer-chosen points
 * must give the same frames, payloads and violation, and the decoder never throws, never reports consuming more than
 * it was given and never touches bytes outside the range it was given. See docs/fuzzing.md.
 * <p>
 * Input layout ({@link FuzzInput}): {@code flags} (bit 0: client side, expecting unmasked frames; bit 1: UTF-8
 * validation off; bit 2: the split run halts after every frame; bit 3: it also halts after every frame start and
 * payload chunk), {@code limits} (0: 64 KiB frames, 1 MiB messages; else a frame limit of 125 + 64 * (low nibble)
 * and a message limit 256 * (high nibble) above it), a split count and 16-bit split points, then the wire bytes.
 */
class FrameDecoderFuzzTest
{
    private static final int GUARD_LENGTH = 8;
    private static final byte GUARD = (byte)0xA5;
    private static final int CLIENT_SIDE = 1;
    private static final int NO_UTF8_VALIDATION = 2;
    private static final int HALT_AFTER_FRAME = 4;
    private static final int HALT_ALWAYS = 8;

    @FuzzTest(maxDuration = "10m")
    void shouldDecodeSameEventsWhenSplit(final byte[] data)
    {
        final FuzzInput input = new FuzzInput(data);
        final int flags = input.u8();
        final int limits = input.u8();
        final int[] rawSplits = input.rawSplitPoints();
        final byte[] wire = input.rest();

        final boolean expectMasked = 0 == (flags & CLIENT_SIDE);
        final boolean validateUtf8 = 0 == (flags & NO_UTF8_VALIDATION);
        final int maxFrameLength = 0 == limits ? 64 * 1024 : 125 + 64 * (limits & 0x0F);
        final int maxMessageLength = 0 == limits ? 1024 * 1024 : maxFrameLength + 256 * (limits >>> 4);

        final Recorder whole = new Recorder(0);
        final FrameDecoder wholeDecoder =
            new FrameDecoder(whole, expectMasked, maxFrameLength, maxMessageLength, validateUtf8);
        whole.decoder = wholeDecoder;
        decode(wholeDecoder, wire, new int[]{ 0, wire.length });
        whole.assertEachFrameInOneChunk();

        final Recorder split = new Recorder(flags & (HALT_AFTER_FRAME | HALT_ALWAYS));
        final FrameDecoder splitDecoder =
            new FrameDecoder(split, expectMasked, maxFrameLength, maxMessageLength, validateUtf8);
        split.decoder = splitDecoder;
        decode(splitDecoder, wire, FuzzInput.splitPoints(rawSplits, wire.length));

        assertEquals(whole.events, split.events);
        assertEquals(whole.error, split.error);
        if (CloseReason.INVALID_UTF8 == whole.error)
        {
            // §8.1 fail fast: the chunk holding the invalid byte is withheld, so how much of the failing frame was
            // delivered depends on the chunking; both must be prefixes of the same payload.
            assertPrefixOfOther(whole.payload.toByteArray(), split.payload.toByteArray());
        }
        else
        {
            assertEquals(hex(whole.payload.toByteArray()), hex(split.payload.toByteArray()));
        }

        assertEquals(wholeDecoder.isFailed(), splitDecoder.isFailed());
        assertEquals(wholeDecoder.failure(), splitDecoder.failure());
        assertEquals(whole.error, wholeDecoder.failure());
        assertEquals(wholeDecoder.messageOpcode(), splitDecoder.messageOpcode());
        assertEquals(wholeDecoder.frameOpcode(), splitDecoder.frameOpcode());
        assertEquals(wholeDecoder.isAtFrameBoundary(), splitDecoder.isAtFrameBoundary());
    }

    /**
     * Feed the pieces between consecutive bounds, each at an offset inside a larger buffer whose guard bytes must
     * survive; after a halt, resume and present the rest of the piece again, as a connection would.
     */
    private static void decode(final FrameDecoder decoder, final byte[] wire, final int[] bounds)
    {
        final byte[] backing = new byte[GUARD_LENGTH + wire.length + GUARD_LENGTH];
        Arrays.fill(backing, GUARD);
        System.arraycopy(wire, 0, backing, GUARD_LENGTH, wire.length);
        final UnsafeBuffer buffer = new UnsafeBuffer(backing);

        for (int i = 1; i < bounds.length; i++)
        {
            int position = bounds[i - 1];
            final int end = bounds[i];
            int haltsWithoutProgress = 0;
            while (true)
            {
                final int length = end - position;
                final int consumed = decoder.decode(buffer, GUARD_LENGTH + position, length);
                assertTrue(consumed >= 0 && consumed <= length, "consumed=" + consumed + ", length=" + length);
                position += consumed;
                if (!decoder.isHalted())
                {
                    assertEquals(length, consumed, "not halted, so all input is consumed");
                    break;
                }
                haltsWithoutProgress = 0 == consumed ? haltsWithoutProgress + 1 : 0;
                assertTrue(haltsWithoutProgress < 2, "halted twice without consuming a byte");
                decoder.resume();
            }
        }

        for (int i = 0; i < GUARD_LENGTH; i++)
        {
            assertEquals(GUARD, backing[i], "guard byte before the input overwritten");
            assertEquals(GUARD, backing[GUARD_LENGTH + wire.length + i], "guard byte after the input overwritten");
        }
    }

    private static void assertPrefixOfOther(final byte[] a, final byte[] b)
    {
        final byte[] shorter = a.length <= b.length ? a : b;
        final byte[] longer = a.length <= b.length ? b : a;
        assertEquals(hex(shorter), hex(Arrays.copyOf(longer, shorter.length)));
    }

    private static String hex(final byte[] bytes)
    {
        return HexFormat.of().formatHex(bytes);
    }

    /**
     * Records events as strings, a frame's payload chunks joined, and checks the {@link FrameHandler} contract as
     * they arrive: start, payload within the announced length, end; nothing after a violation.
     */
    private static final class Recorder implements FrameHandler
    {
        private final List<String> events = new ArrayList<>();
        private final ByteArrayOutputStream payload = new ByteArrayOutputStream();
        private final int haltFlags;
        private FrameDecoder decoder;
        private boolean inFrame;
        private long announcedLength;
        private int chunks;
        private int maxChunksPerFrame;
        private CloseReason error;

        Recorder(final int haltFlags)
        {
            this.haltFlags = haltFlags;
        }

        @Override
        public void onFrameStart(final int opcode, final boolean fin, final long payloadLength)
        {
            assertNull(error, "event after a violation");
            assertTrue(!inFrame, "onFrameStart inside a frame");
            assertTrue(Opcode.isDefined(opcode) && payloadLength >= 0,
                "opcode=" + opcode + ", length=" + payloadLength);
            assertTrue(fin || !Opcode.isControl(opcode), "fragmented control frame delivered");
            inFrame = true;
            announcedLength = payloadLength;
            chunks = 0;
            payload.reset();
            events.add("start opcode=" + opcode + " fin=" + fin + " length=" + payloadLength);
            maybeHalt(HALT_ALWAYS);
        }

        @Override
        public void onFramePayload(final MutableDirectBuffer buffer, final int offset, final int length)
        {
            assertNull(error, "event after a violation");
            assertTrue(inFrame, "payload outside a frame");
            assertTrue(length >= 1 && offset >= 0 && offset + length <= buffer.capacity(),
                "offset=" + offset + ", length=" + length + ", capacity=" + buffer.capacity());
            assertTrue(payload.size() + length <= announcedLength, "more payload than announced");
            final byte[] bytes = new byte[length];
            buffer.getBytes(offset, bytes);
            payload.writeBytes(bytes);
            chunks++;
            maybeHalt(HALT_ALWAYS);
        }

        @Override
        public void onFrameEnd()
        {
            assertNull(error, "event after a violation");
            assertTrue(inFrame, "onFrameEnd outside a frame");
            assertEquals(announcedLength, payload.size(), "payload length at frame end");
            events.add("payload " + hex(payload.toByteArray()));
            events.add("end");
            payload.reset();
            inFrame = false;
            maxChunksPerFrame = Math.max(maxChunksPerFrame, chunks);
            maybeHalt(HALT_AFTER_FRAME | HALT_ALWAYS);
        }

        @Override
        public void onProtocolError(final CloseReason reason)
        {
            assertNull(error, "second violation reported");
            error = reason;
            events.add("error " + reason + " code=" + reason.code());
        }

        void assertEachFrameInOneChunk()
        {
            // FrameHandler: a frame whose payload arrived in one read is delivered as a single chunk.
            assertTrue(maxChunksPerFrame <= 1, "frame delivered in " + maxChunksPerFrame + " chunks from one read");
        }

        private void maybeHalt(final int flags)
        {
            if (0 != (haltFlags & flags))
            {
                decoder.halt();
            }
        }
    }
}
