package io.wsmux.perf.load;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.wsmux.codec.CloseReason;
import io.wsmux.codec.FrameDecoder;
import io.wsmux.codec.FrameEncoder;
import io.wsmux.codec.FrameHandler;
import io.wsmux.codec.Opcode;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Closed-loop echo throughput: C connections each keep K binary messages of S bytes in flight against any RFC 6455
 * echo server, on one client thread with a selector; reports echoes per second over a measured window after a
 * warm-up. A first, simple load generator; the perf suite builds on it.
 * <pre>
 * java -cp wsmux-perf.jar io.wsmux.perf.load.EchoLoad 127.0.0.1 9001 100 10 32 5 10
 *                                                      host      port C   K  S  warm-up-s measure-s
 * </pre>
 */
public final class EchoLoad
{
    private static final int MASK_KEY = 0x1A2B3C4D;

    private final List<ClientConnection> connections = new ArrayList<>();
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(256 * 1024);
    private final UnsafeBuffer readView = new UnsafeBuffer(readBuffer);
    private long received;

    /** One client connection: its socket, decoder and the bytes it still has to write. */
    private final class ClientConnection implements FrameHandler
    {
        final SocketChannel channel;
        final FrameDecoder decoder = new FrameDecoder(this, false, 1 << 24, 1 << 24, false);
        final ByteBuffer frame;
        final ByteBuffer pending;
        SelectionKey key;

        ClientConnection(final SocketChannel channel, final ByteBuffer frame, final int inFlight)
        {
            this.channel = channel;
            this.frame = frame;
            this.pending = ByteBuffer.allocateDirect(frame.capacity() * (inFlight + 1));
            pending.flip();
        }

        void queueFrame()
        {
            pending.compact();
            pending.put(frame.duplicate());
            pending.flip();
        }

        void flush() throws IOException
        {
            channel.write(pending);
            final int interest =
                pending.hasRemaining() ? SelectionKey.OP_READ | SelectionKey.OP_WRITE : SelectionKey.OP_READ;
            key.interestOps(interest);
        }

        @Override
        public void onFrameStart(final int opcode, final boolean fin, final long payloadLength)
        {
        }

        @Override
        public void onFramePayload(final MutableDirectBuffer buffer, final int offset, final int length)
        {
        }

        @Override
        public void onFrameEnd()
        {
            received++;
            queueFrame();
        }

        @Override
        public void onProtocolError(final CloseReason reason)
        {
            throw new IllegalStateException("server sent a bad frame: " + reason.text());
        }
    }

    /**
     * @param args host port connections inFlight payloadLength warmupSeconds measureSeconds.
     * @throws Exception on failure.
     */
    public static void main(final String[] args) throws Exception
    {
        if (args.length < 7)
        {
            System.err.println("usage: host port connections inFlight payloadLength warmupSeconds measureSeconds");
            System.exit(2);
        }
        new EchoLoad().run(args[0], Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]),
            Integer.parseInt(args[4]), Integer.parseInt(args[5]), Integer.parseInt(args[6]));
    }

    private void run(
        final String host,
        final int port,
        final int connectionCount,
        final int inFlight,
        final int payloadLength,
        final int warmupSeconds,
        final int measureSeconds) throws IOException
    {
        final UnsafeBuffer frameBuffer = new UnsafeBuffer(new byte[payloadLength + 14]);
        final int frameLength = FrameEncoder.encodeMasked(
            frameBuffer, 0, true, Opcode.BINARY, new UnsafeBuffer(new byte[payloadLength]), 0, payloadLength, MASK_KEY);
        final ByteBuffer frame = ByteBuffer.allocateDirect(frameLength);
        frameBuffer.getBytes(0, frame, frameLength);
        frame.flip();

        try (Selector selector = Selector.open())
        {
            for (int i = 0; i < connectionCount; i++)
            {
                final SocketChannel channel = SocketChannel.open(new InetSocketAddress(host, port));
                final Socket socket = channel.socket();
                socket.setTcpNoDelay(true);
                socket.setSoTimeout(10_000);
                RawUpgrade.upgrade(socket, host + ":" + port, "/echo");
                final ClientConnection connection;
                channel.configureBlocking(false);
                connection = new ClientConnection(channel, frame, inFlight);
                connection.key = channel.register(selector, SelectionKey.OP_READ, connection);
                connections.add(connection);
            }

            for (final ClientConnection connection : connections)
            {
                for (int i = 0; i < inFlight; i++)
                {
                    connection.queueFrame();
                }
                connection.flush();
            }

            final long start = System.nanoTime();
            final long measureStart = start + TimeUnit.SECONDS.toNanos(warmupSeconds);
            final long end = measureStart + TimeUnit.SECONDS.toNanos(measureSeconds);
            long receivedAtMeasureStart = -1;
            long now;
            while ((now = System.nanoTime()) < end)
            {
                if (receivedAtMeasureStart < 0 && now >= measureStart)
                {
                    receivedAtMeasureStart = received;
                }
                selector.select(this::onReady, 100);
            }
            final long count = received - Math.max(0, receivedAtMeasureStart);
            System.out.printf("echo connections=%d inFlight=%d payload=%d messagesPerSecond=%.0f%n",
                connectionCount, inFlight, payloadLength, count / (double)measureSeconds);
            for (final ClientConnection connection : connections)
            {
                connection.channel.close();
            }
        }
    }

    private void onReady(final SelectionKey key)
    {
        final ClientConnection connection = (ClientConnection)key.attachment();
        try
        {
            if (key.isReadable())
            {
                readBuffer.clear();
                final int length = connection.channel.read(readBuffer);
                if (length < 0)
                {
                    throw new IllegalStateException("server closed a connection");
                }
                connection.decoder.decode(readView, 0, length);
            }
            connection.flush();
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException(ex);
        }
    }
}
