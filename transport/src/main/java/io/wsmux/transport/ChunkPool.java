package io.wsmux.transport;

/**
 * A loop's stack of free {@link OutboundChunk}s. Bounded: beyond {@code maxPooled} released chunks are left to the
 * garbage collector, so a burst of slow consumers does not pin memory for ever.
 * Not thread safe: owned by one {@link IoLoop}.
 */
final class ChunkPool
{
    private final int chunkLength;
    private final OutboundChunk[] free;
    private int size;
    private long allocated;

    ChunkPool(final int chunkLength, final int maxPooled)
    {
        this.chunkLength = chunkLength;
        this.free = new OutboundChunk[maxPooled];
    }

    OutboundChunk acquire()
    {
        if (size > 0)
        {
            final OutboundChunk chunk = free[--size];
            free[size] = null;
            return chunk;
        }
        allocated++;
        return new OutboundChunk(chunkLength);
    }

    void release(final OutboundChunk chunk)
    {
        chunk.reset();
        if (size < free.length)
        {
            free[size++] = chunk;
        }
    }

    int pooled()
    {
        return size;
    }

    long allocated()
    {
        return allocated;
    }
}
