package io.wsmux.cluster;

import java.util.regex.Pattern;

/**
 * NATS URLs as wsmux prints them: without the credentials they may carry ({@code nats://user:password@host:4222} and
 * {@code nats://token@host:4222} both print as {@code nats://***@host:4222}), so that a password or token never
 * reaches a log. No NATS class is loaded by it: the settings use it too.
 * <p>
 * Stateless and thread safe.
 */
public final class NatsUrls
{
    /**
     * From the scheme's {@code ://} to the last {@code @} before the host: the user information, whatever it holds
     * (a raw {@code @} in a password included); a {@code /} or {@code ,} ends the search (the next URL of a list).
     */
    private static final Pattern USER_INFO = Pattern.compile("://[^/,]*@");

    private NatsUrls()
    {
    }

    /**
     * @param urls one URL or several, comma separated; null is taken as empty.
     * @return the same text with each URL's user information replaced by {@code ***}.
     */
    public static String redact(final String urls)
    {
        return null == urls ? "" : USER_INFO.matcher(urls).replaceAll("://***@");
    }
}
