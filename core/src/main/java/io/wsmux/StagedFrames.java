package io.wsmux;

import java.util.Arrays;

import io.wsmux.transport.IoLoop;

/**
 * One topic's frames of the current fan-out batch, copied once into the loop's batch arena ({@link IoLoop#stage}) in
 * pieces of at most a chunk, for every subscriber that takes them as they are ({@link FanOutBatch}): the plain text
 * frames, or, for subscribers that negotiated permessage-deflate, each publication's frame compressed once for all
 * (its plain frame where it was not compressed). Made when a topic first stages such a run: an idle topic holds none.
 * <p>
 * Not thread safe: owned by the topic's loop.
 */
final class StagedFrames
{
    private static final int[] NO_INTS = new int[0];

    private final boolean deflated;
    /** The batch and the count of publications these frames hold; pieces 0: staging failed. */
    private long epoch;
    private int count;
    int pieces;
    int bytes;
    /** Frames that went compressed (counted as shared compressed sends per subscriber). */
    int deflatedFrames;
    int[] offsets = NO_INTS;
    int[] lengths = NO_INTS;
    int[] frames = NO_INTS;

    /**
     * @param deflated true for the compressed frames, false for the plain ones.
     */
    StagedFrames(final boolean deflated)
    {
        this.deflated = deflated;
    }

    /**
     * The batch ended: the next stage starts afresh.
     */
    void reset()
    {
        epoch = 0;
    }

    /**
     * Stage this batch's publications of the topic, unless already staged for this batch and count.
     *
     * @param loop         the loop, whose arena takes the frames.
     * @param publications the batch's publications.
     * @param indices      those of this topic, in order.
     * @param pendingCount how many.
     * @param batchEpoch   the batch.
     * @return false when they cannot be staged (a binary publication, a frame longer than a chunk, the arena full).
     */
    boolean stage(
        final IoLoop loop, final Publication[] publications, final int[] indices, final int pendingCount,
        final long batchEpoch)
    {
        if (epoch == batchEpoch && count == pendingCount)
        {
            return pieces > 0;
        }
        epoch = batchEpoch;
        count = pendingCount;
        pieces = 0;
        bytes = 0;
        deflatedFrames = 0;
        final int maxPiece = loop.maxStageLength();
        int pieceStart = 0;
        int pieceLength = 0;
        int pieceFrames = 0;
        for (int i = 0; i < pendingCount; i++)
        {
            final Publication publication = publications[indices[i]];
            final boolean compressed = deflated && publication.deflated;
            final int offset = compressed ? publication.deflatedFrameOffset : publication.textFrameOffset;
            final int length = compressed ? publication.deflatedFrameLength : publication.textFrameLength;
            if (!publication.text || length > maxPiece)
            {
                pieces = 0;
                return false;
            }
            if (pieceFrames > 0 && pieceLength + length > maxPiece)
            {
                addPiece(pieceStart, pieceLength, pieceFrames);
                pieceFrames = 0;
            }
            final int at = loop.stage(publication.buffer, offset, length);
            if (at < 0)
            {
                pieces = 0;
                return false;
            }
            if (pieceFrames > 0 && at != pieceStart + pieceLength)
            {
                addPiece(pieceStart, pieceLength, pieceFrames);
                pieceFrames = 0;
            }
            if (0 == pieceFrames)
            {
                pieceStart = at;
                pieceLength = 0;
            }
            pieceLength += length;
            pieceFrames++;
            if (compressed)
            {
                deflatedFrames++;
            }
        }
        if (pieceFrames > 0)
        {
            addPiece(pieceStart, pieceLength, pieceFrames);
        }
        return pieces > 0;
    }

    private void addPiece(final int offset, final int length, final int frameCount)
    {
        if (pieces == offsets.length)
        {
            final int capacity = Math.max(4, pieces * 2);
            offsets = Arrays.copyOf(offsets, capacity);
            lengths = Arrays.copyOf(lengths, capacity);
            frames = Arrays.copyOf(frames, capacity);
        }
        offsets[pieces] = offset;
        lengths[pieces] = length;
        frames[pieces] = frameCount;
        pieces++;
        bytes += length;
    }
}
