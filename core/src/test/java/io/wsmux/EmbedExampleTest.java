package io.wsmux;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.wsmux.client.ChannelListener;
import io.wsmux.client.MuxClient;
import io.wsmux.client.MuxClientChannel;
import io.wsmux.client.WsmuxClient;
import io.wsmux.demo.EmbedExample;
import io.wsmux.demo.EmbedExample.User;
import org.agrona.DirectBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's embedding example ({@link EmbedExample}) with real clients: the JDK's WebSocket client (query token,
 * cookie header), the project's {@link MuxClient} over {@code wsmux.v1}, a raw socket for the 401's reason, and the
 * {@code websocket-multiplex} npm client over Node's {@code ws}. Identity flows from the upgrade hook to the channel
 * authorizer and to each service's channel.
 */
@Timeout(60)
class EmbedExampleTest
{
    private static final Map<String, User> USERS =
        Map.of("alice-token", new User("alice", true), "bob-token", new User("bob", false));

    private WsmuxServer server;

    @BeforeEach
    void start() throws Exception
    {
        server = EmbedExample.start(new WsmuxSettings().port(0).ioThreads(2), USERS);
    }

    @AfterEach
    void close()
    {
        server.close();
    }

    private URI uri(final String query)
    {
        return URI.create("ws://127.0.0.1:" + server.port() + "/mux" + (null == query ? "" : "?" + query));
    }

    @Test
    void shouldShowInTheReadmeExactlyTheExampleThatIsTested() throws Exception
    {
        final Path source = Paths.get("src/main/java/io/wsmux/demo/EmbedExample.java");
        final List<String> lines = Files.readAllLines(source, StandardCharsets.UTF_8);
        final int begin = lines.indexOf("        // README:begin");
        final int end = lines.indexOf("        // README:end");
        assertTrue(begin >= 0 && end > begin, "README markers in " + source);
        final StringBuilder snippet = new StringBuilder("```java\n");
        for (final String line : lines.subList(begin + 1, end))
        {
            snippet.append(line.isEmpty() ? "" : line.substring(8)).append('\n');
        }
        snippet.append("```\n");
        final String readme = Files.readString(Paths.get("../README.md"), StandardCharsets.UTF_8);
        assertTrue(readme.contains(snippet), () -> "README.md's 'Embed it' must show exactly:\n" + snippet);
    }

    @Test
    void shouldGreetByIdentityAndRefuseAdminChannelsToNonAdminsWithTheJdkClient() throws Exception
    {
        final MuxTextProtocolIntegrationTest.Client bob = new MuxTextProtocolIntegrationTest.Client();
        bob.webSocket = HttpClient.newHttpClient().newWebSocketBuilder()
            .buildAsync(uri("token=bob-token"), bob).get(5, TimeUnit.SECONDS);
        bob.send("sub,whoami");
        assertEquals("msg,whoami,hello bob", bob.next());
        bob.send("sub,admin.console");
        assertEquals("uns,admin.console", bob.next());

        final MuxTextProtocolIntegrationTest.Client alice = new MuxTextProtocolIntegrationTest.Client();
        alice.webSocket = HttpClient.newHttpClient().newWebSocketBuilder()
            .header("Cookie", "theme=dark; token=\"alice-token\"")
            .buildAsync(uri(null), alice).get(5, TimeUnit.SECONDS);
        alice.send("sub,admin.console");
        assertEquals("msg,admin.console,hello alice", alice.next());
    }

    @Test
    void shouldAnswer401WithTheHooksReasonWithoutAValidToken() throws Exception
    {
        final ExecutionException failure = assertThrows(ExecutionException.class, () -> HttpClient.newHttpClient()
            .newWebSocketBuilder()
            .buildAsync(uri("token=forged"), new MuxTextProtocolIntegrationTest.Client()).get(5, TimeUnit.SECONDS));
        final WebSocketHandshakeException handshake =
            assertInstanceOf(WebSocketHandshakeException.class, failure.getCause());
        assertEquals(401, handshake.getResponse().statusCode());

        try (HostileClient raw = HostileClient.connect(server.port()))
        {
            raw.writeAscii(HostileClient.upgradeRequest("/mux"));
            final HostileClient.HttpReply reply = raw.readHttpReply();
            assertEquals(401, reply.status());
            assertTrue(reply.body().contains("a valid token is required"), reply.toString());
        }
    }

    @Test
    void shouldOpenAllowedChannelsAndRefuseAdminWith403OverTheBinaryProtocolWithMuxClient() throws Exception
    {
        try (WsmuxClient client = WsmuxClient.start())
        {
            final MuxClient bob = MuxClient.connect(client, uri("token=bob-token")).get(5, TimeUnit.SECONDS);
            final BlockingQueue<String> events = new LinkedBlockingQueue<>();
            final ChannelListener listener = new ChannelListener()
            {
                @Override
                public void onText(
                    final MuxClientChannel channel, final DirectBuffer buffer, final int offset, final int length)
                {
                    events.add("text " + buffer.getStringWithoutLengthUtf8(offset, length));
                }

                @Override
                public void onRefused(final MuxClientChannel channel, final int code, final String reason)
                {
                    events.add("refused " + code + " " + reason);
                }
            };
            bob.open("whoami", listener);
            assertEquals("text hello bob", events.poll(5, TimeUnit.SECONDS));
            bob.open("admin.console", listener);
            assertEquals("refused 403 admins only", events.poll(5, TimeUnit.SECONDS));

            final CompletionException refused = assertThrows(CompletionException.class,
                () -> MuxClient.connect(client, uri(null)).join());
            final io.wsmux.client.WebSocketHandshakeException handshake =
                assertInstanceOf(io.wsmux.client.WebSocketHandshakeException.class, refused.getCause());
            assertEquals(401, handshake.status());
        }
    }

    @Test
    void shouldPassEveryCheckOfWebsocketMultiplexClientWithTokens() throws Exception
    {
        NodeMuxClientsIntegrationTest.runScript("auth-client.js", uri(null).toString());
        ClientInteropIntegrationTest.awaitNoOpenConnections(server);
    }

    @Test
    void shouldCallPerWebSocketHooksAndShowTheIdentityToAuthorizerAndChannels() throws Exception
    {
        server.close();
        final BlockingQueue<String> events = new LinkedBlockingQueue<>();
        final List<Connection> channels = new ArrayList<>();
        final WebSocketHandler service = new WebSocketHandler()
        {
            @Override
            public void onOpen(final Connection channel)
            {
                channels.add(channel);
                events.add("service " + channel.identity() + " " + (channel.webSocket() != channel) + " " +
                    channel.webSocket().identity() + " " + channel.handshake());
            }
        };
        final Multiplexer mux = Multiplexer.builder()
            .service("svc", service)
            .authorizer((webSocket, channel) ->
            {
                events.add("authorize " + webSocket.identity() + " " + channel);
                return null;
            })
            .onWebSocketOpen((webSocket) -> events.add("open " + webSocket.identity() + " " +
                webSocket.handshake().header("X-Desk") + " " + (webSocket.webSocket() == webSocket)))
            .onWebSocketClose((webSocket, code, reason) -> events.add("close " + webSocket.identity() + " " + code))
            .build();
        final UpgradeHook hook = (request) ->
        {
            request.identity("desk-" + request.header("X-Desk") + "@" +
                (request.remoteAddress().getAddress().isLoopbackAddress() ? "loopback" : "remote"));
            return null;
        };
        server = WsmuxServer.builder(new WsmuxSettings().port(0).ioThreads(1)).mux("/mux", mux, hook).build().start();

        try (HostileClient client = HostileClient.connect(server.port()))
        {
            client.upgrade("/mux", "X-Desk: 7");
            assertEquals("open desk-7@loopback 7 true", events.poll(5, TimeUnit.SECONDS));
            client.sendText("sub,svc");
            assertEquals("authorize desk-7@loopback svc", events.poll(5, TimeUnit.SECONDS));
            assertEquals("service desk-7@loopback true desk-7@loopback null", events.poll(5, TimeUnit.SECONDS));
            client.sendClose(4001, "done");
            client.readFrameAnsweringPings();
        }
        assertEquals("close desk-7@loopback 4001", events.poll(5, TimeUnit.SECONDS));
    }
}
