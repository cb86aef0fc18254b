package io.wsmux.codec.mux;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static io.wsmux.codec.mux.TextMuxFlyweight.MSG;
import static io.wsmux.codec.mux.TextMuxFlyweight.SUB;
import static io.wsmux.codec.mux.TextMuxFlyweight.UNS;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TextMuxEncoderTest
{
    private static final int OFFSET = 5;
    private static final byte UNTOUCHED = (byte)0xA5;

    private final UnsafeBuffer dst = new UnsafeBuffer(ByteBuffer.allocateDirect(256));
    private final TextMuxFlyweight flyweight = new TextMuxFlyweight();

    @Test
    void shouldWriteExactBytesOfMessageToEscapedChannel()
    {
        final byte[] name = ascii(JsEscape.escape("chat room"));
        final UnsafeBuffer payload = new UnsafeBuffer(ascii("hello, world"));
        dst.setMemory(0, dst.capacity(), UNTOUCHED);

        final int written = TextMuxEncoder.writeMessage(dst, OFFSET, name, payload, 0, payload.capacity());

        assertEquals(28, written);
        assertEquals(TextMuxEncoder.messageLength(name.length, payload.capacity()), written);
        assertArrayEquals(ascii("msg,chat%20room,hello, world"), bytes(dst, OFFSET, written));
        assertEquals(UNTOUCHED, dst.getByte(OFFSET - 1));
        assertEquals(UNTOUCHED, dst.getByte(OFFSET + written));
    }

    @Test
    void shouldWriteSameBytesFromBufferNameAndFromByteArrayName()
    {
        final byte[] name = ascii("xxchat%20roomyy");
        final UnsafeBuffer nameBuffer = new UnsafeBuffer(name);
        final UnsafeBuffer payload = new UnsafeBuffer(ascii("p,q"));
        final byte[] arrayName = ascii("chat%20room");
        final UnsafeBuffer other = new UnsafeBuffer(new byte[64]);

        assertEquals(
            TextMuxEncoder.writeMessage(other, 0, arrayName, payload, 0, 3),
            TextMuxEncoder.writeMessage(dst, 0, nameBuffer, 2, 11, payload, 0, 3));
        assertArrayEquals(bytes(other, 0, 19), bytes(dst, 0, 19));

        assertEquals(TextMuxEncoder.writeSubscribe(other, 0, arrayName),
            TextMuxEncoder.writeSubscribe(dst, 0, nameBuffer, 2, 11));
        assertArrayEquals(bytes(other, 0, 15), bytes(dst, 0, 15));

        assertEquals(TextMuxEncoder.writeUnsubscribe(other, 0, arrayName),
            TextMuxEncoder.writeUnsubscribe(dst, 0, nameBuffer, 2, 11));
        assertArrayEquals(bytes(other, 0, 15), bytes(dst, 0, 15));
    }

    @Test
    void shouldWriteMessagePrefixThatPayloadCompletes()
    {
        final byte[] name = ascii("prices");
        final UnsafeBuffer payload = new UnsafeBuffer(ascii("{\"bid\":1,\"ask\":2}"));

        final int prefixLength = TextMuxEncoder.writeMessagePrefix(dst, OFFSET, name);
        dst.putBytes(OFFSET + prefixLength, payload, 0, payload.capacity());

        assertEquals(TextMuxEncoder.messagePrefixLength(name.length), prefixLength);
        assertEquals(11, prefixLength);
        assertArrayEquals(ascii("msg,prices,"), bytes(dst, OFFSET, prefixLength));
        assertEquals(MSG, flyweight.wrap(dst, OFFSET, prefixLength + payload.capacity()));
        assertEquals("prices", flyweight.name());
        assertEquals(OFFSET + prefixLength, flyweight.payloadOffset());
        assertEquals("{\"bid\":1,\"ask\":2}", payload(flyweight));
    }

    @Test
    void shouldWriteExactBytesOfSubscribeAndUnsubscribe()
    {
        final byte[] name = ascii("a%2Cb");

        final int subscribeLength = TextMuxEncoder.writeSubscribe(dst, OFFSET, name);
        assertEquals(TextMuxEncoder.subscribeLength(name.length), subscribeLength);
        assertArrayEquals(ascii("sub,a%2Cb"), bytes(dst, OFFSET, subscribeLength));

        final int unsubscribeLength = TextMuxEncoder.writeUnsubscribe(dst, OFFSET, name);
        assertEquals(TextMuxEncoder.unsubscribeLength(name.length), unsubscribeLength);
        assertArrayEquals(ascii("uns,a%2Cb"), bytes(dst, OFFSET, unsubscribeLength));
    }

    @Test
    void shouldRoundTripEmptyPayload()
    {
        final int length = TextMuxEncoder.writeMessage(dst, OFFSET, ascii("ann"), new UnsafeBuffer(new byte[0]), 0, 0);

        assertArrayEquals(ascii("msg,ann,"), bytes(dst, OFFSET, length));
        assertEquals(MSG, flyweight.wrap(dst, OFFSET, length));
        assertEquals("ann", flyweight.name());
        assertEquals(0, flyweight.payloadLength());
    }

    @Test
    void shouldRoundTripRandomNamesAndPayloadsThroughParser()
    {
        final long seed = 0xC0FFEEL;
        final Random random = new Random(seed);
        for (int i = 0; i < 10_000; i++)
        {
            final String rawName = randomString(random, 1 + random.nextInt(8));
            final byte[] name = ascii(JsEscape.escape(rawName));
            final byte[] payloadBytes = randomString(random, random.nextInt(40)).getBytes(StandardCharsets.UTF_8);
            final UnsafeBuffer payload = new UnsafeBuffer(payloadBytes);
            final int offset = random.nextInt(16);
            final String context = "seed=" + seed + " iteration=" + i;

            final int messageLength = TextMuxEncoder.writeMessage(dst, offset, name, payload, 0, payloadBytes.length);
            assertEquals(MSG, flyweight.wrap(dst, offset, messageLength), context);
            assertEquals(offset + 4, flyweight.nameOffset(), context);
            assertArrayEquals(name, bytes(dst, flyweight.nameOffset(), flyweight.nameLength()), context);
            assertEquals(rawName, JsEscape.unescape(flyweight.name()), context);
            assertArrayEquals(payloadBytes, bytes(dst, flyweight.payloadOffset(), flyweight.payloadLength()), context);

            final int subscribeLength = TextMuxEncoder.writeSubscribe(dst, offset, name);
            assertEquals(SUB, flyweight.wrap(dst, offset, subscribeLength), context);
            assertArrayEquals(name, bytes(dst, flyweight.nameOffset(), flyweight.nameLength()), context);

            final int unsubscribeLength = TextMuxEncoder.writeUnsubscribe(dst, offset, name);
            assertEquals(UNS, flyweight.wrap(dst, offset, unsubscribeLength), context);
            assertArrayEquals(name, bytes(dst, flyweight.nameOffset(), flyweight.nameLength()), context);
        }
    }

    @Test
    void shouldNotAllocateWhenEncoding()
    {
        final UnsafeBuffer name = new UnsafeBuffer(ascii("chat%20room"));
        final byte[] arrayName = ascii("chat%20room");
        final UnsafeBuffer payload = new UnsafeBuffer(ascii("hello, world"));
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        long checksum = 0;
        for (int i = 0; i < 20_000; i++)
        {
            checksum += encodeAll(name, arrayName, payload);
        }

        final long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 100_000; i++)
        {
            checksum += encodeAll(name, arrayName, payload);
        }
        final long allocated = threads.getCurrentThreadAllocatedBytes() - before;

        assertTrue(checksum > 0);
        assertTrue(allocated < 1024, () -> "allocated=" + allocated);
    }

    private int encodeAll(final UnsafeBuffer name, final byte[] arrayName, final UnsafeBuffer payload)
    {
        return TextMuxEncoder.writeMessage(dst, 0, name, 0, 11, payload, 0, 12) +
            TextMuxEncoder.writeMessage(dst, 0, arrayName, payload, 0, 12) +
            TextMuxEncoder.writeMessagePrefix(dst, 0, name, 0, 11) +
            TextMuxEncoder.writeSubscribe(dst, 0, name, 0, 11) +
            TextMuxEncoder.writeUnsubscribe(dst, 0, arrayName);
    }

    private static String randomString(final Random random, final int length)
    {
        final StringBuilder builder = new StringBuilder();
        for (int i = 0; i < length; i++)
        {
            switch (random.nextInt(4))
            {
                case 0:
                    builder.append(',');
                    break;
                case 1:
                    builder.append((char)(0x20 + random.nextInt(0x5F)));
                    break;
                case 2:
                    builder.append((char)(0xA0 + random.nextInt(0x2000)));
                    break;
                default:
                    builder.appendCodePoint(0x1F600 + random.nextInt(0x50));
                    break;
            }
        }

        return builder.toString();
    }

    private static String payload(final TextMuxFlyweight flyweight)
    {
        return flyweight.buffer().getStringWithoutLengthUtf8(flyweight.payloadOffset(), flyweight.payloadLength());
    }

    private static byte[] bytes(final UnsafeBuffer buffer, final int offset, final int length)
    {
        final byte[] bytes = new byte[length];
        buffer.getBytes(offset, bytes);
        return bytes;
    }

    private static byte[] ascii(final String text)
    {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
