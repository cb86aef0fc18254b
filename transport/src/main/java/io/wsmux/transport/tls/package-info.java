/**
 * TLS for wss://: credentials loaded from PEM or PKCS#12 files with one-line errors, and the {@code SSLContext}s built
 * from them, JDK only. Credentials are loaded once at configuration time by whichever thread configures the server,
 * are immutable after that, and may be shared by every I/O loop.
 */
package io.wsmux.transport.tls;
