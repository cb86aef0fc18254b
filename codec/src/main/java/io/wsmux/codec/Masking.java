package io.wsmux.codec;

import java.nio.ByteOrder;

import org.agrona.MutableDirectBuffer;

/**
 * RFC 6455 §5.3 masking: byte i of the payload is XORed with byte (i mod 4) of the masking key.
 * Done in place, eight bytes at a time: the 4-byte key, rotated to the chunk's position in the payload,
 * is repeated into a long laid out in the platform's byte order so that one XOR covers eight payload bytes.
 * Stateless and allocation free.
 */
public final class Masking
{
    private static final boolean NATIVE_LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

    private Masking()
    {
    }

    /**
     * XOR a chunk of payload with the masking key, in place. Applying it twice restores the input.
     *
     * @param buffer    holding the payload.
     * @param offset    of the first byte of the chunk.
     * @param length    of the chunk.
     * @param maskKey   the four key bytes as read from the wire in network order (first key byte highest).
     * @param maskIndex position in the key of the chunk's first byte: payload bytes already processed mod 4.
     */
    public static void unmask(
        final MutableDirectBuffer buffer, final int offset, final int length, final int maskKey, final int maskIndex)
    {
        if (0 == maskKey || 0 == length)
        {
            return;
        }

        final int rotated = Integer.rotateLeft(maskKey, (maskIndex & 3) << 3);
        final long bigEndianMask = ((long)rotated << 32) | (rotated & 0xFFFF_FFFFL);
        final long mask = NATIVE_LITTLE_ENDIAN ? Long.reverseBytes(bigEndianMask) : bigEndianMask;

        int index = offset;
        final int longLimit = offset + (length & ~7);
        while (index < longLimit)
        {
            buffer.putLong(index, buffer.getLong(index) ^ mask);
            index += 8;
        }

        final int limit = offset + length;
        int shift = 24;
        while (index < limit)
        {
            buffer.putByte(index, (byte)(buffer.getByte(index) ^ (rotated >>> shift)));
            shift -= 8;
            index++;
        }
    }

    /**
     * The masking key byte for one payload position, for callers that mask a byte at a time.
     *
     * @param maskKey  the four key bytes in network order.
     * @param position payload position.
     * @return the key byte to XOR with.
     */
    public static byte keyByte(final int maskKey, final long position)
    {
        return (byte)(maskKey >>> ((3 - (int)(position & 3)) << 3));
    }
}
