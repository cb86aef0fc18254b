/**
 * permessage-deflate (RFC 7692), the parts with no I/O: the handshake's negotiation
 * ({@link io.wsmux.codec.deflate.DeflateNegotiation}), whole-message compression with the JDK's deflate
 * ({@link io.wsmux.codec.deflate.MessageDeflater}) and frame-by-frame decompression into a bounded output that stops
 * a decompression bomb at the size limit ({@link io.wsmux.codec.deflate.MessageInflater}). Not yet wired into the
 * server's handshake and frames (issue 14). Instances are owned by one thread.
 */
package io.wsmux.codec.deflate;
