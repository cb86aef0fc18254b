package io.wsmux;

import java.nio.file.Path;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;

import io.nats.client.AuthHandler;
import io.wsmux.cluster.NatsConnectionOptions;
import io.wsmux.cluster.NatsUrls;
import io.wsmux.transport.tls.TlsConfigurationException;
import io.wsmux.transport.tls.TlsCredentials;

/**
 * The cluster's NATS connection options made from the settings: the URLs, the credentials file and the TLS files,
 * each file read and checked now, so that a wrong one fails the server's build with one line naming the setting and
 * the file's absolute path, e.g. {@code wsmux.cluster.nats.tls.ca: /etc/wsmux/nats-ca.pem: file not found}.
 * <p>
 * Stateless; cold path (server build).
 */
final class ClusterConnection
{
    private ClusterConnection()
    {
    }

    /**
     * @param settings concluded settings with a cluster URL.
     * @return the options every multiplexer's connection uses.
     * @throws WsmuxConfigurationException one line naming the setting, and the file and what is wrong with it.
     */
    static NatsConnectionOptions options(final WsmuxSettings settings)
    {
        final String[] urls = ServerTls.list(settings.clusterNatsUrl()).toArray(new String[0]);
        final AuthHandler credentials = settings.clusterNatsCredentials().isEmpty() ? null : credentials(settings);
        final boolean tls = !settings.clusterNatsTlsCa().isEmpty() || !settings.clusterNatsTlsCert().isEmpty();
        final SSLContext tlsContext = tls ? tlsContext(settings) : null;
        try
        {
            return NatsConnectionOptions.of(urls, credentials, tlsContext);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new WsmuxConfigurationException(WsmuxSettings.CLUSTER_NATS_URL_PROP_NAME + "=" +
                NatsUrls.redact(settings.clusterNatsUrl()) + " is not usable: " + oneLine(ex.getMessage()));
        }
    }

    private static AuthHandler credentials(final WsmuxSettings settings)
    {
        try
        {
            return NatsConnectionOptions.credentials(Path.of(settings.clusterNatsCredentials()));
        }
        catch (final IllegalArgumentException ex)
        {
            throw new WsmuxConfigurationException(
                WsmuxSettings.CLUSTER_NATS_CREDENTIALS_PROP_NAME + ": " + oneLine(ex.getMessage()));
        }
    }

    private static SSLContext tlsContext(final WsmuxSettings settings)
    {
        TrustManager[] trust = null;
        if (!settings.clusterNatsTlsCa().isEmpty())
        {
            try
            {
                trust = TlsCredentials.trustManagers(Path.of(settings.clusterNatsTlsCa()), null);
            }
            catch (final TlsConfigurationException ex)
            {
                throw new WsmuxConfigurationException(
                    WsmuxSettings.CLUSTER_NATS_TLS_CA_PROP_NAME + ": " + ex.getMessage());
            }
        }
        TlsCredentials client = null;
        if (!settings.clusterNatsTlsCert().isEmpty())
        {
            final Path cert = Path.of(settings.clusterNatsTlsCert());
            final Path key = Path.of(settings.clusterNatsTlsKey());
            try
            {
                client = TlsCredentials.pem(cert, key);
            }
            catch (final TlsConfigurationException ex)
            {
                // The key file is at fault only when it is another file than the chain's and the one named.
                final boolean keyAtFault = !ex.file().equals(cert.toAbsolutePath().normalize()) &&
                    ex.file().equals(key.toAbsolutePath().normalize());
                throw new WsmuxConfigurationException((keyAtFault ? WsmuxSettings.CLUSTER_NATS_TLS_KEY_PROP_NAME :
                    WsmuxSettings.CLUSTER_NATS_TLS_CERT_PROP_NAME) + ": " + ex.getMessage());
            }
        }
        return NatsConnectionOptions.tlsContext(trust, client);
    }

    private static String oneLine(final String text)
    {
        return String.valueOf(text).replaceAll("\\s*\\R\\s*", " ").strip();
    }
}
