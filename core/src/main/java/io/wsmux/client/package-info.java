/**
 * A Java WebSocket client on the wsmux transport, for tests and load generation: {@link io.wsmux.client.WsmuxClient}
 * (one client I/O loop and its thread), {@link io.wsmux.client.WebSocketClientConnection} (the client side of RFC
 * 6455), {@link io.wsmux.client.MuxClient} (the {@code wsmux.v1} multiplexing protocol over one of them) and
 * {@link io.wsmux.client.ReconnectingMuxClient} (one {@code MuxClient} after another, reconnecting with back-off as
 * {@code wsmux.js} does, its channels recovering topics from their last positions). Every callback runs on the
 * client's I/O thread; sending and closing may be called from any thread.
 */
package io.wsmux.client;
