package io.wsmux.codec;

import org.agrona.MutableDirectBuffer;

/**
 * Receives what a {@link FrameDecoder} decodes. For every frame: one {@link #onFrameStart}, then its payload in
 * one or more {@link #onFramePayload} chunks (none for an empty payload), then one {@link #onFrameEnd}. A frame
 * whose payload arrived in one read is delivered as a single chunk whose length equals the announced length, so
 * the receiver can use it in place without copying. A violation ends the sequence with {@link #onProtocolError}
 * and nothing follows it.
 * <p>
 * Callbacks run on the decoding thread and may call {@link FrameDecoder#halt()} to stop decoding after the
 * current callback.
 */
public interface FrameHandler
{
    /**
     * A valid frame header was decoded.
     *
     * @param opcode        as on the wire: {@link Opcode#CONTINUATION} for later fragments of a message.
     * @param fin           whether this is the final fragment of its message (always true for control frames).
     * @param payloadLength announced payload length, within the decoder's limits.
     */
    void onFrameStart(int opcode, boolean fin, long payloadLength);

    /**
     * A chunk of the current frame's payload, already unmasked and, for text, checked as UTF-8 so far.
     * The bytes are valid only during the call: copy what must outlive it.
     *
     * @param buffer holding the chunk (the caller's read buffer).
     * @param offset of the chunk.
     * @param length of the chunk, at least 1.
     */
    void onFramePayload(MutableDirectBuffer buffer, int offset, int length);

    /**
     * The current frame's payload is complete. For a final text fragment the whole message is valid UTF-8.
     */
    void onFrameEnd();

    /**
     * The input broke a protocol rule; the connection must be failed with {@link CloseReason#code()}.
     * The decoder discards all further input until reset.
     *
     * @param reason the rule broken.
     */
    void onProtocolError(CloseReason reason);
}
