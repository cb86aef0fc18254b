package io.wsmux.transport;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

import io.wsmux.transport.tls.TlsSession;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The write side of one {@link IoLoop}: the cork, the pools of chunks and entries, and the two lanes of every
 * connection.
 * <ul>
 *     <li>Nothing queued: a frame for the connection being read is appended to the loop's cork and goes out with
 *     the rest of the read's replies in one {@code write}; any other frame is written straight to the socket.</li>
 *     <li>What the socket does not take is copied into pooled chunks and described by entries in the connection's
 *     data or control lane, and {@code OP_WRITE} is set until both lanes are empty.</li>
 *     <li>Frames a batch sends to other connections (a read's or a task drain's fan-out) go into one shared arena
 *     and each such connection is written once at the batch's end; what a socket leaves then moves to the
 *     connection's own chunks.</li>
 *     <li>Flushing gathers up to 64 regions per {@code write}: first the lane whose head frame is half written
 *     (only one can be), then the control lane, then data, so a pong or close never waits behind queued data longer
 *     than the frame already on the wire.</li>
 * </ul>
 * Not thread safe: owned by one loop. Allocates only when its pools are empty.
 */
final class OutboundWriter
{
    private static final int GATHER_LIMIT = 64;
    /** Entries kept for reuse: a batch to 10,000 subscribers takes one or more each. */
    private static final int MAX_POOLED_ENTRIES = 65536;
    /** The batch arena holds this many chunks' worth of frames: 4 MiB at the default 4 KiB chunk. */
    private static final int ARENA_CHUNKS = 1024;
    private static final int MAX_CORK_FRAMES = 4096;
    private static final int CONTROL_FLAG = 1 << 31;

    private final IoLoop loop;
    private final int chunkLength;
    private final OutboundChunk[] freeChunks;
    private int freeChunkCount;
    private long chunksAllocated;
    private OutboundEntry freeEntries;
    private int freeEntryCount;

    private final ByteBuffer corkByteBuffer;
    private final UnsafeBuffer corkBuffer;
    private final int[] corkFrameEnds = new int[MAX_CORK_FRAMES];
    private int corkFrameCount;
    private TcpConnection corkOwner;

    private boolean batching;
    private TcpConnection[] dirty = new TcpConnection[64];
    private int dirtyCount;

    /**
     * Where a batch queues its frames (up to a chunk each) for every connection it writes, one after another, so
     * that a publication to 10,000 subscribers is 10,000 small copies into one buffer rather than a chunk taken from
     * the pool per subscriber. The batch's end writes each connection and {@link #evacuate moves} what a socket did
     * not take into that connection's own chunks, so the arena is empty again after every batch. A gathering write
     * may take several regions of it, each through a view of its own.
     */
    private final ByteBuffer arenaByteBuffer;
    private final UnsafeBuffer arenaBuffer;
    private final ByteBuffer[] arenaViews = new ByteBuffer[GATHER_LIMIT];
    private final boolean[] gatherInArena = new boolean[GATHER_LIMIT];
    private int arenaPosition;

    private final ByteBuffer[] gather = new ByteBuffer[GATHER_LIMIT];
    private final OutboundEntry[] gatherEntries = new OutboundEntry[GATHER_LIMIT * 4];
    private long bytesWritten;
    private long queuedBytes;
    private long queuedBytesMax;
    private long socketFullWrites;
    private long socketWrites;

    OutboundWriter(final IoLoop loop, final int corkLength, final int chunkLength, final int maxPooledChunks)
    {
        this.loop = loop;
        this.chunkLength = chunkLength;
        this.freeChunks = new OutboundChunk[maxPooledChunks];
        this.corkByteBuffer = ByteBuffer.allocateDirect(corkLength);
        this.corkBuffer = new UnsafeBuffer(corkByteBuffer);
        corkByteBuffer.limit(0); // the limit marks the end of what is corked
        this.arenaByteBuffer = ByteBuffer.allocateDirect(chunkLength * ARENA_CHUNKS);
        this.arenaBuffer = new UnsafeBuffer(arenaByteBuffer);
        for (int i = 0; i < GATHER_LIMIT; i++)
        {
            arenaViews[i] = arenaByteBuffer.duplicate();
        }
    }

    long bytesWritten()
    {
        return bytesWritten;
    }

    long chunksAllocated()
    {
        return chunksAllocated;
    }

    long queuedBytes()
    {
        return queuedBytes;
    }

    long queuedBytesMax()
    {
        return queuedBytesMax;
    }

    long socketWrites()
    {
        return socketWrites;
    }

    long socketFullWrites()
    {
        return socketFullWrites;
    }

    /**
     * Start gathering the replies to the connection about to be read, and batching what goes to other connections
     * meanwhile.
     */
    void cork(final TcpConnection connection)
    {
        corkOwner = connection;
        batching = true; // what reading it makes us send to others (a publication, a chat line) is batched too
    }

    /**
     * Send what the cork gathered, write every connection the read sent something to, and stop gathering.
     */
    void uncork()
    {
        loop.onBatchEnd(); // deferred frames first, some perhaps for the corked connection
        flushCork();
        corkOwner = null;
        endBatch();
    }

    /**
     * Send the cork now if it holds this connection's replies (before closing it).
     */
    void uncorkIfOwner(final TcpConnection connection)
    {
        if (connection == corkOwner)
        {
            flushCork();
        }
    }

    /**
     * From now until {@link #endBatch()}, frames for connections other than the corked one are queued and each such
     * connection is written once at the end: a loop fanning out a burst of publications makes one gathering write
     * per subscriber, not one per publication per subscriber.
     */
    void beginBatch()
    {
        batching = true;
    }

    /**
     * Write every connection that got frames during the batch, once each.
     */
    void endBatch()
    {
        loop.onBatchEnd();
        batching = false;
        for (int i = 0; i < dirtyCount; i++)
        {
            final TcpConnection connection = dirty[i];
            dirty[i] = null;
            connection.batched = false;
            if (connection.closed)
            {
                continue;
            }
            if (flush(connection))
            {
                loop.onDrained(connection);
            }
            else if (!connection.closed)
            {
                evacuate(connection);
                loop.updateInterest(connection);
            }
        }
        dirtyCount = 0;
        arenaPosition = 0; // every frame in it is written, evacuated or dropped with its connection
    }

    /**
     * Move the frames a connection still has in the batch arena into its own chunks, before the arena is reused.
     */
    private void evacuate(final TcpConnection connection)
    {
        for (OutboundEntry entry = connection.controlHead; null != entry; entry = entry.next)
        {
            if (entry.byteBuffer == arenaByteBuffer)
            {
                moveToChunk(connection, true, entry);
            }
        }
        for (OutboundEntry entry = connection.dataHead; null != entry; entry = entry.next)
        {
            if (entry.byteBuffer == arenaByteBuffer)
            {
                moveToChunk(connection, false, entry);
            }
        }
    }

    private void moveToChunk(final TcpConnection connection, final boolean control, final OutboundEntry entry)
    {
        final int length = entry.length; // the whole entry, so its write position stays valid
        final OutboundChunk chunk = laneChunk(connection, control, length); // an arena entry fits in a chunk
        chunk.buffer.putBytes(chunk.appendPosition, arenaBuffer, entry.offset, length);
        entry.chunk = chunk;
        entry.byteBuffer = chunk.byteBuffer;
        entry.offset = chunk.appendPosition;
        chunk.appendPosition += length;
        chunk.references++;
    }

    boolean isBatching()
    {
        return batching;
    }

    int maxStageLength()
    {
        return chunkLength;
    }

    /**
     * Copy bytes into the batch arena once for several connections to queue by reference.
     *
     * @return their offset in the arena, or -1 when no batch is open, they exceed a chunk or the arena is full.
     */
    int stage(final DirectBuffer buffer, final int offset, final int length)
    {
        if (!batching || length > chunkLength || arenaPosition + length > arenaBuffer.capacity())
        {
            return -1;
        }
        final int at = arenaPosition;
        arenaBuffer.putBytes(at, buffer, offset, length);
        arenaPosition += length;
        return at;
    }

    /**
     * Queue whole frames staged in the arena: by reference for a connection the batch writes at its end (they are
     * evacuated to its own chunks if the socket leaves some), else copied into the cork or the connection's chunks
     * like any frame.
     */
    void writeStaged(final TcpConnection connection, final int arenaOffset, final int length)
    {
        if (connection.closed)
        {
            return;
        }
        if (batching && connection != corkOwner && (connection.batched || !hasBacklog(connection)))
        {
            markDirty(connection);
            queueArenaFrames(connection, false, arenaOffset, length);
            return;
        }
        write(connection, false, arenaBuffer, arenaOffset, length, null, 0, 0);
    }

    private void markDirty(final TcpConnection connection)
    {
        if (!connection.batched)
        {
            connection.batched = true;
            if (dirtyCount == dirty.length)
            {
                dirty = Arrays.copyOf(dirty, dirtyCount * 2);
            }
            dirty[dirtyCount++] = connection;
        }
    }

    static boolean hasBacklog(final TcpConnection connection)
    {
        return null != connection.dataHead || null != connection.controlHead ||
            (null != connection.tls && connection.tls.hasPendingOutput());
    }

    /**
     * @return true when the connection has something the socket can be asked to take now: a record's rest, or
     * queued frames (not before its TLS handshake is done: they are encrypted only then).
     */
    static boolean wantsWrite(final TcpConnection connection)
    {
        final TlsSession tls = connection.tls;
        if (null == tls)
        {
            return null != connection.dataHead || null != connection.controlHead;
        }
        return tls.hasPendingOutput() ||
            (tls.isEstablished() && (null != connection.dataHead || null != connection.controlHead));
    }

    void write(
        final TcpConnection connection,
        final boolean control,
        final DirectBuffer first,
        final int firstOffset,
        final int firstLength,
        final DirectBuffer second,
        final int secondOffset,
        final int secondLength)
    {
        if (connection.closed)
        {
            return;
        }
        final int total = firstLength + secondLength;

        if (batching && connection != corkOwner && (connection.batched || !hasBacklog(connection)))
        {
            markDirty(connection);
            if (total <= chunkLength && arenaPosition + total <= arenaBuffer.capacity())
            {
                enqueueInArena(connection, control, first, firstOffset, firstLength, second, secondOffset,
                    secondLength);
            }
            else
            {
                enqueueRange(connection, control, true, first, firstOffset, firstLength, second, secondOffset,
                    secondLength, 0, total);
            }
            return;
        }

        if (!hasBacklog(connection))
        {
            if (connection == corkOwner)
            {
                final int corked = corkByteBuffer.limit();
                if (corked + total <= corkByteBuffer.capacity() && corkFrameCount < MAX_CORK_FRAMES)
                {
                    corkBuffer.putBytes(corked, first, firstOffset, firstLength);
                    if (secondLength > 0)
                    {
                        corkBuffer.putBytes(corked + firstLength, second, secondOffset, secondLength);
                    }
                    corkByteBuffer.limit(corked + total);
                    corkFrameEnds[corkFrameCount++] = (corked + total) | (control ? CONTROL_FLAG : 0);
                    return;
                }
            }
            flushCork();
            if (!hasBacklog(connection) && !connection.closed)
            {
                writeThrough(connection, control, first, firstOffset, firstLength, second, secondOffset, secondLength);
                return;
            }
        }

        if (!connection.closed)
        {
            enqueueRange(connection, control, true, first, firstOffset, firstLength, second, secondOffset,
                secondLength, 0, total);
        }
    }

    /**
     * Write one frame straight to the socket, staging it through the (empty) cork buffer piece by piece; queue what
     * the socket does not take.
     */
    private void writeThrough(
        final TcpConnection connection,
        final boolean control,
        final DirectBuffer first,
        final int firstOffset,
        final int firstLength,
        final DirectBuffer second,
        final int secondOffset,
        final int secondLength)
    {
        final int total = firstLength + secondLength;
        final int capacity = corkByteBuffer.capacity();
        int written = 0;
        while (written < total)
        {
            final int piece = Math.min(capacity, total - written);
            copyRange(corkBuffer, 0, first, firstOffset, firstLength, second, secondOffset, secondLength, written,
                piece);
            corkByteBuffer.limit(piece).position(0);
            final int taken = socketWrite(connection, corkByteBuffer);
            if (taken < 0)
            {
                break;
            }
            written += taken;
            if (taken < piece)
            {
                break;
            }
        }
        corkByteBuffer.clear().limit(0);

        if (written < total && !connection.closed)
        {
            enqueueRange(connection, control, 0 == written, first, firstOffset, firstLength, second, secondOffset,
                secondLength, written, total - written);
        }
    }

    private void flushCork()
    {
        final int corked = corkByteBuffer.limit();
        final TcpConnection connection = corkOwner;
        if (0 == corked || null == connection)
        {
            return;
        }

        int taken = 0;
        if (!connection.closed)
        {
            corkByteBuffer.position(0);
            taken = hasBacklog(connection) ? 0 : socketWrite(connection, corkByteBuffer);
        }

        if (taken >= 0 && taken < corked && !connection.closed)
        {
            // Queue the rest frame by frame, each in its lane, the half-written one first.
            int frameStart = 0;
            for (int i = 0; i < corkFrameCount; i++)
            {
                final int frameEnd = corkFrameEnds[i] & ~CONTROL_FLAG;
                final boolean control = (corkFrameEnds[i] & CONTROL_FLAG) != 0;
                if (frameEnd > taken)
                {
                    final int from = Math.max(frameStart, taken);
                    enqueueRange(connection, control, from == frameStart, corkBuffer, from, frameEnd - from, null, 0,
                        0, 0, frameEnd - from);
                }
                frameStart = frameEnd;
            }
        }
        corkByteBuffer.clear().limit(0);
        corkFrameCount = 0;
    }

    /**
     * Copy bytes [from, from + length) of the two pieces taken as one into the lane's chunks, as entries that end
     * the frame with the last of them.
     */
    private void enqueueRange(
        final TcpConnection connection,
        final boolean control,
        final boolean startsFrame,
        final DirectBuffer first,
        final int firstOffset,
        final int firstLength,
        final DirectBuffer second,
        final int secondOffset,
        final int secondLength,
        final int from,
        final int length)
    {
        final boolean wasIdle = !hasBacklog(connection);
        int copied = 0;
        boolean starts = startsFrame;
        while (copied < length)
        {
            final OutboundChunk chunk = laneChunk(connection, control, 1);
            final int piece = Math.min(chunk.freeLength(), length - copied);
            copyRange(chunk.buffer, chunk.appendPosition, first, firstOffset, firstLength, second, secondOffset,
                secondLength, from + copied, piece);

            final OutboundEntry entry = acquireEntry();
            entry.chunk = chunk;
            entry.byteBuffer = chunk.byteBuffer;
            entry.offset = chunk.appendPosition;
            entry.length = piece;
            entry.startsFrame = starts;
            entry.endsFrame = copied + piece == length;
            chunk.appendPosition += piece;
            chunk.references++;
            append(connection, control, entry);

            copied += piece;
            starts = false;
        }

        countQueued(connection, control, length);
        if (wasIdle && !connection.batched)
        {
            loop.updateInterest(connection);
        }
    }

    /**
     * Queue a whole frame of a batch in the arena.
     */
    private void enqueueInArena(
        final TcpConnection connection,
        final boolean control,
        final DirectBuffer first,
        final int firstOffset,
        final int firstLength,
        final DirectBuffer second,
        final int secondOffset,
        final int secondLength)
    {
        final int total = firstLength + secondLength;
        copyRange(arenaBuffer, arenaPosition, first, firstOffset, firstLength, second, secondOffset, secondLength, 0,
            total);
        queueArenaFrames(connection, control, arenaPosition, total);
        arenaPosition += total;
    }

    /**
     * Queue whole frames that are in the arena, by reference, in a lane of the connection.
     */
    private void queueArenaFrames(final TcpConnection connection, final boolean control, final int offset,
        final int length)
    {
        final OutboundEntry entry = acquireEntry();
        entry.byteBuffer = arenaByteBuffer;
        entry.offset = offset;
        entry.length = length;
        entry.startsFrame = true;
        entry.endsFrame = true;
        append(connection, control, entry);
        countQueued(connection, control, length);
    }

    private void countQueued(final TcpConnection connection, final boolean control, final int length)
    {
        if (control)
        {
            connection.queuedControlBytes += length;
        }
        else
        {
            connection.queuedBytes += length;
            queuedBytes += length;
            if (queuedBytes > queuedBytesMax)
            {
                queuedBytesMax = queuedBytes;
            }
        }
    }

    /**
     * The chunk a lane appends to, with at least {@code needed} bytes free: its current one, or a new one from the
     * pool that the lane then holds (the old one is let go of; its entries keep it until they are written).
     */
    private OutboundChunk laneChunk(final TcpConnection connection, final boolean control, final int needed)
    {
        OutboundChunk chunk = control ? connection.controlChunk : connection.dataChunk;
        if (null == chunk || chunk.freeLength() < needed)
        {
            if (null != chunk)
            {
                releaseChunkReference(chunk);
            }
            chunk = acquireChunk();
            chunk.references = 1; // held by the lane while it appends to it
            if (control)
            {
                connection.controlChunk = chunk;
            }
            else
            {
                connection.dataChunk = chunk;
            }
        }
        return chunk;
    }

    private static void append(final TcpConnection connection, final boolean control, final OutboundEntry entry)
    {
        if (control)
        {
            if (null == connection.controlTail)
            {
                connection.controlHead = entry;
            }
            else
            {
                connection.controlTail.next = entry;
            }
            connection.controlTail = entry;
        }
        else
        {
            if (null == connection.dataTail)
            {
                connection.dataHead = entry;
            }
            else
            {
                connection.dataTail.next = entry;
            }
            connection.dataTail = entry;
        }
    }

    private static void copyRange(
        final UnsafeBuffer dst,
        final int dstOffset,
        final DirectBuffer first,
        final int firstOffset,
        final int firstLength,
        final DirectBuffer second,
        final int secondOffset,
        final int secondLength,
        final int from,
        final int length)
    {
        int position = from;
        int out = dstOffset;
        final int end = from + length;
        if (position < firstLength)
        {
            final int piece = Math.min(firstLength, end) - position;
            dst.putBytes(out, first, firstOffset + position, piece);
            out += piece;
            position += piece;
        }
        if (position < end)
        {
            final int secondFrom = position - firstLength;
            dst.putBytes(out, second, secondOffset + secondFrom, Math.min(secondLength - secondFrom, end - position));
        }
    }

    /**
     * Write queued entries while the socket takes them, and read the connection again if it was paused and is now
     * back within the limit.
     *
     * @return true when both lanes are empty.
     */
    boolean flush(final TcpConnection connection)
    {
        final boolean drained = flushLanes(connection);
        if (!drained && connection.readPaused)
        {
            loop.resumeReadIfUnderLimit(connection);
        }
        return drained;
    }

    private boolean flushLanes(final TcpConnection connection)
    {
        final TlsSession tls = connection.tls;
        if (null != tls)
        {
            try
            {
                if (!tls.flush(connection.channel))
                {
                    socketFullWrites++;
                    return false;
                }
            }
            catch (final IOException ex)
            {
                loop.close(connection, ex);
                return false;
            }
            if (!tls.isEstablished())
            {
                return !hasBacklog(connection); // frames wait for the handshake
            }
        }
        while ((null != connection.dataHead || null != connection.controlHead) && !connection.closed)
        {
            final int selected = collect(connection);
            int entryCount = 0;
            int regions = 0;
            long requested = 0;
            int previousLimit = -1;
            for (; entryCount < selected; entryCount++)
            {
                final OutboundEntry entry = gatherEntries[entryCount];
                final int start = entry.offset + entry.position;
                final int end = entry.offset + entry.length;
                final boolean inArena = entry.byteBuffer == arenaByteBuffer;
                if (regions > 0 && start == previousLimit &&
                    (inArena ? gatherInArena[regions - 1] : entry.byteBuffer == gather[regions - 1]))
                {
                    gather[regions - 1].limit(end); // contiguous with the previous entry of the same buffer
                }
                else
                {
                    if (GATHER_LIMIT == regions || (!inArena && isGathered(entry.byteBuffer, regions)))
                    {
                        break; // a buffer may appear only once per gathering write (the arena: once per view)
                    }
                    final ByteBuffer region = inArena ? arenaViews[regions] : entry.byteBuffer;
                    region.limit(end).position(start);
                    gatherInArena[regions] = inArena;
                    gather[regions++] = region;
                }
                requested += end - start;
                previousLimit = end;
            }

            final long written;
            try
            {
                // One region (a subscriber's run of a batch, typically): a plain write spares the JDK's iovec set-up.
                socketWrites++;
                if (null != tls)
                {
                    written = tls.wrap(connection.channel, gather, 0, regions);
                }
                else
                {
                    written = 1 == regions ?
                        connection.channel.write(gather[0]) : connection.channel.write(gather, 0, regions);
                }
            }
            catch (final IOException ex)
            {
                clearGather(regions, selected);
                loop.close(connection, ex);
                return false;
            }
            clearGather(regions, 0);
            bytesWritten += written;

            long unassigned = written;
            for (int i = 0; i < selected; i++)
            {
                final OutboundEntry entry = gatherEntries[i];
                gatherEntries[i] = null;
                if (i < entryCount && unassigned > 0)
                {
                    final int taken = (int)Math.min(unassigned, entry.remaining());
                    entry.position += taken;
                    unassigned -= taken;
                    if (0 == entry.remaining())
                    {
                        removeHead(connection, entry);
                    }
                }
            }

            if (written < requested || (null != tls && tls.hasPendingOutput()))
            {
                socketFullWrites++;
                return false; // the socket is full: OP_WRITE stays set
            }
        }
        return !hasBacklog(connection);
    }

    private boolean isGathered(final ByteBuffer byteBuffer, final int regions)
    {
        for (int i = 0; i < regions; i++)
        {
            if (gather[i] == byteBuffer)
            {
                return true;
            }
        }
        return false;
    }

    private void clearGather(final int regions, final int entryCount)
    {
        for (int i = 0; i < regions; i++)
        {
            gather[i] = null;
        }
        for (int i = 0; i < entryCount; i++)
        {
            gatherEntries[i] = null;
        }
    }

    /**
     * Choose the entries of one gathering write, in the order they must go out: the half-written lane's frame
     * first (only one lane can have one), then control frames, then data.
     */
    private int collect(final TcpConnection connection)
    {
        final int capacity = gatherEntries.length;
        int count = 0;
        OutboundEntry data = connection.dataHead;
        OutboundEntry control = connection.controlHead;

        if (null != control && control.isMidFrame())
        {
            while (null != control && count < capacity)
            {
                gatherEntries[count++] = control;
                final boolean ends = control.endsFrame;
                control = control.next;
                if (ends)
                {
                    break;
                }
            }
        }
        else if (null != data && data.isMidFrame())
        {
            while (null != data && count < capacity)
            {
                gatherEntries[count++] = data;
                final boolean ends = data.endsFrame;
                data = data.next;
                if (ends)
                {
                    break;
                }
            }
        }

        while (null != control && count < capacity)
        {
            gatherEntries[count++] = control;
            control = control.next;
        }
        while (null != data && count < capacity)
        {
            gatherEntries[count++] = data;
            data = data.next;
        }
        return count;
    }

    private void removeHead(final TcpConnection connection, final OutboundEntry entry)
    {
        if (entry == connection.dataHead)
        {
            connection.dataHead = entry.next;
            if (null == connection.dataHead)
            {
                connection.dataTail = null;
            }
            connection.queuedBytes -= entry.length;
            queuedBytes -= entry.length;
        }
        else if (entry == connection.controlHead)
        {
            connection.controlHead = entry.next;
            if (null == connection.controlHead)
            {
                connection.controlTail = null;
            }
            connection.queuedControlBytes -= entry.length;
        }
        else
        {
            throw new IllegalStateException("written entry is not at the head of its lane");
        }
        releaseEntry(entry);
    }

    /**
     * Drop the frames of one lane that the socket has not started on, keeping the entries of a frame it has begun
     * (the peer must get that one whole).
     *
     * @return bytes dropped.
     */
    long discardUnstarted(final TcpConnection connection, final boolean control)
    {
        OutboundEntry entry = control ? connection.controlHead : connection.dataHead;
        OutboundEntry kept = null;
        if (null != entry && entry.isMidFrame())
        {
            while (null != entry)
            {
                kept = entry;
                entry = entry.next;
                if (kept.endsFrame)
                {
                    break;
                }
            }
        }
        long discarded = 0;
        while (null != entry)
        {
            final OutboundEntry next = entry.next;
            discarded += entry.length; // queued bytes count whole entries until written
            releaseEntry(entry);
            entry = next;
        }
        if (null != kept)
        {
            kept.next = null;
        }
        if (control)
        {
            connection.controlHead = null == kept ? null : connection.controlHead;
            connection.controlTail = kept;
            connection.queuedControlBytes -= (int)discarded;
        }
        else
        {
            connection.dataHead = null == kept ? null : connection.dataHead;
            connection.dataTail = kept;
            connection.queuedBytes -= discarded;
            queuedBytes -= discarded;
        }
        return discarded;
    }

    /**
     * Drop everything queued for a closing connection and return its buffers to the pools.
     */
    void release(final TcpConnection connection)
    {
        if (connection == corkOwner)
        {
            corkByteBuffer.clear().limit(0);
            corkFrameCount = 0;
        }
        for (OutboundEntry entry = connection.dataHead; null != entry; )
        {
            final OutboundEntry next = entry.next;
            releaseEntry(entry);
            entry = next;
        }
        for (OutboundEntry entry = connection.controlHead; null != entry; )
        {
            final OutboundEntry next = entry.next;
            releaseEntry(entry);
            entry = next;
        }
        connection.dataHead = null;
        connection.dataTail = null;
        connection.controlHead = null;
        connection.controlTail = null;
        queuedBytes -= connection.queuedBytes;
        connection.queuedBytes = 0;
        connection.queuedControlBytes = 0;
        if (null != connection.dataChunk)
        {
            releaseChunkReference(connection.dataChunk);
            connection.dataChunk = null;
        }
        if (null != connection.controlChunk)
        {
            releaseChunkReference(connection.controlChunk);
            connection.controlChunk = null;
        }
    }

    /**
     * Before the connection's lanes go idle, let go of the chunks they were appending to.
     */
    void releaseIdleChunks(final TcpConnection connection)
    {
        if (null == connection.dataHead && null != connection.dataChunk)
        {
            releaseChunkReference(connection.dataChunk);
            connection.dataChunk = null;
        }
        if (null == connection.controlHead && null != connection.controlChunk)
        {
            releaseChunkReference(connection.controlChunk);
            connection.controlChunk = null;
        }
    }

    private int socketWrite(final TcpConnection connection, final ByteBuffer byteBuffer)
    {
        try
        {
            socketWrites++;
            final TlsSession tls = connection.tls;
            final int written = null == tls ?
                connection.channel.write(byteBuffer) : (int)tls.wrap(connection.channel, byteBuffer);
            bytesWritten += written;
            if (byteBuffer.hasRemaining())
            {
                socketFullWrites++;
            }
            else if (null != tls && tls.hasPendingOutput())
            {
                socketFullWrites++;
                loop.updateInterest(connection); // the plaintext is taken, its record's rest waits for OP_WRITE
            }
            return written;
        }
        catch (final IOException ex)
        {
            loop.close(connection, ex);
            return -1;
        }
    }

    private OutboundChunk acquireChunk()
    {
        if (freeChunkCount > 0)
        {
            final OutboundChunk chunk = freeChunks[--freeChunkCount];
            freeChunks[freeChunkCount] = null;
            return chunk;
        }
        chunksAllocated++;
        return new OutboundChunk(chunkLength);
    }

    private void releaseChunkReference(final OutboundChunk chunk)
    {
        if (--chunk.references == 0)
        {
            chunk.reset();
            if (freeChunkCount < freeChunks.length)
            {
                freeChunks[freeChunkCount++] = chunk;
            }
        }
    }

    private OutboundEntry acquireEntry()
    {
        final OutboundEntry entry = freeEntries;
        if (null != entry)
        {
            freeEntries = entry.next;
            freeEntryCount--;
            entry.next = null;
            return entry;
        }
        return new OutboundEntry();
    }

    private void releaseEntry(final OutboundEntry entry)
    {
        if (null != entry.chunk)
        {
            releaseChunkReference(entry.chunk);
        }
        entry.clear();
        if (freeEntryCount < MAX_POOLED_ENTRIES)
        {
            entry.next = freeEntries;
            freeEntries = entry;
            freeEntryCount++;
        }
    }
}
