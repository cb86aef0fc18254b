package io.wsmux.transport.tls;

import java.nio.file.Path;

/**
 * A TLS file that cannot be used: missing, unreadable, not the expected format, an expired certificate, a key that
 * does not match. The message is one line, the file's absolute path then the reason, for example
 * {@code /etc/wsmux/server.pem: certificate CN=localhost expired on 2026-01-01T00:00:00Z}.
 */
public final class TlsConfigurationException extends IllegalArgumentException
{
    private final transient Path file;
    private final String reason;

    /**
     * @param file   the file at fault; named in the message by its absolute path.
     * @param reason what is wrong with it, one line.
     */
    public TlsConfigurationException(final Path file, final String reason)
    {
        this(file, reason, null);
    }

    /**
     * @param file   the file at fault; named in the message by its absolute path.
     * @param reason what is wrong with it, one line.
     * @param cause  the exception that revealed it, or null.
     */
    public TlsConfigurationException(final Path file, final String reason, final Throwable cause)
    {
        super(absolute(file) + ": " + oneLine(reason), cause);
        this.file = absolute(file);
        this.reason = oneLine(reason);
    }

    /**
     * @return the file at fault, absolute and normalised.
     */
    public Path file()
    {
        return file;
    }

    /**
     * @return what is wrong with the file, without its path.
     */
    public String reason()
    {
        return reason;
    }

    static Path absolute(final Path file)
    {
        return file.toAbsolutePath().normalize();
    }

    static String oneLine(final String text)
    {
        return null == text ? "" : text.replaceAll("\\s*\\R\\s*", " ").strip();
    }
}
