package io.wsmux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

import io.wsmux.codec.CloseFrame;
import io.wsmux.codec.Opcode;
import io.wsmux.codec.WireFrames;
import io.wsmux.codec.http.UpgradeResponseWriter;

/**
 * A WebSocket client on a plain blocking {@link Socket} that does exactly what a test tells it, byte by byte:
 * half-written requests, frames no real client would send, reading nothing, vanishing with a reset. Every read has
 * a timeout ({@link #READ_TIMEOUT_MS} unless changed), so a server that never answers fails the test instead of
 * hanging it.
 * <p>
 * Not thread safe: one test thread drives one client.
 */
final class HostileClient implements AutoCloseable
{
    /** Default SO_TIMEOUT of every read. */
    static final int READ_TIMEOUT_MS = 5_000;

    /** What {@link #awaitEndOfStream()} saw. */
    enum Ending
    {
        /** read returned -1: the server closed its side in order (FIN). */
        END_OF_STREAM,
        /** the read failed with a reset: the server closed abortively (RST). */
        RESET,
        /** the socket stayed open for the whole read timeout. */
        STILL_OPEN
    }

    private static final int MAX_HEAD_LENGTH = 64 * 1024;

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final String key;

    private HostileClient(final Socket socket) throws IOException
    {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
        final byte[] nonce = new byte[16];
        ThreadLocalRandom.current().nextBytes(nonce);
        this.key = Base64.getEncoder().encodeToString(nonce);
    }

    /**
     * @param port on 127.0.0.1.
     * @return a connected client.
     * @throws IOException if the connection fails.
     */
    static HostileClient connect(final int port) throws IOException
    {
        return connect(port, 0);
    }

    /**
     * @param port                on 127.0.0.1.
     * @param receiveBufferLength SO_RCVBUF to ask for before connecting (so the window is small from the start),
     *                            or 0 for the default.
     * @return a connected client.
     * @throws IOException if the connection fails.
     */
    static HostileClient connect(final int port, final int receiveBufferLength) throws IOException
    {
        final Socket socket = new Socket();
        try
        {
            if (receiveBufferLength > 0)
            {
                socket.setReceiveBufferSize(receiveBufferLength);
            }
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(READ_TIMEOUT_MS);
            socket.connect(new InetSocketAddress("127.0.0.1", port), READ_TIMEOUT_MS);
            return new HostileClient(socket);
        }
        catch (final IOException ex)
        {
            socket.close();
            throw ex;
        }
    }

    /**
     * @param path         request target.
     * @param extraHeaders header lines without CRLF, added after the standard ones.
     * @return a valid upgrade request with a fresh key.
     */
    static String upgradeRequest(final String path, final String... extraHeaders)
    {
        final byte[] nonce = new byte[16];
        ThreadLocalRandom.current().nextBytes(nonce);
        return upgradeRequest(path, Base64.getEncoder().encodeToString(nonce), extraHeaders);
    }

    private static String upgradeRequest(final String path, final String key, final String... extraHeaders)
    {
        final StringBuilder request = new StringBuilder()
            .append("GET ").append(path).append(" HTTP/1.1\r\n")
            .append("Host: 127.0.0.1\r\n")
            .append("Upgrade: websocket\r\n")
            .append("Connection: Upgrade\r\n")
            .append("Sec-WebSocket-Key: ").append(key).append("\r\n")
            .append("Sec-WebSocket-Version: 13\r\n");
        for (final String header : extraHeaders)
        {
            request.append(header).append("\r\n");
        }
        return request.append("\r\n").toString();
    }

    /**
     * @param timeoutMs SO_TIMEOUT for the reads that follow.
     * @throws SocketException if the socket is closed.
     */
    void readTimeoutMs(final int timeoutMs) throws SocketException
    {
        socket.setSoTimeout(timeoutMs);
    }

    void write(final byte[] bytes) throws IOException
    {
        out.write(bytes);
        out.flush();
    }

    void write(final byte[] bytes, final int offset, final int length) throws IOException
    {
        out.write(bytes, offset, length);
        out.flush();
    }

    void writeAscii(final String text) throws IOException
    {
        write(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    /**
     * Send an upgrade request to a path, read the answer and check it is a 101 with the right accept key.
     *
     * @param path         request target.
     * @param extraHeaders header lines without CRLF.
     * @return this.
     * @throws IOException on a socket error.
     */
    HostileClient upgrade(final String path, final String... extraHeaders) throws IOException
    {
        writeAscii(upgradeRequest(path, key, extraHeaders));
        final HttpReply reply = readHttpReply();
        assertEquals(101, reply.status(), reply.toString());
        assertEquals("websocket", reply.header("Upgrade"), reply.toString());
        final String accept = new UpgradeResponseWriter().acceptKey(key);
        assertEquals(accept, reply.header("Sec-WebSocket-Accept"), reply.toString());
        return this;
    }

    /**
     * Read an HTTP response: the head byte by byte up to CRLF CRLF (so that frames after a 101 stay unread), then
     * Content-Length bytes of body.
     *
     * @return the response.
     * @throws IOException on a socket error or an end of stream inside the response.
     */
    HttpReply readHttpReply() throws IOException
    {
        final ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4)
        {
            final int b = in.read();
            if (b < 0)
            {
                throw new EOFException("end of stream inside the response head: " + head);
            }
            head.write(b);
            matched = (b == (0 == (matched & 1) ? '\r' : '\n')) ? matched + 1 : ('\r' == b ? 1 : 0);
            if (head.size() > MAX_HEAD_LENGTH)
            {
                throw new IOException("response head too long");
            }
        }

        final String text = head.toString(StandardCharsets.ISO_8859_1);
        final String[] lines = text.substring(0, text.length() - 4).split("\r\n", -1);
        final String[] statusLine = lines[0].split(" ", 3);
        assertEquals(3, statusLine.length, "status line: " + lines[0]);
        assertEquals("HTTP/1.1", statusLine[0], "status line: " + lines[0]);
        final List<String> headerLines = new ArrayList<>();
        for (int i = 1; i < lines.length; i++)
        {
            assertTrue(lines[i].indexOf(':') > 0, "header line: " + lines[i]);
            headerLines.add(lines[i]);
        }

        final HttpReply withoutBody = new HttpReply(
            Integer.parseInt(statusLine[1]), statusLine[2], List.copyOf(headerLines), "");
        final String contentLength = withoutBody.header("Content-Length");
        if (null == contentLength)
        {
            return withoutBody;
        }
        final byte[] body = readFully(Integer.parseInt(contentLength));
        return new HttpReply(
            withoutBody.status(), withoutBody.statusText(), withoutBody.headerLines(),
            new String(body, StandardCharsets.UTF_8));
    }

    /**
     * Send one masked frame with the minimal length encoding.
     *
     * @param firstByte FIN, RSV and opcode.
     * @param payload   clear payload.
     * @throws IOException on a socket error.
     */
    void sendFrame(final int firstByte, final byte[] payload) throws IOException
    {
        write(WireFrames.masked(firstByte, payload));
    }

    void sendText(final String text) throws IOException
    {
        sendFrame(0x80 | Opcode.TEXT, text.getBytes(StandardCharsets.UTF_8));
    }

    void sendBinary(final byte[] payload) throws IOException
    {
        sendFrame(0x80 | Opcode.BINARY, payload);
    }

    void sendPong(final byte[] payload) throws IOException
    {
        sendFrame(0x80 | Opcode.PONG, payload);
    }

    void sendClose(final int code, final String reason) throws IOException
    {
        sendFrame(0x80 | Opcode.CLOSE, closePayload(code, reason.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * @param code   status code, written as two bytes whatever its value.
     * @param reason raw reason bytes, not checked.
     * @return a close frame body.
     */
    static byte[] closePayload(final int code, final byte[] reason)
    {
        final byte[] payload = new byte[CloseFrame.CODE_LENGTH + reason.length];
        payload[0] = (byte)(code >>> 8);
        payload[1] = (byte)code;
        System.arraycopy(reason, 0, payload, CloseFrame.CODE_LENGTH, reason.length);
        return payload;
    }

    /**
     * Read one server frame, checking it is unmasked and has no reserved bits.
     *
     * @return the frame.
     * @throws IOException on a socket error, a timeout, or an end of stream inside the frame.
     */
    Frame readFrame() throws IOException
    {
        final int b0 = readByte();
        final int b1 = readByte();
        assertEquals(0, b0 & 0x70, "server frame with RSV bits: 0x" + Integer.toHexString(b0));
        assertEquals(0, b1 & 0x80, "server frame masked");
        long length = b1 & 0x7F;
        if (126 == length)
        {
            length = ByteBuffer.wrap(readFully(2)).getShort() & 0xFFFF;
        }
        else if (127 == length)
        {
            length = ByteBuffer.wrap(readFully(8)).getLong();
        }
        assertTrue(length >= 0 && length <= Integer.MAX_VALUE, "frame length " + length);
        return new Frame(b0 & 0x0F, (b0 & 0x80) != 0, readFully((int)length));
    }

    /**
     * Read frames until one that is not a ping (pings are answered with a pong, as a live client would).
     *
     * @return the first frame that is not a ping.
     * @throws IOException as {@link #readFrame()}.
     */
    Frame readFrameAnsweringPings() throws IOException
    {
        while (true)
        {
            final Frame frame = readFrame();
            if (Opcode.PING != frame.opcode())
            {
                return frame;
            }
            sendPong(frame.payload());
        }
    }

    byte[] readFully(final int length) throws IOException
    {
        final byte[] bytes = new byte[length];
        int read = 0;
        while (read < length)
        {
            final int n = in.read(bytes, read, length - read);
            if (n < 0)
            {
                throw new EOFException("end of stream after " + read + " of " + length + " bytes");
            }
            read += n;
        }
        return bytes;
    }

    private int readByte() throws IOException
    {
        final int b = in.read();
        if (b < 0)
        {
            throw new EOFException("end of stream at a frame boundary");
        }
        return b;
    }

    /**
     * Wait for the server to close the connection, failing if it sends anything meanwhile.
     *
     * @return how the socket ended, or {@link Ending#STILL_OPEN} after the read timeout.
     * @throws IOException on an unexpected socket error.
     */
    Ending awaitEndOfStream() throws IOException
    {
        try
        {
            final int b = in.read();
            assertTrue(b < 0, "expected the end of stream, got byte 0x" + Integer.toHexString(b));
            return Ending.END_OF_STREAM;
        }
        catch (final SocketTimeoutException ex)
        {
            return Ending.STILL_OPEN;
        }
        catch (final SocketException ex)
        {
            if (null != ex.getMessage() && ex.getMessage().toLowerCase(Locale.ROOT).contains("reset"))
            {
                return Ending.RESET;
            }
            throw ex;
        }
    }

    /**
     * Read until the server closes the connection, keeping what arrives.
     *
     * @return the bytes read before the end of stream or reset.
     * @throws IOException on a timeout or another socket error.
     */
    byte[] readRemaining() throws IOException
    {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final byte[] chunk = new byte[64 * 1024];
        while (true)
        {
            final int n;
            try
            {
                n = in.read(chunk);
            }
            catch (final SocketException ex)
            {
                if (null != ex.getMessage() && ex.getMessage().toLowerCase(Locale.ROOT).contains("reset"))
                {
                    return bytes.toByteArray();
                }
                throw ex;
            }
            if (n < 0)
            {
                return bytes.toByteArray();
            }
            bytes.write(chunk, 0, n);
        }
    }

    /**
     * Wait for one byte, an end of stream or the read timeout, whichever comes first.
     *
     * @return the byte, -1 at the end of stream or after a reset, -2 on timeout.
     * @throws IOException on another socket error.
     */
    int pollByte() throws IOException
    {
        try
        {
            return in.read();
        }
        catch (final SocketTimeoutException ex)
        {
            return -2;
        }
        catch (final SocketException ex)
        {
            if (null != ex.getMessage() && ex.getMessage().toLowerCase(Locale.ROOT).contains("reset"))
            {
                return -1;
            }
            throw ex;
        }
    }

    /**
     * Vanish: close with SO_LINGER 0, so the server sees a reset instead of an orderly end of stream.
     */
    void abort()
    {
        try
        {
            socket.setSoLinger(true, 0);
        }
        catch (final SocketException ignore)
        {
            // Already closed: nothing to abort.
        }
        close();
    }

    boolean isClosed()
    {
        return socket.isClosed();
    }

    @Override
    public void close()
    {
        try
        {
            socket.close();
        }
        catch (final IOException ignore)
        {
            // Closing is best effort in tests.
        }
    }

    /**
     * An HTTP response as read off the wire.
     *
     * @param status      status code.
     * @param statusText  reason phrase.
     * @param headerLines "Name: value" lines as sent.
     * @param body        body decoded as UTF-8, empty without Content-Length.
     */
    record HttpReply(int status, String statusText, List<String> headerLines, String body)
    {
        /**
         * @param name header name, any case.
         * @return the first value of that header, trimmed, or null.
         */
        String header(final String name)
        {
            for (final String line : headerLines)
            {
                final int colon = line.indexOf(':');
                if (line.substring(0, colon).equalsIgnoreCase(name))
                {
                    return line.substring(colon + 1).trim();
                }
            }
            return null;
        }
    }

    /**
     * A frame from the server.
     *
     * @param opcode  as on the wire.
     * @param fin     final fragment.
     * @param payload payload bytes.
     */
    record Frame(int opcode, boolean fin, byte[] payload)
    {
        /**
         * @return the status code of a close frame, or 1005 when it has no body.
         */
        int closeCode()
        {
            assertEquals(Opcode.CLOSE, opcode, "not a close frame: " + this);
            return payload.length < CloseFrame.CODE_LENGTH ? 1005 : ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF);
        }

        /**
         * @return the reason of a close frame.
         */
        String closeReason()
        {
            assertEquals(Opcode.CLOSE, opcode, "not a close frame: " + this);
            assertFalse(1 == payload.length, "close body of 1 byte");
            return payload.length < CloseFrame.CODE_LENGTH ? "" : new String(
                payload, CloseFrame.CODE_LENGTH, payload.length - CloseFrame.CODE_LENGTH, StandardCharsets.UTF_8);
        }

        String text()
        {
            return new String(payload, StandardCharsets.UTF_8);
        }

        @Override
        public boolean equals(final Object o)
        {
            return o instanceof Frame && ((Frame)o).opcode == opcode && ((Frame)o).fin == fin &&
                Arrays.equals(((Frame)o).payload, payload);
        }

        @Override
        public int hashCode()
        {
            return 31 * (31 * opcode + (fin ? 1 : 0)) + Arrays.hashCode(payload);
        }

        @Override
        public String toString()
        {
            return Opcode.name(opcode) + (fin ? " fin " : " more ") + payload.length + "B";
        }
    }
}
