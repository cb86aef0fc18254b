package io.wsmux;

import java.io.IOException;
import java.io.InputStream;

/**
 * The browser client {@code wsmux.js} (multiplexed channels over one WebSocket, both wire protocols), shipped as the
 * classpath resource {@value #RESOURCE} and served by every multiplexed endpoint's server at {@code /wsmux.js}.
 * <p>
 * Thread safe. Reads the resource once, on first use, and keeps it (a few tens of KiB).
 */
final class BrowserClient
{
    /** Where the script lives on the classpath. */
    static final String RESOURCE = "/io/wsmux/wsmux.js";

    /** Where the build puts sockjs-client's own distribution file, taken from its npm package. */
    static final String SOCKJS_CLIENT_RESOURCE = "/io/wsmux/sockjs/sockjs.min.js";

    /** Where the build puts websocket-multiplex's browser client, taken from its npm package. */
    static final String MULTIPLEX_CLIENT_RESOURCE = "/io/wsmux/sockjs/multiplex_client.js";

    private static byte[] script;
    private static byte[] sockJsClient;
    private static byte[] multiplexClient;

    private BrowserClient()
    {
    }

    /**
     * @return the script's bytes (UTF-8); a fresh copy for each caller, read from the classpath only once.
     * @throws IllegalStateException if the resource is missing from the classpath or cannot be read.
     */
    static synchronized byte[] script()
    {
        if (null == script)
        {
            script = load();
        }
        return script.clone();
    }

    /**
     * @return sockjs-client's {@code sockjs.min.js} (shared, do not modify), or null when the jar was built without
     * it.
     */
    static synchronized byte[] sockJsClient()
    {
        if (null == sockJsClient && null != BrowserClient.class.getResource(SOCKJS_CLIENT_RESOURCE))
        {
            sockJsClient = load(SOCKJS_CLIENT_RESOURCE);
        }
        return sockJsClient;
    }

    /**
     * @return websocket-multiplex's {@code multiplex_client.js} (shared, do not modify), or null when the jar was
     * built without it.
     */
    static synchronized byte[] multiplexClient()
    {
        if (null == multiplexClient && null != BrowserClient.class.getResource(MULTIPLEX_CLIENT_RESOURCE))
        {
            multiplexClient = load(MULTIPLEX_CLIENT_RESOURCE);
        }
        return multiplexClient;
    }

    private static byte[] load()
    {
        return load(RESOURCE);
    }

    private static byte[] load(final String resource)
    {
        try (InputStream in = BrowserClient.class.getResourceAsStream(resource))
        {
            if (null == in)
            {
                throw new IllegalStateException("classpath resource missing: " + resource);
            }
            return in.readAllBytes();
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot read classpath resource " + resource + ": " + ex.getMessage(), ex);
        }
    }
}
