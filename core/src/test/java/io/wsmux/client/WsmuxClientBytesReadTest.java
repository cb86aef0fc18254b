package io.wsmux.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.wsmux.EchoHandler;
import io.wsmux.WsmuxServer;
import io.wsmux.WsmuxSettings;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link WsmuxClient#bytesRead()}: what the client's loop read off its sockets, the upgrade response and every frame.
 */
@Timeout(30)
class WsmuxClientBytesReadTest
{
    private static final int PAYLOAD_LENGTH = 1000;
    /** RFC 6455 §5.2: a server's frame of 126..65535 bytes has a 4-byte header (no mask). */
    private static final int FRAME_HEADER_LENGTH = 4;

    @Test
    void shouldCountTheUpgradeResponseAndEveryFrameRead() throws Exception
    {
        try (WsmuxServer server =
            WsmuxServer.builder(new WsmuxSettings().port(0)).anyPath(new EchoHandler()).build().start();
            WsmuxClient client = WsmuxClient.start())
        {
            final BlockingQueue<byte[]> echoes = new LinkedBlockingQueue<>();
            final WebSocketClientConnection connection = client.connect(
                URI.create("ws://127.0.0.1:" + server.port() + "/"), null, new ClientHandler()
                {
                    @Override
                    public void onBinary(
                        final WebSocketClientConnection connection,
                        final DirectBuffer buffer,
                        final int offset,
                        final int length)
                    {
                        final byte[] bytes = new byte[length];
                        buffer.getBytes(offset, bytes);
                        echoes.add(bytes);
                    }
                }).get(10, TimeUnit.SECONDS);
            final long afterUpgrade = awaitAtLeast(client, "HTTP/1.1 101 Switching Protocols\r\n".length());

            final byte[] payload = new byte[PAYLOAD_LENGTH];
            for (int i = 0; i < payload.length; i++)
            {
                payload[i] = (byte)i;
            }
            assertTrue(connection.sendBinary(new UnsafeBuffer(payload), 0, payload.length));
            assertArrayEquals(payload, echoes.poll(10, TimeUnit.SECONDS));

            final long afterEcho = awaitAtLeast(client, afterUpgrade + FRAME_HEADER_LENGTH + PAYLOAD_LENGTH);
            assertEquals(afterUpgrade + FRAME_HEADER_LENGTH + PAYLOAD_LENGTH, afterEcho);
        }
    }

    /**
     * The loop publishes the count at the end of the duty cycle that read the bytes: poll for it.
     */
    private static long awaitAtLeast(final WsmuxClient client, final long bytes) throws InterruptedException
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        long read;
        while ((read = client.bytesRead()) < bytes && System.nanoTime() - deadlineNs < 0)
        {
            Thread.sleep(1);
        }
        assertTrue(read >= bytes, "bytesRead=" + read + ", expected at least " + bytes);
        return read;
    }
}
