/**
 * The HTTP/1.1 opening handshake of RFC 6455: {@link io.wsmux.codec.http.UpgradeRequestParser} reads the upgrade
 * request incrementally and {@link io.wsmux.codec.http.UpgradeResponseWriter} writes the 101 or the 4xx
 * ({@link io.wsmux.codec.http.UpgradeRejection}) that answers it, with no I/O, threads or clocks.
 * Parsers and writers are not thread safe: each is owned by one I/O loop, which lends a pooled parser to one
 * connection at a time until its handshake ends.
 */
package io.wsmux.codec.http;
