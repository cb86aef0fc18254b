package io.wsmux.codec;

import java.util.Arrays;

import org.agrona.DirectBuffer;

/**
 * Incremental UTF-8 validator for WebSocket text messages, fed one fragment at a time.
 * <p>
 * RFC 6455 §8.1: "When an endpoint is to interpret a byte stream as UTF-8 but finds that the byte stream is not, in
 * fact, a valid UTF-8 stream, that endpoint MUST _Fail the WebSocket Connection_." §5.6: "a particular text frame
 * might include a partial UTF-8 sequence; however, the whole message MUST contain valid UTF-8." So the state of a
 * multi-byte sequence is carried from one {@link #validate(DirectBuffer, int, int)} call to the next, a fragment may
 * end anywhere, and {@link #isComplete()} is asked once the final fragment has been fed.
 * <p>
 * Validity is RFC 3629 §4: no overlong forms, no UTF-16 surrogates (U+D800..U+DFFF), nothing above U+10FFFF, no
 * 5- or 6-byte forms. Noncharacters such as U+FFFE and U+FFFF are well-formed UTF-8 and accepted.
 * <p>
 * The check is a deterministic finite automaton in the style of Björn Höhrmann's "Flexible and Economical UTF-8
 * Decoder": every byte maps to one of 12 classes, and (state, class) indexes a transition table. The automaton
 * rejects at the first byte that no valid sequence could contain, so the failure is reported on the fragment holding
 * that byte rather than at the end of the message. While between characters it skips ASCII 8 bytes at a time.
 * <p>
 * <b>Not thread safe:</b> owned by the thread that owns the connection. <b>Allocates nothing</b> after construction.
 * Per-instance state is two {@code int}s, 8 bytes (a 24-byte object with a 12-byte header); the tables are static
 * and shared, 256 + 108 bytes.
 */
public final class Utf8Validator
{
    /*
     * Byte classes. Each splits the bytes by the role they may play in the RFC 3629 §4 grammar:
     *
     *   UTF8-1    = %x00-7F
     *   UTF8-2    = %xC2-DF UTF8-tail
     *   UTF8-3    = %xE0 %xA0-BF UTF8-tail / %xE1-EC 2( UTF8-tail ) /
     *               %xED %x80-9F UTF8-tail / %xEE-EF 2( UTF8-tail )
     *   UTF8-4    = %xF0 %x90-BF 2( UTF8-tail ) / %xF1-F3 3( UTF8-tail ) /
     *               %xF4 %x80-8F 2( UTF8-tail )
     *   UTF8-tail = %x80-BF
     *
     * The tail range is cut where a second byte's range starts or stops (8F|90, 9F|A0), and the leads with a narrowed
     * second byte (E0, ED, F0, F4) get a class each.
     */
    private static final int CLASS_ASCII = 0;
    private static final int CLASS_TAIL_80_8F = 1;
    private static final int CLASS_TAIL_90_9F = 2;
    private static final int CLASS_TAIL_A0_BF = 3;
    /** C0 and C1 (could only start overlong 2-byte forms), F5..FF (above U+10FFFF, 5- and 6-byte forms, FE, FF). */
    private static final int CLASS_NEVER = 4;
    private static final int CLASS_LEAD_C2_DF = 5;
    private static final int CLASS_LEAD_E0 = 6;
    private static final int CLASS_LEAD_E1_EC_EE_EF = 7;
    private static final int CLASS_LEAD_ED = 8;
    private static final int CLASS_LEAD_F0 = 9;
    private static final int CLASS_LEAD_F1_F3 = 10;
    private static final int CLASS_LEAD_F4 = 11;
    private static final int CLASS_COUNT = 12;

    /*
     * States, each the start of its row in TRANSITIONS: the state number multiplied by CLASS_COUNT (Höhrmann's
     * trick), so a step is one add and two loads. The largest, 96, fits in a byte.
     */
    private static final int ACCEPT = 0;
    private static final int REJECT = CLASS_COUNT;
    /** One tail byte to go, any of 80..BF. */
    private static final int TAIL_1 = 2 * CLASS_COUNT;
    /** Two tail bytes to go, any. */
    private static final int TAIL_2 = 3 * CLASS_COUNT;
    /** After E0: A0..BF next, as 80..9F would be an overlong form of U+0000..U+07FF. */
    private static final int TAIL_2_AFTER_E0 = 4 * CLASS_COUNT;
    /** After ED: 80..9F next, as A0..BF would encode a UTF-16 surrogate U+D800..U+DFFF. */
    private static final int TAIL_2_AFTER_ED = 5 * CLASS_COUNT;
    /** Three tail bytes to go, any. */
    private static final int TAIL_3 = 6 * CLASS_COUNT;
    /** After F0: 90..BF next, as 80..8F would be an overlong form of U+0000..U+FFFF. */
    private static final int TAIL_3_AFTER_F0 = 7 * CLASS_COUNT;
    /** After F4: 80..8F next, as 90..BF would encode U+110000 or above. */
    private static final int TAIL_3_AFTER_F4 = 8 * CLASS_COUNT;
    private static final int STATE_COUNT = 9;

    private static final byte[] CLASSES = new byte[256];
    private static final byte[] TRANSITIONS = new byte[STATE_COUNT * CLASS_COUNT];

    /** The high bit of each byte in a long: zero after masking means 8 ASCII bytes, in either byte order. */
    private static final long HIGH_BITS = 0x8080808080808080L;
    private static final int NO_FAILURE = -1;

    static
    {
        classify(0x00, 0x7F, CLASS_ASCII);
        classify(0x80, 0x8F, CLASS_TAIL_80_8F);
        classify(0x90, 0x9F, CLASS_TAIL_90_9F);
        classify(0xA0, 0xBF, CLASS_TAIL_A0_BF);
        classify(0xC0, 0xC1, CLASS_NEVER);
        classify(0xC2, 0xDF, CLASS_LEAD_C2_DF);
        classify(0xE0, 0xE0, CLASS_LEAD_E0);
        classify(0xE1, 0xEC, CLASS_LEAD_E1_EC_EE_EF);
        classify(0xED, 0xED, CLASS_LEAD_ED);
        classify(0xEE, 0xEF, CLASS_LEAD_E1_EC_EE_EF);
        classify(0xF0, 0xF0, CLASS_LEAD_F0);
        classify(0xF1, 0xF3, CLASS_LEAD_F1_F3);
        classify(0xF4, 0xF4, CLASS_LEAD_F4);
        classify(0xF5, 0xFF, CLASS_NEVER);

        // Every pair not listed rejects; REJECT's own row then keeps it there.
        Arrays.fill(TRANSITIONS, (byte)REJECT);

        transition(ACCEPT, CLASS_ASCII, ACCEPT);
        transition(ACCEPT, CLASS_LEAD_C2_DF, TAIL_1);
        transition(ACCEPT, CLASS_LEAD_E0, TAIL_2_AFTER_E0);
        transition(ACCEPT, CLASS_LEAD_E1_EC_EE_EF, TAIL_2);
        transition(ACCEPT, CLASS_LEAD_ED, TAIL_2_AFTER_ED);
        transition(ACCEPT, CLASS_LEAD_F0, TAIL_3_AFTER_F0);
        transition(ACCEPT, CLASS_LEAD_F1_F3, TAIL_3);
        transition(ACCEPT, CLASS_LEAD_F4, TAIL_3_AFTER_F4);

        anyTail(TAIL_1, ACCEPT);
        anyTail(TAIL_2, TAIL_1);
        anyTail(TAIL_3, TAIL_2);

        transition(TAIL_2_AFTER_E0, CLASS_TAIL_A0_BF, TAIL_1);
        transition(TAIL_2_AFTER_ED, CLASS_TAIL_80_8F, TAIL_1);
        transition(TAIL_2_AFTER_ED, CLASS_TAIL_90_9F, TAIL_1);
        transition(TAIL_3_AFTER_F0, CLASS_TAIL_90_9F, TAIL_2);
        transition(TAIL_3_AFTER_F0, CLASS_TAIL_A0_BF, TAIL_2);
        transition(TAIL_3_AFTER_F4, CLASS_TAIL_80_8F, TAIL_2);
    }

    private int state = ACCEPT;
    private int failedIndex = NO_FAILURE;

    /**
     * Return to the initial state, ready for a new message, clearing any failure.
     *
     * @return this for a fluent API.
     */
    public Utf8Validator reset()
    {
        state = ACCEPT;
        failedIndex = NO_FAILURE;
        return this;
    }

    /**
     * Feed the next bytes of a message. Stops at the first invalid byte without looking further and records its
     * index for {@link #failedIndex()}. Once failed, every further call returns false until {@link #reset()}.
     * A true result says only that no invalid byte has been seen: ask {@link #isComplete()} at the end of the message.
     *
     * @param buffer holding the bytes.
     * @param offset in the buffer of the first byte.
     * @param length of the bytes to feed.
     * @return false when the message can no longer be valid UTF-8.
     */
    public boolean validate(final DirectBuffer buffer, final int offset, final int length)
    {
        failedIndex = NO_FAILURE;
        if (REJECT == state)
        {
            return false;
        }

        final int result = run(buffer, offset, offset + length, state);
        if (result < 0)
        {
            state = REJECT;
            failedIndex = -(result + 1);
            return false;
        }

        state = result;
        return true;
    }

    /**
     * Whether the bytes fed so far are a whole valid UTF-8 string: not failed and not inside a multi-byte sequence.
     * Ask at the end of a message, as one that ends mid-sequence is invalid.
     *
     * @return true when everything fed since the last reset is valid and complete.
     */
    public boolean isComplete()
    {
        return ACCEPT == state;
    }

    /**
     * Whether an invalid byte has been seen since the last reset.
     *
     * @return true once the message can no longer be valid UTF-8.
     */
    public boolean isFailed()
    {
        return REJECT == state;
    }

    /**
     * Where the last {@link #validate(DirectBuffer, int, int)} call found the first invalid byte.
     *
     * @return the absolute index in that call's buffer, or -1 when that call found none, including when the
     * validator had already failed in an earlier call and so looked at nothing.
     */
    public int failedIndex()
    {
        return failedIndex;
    }

    /**
     * The state before any byte, for callers that keep the validation state in an {@code int} of their own (the
     * frame decoder does, to save an object per connection) and step it with {@link #next(int, DirectBuffer, int,
     * int)}.
     */
    public static final int INITIAL_STATE = ACCEPT;

    /**
     * The state once an invalid byte has been seen; {@link #next} keeps returning it.
     */
    public static final int FAILED_STATE = REJECT;

    /**
     * Stateless form of {@link #validate}: feed bytes to a state kept by the caller.
     *
     * @param state  {@link #INITIAL_STATE} at the start of a message, else what the previous call returned.
     * @param buffer holding the bytes.
     * @param offset in the buffer of the first byte.
     * @param length of the bytes.
     * @return the new state: {@link #FAILED_STATE} as soon as an invalid byte is seen, {@link #INITIAL_STATE} when
     * the bytes so far end on a character boundary (see {@link #isCompleteState(int)}).
     */
    public static int next(final int state, final DirectBuffer buffer, final int offset, final int length)
    {
        if (REJECT == state)
        {
            return REJECT;
        }
        final int result = run(buffer, offset, offset + length, state);
        return result < 0 ? REJECT : result;
    }

    /**
     * @param state a state returned by {@link #next}.
     * @return true when everything fed is valid and does not end inside a multi-byte sequence.
     */
    public static boolean isCompleteState(final int state)
    {
        return ACCEPT == state;
    }

    /**
     * Whether the bytes are a whole valid UTF-8 string, for text that arrives in one piece such as a close reason.
     * Allocates nothing.
     *
     * @param buffer holding the bytes.
     * @param offset in the buffer of the first byte.
     * @param length of the bytes.
     * @return true when the bytes are valid and do not end inside a multi-byte sequence.
     */
    public static boolean isValid(final DirectBuffer buffer, final int offset, final int length)
    {
        return ACCEPT == run(buffer, offset, offset + length, ACCEPT);
    }

    /**
     * Run the automaton over bytes from offset to limit, skipping ASCII a word at a time between characters.
     *
     * @return the state after the last byte, or -(index + 1) for the index of the byte that rejected, as
     * {@link java.util.Arrays#binarySearch(int[], int)} encodes a miss.
     */
    private static int run(final DirectBuffer buffer, final int offset, final int limit, final int initialState)
    {
        int state = initialState;
        int index = offset;
        while (index < limit)
        {
            if (ACCEPT == state)
            {
                index = skipAscii(buffer, index, limit);
                if (index == limit)
                {
                    break;
                }

                // Same step as below with state known to be ACCEPT. Spelled out so the lead byte's table load does
                // not wait on the previous character's: each character is then a dependency chain of its own, and
                // mixed text validates in about half the time (~0.7 rather than ~1.4 ns per byte).
                state = TRANSITIONS[ACCEPT + byteClass(buffer, index)];
            }
            else
            {
                state = TRANSITIONS[state + byteClass(buffer, index)];
            }

            if (REJECT == state)
            {
                return -(index + 1);
            }
            index++;
        }

        return state;
    }

    /**
     * Skip whole 8-byte words of ASCII, stopping at the first word holding a byte with its high bit set.
     *
     * @return the index of the first byte not skipped.
     */
    private static int skipAscii(final DirectBuffer buffer, final int offset, final int limit)
    {
        final int lastWordIndex = limit - Long.BYTES;
        int index = offset;
        while (index <= lastWordIndex && 0 == (buffer.getLong(index) & HIGH_BITS))
        {
            index += Long.BYTES;
        }

        return index;
    }

    private static int byteClass(final DirectBuffer buffer, final int index)
    {
        return CLASSES[buffer.getByte(index) & 0xFF];
    }

    private static void classify(final int first, final int last, final int byteClass)
    {
        Arrays.fill(CLASSES, first, last + 1, (byte)byteClass);
    }

    private static void transition(final int from, final int byteClass, final int to)
    {
        TRANSITIONS[from + byteClass] = (byte)to;
    }

    private static void anyTail(final int from, final int to)
    {
        transition(from, CLASS_TAIL_80_8F, to);
        transition(from, CLASS_TAIL_90_9F, to);
        transition(from, CLASS_TAIL_A0_BF, to);
    }
}
