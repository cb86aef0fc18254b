package io.wsmux.perf.load;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;

import io.wsmux.codec.FrameEncoder;
import io.wsmux.codec.Opcode;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Blocking set-up steps for benchmarks on plain sockets (the JMH fan-out benchmark): the HTTP upgrade and a
 * text-protocol subscription.
 * Cold path: allocates.
 */
public final class RawUpgrade
{
    private RawUpgrade()
    {
    }

    /**
     * Perform the WebSocket upgrade and consume the 101 response head.
     *
     * @param socket connected, blocking.
     * @param host   value of the Host header.
     * @param path   request path.
     * @throws IOException if the server closes or refuses.
     */
    public static void upgrade(final Socket socket, final String host, final String path) throws IOException
    {
        final byte[] key = new byte[16];
        ThreadLocalRandom.current().nextBytes(key);
        final String request = "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nUpgrade: websocket\r\n" +
            "Connection: Upgrade\r\nSec-WebSocket-Key: " + Base64.getEncoder().encodeToString(key) +
            "\r\nSec-WebSocket-Version: 13\r\n\r\n";
        final OutputStream out = socket.getOutputStream();
        out.write(request.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        final InputStream in = socket.getInputStream();
        final StringBuilder head = new StringBuilder();
        int matched = 0;
        while (matched < 4)
        {
            final int b = in.read();
            if (b < 0)
            {
                throw new IOException("closed during handshake: " + head);
            }
            head.append((char)b);
            matched = (b == '\r' && matched % 2 == 0) || (b == '\n' && matched % 2 == 1) ? matched + 1 : 0;
        }
        if (!head.toString().startsWith("HTTP/1.1 101"))
        {
            throw new IOException("upgrade refused: " + head);
        }
    }

    /**
     * Send a masked text frame, e.g. {@code sub,<name>} of the text multiplex protocol.
     *
     * @param socket upgraded, blocking.
     * @param text   the message.
     * @throws IOException on failure.
     */
    public static void sendText(final Socket socket, final String text) throws IOException
    {
        final byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        final UnsafeBuffer frame = new UnsafeBuffer(new byte[bytes.length + 14]);
        final int length = FrameEncoder.encodeMasked(frame, 0, true, Opcode.TEXT, new UnsafeBuffer(bytes), 0,
            bytes.length, ThreadLocalRandom.current().nextInt());
        socket.getOutputStream().write(frame.byteArray(), 0, length);
        socket.getOutputStream().flush();
    }
}
