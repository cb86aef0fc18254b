package io.wsmux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;

import io.wsmux.transport.tls.TlsConfigurationException;
import io.wsmux.transport.tls.TlsCredentials;
import io.wsmux.transport.tls.TlsEngineFactory;

/**
 * The server's TLS listener configuration: the certificate loaded from the files the settings name, the engine factory
 * every loop's TLS listener shares, the pool the handshakes' expensive steps run on, and the watcher that reloads the
 * certificate when its files change. New handshakes use a reloaded certificate; established connections keep theirs.
 * <p>
 * Thread safe. Cold path: all of it runs at start, on reloads and at close.
 */
final class ServerTls
{
    private final WsmuxSettings settings;
    private final TlsEngineFactory factory;
    private final ExecutorService handshakePool;
    private ScheduledExecutorService watcher;
    private final AtomicLong reloads = new AtomicLong();
    private final AtomicLong reloadFailures = new AtomicLong();
    private volatile List<FileTime> stamps;
    private volatile String lastReloadError;

    private ServerTls(final WsmuxSettings settings, final SSLContext context)
    {
        this.settings = settings;
        boundSessionCache(context, settings);
        this.stamps = stamps(settings);
        this.handshakePool = 0 == settings.tlsHandshakeThreads() ? null :
            Executors.newFixedThreadPool(settings.tlsHandshakeThreads(), daemonThreads("wsmux-tls-handshake-"));
        this.factory = TlsEngineFactory.server(context, list(settings.tlsProtocols()).toArray(new String[0]),
            list(settings.tlsCipherSuites()).toArray(new String[0]), settings.tlsClientAuth(), handshakePool);
    }

    /**
     * Load the certificate the settings name.
     *
     * @param settings concluded settings with a TLS port.
     * @return the server's TLS.
     * @throws WsmuxConfigurationException one line naming the file that is wrong, and why.
     */
    static ServerTls open(final WsmuxSettings settings)
    {
        if (isEmbedded(settings))
        {
            throw new WsmuxConfigurationException(WsmuxSettings.TLS_PORT_PROP_NAME + " must be set with a " +
                "certificate (" + WsmuxSettings.TLS_CERT_PROP_NAME + " and " + WsmuxSettings.TLS_KEY_PROP_NAME +
                ", or " + WsmuxSettings.TLS_KEYSTORE_PROP_NAME + "), or the server given an SSLContext: tlsPort=" +
                settings.tlsPort());
        }
        return new ServerTls(settings, loadContext(settings));
    }

    /**
     * Use a context the application made itself (its own key manager, an HSM): no files, no reloading.
     *
     * @param settings concluded settings.
     * @param context  the server's context.
     * @return the server's TLS.
     */
    static ServerTls of(final WsmuxSettings settings, final SSLContext context)
    {
        return new ServerTls(settings, context);
    }

    private static boolean isEmbedded(final WsmuxSettings settings)
    {
        return settings.tlsCert().isEmpty() && settings.tlsKeystore().isEmpty();
    }

    /**
     * Start checking the files for changes, every {@code wsmux.tls.reload.interval} (unless 0, or no files).
     */
    synchronized void startWatching()
    {
        if (settings.tlsReloadIntervalNs() > 0 && !isEmbedded(settings) && null == watcher)
        {
            watcher = Executors.newSingleThreadScheduledExecutor(daemonThreads("wsmux-tls-watcher-"));
            final long periodNs = settings.tlsReloadIntervalNs();
            watcher.scheduleWithFixedDelay(this::reloadIfChanged, periodNs, periodNs, TimeUnit.NANOSECONDS);
        }
    }

    /**
     * @return what every loop's TLS listener makes its engines with.
     */
    TlsEngineFactory factory()
    {
        return factory;
    }

    /**
     * Load the certificate files again and use them for new handshakes.
     *
     * @throws WsmuxConfigurationException if they do not load (the certificate in use stays).
     */
    void reload()
    {
        if (isEmbedded(settings))
        {
            throw new IllegalStateException("TLS reload: the server was given an SSLContext, not files");
        }
        final List<FileTime> before = stamps(settings);
        try
        {
            factory.context(boundSessionCache(loadContext(settings), settings));
        }
        catch (final WsmuxConfigurationException ex)
        {
            reloadFailures.incrementAndGet();
            lastReloadError = ex.getMessage();
            throw ex;
        }
        stamps = before;
        lastReloadError = null;
        reloads.incrementAndGet();
    }

    /**
     * The watcher's check: reload when a file's modification time changed. A file half written (a key that does not
     * match the chain yet) fails to load and is tried again at the next check.
     */
    private void reloadIfChanged()
    {
        try
        {
            if (!stamps(settings).equals(stamps))
            {
                reload();
                System.err.println("wsmux: TLS certificate reloaded from " + files(settings));
            }
        }
        catch (final WsmuxConfigurationException ex)
        {
            if (!ex.getMessage().equals(lastReloadError))
            {
                System.err.println("wsmux: TLS certificate not reloaded, the one in use stays: " + ex.getMessage());
            }
        }
        catch (final RuntimeException ex)
        {
            System.err.println("wsmux: TLS certificate check failed: " + ex);
        }
    }

    /**
     * @return certificate reloads done.
     */
    long reloads()
    {
        return reloads.get();
    }

    /**
     * @return reloads that failed (the certificate in use stayed).
     */
    long reloadFailures()
    {
        return reloadFailures.get();
    }

    synchronized void close()
    {
        if (null != watcher)
        {
            watcher.shutdownNow();
        }
        if (null != handshakePool)
        {
            handshakePool.shutdownNow();
        }
    }

    private static SSLContext boundSessionCache(final SSLContext context, final WsmuxSettings settings)
    {
        context.getServerSessionContext().setSessionCacheSize(settings.tlsSessionCacheSize());
        return context;
    }

    private static SSLContext loadContext(final WsmuxSettings settings)
    {
        try
        {
            final TlsCredentials credentials = settings.tlsKeystore().isEmpty() ?
                TlsCredentials.pem(Path.of(settings.tlsCert()), Path.of(settings.tlsKey())) :
                TlsCredentials.pkcs12(Path.of(settings.tlsKeystore()), settings.tlsKeystorePassword().toCharArray());
            final TrustManager[] clientTrust = settings.tlsClientCa().isEmpty() ? null :
                TlsCredentials.trustManagers(Path.of(settings.tlsClientCa()), null);
            return TlsCredentials.serverContext(credentials, clientTrust);
        }
        catch (final TlsConfigurationException ex)
        {
            throw new WsmuxConfigurationException(ex.getMessage());
        }
    }

    private static List<Path> files(final WsmuxSettings settings)
    {
        final List<Path> files = new ArrayList<>();
        for (final String file : new String[]{settings.tlsCert(), settings.tlsKey(), settings.tlsKeystore(),
            settings.tlsClientCa()})
        {
            if (!file.isEmpty())
            {
                files.add(Path.of(file));
            }
        }
        return files;
    }

    private static List<FileTime> stamps(final WsmuxSettings settings)
    {
        final List<FileTime> stamps = new ArrayList<>();
        for (final Path file : files(settings))
        {
            try
            {
                stamps.add(Files.getLastModifiedTime(file));
            }
            catch (final IOException ex)
            {
                stamps.add(FileTime.fromMillis(-1)); // missing for a moment (being replaced): a change
            }
        }
        return stamps;
    }

    private static ThreadFactory daemonThreads(final String prefix)
    {
        final AtomicInteger count = new AtomicInteger();
        return (task) ->
        {
            final Thread thread = new Thread(task, prefix + count.getAndIncrement());
            thread.setDaemon(true);
            return thread;
        };
    }

    /**
     * @param text comma separated names.
     * @return the names, trimmed, empty ones left out.
     */
    static List<String> list(final String text)
    {
        final List<String> names = new ArrayList<>();
        for (final String name : text.split(","))
        {
            if (!name.isBlank())
            {
                names.add(name.trim());
            }
        }
        return names;
    }

    /**
     * @return the protocols and cipher suites this JDK supports.
     */
    static SSLParameters supportedParameters()
    {
        try
        {
            return SSLContext.getDefault().getSupportedSSLParameters();
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException("this JDK has no default TLS context", ex);
        }
    }
}
