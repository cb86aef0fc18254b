package io.wsmux;

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
 * Blocking steps the multiplexing tests share on raw sockets: the upgrade to {@code /mux} and a text-protocol
 * {@code sub}.
 */
final class MuxTestSockets
{
    private MuxTestSockets()
    {
    }

    static void upgradeAndSubscribe(final Socket socket, final String channel) throws IOException
    {
        upgrade(socket);
        final OutputStream out = socket.getOutputStream();
        final byte[] sub = ("sub," + channel).getBytes(StandardCharsets.US_ASCII);
        final UnsafeBuffer frame = new UnsafeBuffer(new byte[sub.length + 14]);
        final int length = FrameEncoder.encodeMasked(frame, 0, true, Opcode.TEXT, new UnsafeBuffer(sub), 0,
            sub.length, ThreadLocalRandom.current().nextInt());
        out.write(frame.byteArray(), 0, length);
        out.flush();
    }

    /**
     * Upgrade to {@code /mux} and read the response up to its blank line.
     */
    static void upgrade(final Socket socket) throws IOException
    {
        final OutputStream out = socket.getOutputStream();
        out.write(("GET /mux HTTP/1.1\r\nHost: test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            "Sec-WebSocket-Key: " + Base64.getEncoder().encodeToString(new byte[16]) +
            "\r\nSec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        final InputStream in = socket.getInputStream();
        int matched = 0;
        while (matched < 4)
        {
            final int b = in.read();
            if (b < 0)
            {
                throw new IOException("closed during handshake");
            }
            matched = (b == '\r' && matched % 2 == 0) || (b == '\n' && matched % 2 == 1) ? matched + 1 : 0;
        }
    }
}
