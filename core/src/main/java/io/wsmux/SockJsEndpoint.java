package io.wsmux;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.wsmux.sockjs.SockJsOptions;
import io.wsmux.codec.sockjs.SockJsPages;

/**
 * A prefix served as SockJS: its handler, hook and options, and the table of its sessions over HTTP transports
 * (shared by the loops: a session's requests may arrive on any loop, and are handed to the session's).
 */
final class SockJsEndpoint
{
    final String prefix;
    final WebSocketHandler handler;
    final UpgradeHook hook;
    final boolean websocket;
    final boolean cookieNeeded;
    final int responseLimit;
    final int maxBodyLength;
    final int maxSessions;
    final long heartbeatNs;
    final long disconnectDelayNs;
    final byte[] iframePage;
    final String iframeEtag;
    final ConcurrentHashMap<String, SockJsSession> sessions = new ConcurrentHashMap<>();
    /** Sessions of every SockJS endpoint of the server, against {@code wsmux.sockjs.max.sessions}. */
    final AtomicInteger sessionCount;
    final SockJsWebSocketHandler webSocketHandler;

    SockJsEndpoint(
        final String prefix,
        final WebSocketHandler handler,
        final UpgradeHook hook,
        final SockJsOptions options,
        final WsmuxSettings settings,
        final AtomicInteger sessionCount)
    {
        this.prefix = prefix;
        this.handler = handler;
        this.hook = hook;
        this.websocket = options.websocket();
        this.cookieNeeded = options.cookieNeeded();
        this.responseLimit = 0 != options.responseLimit() ? options.responseLimit() : settings.sockJsResponseLimit();
        this.heartbeatNs = 0 != options.heartbeatNs() ? options.heartbeatNs() : settings.sockJsHeartbeatNs();
        this.disconnectDelayNs =
            0 != options.disconnectDelayNs() ? options.disconnectDelayNs() : settings.sockJsDisconnectDelayNs();
        this.maxBodyLength = settings.sockJsMaxBodyLength();
        this.maxSessions = settings.sockJsMaxSessions();
        this.iframePage = SockJsPages.iframe(options.clientUrl()).getBytes(StandardCharsets.UTF_8);
        this.iframeEtag = etag(iframePage);
        this.sessionCount = sessionCount;
        this.webSocketHandler = new SockJsWebSocketHandler(this);
    }

    private static String etag(final byte[] page)
    {
        try
        {
            final byte[] digest = MessageDigest.getInstance("SHA-256").digest(page);
            final StringBuilder etag = new StringBuilder("\"");
            for (int i = 0; i < 12; i++)
            {
                etag.append(Character.forDigit((digest[i] >> 4) & 0xF, 16))
                    .append(Character.forDigit(digest[i] & 0xF, 16));
            }
            return etag.append('"').toString();
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException(ex);
        }
    }
}
