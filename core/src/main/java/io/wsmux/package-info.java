/**
 * What an application embeds: {@link io.wsmux.WsmuxServer} and its builder, the {@link io.wsmux.WebSocketHandler}
 * callbacks, the {@link io.wsmux.Connection} they are given, and {@link io.wsmux.WsmuxSettings}, the one class that
 * reads system properties. Handlers run on the I/O loop that owns their connection.
 */
package io.wsmux;
