/**
 * RFC 6455 wire formats: frame decoding and encoding, masking, close codes and UTF-8 validation.
 * Pure code over Agrona buffers with no sockets, threads or clocks; every stateful type is owned by one thread
 * (in the server, the I/O loop that owns the connection) and allocates nothing per frame.
 */
package io.wsmux.codec;
