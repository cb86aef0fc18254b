package io.wsmux.codec.mux;

import static io.wsmux.codec.mux.BinaryMuxFlyweight.NAME_PAST_END;
import static io.wsmux.codec.mux.BinaryMuxFlyweight.OK;
import static io.wsmux.codec.mux.BinaryMuxFlyweight.RESERVED_CHANNEL_ID;
import static io.wsmux.codec.mux.BinaryMuxFlyweight.SHORT_HEADER;
import static io.wsmux.codec.mux.BinaryMuxFlyweight.SHORT_OPEN;
import static io.wsmux.codec.mux.BinaryMuxFlyweight.UNKNOWN_TYPE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BinaryMuxFlyweightTest
{
    // The message sits at this offset in a buffer that ends where the message ends: an over-read throws.
    private static final int OFFSET = 3;

    private final BinaryMuxFlyweight flyweight = new BinaryMuxFlyweight();

    private static UnsafeBuffer message(final int... values)
    {
        final byte[] bytes = new byte[OFFSET + values.length];
        for (int i = 0; i < values.length; i++)
        {
            bytes[OFFSET + i] = (byte)values[i];
        }
        return new UnsafeBuffer(bytes);
    }

    private int wrap(final UnsafeBuffer buffer)
    {
        return flyweight.wrap(buffer, OFFSET, buffer.capacity() - OFFSET);
    }

    @Test
    void shouldReadOpenWithMaxRateFromProtocolExample()
    {
        // docs/protocol.md: the client opens prices.EURUSD as channel 7, at most 5 updates per second.
        final byte[] name = "prices.EURUSD".getBytes(StandardCharsets.UTF_8);
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[OFFSET + 7 + name.length + 4]);
        final int length = BinaryMuxDescriptor.writeOpen(buffer, OFFSET, 7, new UnsafeBuffer(name), 0, name.length, 5);

        assertEquals(buffer.capacity() - OFFSET, length);
        assertEquals(OK, wrap(buffer));
        assertEquals(OK, flyweight.status());
        assertSame(buffer, flyweight.buffer());
        assertEquals(BinaryMuxDescriptor.OPEN, flyweight.type());
        assertEquals(7, flyweight.channelId());
        assertEquals(OFFSET + 7, flyweight.nameOffset());
        assertEquals("prices.EURUSD",
            buffer.getStringWithoutLengthUtf8(flyweight.nameOffset(), flyweight.nameLength()));
        assertEquals(5, flyweight.maxRate());
        assertEquals(0, flyweight.payloadLength());
        assertNull(flyweight.errorText());
    }

    @Test
    void shouldReadOpenWithoutMaxRateAsZero()
    {
        assertEquals(OK, wrap(message(0x01, 0, 0, 0, 9, 0, 2, 'a', 'b')));
        assertEquals(9, flyweight.channelId());
        assertEquals(2, flyweight.nameLength());
        assertEquals(0, flyweight.maxRate());
    }

    @ParameterizedTest
    @ValueSource(ints = { 1, 2, 3 })
    void shouldIgnoreFewerThanFourBytesAfterName(final int extra)
    {
        final int[] bytes = { 0x01, 0, 0, 0, 9, 0, 1, 'a', 0x7F, 0x7F, 0x7F };
        assertEquals(OK, wrap(message(Arrays.copyOf(bytes, 8 + extra))));
        assertEquals(0, flyweight.maxRate());
    }

    @Test
    void shouldReadFirstFourBytesAfterNameAsMaxRateAndTheNextAsFlags()
    {
        assertEquals(OK, wrap(message(0x01, 0, 0, 0, 9, 0, 1, 'a', 0, 0, 1, 0, 0x55)));
        assertEquals(256, flyweight.maxRate());
        assertEquals(0x55, flyweight.openFlags());
        assertFalse(flyweight.openFlagsValid(), "reserved bits set: the server refuses the channel with 400");
    }

    @Test
    void shouldReadAnOpenThatAsksForPositions()
    {
        assertEquals(OK, wrap(message(0x01, 0, 0, 0, 9, 0, 1, 'a', 0, 0, 0, 0, BinaryMuxDescriptor.OPEN_POSITIONS)));
        assertEquals(BinaryMuxDescriptor.OPEN_POSITIONS, flyweight.openFlags());
        assertTrue(flyweight.openFlagsValid());
        assertEquals(0, flyweight.recoverEpoch());
    }

    @Test
    void shouldReadAnOpenThatAsksToRecoverAsTheWriterWritesIt()
    {
        final byte[] name = "prices.EURUSD".getBytes(StandardCharsets.UTF_8);
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[OFFSET + 7 + name.length + 4 + 1 + 16]);
        final int length = BinaryMuxDescriptor.writeOpenAt(buffer, OFFSET, 7, new UnsafeBuffer(name), 0, name.length, 5,
            BinaryMuxDescriptor.OPEN_POSITIONS | BinaryMuxDescriptor.OPEN_RECOVER, -42L, 1L << 40);

        assertEquals(buffer.capacity() - OFFSET, length);
        assertEquals(OK, wrap(buffer));
        assertEquals(5, flyweight.maxRate());
        assertEquals(3, flyweight.openFlags());
        assertTrue(flyweight.openFlagsValid());
        assertEquals(-42L, flyweight.recoverEpoch());
        assertEquals(1L << 40, flyweight.recoverOffset());
    }

    @ParameterizedTest
    @ValueSource(ints = { 0, 1, 8, 15 })
    void shouldRefuseToRecoverWithoutTheWholePosition(final int positionBytes)
    {
        final int[] bytes = new int[8 + 4 + 1 + positionBytes];
        System.arraycopy(new int[] { 0x01, 0, 0, 0, 9, 0, 1, 'a', 0, 0, 0, 0, BinaryMuxDescriptor.OPEN_RECOVER }, 0,
            bytes, 0, 13);
        assertEquals(OK, wrap(message(bytes)));
        assertFalse(flyweight.openFlagsValid());
        assertEquals(BinaryMuxDescriptor.OPEN_RECOVER, flyweight.openFlags());
    }

    @Test
    void shouldFindTheWholeOffsetFromItsLow32Bits()
    {
        assertEquals(6, BinaryMuxDescriptor.offsetFrom(5, 6));
        assertEquals(0x1_0000_0002L, BinaryMuxDescriptor.offsetFrom(0xFFFF_FFF0L, 2), "across a wrap");
        assertEquals(0x2_0000_0010L, BinaryMuxDescriptor.offsetFrom(0x2_0000_0001L, 0x10));
        assertEquals(0x1_7FFF_FFFFL, BinaryMuxDescriptor.offsetFrom(0x1_0000_0000L, 0x7FFF_FFFF));
    }

    @Test
    void shouldGiveNegativeMaxRateToCallerToRefuse()
    {
        assertEquals(OK, wrap(message(0x01, 0, 0, 0, 9, 0, 1, 'a', 0xFF, 0xFF, 0xFF, 0xFF)));
        assertEquals(-1, flyweight.maxRate());
    }

    @Test
    void shouldAcceptOpenWithEmptyNameForCallerToRefuse()
    {
        assertEquals(OK, wrap(message(0x01, 0, 0, 0, 9, 0, 0)));
        assertEquals(0, flyweight.nameLength());
        assertEquals(OFFSET + 7, flyweight.nameOffset());
    }

    @Test
    void shouldReadChannelIdAsUnsigned32Bits()
    {
        assertEquals(OK, wrap(message(0x02, 0xFF, 0xFF, 0xFF, 0xFE)));
        assertEquals(0xFFFFFFFE, flyweight.channelId());
        assertEquals(BinaryMuxDescriptor.CLOSE, flyweight.type());
    }

    @ParameterizedTest
    @ValueSource(ints = { 0x03, 0x04 })
    void shouldGivePayloadOfTextAndBinaryMessages(final int type)
    {
        assertEquals(OK, wrap(message(type, 0, 0, 1, 0, 'h', 'i')));
        assertEquals(256, flyweight.channelId());
        assertEquals(OFFSET + 5, flyweight.payloadOffset());
        assertEquals(2, flyweight.payloadLength());
        assertEquals(OK, wrap(message(type, 0, 0, 1, 0)));
        assertEquals(0, flyweight.payloadLength());
    }

    @Test
    void shouldAcceptChannelIdZeroOutsideOpen()
    {
        // Only OPEN reserves id 0; a CLOSE or TEXT for it finds no channel, as for any id that is not open.
        assertEquals(OK, wrap(message(0x02, 0, 0, 0, 0)));
        assertEquals(OK, wrap(message(0x03, 0, 0, 0, 0, 'x')));
    }

    @ParameterizedTest
    @ValueSource(ints = { 0, 1, 4 })
    void shouldRejectMessageShorterThanHeader(final int length)
    {
        final int[] bytes = new int[length];
        Arrays.fill(bytes, 0x01);
        assertEquals(SHORT_HEADER, wrap(message(bytes)));
        assertEquals(0, flyweight.errorChannelId());
        assertEquals("message shorter than its 5-byte header", flyweight.errorText());
        assertEquals(0, flyweight.type());
    }

    @ParameterizedTest
    @ValueSource(ints = { 0x00, 0x05, 0x7F, 0x81, 0x86, 0xFF })
    void shouldRejectUnknownType(final int type)
    {
        assertEquals(UNKNOWN_TYPE, wrap(message(type, 0, 0, 0, 7)));
        assertEquals(7, flyweight.errorChannelId());
        assertEquals("unknown message type", flyweight.errorText());
    }

    @ParameterizedTest
    @ValueSource(ints = { 5, 6 })
    void shouldRejectOpenShorterThanSevenBytes(final int length)
    {
        final int[] bytes = Arrays.copyOf(new int[]{ 0x01, 0, 0, 0, 7, 0, 0 }, length);
        assertEquals(SHORT_OPEN, wrap(message(bytes)));
        assertEquals(7, flyweight.errorChannelId());
        assertEquals("OPEN shorter than its 7-byte header", flyweight.errorText());
    }

    @Test
    void shouldRejectOpenWhoseNameRunsPastTheEnd()
    {
        assertEquals(NAME_PAST_END, wrap(message(0x01, 0, 0, 0, 7, 0, 3, 'a', 'b')));
        assertEquals(7, flyweight.errorChannelId());
        assertEquals("OPEN name runs past the end of the message", flyweight.errorText());
        assertEquals(0, flyweight.nameLength());
        assertEquals(NAME_PAST_END, wrap(message(0x01, 0, 0, 0, 7, 0xFF, 0xFF, 'a')));
    }

    @Test
    void shouldRejectOpenOnReservedChannelZero()
    {
        assertEquals(RESERVED_CHANNEL_ID, wrap(message(0x01, 0, 0, 0, 0, 0, 1, 'a')));
        assertEquals(0, flyweight.errorChannelId());
        assertEquals("channel id 0 is reserved", flyweight.errorText());
    }

    @Test
    void shouldCheckNameBeforeReservedChannelLikeTheSession()
    {
        // MuxSession.onBinaryOpen checks the length, then the name, then the id: the first failure wins.
        assertEquals(SHORT_OPEN, wrap(message(0x01, 0, 0, 0, 0, 0)));
        assertEquals(NAME_PAST_END, wrap(message(0x01, 0, 0, 0, 0, 0, 1)));
        assertEquals(0, flyweight.errorChannelId(), "channel id 0 whatever the failure");
    }

    @Test
    void shouldClearFieldsOfPreviousMessage()
    {
        assertEquals(OK, wrap(message(0x01, 0, 0, 0, 9, 0, 1, 'a', 0, 0, 0, 5)));
        assertEquals(SHORT_HEADER, wrap(message(0x01)));
        assertEquals(0, flyweight.channelId());
        assertEquals(0, flyweight.nameLength());
        assertEquals(0, flyweight.maxRate());
        assertEquals(0, flyweight.openFlags());
        assertEquals(OFFSET + 1, flyweight.payloadOffset());
    }
}
