package io.wsmux;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static io.wsmux.AwaitCount.awaitCount;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link CutProxy} in front of a tiny blocking echo server, and in front of a real {@link WsmuxServer} with the JDK's
 * WebSocket client.
 */
@Timeout(30)
class CutProxyTest
{
    /** A cut peer must see EOF or a reset well within this; a read that times out instead fails the test. */
    private static final int CUT_SEEN_WITHIN_MS = 3_000;

    private EchoServer echo;
    private CutProxy proxy;

    @BeforeEach
    void start() throws IOException
    {
        echo = new EchoServer();
        proxy = CutProxy.start(echo.address());
    }

    @AfterEach
    void stop()
    {
        proxy.close();
        echo.close();
    }

    @Test
    void shouldForwardBothWaysIncludingOneMebibyte() throws Exception
    {
        try (Socket client = connect())
        {
            assertEcho(client, "hello");

            final byte[] payload = new byte[1024 * 1024];
            new Random(17).nextBytes(payload);
            final CompletableFuture<Void> written = CompletableFuture.runAsync(() ->
            {
                try
                {
                    client.getOutputStream().write(payload);
                }
                catch (final IOException ex)
                {
                    throw new IllegalStateException(ex);
                }
            });
            final byte[] received = client.getInputStream().readNBytes(payload.length);
            written.get(5, TimeUnit.SECONDS);
            assertArrayEquals(payload, received);
            awaitCount("bytesForwarded", proxy::bytesForwarded, 2L * (5 + payload.length));
            assertEquals(1, proxy.accepted());
            assertEquals(1, proxy.open());
        }
        awaitCount("open", proxy::open, 0);
    }

    @Test
    void shouldResetEveryOpenConnectionOnCutAllAndForwardNewOnes() throws Exception
    {
        try (Socket first = connect(); Socket second = connect())
        {
            assertEcho(first, "one");
            assertEcho(second, "two");
            assertEquals(2, proxy.open());

            assertEquals(2, proxy.cutAll());
            assertCut(first);
            assertCut(second);
            assertEquals(0, proxy.open());
            assertEquals(1, proxy.cuts());
            assertEquals(2, proxy.connectionsCut());
        }
        try (Socket again = connect())
        {
            assertEcho(again, "after the cut");
        }
        awaitCount("open", proxy::open, 0);
        assertEquals(0, proxy.cutAll());
        assertEquals(2, proxy.cuts());
    }

    @Test
    void shouldCloseWithEofOnCloseAll() throws Exception
    {
        try (Socket client = connect())
        {
            assertEcho(client, "hello");
            assertEquals(1, proxy.closeAll());
            client.setSoTimeout(CUT_SEEN_WITHIN_MS);
            assertEquals(-1, client.getInputStream().read());
        }
    }

    @Test
    void shouldRefuseWhilePausedAndForwardAfterResume() throws Exception
    {
        proxy.pause();
        assertRefused(proxy.address());
        assertRefused(proxy.address());
        assertEquals(2, proxy.refused());
        assertEquals(0, proxy.accepted());

        proxy.resume();
        try (Socket client = connect())
        {
            assertEcho(client, "back");
        }
        assertEquals(1, proxy.accepted());
    }

    @Test
    void shouldCutOnARandomScheduleThenStop() throws Exception
    {
        final long seed = System.nanoTime();
        System.out.println("shouldCutOnARandomScheduleThenStop seed=" + seed);
        final Socket client = connect();
        assertEcho(client, "before");

        final CompletableFuture<Integer> schedule =
            proxy.cutRandomly(new Random(seed), Duration.ofMillis(20), Duration.ofMillis(80), 3);
        final int connections = schedule.get(5, TimeUnit.SECONDS);

        assertEquals(3, proxy.cuts());
        assertTrue(connections >= 1, "connections=" + connections);
        assertEquals(connections, proxy.connectionsCut());
        assertCut(client);
        client.close();
        awaitNoThreads(proxy.threadNamePrefix() + "cutter");
    }

    @Test
    void shouldCloseClientPromptlyWhenTargetIsDown() throws Exception
    {
        final InetSocketAddress down;
        try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            down = new InetSocketAddress(InetAddress.getLoopbackAddress(), closed.getLocalPort());
        }
        try (CutProxy toNowhere = CutProxy.start(down))
        {
            assertRefused(toNowhere.address());
            awaitCount("open", toNowhere::open, 0);
            assertEquals(1, toNowhere.accepted());
        }
    }

    @Test
    void shouldEndAllThreadsAndStopListeningOnClose() throws Exception
    {
        final Socket first = connect();
        final Socket second = connect();
        assertEcho(first, "one");
        assertEcho(second, "two");
        final CompletableFuture<Integer> schedule =
            proxy.cutRandomly(new Random(1), Duration.ofSeconds(10), Duration.ofSeconds(20), 5);

        proxy.close();
        proxy.close();

        awaitNoThreads(proxy.threadNamePrefix());
        assertTrue(schedule.isCancelled());
        assertCut(first);
        assertCut(second);
        first.close();
        second.close();
        assertThrows(ConnectException.class, this::connect);
        assertEquals(0, proxy.open());
    }

    @Test
    void shouldCutTheJdkWebSocketClientOfAWsmuxServer() throws Exception
    {
        try (WsmuxServer server = WsmuxServer.builder(new WsmuxSettings().port(0).ioThreads(1))
            .anyPath(new EchoHandler()).build().start();
            CutProxy toServer = CutProxy.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.port())))
        {
            final HttpClient httpClient = HttpClient.newHttpClient();
            final URI uri = URI.create("ws://127.0.0.1:" + toServer.port() + "/echo");
            final Listener listener = new Listener();
            final WebSocket webSocket =
                httpClient.newWebSocketBuilder().buildAsync(uri, listener).get(5, TimeUnit.SECONDS);
            webSocket.sendText("hello", true).get(5, TimeUnit.SECONDS);
            assertEquals("hello", listener.next());
            assertEquals(1, server.openConnections());

            assertEquals(1, toServer.cutAll());
            final String ending = listener.ended.get(5, TimeUnit.SECONDS);
            assertTrue(ending.startsWith("onError") || ending.startsWith("onClose"), ending);
            awaitCount("openConnections", server::openConnections, 0);

            final Listener again = new Listener();
            final WebSocket reconnected = httpClient.newWebSocketBuilder().buildAsync(uri, again)
                .get(5, TimeUnit.SECONDS);
            reconnected.sendText("after the cut", true).get(5, TimeUnit.SECONDS);
            assertEquals("after the cut", again.next());
            reconnected.abort();
        }
    }

    private Socket connect() throws IOException
    {
        final Socket socket = new Socket();
        try
        {
            socket.connect(proxy.address(), 1_000);
            return socket;
        }
        catch (final IOException ex)
        {
            socket.close();
            throw ex;
        }
    }

    /**
     * A refused connection is reset at once: the reset may beat the end of the client's connect, or its first read.
     */
    private static void assertRefused(final InetSocketAddress address) throws IOException
    {
        try (Socket socket = new Socket())
        {
            try
            {
                socket.connect(address, 1_000);
            }
            catch (final SocketTimeoutException ex)
            {
                fail("connect timed out: " + ex);
            }
            catch (final IOException ex)
            {
                return;
            }
            assertCut(socket);
        }
    }

    private static void assertEcho(final Socket client, final String text) throws IOException
    {
        final byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        client.setSoTimeout(5_000);
        client.getOutputStream().write(bytes);
        assertArrayEquals(bytes, client.getInputStream().readNBytes(bytes.length));
    }

    /**
     * The peer of a cut sees EOF or a reset, not silence: either ends the read well within the timeout.
     */
    private static void assertCut(final Socket client) throws IOException
    {
        client.setSoTimeout(CUT_SEEN_WITHIN_MS);
        final long startNs = System.nanoTime();
        try
        {
            final byte[] rest = client.getInputStream().readAllBytes();
            assertEquals(0, rest.length, "bytes after the cut: " + Arrays.toString(rest));
        }
        catch (final SocketTimeoutException ex)
        {
            fail("no EOF or reset within " + CUT_SEEN_WITHIN_MS + " ms");
        }
        catch (final IOException ex)
        {
            // a reset: what a cut is meant to look like
        }
        final long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs);
        assertTrue(elapsedMs < CUT_SEEN_WITHIN_MS, "elapsedMs=" + elapsedMs);
    }

    private static void awaitNoThreads(final String prefix) throws InterruptedException
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        List<String> alive = threadsNamed(prefix);
        while (!alive.isEmpty() && System.nanoTime() - deadlineNs < 0)
        {
            Thread.sleep(10);
            alive = threadsNamed(prefix);
        }
        assertEquals(List.of(), alive, "threads named " + prefix + "* still alive");
    }

    private static List<String> threadsNamed(final String prefix)
    {
        final List<String> names = new ArrayList<>();
        for (final Thread thread : Thread.getAllStackTraces().keySet())
        {
            if (thread.isAlive() && thread.getName().startsWith(prefix))
            {
                names.add(thread.getName());
            }
        }
        return names;
    }

    /**
     * Collects whole text messages and how the connection ended.
     */
    private static final class Listener implements WebSocket.Listener
    {
        private final BlockingQueue<String> texts = new LinkedBlockingQueue<>();
        private final CompletableFuture<String> ended = new CompletableFuture<>();
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(final WebSocket webSocket, final CharSequence data, final boolean last)
        {
            partial.append(data);
            if (last)
            {
                texts.add(partial.toString());
                partial.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(final WebSocket webSocket, final int statusCode, final String reason)
        {
            ended.complete("onClose " + statusCode + " " + reason);
            return null;
        }

        @Override
        public void onError(final WebSocket webSocket, final Throwable error)
        {
            ended.complete("onError " + error);
        }

        String next() throws InterruptedException
        {
            final String text = texts.poll(5, TimeUnit.SECONDS);
            if (null == text)
            {
                fail("no text within 5 s");
            }
            return text;
        }
    }

    /**
     * Echoes every byte back on each accepted connection, one daemon thread per connection; closes on EOF.
     */
    private static final class EchoServer implements AutoCloseable
    {
        private final ServerSocket serverSocket;
        private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();

        EchoServer() throws IOException
        {
            serverSocket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            daemon("echo-accept", this::acceptLoop);
        }

        InetSocketAddress address()
        {
            return new InetSocketAddress(InetAddress.getLoopbackAddress(), serverSocket.getLocalPort());
        }

        private void acceptLoop()
        {
            while (!serverSocket.isClosed())
            {
                try
                {
                    final Socket socket = serverSocket.accept();
                    sockets.add(socket);
                    daemon("echo-" + socket.getPort(), () -> echo(socket));
                }
                catch (final IOException ex)
                {
                    return;
                }
            }
        }

        private void echo(final Socket socket)
        {
            try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream())
            {
                in.transferTo(out);
            }
            catch (final IOException ex)
            {
                // reset by a cut: this connection is done
            }
            finally
            {
                sockets.remove(socket);
            }
        }

        private static void daemon(final String name, final Runnable task)
        {
            final Thread thread = new Thread(task, name);
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void close()
        {
            try
            {
                serverSocket.close();
                for (final Socket socket : sockets)
                {
                    socket.close();
                }
            }
            catch (final IOException ex)
            {
                throw new IllegalStateException(ex);
            }
        }
    }
}
