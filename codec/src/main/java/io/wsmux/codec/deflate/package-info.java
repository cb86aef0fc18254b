/**
 * permessage-deflate (RFC 7692): the handshake's negotiation ({@link io.wsmux.codec.deflate.DeflateNegotiation}).
 * The frame rules and the per-loop deflater and inflater follow (issue 14).
 */
package io.wsmux.codec.deflate;
