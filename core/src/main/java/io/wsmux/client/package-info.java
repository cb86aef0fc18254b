/**
 * A Java WebSocket client on the wsmux transport, for tests and load generation: {@link io.wsmux.client.WsmuxClient}
 * (one client I/O loop and its thread), {@link io.wsmux.client.WebSocketClientConnection} (the client side of RFC
 * 6455) and {@link io.wsmux.client.MuxClient} (the {@code wsmux.v1} multiplexing protocol over one of them). Every
 * callback runs on the client's I/O thread; sending and closing may be called from any thread.
 */
package io.wsmux.client;
