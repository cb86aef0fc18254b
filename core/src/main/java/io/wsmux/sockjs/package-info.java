/**
 * SockJS options an application sets per endpoint ({@link io.wsmux.sockjs.SockJsOptions}). The sessions and their
 * HTTP transports are internal to {@code io.wsmux} (a session is a virtual connection beside the WebSocket one, and
 * shares its package-private loop state); the protocol's quoting, parsing and fixed texts are in
 * {@code io.wsmux.codec.sockjs}.
 */
package io.wsmux.sockjs;
