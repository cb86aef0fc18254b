package io.wsmux.codec.mux;

import java.nio.ByteOrder;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import static io.wsmux.codec.mux.TextMuxDescriptor.MSG_TAG;
import static io.wsmux.codec.mux.TextMuxDescriptor.SEPARATOR;
import static io.wsmux.codec.mux.TextMuxDescriptor.SUB_TAG;
import static io.wsmux.codec.mux.TextMuxDescriptor.TAG_LENGTH;
import static io.wsmux.codec.mux.TextMuxDescriptor.UNS_TAG;

/**
 * Writes messages of the {@code websocket-multiplex} text protocol, laid out as drawn on {@link TextMuxFlyweight}:
 * {@code msg,<name>,<payload>} and {@code uns,<name>} as the server sends them, and {@code sub,<name>} for test
 * clients and the load generator ({@code msg} and {@code uns} are the same in both directions).
 * <p>
 * Every method writes at an absolute offset and returns the number of bytes written; the {@code xxxLength} methods
 * give that number in advance so a caller can size the WebSocket frame header first. Names are written as given:
 * they must be non-empty and contain no comma, which holds for any {@link JsEscape#escape(String)} result. The
 * destination must have room; Agrona's bounds check fails otherwise.
 * <p>
 * Stateless and allocation free; safe to call from any thread on buffers that thread owns.
 */
public final class TextMuxEncoder
{
    private TextMuxEncoder()
    {
    }

    /**
     * Length of {@code msg,<name>,}, the prefix a fan-out writes once before a publication's payload.
     *
     * @param nameLength of the channel name in bytes.
     * @return length of the prefix in bytes.
     */
    public static int messagePrefixLength(final int nameLength)
    {
        return TAG_LENGTH + nameLength + 1;
    }

    /**
     * Length of {@code msg,<name>,<payload>}.
     *
     * @param nameLength    of the channel name in bytes.
     * @param payloadLength of the payload in bytes.
     * @return length of the message in bytes.
     */
    public static int messageLength(final int nameLength, final int payloadLength)
    {
        return messagePrefixLength(nameLength) + payloadLength;
    }

    /**
     * Length of {@code sub,<name>}.
     *
     * @param nameLength of the channel name in bytes.
     * @return length of the message in bytes.
     */
    public static int subscribeLength(final int nameLength)
    {
        return TAG_LENGTH + nameLength;
    }

    /**
     * Length of {@code uns,<name>}.
     *
     * @param nameLength of the channel name in bytes.
     * @return length of the message in bytes.
     */
    public static int unsubscribeLength(final int nameLength)
    {
        return TAG_LENGTH + nameLength;
    }

    /**
     * Write {@code msg,<name>,}; the payload is to follow at {@code offset +} the returned length.
     *
     * @param dst        to write into.
     * @param offset     in {@code dst} of the first byte.
     * @param name       buffer holding the escaped channel name.
     * @param nameOffset of the name in {@code name}.
     * @param nameLength of the name in bytes.
     * @return bytes written, {@link #messagePrefixLength(int)}.
     */
    public static int writeMessagePrefix(
        final MutableDirectBuffer dst,
        final int offset,
        final DirectBuffer name,
        final int nameOffset,
        final int nameLength)
    {
        dst.putInt(offset, MSG_TAG, ByteOrder.BIG_ENDIAN);
        dst.putBytes(offset + TAG_LENGTH, name, nameOffset, nameLength);
        dst.putByte(offset + TAG_LENGTH + nameLength, SEPARATOR);

        return messagePrefixLength(nameLength);
    }

    /**
     * Write {@code msg,<name>,} from a pre-encoded name.
     *
     * @param dst    to write into.
     * @param offset in {@code dst} of the first byte.
     * @param name   escaped channel name as ASCII bytes.
     * @return bytes written, {@link #messagePrefixLength(int)}.
     */
    public static int writeMessagePrefix(final MutableDirectBuffer dst, final int offset, final byte[] name)
    {
        dst.putInt(offset, MSG_TAG, ByteOrder.BIG_ENDIAN);
        dst.putBytes(offset + TAG_LENGTH, name);
        dst.putByte(offset + TAG_LENGTH + name.length, SEPARATOR);

        return messagePrefixLength(name.length);
    }

    /**
     * Write {@code msg,<name>,<payload>}.
     *
     * @param dst           to write into.
     * @param offset        in {@code dst} of the first byte.
     * @param name          buffer holding the escaped channel name.
     * @param nameOffset    of the name in {@code name}.
     * @param nameLength    of the name in bytes.
     * @param payload       buffer holding the payload, which may contain commas.
     * @param payloadOffset of the payload in {@code payload}.
     * @param payloadLength of the payload in bytes, may be 0.
     * @return bytes written, {@link #messageLength(int, int)}.
     */
    public static int writeMessage(
        final MutableDirectBuffer dst,
        final int offset,
        final DirectBuffer name,
        final int nameOffset,
        final int nameLength,
        final DirectBuffer payload,
        final int payloadOffset,
        final int payloadLength)
    {
        final int prefixLength = writeMessagePrefix(dst, offset, name, nameOffset, nameLength);
        dst.putBytes(offset + prefixLength, payload, payloadOffset, payloadLength);

        return prefixLength + payloadLength;
    }

    /**
     * Write {@code msg,<name>,<payload>} from a pre-encoded name.
     *
     * @param dst           to write into.
     * @param offset        in {@code dst} of the first byte.
     * @param name          escaped channel name as ASCII bytes.
     * @param payload       buffer holding the payload, which may contain commas.
     * @param payloadOffset of the payload in {@code payload}.
     * @param payloadLength of the payload in bytes, may be 0.
     * @return bytes written, {@link #messageLength(int, int)}.
     */
    public static int writeMessage(
        final MutableDirectBuffer dst,
        final int offset,
        final byte[] name,
        final DirectBuffer payload,
        final int payloadOffset,
        final int payloadLength)
    {
        final int prefixLength = writeMessagePrefix(dst, offset, name);
        dst.putBytes(offset + prefixLength, payload, payloadOffset, payloadLength);

        return prefixLength + payloadLength;
    }

    /**
     * Write {@code sub,<name>}, as a client does to join a channel.
     *
     * @param dst        to write into.
     * @param offset     in {@code dst} of the first byte.
     * @param name       buffer holding the escaped channel name.
     * @param nameOffset of the name in {@code name}.
     * @param nameLength of the name in bytes.
     * @return bytes written, {@link #subscribeLength(int)}.
     */
    public static int writeSubscribe(
        final MutableDirectBuffer dst,
        final int offset,
        final DirectBuffer name,
        final int nameOffset,
        final int nameLength)
    {
        return writeTagged(dst, offset, SUB_TAG, name, nameOffset, nameLength);
    }

    /**
     * Write {@code sub,<name>} from a pre-encoded name.
     *
     * @param dst    to write into.
     * @param offset in {@code dst} of the first byte.
     * @param name   escaped channel name as ASCII bytes.
     * @return bytes written, {@link #subscribeLength(int)}.
     */
    public static int writeSubscribe(final MutableDirectBuffer dst, final int offset, final byte[] name)
    {
        return writeTagged(dst, offset, SUB_TAG, name);
    }

    /**
     * Write {@code uns,<name>}, as the server does to close a channel.
     *
     * @param dst        to write into.
     * @param offset     in {@code dst} of the first byte.
     * @param name       buffer holding the escaped channel name.
     * @param nameOffset of the name in {@code name}.
     * @param nameLength of the name in bytes.
     * @return bytes written, {@link #unsubscribeLength(int)}.
     */
    public static int writeUnsubscribe(
        final MutableDirectBuffer dst,
        final int offset,
        final DirectBuffer name,
        final int nameOffset,
        final int nameLength)
    {
        return writeTagged(dst, offset, UNS_TAG, name, nameOffset, nameLength);
    }

    /**
     * Write {@code uns,<name>} from a pre-encoded name.
     *
     * @param dst    to write into.
     * @param offset in {@code dst} of the first byte.
     * @param name   escaped channel name as ASCII bytes.
     * @return bytes written, {@link #unsubscribeLength(int)}.
     */
    public static int writeUnsubscribe(final MutableDirectBuffer dst, final int offset, final byte[] name)
    {
        return writeTagged(dst, offset, UNS_TAG, name);
    }

    private static int writeTagged(
        final MutableDirectBuffer dst,
        final int offset,
        final int tag,
        final DirectBuffer name,
        final int nameOffset,
        final int nameLength)
    {
        dst.putInt(offset, tag, ByteOrder.BIG_ENDIAN);
        dst.putBytes(offset + TAG_LENGTH, name, nameOffset, nameLength);

        return TAG_LENGTH + nameLength;
    }

    private static int writeTagged(final MutableDirectBuffer dst, final int offset, final int tag, final byte[] name)
    {
        dst.putInt(offset, tag, ByteOrder.BIG_ENDIAN);
        dst.putBytes(offset + TAG_LENGTH, name);

        return TAG_LENGTH + name.length;
    }
}
