package io.wsmux.codec.mux;

import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JsEscapeTest
{
    // escape() of the 128 ASCII code units 0..127 in order, written out by hand from ECMA-262 B.2.1.1: the ASCII
    // word characters and @*+-./ stay, everything else is %XX in upper case.
    private static final String ESCAPED_ASCII =
        "%00%01%02%03%04%05%06%07%08%09%0A%0B%0C%0D%0E%0F" +
        "%10%11%12%13%14%15%16%17%18%19%1A%1B%1C%1D%1E%1F" +
        "%20%21%22%23%24%25%26%27%28%29*+%2C-./" +
        "0123456789%3A%3B%3C%3D%3E%3F" +
        "@ABCDEFGHIJKLMNOPQRSTUVWXYZ%5B%5C%5D%5E_" +
        "%60abcdefghijklmnopqrstuvwxyz%7B%7C%7D%7E%7F";

    @ParameterizedTest(name = "escape({0}) = {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "chat room | chat%20room",
        "a,b | a%2Cb",
        "\u00e4 | %E4",
        "\u00e9\u00ff | %E9%FF",
        "\u20ac | %u20AC",
        "\uD83D\uDE00 | %uD83D%uDE00",
        "\u4e16\u754c | %u4E16%u754C",
        "\u0100\uffff | %u0100%uFFFF",
        "\uD800x | %uD800x",
        "@*_+-./ | @*_+-./",
        "~!#$&'()=:;?[]{} | %7E%21%23%24%26%27%28%29%3D%3A%3B%3F%5B%5D%7B%7D",
        "100% | 100%25",
        "\"\" | \"\"",
    })
    void shouldEscapeLikeJavaScript(final String raw, final String escaped)
    {
        assertEquals(escaped, JsEscape.escape(raw));
    }

    @Test
    void shouldEscapeFullAsciiRangeAsDerivedFromSpec()
    {
        final StringBuilder ascii = new StringBuilder();
        for (char c = 0; c < 128; c++)
        {
            ascii.append(c);
        }

        assertEquals(ESCAPED_ASCII, JsEscape.escape(ascii.toString()));
    }

    @Test
    void shouldReturnSameInstanceWhenNothingNeedsEscaping()
    {
        final String name = "prices.EUR-USD/top_10@venue*2+1";

        assertSame(name, JsEscape.escape(name));
    }

    @ParameterizedTest(name = "unescape({0}) = {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "chat%20room | chat room",
        "%41 | A",
        "%e4%E4 | \u00e4\u00e4",
        "%u20ac%u20AC | \u20ac\u20ac",
        "%uD83D%uDE00 | \uD83D\uDE00",
        "%u00411 | A1",
        "%%41 | %A",
        "%u%41 | %uA",
        "% | %",
        "100% | 100%",
        "%4 | %4",
        "%zz | %zz",
        "%4g | %4g",
        "%u12 | %u12",
        "%u123 | %u123",
        "%u12G4 | %u12G4",
        "%U0041 | %U0041",
        "%\uFF21\uFF21 | %\uFF21\uFF21",
        "%u\u0661\u0662\u0663\u0664 | %u\u0661\u0662\u0663\u0664",
        "\"\" | \"\"",
    })
    void shouldUnescapeLikeJavaScriptLeavingMalformedEscapes(final String escaped, final String raw)
    {
        assertEquals(raw, JsEscape.unescape(escaped));
    }

    @Test
    void shouldRoundTripRandomStringsIncludingAstralAndLoneSurrogates()
    {
        final long seed = 0xE5CA9EL;
        final Random random = new Random(seed);
        for (int i = 0; i < 20_000; i++)
        {
            final String raw = randomString(random);
            final String escaped = JsEscape.escape(raw);
            final String context = "seed=" + seed + " iteration=" + i;

            assertEquals(raw, JsEscape.unescape(escaped), context);
            assertTrue(escaped.chars().allMatch((c) -> c < 128 && c != ','), context);
        }
    }

    private static String randomString(final Random random)
    {
        final String ascii = "%u,AF09af @*_+-./~";
        final StringBuilder builder = new StringBuilder();
        final int length = random.nextInt(12);
        for (int i = 0; i < length; i++)
        {
            switch (random.nextInt(5))
            {
                case 0:
                    builder.append(ascii.charAt(random.nextInt(ascii.length())));
                    break;
                case 1:
                    builder.append((char)random.nextInt(256));
                    break;
                case 2:
                    builder.append((char)random.nextInt(0x10000));
                    break;
                case 3:
                    builder.appendCodePoint(0x10000 + random.nextInt(0x100000));
                    break;
                default:
                    builder.append((char)(0xD800 + random.nextInt(0x800)));
                    break;
            }
        }

        return builder.toString();
    }
}
