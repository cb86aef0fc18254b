/**
 * Topics across a cluster of wsmux nodes: a {@link io.wsmux.cluster.ClusterBus} carries each local publication to
 * the other nodes and hands theirs to this node's topics, which fan them out to local subscribers exactly as their
 * own. {@link io.wsmux.cluster.NatsClusterBus} is the one implementation, on NATS through its official Java client,
 * each behind a {@link io.wsmux.cluster.NatsClusterLink} that connects it in the background and anew when the client
 * gives up; {@link io.wsmux.cluster.NatsConnectionOptions} carries the credentials and TLS. Nothing here is loaded
 * unless a cluster is configured. Publishing threads call it; the client's own threads deliver, and only hand
 * publications to the I/O loops.
 */
package io.wsmux.cluster;
