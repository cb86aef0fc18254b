package io.wsmux.codec.mux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteOrder;
import java.util.Arrays;

import org.agrona.concurrent.UnsafeBuffer;

import com.code_intelligence.jazzer.junit.FuzzTest;

import io.wsmux.codec.FuzzInput;

/**
 * Coverage-guided fuzz test of {@link BinaryMuxFlyweight}: never throws, never reads outside the message (the buffer
 * ends where the message ends, so an over-read throws), keeps every offset and length inside it, agrees with an
 * independent restatement of the session's checks, and a well-formed OPEN written back with
 * {@link BinaryMuxDescriptor#writeOpen} gives the same bytes. See docs/fuzzing.md.
 * <p>
 * Input layout ({@link FuzzInput}): {@code offset} (modulo 16: where the message starts in the buffer), then the
 * message bytes.
 */
class BinaryMuxFlyweightFuzzTest
{
    private final BinaryMuxFlyweight flyweight = new BinaryMuxFlyweight();

    @FuzzTest(maxDuration = "10m")
    void shouldStayWithinMessage(final byte[] data)
    {
        final FuzzInput input = new FuzzInput(data);
        final int offset = input.u8() % 16;
        final byte[] message = input.rest();
        final byte[] backing = new byte[offset + message.length];
        Arrays.fill(backing, 0, offset, BinaryMuxDescriptor.OPEN);
        System.arraycopy(message, 0, backing, offset, message.length);
        final UnsafeBuffer buffer = new UnsafeBuffer(backing);
        final int length = message.length;
        final int limit = offset + length;

        final int status = flyweight.wrap(buffer, offset, length);
        assertEquals(status, flyweight.status());
        assertEquals(expectedStatus(message), status, flyweight.toString());
        assertTrue(flyweight.nameOffset() >= offset && flyweight.nameLength() >= 0 &&
            flyweight.nameOffset() + flyweight.nameLength() <= limit, flyweight.toString());
        assertTrue(flyweight.payloadOffset() >= offset && flyweight.payloadLength() >= 0 &&
            flyweight.payloadOffset() + flyweight.payloadLength() == limit, flyweight.toString());

        if (BinaryMuxFlyweight.OK != status)
        {
            assertNotNull(flyweight.errorText());
            assertEquals(0, flyweight.nameLength());
            assertEquals(0, flyweight.maxRate());
            assertEquals(0, flyweight.payloadLength());
            return;
        }

        assertNull(flyweight.errorText());
        assertEquals(message[0], flyweight.type());
        assertEquals(BinaryMuxDescriptor.channelId(buffer, offset), flyweight.channelId());
        if (BinaryMuxDescriptor.OPEN == flyweight.type())
        {
            checkOpen(buffer, offset, message);
        }
        else
        {
            assertEquals(0, flyweight.nameLength());
            assertEquals(0, flyweight.maxRate());
            final boolean hasPayload =
                BinaryMuxDescriptor.TEXT == flyweight.type() || BinaryMuxDescriptor.BINARY == flyweight.type();
            assertEquals(hasPayload ? length - BinaryMuxDescriptor.HEADER_LENGTH : 0, flyweight.payloadLength());
        }
    }

    private void checkOpen(final UnsafeBuffer buffer, final int offset, final byte[] message)
    {
        final int nameLength = flyweight.nameLength();
        assertEquals(offset + BinaryMuxDescriptor.NAME_OFFSET, flyweight.nameOffset());
        assertEquals(0, flyweight.payloadLength());
        final int afterName = message.length - BinaryMuxDescriptor.NAME_OFFSET - nameLength;
        assertTrue(afterName >= 0, "name past the end passed");
        if (afterName < Integer.BYTES)
        {
            assertEquals(0, flyweight.maxRate(), "no maxRate without four bytes after the name");
        }

        // Written back, a canonical OPEN (no trailing bytes, or exactly a non-zero maxRate) is byte for byte the same.
        if (0 == afterName || (Integer.BYTES == afterName && flyweight.maxRate() > 0))
        {
            final UnsafeBuffer copy = new UnsafeBuffer(new byte[message.length]);
            final int written = BinaryMuxDescriptor.writeOpen(
                copy, 0, flyweight.channelId(), buffer, flyweight.nameOffset(), nameLength, flyweight.maxRate());
            assertEquals(message.length, written);
            assertTrue(Arrays.equals(message, copy.byteArray()), "writeOpen does not give the same bytes");
        }
    }

    /**
     * The checks of {@code MuxSession.onBinary} and {@code onBinaryOpen}, restated independently from
     * docs/protocol.md, in the session's order.
     */
    private static int expectedStatus(final byte[] message)
    {
        if (message.length < 5)
        {
            return BinaryMuxFlyweight.SHORT_HEADER;
        }
        final UnsafeBuffer buffer = new UnsafeBuffer(message);
        switch (message[0])
        {
            case 0x01:
                if (message.length < 7)
                {
                    return BinaryMuxFlyweight.SHORT_OPEN;
                }
                if (7 + (buffer.getShort(5, ByteOrder.BIG_ENDIAN) & 0xFFFF) > message.length)
                {
                    return BinaryMuxFlyweight.NAME_PAST_END;
                }
                return 0 == buffer.getInt(1, ByteOrder.BIG_ENDIAN) ?
                    BinaryMuxFlyweight.RESERVED_CHANNEL_ID : BinaryMuxFlyweight.OK;

            case 0x02:
            case 0x03:
            case 0x04:
                return BinaryMuxFlyweight.OK;

            default:
                return BinaryMuxFlyweight.UNKNOWN_TYPE;
        }
    }
}
