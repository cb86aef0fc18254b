/**
 * The SockJS protocol's wire pieces that need no I/O: quoting messages as JSON strings the way sockjs-node quotes
 * them and parsing the JSON arrays clients send ({@link io.wsmux.codec.sockjs.SockJsJson}, allocation free), and its
 * fixed texts, callback-name and path rules ({@link io.wsmux.codec.sockjs.SockJsPages}). The sessions and transports
 * that use them live in core. Stateless: any thread.
 */
package io.wsmux.codec.sockjs;
