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

    private static byte[] script;

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

    private static byte[] load()
    {
        try (InputStream in = BrowserClient.class.getResourceAsStream(RESOURCE))
        {
            if (null == in)
            {
                throw new IllegalStateException("classpath resource missing: " + RESOURCE);
            }
            return in.readAllBytes();
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot read classpath resource " + RESOURCE + ": " + ex.getMessage(), ex);
        }
    }
}
