package io.wsmux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import io.wsmux.codec.CloseCode;
import io.wsmux.codec.CloseFrame;
import io.wsmux.codec.CloseReason;
import io.wsmux.codec.FrameDecoder;
import io.wsmux.codec.FrameHandler;
import io.wsmux.codec.Opcode;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * {@link MessageAssembler} driven by a real {@link FrameDecoder} (client side, so frames are unmasked) over a
 * connection that has no socket: what is delivered, from which buffer, and which buffers are held and given back.
 */
class MessageAssemblerTest
{
    private static final int MAX_FRAME_LENGTH = 1024;
    private static final int MAX_MESSAGE_LENGTH = 2048;

    private final TestAssembler assembler = new TestAssembler();
    private final FrameDecoder decoder =
        new FrameDecoder(assembler, false, MAX_FRAME_LENGTH, MAX_MESSAGE_LENGTH, true);

    @Test
    void shouldDeliverWholeMessageInPlaceWhenItArrivesInOneRead()
    {
        final UnsafeBuffer input = new UnsafeBuffer(frame(true, Opcode.TEXT, utf8("hello")));

        decoder.decode(input, 0, input.capacity());

        assertEquals(List.of("TEXT:hello"), assembler.events);
        assertSame(input, assembler.lastMessageBuffer);
        assertEquals(0, assembler.acquiredMessageBuffers);
    }

    @Test
    void shouldReassembleFragmentedMessageWithPingBetweenFragments()
    {
        final UnsafeBuffer input = new UnsafeBuffer(concat(
            frame(false, Opcode.BINARY, utf8("one ")),
            frame(false, Opcode.CONTINUATION, utf8("two ")),
            frame(true, Opcode.PING, utf8("ping")),
            frame(true, Opcode.CONTINUATION, utf8("three"))));

        decoder.decode(input, 0, input.capacity());

        assertEquals(List.of("PING:ping", "BINARY:one two three"), assembler.events);
        assertEquals(1, assembler.acquiredMessageBuffers);
        assertEquals(1, assembler.releasedBuffers);
    }

    @Test
    void shouldAssembleMessageAndControlFrameThatSpanReads()
    {
        final byte[] bytes =
            concat(frame(true, Opcode.TEXT, utf8("split message")), frame(true, Opcode.PONG, utf8("pong")));
        final int firstSplit = 7;
        final int secondSplit = bytes.length - 2;

        decoder.decode(new UnsafeBuffer(bytes, 0, firstSplit), 0, firstSplit);
        decoder.decode(new UnsafeBuffer(bytes, firstSplit, secondSplit - firstSplit), 0, secondSplit - firstSplit);
        decoder.decode(new UnsafeBuffer(bytes, secondSplit, bytes.length - secondSplit), 0, bytes.length - secondSplit);

        assertEquals(List.of("TEXT:split message", "PONG:pong"), assembler.events);
        assertEquals(1, assembler.acquiredMessageBuffers);
        assertEquals(1, assembler.acquiredControlBuffers);

        assembler.releaseReceiveBuffers();
        assertEquals(2, assembler.releasedBuffers);
    }

    @Test
    void shouldFailWith1009AndDeliverNothingWhenMessageExceedsMaxMessageLength()
    {
        final byte[] fragment = new byte[MAX_FRAME_LENGTH];
        final UnsafeBuffer input = new UnsafeBuffer(concat(
            frame(false, Opcode.BINARY, fragment),
            frame(false, Opcode.CONTINUATION, fragment),
            frame(true, Opcode.CONTINUATION, new byte[1])));

        decoder.decode(input, 0, input.capacity());

        assertEquals(List.of("ERROR:" + CloseCode.MESSAGE_TOO_BIG), assembler.events);
    }

    @Test
    void shouldNotDeliverWholeTextMessageThatEndsInsideUtf8Sequence()
    {
        final byte[] truncatedEuro = { 'a', (byte)0xE2, (byte)0x82 };
        final UnsafeBuffer input = new UnsafeBuffer(frame(true, Opcode.TEXT, truncatedEuro));

        decoder.decode(input, 0, input.capacity());

        assertEquals(List.of("ERROR:" + CloseCode.INVALID_PAYLOAD), assembler.events);
    }

    @Test
    void shouldDiscardDataButStillDeliverControlFramesWhenNotAcceptingData()
    {
        assembler.acceptsData = false;
        final UnsafeBuffer input = new UnsafeBuffer(concat(
            frame(false, Opcode.TEXT, utf8("late ")),
            frame(true, Opcode.CONTINUATION, utf8("data")),
            frame(true, Opcode.CLOSE, new byte[] { 0x03, (byte)0xE8 })));

        decoder.decode(input, 0, input.capacity());

        assertEquals(List.of("CLOSE:" + CloseCode.NORMAL), assembler.events);
        assertEquals(0, assembler.acquiredMessageBuffers);
    }

    @Test
    void shouldReadCloseReasonAfterStatusCode()
    {
        final UnsafeBuffer body = new UnsafeBuffer(new byte[] { 0x03, (byte)0xE8, 'b', 'y', 'e' });

        assertEquals("bye", MessageAssembler.closeReason(body, 0, body.capacity()));
        assertEquals("", MessageAssembler.closeReason(body, 0, 2));
        assertEquals("", MessageAssembler.closeReason(body, 0, 0));
    }

    @Test
    void shouldGiveBackMessageBufferWhenMessageIsDiscarded()
    {
        final UnsafeBuffer input = new UnsafeBuffer(frame(false, Opcode.BINARY, utf8("partial")));
        decoder.decode(input, 0, input.capacity());

        assembler.discardMessage();

        assertEquals(List.of(), assembler.events);
        assertEquals(1, assembler.releasedBuffers);
        assertNull(assembler.lastMessageBuffer);

        assembler.discardMessage();
        assertEquals(1, assembler.releasedBuffers);
    }

    private static byte[] frame(final boolean fin, final int opcode, final byte[] payload)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write((fin ? 0x80 : 0) | opcode);
        if (payload.length < 126)
        {
            out.write(payload.length);
        }
        else
        {
            out.write(126);
            out.write(payload.length >>> 8);
            out.write(payload.length & 0xFF);
        }
        out.writeBytes(payload);
        return out.toByteArray();
    }

    private static byte[] concat(final byte[]... parts)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (final byte[] part : parts)
        {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    private static byte[] utf8(final String text)
    {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * A connection without a socket or loop that records what it is given.
     */
    private static final class TestAssembler extends MessageAssembler implements FrameHandler
    {
        final List<String> events = new ArrayList<>();
        boolean acceptsData = true;
        DirectBuffer lastMessageBuffer;
        int acquiredMessageBuffers;
        int acquiredControlBuffers;
        int releasedBuffers;

        TestAssembler()
        {
            super(null, null, 1);
        }

        @Override
        public void onFrameStart(final int opcode, final boolean fin, final long payloadLength)
        {
            frameStart(opcode, fin, payloadLength, false);
        }

        @Override
        public void onFramePayload(final MutableDirectBuffer buffer, final int offset, final int length)
        {
            framePayload(buffer, offset, length);
        }

        @Override
        public void onFrameEnd()
        {
            frameEnd();
        }

        @Override
        public void onProtocolError(final CloseReason reason)
        {
            frameFailed();
            events.add("ERROR:" + reason.code());
        }

        @Override
        protected boolean acceptsData()
        {
            return acceptsData;
        }

        @Override
        protected void onMessage(final int opcode, final DirectBuffer buffer, final int offset, final int length)
        {
            lastMessageBuffer = buffer;
            final String name = Opcode.TEXT == opcode ? "TEXT:" : "BINARY:";
            events.add(name + buffer.getStringWithoutLengthUtf8(offset, length));
        }

        @Override
        protected void onControlFrame(
            final int opcode, final MutableDirectBuffer buffer, final int offset, final int length)
        {
            if (Opcode.CLOSE == opcode)
            {
                events.add("CLOSE:" + CloseFrame.code(buffer, offset, length));
                return;
            }
            final String name = Opcode.PING == opcode ? "PING:" : "PONG:";
            events.add(name + buffer.getStringWithoutLengthAscii(offset, length));
        }

        @Override
        protected MutableDirectBuffer acquireMessageBuffer()
        {
            acquiredMessageBuffers++;
            return new ExpandableArrayBuffer(16);
        }

        @Override
        protected MutableDirectBuffer acquireControlBuffer()
        {
            acquiredControlBuffers++;
            return new UnsafeBuffer(new byte[125]);
        }

        @Override
        protected void releaseMessageBuffer(final MutableDirectBuffer buffer)
        {
            releasedBuffers++;
        }

        @Override
        protected void onOpen(final long nowNs)
        {
        }

        @Override
        protected void onRead(final MutableDirectBuffer buffer, final int offset, final int length, final long nowNs)
        {
        }

        @Override
        protected void onEndOfStream(final long nowNs)
        {
        }

        @Override
        protected void onDeadline(final long nowNs)
        {
        }

        @Override
        protected void onCommand(
            final int type, final int arg, final DirectBuffer buffer, final int offset, final int length,
            final long nowNs)
        {
        }

        @Override
        protected void onClosed(final Throwable cause)
        {
        }
    }
}
