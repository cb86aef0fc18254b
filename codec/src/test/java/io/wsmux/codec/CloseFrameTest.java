package io.wsmux.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class CloseFrameTest
{
    private static UnsafeBuffer body(final int code, final byte... reason)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[2 + reason.length]);
        buffer.putByte(0, (byte)(code >>> 8));
        buffer.putByte(1, (byte)code);
        buffer.putBytes(2, reason);
        return buffer;
    }

    private static boolean expectedValid(final int code)
    {
        return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
    }

    @Test
    void shouldClassifyEveryPossibleCode()
    {
        for (int code = 0; code <= 0xFFFF; code++)
        {
            assertEquals(expectedValid(code), CloseCode.isValidOnWire(code), "code=" + code);
            final UnsafeBuffer body = body(code);
            assertEquals(expectedValid(code) ? null : CloseReason.INVALID_CLOSE_CODE,
                CloseFrame.validate(body, 0, 2), "code=" + code);
        }
    }

    @Test
    void shouldRejectTheNamedInvalidCodes()
    {
        for (final int code : new int[]{ 0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535 })
        {
            assertEquals(CloseReason.INVALID_CLOSE_CODE, CloseFrame.validate(body(code), 0, 2), "code=" + code);
        }
    }

    @Test
    void shouldAcceptEmptyBodyAsNoStatus()
    {
        final UnsafeBuffer empty = new UnsafeBuffer(new byte[0]);

        assertNull(CloseFrame.validate(empty, 0, 0));
        assertEquals(CloseCode.NO_STATUS, CloseFrame.code(empty, 0, 0));
    }

    @Test
    void shouldRejectOneBytePayloadWith1002()
    {
        final UnsafeBuffer one = new UnsafeBuffer(new byte[]{ 0x03 });

        assertEquals(CloseReason.CLOSE_PAYLOAD_TOO_SHORT, CloseFrame.validate(one, 0, 1));
        assertEquals(CloseCode.PROTOCOL_ERROR, CloseReason.CLOSE_PAYLOAD_TOO_SHORT.code());
    }

    @Test
    void shouldAcceptValidUtf8Reason()
    {
        final UnsafeBuffer body = body(1000, "κόσμε bye".getBytes(StandardCharsets.UTF_8));

        assertNull(CloseFrame.validate(body, 0, body.capacity()));
        assertEquals(1000, CloseFrame.code(body, 0, body.capacity()));
    }

    @Test
    void shouldRejectInvalidUtf8ReasonWith1007()
    {
        final UnsafeBuffer body = body(1000, (byte)'o', (byte)'k', (byte)0xCE, (byte)0xBA, (byte)0xED, (byte)0xA0);

        assertEquals(CloseReason.INVALID_CLOSE_REASON, CloseFrame.validate(body, 0, body.capacity()));
        assertEquals(CloseCode.INVALID_PAYLOAD, CloseReason.INVALID_CLOSE_REASON.code());
    }

    @Test
    void shouldRejectReasonTruncatedMidSequence()
    {
        final UnsafeBuffer body = body(1000, (byte)0xE2, (byte)0x82);

        assertEquals(CloseReason.INVALID_CLOSE_REASON, CloseFrame.validate(body, 0, body.capacity()));
    }

    @Test
    void shouldWriteBodyAndRefuseOverlongReason()
    {
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[200]);
        final UnsafeBuffer reason = new UnsafeBuffer(new byte[124]);

        assertEquals(2 + 123, CloseFrame.writePayload(dst, 0, 1000, reason, 0, 123));
        assertEquals(0, CloseFrame.writePayload(dst, 0, CloseCode.NO_STATUS, reason, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> CloseFrame.writePayload(dst, 0, 1000, reason, 0, 124));
    }

    @Test
    void shouldKeepEveryReasonWithinAControlFrameAndUseOnlyFailureCodes()
    {
        for (final CloseReason reason : CloseReason.values())
        {
            assertTrue(reason.encodedText().capacity() <= CloseReason.MAX_REASON_LENGTH, reason.name());
            assertTrue(reason.code() == 1002 || reason.code() == 1007 || reason.code() == 1009, reason.name());
            assertTrue(CloseCode.isValidOnWire(reason.code()), reason.name());
        }
    }
}
