package io.wsmux;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Reads cookies and query parameters out of an upgrade request: cold path, runs once per handshake and allocates.
 * Stateless.
 */
final class HandshakeFields
{
    private HandshakeFields()
    {
    }

    /**
     * The value of a cookie, from the Cookie header lines a client sent (RFC 6265 §5.4 sends one line of
     * {@code name=value} pairs separated by {@code "; "}; HTTP/2 gateways may split it into several lines).
     * Parsed leniently, as servers do: whitespace around pairs, names and values is dropped, a pair without '=' is
     * skipped, a value in double quotes (§4.1.1 {@code cookie-value}) loses the quotes, names match exactly (case
     * sensitive), and the first pair of that name wins (§5.4: the more specific cookie comes first).
     *
     * @param cookieHeaders the Cookie header values, in order.
     * @param name          cookie name.
     * @return the cookie's value (not decoded further), or null if absent.
     */
    static String cookie(final List<String> cookieHeaders, final String name)
    {
        for (final String header : cookieHeaders)
        {
            int start = 0;
            final int length = header.length();
            while (start <= length)
            {
                int end = header.indexOf(';', start);
                if (end < 0)
                {
                    end = length;
                }
                final int equals = header.indexOf('=', start);
                if (equals >= 0 && equals < end && header.substring(start, equals).trim().equals(name))
                {
                    final String value = header.substring(equals + 1, end).trim();
                    return value.length() >= 2 && value.charAt(0) == '"' && value.charAt(value.length() - 1) == '"' ?
                        value.substring(1, value.length() - 1) : value;
                }
                start = end + 1;
            }
        }
        return null;
    }

    /**
     * The value of a query parameter: pairs separated by '&amp;', names and values URL-decoded as an HTML form
     * ({@code application/x-www-form-urlencoded}: '+' is a space, {@code %XX} UTF-8 bytes). A name without '='
     * has the empty value; a pair with a malformed escape is skipped; the first pair of that name wins.
     *
     * @param query the query after '?', or null.
     * @param name  parameter name, decoded.
     * @return the decoded value, or null if absent.
     */
    static String queryParameter(final String query, final String name)
    {
        if (null == query)
        {
            return null;
        }
        int start = 0;
        final int length = query.length();
        while (start <= length)
        {
            int end = query.indexOf('&', start);
            if (end < 0)
            {
                end = length;
            }
            if (end > start)
            {
                final int equals = query.indexOf('=', start);
                final int nameEnd = equals >= 0 && equals < end ? equals : end;
                try
                {
                    if (URLDecoder.decode(query.substring(start, nameEnd), StandardCharsets.UTF_8).equals(name))
                    {
                        return nameEnd == end ? "" :
                            URLDecoder.decode(query.substring(nameEnd + 1, end), StandardCharsets.UTF_8);
                    }
                }
                catch (final IllegalArgumentException ex)
                {
                    // A malformed %-escape: not a parameter we can read; look at the next one.
                }
            }
            start = end + 1;
        }
        return null;
    }
}
