package io.wsmux.codec.http;

import static io.wsmux.codec.http.HttpSyntax.ascii;

import java.nio.charset.StandardCharsets;
import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Writes the server's side of the opening handshake: the 101 that accepts a WebSocket (RFC 6455 §4.2.2) and the
 * 4xx responses that refuse one.
 * <p>
 * Every method writes a whole response or nothing: when it does not fit between offset and the capacity of the
 * destination, it returns -1 and leaves the destination untouched. A 101 is
 * {@link #SWITCHING_PROTOCOLS_LENGTH} bytes plus the optional Sec-WebSocket-Protocol and Sec-WebSocket-Extensions
 * lines; every {@link UpgradeRejection} response is at most {@link #MAX_REJECTION_LENGTH} bytes.
 * <p>
 * <b>Note:</b> Not thread safe: holds a reusable SHA-1 digest and scratch arrays, so owned by one I/O loop.
 * {@link #writeSwitchingProtocols} and {@link #writeRejection} allocate nothing (rejections are encoded once, when
 * the class loads); {@link #writeError} and {@link #acceptKey} allocate, being for rare or test paths.
 */
public final class UpgradeResponseWriter
{
    /** RFC 6455 §1.3: the GUID appended to Sec-WebSocket-Key before hashing. */
    public static final String WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    /** Length of a Sec-WebSocket-Accept value: base64 of a 20-byte SHA-1 digest. */
    public static final int ACCEPT_KEY_LENGTH = 28;

    private static final int SHA1_LENGTH = 20;
    private static final Base64.Encoder BASE64 = Base64.getEncoder();
    private static final byte[] GUID_BYTES = ascii(WEBSOCKET_GUID);

    private static final byte[] SWITCHING_PROTOCOLS_PREFIX = ascii(
        "HTTP/1.1 101 Switching Protocols\r\n" +
        "Upgrade: websocket\r\n" +
        "Connection: Upgrade\r\n" +
        "Sec-WebSocket-Accept: ");

    /** Each optional line starts by ending the line before it; {@link #END_OF_HEAD} ends the last one. */
    private static final byte[] PROTOCOL_PREFIX = ascii("\r\nSec-WebSocket-Protocol: ");
    private static final byte[] EXTENSIONS_PREFIX = ascii("\r\nSec-WebSocket-Extensions: ");
    private static final byte[] END_OF_HEAD = ascii("\r\n\r\n");

    /** Bytes of a 101 response with neither Sec-WebSocket-Protocol nor Sec-WebSocket-Extensions. */
    public static final int SWITCHING_PROTOCOLS_LENGTH =
        SWITCHING_PROTOCOLS_PREFIX.length + ACCEPT_KEY_LENGTH + END_OF_HEAD.length;

    private static final byte[][] REJECTION_RESPONSES = encodeRejections();

    /** Bytes of the longest {@link UpgradeRejection} response. */
    public static final int MAX_REJECTION_LENGTH = maxLength(REJECTION_RESPONSES);

    private final MessageDigest sha1;
    private final byte[] digest = new byte[SHA1_LENGTH];
    private final byte[] acceptKey = new byte[ACCEPT_KEY_LENGTH];

    /**
     * Create a writer with its own SHA-1 digest.
     */
    public UpgradeResponseWriter()
    {
        try
        {
            sha1 = MessageDigest.getInstance("SHA-1");
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException("every Java platform must provide SHA-1", ex);
        }
    }

    /**
     * Write the 101 response that completes the opening handshake (RFC 6455 §4.2.2 item 5).
     *
     * @param dst         to write into.
     * @param offset      in dst at which the response starts.
     * @param key         buffer holding the client's Sec-WebSocket-Key, e.g. {@link UpgradeRequestParser#headBuffer()}.
     * @param keyOffset   of the key in its buffer.
     * @param keyLength   of the key, 24 for any key the parser accepts.
     * @param subprotocol the subprotocol chosen from those offered, or null for none.
     * @param extensions  the Sec-WebSocket-Extensions value agreed, or null for none.
     * @return bytes written, or -1 if the response does not fit.
     * @throws IllegalArgumentException if subprotocol or extensions is empty or holds a byte a header value may not
     *                                  (anything but visible ASCII, SP and HTAB), which would split the response.
     */
    public int writeSwitchingProtocols(
        final MutableDirectBuffer dst,
        final int offset,
        final DirectBuffer key,
        final int keyOffset,
        final int keyLength,
        final String subprotocol,
        final String extensions)
    {
        checkHeaderValue("subprotocol", subprotocol);
        checkHeaderValue("extensions", extensions);
        final int length = SWITCHING_PROTOCOLS_LENGTH +
            optionalLineLength(PROTOCOL_PREFIX, subprotocol) +
            optionalLineLength(EXTENSIONS_PREFIX, extensions);
        if (length > dst.capacity() - offset)
        {
            return -1;
        }

        for (int i = 0; i < keyLength; i++)
        {
            sha1.update(key.getByte(keyOffset + i));
        }
        computeAcceptKey();

        int position = offset;
        dst.putBytes(position, SWITCHING_PROTOCOLS_PREFIX);
        position += SWITCHING_PROTOCOLS_PREFIX.length;
        dst.putBytes(position, acceptKey);
        position += ACCEPT_KEY_LENGTH;
        position += putOptionalLine(dst, position, PROTOCOL_PREFIX, subprotocol);
        position += putOptionalLine(dst, position, EXTENSIONS_PREFIX, extensions);
        dst.putBytes(position, END_OF_HEAD);
        position += END_OF_HEAD.length;

        return position - offset;
    }

    /**
     * Write the response that refuses an upgrade for a reason the parser found: status line, the headers the status
     * needs, {@code Content-Type: text/plain; charset=utf-8}, Content-Length, {@code Connection: close}, and
     * {@link UpgradeRejection#reason()} and a newline as the body. The caller closes the connection after sending it.
     *
     * @param dst       to write into.
     * @param offset    in dst at which the response starts.
     * @param rejection from {@link UpgradeRequestParser#rejection()}.
     * @return bytes written, at most {@link #MAX_REJECTION_LENGTH}, or -1 if the response does not fit.
     */
    public int writeRejection(final MutableDirectBuffer dst, final int offset, final UpgradeRejection rejection)
    {
        return putIfFits(dst, offset, REJECTION_RESPONSES[rejection.ordinal()]);
    }

    /**
     * Write a response that refuses an upgrade for an application reason (403 from an upgrade hook, 404 for a path
     * that serves nothing, 503 at the connection limit), in the form of {@link #writeRejection}. Allocates; a caller
     * that sends the same error often can write it once and keep the bytes.
     *
     * @param dst        to write into.
     * @param offset     in dst at which the response starts.
     * @param status     a three-digit HTTP status code.
     * @param statusText the reason phrase, for example "Forbidden".
     * @param reason     the body text, sent as UTF-8 followed by a newline.
     * @return bytes written, or -1 if the response does not fit.
     * @throws IllegalArgumentException if status is not three digits or statusText is empty or not visible ASCII,
     *                                  SP and HTAB.
     */
    public int writeError(
        final MutableDirectBuffer dst,
        final int offset,
        final int status,
        final String statusText,
        final String reason)
    {
        if (status < 100 || status > 999)
        {
            throw new IllegalArgumentException("status must have three digits: status=" + status);
        }
        checkHeaderValue("statusText", statusText);
        return putIfFits(dst, offset, encodeResponse(status, statusText, "", reason));
    }

    /**
     * Compute the Sec-WebSocket-Accept value for a key: base64 of the SHA-1 of the key and {@link #WEBSOCKET_GUID}
     * (RFC 6455 §4.2.2 item 5.4). For clients and tests: allocates the result.
     *
     * @param key the Sec-WebSocket-Key value, ASCII.
     * @return the accept value, for example "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" for "dGhlIHNhbXBsZSBub25jZQ==".
     */
    public String acceptKey(final String key)
    {
        sha1.update(key.getBytes(StandardCharsets.ISO_8859_1));
        computeAcceptKey();
        return new String(acceptKey, StandardCharsets.US_ASCII);
    }

    /**
     * Finish the digest of a key already fed to the digest and base64 it into {@link #acceptKey}.
     */
    private void computeAcceptKey()
    {
        sha1.update(GUID_BYTES);
        try
        {
            sha1.digest(digest, 0, SHA1_LENGTH);
        }
        catch (final DigestException ex)
        {
            throw new IllegalStateException("SHA-1 digest does not fit in " + SHA1_LENGTH + " bytes", ex);
        }
        BASE64.encode(digest, acceptKey);
    }

    private static int putIfFits(final MutableDirectBuffer dst, final int offset, final byte[] response)
    {
        if (response.length > dst.capacity() - offset)
        {
            return -1;
        }
        dst.putBytes(offset, response);
        return response.length;
    }

    private static int optionalLineLength(final byte[] prefix, final String value)
    {
        return null == value ? 0 : prefix.length + value.length();
    }

    private static int putOptionalLine(
        final MutableDirectBuffer dst, final int offset, final byte[] prefix, final String value)
    {
        if (null == value)
        {
            return 0;
        }
        dst.putBytes(offset, prefix);
        return prefix.length + dst.putStringWithoutLengthAscii(offset + prefix.length, value);
    }

    /**
     * RFC 7230 §3.2: a value may not hold CR, LF or other controls; letting one through would let the caller's
     * string add headers to, or end, the response.
     */
    private static void checkHeaderValue(final String name, final String value)
    {
        if (null == value)
        {
            return;
        }
        if (value.isEmpty())
        {
            throw new IllegalArgumentException(name + " must be null or non-empty");
        }
        for (int i = 0; i < value.length(); i++)
        {
            final char c = value.charAt(i);
            if ((c < ' ' && c != '\t') || c > '~')
            {
                throw new IllegalArgumentException(
                    name + " must be visible ASCII, SP or HTAB: " + name + "=" + value + ", index=" + i);
            }
        }
    }

    private static byte[][] encodeRejections()
    {
        final UpgradeRejection[] rejections = UpgradeRejection.values();
        final byte[][] responses = new byte[rejections.length][];
        for (final UpgradeRejection rejection : rejections)
        {
            responses[rejection.ordinal()] = encodeResponse(
                rejection.status(), rejection.statusText(), rejection.responseHeaders(), rejection.reason());
        }
        return responses;
    }

    private static byte[] encodeResponse(
        final int status, final String statusText, final String responseHeaders, final String reason)
    {
        final byte[] body = (reason + "\n").getBytes(StandardCharsets.UTF_8);
        final byte[] head = ascii(
            "HTTP/1.1 " + status + " " + statusText + "\r\n" +
            responseHeaders +
            "Content-Type: text/plain; charset=utf-8\r\n" +
            "Content-Length: " + body.length + "\r\n" +
            "Connection: close\r\n" +
            "\r\n");
        final byte[] response = new byte[head.length + body.length];
        System.arraycopy(head, 0, response, 0, head.length);
        System.arraycopy(body, 0, response, head.length, body.length);
        return response;
    }

    private static int maxLength(final byte[][] responses)
    {
        int max = 0;
        for (final byte[] response : responses)
        {
            max = Math.max(max, response.length);
        }
        return max;
    }
}
