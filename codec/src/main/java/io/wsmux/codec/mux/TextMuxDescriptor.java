package io.wsmux.codec.mux;

/**
 * Layout constants of the text multiplex protocol shared by {@link TextMuxFlyweight} (which draws the layout) and
 * {@link TextMuxEncoder}, so the parser and the encoder cannot disagree on the bytes.
 */
final class TextMuxDescriptor
{
    /** Separates type, name and payload. */
    static final byte SEPARATOR = ',';

    /** Bytes of a type tag: three lowercase letters and the separator that follows them. */
    static final int TAG_LENGTH = 4;

    /** {@code "sub,"} read as one big-endian int. */
    static final int SUB_TAG = tag('s', 'u', 'b');

    /** {@code "msg,"} read as one big-endian int. */
    static final int MSG_TAG = tag('m', 's', 'g');

    /** {@code "uns,"} read as one big-endian int. */
    static final int UNS_TAG = tag('u', 'n', 's');

    private TextMuxDescriptor()
    {
    }

    // A tag is matched with one 4-byte load and one compare instead of four byte compares; big-endian so the int
    // reads in wire order whatever the platform's byte order.
    private static int tag(final char first, final char second, final char third)
    {
        return (first << 24) | (second << 16) | (third << 8) | SEPARATOR;
    }
}
