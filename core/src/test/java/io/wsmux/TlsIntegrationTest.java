package io.wsmux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.Principal;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

import io.wsmux.client.ChannelListener;
import io.wsmux.client.ClientHandler;
import io.wsmux.client.ClientSettings;
import io.wsmux.client.MuxClient;
import io.wsmux.client.MuxClientChannel;
import io.wsmux.client.WebSocketClientConnection;
import io.wsmux.client.WsmuxClient;
import io.wsmux.status.SystemCounter;
import io.wsmux.transport.tls.TestCertificates;
import io.wsmux.transport.tls.TlsClientAuth;
import org.agrona.DirectBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * wss:// on the server's own loops, with real TLS peers over loopback: the JDK's {@code java.net.http.WebSocket} and
 * {@link SSLSocket}s, certificates from a test CA made with Bouncy Castle. Every bad input of the TLS layer gets a
 * clean close and its counter, and never harms the other connections.
 */
class TlsIntegrationTest
{
    private static final long TIMEOUT_MS = 10_000;

    @TempDir
    Path directory;

    private TestCertificates certificates;
    private WsmuxServer server;
    private final List<Socket> sockets = new ArrayList<>();

    @BeforeEach
    void createCertificates()
    {
        certificates = TestCertificates.create(directory.resolve("certs"));
    }

    @AfterEach
    void stop() throws IOException
    {
        for (final Socket socket : sockets)
        {
            socket.close();
        }
        if (null != server)
        {
            server.close();
        }
    }

    private WsmuxSettings tlsSettings()
    {
        return new WsmuxSettings().port(0).ioThreads(2).tlsPort(0)
            .tlsCert(certificates.serverChainPem().toString())
            .tlsKey(certificates.serverKeyPem().toString());
    }

    private void startEcho(final WsmuxSettings settings) throws IOException
    {
        server = WsmuxServer.builder(settings).anyPath(new EchoHandler()).build().start();
    }

    private URI wss(final String path)
    {
        return URI.create("wss://localhost:" + server.tlsPort() + path);
    }

    // ---- real clients ----

    @Test
    void shouldEchoTextAndBinaryToTheJdkWebSocketClientOverTls13AndTls12() throws Exception
    {
        startEcho(tlsSettings());
        for (final String protocol : new String[]{"TLSv1.3", "TLSv1.2"})
        {
            final SSLParameters parameters = new SSLParameters();
            parameters.setProtocols(new String[]{protocol});
            final HttpClient http = HttpClient.newBuilder()
                .sslContext(certificates.clientContext())
                .sslParameters(parameters)
                .build();
            final Collector collector = new Collector();
            final WebSocket socket = http.newWebSocketBuilder()
                .buildAsync(wss("/echo"), collector).get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            socket.sendText("hello over " + protocol, true).get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            assertEquals("hello over " + protocol, collector.next());

            // Larger than one record (16 KiB): the echo is split into records and reassembled.
            final String big = "x".repeat(200_000);
            socket.sendText(big, true).get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            assertEquals(big, collector.next());

            socket.sendBinary(ByteBuffer.wrap(new byte[]{1, 2, 3}), true).get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            assertEquals("binary:3", collector.next());
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            assertEquals("close:1000", collector.next());
        }
        AwaitCount.atLeast(() -> server.counter(SystemCounter.TLS_HANDSHAKES), 2);
    }

    @Test
    void shouldServePlainAndTlsPortsSideBySide() throws Exception
    {
        startEcho(tlsSettings());
        final HttpClient http = HttpClient.newBuilder().sslContext(certificates.clientContext()).build();
        final Collector secure = new Collector();
        final WebSocket tls = http.newWebSocketBuilder().buildAsync(wss("/a"), secure)
            .get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        final Collector plain = new Collector();
        final WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder()
            .buildAsync(URI.create("ws://127.0.0.1:" + server.port() + "/b"), plain)
            .get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        tls.sendText("secure", true).get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        ws.sendText("plain", true).get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        assertEquals("secure", secure.next());
        assertEquals("plain", plain.next());
    }

    @Test
    void shouldEchoToTheWsmuxClientOverWssAndRefuseACertificateForAnotherHost() throws Exception
    {
        // Bound to every loopback address, so that 127.0.0.2 reaches it: a name its certificate does not carry.
        startEcho(tlsSettings().bindAddress("0.0.0.0"));
        final BlockingQueue<String> texts = new LinkedBlockingQueue<>();
        final ClientHandler handler = new ClientHandler()
        {
            @Override
            public void onText(
                final WebSocketClientConnection connection, final DirectBuffer buffer, final int offset,
                final int length)
            {
                texts.add(buffer.getStringWithoutLengthUtf8(offset, length));
            }
        };
        try (WsmuxClient client = WsmuxClient.start(new ClientSettings().tlsTrustStore(certificates.caPem())))
        {
            final WebSocketClientConnection connection = client.connect(wss("/echo"), null, handler)
                .get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            final String big = "y".repeat(100_000);
            connection.sendText("over wss");
            connection.sendText(big);
            assertEquals("over wss", texts.poll(TIMEOUT_MS, TimeUnit.MILLISECONDS));
            assertEquals(big, texts.poll(TIMEOUT_MS, TimeUnit.MILLISECONDS));

            final ExecutionException wrongHost = assertThrows(ExecutionException.class, () -> client.connect(
                URI.create("wss://127.0.0.2:" + server.tlsPort() + "/echo"), null, handler)
                .get(TIMEOUT_MS, TimeUnit.MILLISECONDS));
            assertInstanceOf(SSLHandshakeException.class, cause(wrongHost, SSLHandshakeException.class),
                wrongHost.toString());
            assertTrue(wrongHost.getMessage().contains("127.0.0.2"), wrongHost.getMessage());
        }

        // A client that does not trust the test CA (the JDK's default trust store) refuses the server.
        try (WsmuxClient client = WsmuxClient.start(new ClientSettings()))
        {
            final ExecutionException untrusted = assertThrows(ExecutionException.class,
                () -> client.connect(wss("/echo"), null, handler).get(TIMEOUT_MS, TimeUnit.MILLISECONDS));
            assertInstanceOf(SSLHandshakeException.class, cause(untrusted, SSLHandshakeException.class),
                untrusted.toString());
        }
        AwaitCount.atLeast(() -> server.counter(SystemCounter.TLS_HANDSHAKE_FAILURES), 2);
    }

    private static Throwable cause(final Throwable failure, final Class<? extends Throwable> type)
    {
        Throwable cause = failure;
        while (null != cause && !type.isInstance(cause))
        {
            cause = cause.getCause();
        }
        return cause;
    }

    @Test
    void shouldCarryTheJavaMuxClientsChannelsOverWss() throws Exception
    {
        final Multiplexer mux = Multiplexer.builder().topicPrefix("prices.", TopicOptions.RELIABLE).build();
        server = WsmuxServer.builder(tlsSettings()).mux("/mux", mux).build().start();
        final BlockingQueue<String> received = new LinkedBlockingQueue<>();
        try (WsmuxClient client = WsmuxClient.start(new ClientSettings().tlsTrustStore(certificates.caPem())))
        {
            final MuxClient muxClient = MuxClient.connect(client, wss("/mux")).get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            final CompletableFuture<Void> opened = new CompletableFuture<>();
            muxClient.open("prices.EURUSD", new ChannelListener()
            {
                @Override
                public void onOpened(final MuxClientChannel channel)
                {
                    opened.complete(null);
                }

                @Override
                public void onText(
                    final MuxClientChannel channel, final DirectBuffer buffer, final int offset, final int length)
                {
                    received.add(buffer.getStringWithoutLengthUtf8(offset, length));
                }
            });
            opened.get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            final Topic topic = mux.topic("prices.EURUSD");
            for (int i = 0; i < 100; i++)
            {
                topic.publish("1.08" + i);
            }
            for (int i = 0; i < 100; i++)
            {
                assertEquals("1.08" + i, received.poll(TIMEOUT_MS, TimeUnit.MILLISECONDS));
            }
        }
    }

    @Test
    void shouldServeSockJsPollingOverHttpsAcrossLoops() throws Exception
    {
        // Two loops: a request whose session lives on the other loop hands its socket, TLS session and all, over.
        server = WsmuxServer.builder(tlsSettings().ioThreads(2)).sockJs("/echo", new EchoHandler()).build().start();
        final HttpClient http = HttpClient.newBuilder().sslContext(certificates.clientContext()).build();
        final String base = "https://localhost:" + server.tlsPort() + "/echo";
        final java.net.http.HttpResponse<String> info = http.send(
            java.net.http.HttpRequest.newBuilder(URI.create(base + "/info")).build(),
            java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(200, info.statusCode());
        assertTrue(info.body().contains("\"websocket\":true"), info.body());
        for (int session = 0; session < 8; session++)
        {
            final String url = base + "/000/tls" + session;
            assertEquals("o\n", post(url + "/xhr", ""));
            post(url + "/xhr_send", "[\"hello " + session + "\"]");
            assertEquals("a[\"hello " + session + "\"]\n", post(url + "/xhr", ""));
        }
        // 24 requests on 24 connections, spread over the two loops by the kernel: some arrived on the loop that does
        // not own their session and were handed over, TLS and all.
        AwaitCount.atLeast(() -> server.counter(SystemCounter.SOCKET_HANDOFFS), 1);
    }

    /**
     * POST on a connection of its own (a new client each time), so that requests land on either loop.
     */
    private String post(final String url, final String body) throws Exception
    {
        final HttpClient http = HttpClient.newBuilder().sslContext(certificates.clientContext()).build();
        return http.send(java.net.http.HttpRequest.newBuilder(URI.create(url))
            .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build(),
            java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    }

    // ---- bad input: each gets a clean close and a counter ----

    @Test
    void shouldAnswerPlaintextOnTheTlsPortWith400NamingTheScheme() throws Exception
    {
        startEcho(tlsSettings());
        final Socket socket = connect(server.tlsPort());
        socket.getOutputStream().write(("GET /echo HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n" +
            "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
            "Sec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        final String response = readAll(socket);
        assertTrue(response.startsWith("HTTP/1.1 400 Bad Request\r\n"), response);
        assertTrue(response.contains("This port speaks TLS: use https:// or wss://"), response);
        AwaitCount.atLeast(() -> server.counter(SystemCounter.TLS_PLAINTEXT_REFUSED), 1);
        assertEchoStillWorks();
    }

    @Test
    void shouldAnswerATlsClientHelloOnThePlainPortWith400() throws Exception
    {
        startEcho(tlsSettings());
        final Socket socket = connect(server.port());
        socket.getOutputStream().write(clientHello());
        final String response = readAll(socket);
        assertTrue(response.startsWith("HTTP/1.1 400 Bad Request\r\n"), response);
        assertTrue(response.contains("this port speaks plain HTTP and WebSocket"), response);
        AwaitCount.atLeast(() -> server.counter(SystemCounter.HANDSHAKES_FAILED_TLS_ON_PLAIN_PORT), 1);

        // And a real TLS client on the plain port fails its handshake rather than hanging.
        final SSLSocket tls = (SSLSocket)certificates.clientContext().getSocketFactory()
            .createSocket("localhost", server.port());
        sockets.add(tls);
        tls.setSoTimeout((int)TIMEOUT_MS);
        assertThrows(IOException.class, tls::startHandshake);
        assertEchoStillWorks();
    }

    @Test
    void shouldCountATruncatedRecordAndClose() throws Exception
    {
        startEcho(tlsSettings());
        final Socket socket = connect(server.tlsPort());
        final byte[] hello = clientHello();
        socket.getOutputStream().write(hello, 0, hello.length / 2); // half a record, then end of stream
        socket.shutdownOutput();
        assertEquals(-1, socket.getInputStream().read());
        AwaitCount.atLeast(() -> server.counter(SystemCounter.TLS_TRUNCATED), 1);
        assertEchoStillWorks();
    }

    @Test
    void shouldCloseAHandshakeThatNeverFinishesAtTheHandshakeTimeout() throws Exception
    {
        startEcho(tlsSettings().handshakeTimeoutNs(TimeUnit.MILLISECONDS.toNanos(300)));
        final Socket silent = connect(server.tlsPort());
        final Socket stalled = connect(server.tlsPort());
        final byte[] hello = clientHello();
        stalled.getOutputStream().write(hello, 0, 20); // starts, never finishes
        assertEchoStillWorks(); // meanwhile others are served
        assertEquals(-1, readUntilClosed(silent));
        assertEquals(-1, readUntilClosed(stalled));
        AwaitCount.atLeast(() -> server.counter(SystemCounter.HANDSHAKES_FAILED_TIMEOUT), 2);
    }

    @Test
    void shouldCloseAClientThatStopsReadingMidHandshake() throws Exception
    {
        startEcho(tlsSettings().handshakeTimeoutNs(TimeUnit.MILLISECONDS.toNanos(300)));
        final Socket socket = connect(server.tlsPort());
        socket.setReceiveBufferSize(1024);
        socket.getOutputStream().write(clientHello()); // a whole ClientHello; the server's flight is never read
        assertEchoStillWorks();
        AwaitCount.atLeast(() -> server.counter(SystemCounter.HANDSHAKES_FAILED_TIMEOUT), 1);
        AwaitCount.atMost(() -> server.counter(SystemCounter.TLS_HANDSHAKING), 0);
    }

    @Test
    void shouldRefuseATls12RenegotiationAndClose() throws Exception
    {
        startEcho(tlsSettings());
        final SSLSocket socket = (SSLSocket)certificates.clientContext().getSocketFactory()
            .createSocket("localhost", server.tlsPort());
        sockets.add(socket);
        socket.setSoTimeout((int)TIMEOUT_MS);
        socket.setEnabledProtocols(new String[]{"TLSv1.2"});
        socket.startHandshake();
        assertEquals("TLSv1.2", socket.getSession().getProtocol());
        socket.startHandshake(); // asks to renegotiate
        assertThrows(IOException.class, () ->
        {
            socket.getOutputStream().write(upgradeRequest("/x"));
            socket.getOutputStream().flush();
            while (socket.getInputStream().read() >= 0)
            {
                // drain until the server's close shows
            }
            throw new IOException("closed");
        });
        AwaitCount.atLeast(() -> server.counter(SystemCounter.TLS_RENEGOTIATIONS_REFUSED), 1);
        assertEchoStillWorks();
    }

    @Test
    void shouldCloseOnARecordThatFailsToDecryptAfterTheHandshake() throws Exception
    {
        startEcho(tlsSettings());
        final Socket tcp = connect(server.tlsPort());
        final SSLSocket socket = (SSLSocket)certificates.clientContext().getSocketFactory()
            .createSocket(tcp, "localhost", server.tlsPort(), false);
        socket.setSoTimeout((int)TIMEOUT_MS);
        socket.startHandshake();
        // An application-data record of 32 bytes of garbage on the raw socket: its tag cannot verify.
        final byte[] record = new byte[5 + 32];
        record[0] = 23;
        record[1] = 3;
        record[2] = 3;
        record[4] = 32;
        tcp.getOutputStream().write(record);
        assertEquals(-1, readUntilClosed(tcp));
        AwaitCount.atLeast(() -> server.counter(SystemCounter.TLS_BAD_RECORDS), 1);
        assertEchoStillWorks();
    }

    // ---- mutual TLS ----

    @Test
    void shouldHandTheClientCertificateSubjectToTheHookAndAsIdentity() throws Exception
    {
        final AtomicReference<Principal> seenByHook = new AtomicReference<>();
        final AtomicReference<Object> identity = new AtomicReference<>();
        final WsmuxSettings settings = tlsSettings().tlsClientAuth(TlsClientAuth.REQUIRED)
            .tlsClientCa(certificates.caPem().toString());
        server = WsmuxServer.builder(settings)
            .endpoint("/secure", new WebSocketHandler()
            {
                @Override
                public void onOpen(final Connection connection)
                {
                    identity.set(connection.identity());
                }
            }, (request) ->
            {
                seenByHook.set(request.peerPrincipal());
                return null;
            })
            .build().start();

        final SSLSocket socket = (SSLSocket)certificates.clientContextWithClientCertificate().getSocketFactory()
            .createSocket("localhost", server.tlsPort());
        sockets.add(socket);
        socket.setSoTimeout((int)TIMEOUT_MS);
        socket.getOutputStream().write(upgradeRequest("/secure"));
        assertTrue(readHead(socket.getInputStream()).startsWith("HTTP/1.1 101"));
        final String subject = certificates.clientCertificate().getSubjectX500Principal().getName();
        AwaitCount.atLeast(() -> null == identity.get() ? 0 : 1, 1);
        assertEquals(subject, seenByHook.get().getName());
        assertEquals(subject, ((Principal)identity.get()).getName());

        // Without a certificate the handshake fails, and is counted.
        final SSLSocket anonymous = (SSLSocket)certificates.clientContext().getSocketFactory()
            .createSocket("localhost", server.tlsPort());
        sockets.add(anonymous);
        anonymous.setSoTimeout((int)TIMEOUT_MS);
        assertThrows(IOException.class, () ->
        {
            anonymous.startHandshake();
            anonymous.getOutputStream().write(upgradeRequest("/secure"));
            readHead(anonymous.getInputStream());
        });
        AwaitCount.atLeast(() -> server.counter(SystemCounter.TLS_HANDSHAKE_FAILURES), 1);
    }

    // ---- certificates: reload, and startup errors ----

    @Test
    void shouldServeAReloadedCertificateToNewHandshakesOnly() throws Exception
    {
        final Path live = Files.createDirectories(directory.resolve("live"));
        final Path chain = live.resolve("chain.pem");
        final Path key = live.resolve("key.pem");
        Files.copy(certificates.serverChainPem(), chain);
        Files.copy(certificates.serverKeyPem(), key);
        startEcho(new WsmuxSettings().port(0).ioThreads(1).tlsPort(0).tlsCert(chain.toString())
            .tlsKey(key.toString()).tlsReloadIntervalNs(0));

        final SSLSocket before = openTls(certificates.clientContext());
        final X509Certificate first = (X509Certificate)before.getSession().getPeerCertificates()[0];

        // A new certificate (from another CA: the clients below trust the one that signed what they expect).
        final TestCertificates renewed = TestCertificates.create(directory.resolve("renewed"));
        Files.copy(renewed.serverChainPem(), chain, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(renewed.serverKeyPem(), key, StandardCopyOption.REPLACE_EXISTING);
        server.reloadTls();
        assertEquals(1, server.tlsReloads());

        final SSLSocket after = openTls(renewed.clientContext());
        final X509Certificate second = (X509Certificate)after.getSession().getPeerCertificates()[0];
        assertNotEquals(first.getSerialNumber(), second.getSerialNumber());

        // The connection made before still works, on its old session.
        before.getOutputStream().write(upgradeRequest("/still"));
        assertTrue(readHead(before.getInputStream()).startsWith("HTTP/1.1 101"));

        // A broken file is refused with the file named, and the certificate in use stays.
        Files.writeString(key, "not a key");
        final WsmuxConfigurationException broken = assertThrows(WsmuxConfigurationException.class,
            server::reloadTls);
        assertTrue(broken.getMessage().contains(key.toAbsolutePath().toString()), broken.getMessage());
        final SSLSocket stillServed = openTls(renewed.clientContext());
        assertEquals(second.getSerialNumber(),
            ((X509Certificate)stillServed.getSession().getPeerCertificates()[0]).getSerialNumber());
    }

    @Test
    void shouldFailStartupWithOneLineNamingAnExpiredCertificate()
    {
        final WsmuxConfigurationException failure = assertThrows(WsmuxConfigurationException.class, () ->
            WsmuxServer.builder(new WsmuxSettings().port(0).tlsPort(0)
                .tlsCert(certificates.expiredChainPem().toString())
                .tlsKey(certificates.expiredKeyPem().toString())).anyPath(new EchoHandler()).build());
        assertTrue(failure.getMessage().contains(certificates.expiredChainPem().toAbsolutePath().toString()),
            failure.getMessage());
        assertTrue(failure.getMessage().contains("expired"), failure.getMessage());
        assertEquals(-1, failure.getMessage().indexOf('\n'));
    }

    @Test
    void shouldFailStartupWithOneLineNamingAKeyThatDoesNotMatch()
    {
        final WsmuxConfigurationException failure = assertThrows(WsmuxConfigurationException.class, () ->
            WsmuxServer.builder(new WsmuxSettings().port(0).tlsPort(0)
                .tlsCert(certificates.serverChainPem().toString())
                .tlsKey(certificates.otherKeyPem().toString())).anyPath(new EchoHandler()).build());
        assertTrue(failure.getMessage().contains(certificates.otherKeyPem().toAbsolutePath().toString()),
            failure.getMessage());
        assertTrue(failure.getMessage().contains("does not match"), failure.getMessage());
    }

    @Test
    void shouldLoadAPkcs12Keystore() throws Exception
    {
        startEcho(new WsmuxSettings().port(0).ioThreads(1).tlsPort(0)
            .tlsKeystore(certificates.serverP12().toString())
            .tlsKeystorePassword(new String(TestCertificates.password())));
        final SSLSocket socket = openTls(certificates.clientContext());
        socket.getOutputStream().write(upgradeRequest("/p12"));
        assertTrue(readHead(socket.getInputStream()).startsWith("HTTP/1.1 101"));
    }

    @Test
    void shouldServeAnSslContextTheApplicationGivesWithoutFiles() throws Exception
    {
        server = WsmuxServer.builder(new WsmuxSettings().port(0).ioThreads(1).tlsPort(0))
            .tls(certificates.serverContext()).anyPath(new EchoHandler()).build().start();
        final SSLSocket socket = openTls(certificates.clientContext());
        socket.getOutputStream().write(upgradeRequest("/given"));
        assertTrue(readHead(socket.getInputStream()).startsWith("HTTP/1.1 101"));
        assertThrows(IllegalStateException.class, server::reloadTls);
    }

    @Test
    void shouldRefuseATlsPortWithoutACertificate()
    {
        final WsmuxConfigurationException failure = assertThrows(WsmuxConfigurationException.class,
            () -> WsmuxServer.builder(new WsmuxSettings().port(0).tlsPort(0)).anyPath(new EchoHandler()).build());
        assertTrue(failure.getMessage().startsWith("wsmux.tls.port must be set with a certificate"),
            failure.getMessage());
    }

    // ---- helpers ----

    private SSLSocket openTls(final SSLContext context) throws IOException
    {
        final SSLSocket socket = (SSLSocket)context.getSocketFactory().createSocket("localhost", server.tlsPort());
        sockets.add(socket);
        socket.setSoTimeout((int)TIMEOUT_MS);
        final SSLParameters parameters = socket.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        socket.setSSLParameters(parameters);
        socket.startHandshake();
        return socket;
    }

    private void assertEchoStillWorks() throws Exception
    {
        final HttpClient http = HttpClient.newBuilder().sslContext(certificates.clientContext()).build();
        final Collector collector = new Collector();
        final WebSocket socket = http.newWebSocketBuilder().buildAsync(wss("/still"), collector)
            .get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        socket.sendText("still here", true).get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        assertEquals("still here", collector.next());
        socket.abort();
    }

    private Socket connect(final int port) throws IOException
    {
        final Socket socket = new Socket();
        sockets.add(socket);
        socket.setSoTimeout((int)TIMEOUT_MS);
        socket.connect(new InetSocketAddress("127.0.0.1", port), (int)TIMEOUT_MS);
        return socket;
    }

    /**
     * A real ClientHello, as the JDK's client engine writes it first.
     */
    private byte[] clientHello() throws IOException
    {
        final SSLEngine engine = certificates.clientContext().createSSLEngine("localhost", 443);
        engine.setUseClientMode(true);
        final ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        final SSLEngineResult result = engine.wrap(ByteBuffer.allocate(0), out);
        assertEquals(SSLEngineResult.Status.OK, result.getStatus());
        out.flip();
        final byte[] bytes = new byte[out.remaining()];
        out.get(bytes);
        assertEquals(22, bytes[0]);
        return bytes;
    }

    private static byte[] upgradeRequest(final String path)
    {
        return ("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII);
    }

    private static String readHead(final InputStream in) throws IOException
    {
        final ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4)
        {
            final int b = in.read();
            if (b < 0)
            {
                throw new IOException("closed before the response head ended: " + head);
            }
            head.write(b);
            matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toString(StandardCharsets.US_ASCII);
    }

    private static String readAll(final Socket socket) throws IOException
    {
        return new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
    }

    /**
     * Read and discard until the peer closes: -1, or the exception the TLS layer throws for a reset.
     */
    private static int readUntilClosed(final Socket socket) throws IOException
    {
        final InputStream in = socket.getInputStream();
        final byte[] buffer = new byte[4096];
        try
        {
            while (in.read(buffer) >= 0)
            {
                // discard: the server's handshake flight, an alert
            }
            return -1;
        }
        catch (final SocketTimeoutException ex)
        {
            throw ex;
        }
        catch (final IOException ex) // connection reset
        {
            return -1;
        }
    }

    /**
     * Collects what a {@link WebSocket} receives, one string per message: text as is, binary as its length, the
     * close as its code.
     */
    private static final class Collector implements WebSocket.Listener
    {
        private final LinkedBlockingQueue<String> received = new LinkedBlockingQueue<>();
        private final StringBuilder text = new StringBuilder();
        private int binaryLength;

        @Override
        public CompletionStage<?> onText(final WebSocket webSocket, final CharSequence data, final boolean last)
        {
            text.append(data);
            if (last)
            {
                received.add(text.toString());
                text.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(final WebSocket webSocket, final ByteBuffer data, final boolean last)
        {
            binaryLength += data.remaining();
            if (last)
            {
                received.add("binary:" + binaryLength);
                binaryLength = 0;
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(final WebSocket webSocket, final int statusCode, final String reason)
        {
            received.add("close:" + statusCode);
            return CompletableFuture.completedFuture(null);
        }

        String next() throws InterruptedException
        {
            final String message = received.poll(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            if (null == message)
            {
                throw new AssertionError("nothing received within " + TIMEOUT_MS + " ms");
            }
            return message;
        }
    }
}
