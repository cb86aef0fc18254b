package io.wsmux.codec.http;

import java.nio.charset.StandardCharsets;

/**
 * RFC 7230 character classes and scans over a byte array, for {@link UpgradeRequestParser}. Every range is
 * {@code [start, end)}. Stateless; allocates nothing.
 */
final class HttpSyntax
{
    static final byte CR = '\r';
    static final byte LF = '\n';
    static final byte SP = ' ';
    static final byte HTAB = '\t';
    static final byte COLON = ':';
    static final byte SLASH = '/';
    static final byte QUESTION_MARK = '?';
    static final byte EQUALS = '=';

    private static final byte COMMA = ',';
    private static final byte DQUOTE = '"';
    private static final byte BACKSLASH = '\\';
    private static final byte DEL = 0x7F;

    /** RFC 7230 §3.2.6 tchar. */
    private static final boolean[] TOKEN_CHARS = new boolean[256];

    /** RFC 4648 §4 alphabet, without the pad. */
    private static final boolean[] BASE64_CHARS = new boolean[256];

    static
    {
        for (final char c : "!#$%&'*+-.^_`|~".toCharArray())
        {
            TOKEN_CHARS[c] = true;
        }
        for (char c = '0'; c <= '9'; c++)
        {
            TOKEN_CHARS[c] = true;
            BASE64_CHARS[c] = true;
        }
        for (char c = 'a'; c <= 'z'; c++)
        {
            TOKEN_CHARS[c] = true;
            TOKEN_CHARS[Character.toUpperCase(c)] = true;
            BASE64_CHARS[c] = true;
            BASE64_CHARS[Character.toUpperCase(c)] = true;
        }
        BASE64_CHARS['+'] = true;
        BASE64_CHARS['/'] = true;
    }

    private HttpSyntax()
    {
    }

    static byte[] ascii(final String value)
    {
        return value.getBytes(StandardCharsets.US_ASCII);
    }

    static boolean isTokenChar(final byte b)
    {
        return TOKEN_CHARS[b & 0xFF];
    }

    /** A non-empty run of tchar. */
    static boolean isToken(final byte[] bytes, final int start, final int end)
    {
        if (end <= start)
        {
            return false;
        }
        for (int i = start; i < end; i++)
        {
            if (!isTokenChar(bytes[i]))
            {
                return false;
            }
        }
        return true;
    }

    static boolean isBase64(final byte[] bytes, final int start, final int end)
    {
        for (int i = start; i < end; i++)
        {
            if (!BASE64_CHARS[bytes[i] & 0xFF])
            {
                return false;
            }
        }
        return true;
    }

    /** VCHAR (0x21 to 0x7E) only: no space, control or non-ASCII byte. */
    static boolean isVisible(final byte[] bytes, final int start, final int end)
    {
        for (int i = start; i < end; i++)
        {
            final byte b = bytes[i];
            if (b <= SP || DEL == b)
            {
                return false;
            }
        }
        return true;
    }

    /** RFC 7230 §3.2: field-content is VCHAR, SP, HTAB and obs-text (0x80 to 0xFF); anything else is a control. */
    static boolean containsControl(final byte[] bytes, final int start, final int end)
    {
        for (int i = start; i < end; i++)
        {
            final byte b = bytes[i];
            if ((b >= 0 && b < SP && HTAB != b) || DEL == b)
            {
                return true;
            }
        }
        return false;
    }

    static boolean isWhitespace(final byte b)
    {
        return SP == b || HTAB == b;
    }

    /** Index of the first byte at or after start that is not OWS, or end. */
    static int skipWhitespace(final byte[] bytes, final int start, final int end)
    {
        int position = start;
        while (position < end && isWhitespace(bytes[position]))
        {
            position++;
        }
        return position;
    }

    /** End of the range once trailing OWS is removed, at least start. */
    static int trimWhitespace(final byte[] bytes, final int start, final int end)
    {
        int position = end;
        while (position > start && isWhitespace(bytes[position - 1]))
        {
            position--;
        }
        return position;
    }

    static int indexOf(final byte[] bytes, final byte value, final int start, final int end)
    {
        for (int i = start; i < end; i++)
        {
            if (value == bytes[i])
            {
                return i;
            }
        }
        return -1;
    }

    /**
     * Index of the comma that ends the list element starting at start (RFC 7230 §7), or end. Commas inside a
     * quoted-string (§3.2.6, possible in extension parameters) do not end an element.
     */
    static int listElementEnd(final byte[] bytes, final int start, final int end)
    {
        boolean quoted = false;
        for (int i = start; i < end; i++)
        {
            final byte b = bytes[i];
            if (quoted && BACKSLASH == b)
            {
                i++;
            }
            else if (DQUOTE == b)
            {
                quoted = !quoted;
            }
            else if (!quoted && COMMA == b)
            {
                return i;
            }
        }
        return end;
    }

    static boolean bytesEqual(final byte[] bytes, final int offset, final int length, final byte[] expected)
    {
        if (expected.length != length)
        {
            return false;
        }
        for (int i = 0; i < length; i++)
        {
            if (expected[i] != bytes[offset + i])
            {
                return false;
            }
        }
        return true;
    }

    /** ASCII case-insensitive comparison with a lower-case expected value. */
    static boolean equalsIgnoreCase(final byte[] bytes, final int offset, final int length, final byte[] lowerCase)
    {
        if (lowerCase.length != length)
        {
            return false;
        }
        for (int i = 0; i < length; i++)
        {
            if (lowerCase[i] != toLowerCase(bytes[offset + i]))
            {
                return false;
            }
        }
        return true;
    }

    /** ASCII case-insensitive comparison with a String, char by char. */
    static boolean equalsIgnoreCase(final byte[] bytes, final int offset, final int length, final String value)
    {
        if (value.length() != length)
        {
            return false;
        }
        for (int i = 0; i < length; i++)
        {
            if (toLowerCase(bytes[offset + i]) != toLowerCase(value.charAt(i)))
            {
                return false;
            }
        }
        return true;
    }

    /** ASCII only: other characters, including negative bytes of obs-text, are returned unchanged. */
    static int toLowerCase(final int c)
    {
        return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
    }
}
