package io.wsmux.perf.load;

/**
 * What permessage-deflate did in a run's measured window, as the client saw it: bytes read off its sockets (frames,
 * compressed where the server compressed them) per message delivered, and the bytes of the messages as delivered
 * (inflated) over the bytes read. Without {@code --deflate} neither is measured: {@link #NONE}, 0 and 1.
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
     * @param wireBytes    bytes read off the sockets in the measured window.
     * @param messageBytes bytes of the messages delivered in it.
     * @param messages     messages delivered in it.
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
