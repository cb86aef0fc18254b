package io.wsmux.perf;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Parses what a load client prints as its result: the Java load generator's {@code RESULT key=value ...} line, or
 * the native client's one line of JSON, a flat object whose values are numbers, strings, booleans or null. Both
 * become a map from key to value: a {@link Double} for a number, else a {@link String} (or {@link Boolean}, or null
 * for JSON's null).
 */
final class ResultLines
{
    private ResultLines()
    {
    }

    /**
     * @param line {@code RESULT key=value key=value ...}; values without spaces.
     * @return the pairs in order, numbers as {@link Double}, anything else as {@link String}.
     * @throws IllegalArgumentException if it is not a RESULT line.
     */
    static Map<String, Object> resultLine(final String line)
    {
        final String[] fields = line.trim().split("\\s+");
        if (0 == fields.length || !"RESULT".equals(fields[0]))
        {
            throw new IllegalArgumentException("not a RESULT line: " + line);
        }
        final Map<String, Object> values = new LinkedHashMap<>();
        for (int i = 1; i < fields.length; i++)
        {
            final int equals = fields[i].indexOf('=');
            if (equals <= 0)
            {
                throw new IllegalArgumentException("not key=value: '" + fields[i] + "' in " + line);
            }
            final String text = fields[i].substring(equals + 1);
            values.put(fields[i].substring(0, equals), number(text));
        }
        return values;
    }

    private static Object number(final String text)
    {
        try
        {
            return Double.valueOf(text);
        }
        catch (final NumberFormatException ex)
        {
            return text;
        }
    }

    /**
     * @param line one JSON object, flat: {@code {"a": 1, "b": "x", "c": -2.5e3, "d": true, "e": null}}.
     * @return its members in order: numbers as {@link Double}, strings, booleans, nulls.
     * @throws IllegalArgumentException saying where it is not such an object (nested objects and arrays included).
     */
    static Map<String, Object> flatJson(final String line)
    {
        return new JsonReader(line).object();
    }

    /**
     * A recursive-descent reader of one flat JSON object.
     */
    private static final class JsonReader
    {
        private final String text;
        private int position;

        JsonReader(final String text)
        {
            this.text = text;
        }

        Map<String, Object> object()
        {
            final Map<String, Object> members = new LinkedHashMap<>();
            skipSpace();
            expect('{');
            skipSpace();
            if (peek() == '}')
            {
                position++;
            }
            else
            {
                while (true)
                {
                    skipSpace();
                    final String name = string();
                    skipSpace();
                    expect(':');
                    skipSpace();
                    if (members.containsKey(name))
                    {
                        throw error("duplicate member \"" + name + "\"");
                    }
                    members.put(name, value());
                    skipSpace();
                    final char next = next();
                    if ('}' == next)
                    {
                        break;
                    }
                    if (',' != next)
                    {
                        position--;
                        throw error("',' or '}' expected");
                    }
                }
            }
            skipSpace();
            if (position != text.length())
            {
                throw error("text after the object");
            }
            return members;
        }

        private Object value()
        {
            final char c = peek();
            if ('"' == c)
            {
                return string();
            }
            if ('-' == c || (c >= '0' && c <= '9'))
            {
                return jsonNumber();
            }
            if (text.startsWith("true", position))
            {
                position += 4;
                return Boolean.TRUE;
            }
            if (text.startsWith("false", position))
            {
                position += 5;
                return Boolean.FALSE;
            }
            if (text.startsWith("null", position))
            {
                position += 4;
                return null;
            }
            if ('{' == c || '[' == c)
            {
                throw error("nested objects and arrays are not expected");
            }
            throw error("a value expected");
        }

        private Double jsonNumber()
        {
            final int start = position;
            if (peek() == '-')
            {
                position++;
            }
            if (!digits())
            {
                throw error("a digit expected");
            }
            if (peek() == '.')
            {
                position++;
                if (!digits())
                {
                    throw error("a digit expected after '.'");
                }
            }
            if (peek() == 'e' || peek() == 'E')
            {
                position++;
                if (peek() == '+' || peek() == '-')
                {
                    position++;
                }
                if (!digits())
                {
                    throw error("a digit expected in the exponent");
                }
            }
            return Double.valueOf(text.substring(start, position));
        }

        private boolean digits()
        {
            final int start = position;
            while (position < text.length() && text.charAt(position) >= '0' && text.charAt(position) <= '9')
            {
                position++;
            }
            return position > start;
        }

        private String string()
        {
            expect('"');
            final StringBuilder out = new StringBuilder();
            while (true)
            {
                final char c = next();
                if ('"' == c)
                {
                    return out.toString();
                }
                if (c < 0x20)
                {
                    position--;
                    throw error("control character in a string");
                }
                if ('\\' != c)
                {
                    out.append(c);
                    continue;
                }
                final char escaped = next();
                switch (escaped)
                {
                    case '"':
                    case '\\':
                    case '/':
                        out.append(escaped);
                        break;
                    case 'b':
                        out.append('\b');
                        break;
                    case 'f':
                        out.append('\f');
                        break;
                    case 'n':
                        out.append('\n');
                        break;
                    case 'r':
                        out.append('\r');
                        break;
                    case 't':
                        out.append('\t');
                        break;
                    case 'u':
                        out.append(unicode());
                        break;
                    default:
                        position--;
                        throw error("bad escape '\\" + escaped + "'");
                }
            }
        }

        private char unicode()
        {
            int value = 0;
            for (int i = 0; i < 4; i++)
            {
                final int digit = Character.digit(peek(), 16);
                if (digit < 0)
                {
                    throw error("four hex digits expected");
                }
                value = value * 16 + digit;
                position++;
            }
            return (char)value;
        }

        private void skipSpace()
        {
            while (position < text.length() && " \t\r\n".indexOf(text.charAt(position)) >= 0)
            {
                position++;
            }
        }

        private char peek()
        {
            return position < text.length() ? text.charAt(position) : '\0';
        }

        private char next()
        {
            if (position >= text.length())
            {
                throw error("unexpected end");
            }
            return text.charAt(position++);
        }

        private void expect(final char c)
        {
            if (peek() != c)
            {
                throw error("'" + c + "' expected");
            }
            position++;
        }

        private IllegalArgumentException error(final String what)
        {
            return new IllegalArgumentException("bad JSON at " + position + ": " + what + ": " + text);
        }
    }
}
