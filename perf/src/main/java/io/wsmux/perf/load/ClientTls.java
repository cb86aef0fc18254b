package io.wsmux.perf.load;

import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyManagementException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;

import io.wsmux.transport.tls.TlsCredentials;

/**
 * The load generator's side of {@code wss://}: the {@link SSLContext} its clients get
 * ({@code ClientSettings.tlsContext}), which trusts {@code --trust} (or the JDK's default trust store) and makes
 * <b>every engine from a fresh JDK context</b>, so that no connection can resume a session an earlier one left in a
 * client session cache: every handshake is a full one (TLS 1.3: key exchange, certificate and CertificateVerify),
 * as for a new visitor, never a PSK resumption. Each engine is restricted to {@code --tls-protocol} and
 * {@code --tls-cipher} when given (the client's hostname check and SNI stay wsmux's: the engine is made for the
 * URI's host and port).
 * <p>
 * It remembers the first engine it made, to report what was negotiated ({@link #negotiatedProtocol()},
 * {@link #negotiatedCipherSuite()}), and counts the engines (one per TLS connection attempted). Thread safe.
 */
final class ClientTls
{
    /** What {@link #negotiatedProtocol()} and {@link #negotiatedCipherSuite()} say before any handshake. */
    static final String NONE = "-";

    private final SSLContext context;
    private final AtomicLong engines = new AtomicLong();
    private final AtomicReference<SSLEngine> firstEngine = new AtomicReference<>();

    private ClientTls(final TrustManager[] trust, final String protocol, final String cipher)
    {
        final SSLContext template = TlsCredentials.clientContext(trust);
        this.context = new FreshContext(new FreshSpi(template, trust, protocol, cipher, this), template);
    }

    /**
     * @param trustFile a PEM bundle of CA certificates or a PKCS#12 store the server's certificate chains to, or
     *                  null for the JDK's default trust store.
     * @param protocol  the only protocol the client enables (TLSv1.3, TLSv1.2), or null for the JDK's defaults.
     * @param cipher    the only cipher suite the client enables, or null for the JDK's defaults.
     * @return the client's TLS.
     * @throws IllegalArgumentException naming the trust file if it does not load.
     */
    static ClientTls of(final Path trustFile, final String protocol, final String cipher)
    {
        final TrustManager[] trust = null == trustFile ? null : TlsCredentials.trustManagers(trustFile, null);
        return new ClientTls(trust, protocol, cipher);
    }

    /**
     * @return the context to give every client loop: each engine from a fresh JDK context (no session resumption).
     */
    SSLContext context()
    {
        return context;
    }

    /**
     * @return engines made so far: TLS connections attempted.
     */
    long engines()
    {
        return engines.get();
    }

    /**
     * @return the protocol the first connection negotiated, or {@link #NONE} before its handshake completed.
     */
    String negotiatedProtocol()
    {
        final SSLSession session = firstSession();
        return null == session ? NONE : session.getProtocol();
    }

    /**
     * @return the cipher suite the first connection negotiated, or {@link #NONE} before its handshake completed.
     */
    String negotiatedCipherSuite()
    {
        final SSLSession session = firstSession();
        return null == session ? NONE : session.getCipherSuite();
    }

    private SSLSession firstSession()
    {
        final SSLEngine engine = firstEngine.get();
        if (null == engine)
        {
            return null;
        }
        final SSLSession session = engine.getSession();
        // Before the handshake completes the engine reports a session without a suite ("SSL_NULL_WITH_NULL_NULL").
        return null == session || session.getCipherSuite().contains("NULL_WITH_NULL") ? null : session;
    }

    private void made(final SSLEngine engine)
    {
        engines.incrementAndGet();
        firstEngine.compareAndSet(null, engine);
    }

    /** An SSLContext whose engines come from {@link FreshSpi}. */
    private static final class FreshContext extends SSLContext
    {
        FreshContext(final SSLContextSpi spi, final SSLContext template)
        {
            super(spi, template.getProvider(), template.getProtocol());
        }
    }

    /**
     * Every engine from a new JDK context with the same trust; the rest from one template context, which never
     * makes an engine (so its session caches stay empty).
     */
    private static final class FreshSpi extends SSLContextSpi
    {
        /** Contexts are cheap to make, their random source is not: one for all, thread safe. */
        private static final SecureRandom RANDOM = new SecureRandom();

        private final SSLContext template;
        private final TrustManager[] trust;
        private final String[] protocols;
        private final String[] ciphers;
        private final ClientTls owner;

        FreshSpi(
            final SSLContext template,
            final TrustManager[] trust,
            final String protocol,
            final String cipher,
            final ClientTls owner)
        {
            this.template = template;
            this.trust = null == trust ? null : trust.clone();
            this.protocols = null == protocol ? null : new String[] {protocol};
            this.ciphers = null == cipher ? null : new String[] {cipher};
            this.owner = owner;
        }

        @Override
        protected void engineInit(final KeyManager[] km, final TrustManager[] tm, final SecureRandom sr)
            throws KeyManagementException
        {
            throw new KeyManagementException("already initialised");
        }

        @Override
        protected SSLSocketFactory engineGetSocketFactory()
        {
            throw new UnsupportedOperationException("engines only");
        }

        @Override
        protected SSLServerSocketFactory engineGetServerSocketFactory()
        {
            throw new UnsupportedOperationException("engines only");
        }

        @Override
        protected SSLEngine engineCreateSSLEngine()
        {
            return configure(fresh().createSSLEngine());
        }

        @Override
        protected SSLEngine engineCreateSSLEngine(final String host, final int port)
        {
            return configure(fresh().createSSLEngine(host, port));
        }

        @Override
        protected SSLSessionContext engineGetServerSessionContext()
        {
            return template.getServerSessionContext();
        }

        @Override
        protected SSLSessionContext engineGetClientSessionContext()
        {
            return template.getClientSessionContext();
        }

        @Override
        protected SSLParameters engineGetDefaultSSLParameters()
        {
            return template.getDefaultSSLParameters();
        }

        @Override
        protected SSLParameters engineGetSupportedSSLParameters()
        {
            return template.getSupportedSSLParameters();
        }

        private SSLContext fresh()
        {
            try
            {
                final SSLContext context = SSLContext.getInstance(template.getProtocol());
                context.init(null, null == trust ? null : trust.clone(), RANDOM);
                return context;
            }
            catch (final GeneralSecurityException ex)
            {
                throw new IllegalStateException("JDK cannot build a TLS context", ex);
            }
        }

        private SSLEngine configure(final SSLEngine engine)
        {
            if (null != protocols)
            {
                engine.setEnabledProtocols(protocols.clone());
            }
            if (null != ciphers)
            {
                engine.setEnabledCipherSuites(ciphers.clone());
            }
            owner.made(engine);
            return engine;
        }

        @Override
        public String toString()
        {
            return "FreshSpi{protocols=" + Arrays.toString(protocols) + ", ciphers=" + Arrays.toString(ciphers) + "}";
        }
    }
}
