package io.wsmux.codec.deflate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.Deflater;

import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MessageDeflateTest
{
    private static final byte[] HELLO = "Hello".getBytes(StandardCharsets.US_ASCII);

    @Test
    void shouldInflateTheRfc7692Examples()
    {
        // RFC 7692 §7.2.3.1: "Hello" compressed, one frame.
        final byte[] compressed = {(byte)0xf2, 0x48, (byte)0xcd, (byte)0xc9, (byte)0xc9, 0x07, 0x00};
        try (MessageInflater inflater = new MessageInflater(false))
        {
            final byte[] out = new byte[64];
            assertEquals(5, inflater.inflate(compressed, 0, compressed.length, true, out, 0, 64));
            assertArrayEquals(HELLO, Arrays.copyOf(out, 5));

            // §7.2.3.2: the same again with the context taken over: six bytes.
            final byte[] again = {(byte)0xf2, 0x00, 0x11, 0x00, 0x01, 0x00};
            assertEquals(5, inflater.inflate(again, 0, again.length, true, out, 0, 64));
            assertArrayEquals(HELLO, Arrays.copyOf(out, 5));
        }
        // §7.2.3.1 split over two frames: 0xf2 0x48 0xcd, then 0xc9 0xc9 0x07 0x00.
        try (MessageInflater inflater = new MessageInflater(true))
        {
            final byte[] out = new byte[64];
            final int first = inflater.inflate(compressed, 0, 3, false, out, 0, 64);
            final int second = inflater.inflate(compressed, 3, 4, true, out, first, 64 - first);
            assertEquals(5, first + second);
            assertArrayEquals(HELLO, Arrays.copyOf(out, 5));
        }
    }

    @Test
    void shouldCompressHelloAsTheRfcDoes()
    {
        try (MessageDeflater deflater = new MessageDeflater(Deflater.DEFAULT_COMPRESSION, true))
        {
            final byte[] out = new byte[MessageDeflater.maxCompressedLength(5)];
            final int length = deflater.deflate(HELLO, 0, 5, out, 0);
            assertArrayEquals(new byte[] {(byte)0xf2, 0x48, (byte)0xcd, (byte)0xc9, (byte)0xc9, 0x07, 0x00},
                Arrays.copyOf(out, length));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = { 0, 1, 5, 100, 4096, 65_536, 1_000_000 })
    void shouldRoundTripWithoutContextTakeover(final int size)
    {
        final byte[] message = ticks(size);
        try (MessageDeflater deflater = new MessageDeflater(Deflater.BEST_SPEED, true);
            MessageInflater inflater = new MessageInflater(true))
        {
            for (int round = 0; round < 3; round++)
            {
                final byte[] compressed = new byte[MessageDeflater.maxCompressedLength(size)];
                final int length = deflater.deflate(message, 0, size, compressed, 0);
                // Each message stands alone: a fresh inflater reads it too.
                try (MessageInflater fresh = new MessageInflater(true))
                {
                    assertArrayEquals(message, inflate(fresh, compressed, length, size, 7));
                }
                assertArrayEquals(message, inflate(inflater, compressed, length, size, 1 + round * 1000));
            }
        }
    }

    @Test
    void shouldCarryContextWhenTakenOver()
    {
        final byte[] message = ticks(2000);
        try (MessageDeflater deflater = new MessageDeflater(Deflater.DEFAULT_COMPRESSION, false);
            MessageInflater inflater = new MessageInflater(false))
        {
            final byte[] compressed = new byte[MessageDeflater.maxCompressedLength(message.length)];
            final int first = deflater.deflate(message, 0, message.length, compressed, 0);
            assertArrayEquals(message, inflate(inflater, compressed, first, message.length, 1));
            final int second = deflater.deflate(message, 0, message.length, compressed, 0);
            assertTrue(second < first / 4, "the second copy refers back to the first: " + second + " < " + first);
            assertArrayEquals(message, inflate(inflater, compressed, second, message.length, 1));
        }
    }

    @Test
    void shouldStopABombAtTheLimit()
    {
        // 16 MiB of zeros compresses to about 16 KB; the limit is 1 MiB and the output buffer no larger.
        final byte[] zeros = new byte[16 * 1024 * 1024];
        final byte[] compressed;
        final int compressedLength;
        try (MessageDeflater deflater = new MessageDeflater(Deflater.BEST_COMPRESSION, true))
        {
            compressed = new byte[MessageDeflater.maxCompressedLength(zeros.length)];
            compressedLength = deflater.deflate(zeros, 0, zeros.length, compressed, 0);
        }
        assertTrue(compressedLength < 64 * 1024, "compressed to " + compressedLength);
        final int limit = 1024 * 1024;
        try (MessageInflater inflater = new MessageInflater(true))
        {
            final byte[] out = new byte[limit];
            assertEquals(MessageInflater.TOO_BIG,
                inflater.inflate(compressed, 0, compressedLength, true, out, 0, limit));
            // The inflater is usable again for the next message.
            final byte[] small = new byte[] {(byte)0xf2, 0x48, (byte)0xcd, (byte)0xc9, (byte)0xc9, 0x07, 0x00};
            assertEquals(5, inflater.inflate(small, 0, small.length, true, out, 0, limit));
        }
    }

    @Test
    void shouldAcceptAMessageExactlyAtTheLimit()
    {
        final byte[] message = ticks(10_000);
        try (MessageDeflater deflater = new MessageDeflater(Deflater.DEFAULT_COMPRESSION, true);
            MessageInflater inflater = new MessageInflater(true))
        {
            final byte[] compressed = new byte[MessageDeflater.maxCompressedLength(message.length)];
            final int length = deflater.deflate(message, 0, message.length, compressed, 0);
            final byte[] out = new byte[message.length];
            assertEquals(message.length, inflater.inflate(compressed, 0, length, true, out, 0, message.length));
            assertArrayEquals(message, out);
            assertEquals(MessageInflater.TOO_BIG,
                inflater.inflate(compressed, 0, length, true, out, 0, message.length - 1));
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void shouldInflateTheMessageAfterOneEndedWithAFinalBlock(final boolean noContextTakeover)
    {
        // RFC 7692 §7.2.3.4: "Hello" in a DEFLATE block with BFINAL set. The stream ends there: the tail appended
        // after it is not the start of the next message's stream, with or without context takeover.
        final byte[] finalBlock = {(byte)0xf3, 0x48, (byte)0xcd, (byte)0xc9, (byte)0xc9, 0x07, 0x00};
        final byte[] next = {(byte)0xf2, 0x48, (byte)0xcd, (byte)0xc9, (byte)0xc9, 0x07, 0x00};
        try (MessageInflater inflater = new MessageInflater(noContextTakeover))
        {
            final ExpandableArrayBuffer out = new ExpandableArrayBuffer(16);
            for (int i = 0; i < 3; i++)
            {
                assertEquals(5, inflater.inflateMessage(new UnsafeBuffer(finalBlock), 0, finalBlock.length, out, 64));
                assertEquals("Hello", out.getStringWithoutLengthAscii(0, 5));
                assertEquals(5, inflater.inflateMessage(new UnsafeBuffer(next), 0, next.length, out, 64));
                assertEquals("Hello", out.getStringWithoutLengthAscii(0, 5));
            }

            final byte[] array = new byte[64];
            assertEquals(5, inflater.inflate(finalBlock, 0, 3, false, array, 0, 64) +
                inflater.inflate(finalBlock, 3, finalBlock.length - 3, true, array, 0, 64));
            assertEquals(5, inflater.inflate(next, 0, next.length, true, array, 0, 64));
            assertArrayEquals(HELLO, Arrays.copyOf(array, 5));
        }
    }

    @Test
    void shouldStartFreshAfterAFinalBlockThatEndsExactlyAtTheLimit()
    {
        final byte[] finalBlock = {(byte)0xf3, 0x48, (byte)0xcd, (byte)0xc9, (byte)0xc9, 0x07, 0x00};
        final byte[] next = {(byte)0xf2, 0x48, (byte)0xcd, (byte)0xc9, (byte)0xc9, 0x07, 0x00};
        try (MessageInflater inflater = new MessageInflater(false))
        {
            final ExpandableArrayBuffer out = new ExpandableArrayBuffer(16);
            assertEquals(5, inflater.inflateMessage(new UnsafeBuffer(finalBlock), 0, finalBlock.length, out, 5));
            assertEquals(5, inflater.inflateMessage(new UnsafeBuffer(next), 0, next.length, out, 5));
            assertEquals("Hello", out.getStringWithoutLengthAscii(0, 5));
        }
    }

    @Test
    void shouldReportCorruptData()
    {
        final byte[] garbage = {(byte)0xff, (byte)0xff, (byte)0xff, 0x12, 0x34};
        try (MessageInflater inflater = new MessageInflater(true))
        {
            assertEquals(MessageInflater.CORRUPT, inflater.inflate(garbage, 0, garbage.length, true,
                new byte[64], 0, 64));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {8, 9, 12, 15})
    void shouldCompressPiecesOnTheirOwnForASmallWindow(final int windowBits)
    {
        final byte[] message = ticks(5000);
        try (MessageDeflater deflater = new MessageDeflater(Deflater.DEFAULT_COMPRESSION, false);
            MessageInflater inflater = new MessageInflater(true))
        {
            final byte[] compressed = new byte[MessageDeflater.maxCompressedLength(message.length, windowBits)];
            final int length =
                deflater.deflate(new UnsafeBuffer(message), 0, message.length, compressed, 0, windowBits);
            assertArrayEquals(message, inflate(inflater, compressed, length, message.length, 100));

            if (windowBits < 15)
            {
                // Byte for byte the pieces compressed each by a fresh compressor: no back-reference can reach
                // further back than its own piece, so a peer's 2^windowBits window is enough.
                final ByteArrayOutputStream expected = new ByteArrayOutputStream();
                final int piece = 1 << windowBits;
                for (int offset = 0; offset < message.length; offset += piece)
                {
                    final Deflater fresh = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
                    fresh.setInput(message, offset, Math.min(piece, message.length - offset));
                    final byte[] out = new byte[MessageDeflater.maxCompressedLength(piece)];
                    final int n = fresh.deflate(out, 0, out.length, Deflater.SYNC_FLUSH);
                    fresh.end();
                    expected.write(out, 0, n);
                }
                final byte[] pieces = expected.toByteArray();
                assertArrayEquals(Arrays.copyOf(pieces, pieces.length - 4), Arrays.copyOf(compressed, length));
            }
        }
    }

    @Test
    void shouldInflateAfterAStoredPrefixBlock()
    {
        // A prefix per receiver in a stored block, then a payload compressed once for all of them.
        final byte[] payload = ticks(2000);
        try (MessageDeflater deflater = new MessageDeflater(Deflater.DEFAULT_COMPRESSION, true);
            MessageInflater inflater = new MessageInflater(true))
        {
            final byte[] compressed = new byte[MessageDeflater.maxCompressedLength(payload.length)];
            final int length = deflater.deflate(new UnsafeBuffer(payload), 0, payload.length, compressed, 0, 15);
            for (final String prefix : new String[] {"msg,prices.EURUSD,", "\u0001", ""})
            {
                final byte[] prefixBytes = prefix.getBytes(StandardCharsets.US_ASCII);
                final ExpandableArrayBuffer message = new ExpandableArrayBuffer(64);
                final int stored = MessageDeflater.writeStoredBlock(
                    message, 0, new UnsafeBuffer(prefixBytes), 0, prefixBytes.length);
                assertEquals(MessageDeflater.STORED_BLOCK_OVERHEAD + prefixBytes.length, stored);
                message.putBytes(stored, compressed, 0, length);

                final ExpandableArrayBuffer out = new ExpandableArrayBuffer(16);
                final int inflated = inflater.inflateMessage(message, 0, stored + length, out, 1 << 20);
                final byte[] expected = new byte[prefixBytes.length + payload.length];
                System.arraycopy(prefixBytes, 0, expected, 0, prefixBytes.length);
                System.arraycopy(payload, 0, expected, prefixBytes.length, payload.length);
                assertEquals(expected.length, inflated);
                final byte[] actual = new byte[inflated];
                out.getBytes(0, actual);
                assertArrayEquals(expected, actual);
            }
        }
    }

    @Test
    void shouldInflateAWholeMessageFromADirectBufferGrowingTheOutputToTheLimitOnly()
    {
        final byte[] message = ticks(100_000);
        final byte[] compressed = new byte[MessageDeflater.maxCompressedLength(message.length)];
        final int length;
        try (MessageDeflater deflater = new MessageDeflater(Deflater.DEFAULT_COMPRESSION, true))
        {
            length = deflater.deflate(message, 0, message.length, compressed, 0);
        }
        final ByteBuffer direct = ByteBuffer.allocateDirect(length + 100);
        direct.position(37);
        direct.put(compressed, 0, length);
        final UnsafeBuffer input = new UnsafeBuffer(direct, 30, length + 20); // the message at index 7 of the view
        try (MessageInflater inflater = new MessageInflater(true))
        {
            final ExpandableArrayBuffer out = new ExpandableArrayBuffer(128);
            assertEquals(message.length, inflater.inflateMessage(input, 7, length, out, message.length));
            final byte[] actual = new byte[message.length];
            out.getBytes(0, actual);
            assertArrayEquals(message, actual);

            final ExpandableArrayBuffer small = new ExpandableArrayBuffer(128);
            assertEquals(MessageInflater.TOO_BIG, inflater.inflateMessage(input, 7, length, small, 50_000));
            assertTrue(small.capacity() <= 50_000 * 2, "grew to " + small.capacity());
            assertEquals(message.length, inflater.inflateMessage(input, 7, length, out, message.length),
                "usable again after a refusal");
            assertEquals(MessageInflater.CORRUPT,
                inflater.inflateMessage(new UnsafeBuffer(new byte[] {(byte)0xFF, 1, 2, 3}), 0, 4, out, 100));
        }
    }

    private static byte[] inflate(
        final MessageInflater inflater, final byte[] compressed, final int length, final int expected,
        final int frameLength)
    {
        final byte[] out = new byte[expected];
        int produced = 0;
        int offset = 0;
        do
        {
            final int chunk = Math.min(frameLength, length - offset);
            final boolean last = offset + chunk == length;
            final int n = inflater.inflate(compressed, offset, chunk, last, out, produced, expected - produced);
            assertTrue(n >= 0, "inflate failed: " + n);
            produced += n;
            offset += chunk;
        }
        while (offset < length);
        assertEquals(expected, produced);
        return out;
    }

    private static byte[] ticks(final int size)
    {
        final StringBuilder text = new StringBuilder();
        final Random random = new Random(size);
        while (text.length() < size)
        {
            text.append("EURUSD,").append(1.08 + random.nextInt(1000) / 100_000.0).append(',')
                .append(random.nextInt(1_000_000)).append('\n');
        }
        return Arrays.copyOf(text.toString().getBytes(StandardCharsets.US_ASCII), size);
    }
}
