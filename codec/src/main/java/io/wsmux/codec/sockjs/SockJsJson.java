package io.wsmux.codec.sockjs;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The JSON SockJS puts on the wire: strings quoted the way sockjs-node quotes them (more escaped than JSON needs, so
 * that no proxy or browser mangles them), and the arrays of strings clients send. Allocation free.
 * <p>
 * <b>Quoting.</b> Text is UTF-8 in, a JSON string out, as JavaScript's {@code JSON.stringify} writes it ({@code \n},
 * {@code \r}, {@code \t}, {@code \b}, {@code \f} for those controls). Besides {@code "} and {@code \}, every
 * character that some
 * browser or proxy mangles is sent as {@code \}{@code uXXXX} (lower-case hex): the C0 controls, the zero-width
 * and bidirectional marks U+200C-U+200F, U+2028-U+202F and U+2060-U+206F, U+FFF0-U+FFFF, and characters beyond
 * the BMP as an escaped UTF-16 surrogate pair. Everything else, ASCII or not, passes as UTF-8. A byte that is not
 * valid UTF-8 (handlers send text unchecked) becomes U+FFFD.
 * <p>
 * <b>Parsing.</b> {@link #parseMessages} reads a JSON array of strings (or, where allowed, one bare string): all of
 * it is checked before any message is delivered, so a broken body delivers nothing. Escapes are decoded into UTF-8;
 * a lone surrogate becomes U+FFFD; raw bytes must be valid UTF-8 (a malformed sequence breaks the input).
 */
public final class SockJsJson
{
    /** {@link #parseMessages} result: the input is not an array of strings. */
    public static final int BROKEN = -1;

    private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private SockJsJson()
    {
    }

    /**
     * The most bytes {@link #quote} writes for this much text.
     *
     * @param length of the UTF-8 text.
     * @return an upper bound: six bytes per input byte and the two quotes.
     */
    public static int maxQuotedLength(final int length)
    {
        return 6 * length + 2;
    }

    /**
     * Whether SockJS sends this UTF-16 code unit escaped.
     *
     * @param c a code unit.
     * @return true for the characters listed in the class comment (and the surrogates).
     */
    public static boolean escapes(final int c)
    {
        return c < 0x20 ||
            (c >= 0x200c && c <= 0x200f) ||
            (c >= 0x2028 && c <= 0x202f) ||
            (c >= 0x2060 && c <= 0x206f) ||
            (c >= 0xd800 && c <= 0xdfff) ||
            c >= 0xfff0;
    }

    /**
     * Write UTF-8 text as a quoted JSON string.
     *
     * @param text      UTF-8 bytes.
     * @param offset    of the text.
     * @param length    of the text.
     * @param dst       where to write; needs {@link #maxQuotedLength(int)} bytes from dstOffset.
     * @param dstOffset where the opening quote goes.
     * @return bytes written.
     */
    public static int quote(
        final DirectBuffer text, final int offset, final int length, final MutableDirectBuffer dst, final int dstOffset)
    {
        dst.putByte(dstOffset, (byte)'"');
        final int written = quoteRaw(text, offset, length, dst, dstOffset + 1);
        dst.putByte(dstOffset + 1 + written, (byte)'"');
        return written + 2;
    }

    /**
     * Write UTF-8 text escaped as the inside of a JSON string, without the quotes: pieces of one string (a prefix and
     * a payload) may be written one after the other, so long as no UTF-8 sequence is split between them.
     *
     * @param text      UTF-8 bytes.
     * @param offset    of the text.
     * @param length    of the text.
     * @param dst       where to write; needs six bytes per byte of text from dstOffset.
     * @param dstOffset where the first character goes.
     * @return bytes written.
     */
    public static int quoteRaw(
        final DirectBuffer text, final int offset, final int length, final MutableDirectBuffer dst, final int dstOffset)
    {
        int out = dstOffset;
        final int end = offset + length;
        int i = offset;
        while (i < end)
        {
            // A run of printable ASCII that needs no escape goes across in one copy.
            int run = i;
            while (run < end && isPlain(text.getByte(run)))
            {
                run++;
            }
            if (run > i)
            {
                dst.putBytes(out, text, i, run - i);
                out += run - i;
                i = run;
                if (i == end)
                {
                    break;
                }
            }
            final int b = text.getByte(i) & 0xFF;
            if (b < 0x80)
            {
                if ('"' == b || '\\' == b)
                {
                    dst.putByte(out++, (byte)'\\');
                    dst.putByte(out++, (byte)b);
                }
                else if (b < 0x20)
                {
                    out = escapeControl(dst, out, b);
                }
                else
                {
                    dst.putByte(out++, (byte)b);
                }
                i++;
                continue;
            }
            final int sequence = sequenceLength(text, i, end);
            if (0 == sequence)
            {
                out = escape(dst, out, 0xfffd);
                i++;
                continue;
            }
            final int codePoint = decode(text, i, sequence);
            if (codePoint >= 0x10000)
            {
                final int v = codePoint - 0x10000;
                out = escape(dst, out, 0xd800 | (v >>> 10));
                out = escape(dst, out, 0xdc00 | (v & 0x3ff));
            }
            else if (escapes(codePoint))
            {
                out = escape(dst, out, codePoint);
            }
            else
            {
                dst.putBytes(out, text, i, sequence);
                out += sequence;
            }
            i += sequence;
        }
        return out - dstOffset;
    }

    private static boolean isPlain(final byte b)
    {
        return b >= 0x20 && '"' != b && '\\' != b; // a negative byte (UTF-8 beyond ASCII) is not plain
    }

    private static int escapeControl(final MutableDirectBuffer dst, final int at, final int c)
    {
        final byte shortForm;
        switch (c)
        {
            case '\b':
                shortForm = 'b';
                break;
            case '\f':
                shortForm = 'f';
                break;
            case '\n':
                shortForm = 'n';
                break;
            case '\r':
                shortForm = 'r';
                break;
            case '\t':
                shortForm = 't';
                break;
            default:
                return escape(dst, at, c);
        }
        dst.putByte(at, (byte)'\\');
        dst.putByte(at + 1, shortForm);
        return at + 2;
    }

    private static int escape(final MutableDirectBuffer dst, final int at, final int c)
    {
        int out = at;
        dst.putByte(out++, (byte)'\\');
        dst.putByte(out++, (byte)'u');
        dst.putByte(out++, HEX[(c >>> 12) & 0xF]);
        dst.putByte(out++, HEX[(c >>> 8) & 0xF]);
        dst.putByte(out++, HEX[(c >>> 4) & 0xF]);
        dst.putByte(out++, HEX[c & 0xF]);
        return out;
    }

    /**
     * Length of the valid UTF-8 sequence starting here (RFC 3629: shortest form, no surrogates, at most U+10FFFF).
     *
     * @return 2, 3 or 4, or 0 when the bytes are not a valid sequence.
     */
    private static int sequenceLength(final DirectBuffer text, final int i, final int end)
    {
        final int b0 = text.getByte(i) & 0xFF;
        final int length;
        final int min;
        if (b0 >= 0xC2 && b0 <= 0xDF)
        {
            length = 2;
            min = 0x80;
        }
        else if (b0 >= 0xE0 && b0 <= 0xEF)
        {
            length = 3;
            min = 0x800;
        }
        else if (b0 >= 0xF0 && b0 <= 0xF4)
        {
            length = 4;
            min = 0x10000;
        }
        else
        {
            return 0;
        }
        if (i + length > end)
        {
            return 0;
        }
        for (int k = 1; k < length; k++)
        {
            if ((text.getByte(i + k) & 0xC0) != 0x80)
            {
                return 0;
            }
        }
        final int codePoint = decode(text, i, length);
        if (codePoint < min || codePoint > 0x10FFFF || (codePoint >= 0xD800 && codePoint <= 0xDFFF))
        {
            return 0;
        }
        return length;
    }

    private static int decode(final DirectBuffer text, final int i, final int length)
    {
        final int b0 = text.getByte(i) & 0xFF;
        int codePoint = 2 == length ? b0 & 0x1F : 3 == length ? b0 & 0x0F : b0 & 0x07;
        for (int k = 1; k < length; k++)
        {
            codePoint = (codePoint << 6) | (text.getByte(i + k) & 0x3F);
        }
        return codePoint;
    }

    /**
     * Receives the strings of a parsed array, in order.
     */
    @FunctionalInterface
    public interface MessageSink
    {
        /**
         * @param buffer holding one message as UTF-8; valid only during the call.
         * @param offset of the message.
         * @param length of the message.
         */
        void onMessage(DirectBuffer buffer, int offset, int length);
    }

    /**
     * Decode a JSON array of strings into UTF-8 messages. Nothing is delivered unless the whole input is valid.
     *
     * @param json            the input bytes.
     * @param offset          of the input.
     * @param length          of the input.
     * @param allowBareString accept one JSON string instead of an array (the SockJS WebSocket transport).
     * @param scratch         where decoded messages are written: needs {@code length} bytes (decoding never grows).
     * @param bounds          two ints per message (offset and length in scratch); needs {@code length + 2} ints.
     * @param sink            told each message once all are valid; may be null to validate only.
     * @return the number of messages, or {@link #BROKEN}.
     */
    public static int parseMessages(
        final DirectBuffer json,
        final int offset,
        final int length,
        final boolean allowBareString,
        final MutableDirectBuffer scratch,
        final int[] bounds,
        final MessageSink sink)
    {
        final int end = offset + length;
        int i = skipSpace(json, offset, end);
        int count = 0;
        int out = 0;
        if (i < end && '"' == json.getByte(i) && allowBareString)
        {
            final long result = parseString(json, i, end, scratch, out);
            if (result < 0)
            {
                return BROKEN;
            }
            i = skipSpace(json, (int)(result >>> 32), end);
            if (i != end)
            {
                return BROKEN;
            }
            bounds[0] = 0;
            bounds[1] = (int)result;
            count = 1;
        }
        else
        {
            if (i >= end || '[' != json.getByte(i))
            {
                return BROKEN;
            }
            i = skipSpace(json, i + 1, end);
            if (i < end && ']' == json.getByte(i))
            {
                i++;
            }
            else
            {
                while (true)
                {
                    if (i >= end || '"' != json.getByte(i))
                    {
                        return BROKEN;
                    }
                    final long result = parseString(json, i, end, scratch, out);
                    if (result < 0)
                    {
                        return BROKEN;
                    }
                    bounds[2 * count] = out;
                    bounds[2 * count + 1] = (int)result;
                    out += (int)result;
                    count++;
                    i = skipSpace(json, (int)(result >>> 32), end);
                    if (i >= end)
                    {
                        return BROKEN;
                    }
                    final byte separator = json.getByte(i);
                    i = skipSpace(json, i + 1, end);
                    if (']' == separator)
                    {
                        break;
                    }
                    if (',' != separator)
                    {
                        return BROKEN;
                    }
                }
            }
            if (skipSpace(json, i, end) != end)
            {
                return BROKEN;
            }
        }
        if (null != sink)
        {
            for (int m = 0; m < count; m++)
            {
                sink.onMessage(scratch, bounds[2 * m], bounds[2 * m + 1]);
            }
        }
        return count;
    }

    private static int skipSpace(final DirectBuffer json, final int from, final int end)
    {
        int i = from;
        while (i < end)
        {
            final byte b = json.getByte(i);
            if (' ' != b && '\t' != b && '\n' != b && '\r' != b)
            {
                break;
            }
            i++;
        }
        return i;
    }

    /**
     * @return (index after the closing quote) &lt;&lt; 32 | decoded length, or -1 when broken.
     */
    private static long parseString(
        final DirectBuffer json, final int quote, final int end, final MutableDirectBuffer scratch, final int outStart)
    {
        int i = quote + 1;
        int out = outStart;
        while (i < end)
        {
            final int b = json.getByte(i) & 0xFF;
            if ('"' == b)
            {
                return ((long)(i + 1) << 32) | (out - outStart);
            }
            if (b < 0x20)
            {
                return -1; // RFC 8259 §7: control characters must be escaped
            }
            if (b >= 0x80)
            {
                // Text must be valid UTF-8 (handlers are promised it): a malformed sequence breaks the input.
                final int sequence = sequenceLength(json, i, end);
                if (0 == sequence)
                {
                    return -1;
                }
                scratch.putBytes(out, json, i, sequence);
                out += sequence;
                i += sequence;
                continue;
            }
            if ('\\' != b)
            {
                scratch.putByte(out++, (byte)b);
                i++;
                continue;
            }
            if (i + 1 >= end)
            {
                return -1;
            }
            final int e = json.getByte(i + 1) & 0xFF;
            i += 2;
            switch (e)
            {
                case '"':
                case '\\':
                case '/':
                    scratch.putByte(out++, (byte)e);
                    break;
                case 'b':
                    scratch.putByte(out++, (byte)'\b');
                    break;
                case 'f':
                    scratch.putByte(out++, (byte)'\f');
                    break;
                case 'n':
                    scratch.putByte(out++, (byte)'\n');
                    break;
                case 'r':
                    scratch.putByte(out++, (byte)'\r');
                    break;
                case 't':
                    scratch.putByte(out++, (byte)'\t');
                    break;
                case 'u':
                    final int unit = hex4(json, i, end);
                    if (unit < 0)
                    {
                        return -1;
                    }
                    i += 4;
                    int codePoint = unit;
                    if (unit >= 0xD800 && unit <= 0xDBFF)
                    {
                        final int low = i + 6 <= end && '\\' == json.getByte(i) && 'u' == json.getByte(i + 1) ?
                            hex4(json, i + 2, end) : -1;
                        if (low >= 0xDC00 && low <= 0xDFFF)
                        {
                            codePoint = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                            i += 6;
                        }
                        else
                        {
                            codePoint = 0xFFFD;
                        }
                    }
                    else if (unit >= 0xDC00 && unit <= 0xDFFF)
                    {
                        codePoint = 0xFFFD;
                    }
                    out = putUtf8(scratch, out, codePoint);
                    break;
                default:
                    return -1;
            }
        }
        return -1;
    }

    private static int hex4(final DirectBuffer json, final int from, final int end)
    {
        if (from + 4 > end)
        {
            return -1;
        }
        int value = 0;
        for (int k = 0; k < 4; k++)
        {
            final int c = json.getByte(from + k);
            final int digit;
            if (c >= '0' && c <= '9')
            {
                digit = c - '0';
            }
            else if (c >= 'a' && c <= 'f')
            {
                digit = c - 'a' + 10;
            }
            else if (c >= 'A' && c <= 'F')
            {
                digit = c - 'A' + 10;
            }
            else
            {
                return -1;
            }
            value = (value << 4) | digit;
        }
        return value;
    }

    private static int putUtf8(final MutableDirectBuffer dst, final int at, final int codePoint)
    {
        int out = at;
        if (codePoint < 0x80)
        {
            dst.putByte(out++, (byte)codePoint);
        }
        else if (codePoint < 0x800)
        {
            dst.putByte(out++, (byte)(0xC0 | (codePoint >>> 6)));
            dst.putByte(out++, (byte)(0x80 | (codePoint & 0x3F)));
        }
        else if (codePoint < 0x10000)
        {
            dst.putByte(out++, (byte)(0xE0 | (codePoint >>> 12)));
            dst.putByte(out++, (byte)(0x80 | ((codePoint >>> 6) & 0x3F)));
            dst.putByte(out++, (byte)(0x80 | (codePoint & 0x3F)));
        }
        else
        {
            dst.putByte(out++, (byte)(0xF0 | (codePoint >>> 18)));
            dst.putByte(out++, (byte)(0x80 | ((codePoint >>> 12) & 0x3F)));
            dst.putByte(out++, (byte)(0x80 | ((codePoint >>> 6) & 0x3F)));
            dst.putByte(out++, (byte)(0x80 | (codePoint & 0x3F)));
        }
        return out;
    }
}
