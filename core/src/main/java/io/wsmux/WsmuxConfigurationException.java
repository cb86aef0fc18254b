package io.wsmux;

/**
 * A setting is malformed, out of range or unknown: a {@code wsmux.*} property, a fluent setter's value checked by
 * {@link WsmuxSettings#conclude()}, or an option of the runnable jar. The message is one line that names the setting,
 * repeats the value and says what is accepted, e.g. {@code wsmux.idle.mode=turbo is not valid: use blocking,
 * backoff or spin}; the jar prints it after {@code wsmux: } and exits with status 2.
 */
public final class WsmuxConfigurationException extends IllegalArgumentException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message one line: the setting, its value and the accepted forms or range.
     */
    public WsmuxConfigurationException(final String message)
    {
        super(message);
    }
}
