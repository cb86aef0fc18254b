package io.wsmux.cluster;

import org.agrona.DirectBuffer;

/**
 * What a node's topics publish to, and receive from, the other nodes of a cluster.
 * <p>
 * Thread safe: {@link #publish} is called by any publishing thread and must never block; the receiver is called on
 * the bus's own thread(s).
 */
public interface ClusterBus extends AutoCloseable
{
    /**
     * Where publications from other nodes go.
     */
    @FunctionalInterface
    interface Receiver
    {
        /**
         * A publication another node made.
         *
         * @param topic  the topic's name.
         * @param text   true for a text message, false for binary.
         * @param id     the publication's identity, as its publisher gave it to {@link #publish}.
         * @param buffer the message, valid only during the call.
         * @param offset of the message.
         * @param length of the message.
         */
        void onRemotePublication(String topic, boolean text, long id, DirectBuffer buffer, int offset, int length);

        /**
         * The link to the other nodes was lost for a while and is back: publications they made meanwhile may be
         * missing here. Called once per loss, once the link is back, on the bus's thread and before any publication
         * received after it.
         */
        default void onGap()
        {
        }

        /**
         * A publication of a topic with a history, from the cluster's stream, in the stream's order (the bus's
         * thread): every node gets it, the publisher's included.
         *
         * @param topic    the topic's name.
         * @param epoch    the stream's epoch (changes only if the stream is made anew).
         * @param offset   its sequence in the stream.
         * @param backfill true for one made before this node started reading the topic (kept, not delivered).
         * @param text     true for a text message.
         * @param buffer   the message, valid only during the call.
         * @param offset2  of the message.
         * @param length   of the message.
         */
        default void onHistoryPublication(
            final String topic, final long epoch, final long offset, final boolean backfill, final boolean text,
            final DirectBuffer buffer, final int offset2, final int length)
        {
        }

        /**
         * This node has read everything the stream kept of a topic (the bus's thread): its history is complete.
         *
         * @param topic the topic's name.
         * @param epoch the stream's epoch.
         */
        default void onHistoryReady(final String topic, final long epoch)
        {
        }
    }

    /**
     * Topics with a history in this cluster keep at most this many publications each, none older than this: the
     * stream's limits. Before {@link #start}.
     *
     * @param maxPerTopic most publications kept per topic (the largest history of the multiplexer's families).
     * @param maxAgeNs    how long they are kept, 0 for no bound.
     */
    default void configureHistory(final int maxPerTopic, final long maxAgeNs)
    {
    }

    /**
     * Publish to a topic with a history: to the cluster's stream only, which orders it; every node receives it back
     * ({@link Receiver#onHistoryPublication}). Never blocks.
     *
     * @return false when it was dropped.
     */
    default boolean publishHistory(
        final String topic, final boolean text, final long id, final DirectBuffer buffer, final int offset,
        final int length)
    {
        return false;
    }

    /**
     * Start (or stop) reading a topic with a history from the stream: what it kept first, then live. Never blocks.
     *
     * @param topic  the topic's name.
     * @param wanted true to read, false to stop (the topic is gone here).
     */
    default void historyInterest(final String topic, final boolean wanted)
    {
    }

    /**
     * Start receiving the other nodes' publications, of the topics this node is interested in.
     *
     * @param receiver told of each, on the bus's thread.
     */
    void start(Receiver receiver);

    /**
     * This node's interest in a topic may have changed (its first subscriber here came, or its last left): the bus
     * receives a topic's publications only while the node has subscribers to it. Called from I/O loops, so it must not
     * block: the bus re-reads the interest later, on its own thread, so that changes racing each other end in the
     * state the count has then.
     *
     * @param topic      the topic's name.
     * @param subscribed reads how many loops of this node have subscribers to it now (any thread).
     */
    void interestChanged(String topic, java.util.function.IntSupplier subscribed);

    /**
     * @return topics this node receives from the cluster now (those it has subscribers to).
     */
    int interests();

    /**
     * Look up the last publication the cluster kept for a topic (any node's), without blocking the caller: the
     * receiver is called later, on the bus's thread, if there is one. For a topic with a last value that gets its
     * first subscriber on this node.
     *
     * @param topic    the topic's name.
     * @param receiver told of the last publication, if the cluster kept one.
     */
    void fetchLastValue(String topic, Receiver receiver);

    /**
     * @return true once the cluster keeps each topic's last publication (NATS with JetStream), so that a first
     * subscriber on any node can get it.
     */
    boolean keepsLastValues();

    /**
     * Send a local publication to the other nodes, without blocking: while the messaging system is unreachable it is
     * buffered up to a bound, then dropped and counted.
     *
     * @param topic  the topic's name.
     * @param text   true for a text message.
     * @param id     the publication's identity (random): a node that gets the same publication twice, live and as a
     *               kept last value, knows it.
     * @param buffer the message; copied, not retained.
     * @param offset of the message.
     * @param length of the message.
     * @return false when it was dropped.
     */
    boolean publish(String topic, boolean text, long id, DirectBuffer buffer, int offset, int length);

    /**
     * @return publications sent to the other nodes.
     */
    long published();

    /**
     * @return publications received from the other nodes.
     */
    long received();

    /**
     * @return publications that could not be sent (the buffer was full while disconnected) and were dropped.
     */
    long dropped();

    /**
     * @return how many times the link was lost and came back (each reported to the receiver as a gap).
     */
    long gaps();

    /**
     * @return true while connected to the messaging system.
     */
    boolean isConnected();

    /**
     * @return why connecting to the messaging system last failed (credentials refused, a TLS handshake failed, not
     *         reachable), one line; null when connected since, or never failed.
     */
    default String lastError()
    {
        return null;
    }

    /**
     * Disconnect. Publications not yet sent may be lost.
     */
    @Override
    void close();
}
