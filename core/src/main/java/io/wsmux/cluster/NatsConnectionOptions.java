package io.wsmux.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.regex.Pattern;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;

import io.nats.client.AuthHandler;
import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.ErrorListener;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.wsmux.transport.tls.TlsCredentials;

/**
 * How a node connects to NATS: the servers' URLs (a user and password, or a token, may be in them), the credentials
 * file (NKey), the TLS context, and where the connection's errors and events are reported. The files are read and
 * checked when the options are made, so that a wrong one fails the server's start, not its first connection.
 * <p>
 * Immutable and thread safe; cold path.
 */
public final class NatsConnectionOptions
{
    /** A {@code .creds} file's user JWT: {@code nsc} writes it between these lines (the end line has six dashes). */
    private static final Pattern USER_JWT = Pattern.compile("-{3,}BEGIN NATS USER JWT-{3,}\\s*" +
        "[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\s*-{3,}END NATS USER JWT-{3,}");

    /** Every callback a no-op: each failed reconnect attempt would be reported otherwise. */
    private static final ErrorListener QUIET = new ErrorListener()
    {
    };

    private final String[] urls;
    private final AuthHandler authHandler;
    private final SSLContext tlsContext;
    private final Listener listener;

    /**
     * Where a connection reports what happens to it: jnats's error callbacks and its connection events.
     */
    public interface Listener extends ErrorListener
    {
        /**
         * @param connection the connection.
         * @param event      what happened to it.
         */
        void onConnectionEvent(Connection connection, ConnectionListener.Events event);
    }

    private NatsConnectionOptions(
        final String[] urls, final AuthHandler authHandler, final SSLContext tlsContext, final Listener listener)
    {
        this.urls = urls;
        this.authHandler = authHandler;
        this.tlsContext = tlsContext;
        this.listener = listener;
    }

    /**
     * @param urls        the NATS servers' URLs, {@code nats://} or {@code tls://}; user information in them is
     *                    passed on.
     * @param authHandler from {@link #credentials(Path)}, or null for none.
     * @param tlsContext  from {@link #tlsContext(TrustManager[], TlsCredentials)}, or null for plain TCP unless a URL
     *                    is {@code tls://} (then one trusting the JDK's default trust store is made).
     * @return the options, their URLs checked by jnats.
     * @throws IllegalArgumentException if jnats refuses a URL (the message has no credentials in it).
     */
    public static NatsConnectionOptions of(final String[] urls, final AuthHandler authHandler,
        final SSLContext tlsContext)
    {
        boolean tls = null != tlsContext;
        for (final String url : urls)
        {
            tls |= url.regionMatches(true, 0, "tls://", 0, "tls://".length());
        }
        final NatsConnectionOptions options = new NatsConnectionOptions(urls.clone(), authHandler,
            tls && null == tlsContext ? tlsContext(null, null) : tlsContext, null);
        try
        {
            options.builder().build();
        }
        catch (final IllegalArgumentException | IllegalStateException ex)
        {
            throw new IllegalArgumentException(NatsUrls.redact(String.valueOf(ex.getMessage())), ex);
        }
        return options;
    }

    /**
     * @param listener told of each connection's errors and events.
     * @return these options with that listener.
     */
    public NatsConnectionOptions withListener(final Listener listener)
    {
        return new NatsConnectionOptions(urls, authHandler, tlsContext, listener);
    }

    /**
     * The jnats options these make: servers, credentials, TLS, and the error listener. The caller adds the rest, and
     * chains its own connection listener with {@link #onConnectionEvent}.
     *
     * @return a new builder.
     */
    public Options.Builder builder()
    {
        final Options.Builder builder = new Options.Builder().servers(urls);
        if (null != authHandler)
        {
            builder.authHandler(authHandler);
        }
        if (null != tlsContext)
        {
            // Connect by the URL's host name, not by the addresses it resolves to (jnats's default), so that the
            // TLS layer checks that name against the server's certificate (and sends it as SNI).
            builder.sslContext(tlsContext).hostnameResolveMode(Options.HostnameResolveMode.HappyEyeballs);
        }
        // jnats logs every error and failed attempt when given no listener: the default is a quiet one.
        return builder.errorListener(null != listener ? listener : QUIET);
    }

    /**
     * Hand a connection event to the listener, if any.
     *
     * @param connection the connection.
     * @param event      what happened to it.
     */
    public void onConnectionEvent(final Connection connection, final ConnectionListener.Events event)
    {
        if (null != listener)
        {
            listener.onConnectionEvent(connection, event);
        }
    }

    /**
     * @return the servers' URLs, comma separated, as given (credentials included: print them redacted).
     */
    public String urls()
    {
        return String.join(",", urls);
    }

    /**
     * @return true when the connection is TLS.
     */
    public boolean isTls()
    {
        return null != tlsContext;
    }

    /**
     * Check a NATS credentials file and make the handler that reads it at each (re)connection: a {@code .creds} file
     * (a user JWT, then the user's NKey seed, as {@code nsc} writes it) or a file holding just a user's NKey seed
     * ({@code SU...}), whose public key the NATS server lists ({@code authorization { users = [ { nkey: "U..." } ] }}).
     * The seed is decoded and its public key derived here, so a bad file, or Bouncy Castle missing (jnats signs with
     * it), fails now.
     *
     * @param file the credentials file.
     * @return the handler.
     * @throws IllegalArgumentException one line: the file's absolute path and what is wrong with it.
     */
    public static AuthHandler credentials(final Path file)
    {
        final Path absolute = file.toAbsolutePath().normalize();
        final String text = read(absolute);
        final boolean creds = text.contains("BEGIN NATS USER JWT");
        if (creds && !USER_JWT.matcher(text).find())
        {
            throw new IllegalArgumentException(absolute + ": malformed .creds file: no user JWT (three base64url " +
                "parts separated by dots) between -----BEGIN NATS USER JWT----- and ------END NATS USER JWT------");
        }
        // jnats reads the file again at each connection, so that a rotated one is picked up: check it here with
        // jnats's own reading (a .creds file's seed is in its third dashed block, a seed file's is its first word).
        final AuthHandler handler =
            creds ? Nats.credentials(absolute.toString()) : Nats.credentials(null, absolute.toString());
        final char[] publicKey;
        try
        {
            publicKey = handler.getID(); // decodes the seed and derives its public key (with Bouncy Castle)
        }
        catch (final IllegalStateException ex)
        {
            throw new IllegalArgumentException(absolute + (creds ?
                ": malformed .creds file: no valid user NKey seed after the JWT (" :
                ": neither a NATS .creds file nor a file holding a user NKey seed, SU... (") + rootMessage(ex) + ")",
                ex);
        }
        if (0 == publicKey.length || 'U' != publicKey[0])
        {
            throw new IllegalArgumentException(absolute + ": holds the NKey seed of " + new String(publicKey) +
                ", not a user's (a user's public key starts with U, its seed with SU)");
        }
        return handler;
    }

    private static String rootMessage(final Throwable ex)
    {
        Throwable cause = ex;
        while (null != cause.getCause())
        {
            cause = cause.getCause();
        }
        return String.valueOf(cause.getMessage());
    }

    /**
     * A client TLS context for NATS: TLSv1.3 or TLSv1.2, the server's certificate checked against the given CAs and
     * its host name against the URL's (see {@link NatsTlsContext}).
     *
     * @param trust  trust managers for the servers' certificates ({@link TlsCredentials#trustManagers}), or null for
     *               the JDK's default trust store.
     * @param client this node's certificate and key for servers that verify clients, or null.
     * @return the context.
     */
    public static SSLContext tlsContext(final TrustManager[] trust, final TlsCredentials client)
    {
        return NatsTlsContext.create(trust, null == client ? null : client.keyManagers());
    }

    /**
     * @return true once a NATS server asked for a client certificate (mutual TLS) that this node could not give.
     */
    public boolean clientCertificateMissing()
    {
        return tlsContext instanceof NatsTlsContext && ((NatsTlsContext)tlsContext).clientCertificateMissing();
    }

    private static String read(final Path file)
    {
        if (Files.isDirectory(file))
        {
            throw new IllegalArgumentException(file + ": is a directory, not a file");
        }
        final String text;
        try
        {
            text = Files.readString(file, StandardCharsets.ISO_8859_1);
        }
        catch (final NoSuchFileException ex)
        {
            throw new IllegalArgumentException(file + ": file not found", ex);
        }
        catch (final AccessDeniedException ex)
        {
            throw new IllegalArgumentException(file + ": not readable (permission denied)", ex);
        }
        catch (final IOException ex)
        {
            throw new IllegalArgumentException(file + ": cannot be read: " + ex, ex);
        }
        if (text.isBlank())
        {
            throw new IllegalArgumentException(file + ": is empty");
        }
        return text;
    }
}
