package io.wsmux.codec.sockjs;

/**
 * The fixed texts of the SockJS protocol: the greeting, the iframe page that runs the client on the server's origin
 * (for transports that cannot go cross-domain), the head of the {@code htmlfile} transport, and the rule for JSONP
 * callback names.
 */
public final class SockJsPages
{
    /** The body of a GET of the prefix itself. */
    public static final String WELCOME = "Welcome to SockJS!\n";

    /** The first frame of a new session on the WebSocket transport and every HTTP one. */
    public static final String ANOTHER_CONNECTION = "c[2010,\"Another connection still open\"]";

    private SockJsPages()
    {
    }

    /**
     * @param clientUrl the sockjs-client script the page loads.
     * @return the iframe page.
     */
    public static String iframe(final String clientUrl)
    {
        return "<!DOCTYPE html>\n" +
            "<html>\n" +
            "<head>\n" +
            "  <meta http-equiv=\"X-UA-Compatible\" content=\"IE=edge\" />\n" +
            "  <meta http-equiv=\"Content-Type\" content=\"text/html; charset=UTF-8\" />\n" +
            "  <script src=\"" + clientUrl + "\"></script>\n" +
            "  <script>\n" +
            "    document.domain = document.domain;\n" +
            "    SockJS.bootstrap_iframe();\n" +
            "  </script>\n" +
            "</head>\n" +
            "<body>\n" +
            "  <h2>Don't panic!</h2>\n" +
            "  <p>This is a SockJS hidden iframe. It's used for cross domain magic.</p>\n" +
            "</body>\n" +
            "</html>";
    }

    /**
     * The first chunk of an {@code htmlfile} response: the page that hands each later script chunk to the parent,
     * padded past 1 KiB so that browsers start running it at once.
     *
     * @param callback the parent's callback, already checked with {@link #isValidCallback}.
     * @return the page head.
     */
    public static String htmlfileHead(final String callback)
    {
        final String head = "<!doctype html>\n" +
            "<html><head>\n" +
            "  <meta http-equiv=\"X-UA-Compatible\" content=\"IE=edge\" />\n" +
            "  <meta http-equiv=\"Content-Type\" content=\"text/html; charset=UTF-8\" />\n" +
            "</head><body><h2>Don't panic!</h2>\n" +
            "  <script>\n" +
            "    document.domain = document.domain;\n" +
            "    var c = parent." + callback + ";\n" +
            "    c.start();\n" +
            "    function p(d) {c.message(d);};\n" +
            "    window.onload = function() {c.stop();};\n" +
            "  </script>";
        return head + " ".repeat(Math.max(0, 1024 - head.length() + 14)) + "\r\n\r\n";
    }

    /**
     * A JSONP callback name may hold letters, digits, '-', '_' and '.' only (it is written into a script).
     *
     * @param callback the decoded name.
     * @return whether it is safe.
     */
    public static boolean isValidCallback(final String callback)
    {
        if (callback.isEmpty() || callback.length() > 256)
        {
            return false;
        }
        for (int i = 0; i < callback.length(); i++)
        {
            final char c = callback.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                '-' == c || '_' == c || '.' == c))
            {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether a path under the prefix names the iframe page: {@code /iframe.html} or {@code /iframe-VERSION.html},
     * the version made of {@code [0-9a-z._-]}.
     *
     * @param relative the path after the prefix.
     * @return true for the iframe page.
     */
    public static boolean isIframePath(final String relative)
    {
        if (!relative.startsWith("/iframe") || !relative.endsWith(".html") || relative.length() < 12)
        {
            return false;
        }
        for (int i = 7; i < relative.length() - 5; i++)
        {
            final char c = relative.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || '-' == c || '.' == c || '_' == c))
            {
                return false;
            }
        }
        return true;
    }

    /**
     * Percent-decode a query parameter or form value ('+' is a space), as UTF-8; characters that are not escaped
     * (raw UTF-8 in a form body) stay as they are.
     *
     * @param text the encoded text.
     * @return the decoded text, or null when an escape is malformed.
     */
    public static String decodeComponent(final String text)
    {
        if (text.indexOf('%') < 0 && text.indexOf('+') < 0)
        {
            return text;
        }
        final byte[] out = new byte[3 * text.length()];
        int length = 0;
        for (int i = 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            if (c >= 0x80)
            {
                // Not escaped (a raw UTF-8 form body): kept as the character it is, in UTF-8 like the escapes.
                final int end = Character.isHighSurrogate(c) && i + 1 < text.length() &&
                    Character.isLowSurrogate(text.charAt(i + 1)) ? i + 2 : i + 1;
                final byte[] utf8 = text.substring(i, end).getBytes(java.nio.charset.StandardCharsets.UTF_8);
                System.arraycopy(utf8, 0, out, length, utf8.length);
                length += utf8.length;
                i = end - 1;
            }
            else if ('+' == c)
            {
                out[length++] = ' ';
            }
            else if ('%' == c)
            {
                if (i + 2 >= text.length())
                {
                    return null;
                }
                final int high = Character.digit(text.charAt(i + 1), 16);
                final int low = Character.digit(text.charAt(i + 2), 16);
                if (high < 0 || low < 0)
                {
                    return null;
                }
                out[length++] = (byte)((high << 4) | low);
                i += 2;
            }
            else
            {
                out[length++] = (byte)c;
            }
        }
        return new String(out, 0, length, java.nio.charset.StandardCharsets.UTF_8);
    }

    /**
     * The value of one parameter of a query string or form body.
     *
     * @param query the {@code a=1&b=2} text, or null.
     * @param name  the parameter.
     * @return its decoded value (empty when given without '='), or null when absent or malformed.
     */
    public static String parameter(final String query, final String name)
    {
        if (null == query)
        {
            return null;
        }
        int start = 0;
        while (start <= query.length())
        {
            int end = query.indexOf('&', start);
            if (end < 0)
            {
                end = query.length();
            }
            final int equals = query.indexOf('=', start);
            final int nameEnd = equals >= 0 && equals < end ? equals : end;
            if (query.regionMatches(start, name, 0, name.length()) && nameEnd - start == name.length())
            {
                return nameEnd == end ? "" : decodeComponent(query.substring(nameEnd + 1, end));
            }
            start = end + 1;
        }
        return null;
    }
}
