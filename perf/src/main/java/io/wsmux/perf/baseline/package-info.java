/**
 * The Netty 4.2 baseline server that every wsmux headline figure is a ratio against: echo and text-multiplex fan-out
 * over an idiomatic {@code HttpServerCodec} / {@code WebSocketServerProtocolHandler} pipeline, on NIO or epoll.
 * Handlers run on the Netty event loop that owns their channel; only the topic registry is shared between loops.
 */
package io.wsmux.perf.baseline;
