package io.wsmux;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BrowserClientTest
{
    @Test
    void shouldLoadTheScriptFromTheClasspath()
    {
        final String script = new String(BrowserClient.script(), StandardCharsets.UTF_8);

        assertTrue(script.contains("window.Wsmux = Wsmux"), "defines window.Wsmux");
        assertTrue(script.contains("module.exports = Wsmux"), "exports for Node");
    }

    @Test
    void shouldGiveEachCallerItsOwnCopy()
    {
        final byte[] first = BrowserClient.script();
        final byte[] second = BrowserClient.script();
        assertNotSame(first, second);
        assertArrayEquals(first, second);

        first[0] = (byte)~first[0];
        assertArrayEquals(second, BrowserClient.script(), "a caller's changes do not reach the next caller");
    }
}
