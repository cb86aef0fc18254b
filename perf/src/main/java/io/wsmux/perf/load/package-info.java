/**
 * Load and footprint tools that drive a wsmux server (or any RFC 6455 server) over loopback from a separate process,
 * over WebSockets or SockJS xhr-streaming sessions. Each tool runs on its own threads and stops by itself after a
 * bounded count or time.
 */
package io.wsmux.perf.load;
