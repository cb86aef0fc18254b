package io.wsmux.perf.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Path;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

import io.wsmux.EchoHandler;
import io.wsmux.Main;
import io.wsmux.WsmuxServer;
import io.wsmux.WsmuxSettings;
import io.wsmux.client.ClientHandler;
import io.wsmux.client.ClientSettings;
import io.wsmux.client.WebSocketClientConnection;
import io.wsmux.client.WsmuxClient;
import io.wsmux.transport.tls.TestCertificates;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every scenario of the {@link LoadGenerator} over {@code wss://} against an in-process wsmux server with throwaway
 * certificates, and the handshakes scenario over {@code ws://} too: the runs must be clean, negotiate what the client
 * pinned, and make every handshake a full one. Correctness only; the numbers mean nothing here.
 */
@Timeout(120)
class TlsLoadSmokeTest
{
    private static final long WARMUP_NS = TimeUnit.MILLISECONDS.toNanos(200);
    private static final long DURATION_NS = TimeUnit.MILLISECONDS.toNanos(800);

    @TempDir
    static Path directory;
    private static TestCertificates certificates;

    @BeforeAll
    static void certificates()
    {
        certificates = TestCertificates.create(directory);
    }

    @Test
    void shouldEchoOverTlsWithTheProtocolAndSuiteTheClientPinned() throws IOException
    {
        try (WsmuxServer server = WsmuxServer.builder(tlsSettings()).anyPath(new EchoHandler()).build().start())
        {
            final LoadOptions options = tls(new LoadOptions().scenario(LoadOptions.ECHO).url(wss(server))
                .connections(8).inFlight(4).payloadLength(100).warmupNs(WARMUP_NS).durationNs(DURATION_NS)
                .quiet(true)).tlsProtocol("TLSv1.3").tlsCipher("TLS_AES_256_GCM_SHA384");
            final ScenarioResult result = LoadGenerator.run(options);

            assertEquals(0, result.errors().total(), result.errors()::toString);
            assertTrue((Long)result.fields().get("messages") > 0, result.fields()::toString);
            assertEquals("TLSv1.3", result.fields().get("tlsProtocol"));
            assertEquals("TLS_AES_256_GCM_SHA384", result.fields().get("tlsCipher"));
            assertEquals(8L, result.fields().get("tlsEngines"));
            assertTrue(ResultFormat.line(result).contains(" tlsProtocol=TLSv1.3 tlsCipher=TLS_AES_256_GCM_SHA384 "),
                () -> ResultFormat.line(result));
        }
    }

    @Test
    void shouldDeliverEveryPublicationOverTls() throws IOException
    {
        try (WsmuxServer server =
            WsmuxServer.builder(tlsSettings()).mux("/", Main.fanOutMultiplexer()).build().start())
        {
            final FanOutResult result = FanOutScenario.run(tls(new LoadOptions().url(wss(server)).subscribers(20)
                .topics(2).window(8).connectConcurrency(8).warmupNs(WARMUP_NS).durationNs(DURATION_NS).quiet(true)));

            assertEquals(0, result.errors().total(), result.errors()::toString);
            assertEquals(20, result.subscribersSubscribed());
            assertTrue(result.published() > 0, result::toString);
            assertEquals(result.expectedDeliveries(), result.received());
        }
    }

    @Test
    void shouldHoldIdleTlsConnectionsAlsoFromChildProcesses() throws IOException
    {
        try (WsmuxServer server = WsmuxServer.builder(tlsSettings()).anyPath(new EchoHandler()).build().start())
        {
            final ConnectionsResult local = ConnectionsScenario.run(tls(new LoadOptions().url(wss(server))
                .connections(40).sourceAddresses(2).connectConcurrency(8).holdNs(TimeUnit.MILLISECONDS.toNanos(200))
                .quiet(true)));
            assertEquals(0, local.errors().total(), local.errors()::toString);
            assertEquals(40, local.opened());

            // The children get the trust file, and pin what the parent pins.
            final ConnectionsResult children = ConnectionsScenario.run(tls(new LoadOptions().url(wss(server))
                .connections(40).perProcess(20).sourceAddresses(2).connectConcurrency(8)
                .holdNs(TimeUnit.MILLISECONDS.toNanos(200)).quiet(true)).tlsProtocol("TLSv1.2"));
            assertEquals(0, children.errors().total(), children.errors()::toString);
            assertEquals(2, children.processes());
            assertEquals(40, children.opened());
        }
    }

    /**
     * The server's key manager is asked for its certificate in a full handshake only: a resumed one (TLS 1.3's
     * pre-shared key from an earlier session's ticket) sends none. So one certificate chosen per connection proves
     * that none was resumed; and the client's default context, shared by its connections, does resume.
     */
    @Test
    void shouldMakeEveryHandshakeAFullOne() throws Exception
    {
        final CountingKeyManager keyManager =
            new CountingKeyManager((X509ExtendedKeyManager)certificates.serverCredentials().keyManagers()[0]);
        final SSLContext context = SSLContext.getInstance("TLS");
        context.init(new KeyManager[] {keyManager}, null, null);
        // The files too: the settings refuse a TLS port without them even when the builder is given a context,
        // which then serves every handshake.
        try (WsmuxServer server = WsmuxServer.builder(tlsSettings()).tls(context).anyPath(new EchoHandler()).build()
            .start())
        {
            final HandshakeResult result = HandshakeScenario.run(tls(new LoadOptions().url(wss(server))
                .connections(4).warmupNs(WARMUP_NS).durationNs(DURATION_NS).quiet(true)));

            assertEquals(0, result.errors().total(), result.errors()::toString);
            assertTrue(result.tls());
            assertTrue(result.handshakes() > 0, result::toString);
            assertTrue(result.handshakesPerSecond() > 0, result::toString);
            assertTrue(result.cycles() >= result.handshakes(), result::toString);
            assertEquals("TLSv1.3", result.tlsProtocol());
            // A certificate for every connection that opened, and an engine from a fresh context for each.
            assertTrue(keyManager.chosen.get() >= result.cycles(), () -> keyManager.chosen + " " + result);
            assertTrue(result.tlsEngines() >= result.cycles(), result::toString);

            keyManager.chosen.set(0);
            try (WsmuxClient client =
                WsmuxClient.start(new ClientSettings().tlsTrustStore(certificates.caPem())))
            {
                for (int i = 0; i < 3; i++)
                {
                    final WebSocketClientConnection connection =
                        client.connect(wss(server), null, new ClientHandler()
                        {
                        }).get(10, TimeUnit.SECONDS);
                    connection.close();
                    awaitClosed(connection);
                }
            }
            assertTrue(keyManager.chosen.get() < 3, "the shared default context resumes: " + keyManager.chosen);
        }
    }

    @Test
    void shouldOpenAndClosePlainConnectionsToo() throws IOException
    {
        try (WsmuxServer server =
            WsmuxServer.builder(new WsmuxSettings().port(0)).anyPath(new EchoHandler()).build().start())
        {
            final HandshakeResult result = HandshakeScenario.run(new LoadOptions()
                .url(URI.create("ws://127.0.0.1:" + server.port() + "/")).connections(4).warmupNs(WARMUP_NS)
                .durationNs(DURATION_NS).serverPid(ProcessHandle.current().pid()).quiet(true));

            assertEquals(0, result.errors().total(), result.errors()::toString);
            assertEquals(false, result.tls());
            assertEquals("-", result.tlsProtocol());
            assertEquals(0, result.tlsEngines());
            assertTrue(result.handshakes() > 0, result::toString);
            assertTrue(result.serverNsPerHandshake() > 0, result::toString);
        }
    }

    @Test
    void shouldCountConnectFailuresAsErrors() throws IOException
    {
        final int port = freePort(); // nobody listens there
        final HandshakeResult result = HandshakeScenario.run(tls(new LoadOptions()
            .url(URI.create("wss://127.0.0.1:" + port + "/")).connections(2).warmupNs(0)
            .durationNs(TimeUnit.MILLISECONDS.toNanos(300)).quiet(true)));

        assertEquals(0, result.handshakes());
        assertTrue(result.failures() > 0, result::toString);
        assertEquals(result.failures(), result.errors().count(ErrorKind.CONNECT_FAILED));
    }

    private static int freePort() throws IOException
    {
        try (ServerSocket socket = new ServerSocket(0))
        {
            return socket.getLocalPort();
        }
    }

    private static void awaitClosed(final WebSocketClientConnection connection) throws InterruptedException
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (connection.isOpen() && System.nanoTime() - deadlineNs < 0)
        {
            Thread.sleep(5);
        }
        Thread.sleep(50); // the server's session ticket has arrived well before
    }

    private static WsmuxSettings tlsSettings()
    {
        return new WsmuxSettings().port(0).tlsPort(0).tlsCert(certificates.serverChainPem().toString())
            .tlsKey(certificates.serverKeyPem().toString());
    }

    private static LoadOptions tls(final LoadOptions options)
    {
        return options.trust(certificates.caPem().toString());
    }

    private static URI wss(final WsmuxServer server)
    {
        return URI.create("wss://127.0.0.1:" + server.tlsPort() + "/");
    }

    /**
     * Counts the certificates the server chose: one per full handshake.
     */
    private static final class CountingKeyManager extends X509ExtendedKeyManager
    {
        final AtomicInteger chosen = new AtomicInteger();
        private final X509ExtendedKeyManager delegate;

        CountingKeyManager(final X509ExtendedKeyManager delegate)
        {
            this.delegate = delegate;
        }

        @Override
        public String chooseEngineServerAlias(final String keyType, final Principal[] issuers, final SSLEngine engine)
        {
            final String alias = delegate.chooseEngineServerAlias(keyType, issuers, engine);
            if (null != alias)
            {
                chosen.incrementAndGet();
            }
            return alias;
        }

        @Override
        public String[] getClientAliases(final String keyType, final Principal[] issuers)
        {
            return delegate.getClientAliases(keyType, issuers);
        }

        @Override
        public String chooseClientAlias(final String[] keyType, final Principal[] issuers, final Socket socket)
        {
            return delegate.chooseClientAlias(keyType, issuers, socket);
        }

        @Override
        public String[] getServerAliases(final String keyType, final Principal[] issuers)
        {
            return delegate.getServerAliases(keyType, issuers);
        }

        @Override
        public String chooseServerAlias(final String keyType, final Principal[] issuers, final Socket socket)
        {
            return delegate.chooseServerAlias(keyType, issuers, socket);
        }

        @Override
        public X509Certificate[] getCertificateChain(final String alias)
        {
            return delegate.getCertificateChain(alias);
        }

        @Override
        public PrivateKey getPrivateKey(final String alias)
        {
            return delegate.getPrivateKey(alias);
        }
    }
}
