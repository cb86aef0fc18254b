package io.wsmux;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;

import io.wsmux.transport.tls.TestCertificates;

/**
 * Runs a plaintext integration test over TLS too: one test CA and server certificate per JVM (made with Bouncy
 * Castle on first use), settings that add a TLS port with it, and JDK clients that trust it and check the host name.
 */
final class TlsTestSupport
{
    private static TestCertificates certificates;

    private TlsTestSupport()
    {
    }

    /**
     * @return the JVM's test certificates, made on first use in a temporary directory removed at exit.
     */
    static synchronized TestCertificates certificates()
    {
        if (null == certificates)
        {
            try
            {
                final Path directory = Files.createTempDirectory("wsmux-test-certs");
                directory.toFile().deleteOnExit();
                certificates = TestCertificates.create(directory);
                try (var files = Files.list(directory))
                {
                    files.forEach((file) -> file.toFile().deleteOnExit());
                }
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException(ex);
            }
        }
        return certificates;
    }

    /**
     * @param settings a test's settings.
     * @return the same, with a TLS port (chosen by the system) serving the test certificate.
     */
    static WsmuxSettings withTls(final WsmuxSettings settings)
    {
        return settings.tlsPort(0)
            .tlsCert(certificates().serverChainPem().toString())
            .tlsKey(certificates().serverKeyPem().toString());
    }

    /**
     * @param tls      whether the test runs over TLS.
     * @param settings a test's settings.
     * @return the same, with a TLS port when the test runs over TLS.
     */
    static WsmuxSettings settings(final boolean tls, final WsmuxSettings settings)
    {
        return tls ? withTls(settings) : settings;
    }

    /**
     * @param tls whether the test runs over TLS.
     * @return a JDK HTTP client, trusting the test CA when the test runs over TLS.
     */
    static HttpClient httpClient(final boolean tls)
    {
        return tls ? httpClient() : HttpClient.newHttpClient();
    }

    /**
     * @return a JDK HTTP client that trusts the test CA.
     */
    static HttpClient httpClient()
    {
        return HttpClient.newBuilder().sslContext(certificates().clientContext()).build();
    }

    /**
     * @param server a started server.
     * @param tls    whether to address its TLS port.
     * @param path   the request path.
     * @return {@code wss://localhost:<tls port><path>} or {@code ws://127.0.0.1:<port><path>}.
     */
    static URI uri(final WsmuxServer server, final boolean tls, final String path)
    {
        return URI.create(tls ? "wss://localhost:" + server.tlsPort() + path :
            "ws://127.0.0.1:" + server.port() + path);
    }
}
