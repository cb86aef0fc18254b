package io.wsmux.perf.load;

import java.nio.charset.StandardCharsets;

import org.agrona.DirectBuffer;

/**
 * An incremental decoder of HTTP/1.1 responses on one connection, one after the other: the status line and headers,
 * then the body, passed on as it arrives, a slice of the input at a time (never copied). The body is framed by
 * {@code Transfer-Encoding: chunked} (RFC 9112 §7.1: size line with optional extensions, data, CRLF; the last chunk,
 * trailers and an empty line), by {@code Content-Length}, by nothing (1xx, 204 and 304: RFC 9112 §6.3) or by the
 * end of the connection ({@link #onEndOfStream()}).
 * <p>
 * Of the headers only {@code Transfer-Encoding}, {@code Content-Length} and {@code Connection} are read, each line
 * through a 128-byte window (longer lines are cut, which none of those three needs). Lines may end with CRLF or a
 * bare LF. A malformed response is reported once to {@link Handler#onMalformed} and the decoder then ignores its
 * input until {@link #reset()}; so it does after {@link #abort()}, which a handler may call from any callback.
 * <p>
 * State: a handful of primitives and the 128-byte line window. Not thread safe; allocates nothing after
 * construction (but in {@link Handler#onMalformed}'s message).
 */
final class HttpResponseDecoder
{
    /**
     * Told what the decoder finds; on the decoding thread.
     */
    interface Handler
    {
        /**
         * A response head is complete.
         *
         * @param status the status code.
         */
        void onResponseHead(int status);

        /**
         * A piece of the body: a slice of the input given to {@link #decode}, valid only during the call.
         *
         * @param buffer the input.
         * @param offset of the piece.
         * @param length of the piece, at least 1.
         */
        void onBody(DirectBuffer buffer, int offset, int length);

        /**
         * The response is complete; the next bytes belong to the next response.
         */
        void onResponseEnd();

        /**
         * The input is not an HTTP/1.1 response the decoder understands; it ignores the rest until reset.
         *
         * @param reason what is wrong.
         */
        void onMalformed(String reason);
    }

    /** Longest header line kept in the window; the rest of a longer line is dropped. */
    static final int LINE_WINDOW_LENGTH = 128;

    private static final int STATUS_LINE = 0;
    private static final int HEADER_LINE = 1;
    private static final int CHUNK_SIZE = 2;
    private static final int CHUNK_EXTENSION = 3;
    private static final int CHUNK_DATA = 4;
    private static final int CHUNK_DATA_END = 5;
    private static final int TRAILER_LINE = 6;
    private static final int LENGTH_BODY = 7;
    private static final int UNTIL_CLOSE_BODY = 8;
    private static final int FAILED = 9;

    /** Hex digits of a chunk size past which the size would not fit in a long. */
    private static final int MAX_CHUNK_SIZE_DIGITS = 15;

    private static final byte[] HTTP_11 = {'H', 'T', 'T', 'P', '/', '1', '.', '1', ' '};
    private static final byte[] TRANSFER_ENCODING = lower("transfer-encoding:");
    private static final byte[] CONTENT_LENGTH = lower("content-length:");
    private static final byte[] CONNECTION = lower("connection:");
    private static final byte[] CHUNKED = lower("chunked");
    private static final byte[] CLOSE = lower("close");

    private final Handler handler;
    private final byte[] line = new byte[LINE_WINDOW_LENGTH];
    private int lineLength;
    private int lineBytes;
    private int state = STATUS_LINE;
    private int status;
    private boolean chunked;
    private boolean connectionClose;
    private long contentLength = -1;
    private long remaining;
    private int sizeDigits;
    private boolean sawCr;

    HttpResponseDecoder(final Handler handler)
    {
        this.handler = handler;
    }

    /**
     * Forget any response in progress: the next byte starts a status line (a new connection).
     */
    void reset()
    {
        state = STATUS_LINE;
        lineLength = 0;
        lineBytes = 0;
        sawCr = false;
    }

    /**
     * @return true when the last response said {@code Connection: close} (or the decoder failed): the connection
     * carries no further response.
     */
    boolean connectionClose()
    {
        return connectionClose || FAILED == state;
    }

    /**
     * @return true between responses (nothing of the next one read yet).
     */
    boolean betweenResponses()
    {
        return STATUS_LINE == state && 0 == lineBytes;
    }

    /**
     * Decode what the connection delivered.
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
                case STATUS_LINE:
                case HEADER_LINE:
                case TRAILER_LINE:
                    position = headLine(buffer, position, end);
                    break;
                case CHUNK_SIZE:
                    position = chunkSize(buffer, position, end);
                    break;
                case CHUNK_EXTENSION:
                    position = skipLine(buffer, position, end, CHUNK_DATA);
                    break;
                case CHUNK_DATA:
                case LENGTH_BODY:
                {
                    final int take = (int)Math.min(remaining, end - position);
                    handler.onBody(buffer, position, take);
                    if (FAILED == state)
                    {
                        return; // the handler gave up on the connection
                    }
                    position += take;
                    remaining -= take;
                    if (0 == remaining)
                    {
                        if (CHUNK_DATA == state)
                        {
                            state = CHUNK_DATA_END;
                        }
                        else
                        {
                            endResponse();
                        }
                    }
                    break;
                }
                case CHUNK_DATA_END:
                    position = skipLine(buffer, position, end, CHUNK_SIZE);
                    break;
                case UNTIL_CLOSE_BODY:
                    handler.onBody(buffer, position, end - position);
                    position = end;
                    break;
                default: // FAILED
                    return;
            }
        }
    }

    /**
     * The connection ended: a body that runs until then is complete; anything else in progress is cut short.
     */
    void onEndOfStream()
    {
        if (UNTIL_CLOSE_BODY == state)
        {
            endResponse();
        }
        else if (!betweenResponses() && FAILED != state)
        {
            fail("the connection ended inside a response");
        }
    }

    private int headLine(final DirectBuffer buffer, final int start, final int end)
    {
        int position = start;
        while (position < end)
        {
            final byte b = buffer.getByte(position++);
            if ('\n' == b)
            {
                final int length = lineLength;
                lineLength = 0;
                lineBytes = 0;
                sawCr = false;
                onLine(length);
                return position;
            }
            if (sawCr && lineLength < LINE_WINDOW_LENGTH)
            {
                line[lineLength++] = '\r'; // a CR inside a line, kept as it came
            }
            sawCr = '\r' == b;
            if (!sawCr && lineLength < LINE_WINDOW_LENGTH)
            {
                line[lineLength++] = b;
            }
            lineBytes++;
        }
        return position;
    }

    private void onLine(final int length)
    {
        switch (state)
        {
            case STATUS_LINE:
                // RFC 9112 §4: HTTP-version SP 3DIGIT SP [reason-phrase]
                if (length < HTTP_11.length + 3 || !startsWith(line, length, HTTP_11, false) ||
                    !isDigit(line[9]) || !isDigit(line[10]) || !isDigit(line[11]) ||
                    (length > 12 && ' ' != line[12]))
                {
                    fail("not an HTTP/1.1 status line: " + new String(line, 0, length, StandardCharsets.ISO_8859_1));
                    return;
                }
                status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
                chunked = false;
                connectionClose = false;
                contentLength = -1;
                state = HEADER_LINE;
                break;
            case HEADER_LINE:
                if (0 == length)
                {
                    onHeadEnd();
                }
                else
                {
                    onHeader(length);
                }
                break;
            default: // TRAILER_LINE
                if (0 == length)
                {
                    endResponse();
                }
                break;
        }
    }

    private void onHeader(final int length)
    {
        if (startsWith(line, length, TRANSFER_ENCODING, true))
        {
            chunked |= contains(line, TRANSFER_ENCODING.length, length, CHUNKED);
        }
        else if (startsWith(line, length, CONNECTION, true))
        {
            connectionClose |= contains(line, CONNECTION.length, length, CLOSE);
        }
        else if (startsWith(line, length, CONTENT_LENGTH, true))
        {
            long value = 0;
            int digits = 0;
            for (int i = CONTENT_LENGTH.length; i < length; i++)
            {
                final byte b = line[i];
                if (isDigit(b) && digits < 18)
                {
                    value = value * 10 + (b - '0');
                    digits++;
                }
                else if (' ' != b && '\t' != b)
                {
                    fail("invalid Content-Length");
                    return;
                }
            }
            if (0 == digits)
            {
                fail("invalid Content-Length");
                return;
            }
            contentLength = value;
        }
    }

    private void onHeadEnd()
    {
        final int headStatus = status;
        handler.onResponseHead(headStatus);
        if (FAILED == state)
        {
            return;
        }
        if (headStatus < 200 || 204 == headStatus || 304 == headStatus)
        {
            // RFC 9112 §6.3: no body, whatever the headers say (nothing here asks for a 1xx).
            endResponse();
        }
        else if (chunked)
        {
            state = CHUNK_SIZE;
            remaining = 0;
            sizeDigits = 0;
        }
        else if (contentLength >= 0)
        {
            remaining = contentLength;
            state = LENGTH_BODY;
            if (0 == remaining)
            {
                endResponse();
            }
        }
        else
        {
            state = UNTIL_CLOSE_BODY;
            connectionClose = true;
        }
    }

    private int chunkSize(final DirectBuffer buffer, final int start, final int end)
    {
        int position = start;
        while (position < end)
        {
            final byte b = buffer.getByte(position++);
            final int digit = hexDigit(b);
            if (digit >= 0)
            {
                if (++sizeDigits > MAX_CHUNK_SIZE_DIGITS)
                {
                    fail("chunk size too large");
                    return end;
                }
                remaining = (remaining << 4) | digit;
                continue;
            }
            if (0 == sizeDigits)
            {
                fail("chunk size expected, got byte " + (b & 0xFF));
                return end;
            }
            sizeDigits = 0;
            if ('\n' == b)
            {
                onChunkSize();
                return position;
            }
            state = CHUNK_EXTENSION; // ';' extensions, whitespace or the CR: skipped to the LF
            return position;
        }
        return position;
    }

    private void onChunkSize()
    {
        if (0 == remaining)
        {
            // RFC 9112 §7.1: the last chunk; trailer fields (ignored) and an empty line end the body.
            state = TRAILER_LINE;
            lineLength = 0;
            lineBytes = 0;
            sawCr = false;
        }
        else
        {
            state = CHUNK_DATA;
        }
    }

    /**
     * Skip to the end of the line; then go to the next state (a chunk's data, or the next chunk's size).
     */
    private int skipLine(final DirectBuffer buffer, final int start, final int end, final int next)
    {
        int position = start;
        while (position < end)
        {
            final byte b = buffer.getByte(position++);
            if ('\n' == b)
            {
                if (CHUNK_DATA == next)
                {
                    onChunkSize();
                }
                else
                {
                    state = next;
                    remaining = 0;
                    sizeDigits = 0;
                }
                return position;
            }
            if (CHUNK_SIZE == next && '\r' != b)
            {
                fail("chunk data longer than its size");
                return end;
            }
        }
        return position;
    }

    private void endResponse()
    {
        state = STATUS_LINE;
        lineLength = 0;
        lineBytes = 0;
        sawCr = false;
        handler.onResponseEnd();
    }

    /**
     * Ignore everything until {@link #reset()}, without telling the handler: for a handler that gives up on the
     * connection in one of its callbacks.
     */
    void abort()
    {
        state = FAILED;
    }

    private void fail(final String reason)
    {
        state = FAILED;
        handler.onMalformed(reason);
    }

    private static boolean startsWith(
        final byte[] line, final int length, final byte[] prefix, final boolean ignoreCase)
    {
        if (length < prefix.length)
        {
            return false;
        }
        for (int i = 0; i < prefix.length; i++)
        {
            final byte b = ignoreCase ? toLower(line[i]) : line[i];
            if (b != prefix[i])
            {
                return false;
            }
        }
        return true;
    }

    /**
     * @return true if the token occurs, ignoring case, in line[from, to).
     */
    private static boolean contains(final byte[] line, final int from, final int to, final byte[] token)
    {
        for (int i = from; i <= to - token.length; i++)
        {
            int j = 0;
            while (j < token.length && toLower(line[i + j]) == token[j])
            {
                j++;
            }
            if (j == token.length)
            {
                return true;
            }
        }
        return false;
    }

    private static byte toLower(final byte b)
    {
        return b >= 'A' && b <= 'Z' ? (byte)(b + ('a' - 'A')) : b;
    }

    private static boolean isDigit(final byte b)
    {
        return b >= '0' && b <= '9';
    }

    /**
     * @return the value of a hex digit, or -1 (shared with {@link SockJsFrameDecoder}).
     */
    static int hexDigit(final byte b)
    {
        if (b >= '0' && b <= '9')
        {
            return b - '0';
        }
        if (b >= 'a' && b <= 'f')
        {
            return b - 'a' + 10;
        }
        if (b >= 'A' && b <= 'F')
        {
            return b - 'A' + 10;
        }
        return -1;
    }

    private static byte[] lower(final String text)
    {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
