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
    void shouldParseDeflateAndThePayloadKind()
    {
        final LoadOptions defaults = LoadOptions.parse(new String[] {"echo"}).conclude();
        assertFalse(defaults.deflate());
        assertEquals(LoadOptions.PAYLOAD_FILLER, defaults.payloadKind());

        final LoadOptions options =
            LoadOptions.parse(new String[] {"fanout", "--deflate", "--payload-kind", "Ticks", "--payload", "1k"})
                .conclude();
        assertTrue(options.deflate());
        assertEquals(LoadOptions.PAYLOAD_TICKS, options.payloadKind());
        assertEquals(1024, options.payloadLength());
        assertTrue(options.toString().contains("payloadKind=ticks, deflate=true"), options::toString);
    }

    @Test
    void shouldRejectDeflateOverXhrStreamingAndUnknownPayloadKinds()
    {
        final IllegalArgumentException sockJs = assertThrows(IllegalArgumentException.class,
            () -> LoadOptions.parse(new String[] {"fanout", "--deflate", "--transport", "xhr-streaming"}).conclude());
        assertEquals("deflate is a WebSocket extension (permessage-deflate): not with transport=xhr-streaming",
            sockJs.getMessage());
        final IllegalArgumentException kind = assertThrows(IllegalArgumentException.class,
            () -> LoadOptions.parse(new String[] {"echo", "--payload-kind", "lorem"}).conclude());
        assertEquals("payload-kind must be filler or ticks: payloadKind=lorem", kind.getMessage());
    }

    @Test
    void shouldDescribeTheTransportInTheUsage()
    {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        LoadOptions.usage(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        final String usage = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(usage.contains("--transport websocket|xhr-streaming"), usage);
        assertTrue(usage.contains("--sockjs-prefix PATH"), usage);
        assertTrue(usage.contains("--deflate "), usage);
        assertTrue(usage.contains("--payload-kind filler|ticks"), usage);
        for (final String line : usage.split("\n"))
        {
            assertTrue(line.length() <= 120, line);
        }
    }
}
