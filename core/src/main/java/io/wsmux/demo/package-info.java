/**
 * The trading-desk demo: a simulated price feed, a chat room, an echo service and live server statistics, all
 * channels of one WebSocket per browser tab. Written only against wsmux's public API, as example code; the feed and
 * statistics run on their own threads, the services on the I/O loops. {@link io.wsmux.demo.EmbedExample} is the
 * README's embedding example (token check at the upgrade, identity-based channel authorization).
 */
package io.wsmux.demo;
