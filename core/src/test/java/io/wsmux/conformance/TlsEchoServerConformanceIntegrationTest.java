package io.wsmux.conformance;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;

import javax.net.ssl.SSLContext;

import io.wsmux.EchoHandler;
import io.wsmux.Main;
import io.wsmux.WsmuxServer;
import io.wsmux.WsmuxSettings;
import io.wsmux.transport.tls.TestCertificates;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The same strict RFC 6455 conformance suite as {@link EchoServerConformanceIntegrationTest}, over wss://: the echo
 * server with a TLS port beside its plain one, its certificate from PEM files a test CA signed, each client an
 * {@link javax.net.ssl.SSLSocket} that trusts that CA and checks the host name. Every rule must hold unchanged
 * through the TLS layer, fragmented records and close_notify included.
 */
class TlsEchoServerConformanceIntegrationTest extends AbstractEchoConformanceTest
{
    private static WsmuxServer server;
    private static TestCertificates certificates;
    private static Path directory;

    @BeforeAll
    static void startServer() throws IOException
    {
        directory = Files.createTempDirectory("wsmux-tls-conformance");
        certificates = TestCertificates.create(directory);
        final WsmuxSettings settings = Main.echoMode(new WsmuxSettings().port(0).ioThreads(2))
            .tlsPort(0)
            .tlsCert(certificates.serverChainPem().toString())
            .tlsKey(certificates.serverKeyPem().toString());
        server = WsmuxServer.builder(settings).anyPath(new EchoHandler()).build().start();
    }

    @AfterAll
    static void stopServer() throws IOException
    {
        server.close();
        TlsTestFiles.delete(directory);
    }

    @Override
    protected InetSocketAddress serverAddress()
    {
        return server.tlsAddress();
    }

    @Override
    protected SSLContext tlsContext()
    {
        return certificates.clientContext();
    }
}
