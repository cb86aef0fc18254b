package io.wsmux.codec;

/**
 * RFC 6455 §7.4.1 status codes, and the one rule deciding which may appear in a close frame on the wire.
 */
public final class CloseCode
{
    /** Normal closure. */
    public static final int NORMAL = 1000;
    /** The endpoint is going away: server shutdown or browser navigating away. */
    public static final int GOING_AWAY = 1001;
    /** A protocol error. */
    public static final int PROTOCOL_ERROR = 1002;
    /** A data type the endpoint cannot accept (text-only endpoint given binary, say). */
    public static final int UNSUPPORTED_DATA = 1003;
    /** Reserved: no status code was present. Never sent on the wire. */
    public static final int NO_STATUS = 1005;
    /** Reserved: the connection closed without a close frame. Never sent on the wire. */
    public static final int ABNORMAL = 1006;
    /** Data inconsistent with the message type, such as invalid UTF-8 in a text message. */
    public static final int INVALID_PAYLOAD = 1007;
    /** A message violated the endpoint's policy. wsmux uses it for slow consumers. */
    public static final int POLICY_VIOLATION = 1008;
    /** A message too big to process. */
    public static final int MESSAGE_TOO_BIG = 1009;
    /** The client expected an extension the server did not negotiate. */
    public static final int MANDATORY_EXTENSION = 1010;
    /** The server met an unexpected condition, such as an application handler that threw. */
    public static final int INTERNAL_ERROR = 1011;
    /** IANA registry: the service is restarting. */
    public static final int SERVICE_RESTART = 1012;
    /** IANA registry: try again later (temporary overload). */
    public static final int TRY_AGAIN_LATER = 1013;
    /** IANA registry: a gateway or proxy received an invalid response. */
    public static final int BAD_GATEWAY = 1014;
    /** Reserved: TLS handshake failure. Never sent on the wire. */
    public static final int TLS_HANDSHAKE = 1015;

    private CloseCode()
    {
    }

    /**
     * Whether a status code may appear in a close frame (§7.4.1, §7.4.2 and the IANA registry).
     * Valid: 1000-1003, 1007-1014 (1012-1014 registered by IANA after the RFC), 3000-3999 (registered by
     * libraries and frameworks) and 4000-4999 (private use). Everything else is a protocol error: below 1000,
     * 1004 (reserved), 1005, 1006 and 1015 (reserved for local use, never sent), 1016-2999 (reserved for future
     * revisions of the RFC) and 5000 and above (undefined).
     *
     * @param code the status code read from a close frame.
     * @return true when the code may be sent or accepted.
     */
    public static boolean isValidOnWire(final int code)
    {
        return (code >= NORMAL && code <= UNSUPPORTED_DATA) ||
            (code >= INVALID_PAYLOAD && code <= BAD_GATEWAY) ||
            (code >= 3000 && code <= 4999);
    }
}
