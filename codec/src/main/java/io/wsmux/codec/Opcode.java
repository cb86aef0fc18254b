package io.wsmux.codec;

/**
 * RFC 6455 §5.2 opcodes, as the four low bits of a frame's first byte.
 */
public final class Opcode
{
    /** Continues a fragmented message (§5.4). */
    public static final int CONTINUATION = 0x0;
    /** A text message: its payload must be valid UTF-8 (§5.6). */
    public static final int TEXT = 0x1;
    /** A binary message. */
    public static final int BINARY = 0x2;
    /** Close control frame (§5.5.1). */
    public static final int CLOSE = 0x8;
    /** Ping control frame (§5.5.2). */
    public static final int PING = 0x9;
    /** Pong control frame (§5.5.3). */
    public static final int PONG = 0xA;

    private Opcode()
    {
    }

    /**
     * Control frames are those with the high bit of the opcode set (§5.5).
     *
     * @param opcode the four-bit opcode.
     * @return true for 0x8 to 0xF, reserved control opcodes included.
     */
    public static boolean isControl(final int opcode)
    {
        return (opcode & 0x8) != 0;
    }

    /**
     * Opcodes RFC 6455 defines; 0x3-0x7 and 0xB-0xF are reserved for further frames (§5.2).
     *
     * @param opcode the four-bit opcode.
     * @return true when the opcode is one of the six defined ones.
     */
    public static boolean isDefined(final int opcode)
    {
        return opcode <= BINARY || (opcode >= CLOSE && opcode <= PONG);
    }

    /**
     * A name for diagnostics and tests.
     *
     * @param opcode the four-bit opcode.
     * @return the RFC's name, or "reserved(0xN)".
     */
    public static String name(final int opcode)
    {
        switch (opcode)
        {
            case CONTINUATION:
                return "continuation";
            case TEXT:
                return "text";
            case BINARY:
                return "binary";
            case CLOSE:
                return "close";
            case PING:
                return "ping";
            case PONG:
                return "pong";
            default:
                return "reserved(0x" + Integer.toHexString(opcode) + ")";
        }
    }
}
