package io.wsmux;

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
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A raw HTTP/1.1 client for the SockJS tests on a blocking {@link Socket}: writes exactly the bytes a test gives it
 * and reads responses as they are on the wire — status line, headers with their case, bodies by Content-Length,
 * chunk by chunk, or up to the end of stream — and tells when the server closed the connection. Every read has a
 * timeout ({@link #READ_TIMEOUT_MS} unless changed), so a server that never answers fails the test.
 * <p>
 * Not thread safe: one test thread drives one client.
 */
final class SockJsHttpClient implements AutoCloseable
{
    /** Default SO_TIMEOUT of every read. */
    static final int READ_TIMEOUT_MS = 5_000;

    private static final AtomicLong SESSION_IDS = new AtomicLong();
    private static final int MAX_LINE_LENGTH = 64 * 1024;

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private SockJsHttpClient(final Socket socket) throws IOException
    {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /**
     * @param port on 127.0.0.1.
     * @return a connected client.
     * @throws IOException if the connection fails.
     */
    static SockJsHttpClient connect(final int port) throws IOException
    {
        final Socket socket = new Socket();
        try
        {
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(READ_TIMEOUT_MS);
            socket.connect(new InetSocketAddress("127.0.0.1", port), READ_TIMEOUT_MS);
            return new SockJsHttpClient(socket);
        }
        catch (final IOException ex)
        {
            socket.close();
            throw ex;
        }
    }

    /**
     * Settings for an in-process test server: loopback, ephemeral port, one I/O thread.
     *
     * @return settings to adjust further.
     */
    static WsmuxSettings testSettings()
    {
        return new WsmuxSettings().bindAddress("127.0.0.1").port(0).ioThreads(1);
    }

    /**
     * @param settings the server's settings.
     * @return {@link Main#sockJsTestServer} started: /echo, /disabled_websocket_echo, /cookie_needed_echo, /close.
     * @throws IOException if it cannot listen.
     */
    static WsmuxServer start(final WsmuxSettings settings) throws IOException
    {
        return Main.sockJsTestServer(settings).start();
    }

    /**
     * @return a session id no other test uses.
     */
    static String newSessionId()
    {
        return "s" + SESSION_IDS.incrementAndGet() + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
    }

    /**
     * An HTTP/1.1 request with a Host header; with a body, a Content-Length.
     *
     * @param method       the method.
     * @param target       path and query.
     * @param body         the body (UTF-8), or null for none and no Content-Length.
     * @param extraHeaders header lines without CRLF.
     * @return the request bytes as a string (ISO-8859-1 for the head; the body is encoded by the caller's choice).
     */
    static byte[] request(final String method, final String target, final String body, final String... extraHeaders)
    {
        final byte[] bodyBytes = null == body ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        final StringBuilder head = new StringBuilder()
            .append(method).append(' ').append(target).append(" HTTP/1.1\r\n")
            .append("Host: 127.0.0.1\r\n");
        for (final String header : extraHeaders)
        {
            head.append(header).append("\r\n");
        }
        if (null != body)
        {
            head.append("Content-Length: ").append(bodyBytes.length).append("\r\n");
        }
        head.append("\r\n");
        final byte[] headBytes = head.toString().getBytes(StandardCharsets.ISO_8859_1);
        final byte[] request = new byte[headBytes.length + bodyBytes.length];
        System.arraycopy(headBytes, 0, request, 0, headBytes.length);
        System.arraycopy(bodyBytes, 0, request, headBytes.length, bodyBytes.length);
        return request;
    }

    /**
     * One request on a new connection, its response read, the connection closed.
     *
     * @param port    the server's port.
     * @param request the request bytes.
     * @return the response.
     * @throws IOException on a socket error or timeout.
     */
    static Response once(final int port, final byte[] request) throws IOException
    {
        try (SockJsHttpClient client = connect(port))
        {
            return client.exchange(request);
        }
    }

    static Response once(final int port, final String method, final String target, final String body,
        final String... extraHeaders) throws IOException
    {
        return once(port, request(method, target, body, extraHeaders));
    }

    void readTimeoutMs(final int timeoutMs) throws SocketException
    {
        socket.setSoTimeout(timeoutMs);
    }

    void send(final byte[] bytes) throws IOException
    {
        out.write(bytes);
        out.flush();
    }

    void send(final String ascii) throws IOException
    {
        send(ascii.getBytes(StandardCharsets.ISO_8859_1));
    }

    Response exchange(final byte[] request) throws IOException
    {
        send(request);
        return readResponse();
    }

    Response exchange(final String method, final String target, final String body, final String... extraHeaders)
        throws IOException
    {
        return exchange(request(method, target, body, extraHeaders));
    }

    /**
     * Read a whole response: head, then the body as its headers frame it (none for 1xx, 204 and 304).
     *
     * @return the response.
     * @throws IOException on a socket error, a timeout, or an end of stream inside the response.
     */
    Response readResponse() throws IOException
    {
        final Response head = readHead();
        final int status = head.status();
        if (status < 200 || 204 == status || 304 == status)
        {
            return head;
        }
        if (head.isChunked())
        {
            final List<byte[]> chunks = new ArrayList<>();
            final ByteArrayOutputStream body = new ByteArrayOutputStream();
            while (true)
            {
                final byte[] chunk = readChunk();
                if (0 == chunk.length)
                {
                    break;
                }
                chunks.add(chunk);
                body.write(chunk);
            }
            return head.withBody(body.toByteArray(), chunks);
        }
        final String contentLength = head.header("Content-Length");
        if (null != contentLength)
        {
            return head.withBody(readBytes(Integer.parseInt(contentLength)), null);
        }
        return head.withBody(readToEnd(), null);
    }

    /**
     * Read a status line and headers up to the blank line; the body stays unread.
     *
     * @return the response without a body.
     * @throws IOException on a socket error, a timeout, or an end of stream inside the head.
     */
    Response readHead() throws IOException
    {
        final String statusLine = readLine();
        final int firstSpace = statusLine.indexOf(' ');
        final int secondSpace = statusLine.indexOf(' ', firstSpace + 1);
        if (firstSpace < 0)
        {
            throw new IOException("not a status line: " + statusLine);
        }
        final String version = statusLine.substring(0, firstSpace);
        final int status = Integer.parseInt(
            statusLine.substring(firstSpace + 1, secondSpace < 0 ? statusLine.length() : secondSpace));
        final String reason = secondSpace < 0 ? "" : statusLine.substring(secondSpace + 1);
        final List<String[]> headers = new ArrayList<>();
        while (true)
        {
            final String line = readLine();
            if (line.isEmpty())
            {
                break;
            }
            final int colon = line.indexOf(':');
            if (colon <= 0)
            {
                throw new IOException("not a header line: " + line);
            }
            headers.add(new String[] {line.substring(0, colon), line.substring(colon + 1).trim()});
        }
        return new Response(version, status, reason, headers, new byte[0], null);
    }

    /**
     * Read one chunk of a chunked body.
     *
     * @return its data, or an empty array for the last chunk (whose trailer is read too).
     * @throws IOException on a socket error, a timeout, or bytes that are not chunked framing.
     */
    byte[] readChunk() throws IOException
    {
        final String sizeLine = readLine();
        final int semicolon = sizeLine.indexOf(';');
        final int size = Integer.parseInt(semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon), 16);
        if (0 == size)
        {
            while (!readLine().isEmpty())
            {
                // trailer fields: none expected, skipped
            }
            return new byte[0];
        }
        final byte[] data = readBytes(size);
        final String end = readLine();
        if (!end.isEmpty())
        {
            throw new IOException("chunk of " + size + " bytes not followed by CRLF: " + end);
        }
        return data;
    }

    String readChunkString() throws IOException
    {
        return new String(readChunk(), StandardCharsets.UTF_8);
    }

    byte[] readBytes(final int length) throws IOException
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

    /**
     * @return every byte up to the end of stream (a reset counts as the end).
     * @throws IOException on a timeout or another socket error.
     */
    byte[] readToEnd() throws IOException
    {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final byte[] buffer = new byte[8192];
        while (true)
        {
            final int n;
            try
            {
                n = in.read(buffer);
            }
            catch (final SocketException ex)
            {
                if (isReset(ex))
                {
                    return bytes.toByteArray();
                }
                throw ex;
            }
            if (n < 0)
            {
                return bytes.toByteArray();
            }
            bytes.write(buffer, 0, n);
        }
    }

    /**
     * Wait, up to the read timeout, for the server to close the connection; fails on any byte received meanwhile.
     *
     * @return true when the stream ended (FIN or reset), false when still open at the timeout.
     * @throws IOException on a byte received or another socket error.
     */
    boolean awaitClosed() throws IOException
    {
        try
        {
            final int b = in.read();
            if (b >= 0)
            {
                throw new IOException("expected the end of stream, got byte 0x" + Integer.toHexString(b));
            }
            return true;
        }
        catch (final SocketTimeoutException ex)
        {
            return false;
        }
        catch (final SocketException ex)
        {
            if (isReset(ex))
            {
                return true;
            }
            throw ex;
        }
    }

    /**
     * Whether nothing arrives and the connection stays open for a while.
     *
     * @param waitMs how long to watch.
     * @return true when the read timed out; false when a byte arrived or the stream ended.
     * @throws IOException on another socket error.
     */
    boolean isQuietFor(final int waitMs) throws IOException
    {
        final int previous = socket.getSoTimeout();
        socket.setSoTimeout(waitMs);
        try
        {
            in.mark(1);
            final int b = in.read();
            if (b >= 0)
            {
                in.reset();
            }
            return false;
        }
        catch (final SocketTimeoutException ex)
        {
            return true;
        }
        catch (final SocketException ex)
        {
            if (isReset(ex))
            {
                return false;
            }
            throw ex;
        }
        finally
        {
            socket.setSoTimeout(previous);
        }
    }

    private String readLine() throws IOException
    {
        final ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (true)
        {
            final int b = in.read();
            if (b < 0)
            {
                throw new EOFException("end of stream inside a line: " + line.toString(StandardCharsets.ISO_8859_1));
            }
            if ('\n' == b)
            {
                final byte[] bytes = line.toByteArray();
                if (0 == bytes.length || '\r' != bytes[bytes.length - 1])
                {
                    throw new IOException("line not ended by CRLF: " + line.toString(StandardCharsets.ISO_8859_1));
                }
                return new String(bytes, 0, bytes.length - 1, StandardCharsets.ISO_8859_1);
            }
            if (line.size() == MAX_LINE_LENGTH)
            {
                throw new IOException("line longer than " + MAX_LINE_LENGTH + " bytes");
            }
            line.write(b);
        }
    }

    private static boolean isReset(final SocketException ex)
    {
        return null != ex.getMessage() && ex.getMessage().toLowerCase(Locale.ROOT).contains("reset");
    }

    /**
     * Vanish with a reset (SO_LINGER 0) instead of an orderly close.
     */
    void abort()
    {
        try
        {
            socket.setSoLinger(true, 0);
        }
        catch (final SocketException ignore)
        {
            // already closed
        }
        close();
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
            // best effort in tests
        }
    }

    /**
     * A response as read off the wire.
     *
     * @param version the status line's HTTP version.
     * @param status  the status code.
     * @param reason  the reason phrase.
     * @param headers name (case as sent) and value (trimmed) of each header line, in order.
     * @param body    the body bytes (de-chunked).
     * @param chunks  the chunks of a chunked body, or null when it was not chunked (or not read).
     */
    record Response(String version, int status, String reason, List<String[]> headers, byte[] body,
        List<byte[]> chunks)
    {
        Response withBody(final byte[] newBody, final List<byte[]> newChunks)
        {
            return new Response(version, status, reason, headers, newBody, newChunks);
        }

        /**
         * @param name compared case-insensitively.
         * @return the last value of the header, or null.
         */
        String header(final String name)
        {
            String value = null;
            for (final String[] header : headers)
            {
                if (header[0].equalsIgnoreCase(name))
                {
                    value = header[1];
                }
            }
            return value;
        }

        int headerCount(final String name)
        {
            int count = 0;
            for (final String[] header : headers)
            {
                if (header[0].equalsIgnoreCase(name))
                {
                    count++;
                }
            }
            return count;
        }

        boolean isChunked()
        {
            final String encoding = header("Transfer-Encoding");
            return null != encoding && encoding.toLowerCase(Locale.ROOT).contains("chunked");
        }

        boolean closes()
        {
            final String connection = header("Connection");
            return null != connection && connection.toLowerCase(Locale.ROOT).contains("close");
        }

        String bodyText()
        {
            return new String(body, StandardCharsets.UTF_8);
        }

        @Override
        public String toString()
        {
            final StringBuilder text = new StringBuilder(version).append(' ').append(status).append(' ')
                .append(reason).append('\n');
            for (final String[] header : headers)
            {
                text.append(header[0]).append(": ").append(header[1]).append('\n');
            }
            final String shown = bodyText();
            return text.append('\n').append(shown.length() > 300 ? shown.substring(0, 300) + "..." : shown)
                .toString();
        }
    }
}
