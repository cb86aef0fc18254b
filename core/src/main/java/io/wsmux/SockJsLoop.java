package io.wsmux;

import java.nio.charset.StandardCharsets;

import io.wsmux.codec.sockjs.SockJsJson;
import io.wsmux.codec.sockjs.SockJsPages;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A loop's SockJS scratch: where frames and responses are built and client JSON decoded. Grown on first use and
 * kept, so the loop allocates nothing per message once warm.
 */
final class SockJsLoop implements SockJsJson.MessageSink
{
    private static final int CACHE_SLOTS = 64;
    /** The most frame bytes one batch keeps for sharing; past it, frames are quoted for each subscriber. */
    private static final int MAX_BATCH_FRAMES_LENGTH = 1024 * 1024;


    final ExpandableArrayBuffer frame = new ExpandableArrayBuffer(1024);
    final ExpandableArrayBuffer out = new ExpandableArrayBuffer(4096);
    final ExpandableArrayBuffer quoted = new ExpandableArrayBuffer(1024);
    final UnsafeBuffer anotherConnectionStillOpen =
        new UnsafeBuffer(SockJsPages.ANOTHER_CONNECTION.getBytes(StandardCharsets.US_ASCII));
    private final ExpandableArrayBuffer decoded = new ExpandableArrayBuffer(1024);
    /** A message framed as a["..."]. */
    private final ExpandableArrayBuffer messageFrame = new ExpandableArrayBuffer(1024);
    private int messageFrameLength;
    private int messageFrameOffset;
    /**
     * Publications framed in the current fan-out batch, by (publication, channel name): a publication's subscribers
     * on one loop share one quoted frame. Valid only while the batch is delivered (its publications are held).
     */
    private final ExpandableArrayBuffer batchFrames = new ExpandableArrayBuffer(4096);
    private int batchFramesLength;
    private long batchEpoch;
    private final Object[] cachedPublications = new Object[CACHE_SLOTS];
    private final Object[] cachedNames = new Object[CACHE_SLOTS];
    private final int[] cachedOffsets = new int[CACHE_SLOTS];
    private final int[] cachedLengths = new int[CACHE_SLOTS];
    private final int[] usedSlots = new int[CACHE_SLOTS];
    private int usedSlotCount;
    private int[] bounds = new int[256];
    private SockJsSession target;

    /**
     * Decode a client's JSON array of strings and hand each to the session, or nothing when it is broken.
     *
     * @return the number of messages, or {@link SockJsJson#BROKEN}.
     */
    int deliver(
        final SockJsSession session, final DirectBuffer json, final int offset, final int length,
        final boolean allowBareString)
    {
        decoded.checkLimit(length);
        if (bounds.length < length + 2)
        {
            bounds = new int[length + 2];
        }
        target = session;
        try
        {
            return SockJsJson.parseMessages(json, offset, length, allowBareString, decoded, bounds, this);
        }
        finally
        {
            target = null;
        }
    }

    /**
     * A message (prefix and payload, UTF-8) as a SockJS frame {@code a["..."]}.
     *
     * @return the buffer holding the frame from 0, {@link #frameLength()} bytes; valid until the next call.
     */
    ExpandableArrayBuffer frameFor(
        final DirectBuffer prefix, final int prefixOffset, final int prefixLength,
        final DirectBuffer payload, final int payloadOffset, final int payloadLength)
    {
        final int length = prefixLength + payloadLength;
        messageFrame.checkLimit(SockJsJson.maxQuotedLength(length) + 3);
        int at = 0;
        messageFrame.putByte(at++, (byte)'a');
        messageFrame.putByte(at++, (byte)'[');
        messageFrame.putByte(at++, (byte)'"');
        at += SockJsJson.quoteRaw(prefix, prefixOffset, prefixLength, messageFrame, at);
        at += SockJsJson.quoteRaw(payload, payloadOffset, payloadLength, messageFrame, at);
        messageFrame.putByte(at++, (byte)'"');
        messageFrame.putByte(at++, (byte)']');
        messageFrameLength = at;
        messageFrameOffset = 0;
        return messageFrame;
    }

    /**
     * A topic publication on a channel as a SockJS frame: during the loop's fan-out batch, quoted once for all the
     * subscribers of this loop that share the channel name, else as {@link #frameFor}.
     *
     * @param batch       the loop's fan-out batch.
     * @param publication the publication (its identity keys the frame while the batch holds it).
     * @param name        the channel's wire name (its identity keys the frame).
     * @return the buffer holding the frame at {@link #frameOffset()}, {@link #frameLength()} bytes.
     */
    DirectBuffer publicationFrame(
        final FanOutBatch batch, final Object publication, final Object name,
        final DirectBuffer prefix, final int prefixOffset, final int prefixLength,
        final DirectBuffer payload, final int payloadOffset, final int payloadLength)
    {
        if (!batch.isFlushing())
        {
            return frameFor(prefix, prefixOffset, prefixLength, payload, payloadOffset, payloadLength);
        }
        if (batch.epoch() != batchEpoch)
        {
            batchEpoch = batch.epoch();
            for (int i = 0; i < usedSlotCount; i++)
            {
                cachedPublications[usedSlots[i]] = null;
                cachedNames[usedSlots[i]] = null;
            }
            usedSlotCount = 0;
            batchFramesLength = 0;
        }
        final int slot =
            (System.identityHashCode(publication) * 31 + System.identityHashCode(name)) & (CACHE_SLOTS - 1);
        if (cachedPublications[slot] == publication && cachedNames[slot] == name)
        {
            messageFrameOffset = cachedOffsets[slot];
            messageFrameLength = cachedLengths[slot];
            return batchFrames;
        }
        final int length = prefixLength + payloadLength;
        final int bound = SockJsJson.maxQuotedLength(length) + 3;
        if (batchFramesLength + bound > MAX_BATCH_FRAMES_LENGTH)
        {
            return frameFor(prefix, prefixOffset, prefixLength, payload, payloadOffset, payloadLength);
        }
        batchFrames.checkLimit(batchFramesLength + bound);
        final int start = batchFramesLength;
        int at = start;
        batchFrames.putByte(at++, (byte)'a');
        batchFrames.putByte(at++, (byte)'[');
        batchFrames.putByte(at++, (byte)'"');
        at += SockJsJson.quoteRaw(prefix, prefixOffset, prefixLength, batchFrames, at);
        at += SockJsJson.quoteRaw(payload, payloadOffset, payloadLength, batchFrames, at);
        batchFrames.putByte(at++, (byte)'"');
        batchFrames.putByte(at++, (byte)']');
        batchFramesLength = at;
        if (null == cachedPublications[slot])
        {
            usedSlots[usedSlotCount++] = slot;
        }
        cachedPublications[slot] = publication;
        cachedNames[slot] = name;
        cachedOffsets[slot] = start;
        cachedLengths[slot] = at - start;
        messageFrameOffset = start;
        messageFrameLength = at - start;
        return batchFrames;
    }

    /**
     * @return the offset of the frame {@link #frameFor} or {@link #publicationFrame} returned last.
     */
    int frameOffset()
    {
        return messageFrameOffset;
    }

    /**
     * @return the length of the frame {@link #frameFor} or {@link #publicationFrame} returned last.
     */
    int frameLength()
    {
        return messageFrameLength;
    }

    @Override
    public void onMessage(final DirectBuffer buffer, final int offset, final int length)
    {
        target.onMessage(buffer, offset, length);
    }
}
