package io.wsmux.transport.tls;

import java.util.Objects;
import java.util.concurrent.Executor;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/**
 * Makes the {@link SSLEngine} of each new TLS connection, server or client side, from an {@link SSLContext} that can
 * be replaced at any time ({@link #context(SSLContext)}: a certificate reload): new handshakes use the new one,
 * established connections keep theirs.
 * <p>
 * Thread safe: shared by every loop.
 */
public final class TlsEngineFactory
{
    private final boolean clientMode;
    private final String[] protocols;
    private final String[] cipherSuites;
    private final TlsClientAuth clientAuth;
    private final boolean verifyHostname;
    private final Executor taskExecutor;
    private volatile SSLContext context;

    private TlsEngineFactory(
        final boolean clientMode,
        final SSLContext context,
        final String[] protocols,
        final String[] cipherSuites,
        final TlsClientAuth clientAuth,
        final boolean verifyHostname,
        final Executor taskExecutor)
    {
        this.clientMode = clientMode;
        this.context = Objects.requireNonNull(context, "context");
        this.protocols = null == protocols || 0 == protocols.length ? null : protocols.clone();
        this.cipherSuites = null == cipherSuites || 0 == cipherSuites.length ? null : cipherSuites.clone();
        this.clientAuth = null == clientAuth ? TlsClientAuth.NONE : clientAuth;
        this.verifyHostname = verifyHostname;
        this.taskExecutor = taskExecutor;
    }

    /**
     * @param context      the server's key material (and trust, for client certificates).
     * @param protocols    enabled protocols ("TLSv1.3", "TLSv1.2"), or null for the context's defaults.
     * @param cipherSuites enabled cipher suites, or null for the context's defaults.
     * @param clientAuth   whether clients are asked for a certificate.
     * @param taskExecutor where the handshake's delegated tasks (key exchange, signatures) run, or null to run them on
     *                     the loop.
     * @return a factory of server engines.
     */
    public static TlsEngineFactory server(
        final SSLContext context,
        final String[] protocols,
        final String[] cipherSuites,
        final TlsClientAuth clientAuth,
        final Executor taskExecutor)
    {
        return new TlsEngineFactory(false, context, protocols, cipherSuites, clientAuth, false, taskExecutor);
    }

    /**
     * @param context        the client's trust (and key material, for a client certificate).
     * @param protocols      enabled protocols, or null for the context's defaults.
     * @param cipherSuites   enabled cipher suites, or null for the context's defaults.
     * @param verifyHostname check that the server's certificate names the host connected to (RFC 2818); off only
     *                       for tests against a certificate that names another host.
     * @return a factory of client engines.
     */
    public static TlsEngineFactory client(
        final SSLContext context, final String[] protocols, final String[] cipherSuites, final boolean verifyHostname)
    {
        return new TlsEngineFactory(true, context, protocols, cipherSuites, TlsClientAuth.NONE, verifyHostname, null);
    }

    /**
     * Use another context for the handshakes from now on (a reloaded certificate). Any thread.
     *
     * @param context the new context.
     */
    public void context(final SSLContext context)
    {
        this.context = Objects.requireNonNull(context, "context");
    }

    /**
     * @return the context new engines are made from.
     */
    public SSLContext context()
    {
        return context;
    }

    /**
     * @return true for a factory of client engines.
     */
    public boolean isClientMode()
    {
        return clientMode;
    }

    /**
     * @return where the handshake's delegated tasks run, or null for the loop.
     */
    public Executor taskExecutor()
    {
        return taskExecutor;
    }

    /**
     * A new engine. Cold path: allocates.
     *
     * @param peerHost the peer's host name (a client's server name indication and hostname check), or null.
     * @param peerPort the peer's port, or -1.
     * @return the engine, in client or server mode, configured.
     */
    public SSLEngine newEngine(final String peerHost, final int peerPort)
    {
        final SSLEngine engine = null == peerHost ? context.createSSLEngine() : context.createSSLEngine(peerHost,
            peerPort);
        engine.setUseClientMode(clientMode);
        final SSLParameters parameters = engine.getSSLParameters();
        if (null != protocols)
        {
            parameters.setProtocols(protocols);
        }
        if (null != cipherSuites)
        {
            parameters.setCipherSuites(cipherSuites);
        }
        if (clientMode)
        {
            if (verifyHostname)
            {
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
            }
        }
        else
        {
            parameters.setNeedClientAuth(TlsClientAuth.REQUIRED == clientAuth);
            if (TlsClientAuth.OPTIONAL == clientAuth)
            {
                parameters.setWantClientAuth(true);
            }
        }
        engine.setSSLParameters(parameters);
        return engine;
    }
}
