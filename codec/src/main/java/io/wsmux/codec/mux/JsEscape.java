package io.wsmux.codec.mux;

/**
 * JavaScript's global {@code escape()} and {@code unescape()}, which the {@code websocket-multiplex} client applies
 * to every channel name before it goes on the wire, so a service stores {@code escape(name)} as its wire name.
 * <p>
 * Follows ECMA-262 Annex B.2.1.1 {@code escape ( string )} and B.2.1.2 {@code unescape ( string )}
 * (https://tc39.es/ecma262/#sec-escape-string). Both work on UTF-16 code units, not code points, so an astral
 * character such as U+1F600 becomes two escapes, {@code %uD83D%uDE00}, and an unpaired surrogate is escaped like
 * any other code unit:
 * <ul>
 *     <li>escape leaves the ASCII word characters {@code A-Z a-z 0-9 _} and {@code @*+-./} as they are (B.2.1.1
 *     step 4, the unescapedSet); every other code unit below 256 becomes {@code %XX} and every code unit from 256
 *     becomes {@code %uXXXX}, in upper-case hexadecimal padded with zeros to two or four digits. The result is
 *     ASCII and never contains a comma, which is what lets the text protocol use commas as separators;</li>
 *     <li>unescape turns {@code %uXXXX} and {@code %XX} (hexadecimal digits of either case) back into the code unit
 *     they name and copies any other {@code %}, such as {@code %zz}, {@code %u12} or a trailing {@code %},
 *     through unchanged.</li>
 * </ul>
 * Cold path: each call allocates its result, so call it when a service is registered, not per message.
 * Stateless and thread safe.
 */
public final class JsEscape
{
    private static final char[] UPPER_HEX_DIGITS = "0123456789ABCDEF".toCharArray();
    private static final String UNESCAPED_SYMBOLS = "@*_+-./";
    private static final boolean[] UNESCAPED = new boolean[128];

    static
    {
        for (char c = 'A'; c <= 'Z'; c++)
        {
            UNESCAPED[c] = true;
            UNESCAPED[Character.toLowerCase(c)] = true;
        }

        for (char c = '0'; c <= '9'; c++)
        {
            UNESCAPED[c] = true;
        }

        for (int i = 0; i < UNESCAPED_SYMBOLS.length(); i++)
        {
            UNESCAPED[UNESCAPED_SYMBOLS.charAt(i)] = true;
        }
    }

    private JsEscape()
    {
    }

    /**
     * JavaScript {@code escape(value)}.
     *
     * @param value to escape.
     * @return the escaped form, pure ASCII; the same instance when nothing needed escaping.
     */
    public static String escape(final String value)
    {
        final int length = value.length();
        int i = 0;
        while (i < length && isUnescaped(value.charAt(i)))
        {
            i++;
        }

        if (i == length)
        {
            return value;
        }

        final StringBuilder builder = new StringBuilder(length + 16).append(value, 0, i);
        for (; i < length; i++)
        {
            final char c = value.charAt(i);
            if (isUnescaped(c))
            {
                builder.append(c);
            }
            else if (c < 256)
            {
                builder.append('%').append(hexDigit(c, 4)).append(hexDigit(c, 0));
            }
            else
            {
                builder.append("%u")
                    .append(hexDigit(c, 12))
                    .append(hexDigit(c, 8))
                    .append(hexDigit(c, 4))
                    .append(hexDigit(c, 0));
            }
        }

        return builder.toString();
    }

    /**
     * JavaScript {@code unescape(value)}: the inverse of {@link #escape(String)}, and lenient towards escapes it
     * cannot read, which it leaves as they are.
     *
     * @param value to unescape.
     * @return the unescaped form; the same instance when it contains no {@code %}.
     */
    public static String unescape(final String value)
    {
        final int firstPercent = value.indexOf('%');
        if (firstPercent < 0)
        {
            return value;
        }

        final int length = value.length();
        final StringBuilder builder = new StringBuilder(length).append(value, 0, firstPercent);
        int k = firstPercent;
        while (k < length)
        {
            final char c = value.charAt(k);
            if ('%' == c)
            {
                // B.2.1.2 step 5.b: %uXXXX needs k + 5 < length, %XX needs k + 3 <= length; otherwise '%' is literal.
                if (k + 5 < length && 'u' == value.charAt(k + 1))
                {
                    final int unit = parseHex(value, k + 2, 4);
                    if (unit >= 0)
                    {
                        builder.append((char)unit);
                        k += 6;
                        continue;
                    }
                }
                else if (k + 3 <= length)
                {
                    final int unit = parseHex(value, k + 1, 2);
                    if (unit >= 0)
                    {
                        builder.append((char)unit);
                        k += 3;
                        continue;
                    }
                }
            }

            builder.append(c);
            k++;
        }

        return builder.toString();
    }

    private static boolean isUnescaped(final char c)
    {
        return c < UNESCAPED.length && UNESCAPED[c];
    }

    private static char hexDigit(final char c, final int shift)
    {
        return UPPER_HEX_DIGITS[(c >>> shift) & 0xF];
    }

    private static int parseHex(final String value, final int from, final int digitCount)
    {
        int result = 0;
        for (int i = from; i < from + digitCount; i++)
        {
            final int digit = hexValue(value.charAt(i));
            if (digit < 0)
            {
                return -1;
            }
            result = (result << 4) | digit;
        }

        return result;
    }

    // ASCII only, as ECMA-262 HexDigit: Character.digit would also accept full-width and other script digits.
    private static int hexValue(final char c)
    {
        if (c >= '0' && c <= '9')
        {
            return c - '0';
        }
        if (c >= 'A' && c <= 'F')
        {
            return c - 'A' + 10;
        }
        if (c >= 'a' && c <= 'f')
        {
            return c - 'a' + 10;
        }

        return -1;
    }
}
