package io.wsmux;

import org.agrona.DirectBuffer;

/**
 * What a {@link MuxSession} needs of the connection that carries its channels: a WebSocket ({@link WsConnection}) or
 * a SockJS session ({@link SockJsSession}). The multiplexer's code is the same over both; only how a message reaches
 * the wire differs. Loop thread only, but for the two {@code offer} methods.
 */
interface MuxCarrier extends Connection
{
    /**
     * @return whether a topic's shared WebSocket text frame, or frames staged for the loop's fan-out batch, can be
     * queued as they are (a WebSocket); false where each message is framed for this carrier (SockJS).
     */
    boolean sharesFrames();

    /**
     * Send a multiplex protocol reply, in order with the data, never dropped (see {@link WsConnection}).
     */
    void sendProtocolMessage(int opcode, DirectBuffer buffer, int offset, int length);

    /**
     * Send one message made of a prefix and a payload, within the outbound budget.
     */
    boolean sendWithPrefix(
        int opcode, DirectBuffer prefix, int prefixOffset, int prefixLength, DirectBuffer payload, int payloadOffset,
        int payloadLength);

    /**
     * Send a topic publication as a text multiplex message: the prefix ({@code msg,NAME,}) and the publication's
     * payload, within the outbound budget. A carrier that frames each message itself may frame a publication once for
     * all its subscribers that share the name.
     *
     * @param publication the publication, held by the caller.
     * @param name        the channel's wire name: publications on equal names share a frame (compared by identity).
     */
    default boolean sendPublicationText(
        final Publication publication, final Object name, final DirectBuffer prefix, final int prefixOffset,
        final int prefixLength)
    {
        return sendWithPrefix(io.wsmux.codec.Opcode.TEXT, prefix, prefixOffset, prefixLength, publication.buffer,
            publication.payloadOffset, publication.payloadLength);
    }

    /**
     * Send a topic publication as one message made of a prefix (a binary multiplex header, or {@code msg,NAME,} for a
     * text channel named differently from its topic) and the publication's payload, within the outbound budget. A
     * WebSocket that negotiated permessage-deflate sends the payload as compressed once for all subscribers.
     *
     * @param opcode      {@link io.wsmux.codec.Opcode#TEXT} or {@link io.wsmux.codec.Opcode#BINARY}.
     * @param publication the publication, held by the caller.
     */
    default boolean sendPublication(
        final int opcode, final DirectBuffer prefix, final int prefixOffset, final int prefixLength,
        final Publication publication)
    {
        return sendWithPrefix(opcode, prefix, prefixOffset, prefixLength, publication.buffer,
            publication.payloadOffset, publication.payloadLength);
    }

    /**
     * Send a topic publication's shared text frame ({@code msg,TOPIC,payload}), or its compressed form to a WebSocket
     * that negotiated permessage-deflate; only when {@link #sharesFrames()}.
     */
    default boolean sendPublicationFrame(final Publication publication)
    {
        return sendFrame(publication.buffer, publication.textFrameOffset, publication.textFrameLength);
    }

    /**
     * @return whether this connection takes publications compressed once for all subscribers (it negotiated
     * permessage-deflate without server context takeover, with the full window).
     */
    default boolean takesSharedDeflate()
    {
        return false;
    }

    /**
     * @return whether this connection negotiated permessage-deflate (its messages may go out compressed).
     */
    default boolean compresses()
    {
        return false;
    }

    /**
     * Send a WebSocket frame built elsewhere; only when {@link #sharesFrames()}.
     */
    boolean sendFrame(DirectBuffer frame, int offset, int length);

    /**
     * Whether frames staged in the loop's arena fit the budget as a whole; only when {@link #sharesFrames()}.
     */
    boolean admitStaged(int length);

    /**
     * Queue frames staged in the loop's arena; only when {@link #sharesFrames()}.
     */
    void writeStagedFrames(int arenaOffset, int length, int frames);

    /**
     * A channel's send from another thread, in order with that thread's other sends.
     */
    boolean offerChannelSend(int serial, boolean text, DirectBuffer buffer, int offset, int length);

    /**
     * A channel's close from another thread.
     */
    boolean offerChannelClose(int serial, int code, String reason);

    /**
     * Bound the socket's send buffer for a conflating subscription (nothing to do where there is no one socket).
     */
    void limitSendBuffer(int length);

    /**
     * Ask for {@link MuxSession#flushPending} no later than this.
     */
    void requestDeadline(long deadlineNs);

    /**
     * @param session the session while it has topic channels (it catches up on the loop's fan-out batch before other
     *                writes), else null.
     */
    void fanOutSession(MuxSession session);

    /**
     * @return the multiplexer's session on this carrier, or null.
     */
    MuxSession muxSession();

    /**
     * @param session the multiplexer's session on this carrier.
     */
    void muxSession(MuxSession session);

    /**
     * @return the loop's context.
     */
    LoopContext context();

    /**
     * @return the index of the loop that owns this carrier.
     */
    int loopIndex();

    /**
     * @return whether the caller runs on that loop.
     */
    boolean isLoopThread();
}
