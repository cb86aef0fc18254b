package io.wsmux.client;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import io.wsmux.codec.http.UpgradeResponseWriter;

/**
 * A server scripted by a test on a plain blocking socket, for what a well-behaved server never sends: it reads the
 * client's upgrade request, writes whatever response and frames the test gives it, and reads the client's frames
 * back, unmasked.
 */
final class ScriptedServer implements AutoCloseable
{
    private static final long WAIT_S = 10;

    private final ServerSocket listener;
    private Socket socket;
    private InputStream in;
    private OutputStream out;

    /** One frame as the client sent it, unmasked. */
    record ClientFrame(boolean fin, boolean rsv1, int opcode, int maskKey, byte[] payload)
    {
        String text()
        {
            return new String(payload, StandardCharsets.UTF_8);
        }

        int closeCode()
        {
            return ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF);
        }
    }

    ScriptedServer() throws IOException
    {
        listener = new ServerSocket(0);
    }

    int port()
    {
        return listener.getLocalPort();
    }

    InputStream in()
    {
        return in;
    }

    /**
     * Accept the client's socket and read its upgrade request head.
     *
     * @return the head, CRLFCRLF included.
     */
    String acceptRequest() throws IOException
    {
        socket = listener.accept();
        socket.setSoTimeout((int)TimeUnit.SECONDS.toMillis(WAIT_S));
        in = socket.getInputStream();
        out = socket.getOutputStream();
        final ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (true)
        {
            final int b = in.read();
            assertTrue(b >= 0, "end of stream in the request head: " + head);
            head.write(b);
            final byte[] bytes = head.toByteArray();
            final int n = bytes.length;
            if (n >= 4 && '\r' == bytes[n - 4] && '\n' == bytes[n - 3] && '\r' == bytes[n - 2] && '\n' == bytes[n - 1])
            {
                return head.toString(StandardCharsets.US_ASCII);
            }
        }
    }

    /**
     * Write bytes and flush them.
     */
    void write(final byte[] bytes) throws IOException
    {
        out.write(bytes);
        out.flush();
    }

    /**
     * Write part of some bytes and flush them.
     */
    void write(final byte[] bytes, final int offset, final int length) throws IOException
    {
        out.write(bytes, offset, length);
        out.flush();
    }

    /**
     * @return the next frame from the client, unmasked; asserts that it was masked.
     */
    ClientFrame readFrame() throws IOException
    {
        final int b0 = readByte();
        final int b1 = readByte();
        assertTrue((b1 & 0x80) != 0, "client frames are masked (RFC 6455 §5.3)");
        long length = b1 & 0x7F;
        if (126 == length)
        {
            length = (readByte() << 8) | readByte();
        }
        else if (127 == length)
        {
            length = 0;
            for (int i = 0; i < 8; i++)
            {
                length = (length << 8) | readByte();
            }
        }
        final int maskKey = (readByte() << 24) | (readByte() << 16) | (readByte() << 8) | readByte();
        final byte[] payload = in.readNBytes((int)length);
        for (int i = 0; i < payload.length; i++)
        {
            payload[i] ^= (byte)(maskKey >>> (8 * (3 - (i & 3))));
        }
        return new ClientFrame((b0 & 0x80) != 0, (b0 & 0x40) != 0, b0 & 0x0F, maskKey, payload);
    }

    int readByte() throws IOException
    {
        final int b = in.read();
        assertTrue(b >= 0, "end of stream");
        return b;
    }

    /**
     * Close the accepted socket (not the listener), if any.
     */
    void closeSocket() throws IOException
    {
        if (null != socket)
        {
            socket.close();
        }
    }

    @Override
    public void close() throws IOException
    {
        closeSocket();
        listener.close();
    }

    static String header(final String head, final String name)
    {
        for (final String line : head.split("\r\n"))
        {
            final int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).equalsIgnoreCase(name))
            {
                return line.substring(colon + 1).trim();
            }
        }
        return null;
    }

    static String accept(final String request)
    {
        return new UpgradeResponseWriter().acceptKey(header(request, "Sec-WebSocket-Key"));
    }

    /**
     * @param request      the client's request head (for its key).
     * @param extraHeaders more header lines, each ending with CRLF.
     * @return a valid 101 response.
     */
    static byte[] switchingProtocols(final String request, final String extraHeaders)
    {
        return ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            "Sec-WebSocket-Accept: " + accept(request) + "\r\n" + extraHeaders + "\r\n")
            .getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * @return an unmasked (server) frame.
     */
    static byte[] frame(final boolean fin, final int opcode, final byte[] payload)
    {
        return frame((fin ? 0x80 : 0) | opcode, payload);
    }

    /**
     * @param firstByte FIN, RSV bits and opcode.
     * @param payload   the payload.
     * @return an unmasked (server) frame.
     */
    static byte[] frame(final int firstByte, final byte[] payload)
    {
        final ByteArrayOutputStream frame = new ByteArrayOutputStream();
        frame.write(firstByte);
        if (payload.length <= 125)
        {
            frame.write(payload.length);
        }
        else if (payload.length <= 0xFFFF)
        {
            frame.write(126);
            frame.write(payload.length >>> 8);
            frame.write(payload.length & 0xFF);
        }
        else
        {
            frame.write(127);
            for (int i = 7; i >= 0; i--)
            {
                frame.write(i >= 4 ? 0 : (payload.length >>> (8 * i)) & 0xFF);
            }
        }
        frame.writeBytes(payload);
        return frame.toByteArray();
    }

    static byte[] ascii(final String text)
    {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] closePayload(final int code, final String reason)
    {
        final byte[] text = reason.getBytes(StandardCharsets.UTF_8);
        final byte[] payload = new byte[2 + text.length];
        payload[0] = (byte)(code >>> 8);
        payload[1] = (byte)code;
        System.arraycopy(text, 0, payload, 2, text.length);
        return payload;
    }
}
