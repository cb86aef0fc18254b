package io.wsmux.client;

import java.time.Duration;

import io.wsmux.codec.CloseCode;

/**
 * When a {@link ReconnectingMuxClient} tries again, as {@code wsmux.js} does (its header comment, "Reconnect"): the
 * wait before attempt {@code n} is drawn uniformly from {@code [base * (1 - jitter), base]}, where
 * {@code base = min(maxDelay, initialDelay * factor^(n-1))}. Jitter 0.5 is "equal jitter", 1 "full jitter", 0 none;
 * so clients cut together do not come back together, and no wait exceeds {@code maxDelay}. Attempts count from 1
 * again once a WebSocket has stayed open {@code minUptime}: a server that accepts and closes at once still sees
 * growing waits.
 * <p>
 * Immutable; the defaults ({@link #DEFAULT}) are wsmux.js's: 250 ms, 10 s, factor 2, jitter 0.5, 5 s.
 *
 * @param initialDelay the base wait before the first attempt, at least 0.
 * @param maxDelay     the cap on every wait, at least {@code initialDelay}.
 * @param factor       how much the base grows per attempt, at least 1.
 * @param jitter       the fraction of the base that may be taken off at random, in [0, 1].
 * @param minUptime    how long a WebSocket must stay open for the attempts to count from 1 again, at least 0.
 */
public record ReconnectPolicy(
    Duration initialDelay, Duration maxDelay, double factor, double jitter, Duration minUptime)
{
    /** wsmux.js's defaults: 250 ms, 10 s, factor 2, jitter 0.5, minimum uptime 5 s. */
    public static final ReconnectPolicy DEFAULT = new ReconnectPolicy(
        Duration.ofMillis(250), Duration.ofSeconds(10), 2, 0.5, Duration.ofSeconds(5));

    /**
     * Checks the values, with {@code name=value} messages.
     *
     * @throws IllegalArgumentException for a negative duration, {@code factor < 1}, {@code jitter} outside [0, 1], or
     *                                  {@code maxDelay < initialDelay}.
     * @throws NullPointerException     for a null duration.
     */
    public ReconnectPolicy
    {
        if (initialDelay.isNegative() || maxDelay.isNegative() || minUptime.isNegative())
        {
            throw new IllegalArgumentException("reconnect delays must be >= 0: initialDelay=" + initialDelay +
                ", maxDelay=" + maxDelay + ", minUptime=" + minUptime);
        }
        if (maxDelay.compareTo(initialDelay) < 0)
        {
            throw new IllegalArgumentException("maxDelay must be >= initialDelay: maxDelay=" + maxDelay +
                ", initialDelay=" + initialDelay);
        }
        if (!(factor >= 1) || Double.isInfinite(factor))
        {
            throw new IllegalArgumentException("factor must be a finite number >= 1: factor=" + factor);
        }
        if (!(jitter >= 0 && jitter <= 1))
        {
            throw new IllegalArgumentException("jitter must be in [0, 1]: jitter=" + jitter);
        }
    }

    /**
     * The wait before an attempt.
     *
     * @param attempt the attempt, from 1.
     * @param random  a number in [0, 1): 0 gives the whole base, nearly 1 takes {@code jitter} of it off.
     * @return the wait in nanoseconds, in {@code [base * (1 - jitter), base]}.
     */
    public long delayNs(final int attempt, final double random)
    {
        if (attempt < 1)
        {
            throw new IllegalArgumentException("attempt must be >= 1: attempt=" + attempt);
        }
        final double maxNs = maxDelay.toNanos();
        // factor^(n-1) overflows to infinity for large n, which min() caps: no loop, no overflow.
        final double baseNs = Math.min(maxNs, initialDelay.toNanos() * Math.pow(factor, attempt - 1));
        return (long)(baseNs * (1 - jitter * random));
    }

    /**
     * The one table of close codes after which a reconnect would only repeat the failure: the peer found fault with
     * what this client sent (RFC 6455 §7.4.1), as wsmux.js's {@code NO_RECONNECT}. Every other code reconnects: 1000
     * and 4000-4999 from the application, 1001 (shutdown, idle timeout), 1006 (no close frame: a cut, a refused
     * handshake, a server that is down), 1008 (wsmux: slow consumer, which recovery is for), 1011, 1012 (drain), 1013.
     *
     * @param closeCode a WebSocket close code.
     * @return false for 1002 (protocol error), 1003 (unsupported data), 1007 (invalid payload), 1009 (message too
     * big) and 1010 (mandatory extension); true otherwise.
     */
    public static boolean reconnectsAfter(final int closeCode)
    {
        switch (closeCode)
        {
            case CloseCode.PROTOCOL_ERROR:
            case CloseCode.UNSUPPORTED_DATA:
            case CloseCode.INVALID_PAYLOAD:
            case CloseCode.MESSAGE_TOO_BIG:
            case CloseCode.MANDATORY_EXTENSION:
                return false;
            default:
                return true;
        }
    }
}
