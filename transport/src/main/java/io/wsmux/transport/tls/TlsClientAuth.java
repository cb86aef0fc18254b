package io.wsmux.transport.tls;

/**
 * Whether a TLS server asks its clients for a certificate (mutual TLS).
 */
public enum TlsClientAuth
{
    /** No client certificate is asked for. */
    NONE,
    /** A client certificate is asked for; a client without one is still served, with no peer principal. */
    OPTIONAL,
    /** A client without a certificate the trust store accepts fails the handshake. */
    REQUIRED
}
