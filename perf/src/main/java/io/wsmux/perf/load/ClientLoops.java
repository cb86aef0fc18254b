package io.wsmux.perf.load;

import org.HdrHistogram.Histogram;

/**
 * The client loops a run's subscribers (or idle connections) live on, whatever carries them: WebSocket client loops
 * ({@link LoadClients}) or SockJS xhr-streaming loops ({@link XhrStreamingClients}). What the main thread reads of
 * them while they run, and how it stops them. Thread safe.
 */
interface ClientLoops extends AutoCloseable
{
    /**
     * @return messages received by every loop so far.
     */
    long received();

    /**
     * @return connections (or sessions) open or opening over every loop.
     */
    int openConnections();

    /**
     * Collect every loop's latencies since the last call and start new intervals.
     *
     * @return their sum.
     */
    Histogram intervalHistogram();

    /**
     * Close every connection and stop the loops; their handlers' state may be read afterwards.
     */
    @Override
    void close();
}
