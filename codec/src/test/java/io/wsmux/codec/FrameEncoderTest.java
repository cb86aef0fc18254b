package io.wsmux.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class FrameEncoderTest
{
    private static final int RFC_MASK_KEY = 0x37fa213d;
    private static final UnsafeBuffer HELLO = new UnsafeBuffer("Hello".getBytes(StandardCharsets.US_ASCII));

    private static byte[] encoded(final UnsafeBuffer dst, final int length)
    {
        final byte[] out = new byte[length];
        dst.getBytes(0, out);
        return out;
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

    @Test
    void shouldEncodeRfcUnmaskedTextExample()
    {
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[64]);

        final int length = FrameEncoder.encode(dst, 0, true, Opcode.TEXT, HELLO, 0, 5);

        assertArrayEquals(bytes(0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f), encoded(dst, length));
    }

    @Test
    void shouldEncodeRfcMaskedTextExample()
    {
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[64]);

        final int length = FrameEncoder.encodeMasked(dst, 0, true, Opcode.TEXT, HELLO, 0, 5, RFC_MASK_KEY);

        assertArrayEquals(
            bytes(0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58), encoded(dst, length));
        assertEquals("Hello", HELLO.getStringWithoutLengthAscii(0, 5), "source not modified");
    }

    @Test
    void shouldEncodeRfcFragmentedTextExample()
    {
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[64]);

        int length = FrameEncoder.encode(dst, 0, false, Opcode.TEXT, HELLO, 0, 3);
        length += FrameEncoder.encode(dst, length, true, Opcode.CONTINUATION, HELLO, 3, 2);

        assertArrayEquals(bytes(0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f), encoded(dst, length));
    }

    @Test
    void shouldEncodeRfcPingAndMaskedPongExamples()
    {
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[64]);

        final int pingLength = FrameEncoder.encode(dst, 0, true, Opcode.PING, HELLO, 0, 5);
        assertArrayEquals(bytes(0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f), encoded(dst, pingLength));

        final int pongLength = FrameEncoder.encodeMasked(dst, 0, true, Opcode.PONG, HELLO, 0, 5, RFC_MASK_KEY);
        assertArrayEquals(
            bytes(0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58), encoded(dst, pongLength));
    }

    @Test
    void shouldEncodeRfcExtendedLengthHeaders()
    {
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[16]);

        assertEquals(4, FrameEncoder.writeHeader(dst, 0, true, Opcode.BINARY, 256));
        assertArrayEquals(bytes(0x82, 0x7E, 0x01, 0x00), encoded(dst, 4));

        assertEquals(10, FrameEncoder.writeHeader(dst, 0, true, Opcode.BINARY, 65536));
        assertArrayEquals(bytes(0x82, 0x7F, 0, 0, 0, 0, 0, 0x01, 0, 0), encoded(dst, 10));
    }

    @Test
    void shouldUseMinimalLengthEncodingAtEveryEdge()
    {
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[16]);
        final long[] lengths = { 0, 1, 125, 126, 127, 65535, 65536, Integer.MAX_VALUE, Long.MAX_VALUE };
        final int[] expected = { 2, 2, 2, 4, 4, 4, 10, 10, 10 };

        for (int i = 0; i < lengths.length; i++)
        {
            assertEquals(expected[i], FrameEncoder.writeHeader(dst, 0, true, Opcode.BINARY, lengths[i]));
            assertEquals(expected[i], FrameDescriptor.headerLength(lengths[i], false));
            assertEquals(expected[i] + 4, FrameEncoder.writeMaskedHeader(dst, 0, true, Opcode.BINARY, lengths[i], 1));
            assertEquals(expected[i] + 4, FrameDescriptor.headerLength(lengths[i], true));
        }
    }

    @Test
    void shouldEncodeCloseFrameForViolation()
    {
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[256]);

        final int length = FrameEncoder.encodeClose(dst, 0, CloseReason.INVALID_UTF8);

        final byte[] text = CloseReason.INVALID_UTF8.text().getBytes(StandardCharsets.UTF_8);
        assertEquals(2 + 2 + text.length, length);
        assertEquals(0x88, dst.getByte(0) & 0xFF);
        assertEquals(2 + text.length, dst.getByte(1));
        assertEquals(1007, CloseFrame.code(dst, 2, length - 2));
        assertNull(CloseFrame.validate(dst, 2, length - 2));
    }

    @Test
    void shouldEncodeMaskedCloseThatServerDecoderAccepts()
    {
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[256]);
        final UnsafeBuffer reason = new UnsafeBuffer("bye".getBytes(StandardCharsets.UTF_8));
        final int length = FrameEncoder.encodeMaskedClose(dst, 0, 4000, reason, 0, 3, 0x01020304);
        final RecordingFrameHandler handler = new RecordingFrameHandler();

        new FrameDecoder(handler, true, 1000, 1000, true).decode(dst, 0, length);

        final byte[] payload = handler.frames().get(0).payload();
        assertArrayEquals(bytes(0x0F, 0xA0, 'b', 'y', 'e'), payload);
    }

    @Test
    void shouldEncodeEmptyCloseForNoStatus()
    {
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[16]);

        final int length = FrameEncoder.encodeClose(dst, 0, CloseCode.NO_STATUS, dst, 0, 0);

        assertArrayEquals(bytes(0x88, 0x00), encoded(dst, length));
    }

    @Test
    void shouldRoundTripRandomFramesMaskedAndUnmaskedSplitAnywhere()
    {
        final long seed = System.nanoTime();
        final Random random = new Random(seed);
        final List<Integer> sizes = new ArrayList<>(List.of(0, 1, 2, 124, 125, 126, 127, 128, 65534, 65535, 65536,
            65537, 70000));
        for (int i = 0; i < 40; i++)
        {
            sizes.add(random.nextInt(70001));
        }

        for (final int size : sizes)
        {
            for (final boolean masked : new boolean[]{ true, false })
            {
                for (final boolean direct : new boolean[]{ true, false })
                {
                    final String context = "seed=" + seed + " size=" + size + " masked=" + masked + " direct=" + direct;
                    roundTrip(random, size, masked, direct, context);
                }
            }
        }
    }

    private static void roundTrip(
        final Random random, final int size, final boolean masked, final boolean direct, final String context)
    {
        final byte[] payload = new byte[size];
        random.nextBytes(payload);
        final int opcode = random.nextBoolean() ? Opcode.BINARY : Opcode.TEXT;
        if (Opcode.TEXT == opcode)
        {
            for (int i = 0; i < size; i++)
            {
                payload[i] = (byte)(payload[i] & 0x7F);
            }
        }
        final int capacity = size + FrameDescriptor.MAX_HEADER_LENGTH + 16;
        final MutableDirectBuffer wire = direct ?
            new UnsafeBuffer(ByteBuffer.allocateDirect(capacity)) : new UnsafeBuffer(new byte[capacity]);
        final int offset = random.nextInt(8);
        final int maskKey = random.nextInt();
        final int length = masked ?
            FrameEncoder.encodeMasked(wire, offset, true, opcode, new UnsafeBuffer(payload), 0, size, maskKey) :
            FrameEncoder.encode(wire, offset, true, opcode, new UnsafeBuffer(payload), 0, size);
        assertEquals(FrameDescriptor.headerLength(size, masked) + size, length, context);

        final RecordingFrameHandler handler = new RecordingFrameHandler();
        final FrameDecoder decoder = new FrameDecoder(handler, masked, 1 << 20, 1 << 20, true);
        int position = offset;
        final int limit = offset + length;
        while (position < limit)
        {
            final int chunk = Math.min(limit - position, 1 + random.nextInt(random.nextBoolean() ? 16 : 20000));
            assertEquals(chunk, decoder.decode(wire, position, chunk), context);
            position += chunk;
        }

        assertNull(handler.error(), context);
        assertEquals(1, handler.frames().size(), context);
        assertEquals(opcode, handler.frames().get(0).opcode(), context);
        assertArrayEquals(payload, handler.frames().get(0).payload(), context);
    }
}
