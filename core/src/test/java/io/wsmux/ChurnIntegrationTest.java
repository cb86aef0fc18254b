package io.wsmux;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import java.util.stream.Stream;

import io.wsmux.codec.FrameEncoder;
import io.wsmux.codec.Opcode;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Thousands of short connections through the echo server, from a raw socket client, ending every way a connection
 * can end: half with a clean close handshake, a quarter dropped once open (FIN inside a frame, or RST after an
 * echo), a quarter dropped during the upgrade request (FIN after half of it, or RST before any of it). Afterwards
 * the process must hold no more file descriptors than before, the server must count no open connection, and the
 * handler must have seen exactly one onClose per onOpen.
 */
class ChurnIntegrationTest
{
    private static final int CYCLES = 3000;
    private static final int THREADS = 4;
    private static final int FD_MARGIN = 16;
    private static final long WAIT_SECONDS = 15;
    private static final int SOCKET_TIMEOUT_MS = 5000;
    private static final Path FD_DIR = Paths.get("/proc/self/fd");

    // RFC 6455 §1.3: the sample key and the accept value it yields.
    private static final String KEY = "dGhlIHNhbXBsZSBub25jZQ==";
    private static final String ACCEPT = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

    private final AtomicInteger opened = new AtomicInteger();
    private final AtomicInteger closedNormally = new AtomicInteger();
    private final AtomicInteger closedAbnormally = new AtomicInteger();
    private final ConcurrentLinkedQueue<String> unexpected = new ConcurrentLinkedQueue<>();
    private WsmuxServer server;

    /**
     * How a cycle ends.
     */
    enum Ending
    {
        CLEAN_CLOSE,
        FIN_INSIDE_FRAME,
        RST_AFTER_ECHO,
        FIN_INSIDE_HANDSHAKE,
        RST_BEFORE_HANDSHAKE;

        static Ending of(final int cycle)
        {
            switch (cycle & 7)
            {
                case 2:
                    return FIN_INSIDE_FRAME;
                case 6:
                    return RST_AFTER_ECHO;
                case 3:
                    return FIN_INSIDE_HANDSHAKE;
                case 7:
                    return RST_BEFORE_HANDSHAKE;
                default:
                    return CLEAN_CLOSE;
            }
        }

        boolean opens()
        {
            return CLEAN_CLOSE == this || FIN_INSIDE_FRAME == this || RST_AFTER_ECHO == this;
        }
    }

    @AfterEach
    void closeServer()
    {
        if (null != server)
        {
            server.close();
        }
    }

    @Test
    @Timeout(90)
    void shouldReleaseEveryConnectionAfterThousandsOfCyclesEndingEveryWay() throws Exception
    {
        assumeTrue(Files.isDirectory(FD_DIR), "counts file descriptors in /proc/self/fd (Linux)");
        final ConcurrentLinkedQueue<Throwable> serverErrors = new ConcurrentLinkedQueue<>();
        server = WsmuxServer.builder(new WsmuxSettings().port(0).ioThreads(2))
            .anyPath(new CountingEchoHandler())
            .errorHandler(serverErrors::add)
            .build()
            .start();
        final InetSocketAddress address = new InetSocketAddress("127.0.0.1", server.port());

        // Warm up: the first sockets make the JDK open what it keeps open for good (and load the classes).
        for (int cycle = 0; cycle < 16; cycle++)
        {
            runCycle(address, cycle);
        }
        awaitValue(server::openConnections, 0, "open connections after warm-up");
        awaitValue(this::closes, opened.get(), "onClose calls after warm-up");
        final long fdsBefore = countOpenFds();
        final int openedBefore = opened.get();
        final int normalBefore = closedNormally.get();
        final int abnormalBefore = closedAbnormally.get();

        final ExecutorService executor = Executors.newFixedThreadPool(THREADS);
        try
        {
            final List<Callable<Void>> workers = new ArrayList<>();
            for (int t = 0; t < THREADS; t++)
            {
                final int first = t;
                workers.add(() ->
                {
                    for (int cycle = first; cycle < CYCLES; cycle += THREADS)
                    {
                        runCycle(address, cycle);
                    }
                    return null;
                });
            }
            for (final Future<Void> result : executor.invokeAll(workers))
            {
                try
                {
                    result.get();
                }
                catch (final ExecutionException ex)
                {
                    throw new AssertionError("a churn cycle failed: " + ex.getCause(), ex.getCause());
                }
            }
        }
        finally
        {
            executor.shutdownNow();
        }

        int expectOpened = 0;
        int expectAbnormal = 0;
        for (int cycle = 0; cycle < CYCLES; cycle++)
        {
            final Ending ending = Ending.of(cycle);
            expectOpened += ending.opens() ? 1 : 0;
            expectAbnormal += ending.opens() && Ending.CLEAN_CLOSE != ending ? 1 : 0;
        }

        awaitValue(server::openConnections, 0, "open connections after the churn");
        awaitValue(() -> opened.get() - openedBefore, expectOpened, "onOpen calls");
        awaitValue(() -> closedNormally.get() - normalBefore, expectOpened - expectAbnormal, "onClose calls with 1000");
        awaitValue(() -> closedAbnormally.get() - abnormalBefore, expectAbnormal, "onClose calls with 1006");

        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        long fdsAfter = countOpenFds();
        while (fdsAfter > fdsBefore + FD_MARGIN && System.nanoTime() - deadlineNs < 0)
        {
            Thread.sleep(10);
            fdsAfter = countOpenFds();
        }
        final long fdsLast = fdsAfter;
        assertTrue(fdsLast <= fdsBefore + FD_MARGIN, () -> "file descriptors before " + fdsBefore + ", after " +
            CYCLES + " cycles " + fdsLast + " (margin " + FD_MARGIN + ")");
        assertTrue(unexpected.isEmpty(), () -> "handler saw: " + unexpected);
        assertTrue(serverErrors.isEmpty(), () -> "server reported errors: " + serverErrors);
    }

    private int closes()
    {
        return closedNormally.get() + closedAbnormally.get();
    }

    private static void runCycle(final InetSocketAddress address, final int cycle) throws IOException
    {
        final Ending ending = Ending.of(cycle);
        try (Socket socket = new Socket())
        {
            socket.setSoTimeout(SOCKET_TIMEOUT_MS);
            socket.setTcpNoDelay(true);
            socket.connect(address, SOCKET_TIMEOUT_MS);
            final OutputStream out = socket.getOutputStream();
            final DataInputStream in = new DataInputStream(socket.getInputStream());
            final byte[] request = upgradeRequest(address, cycle);

            if (Ending.RST_BEFORE_HANDSHAKE == ending)
            {
                socket.setSoLinger(true, 0);
                return;
            }
            if (Ending.FIN_INSIDE_HANDSHAKE == ending)
            {
                out.write(request, 0, request.length / 2);
                out.flush();
                return;
            }

            out.write(request);
            out.flush();
            readUpgradeResponse(in, cycle);

            final byte[] scratch = new byte[256];
            final UnsafeBuffer frame = new UnsafeBuffer(scratch);
            final byte[] text = ("churn-" + cycle + "-\u2713").getBytes(StandardCharsets.UTF_8);
            final int maskKey = 0x9e3779b9 * (cycle + 1);
            final int frameLength =
                FrameEncoder.encodeMasked(frame, 0, true, Opcode.TEXT, new UnsafeBuffer(text), 0, text.length, maskKey);

            if (Ending.FIN_INSIDE_FRAME == ending)
            {
                out.write(scratch, 0, frameLength - 3);
                out.flush();
                return;
            }

            out.write(scratch, 0, frameLength);
            out.flush();
            expect(in, 0x80 | Opcode.TEXT, text, "echo", cycle);

            if (Ending.RST_AFTER_ECHO == ending)
            {
                socket.setSoLinger(true, 0);
                return;
            }

            final DirectBuffer reason = new UnsafeBuffer("bye".getBytes(StandardCharsets.US_ASCII));
            final int closeLength = FrameEncoder.encodeMaskedClose(frame, 0, 1000, reason, 0, 3, maskKey);
            out.write(scratch, 0, closeLength);
            out.flush();
            // RFC 6455 §5.5.1: the reply echoes the status code; the server then closes TCP first (§7.1.1).
            expect(in, 0x80 | Opcode.CLOSE, new byte[]{ 0x03, (byte)0xe8 }, "close reply", cycle);
            final int afterClose = in.read();
            if (-1 != afterClose)
            {
                fail("cycle " + cycle + ": expected end of stream after the close reply, read " + afterClose);
            }
        }
    }

    private static byte[] upgradeRequest(final InetSocketAddress address, final int cycle)
    {
        return ("GET /churn?cycle=" + cycle + " HTTP/1.1\r\n" +
            "Host: " + address.getHostString() + ":" + address.getPort() + "\r\n" +
            "Upgrade: websocket\r\n" +
            "Connection: Upgrade\r\n" +
            "Sec-WebSocket-Key: " + KEY + "\r\n" +
            "Sec-WebSocket-Version: 13\r\n" +
            "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    private static void readUpgradeResponse(final InputStream in, final int cycle) throws IOException
    {
        final ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4)
        {
            final int b = in.read();
            if (-1 == b)
            {
                fail("cycle " + cycle + ": connection closed during the upgrade response: " + head);
            }
            head.write(b);
            matched = ((0 == (matched & 1) && '\r' == b) || (1 == (matched & 1) && '\n' == b)) ? matched + 1 :
                ('\r' == b ? 1 : 0);
        }
        final String response = head.toString(StandardCharsets.US_ASCII);
        if (!response.startsWith("HTTP/1.1 101 ") || !response.contains("\r\nSec-WebSocket-Accept: " + ACCEPT + "\r\n"))
        {
            fail("cycle " + cycle + ": unexpected upgrade response:\n" + response);
        }
    }

    private static void expect(
        final DataInputStream in, final int firstByte, final byte[] payload, final String what, final int cycle)
        throws IOException
    {
        final int b0 = in.readUnsignedByte();
        final int b1 = in.readUnsignedByte();
        if (firstByte != b0 || payload.length != b1)
        {
            fail("cycle " + cycle + ": " + what + " header " + Integer.toHexString(b0) + " " +
                Integer.toHexString(b1) + ", expected " + Integer.toHexString(firstByte) + " " +
                Integer.toHexString(payload.length));
        }
        final byte[] actual = new byte[payload.length];
        in.readFully(actual);
        ClientInteropIntegrationTest.assertSameBytes(payload, actual, "cycle " + cycle + ": " + what);
    }

    private static long countOpenFds() throws IOException
    {
        try (Stream<Path> fds = Files.list(FD_DIR))
        {
            return fds.count();
        }
    }

    private static void awaitValue(final IntSupplier value, final int expected, final String what)
        throws InterruptedException
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (value.getAsInt() != expected && System.nanoTime() - deadlineNs < 0)
        {
            Thread.sleep(2);
        }
        assertEquals(expected, value.getAsInt(), what);
    }

    /**
     * Echoes and counts opens and closes by code.
     */
    final class CountingEchoHandler implements WebSocketHandler
    {
        private final EchoHandler echo = new EchoHandler();

        @Override
        public void onOpen(final Connection connection)
        {
            opened.incrementAndGet();
        }

        @Override
        public void onText(final Connection connection, final DirectBuffer buffer, final int offset, final int length)
        {
            echo.onText(connection, buffer, offset, length);
        }

        @Override
        public void onBinary(
            final Connection connection, final DirectBuffer buffer, final int offset, final int length)
        {
            echo.onBinary(connection, buffer, offset, length);
        }

        @Override
        public void onClose(final Connection connection, final int code, final String reason)
        {
            if (1000 == code && "bye".equals(reason))
            {
                closedNormally.incrementAndGet();
            }
            else if (1006 == code)
            {
                closedAbnormally.incrementAndGet();
            }
            else
            {
                unexpected.add("onClose " + code + " " + reason + " on " + connection.query());
            }
        }

        @Override
        public void onError(final Connection connection, final Throwable error)
        {
            unexpected.add("onError " + error + " on " + connection.query());
        }
    }
}
