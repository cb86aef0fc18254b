package io.wsmux.perf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code NettyServer --deflate} in a JVM of its own, spoken to over raw sockets (RFC 6455 frames, RFC 7692
 * compression done here with {@link Deflater} and {@link Inflater}), so it does not depend on the Java client's
 * permessage-deflate: what Netty agrees to, that it echoes compressed, and that every fan-out delivery comes
 * compressed.
 */
@Timeout(60)
class NettyServerDeflateTest
{
    /** What a browser, and Node's ws, offer. */
    private static final String BROWSER_OFFER = "permessage-deflate; client_max_window_bits";
    private static final Pattern LISTENING = Pattern.compile("ws://127\\.0\\.0\\.1:(\\d+)/");
    /** RFC 7692 §7.2.1: the end of a sync flush, removed from a message and added back to inflate it. */
    private static final byte[] TAIL = { 0, 0, (byte)0xFF, (byte)0xFF };
    private static final int TEXT = 0x1;
    private static final int BINARY = 0x2;

    /** A received frame: its RSV1 bit, opcode and payload. */
    private record Frame(boolean rsv1, int opcode, byte[] payload)
    {
    }

    @Test
    void shouldAgreeToABrowsersOfferAndEchoCompressed() throws Exception
    {
        try (ChildProcess netty = startNetty("echo"))
        {
            try (Socket socket = connect(port(netty)))
            {
                final String response = handshake(socket, BROWSER_OFFER);
                assertTrue(response.contains("\r\nsec-websocket-extensions: permessage-deflate\r\n"), response);

                final byte[] message = ticks(16 * 1024);
                send(socket.getOutputStream(), true, BINARY, compress(message));
                final Frame echo = read(socket.getInputStream());

                assertTrue(echo.rsv1(), "the echo is compressed");
                assertEquals(BINARY, echo.opcode());
                assertTrue(echo.payload().length < message.length / 2, "compressed to " + echo.payload().length);
                assertArrayEquals(message, inflate(echo.payload()));
            }
        }
    }

    @Test
    void shouldDeclineAnOfferOfServerNoContextTakeover() throws Exception
    {
        try (ChildProcess netty = startNetty("echo"))
        {
            try (Socket socket = connect(port(netty)))
            {
                final String response = handshake(socket, "permessage-deflate; server_no_context_takeover");
                assertTrue(response.startsWith("http/1.1 101 "), response);
                assertFalse(response.contains("sec-websocket-extensions"), response);
            }
        }
    }

    @Test
    void shouldCompressEveryDeliveryOfAPublication() throws Exception
    {
        try (ChildProcess netty = startNetty("fanout"))
        {
            final int port = port(netty);
            final List<Socket> subscribers = new ArrayList<>();
            try (Socket publisher = connect(port))
            {
                for (int i = 0; i < 2; i++)
                {
                    final Socket subscriber = connect(port);
                    subscribers.add(subscriber);
                    handshake(subscriber, BROWSER_OFFER);
                    send(subscriber.getOutputStream(), false, TEXT, ascii("sub,bench.0"));
                }
                handshake(publisher, BROWSER_OFFER);
                send(publisher.getOutputStream(), false, TEXT, ascii("sub,publish.bench.0"));
                final byte[] payload = ticks(4096);
                final byte[] publication = concat(ascii("msg,publish.bench.0,"), payload);
                final byte[] delivery = concat(ascii("msg,bench.0,"), payload);

                // The subscriptions take effect in the order the loop reads them: publish until they have.
                Frame first = null;
                final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (null == first && System.nanoTime() - deadlineNs < 0)
                {
                    send(publisher.getOutputStream(), true, TEXT, compress(publication));
                    first = readWithin(subscribers.get(0), 100);
                }
                assertTrue(null != first, "no delivery");
                for (final Socket subscriber : subscribers)
                {
                    final Frame frame = subscriber == subscribers.get(0) ? first : read(subscriber.getInputStream());
                    assertTrue(frame.rsv1(), "each delivery is compressed");
                    assertEquals(TEXT, frame.opcode());
                    assertArrayEquals(delivery, inflate(frame.payload()));
                }
            }
            finally
            {
                for (final Socket subscriber : subscribers)
                {
                    subscriber.close();
                }
            }
        }
    }

    private static ChildProcess startNetty(final String mode) throws IOException, InterruptedException
    {
        final String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        return ChildProcess.start(List.of(ChildProcess.JAVA, BenchServers.NETTY_TUNING, "-cp", classpath,
            BenchServers.NETTY_MAIN, "--mode", mode, "--port", "0", "--deflate"), true);
    }

    private static int port(final ChildProcess netty) throws IOException, InterruptedException
    {
        final Matcher matcher = LISTENING.matcher(netty.awaitLine("listening", 30, TimeUnit.SECONDS));
        assertTrue(matcher.find(), netty::output);
        return Integer.parseInt(matcher.group(1));
    }

    private static Socket connect(final int port) throws IOException
    {
        final Socket socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(10_000);
        return socket;
    }

    /**
     * @return the response head, lower case.
     */
    private static String handshake(final Socket socket, final String offer) throws IOException
    {
        final String request = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" +
            "Sec-WebSocket-Extensions: " + offer + "\r\n\r\n";
        socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
        final InputStream in = socket.getInputStream();
        final StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n"))
        {
            final int b = in.read();
            if (b < 0)
            {
                throw new IOException("closed during the handshake: " + head);
            }
            head.append((char)b);
        }
        return head.toString().toLowerCase(Locale.ROOT);
    }

    /**
     * RFC 6455 §5.2: a final frame, masked with the key 0 (a client's frames must be masked; any key will do).
     */
    private static void send(final OutputStream out, final boolean rsv1, final int opcode, final byte[] payload)
        throws IOException
    {
        final ByteArrayOutputStream frame = new ByteArrayOutputStream(payload.length + 14);
        frame.write(0x80 | (rsv1 ? 0x40 : 0) | opcode);
        if (payload.length < 126)
        {
            frame.write(0x80 | payload.length);
        }
        else
        {
            frame.write(0x80 | 126);
            frame.write(payload.length >>> 8);
            frame.write(payload.length & 0xFF);
        }
        frame.write(new byte[4]);
        frame.write(payload);
        out.write(frame.toByteArray());
        out.flush();
    }

    private static Frame read(final InputStream stream) throws IOException
    {
        final DataInputStream in = new DataInputStream(stream);
        final int first = in.readUnsignedByte();
        final int second = in.readUnsignedByte();
        long length = second & 0x7F;
        if (126 == length)
        {
            length = in.readUnsignedShort();
        }
        else if (127 == length)
        {
            length = in.readLong();
        }
        final byte[] payload = new byte[(int)length];
        in.readFully(payload);
        return new Frame((first & 0x40) != 0, first & 0x0F, payload);
    }

    private static Frame readWithin(final Socket socket, final int timeoutMs) throws IOException
    {
        socket.setSoTimeout(timeoutMs);
        try
        {
            return read(socket.getInputStream());
        }
        catch (final SocketTimeoutException ex)
        {
            return null; // nothing yet (a frame is small enough to arrive whole, so none was half read)
        }
        finally
        {
            socket.setSoTimeout(10_000);
        }
    }

    /**
     * RFC 7692 §7.2.1: raw deflate, sync-flushed, without the flush's 4-byte tail.
     */
    private static byte[] compress(final byte[] message)
    {
        final Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
        try
        {
            deflater.setInput(message);
            final byte[] output = new byte[message.length + 64];
            final int length = deflater.deflate(output, 0, output.length, Deflater.SYNC_FLUSH);
            final byte[] compressed = new byte[length - TAIL.length];
            System.arraycopy(output, 0, compressed, 0, compressed.length);
            return compressed;
        }
        finally
        {
            deflater.end();
        }
    }

    private static byte[] inflate(final byte[] payload) throws DataFormatException
    {
        final Inflater inflater = new Inflater(true);
        try
        {
            inflater.setInput(concat(payload, TAIL));
            final ByteArrayOutputStream out = new ByteArrayOutputStream();
            final byte[] chunk = new byte[8192];
            int length;
            while ((length = inflater.inflate(chunk)) > 0)
            {
                out.write(chunk, 0, length);
            }
            return out.toByteArray();
        }
        finally
        {
            inflater.end();
        }
    }

    /**
     * JSON price ticks, as {@code --payload-kind ticks} sends.
     */
    private static byte[] ticks(final int length)
    {
        final StringBuilder text = new StringBuilder(length + 64);
        long bid = 108_412;
        long timeMs = 1_701_234_567_890L;
        for (int i = 0; text.length() < length; i++)
        {
            bid += (i * 7919) % 11 - 5;
            timeMs += (i * 104_729) % 64;
            text.append("{\"s\":\"EURUSD\",\"b\":1.").append(bid % 100_000).append(",\"a\":1.")
                .append((bid + 3) % 100_000).append(",\"t\":").append(timeMs).append("},");
        }
        text.setLength(length);
        return ascii(text.toString());
    }

    private static byte[] ascii(final String text)
    {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] concat(final byte[] first, final byte[] second)
    {
        final byte[] both = new byte[first.length + second.length];
        System.arraycopy(first, 0, both, 0, first.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        return both;
    }
}
