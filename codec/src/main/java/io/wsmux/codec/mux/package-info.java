/**
 * Wire formats of the multiplex protocols: the SockJS {@code websocket-multiplex} text protocol
 * ({@link io.wsmux.codec.mux.TextMuxFlyweight}, {@link io.wsmux.codec.mux.TextMuxEncoder}) and the JavaScript
 * {@code escape()} rules its channel names follow ({@link io.wsmux.codec.mux.JsEscape}), and the {@code wsmux.v1}
 * binary protocol ({@link io.wsmux.codec.mux.BinaryMuxDescriptor}, {@link io.wsmux.codec.mux.BinaryMuxFlyweight}),
 * with no I/O and no allocation on the message path.
 * A flyweight instance is owned by the one I/O loop (or test) that created it and is not thread safe, while the
 * encoder and escape classes are stateless and may be called from any thread.
 */
package io.wsmux.codec.mux;
