package io.wsmux.codec;

import java.io.ByteArrayOutputStream;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * Builds frames byte by byte for tests, independently of {@link FrameEncoder}, including frames the encoder
 * would never write (reserved bits, non-minimal lengths). Public for the codec test-jar.
 */
public final class WireFrames
{
    private WireFrames()
    {
    }

    /**
     * @param firstByte FIN, RSV and opcode.
     * @param maskKey   null for an unmasked frame, else 4 key bytes.
     * @param lengthEncoding 7, 16 or 64: how to encode the length (any, even non-minimal).
     * @param payload   clear payload.
     * @return the frame on the wire.
     */
    public static byte[] frame(
        final int firstByte, final byte[] maskKey, final int lengthEncoding, final byte[] payload)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(firstByte);
        final int maskBit = null == maskKey ? 0 : 0x80;
        if (7 == lengthEncoding)
        {
            out.write(maskBit | payload.length);
        }
        else if (16 == lengthEncoding)
        {
            out.write(maskBit | 126);
            out.write(payload.length >>> 8);
            out.write(payload.length);
        }
        else
        {
            out.write(maskBit | 127);
            final long length = payload.length;
            for (int shift = 56; shift >= 0; shift -= 8)
            {
                out.write((int)(length >>> shift));
            }
        }
        if (null != maskKey)
        {
            out.writeBytes(maskKey);
        }
        for (int i = 0; i < payload.length; i++)
        {
            out.write(null == maskKey ? payload[i] : payload[i] ^ maskKey[i & 3]);
        }
        return out.toByteArray();
    }

    /**
     * A client frame with minimal length encoding and a fixed masking key.
     *
     * @param firstByte FIN, RSV and opcode.
     * @param payload   clear payload.
     * @return the frame on the wire.
     */
    public static byte[] masked(final int firstByte, final byte[] payload)
    {
        return frame(firstByte, new byte[]{ 0x37, (byte)0xfa, 0x21, 0x3d }, minimalEncoding(payload.length), payload);
    }

    /**
     * A server frame with minimal length encoding.
     *
     * @param firstByte FIN, RSV and opcode.
     * @param payload   payload.
     * @return the frame on the wire.
     */
    public static byte[] unmasked(final int firstByte, final byte[] payload)
    {
        return frame(firstByte, null, minimalEncoding(payload.length), payload);
    }

    /**
     * @param parts byte arrays.
     * @return them joined.
     */
    public static byte[] concat(final byte[]... parts)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (final byte[] part : parts)
        {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    /**
     * Feed a decoder with a copy of wire[from, from + length), as a transport would: the decoder may modify it.
     *
     * @param decoder to feed.
     * @param wire    bytes.
     * @param from    first byte.
     * @param length  bytes to feed.
     * @return bytes consumed.
     */
    public static int feed(final FrameDecoder decoder, final byte[] wire, final int from, final int length)
    {
        final byte[] copy = new byte[length + 16];
        System.arraycopy(wire, from, copy, 7, length);
        return decoder.decode(new UnsafeBuffer(copy), 7, length);
    }

    private static int minimalEncoding(final int length)
    {
        return length <= 125 ? 7 : (length <= 0xFFFF ? 16 : 64);
    }
}
