package io.wsmux.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.util.Random;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class MaskingTest
{
    private static byte[] reference(final byte[] input, final int offset, final int length, final int key,
        final int maskIndex)
    {
        final byte[] out = input.clone();
        for (int i = 0; i < length; i++)
        {
            out[offset + i] ^= Masking.keyByte(key, maskIndex + i);
        }
        return out;
    }

    @Test
    void shouldMatchByteAtATimeMaskingAtEveryOffsetLengthAndKeyPosition()
    {
        final long seed = System.nanoTime();
        final Random random = new Random(seed);
        for (final boolean direct : new boolean[]{ false, true })
        {
            for (int offset = 0; offset < 9; offset++)
            {
                for (int length = 0; length <= 40; length++)
                {
                    for (int maskIndex = 0; maskIndex < 4; maskIndex++)
                    {
                        final byte[] input = new byte[64];
                        random.nextBytes(input);
                        final int key = random.nextInt();
                        final UnsafeBuffer buffer = direct ?
                            new UnsafeBuffer(ByteBuffer.allocateDirect(64)) : new UnsafeBuffer(new byte[64]);
                        buffer.putBytes(0, input);

                        Masking.unmask(buffer, offset, length, key, maskIndex);

                        final byte[] actual = new byte[64];
                        buffer.getBytes(0, actual);
                        assertArrayEquals(reference(input, offset, length, key, maskIndex), actual,
                            "seed=" + seed + " direct=" + direct + " offset=" + offset + " length=" + length +
                            " maskIndex=" + maskIndex);
                    }
                }
            }
        }
    }

    @Test
    void shouldUnmaskRfcExample()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[]{ 0x7f, (byte)0x9f, 0x4d, 0x51, 0x58 });

        Masking.unmask(buffer, 0, 5, 0x37fa213d, 0);

        assertEquals("Hello", buffer.getStringWithoutLengthAscii(0, 5));
    }

    @Test
    void shouldGiveSameResultWhenUnmaskedInChunks()
    {
        final byte[] input = new byte[1000];
        new Random(42).nextBytes(input);
        final int key = 0xCAFEBABE;
        final UnsafeBuffer whole = new UnsafeBuffer(input.clone());
        final UnsafeBuffer chunked = new UnsafeBuffer(input.clone());

        Masking.unmask(whole, 0, 1000, key, 0);
        int position = 0;
        for (final int chunk : new int[]{ 1, 3, 7, 13, 100, 876 })
        {
            Masking.unmask(chunked, position, chunk, key, position & 3);
            position += chunk;
        }

        assertArrayEquals(whole.byteArray(), chunked.byteArray());
    }
}
