package io.wsmux.perf.load;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * An incremental decoder of SockJS frames as the xhr transports carry them, each ending with {@code \n}
 * (docs/protocol.md, "SockJS"): {@code o}, {@code h} (and the 2,048-byte {@code hhh...} prelude of xhr_streaming,
 * one more heartbeat here), {@code a["m1","m2",...]} and {@code c[code,"reason"]}. Input may be split anywhere,
 * inside a frame, a string or an escape.
 * <p>
 * Each message of an {@code a} frame is delivered as UTF-8: a message that is whole in one input and has no escape
 * is a slice of the input (no copy); otherwise it is decoded into a spill buffer of the decoder's own, allocated
 * the first time and grown as needed up to {@link #MAX_MESSAGE_LENGTH}. Escapes are JSON's ({@code \" \\ \/ \b \f
 * \n \r \t \}{@code uXXXX}); a surrogate pair becomes one 4-byte UTF-8 character, a lone surrogate U+FFFD, as
 * the server decodes what clients send. Whitespace between array elements is allowed. A malformed frame is
 * reported once to {@link Handler#onMalformed}; the decoder then ignores its input until {@link #reset()}.
 * <p>
 * State: a few ints and the spill buffer (none for a session that never gets a split or escaped message). Not
 * thread safe; allocates only the spill buffer and, for a close frame, its reason.
 */
final class SockJsFrameDecoder
{
    /**
     * Told what the decoder finds; on the decoding thread.
     */
    interface Handler
    {
        /**
         * An {@code o} frame: the session is open.
         */
        void onOpenFrame();

        /**
         * One message of an {@code a} frame, UTF-8, valid only during the call.
         *
         * @param buffer holds the message.
         * @param offset of the message.
         * @param length of the message.
         */
        void onMessage(DirectBuffer buffer, int offset, int length);

        /**
         * A {@code c} frame: the server closed the session.
         *
         * @param code   its code.
         * @param reason its reason.
         */
        void onCloseFrame(int code, String reason);

        /**
         * The input is not SockJS frames; the decoder ignores the rest until reset.
         *
         * @param reason what is wrong.
         */
        void onMalformed(String reason);
    }

    /** Longest message decoded into the spill buffer (16 MiB, the server's echo-mode limit). */
    static final int MAX_MESSAGE_LENGTH = 16 * 1024 * 1024;
    /** Longest close frame kept ({@code c[code,"reason"]}); the reason of a longer one is cut. */
    static final int MAX_CLOSE_FRAME_LENGTH = 256;

    private static final int FRAME_START = 0;
    private static final int HEARTBEAT = 1;
    private static final int FRAME_END = 2;
    private static final int ARRAY_OPEN = 3;
    private static final int ARRAY_VALUE = 4;
    private static final int ARRAY_NEXT = 5;
    private static final int STRING = 6;
    private static final int ESCAPE = 7;
    private static final int UNICODE = 8;
    private static final int CLOSE = 9;
    private static final int FAILED = 10;

    private static final int NO_SURROGATE = 0;
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGH_BITS = 0x8080808080808080L;
    private static final long QUOTES = ONES * '"';
    private static final long BACKSLASHES = ONES * '\\';
    private static final int SPILL_INITIAL_LENGTH = 256;

    private final Handler handler;
    private int state = FRAME_START;
    /** The current string is being decoded into the spill buffer (split across inputs, or escaped). */
    private boolean spilling;
    private int spillLength;
    private int unicodeDigits;
    private int unicodeValue;
    /** A high surrogate waiting for its low half, or {@link #NO_SURROGATE}. */
    private int highSurrogate = NO_SURROGATE;
    private int frameMessages;
    /** An UnsafeBuffer, as the read buffer is, so a handler's reads of either see one buffer class. */
    private UnsafeBuffer spill;
    private byte[] closeFrame;
    private int closeFrameLength;

    SockJsFrameDecoder(final Handler handler)
    {
        this.handler = handler;
    }

    /**
     * Forget any frame in progress: the next byte starts a frame (a new response).
     */
    void reset()
    {
        state = FRAME_START;
        spilling = false;
        spillLength = 0;
        highSurrogate = NO_SURROGATE;
    }

    /**
     * @return true between frames.
     */
    boolean atFrameStart()
    {
        return FRAME_START == state;
    }

    /**
     * Ignore everything until {@link #reset()}, without telling the handler: for a handler that gives up in one of
     * its callbacks.
     */
    void abort()
    {
        state = FAILED;
    }

    /**
     * Decode a piece of the response body.
     *
     * @param buffer the bytes.
     * @param offset of the first.
     * @param length how many.
     */
    void decode(final DirectBuffer buffer, final int offset, final int length)
    {
        int position = offset;
        final int end = offset + length;
        while (position < end)
        {
            switch (state)
            {
                case FRAME_START:
                    position = frameStart(buffer.getByte(position), position);
                    break;
                case HEARTBEAT:
                    position = heartbeat(buffer, position, end);
                    break;
                case FRAME_END:
                    if ('\n' != buffer.getByte(position))
                    {
                        fail("a frame must end with \\n, got byte " + (buffer.getByte(position) & 0xFF));
                        return;
                    }
                    state = FRAME_START;
                    position++;
                    break;
                case ARRAY_OPEN:
                    if ('[' != buffer.getByte(position))
                    {
                        fail("'a' must be followed by '['");
                        return;
                    }
                    state = ARRAY_VALUE;
                    frameMessages = 0;
                    position++;
                    break;
                case ARRAY_VALUE:
                case ARRAY_NEXT:
                    position = arraySyntax(buffer.getByte(position), position);
                    break;
                case STRING:
                    position = spilling ? spilledString(buffer, position, end) : string(buffer, position, end);
                    break;
                case ESCAPE:
                    position = escape(buffer.getByte(position), position);
                    break;
                case UNICODE:
                    position = unicode(buffer.getByte(position), position);
                    break;
                case CLOSE:
                    position = close(buffer, position, end);
                    break;
                default: // FAILED
                    return;
            }
        }
    }

    private int frameStart(final byte b, final int position)
    {
        switch (b)
        {
            case 'o':
                state = FRAME_END;
                handler.onOpenFrame();
                break;
            case 'h':
                state = HEARTBEAT;
                break;
            case 'a':
                state = ARRAY_OPEN;
                break;
            case 'c':
                state = CLOSE;
                closeFrameLength = 0;
                break;
            default:
                fail("not a SockJS frame type: byte " + (b & 0xFF));
                break;
        }
        return position + 1;
    }

    private int heartbeat(final DirectBuffer buffer, final int start, final int end)
    {
        int position = start;
        while (position < end)
        {
            final byte b = buffer.getByte(position++);
            if ('\n' == b)
            {
                state = FRAME_START;
                return position;
            }
            if ('h' != b)
            {
                fail("a heartbeat frame holds only 'h', got byte " + (b & 0xFF));
                return end;
            }
        }
        return position;
    }

    private int arraySyntax(final byte b, final int position)
    {
        if (' ' == b || '\t' == b || '\r' == b)
        {
            return position + 1;
        }
        if ('"' == b && ARRAY_VALUE == state)
        {
            state = STRING;
            spilling = false;
            spillLength = 0;
            return position + 1;
        }
        if (']' == b && (ARRAY_NEXT == state || 0 == frameMessages))
        {
            state = FRAME_END;
            return position + 1;
        }
        if (',' == b && ARRAY_NEXT == state)
        {
            state = ARRAY_VALUE;
            return position + 1;
        }
        fail("an 'a' frame must be an array of strings, got byte " + (b & 0xFF));
        return position + 1;
    }

    /**
     * The fast path: a string starting in this input. If its closing quote is here and no escape comes first, it is
     * delivered in place; otherwise what is here goes to the spill buffer.
     */
    private int string(final DirectBuffer buffer, final int start, final int end)
    {
        int position = quoteOrBackslash(buffer, start, end);
        if (position < end && '"' == buffer.getByte(position))
        {
            endString();
            handler.onMessage(buffer, start, position - start);
            return position + 1;
        }
        spilling = true;
        spillLength = 0;
        if (!spillBytes(buffer, start, position - start))
        {
            return end;
        }
        if (position < end)
        {
            state = ESCAPE;
            position++;
        }
        return position;
    }

    /**
     * The slow path: a string split across inputs or holding escapes, decoded into the spill buffer.
     */
    private int spilledString(final DirectBuffer buffer, final int start, final int end)
    {
        final int position = quoteOrBackslash(buffer, start, end);
        if (position > start)
        {
            flushSurrogate();
            if (!spillBytes(buffer, start, position - start))
            {
                return end;
            }
        }
        if (position == end)
        {
            return end;
        }
        if ('\\' == buffer.getByte(position))
        {
            state = ESCAPE;
            return position + 1;
        }
        flushSurrogate();
        endString();
        handler.onMessage(spill, 0, spillLength);
        spilling = false;
        spillLength = 0;
        return position + 1;
    }

    /**
     * Where the next quote or backslash is, eight bytes at a time: a byte equal to c is a zero byte of
     * {@code word ^ c*0x01..01}, and {@code (x - 0x01..01) & ~x & 0x80..80} marks zero bytes of x exactly up to the
     * first (borrows only run upwards, into bytes after it in little-endian order).
     *
     * @return its index, or end if there is none before it.
     */
    static int quoteOrBackslash(final DirectBuffer buffer, final int start, final int end)
    {
        int position = start;
        while (position <= end - Long.BYTES)
        {
            final long word = buffer.getLong(position, ByteOrder.LITTLE_ENDIAN);
            final long quotes = word ^ QUOTES;
            final long backslashes = word ^ BACKSLASHES;
            final long found = ((quotes - ONES) & ~quotes | (backslashes - ONES) & ~backslashes) & HIGH_BITS;
            if (0 != found)
            {
                return position + (Long.numberOfTrailingZeros(found) >>> 3);
            }
            position += Long.BYTES;
        }
        while (position < end)
        {
            final byte b = buffer.getByte(position);
            if ('"' == b || '\\' == b)
            {
                return position;
            }
            position++;
        }
        return end;
    }

    private void endString()
    {
        state = ARRAY_NEXT;
        frameMessages++;
    }

    private int escape(final byte b, final int position)
    {
        state = STRING;
        switch (b)
        {
            case '"':
            case '\\':
            case '/':
                spillCodeUnit(b);
                break;
            case 'b':
                spillCodeUnit('\b');
                break;
            case 'f':
                spillCodeUnit('\f');
                break;
            case 'n':
                spillCodeUnit('\n');
                break;
            case 'r':
                spillCodeUnit('\r');
                break;
            case 't':
                spillCodeUnit('\t');
                break;
            case 'u':
                state = UNICODE;
                unicodeDigits = 0;
                unicodeValue = 0;
                break;
            default:
                fail("invalid escape \\" + (char)(b & 0xFF));
                break;
        }
        return position + 1;
    }

    private int unicode(final byte b, final int position)
    {
        final int digit = HttpResponseDecoder.hexDigit(b);
        if (digit < 0)
        {
            fail("\\u needs four hex digits");
            return position + 1;
        }
        unicodeValue = (unicodeValue << 4) | digit;
        if (4 == ++unicodeDigits)
        {
            state = STRING;
            spillCodeUnit(unicodeValue);
        }
        return position + 1;
    }

    /**
     * Append one UTF-16 code unit, pairing surrogates.
     */
    private void spillCodeUnit(final int unit)
    {
        if (unit >= 0xDC00 && unit <= 0xDFFF && NO_SURROGATE != highSurrogate)
        {
            final int codePoint = 0x10000 + ((highSurrogate - 0xD800) << 10) + (unit - 0xDC00);
            highSurrogate = NO_SURROGATE;
            spillCodePoint(codePoint);
            return;
        }
        flushSurrogate();
        if (unit >= 0xD800 && unit <= 0xDBFF)
        {
            highSurrogate = unit;
        }
        else
        {
            spillCodePoint(unit >= 0xDC00 && unit <= 0xDFFF ? 0xFFFD : unit);
        }
    }

    /**
     * A high surrogate followed by anything but a low one stands alone: U+FFFD.
     */
    private void flushSurrogate()
    {
        if (NO_SURROGATE != highSurrogate)
        {
            highSurrogate = NO_SURROGATE;
            spillCodePoint(0xFFFD);
        }
    }

    private void spillCodePoint(final int codePoint)
    {
        if (!ensureSpill(4))
        {
            return;
        }
        final UnsafeBuffer out = spill;
        int at = spillLength;
        if (codePoint < 0x80)
        {
            out.putByte(at++, (byte)codePoint);
        }
        else if (codePoint < 0x800)
        {
            out.putByte(at++, (byte)(0xC0 | (codePoint >> 6)));
            out.putByte(at++, (byte)(0x80 | (codePoint & 0x3F)));
        }
        else if (codePoint < 0x10000)
        {
            out.putByte(at++, (byte)(0xE0 | (codePoint >> 12)));
            out.putByte(at++, (byte)(0x80 | ((codePoint >> 6) & 0x3F)));
            out.putByte(at++, (byte)(0x80 | (codePoint & 0x3F)));
        }
        else
        {
            out.putByte(at++, (byte)(0xF0 | (codePoint >> 18)));
            out.putByte(at++, (byte)(0x80 | ((codePoint >> 12) & 0x3F)));
            out.putByte(at++, (byte)(0x80 | ((codePoint >> 6) & 0x3F)));
            out.putByte(at++, (byte)(0x80 | (codePoint & 0x3F)));
        }
        spillLength = at;
    }

    private boolean spillBytes(final DirectBuffer buffer, final int offset, final int length)
    {
        if (!ensureSpill(length))
        {
            return false;
        }
        spill.putBytes(spillLength, buffer, offset, length);
        spillLength += length;
        return true;
    }

    private boolean ensureSpill(final int more)
    {
        if ((long)spillLength + more > MAX_MESSAGE_LENGTH)
        {
            fail("a message is longer than " + MAX_MESSAGE_LENGTH + " bytes");
            return false;
        }
        final int needed = spillLength + more;
        if (null == spill)
        {
            spill = new UnsafeBuffer(new byte[Math.max(SPILL_INITIAL_LENGTH, needed)]);
        }
        else if (needed > spill.capacity())
        {
            final int capacity = (int)Math.min(MAX_MESSAGE_LENGTH, Math.max(needed, 2L * spill.capacity()));
            final byte[] grown = Arrays.copyOf(spill.byteArray(), capacity);
            spill.wrap(grown);
        }
        return true;
    }

    private int close(final DirectBuffer buffer, final int start, final int end)
    {
        int position = start;
        while (position < end)
        {
            final byte b = buffer.getByte(position++);
            if ('\n' == b)
            {
                state = FRAME_START;
                onCloseFrame();
                return position;
            }
            if (null == closeFrame)
            {
                closeFrame = new byte[MAX_CLOSE_FRAME_LENGTH];
            }
            if (closeFrameLength < MAX_CLOSE_FRAME_LENGTH)
            {
                closeFrame[closeFrameLength++] = b;
            }
        }
        return position;
    }

    /**
     * {@code [code,"reason"]}: cold, so parsed with Strings.
     */
    private void onCloseFrame()
    {
        final String text = null == closeFrame ? "" :
            new String(closeFrame, 0, closeFrameLength, StandardCharsets.UTF_8);
        final int comma = text.indexOf(',');
        if (!text.startsWith("[") || comma < 2)
        {
            fail("a close frame must be c[code,\"reason\"]: c" + text);
            return;
        }
        final int code;
        try
        {
            code = Integer.parseInt(text.substring(1, comma).trim());
        }
        catch (final NumberFormatException ex)
        {
            fail("a close frame must be c[code,\"reason\"]: c" + text);
            return;
        }
        String reason = text.substring(comma + 1);
        if (reason.endsWith("]"))
        {
            reason = reason.substring(0, reason.length() - 1);
        }
        reason = reason.trim();
        if (reason.length() >= 2 && reason.startsWith("\"") && reason.endsWith("\""))
        {
            reason = reason.substring(1, reason.length() - 1).replace("\\\"", "\"").replace("\\\\", "\\");
        }
        handler.onCloseFrame(code, reason);
    }

    private void fail(final String reason)
    {
        state = FAILED;
        handler.onMalformed(reason);
    }
}
