/**
 * The NIO event loops: each {@link io.wsmux.transport.IoLoop} is an Agrona agent owning one selector, the
 * connections it accepted, their outbound queues and their deadlines; other threads reach it only through its
 * command queues. Knows bytes, sockets and time, not WebSocket frames or channels.
 */
package io.wsmux.transport;
