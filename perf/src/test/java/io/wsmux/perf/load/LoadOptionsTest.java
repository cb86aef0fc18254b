package io.wsmux.perf.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class LoadOptionsTest
{
    @Test
    void shouldDefaultToWebSocketsUnderTheFanOutModesSockJsPrefix()
    {
        final LoadOptions options = LoadOptions.parse(new String[] {"fanout"}).conclude();
        assertEquals(LoadOptions.WEBSOCKET, options.transport());
        assertFalse(options.xhrStreaming());
        assertEquals("/sockjs", options.sockJsPrefix());
    }

    @Test
    void shouldParseTransportAndPrefix()
    {
        final LoadOptions options = LoadOptions.parse(
            new String[] {"connections", "--transport", "XHR-Streaming", "--sockjs-prefix", "/a/b"}).conclude();
        assertTrue(options.xhrStreaming());
        assertEquals("/a/b", options.sockJsPrefix());
    }

    @Test
    void shouldRejectXhrStreamingForEchoAndUnknownTransports()
    {
        final IllegalArgumentException echo = assertThrows(IllegalArgumentException.class,
            () -> LoadOptions.parse(new String[] {"echo", "--transport", "xhr-streaming"}).conclude());
        assertEquals("transport xhr-streaming is for fanout and connections, not echo: transport=xhr-streaming",
            echo.getMessage());
        final IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
            () -> LoadOptions.parse(new String[] {"fanout", "--transport", "eventsource"}).conclude());
        assertEquals("transport must be websocket or xhr-streaming: transport=eventsource", unknown.getMessage());
        final IllegalArgumentException prefix = assertThrows(IllegalArgumentException.class,
            () -> LoadOptions.parse(new String[] {"fanout", "--sockjs-prefix", "/sockjs/"}).conclude());
        assertEquals("sockjs-prefix must start with '/' and not end with one: sockJsPrefix=/sockjs/",
            prefix.getMessage());
    }

    @Test
    void shouldDescribeTheTransportInTheUsage()
    {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        LoadOptions.usage(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        final String usage = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(usage.contains("--transport websocket|xhr-streaming"), usage);
        assertTrue(usage.contains("--sockjs-prefix PATH"), usage);
        for (final String line : usage.split("\n"))
        {
            assertTrue(line.length() <= 120, line);
        }
    }
}
