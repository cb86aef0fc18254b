package io.wsmux.perf.load;

/**
 * What permessage-deflate did in a run, as the client saw it: bytes read off its sockets (frames, compressed where
 * the server compressed them) per message delivered, and the bytes of the messages as delivered (inflated) over the
 * bytes read. Counted over every message of the run, warm-up and drain included, from before the first message to
 * after the client loops stopped: a loop publishes its byte count once per duty cycle, so only a count read while it
 * is quiet is exact (one read at the edges of the measured window could miss a cycle's reads, up to 1 % of a 1 s
 * window of 16 KiB echoes). What compression does to a message does not depend on when it was sent. Without
 * {@code --deflate} neither is measured: {@link #NONE}, 0 and 1.
 *
 * @param wireBytesPerMessage bytes read off the sockets per message (echo) or delivery (fan-out), frame headers
 *                            included; 0 when not measured.
 * @param compressionRatio    message bytes delivered over bytes read: above 1 when compression saved bytes, just
 *                            under 1 when messages went uncompressed (the frame headers); 1 when not measured.
 */
record WireStats(double wireBytesPerMessage, double compressionRatio)
{
    /** Not measured (a run without {@code --deflate}). */
    static final WireStats NONE = new WireStats(0, 1.0);

    /**
     * @param wireBytes    bytes read off the sockets while the messages came.
     * @param messageBytes bytes of the messages delivered.
     * @param messages     messages delivered.
     * @return the two figures, or {@link #NONE} if nothing was read.
     */
    static WireStats of(final long wireBytes, final long messageBytes, final long messages)
    {
        if (wireBytes <= 0 || messages <= 0)
        {
            return NONE;
        }
        return new WireStats((double)wireBytes / messages, (double)messageBytes / wireBytes);
    }
}
