package io.wsmux.transport;

/**
 * Plain values an {@link IoLoop} is built with; the server reads them from its settings.
 *
 * @param readBufferLength     bytes of the loop's one shared read buffer (direct).
 * @param corkBufferLength     bytes of the loop's shared write-combining buffer (direct): writes to the connection
 *                             being read are gathered here and flushed with one system call.
 * @param chunkLength          bytes of each pooled outbound chunk holding data a socket did not take at once.
 * @param maxPooledChunks      chunks kept in the loop's pool for reuse; more are allocated and dropped on demand.
 * @param commandBufferLength  bytes of the ring buffer carrying sends and closes from other threads (power of two).
 * @param taskQueueCapacity    capacity of the queue carrying object commands (accepted sockets, tasks).
 * @param tickResolutionNs     timer wheel tick (power of two nanoseconds): deadline precision.
 * @param ticksPerWheel        timer wheel size (power of two).
 * @param idleMode             how the loop waits when idle.
 * @param tcpNoDelay           TCP_NODELAY on accepted sockets.
 * @param socketSendBufferLength    SO_SNDBUF for accepted sockets, or 0 for the OS default.
 * @param socketReceiveBufferLength SO_RCVBUF for accepted sockets, or 0 for the OS default.
 * @param acceptBacklog        listen backlog.
 * @param readPauseQueuedLength stop reading a connection while more than this many bytes are queued for it (both
 *                             lanes), and read it again once the socket has taken enough: a client that sends
 *                             requests without reading the replies gets back-pressure, not unbounded memory.
 *                             0 never stops reading.
 */
public record IoLoopConfig(
    int readBufferLength,
    int corkBufferLength,
    int chunkLength,
    int maxPooledChunks,
    int commandBufferLength,
    int taskQueueCapacity,
    long tickResolutionNs,
    int ticksPerWheel,
    IdleMode idleMode,
    boolean tcpNoDelay,
    int socketSendBufferLength,
    int socketReceiveBufferLength,
    int acceptBacklog,
    int readPauseQueuedLength)
{
}
