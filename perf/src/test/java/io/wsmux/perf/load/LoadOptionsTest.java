package io.wsmux.perf.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;

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
    void shouldTakeWssUrlsAndTheClientsTlsOptions()
    {
        final LoadOptions options = LoadOptions.parse(new String[] {"echo", "--url", "wss://localhost:9302/",
            "--trust", "/tmp/ca.pem", "--tls-protocol", "TLSv1.3", "--tls-cipher", "TLS_AES_128_GCM_SHA256"})
            .conclude();
        assertTrue(options.tls());
        assertEquals("/tmp/ca.pem", options.trust());
        assertEquals("TLSv1.3", options.tlsProtocol());
        assertEquals("TLS_AES_128_GCM_SHA256", options.tlsCipher());
        assertTrue(options.toString().contains("trust=/tmp/ca.pem, tlsProtocol=TLSv1.3, " +
            "tlsCipher=TLS_AES_128_GCM_SHA256"), options::toString);

        final LoadOptions plain = LoadOptions.parse(new String[] {"echo", "--url", "ws://127.0.0.1:9301/"}).conclude();
        assertFalse(plain.tls());
        assertNull(plain.clientTls(), "no TLS for ws://");
        assertNull(plain.trust());
    }

    @Test
    void shouldRejectBadTlsOptions()
    {
        final IllegalArgumentException scheme = assertThrows(IllegalArgumentException.class,
            () -> LoadOptions.parse(new String[] {"echo", "--url", "https://127.0.0.1/"}).conclude());
        assertEquals("url must be ws://host[:port]/path or wss://...: url=https://127.0.0.1/", scheme.getMessage());
        final IllegalArgumentException protocol = assertThrows(IllegalArgumentException.class,
            () -> LoadOptions.parse(new String[] {"echo", "--url", "wss://localhost/", "--tls-protocol", "TLSv1.1"})
                .conclude());
        assertEquals("tls-protocol must be one of [TLSv1.3, TLSv1.2]: tlsProtocol=TLSv1.1", protocol.getMessage());
        final IllegalArgumentException cipher = assertThrows(IllegalArgumentException.class,
            () -> LoadOptions.parse(new String[] {"echo", "--url", "wss://localhost/", "--tls-cipher", "AES"})
                .conclude());
        assertTrue(cipher.getMessage().startsWith("tls-cipher must be a cipher suite this JDK supports"),
            cipher.getMessage());
        final IllegalArgumentException sockJs = assertThrows(IllegalArgumentException.class,
            () -> LoadOptions.parse(new String[] {"fanout", "--url", "wss://localhost/", "--transport",
                "xhr-streaming"}).conclude());
        assertEquals("transport xhr-streaming is over http:// only, not with a wss:// url: url=wss://localhost/",
            sockJs.getMessage());
        final LoadOptions missingTrust = LoadOptions.parse(new String[] {"echo", "--url", "wss://localhost/",
            "--trust", "/nonexistent/ca.pem"}).conclude();
        assertThrows(IllegalArgumentException.class, missingTrust::clientTls);
    }

    @Test
    void shouldDefaultTheHandshakesScenarioTo32ConnectionsFromFourSources()
    {
        final LoadOptions options = LoadOptions.parse(new String[] {"handshakes", "--url", "wss://127.0.0.1:9302/"})
            .conclude();
        assertEquals(LoadOptions.HANDSHAKES, options.scenario());
        assertEquals(32, options.connections());
        assertEquals(4, options.sourceAddresses());

        final LoadOptions plain = LoadOptions.parse(new String[] {"handshakes", "--url", "ws://127.0.0.1:9301/",
            "--connections", "8", "--source-addresses", "1"}).conclude();
        assertEquals(8, plain.connections());
        assertEquals(1, plain.sourceAddresses());

        final IllegalArgumentException tooMany = assertThrows(IllegalArgumentException.class,
            () -> LoadOptions.parse(new String[] {"handshakes", "--connections", "5000"}).conclude());
        assertEquals("connections must be 1..4000 for handshakes: connections=5000", tooMany.getMessage());
        final IllegalArgumentException sockJs = assertThrows(IllegalArgumentException.class,
            () -> LoadOptions.parse(new String[] {"handshakes", "--transport", "xhr-streaming"}).conclude());
        assertEquals("transport xhr-streaming is for fanout and connections, not handshakes: " +
            "transport=xhr-streaming", sockJs.getMessage());
    }

    @Test
    void shouldSplitSubscribersEvenlyOverTheSubscriberUrlsInOrder()
    {
        final LoadOptions options = LoadOptions.parse(new String[] {"fanout", "--subscribers", "10",
            "--publisher-url", "ws://127.0.0.1:1/", "--subscriber-urls",
            "ws://127.0.0.1:1/, ws://127.0.0.1:2/,ws://h:3/"}).conclude();

        assertEquals(List.of(URI.create("ws://127.0.0.1:1/"), URI.create("ws://127.0.0.1:2/"),
            URI.create("ws://h:3/")), options.subscriberUrls());
        final int[] perNode = new int[3];
        for (int i = 0; i < 10; i++)
        {
            perNode[options.subscriberNode(i)]++;
        }
        assertEquals(List.of(4, 3, 3), List.of(perNode[0], perNode[1], perNode[2]));
        assertEquals(0, options.subscriberNode(0));
        assertEquals(2, options.subscriberNode(9));
    }

    @Test
    void shouldKeepEverySubscriberOnTheUrlWithoutSubscriberUrls()
    {
        final LoadOptions options = LoadOptions.parse(new String[] {"fanout", "--subscribers", "7"}).conclude();

        assertEquals(List.of(), options.subscriberUrls());
        for (int i = 0; i < 7; i++)
        {
            assertEquals(0, options.subscriberNode(i));
        }
    }

    @Test
    void shouldRejectSubscriberUrlsThatCannotBeUsed()
    {
        assertEquals("subscriber-urls is for fanout only, not echo", conclusion("echo", "--subscriber-urls",
            "ws://127.0.0.1:1/"));
        assertEquals("subscriber-urls is for WebSocket subscribers, not with transport=xhr-streaming",
            conclusion("fanout", "--transport", "xhr-streaming", "--subscriber-urls", "ws://127.0.0.1:1/"));
        assertEquals("subscriber-urls: at most one URL per subscriber: subscriberUrls=3, subscribers=2",
            conclusion("fanout", "--subscribers", "2", "--subscriber-urls", "ws://a:1/,ws://b:1/,ws://c:1/"));
        assertEquals("subscriber-urls must be ws://host[:port]/path like url: wss://a:1/",
            conclusion("fanout", "--subscriber-urls", "ws://a:1/,wss://a:1/"));
        final IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
            () -> LoadOptions.parse(new String[] {"fanout", "--subscriber-urls", "ws://a:1/,,ws://b:1/"}));
        assertEquals("--subscriber-urls has an empty item: ws://a:1/,,ws://b:1/", empty.getMessage());
    }

    private static String conclusion(final String... args)
    {
        return assertThrows(IllegalArgumentException.class, () -> LoadOptions.parse(args).conclude()).getMessage();
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
        assertTrue(usage.contains("--trust FILE"), usage);
        assertTrue(usage.contains("--tls-protocol P"), usage);
        assertTrue(usage.contains("--tls-cipher S"), usage);
        assertTrue(usage.contains("handshakes: C connections at once"), usage);
        assertTrue(usage.contains("--subscriber-urls LIST"), usage);
        for (final String line : usage.split("\n"))
        {
            assertTrue(line.length() <= 120, line);
        }
    }
}
