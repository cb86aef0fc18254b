package io.wsmux.cluster;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509KeyManager;

/**
 * A client {@link SSLContext} whose every socket and engine checks the server's host name against its certificate
 * (RFC 2818, {@code HTTPS} endpoint identification) and speaks only TLSv1.3 or TLSv1.2.
 * <p>
 * Why a wrapper: jnats (2.26.2, {@code SocketDataPort.upgradeToSecure}) layers an {@link SSLSocket} over its socket
 * with {@code context.getSocketFactory().createSocket(socket, host, port, true)} and sets no
 * {@link SSLParameters}, so with a plain context it checks the certificate's chain but not its name: any certificate
 * of a trusted CA would do. jnats has no option for it; its only use of the context is {@link #getSocketFactory()}.
 * <p>
 * It also notes when a server asked for a client certificate this node could not give (none configured, or none
 * issued by a CA the server accepts): with TLS 1.3 the server refuses it only after the client's side of the
 * handshake is done, and jnats reports no more than a timeout.
 * <p>
 * Thread safe, as the context it wraps.
 */
final class NatsTlsContext extends SSLContext
{
    private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    private final ClientKeys keys;

    private NatsTlsContext(final SSLContext context, final ClientKeys keys)
    {
        super(new Spi(context), context.getProvider(), context.getProtocol());
        this.keys = keys;
    }

    /**
     * @param trust      trust managers for the servers' certificates, or null for the JDK's default trust store.
     * @param clientKeys key managers holding this node's client certificate, or null for none.
     * @return a client context, checking host names and limited to TLSv1.3 and TLSv1.2.
     */
    static NatsTlsContext create(final TrustManager[] trust, final KeyManager[] clientKeys)
    {
        final ClientKeys keys = new ClientKeys(null == clientKeys ? null : (X509KeyManager)clientKeys[0]);
        try
        {
            final SSLContext context = SSLContext.getInstance("TLS");
            context.init(new KeyManager[] {keys}, trust, new SecureRandom());
            return new NatsTlsContext(context, keys);
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException("JDK cannot build a TLS context", ex);
        }
    }

    /**
     * @return true once a server asked for a client certificate and this node had none to give it.
     */
    boolean clientCertificateMissing()
    {
        return keys.missing;
    }

    /**
     * @param parameters a client socket's or engine's parameters.
     * @return them, with host name verification on and the protocols limited.
     */
    static SSLParameters verifying(final SSLParameters parameters)
    {
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        parameters.setProtocols(PROTOCOLS.clone());
        return parameters;
    }

    /**
     * The context's implementation: the wrapped context's, its sockets and engines set up by {@link #verifying}.
     */
    private static final class Spi extends SSLContextSpi
    {
        private final SSLContext context;

        Spi(final SSLContext context)
        {
            this.context = context;
        }

        @Override
        protected void engineInit(final KeyManager[] keyManagers, final TrustManager[] trustManagers,
            final SecureRandom random)
        {
            throw new UnsupportedOperationException("initialised when made");
        }

        @Override
        protected SSLSocketFactory engineGetSocketFactory()
        {
            return new VerifyingSocketFactory(context.getSocketFactory());
        }

        @Override
        protected SSLServerSocketFactory engineGetServerSocketFactory()
        {
            throw new UnsupportedOperationException("a NATS client context makes no server sockets");
        }

        @Override
        protected SSLEngine engineCreateSSLEngine()
        {
            final SSLEngine engine = context.createSSLEngine();
            engine.setUseClientMode(true);
            engine.setSSLParameters(verifying(engine.getSSLParameters()));
            return engine;
        }

        @Override
        protected SSLEngine engineCreateSSLEngine(final String host, final int port)
        {
            final SSLEngine engine = context.createSSLEngine(host, port);
            engine.setUseClientMode(true);
            engine.setSSLParameters(verifying(engine.getSSLParameters()));
            return engine;
        }

        @Override
        protected SSLSessionContext engineGetServerSessionContext()
        {
            return context.getServerSessionContext();
        }

        @Override
        protected SSLSessionContext engineGetClientSessionContext()
        {
            return context.getClientSessionContext();
        }
    }

    /**
     * This node's client certificate, if any, and a note of a server asking for one in vain.
     */
    private static final class ClientKeys extends X509ExtendedKeyManager
    {
        private final X509KeyManager keys;
        private volatile boolean missing;

        ClientKeys(final X509KeyManager keys)
        {
            this.keys = keys;
        }

        private String chosen(final String alias)
        {
            if (null == alias)
            {
                missing = true;
            }
            return alias;
        }

        @Override
        public String chooseClientAlias(final String[] keyTypes, final Principal[] issuers, final Socket socket)
        {
            return chosen(null == keys ? null : keys.chooseClientAlias(keyTypes, issuers, socket));
        }

        @Override
        public String chooseEngineClientAlias(final String[] keyTypes, final Principal[] issuers,
            final SSLEngine engine)
        {
            return chosen(null == keys ? null : keys.chooseClientAlias(keyTypes, issuers, null));
        }

        @Override
        public String[] getClientAliases(final String keyType, final Principal[] issuers)
        {
            return null == keys ? null : keys.getClientAliases(keyType, issuers);
        }

        @Override
        public String chooseServerAlias(final String keyType, final Principal[] issuers, final Socket socket)
        {
            return null;
        }

        @Override
        public String[] getServerAliases(final String keyType, final Principal[] issuers)
        {
            return null;
        }

        @Override
        public X509Certificate[] getCertificateChain(final String alias)
        {
            return null == keys ? null : keys.getCertificateChain(alias);
        }

        @Override
        public PrivateKey getPrivateKey(final String alias)
        {
            return null == keys ? null : keys.getPrivateKey(alias);
        }
    }

    /**
     * Every socket it makes verifies the host name it was made for.
     */
    private static final class VerifyingSocketFactory extends SSLSocketFactory
    {
        private final SSLSocketFactory factory;

        VerifyingSocketFactory(final SSLSocketFactory factory)
        {
            this.factory = factory;
        }

        private static Socket verifying(final Socket socket)
        {
            final SSLSocket sslSocket = (SSLSocket)socket;
            sslSocket.setSSLParameters(NatsTlsContext.verifying(sslSocket.getSSLParameters()));
            return sslSocket;
        }

        @Override
        public String[] getDefaultCipherSuites()
        {
            return factory.getDefaultCipherSuites();
        }

        @Override
        public String[] getSupportedCipherSuites()
        {
            return factory.getSupportedCipherSuites();
        }

        @Override
        public Socket createSocket(final Socket socket, final String host, final int port, final boolean autoClose)
            throws IOException
        {
            return verifying(factory.createSocket(socket, host, port, autoClose));
        }

        @Override
        public Socket createSocket() throws IOException
        {
            return verifying(factory.createSocket());
        }

        @Override
        public Socket createSocket(final String host, final int port) throws IOException
        {
            return verifying(factory.createSocket(host, port));
        }

        @Override
        public Socket createSocket(final String host, final int port, final InetAddress localHost,
            final int localPort) throws IOException
        {
            return verifying(factory.createSocket(host, port, localHost, localPort));
        }

        @Override
        public Socket createSocket(final InetAddress host, final int port) throws IOException
        {
            return verifying(factory.createSocket(host, port));
        }

        @Override
        public Socket createSocket(final InetAddress address, final int port, final InetAddress localAddress,
            final int localPort) throws IOException
        {
            return verifying(factory.createSocket(address, port, localAddress, localPort));
        }
    }
}
