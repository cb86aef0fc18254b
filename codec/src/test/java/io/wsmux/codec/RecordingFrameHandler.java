package io.wsmux.codec;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.agrona.MutableDirectBuffer;

/**
 * Test handler that records decoded frames (payload chunks joined) and the violation, if any.
 * Public so that other modules' tests can use it through the codec test-jar.
 */
public final class RecordingFrameHandler implements FrameHandler
{
    /**
     * One decoded frame.
     *
     * @param opcode  as on the wire.
     * @param fin     final fragment.
     * @param payload joined payload chunks.
     * @param chunks  how many chunks it arrived in.
     */
    public record Frame(int opcode, boolean fin, byte[] payload, int chunks)
    {
        @Override
        public boolean equals(final Object o)
        {
            return o instanceof Frame && ((Frame)o).opcode == opcode && ((Frame)o).fin == fin &&
                Arrays.equals(((Frame)o).payload, payload);
        }

        @Override
        public int hashCode()
        {
            return 31 * (31 * opcode + (fin ? 1 : 0)) + Arrays.hashCode(payload);
        }

        @Override
        public String toString()
        {
            return Opcode.name(opcode) + (fin ? " fin " : " more ") + payload.length + "B";
        }
    }

    private final List<Frame> frames = new ArrayList<>();
    private final ByteArrayOutputStream payload = new ByteArrayOutputStream();
    private int opcode = -1;
    private boolean fin;
    private long announcedLength;
    private int chunks;
    private CloseReason error;
    private int errorCount;

    @Override
    public void onFrameStart(final int opcode, final boolean fin, final long payloadLength)
    {
        if (-1 != this.opcode)
        {
            throw new AssertionError("onFrameStart before onFrameEnd");
        }
        this.opcode = opcode;
        this.fin = fin;
        this.announcedLength = payloadLength;
        this.chunks = 0;
        payload.reset();
    }

    @Override
    public void onFramePayload(final MutableDirectBuffer buffer, final int offset, final int length)
    {
        if (-1 == opcode || length < 1)
        {
            throw new AssertionError("payload outside a frame or empty: length=" + length);
        }
        final byte[] bytes = new byte[length];
        buffer.getBytes(offset, bytes);
        payload.writeBytes(bytes);
        chunks++;
    }

    @Override
    public void onFrameEnd()
    {
        if (payload.size() != announcedLength)
        {
            throw new AssertionError("payload " + payload.size() + " != announced " + announcedLength);
        }
        frames.add(new Frame(opcode, fin, payload.toByteArray(), chunks));
        opcode = -1;
    }

    @Override
    public void onProtocolError(final CloseReason reason)
    {
        error = reason;
        errorCount++;
    }

    /**
     * @return frames completed so far.
     */
    public List<Frame> frames()
    {
        return frames;
    }

    /**
     * @return the violation reported, or null.
     */
    public CloseReason error()
    {
        return error;
    }

    /**
     * @return how many violations were reported (must never exceed one).
     */
    public int errorCount()
    {
        return errorCount;
    }

    /**
     * @return bytes of the frame in progress received so far.
     */
    public int partialPayloadLength()
    {
        return payload.size();
    }
}
