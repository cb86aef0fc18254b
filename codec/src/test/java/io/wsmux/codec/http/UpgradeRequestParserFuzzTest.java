package io.wsmux.codec.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.agrona.concurrent.UnsafeBuffer;

import com.code_intelligence.jazzer.junit.FuzzTest;

import io.wsmux.codec.FuzzInput;

/**
 * Coverage-guided fuzz test of {@link UpgradeRequestParser}: the same bytes parsed whole and split at fuzzer-chosen
 * points must give the same state, rejection, request line and headers; the parser never throws, never reads a byte
 * outside the range it is given (each piece is wrapped exactly, so an over-read throws), never reports consuming
 * more than it was given, and every offset it exposes lies inside the head it holds. The split run reuses the
 * parser of the whole run after {@link UpgradeRequestParser#reset()}, so a field that reset forgets shows up too.
 * See docs/fuzzing.md.
 * <p>
 * Input layout ({@link FuzzInput}): {@code headLimit} (0: 8192 bytes, else 4 times it), {@code countLimit} (0: 64
 * headers, else 1 + it modulo 32), a split count and 16-bit split points, then the request bytes.
 */
class UpgradeRequestParserFuzzTest
{
    private static final int GUARD_LENGTH = 8;

    @FuzzTest(maxDuration = "10m")
    void shouldParseSameRequestWhenSplit(final byte[] data)
    {
        final FuzzInput input = new FuzzInput(data);
        final int headLimit = input.u8();
        final int countLimit = input.u8();
        final int[] rawSplits = input.rawSplitPoints();
        final byte[] request = input.rest();
        final int maxHeadLength = 0 == headLimit ? 8192 : 4 * headLimit;
        final int maxHeaderCount = 0 == countLimit ? 64 : 1 + countLimit % 32;

        final UpgradeRequestParser parser = new UpgradeRequestParser(maxHeadLength, maxHeaderCount);
        final int wholeConsumed = parse(parser, request, new int[]{ 0, request.length });
        final List<String> whole = snapshot(parser, wholeConsumed, request.length);

        parser.reset();
        final int splitConsumed = parse(parser, request, FuzzInput.splitPoints(rawSplits, request.length));
        final List<String> split = snapshot(parser, splitConsumed, request.length);

        assertEquals(whole, split);
    }

    /**
     * Feed the pieces between consecutive bounds, each in a buffer that ends where the piece ends, and check what
     * {@link UpgradeRequestParser#parse} promises about the count it returns.
     *
     * @return bytes consumed in total.
     */
    private static int parse(final UpgradeRequestParser parser, final byte[] request, final int[] bounds)
    {
        final byte[] backing = new byte[GUARD_LENGTH + request.length];
        System.arraycopy(request, 0, backing, GUARD_LENGTH, request.length);

        int total = 0;
        for (int i = 1; i < bounds.length; i++)
        {
            final int start = bounds[i - 1];
            final int length = bounds[i] - start;
            final int stateBefore = parser.state();
            final int headLengthBefore = parser.headLength();
            final UnsafeBuffer piece = new UnsafeBuffer(backing, 0, GUARD_LENGTH + bounds[i]);
            final int consumed = parser.parse(piece, GUARD_LENGTH + start, length);
            total += consumed;

            assertTrue(consumed >= 0 && consumed <= length, "consumed=" + consumed + ", length=" + length);
            if (UpgradeRequestParser.NEED_MORE != stateBefore)
            {
                assertEquals(0, consumed, "nothing is consumed once complete or rejected");
            }
            else if (UpgradeRequestParser.COMPLETE == parser.state())
            {
                assertEquals(parser.headLength() - headLengthBefore, consumed, "complete: stops after CRLF CRLF");
            }
            else
            {
                assertEquals(length, consumed, "need more or rejected: all consumed");
            }
        }
        return total;
    }

    /**
     * Everything the parser exposes that must not depend on how the input was split, after checking the bounds of
     * every offset.
     */
    private static List<String> snapshot(final UpgradeRequestParser parser, final int consumed, final int length)
    {
        final int headLength = parser.headLength();
        assertTrue(headLength >= 0 && headLength <= parser.maxHeadLength(), "headLength=" + headLength);
        assertTrue(parser.headerCount() >= 0 && parser.headerCount() <= parser.maxHeaderCount(),
            "headerCount=" + parser.headerCount());

        final List<String> facts = new ArrayList<>();
        facts.add("state=" + parser.state());
        facts.add("rejection=" + parser.rejection());
        assertEquals(UpgradeRequestParser.REJECTED == parser.state(), null != parser.rejection());
        if (UpgradeRequestParser.COMPLETE == parser.state())
        {
            assertTrue(parser.hasRequestLine());
            assertEquals(headLength, consumed, "complete: consumed exactly the head");
            assertEquals(24, parser.secWebSocketKeyLength());
            facts.add("headLength=" + headLength);
        }
        else if (UpgradeRequestParser.NEED_MORE == parser.state())
        {
            assertEquals(length, consumed, "need more: consumed everything");
            assertEquals(length, headLength, "need more: holds everything");
            assertTrue(length < parser.maxHeadLength(), "need more only below the head limit");
        }

        facts.add("hasRequestLine=" + parser.hasRequestLine());
        if (parser.hasRequestLine())
        {
            assertWithin(parser.methodOffset(), parser.methodLength(), headLength);
            assertWithin(parser.pathOffset(), parser.pathLength(), headLength);
            assertWithin(parser.queryOffset(), parser.queryLength(), headLength);
            assertTrue(parser.pathLength() >= 1, "pathLength=" + parser.pathLength());
            assertEquals(parser.method(), parser.headBuffer().getStringWithoutLengthAscii(
                parser.methodOffset(), parser.methodLength()));
            facts.add("method=" + parser.method());
            facts.add("path=" + parser.path());
            facts.add("query=" + parser.query());
        }

        final int headerCount = parser.headerCount();
        facts.add("headerCount=" + headerCount);
        for (int i = 0; i < headerCount; i++)
        {
            assertWithin(parser.headerNameOffset(i), parser.headerNameLength(i), headLength);
            assertWithin(parser.headerValueOffset(i), parser.headerValueLength(i), headLength);
            assertTrue(parser.headerNameLength(i) >= 1, "empty header name");
            facts.add("header " + parser.headerName(i) + ": " + parser.headerValue(i));
        }

        if (UpgradeRequestParser.COMPLETE == parser.state())
        {
            assertWithin(parser.secWebSocketKeyOffset(), parser.secWebSocketKeyLength(), headLength);
            facts.add("host=" + parser.host());
            facts.add("origin=" + parser.origin());
            facts.add("key=" + parser.secWebSocketKey());
            facts.add("subprotocols=" + parser.subprotocols());
            facts.add("extensions=" + parser.extensions());
            facts.add("cookies=" + parser.headers("cookie"));
        }

        return facts;
    }

    private static void assertWithin(final int offset, final int length, final int headLength)
    {
        assertTrue(offset >= 0 && length >= 0 && offset + length <= headLength,
            "offset=" + offset + ", length=" + length + ", headLength=" + headLength);
    }
}
