package io.wsmux.codec.mux;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import static io.wsmux.codec.mux.TextMuxFlyweight.MSG;
import static io.wsmux.codec.mux.TextMuxFlyweight.SUB;
import static io.wsmux.codec.mux.TextMuxFlyweight.UNKNOWN;
import static io.wsmux.codec.mux.TextMuxFlyweight.UNS;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TextMuxFlyweightTest
{
    // Commas around the message catch a parser that reads past either end of it.
    private static final byte PADDING = ',';
    private static final int OFFSET = 7;

    private final TextMuxFlyweight flyweight = new TextMuxFlyweight();

    enum BufferKind
    {
        HEAP,
        DIRECT;

        UnsafeBuffer with(final byte[] message, final int offset)
        {
            final int capacity = offset + message.length + 3;
            final UnsafeBuffer buffer = HEAP == this ?
                new UnsafeBuffer(new byte[capacity]) : new UnsafeBuffer(ByteBuffer.allocateDirect(capacity));
            buffer.setMemory(0, capacity, PADDING);
            buffer.putBytes(offset, message);
            return buffer;
        }
    }

    @ParameterizedTest
    @EnumSource(BufferKind.class)
    void shouldParseSubscribe(final BufferKind kind)
    {
        final UnsafeBuffer buffer = kind.with(utf8("sub,chat%20room"), OFFSET);

        assertEquals(SUB, flyweight.wrap(buffer, OFFSET, 15));
        assertEquals(SUB, flyweight.type());
        assertSame(buffer, flyweight.buffer());
        assertEquals(OFFSET + 4, flyweight.nameOffset());
        assertEquals(11, flyweight.nameLength());
        assertEquals(OFFSET + 15, flyweight.payloadOffset());
        assertEquals(0, flyweight.payloadLength());
        assertEquals("chat%20room", flyweight.name());
    }

    @ParameterizedTest
    @EnumSource(BufferKind.class)
    void shouldParseUnsubscribe(final BufferKind kind)
    {
        final UnsafeBuffer buffer = kind.with(utf8("uns,a"), OFFSET);

        assertEquals(UNS, flyweight.wrap(buffer, OFFSET, 5));
        assertEquals(OFFSET + 4, flyweight.nameOffset());
        assertEquals(1, flyweight.nameLength());
        assertEquals(OFFSET + 5, flyweight.payloadOffset());
        assertEquals(0, flyweight.payloadLength());
        assertEquals("a", flyweight.name());
    }

    @ParameterizedTest
    @EnumSource(BufferKind.class)
    void shouldParseMessage(final BufferKind kind)
    {
        final UnsafeBuffer buffer = kind.with(utf8("msg,ann,hello"), OFFSET);

        assertEquals(MSG, flyweight.wrap(buffer, OFFSET, 13));
        assertEquals(OFFSET + 4, flyweight.nameOffset());
        assertEquals(3, flyweight.nameLength());
        assertEquals(OFFSET + 8, flyweight.payloadOffset());
        assertEquals(5, flyweight.payloadLength());
        assertEquals("ann", flyweight.name());
        assertEquals("hello", payload(flyweight));
    }

    @ParameterizedTest
    @EnumSource(BufferKind.class)
    void shouldParsePayloadContainingCommas(final BufferKind kind)
    {
        final byte[] message = utf8("msg,ann,a,b,,c,");
        final UnsafeBuffer buffer = kind.with(message, OFFSET);

        assertEquals(MSG, flyweight.wrap(buffer, OFFSET, message.length));
        assertEquals("ann", flyweight.name());
        assertEquals(OFFSET + 8, flyweight.payloadOffset());
        assertEquals("a,b,,c,", payload(flyweight));
    }

    @ParameterizedTest
    @EnumSource(BufferKind.class)
    void shouldParseEmptyPayloadAfterSecondComma(final BufferKind kind)
    {
        final UnsafeBuffer buffer = kind.with(utf8("msg,ann,"), OFFSET);

        assertEquals(MSG, flyweight.wrap(buffer, OFFSET, 8));
        assertEquals("ann", flyweight.name());
        assertEquals(OFFSET + 8, flyweight.payloadOffset());
        assertEquals(0, flyweight.payloadLength());
    }

    @ParameterizedTest
    @EnumSource(BufferKind.class)
    void shouldParseMessageWithoutSecondCommaAsEmptyPayloadLikeReferenceServer(final BufferKind kind)
    {
        final UnsafeBuffer buffer = kind.with(utf8("msg,ann"), OFFSET);

        assertEquals(MSG, flyweight.wrap(buffer, OFFSET, 7));
        assertEquals(OFFSET + 4, flyweight.nameOffset());
        assertEquals(3, flyweight.nameLength());
        assertEquals(OFFSET + 7, flyweight.payloadOffset());
        assertEquals(0, flyweight.payloadLength());
    }

    @ParameterizedTest
    @EnumSource(BufferKind.class)
    void shouldParseUnicodePayloadAsBytes(final BufferKind kind)
    {
        final String text = "h\u00e9llo \u20ac \uD83D\uDE00, \u4e16\u754c";
        final byte[] payload = utf8(text);
        final byte[] message = utf8("msg,%u4E16," + text);
        final UnsafeBuffer buffer = kind.with(message, OFFSET);

        assertEquals(MSG, flyweight.wrap(buffer, OFFSET, message.length));
        assertEquals("%u4E16", flyweight.name());
        assertEquals(OFFSET + 11, flyweight.payloadOffset());
        assertEquals(payload.length, flyweight.payloadLength());
        final byte[] actual = new byte[flyweight.payloadLength()];
        buffer.getBytes(flyweight.payloadOffset(), actual);
        assertArrayEquals(payload, actual);
    }

    @ParameterizedTest
    @ValueSource(strings = { "sub,ann,extra", "sub,ann,", "sub,ann,x,y" })
    void shouldIgnoreFieldsAfterNameOfSubscribeLikeReferenceServer(final String message)
    {
        assertEquals(SUB, wrap(message));
        assertEquals("ann", flyweight.name());
        assertEquals(OFFSET + 7, flyweight.payloadOffset());
        assertEquals(0, flyweight.payloadLength());
    }

    @ParameterizedTest
    @ValueSource(strings = { "uns,ann,extra", "uns,ann," })
    void shouldIgnoreFieldsAfterNameOfUnsubscribeLikeReferenceServer(final String message)
    {
        assertEquals(UNS, wrap(message));
        assertEquals("ann", flyweight.name());
        assertEquals(0, flyweight.payloadLength());
    }

    @Test
    void shouldTakeNameAsSentWithoutUnescaping()
    {
        assertEquals(SUB, wrap("sub,caf\u00e9 %zz"));
        assertEquals("caf\u00e9 %zz", flyweight.name());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "", "s", "sub", "sub,", "msg,", "uns,", "msg,,payload", "sub,,", "uns,,x",
        "SUB,ann", "Sub,ann", "MSG,ann,x", "UNS,ann", "pub,ann", "su,ann", "subx,ann", " sub,ann", "sub ,ann",
        ",sub,ann", ",,,", "msg", "msgann", "sub;ann", "uns.ann", "\u00fcns,ann"
    })
    void shouldReturnUnknownForMalformedMessage(final String message)
    {
        assertEquals(UNKNOWN, wrap(message));
        assertEquals(UNKNOWN, flyweight.type());
        assertEquals(OFFSET, flyweight.nameOffset());
        assertEquals(0, flyweight.nameLength());
        assertEquals(OFFSET, flyweight.payloadOffset());
        assertEquals(0, flyweight.payloadLength());
        assertEquals("", flyweight.name());
    }

    @Test
    void shouldNotReadPastMessageLength()
    {
        final UnsafeBuffer buffer = BufferKind.HEAP.with(utf8("msg,ann,payload"), 0);

        assertEquals(MSG, flyweight.wrap(buffer, 0, 7));
        assertEquals("ann", flyweight.name());
        assertEquals(7, flyweight.payloadOffset());
        assertEquals(0, flyweight.payloadLength());

        assertEquals(UNKNOWN, flyweight.wrap(buffer, 0, 4));
    }

    @Test
    void shouldResetStateWhenRewrappedWithUnknown()
    {
        assertEquals(MSG, wrap("msg,ann,hello"));
        assertEquals(UNKNOWN, wrap("nope"));
        assertEquals(0, flyweight.nameLength());
        assertEquals(0, flyweight.payloadLength());
    }

    @Test
    void shouldNeverThrowForRandomBytes()
    {
        final long seed = 0x5EED_C0DEL;
        final Random random = new Random(seed);
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[64]);
        final byte[] alphabet = utf8("subnmg,,,x\u00ff");
        for (int i = 0; i < 100_000; i++)
        {
            final int length = random.nextInt(buffer.capacity() + 1);
            final int offset = random.nextInt(buffer.capacity() - length + 1);
            for (int j = 0; j < length; j++)
            {
                final byte any = (byte)random.nextInt();
                buffer.putByte(offset + j, random.nextBoolean() ? any : alphabet[random.nextInt(alphabet.length)]);
            }

            final int iteration = i;
            final int type = assertDoesNotThrow(
                () -> flyweight.wrap(buffer, offset, length), () -> "seed=" + seed + " iteration=" + iteration);
            assertTrue(flyweight.nameOffset() >= offset && flyweight.payloadOffset() <= offset + length,
                () -> "seed=" + seed + " iteration=" + iteration + " " + flyweight);
            assertTrue(UNKNOWN == type || flyweight.nameLength() > 0, () -> "seed=" + seed + " " + flyweight);
        }
    }

    @Test
    void shouldAgreeWithReferenceServerSplitOnRandomMessages()
    {
        final long seed = 20_120_316L;
        final Random random = new Random(seed);
        final String alphabet = "submgnsa,,,,X";
        final String[] prefixes = { "sub,", "msg,", "uns,", "" };
        for (int i = 0; i < 50_000; i++)
        {
            final StringBuilder builder = new StringBuilder(prefixes[random.nextInt(prefixes.length)]);
            final int length = random.nextInt(12);
            for (int j = 0; j < length; j++)
            {
                builder.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            final String message = builder.toString();
            final String context = "seed=" + seed + " message=" + message;

            final Expected expected = referenceServerSplit(message);
            assertEquals(expected.type(), wrap(message), context);
            if (UNKNOWN != expected.type())
            {
                assertEquals(expected.name(), flyweight.name(), context);
                assertEquals(expected.payload(), payload(flyweight), context);
            }
        }
    }

    @Test
    void shouldNotAllocateWhenParsing()
    {
        final UnsafeBuffer buffer = BufferKind.DIRECT.with(utf8("msg,chat%20room,hello, world"), OFFSET);
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        int checksum = 0;
        for (int i = 0; i < 20_000; i++)
        {
            checksum += flyweight.wrap(buffer, OFFSET, 28 - (i & 7));
        }

        final long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 100_000; i++)
        {
            checksum += flyweight.wrap(buffer, OFFSET, 28 - (i & 7));
        }
        final long allocated = threads.getCurrentThreadAllocatedBytes() - before;

        assertTrue(checksum > 0);
        assertTrue(allocated < 1024, () -> "allocated=" + allocated);
    }

    private int wrap(final String message)
    {
        final byte[] bytes = utf8(message);
        return flyweight.wrap(BufferKind.HEAP.with(bytes, OFFSET), OFFSET, bytes.length);
    }

    private static String payload(final TextMuxFlyweight flyweight)
    {
        return flyweight.buffer().getStringWithoutLengthUtf8(flyweight.payloadOffset(), flyweight.payloadLength());
    }

    private static byte[] utf8(final String text)
    {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Model of {@code multiplex_server.js}: {@code t = message.split(','); type = t.shift(); topic = t.shift();
     * payload = t.join()}, then a switch on the exact type; plus this codec's one divergence, an empty name is
     * UNKNOWN. JavaScript's {@code split} keeps trailing empty strings, as Java's does with a negative limit.
     */
    private static Expected referenceServerSplit(final String message)
    {
        final String[] fields = message.split(",", -1);
        if (fields.length < 2 || fields[1].isEmpty())
        {
            return new Expected(UNKNOWN, null, null);
        }

        final String name = fields[1];
        final String payload = String.join(",", Arrays.copyOfRange(fields, 2, fields.length));
        switch (fields[0])
        {
            case "sub":
                return new Expected(SUB, name, "");
            case "uns":
                return new Expected(UNS, name, "");
            case "msg":
                return new Expected(MSG, name, payload);
            default:
                return new Expected(UNKNOWN, null, null);
        }
    }

    private record Expected(int type, String name, String payload)
    {
    }
}
