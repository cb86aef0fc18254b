package io.wsmux.perf.load;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The bytes after a message's header (sequence and send time, {@link Payloads}), of the kind
 * {@code --payload-kind} names: {@link Payloads#FILLER}, the same bytes in every message, or {@link Payloads#TICKS},
 * a window onto the tick tape that moves on with each message's sequence, so that every message of a connection
 * (echo) or topic (fan-out) continues the stream of ticks where the one before stopped. Senders copy it into a
 * message with {@link #write}, only when it {@link #varies()} (the filler is laid out once, in the template every
 * message starts from); receivers check it with {@link #matches}.
 * <p>
 * Immutable once built: one instance is shared by every thread of a run; writing and checking allocate nothing.
 */
final class Filler
{
    private final String kind;
    private final UnsafeBuffer source;
    private final int length;
    /** Where sequence 0's bytes start in {@link #source}. */
    private final int base;
    /** Bytes after which the source repeats; 0 for the same bytes in every message. */
    private final int period;

    private Filler(final String kind, final UnsafeBuffer source, final int length, final int base, final int period)
    {
        this.kind = kind;
        this.source = source;
        this.length = length;
        this.base = base;
        this.period = period;
    }

    /**
     * @param kind          {@link Payloads#FILLER} or {@link Payloads#TICKS}.
     * @param headerLength  bytes of the message before the filler.
     * @param payloadLength bytes of the whole message (payload), header included.
     * @return the filler of every message of the run.
     * @throws IllegalArgumentException for another kind.
     */
    static Filler of(final String kind, final int headerLength, final int payloadLength)
    {
        final int length = payloadLength - headerLength;
        if (Payloads.FILLER.equals(kind))
        {
            return new Filler(kind, Payloads.template(payloadLength), length, headerLength, 0);
        }
        if (Payloads.TICKS.equals(kind))
        {
            return new Filler(kind, Payloads.tickTape(length), length, 0, Payloads.TICK_TAPE_PERIOD);
        }
        throw new IllegalArgumentException("payload kind must be filler or ticks: kind=" + kind);
    }

    /**
     * @return {@link Payloads#FILLER} or {@link Payloads#TICKS}.
     */
    String kind()
    {
        return kind;
    }

    /**
     * @return bytes of filler in each message.
     */
    int length()
    {
        return length;
    }

    /**
     * @return true if messages differ in their filler, so each must be written; false if it is the template's.
     */
    boolean varies()
    {
        return 0 != period;
    }

    /**
     * @param sequence the message's sequence number.
     * @return where its filler starts in the source.
     */
    int offset(final long sequence)
    {
        return 0 == period ? base : base + (int)((sequence * length) % period);
    }

    /**
     * Copy a message's filler into it.
     *
     * @param message  the message being built.
     * @param index    where its filler starts (after the header).
     * @param sequence its sequence number.
     */
    void write(final MutableDirectBuffer message, final int index, final long sequence)
    {
        message.putBytes(index, source, offset(sequence), length);
    }

    /**
     * @param buffer   holding a received message.
     * @param index    where its filler starts (after the header).
     * @param sequence the sequence number its header carries.
     * @return true if the filler is what a message of that sequence was sent with.
     */
    boolean matches(final DirectBuffer buffer, final int index, final long sequence)
    {
        return (0 == period || sequence >= 0) && Payloads.sameBytes(buffer, index, source, offset(sequence), length);
    }
}
