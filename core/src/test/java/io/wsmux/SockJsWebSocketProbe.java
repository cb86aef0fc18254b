package io.wsmux;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A JDK {@link WebSocket} client for the SockJS WebSocket transports: collects whole text messages in order and the
 * close the server sends. Every wait is bounded.
 */
final class SockJsWebSocketProbe implements WebSocket.Listener, AutoCloseable
{
    static final long WAIT_MS = 5_000;

    private final BlockingQueue<String> texts = new LinkedBlockingQueue<>();
    private final CompletableFuture<String> closed = new CompletableFuture<>();
    private final StringBuilder partial = new StringBuilder();
    private volatile boolean binaryReceived;
    private WebSocket webSocket;

    /**
     * @param client the JDK client.
     * @param port   on 127.0.0.1.
     * @param path   the request path.
     * @return an open probe.
     * @throws Exception when the handshake fails or times out.
     */
    static SockJsWebSocketProbe open(final HttpClient client, final int port, final String path) throws Exception
    {
        final SockJsWebSocketProbe probe = new SockJsWebSocketProbe();
        probe.webSocket = client.newWebSocketBuilder()
            .buildAsync(URI.create("ws://127.0.0.1:" + port + path), probe)
            .get(WAIT_MS, TimeUnit.MILLISECONDS);
        return probe;
    }

    @Override
    public CompletionStage<?> onText(final WebSocket socket, final CharSequence data, final boolean last)
    {
        partial.append(data);
        if (last)
        {
            texts.add(partial.toString());
            partial.setLength(0);
        }
        socket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onBinary(final WebSocket socket, final java.nio.ByteBuffer data, final boolean last)
    {
        binaryReceived = true;
        socket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(final WebSocket socket, final int statusCode, final String reason)
    {
        closed.complete(statusCode + " " + reason);
        return null;
    }

    @Override
    public void onError(final WebSocket socket, final Throwable error)
    {
        closed.complete("error " + error);
    }

    void send(final String text) throws Exception
    {
        webSocket.sendText(text, true).get(WAIT_MS, TimeUnit.MILLISECONDS);
    }

    void sendBinary(final byte[] bytes) throws Exception
    {
        webSocket.sendBinary(java.nio.ByteBuffer.wrap(bytes), true).get(WAIT_MS, TimeUnit.MILLISECONDS);
    }

    /**
     * @return the next text message.
     * @throws Exception when none arrives in time.
     */
    String next() throws Exception
    {
        final String text = texts.poll(WAIT_MS, TimeUnit.MILLISECONDS);
        if (null == text)
        {
            throw new AssertionError("no text message within " + WAIT_MS + " ms; closed: " + closed.getNow(null));
        }
        return text;
    }

    /**
     * @param waitMs how long to wait.
     * @return the next text message, or null when none came meanwhile.
     * @throws InterruptedException if interrupted.
     */
    String poll(final long waitMs) throws InterruptedException
    {
        return texts.poll(waitMs, TimeUnit.MILLISECONDS);
    }

    /**
     * @return "code reason" of the server's close, or "error ..." when the connection failed.
     * @throws Exception when the server does not close in time.
     */
    String awaitClose() throws Exception
    {
        return closed.get(WAIT_MS, TimeUnit.MILLISECONDS);
    }

    boolean binaryReceived()
    {
        return binaryReceived;
    }

    @Override
    public void close()
    {
        if (null != webSocket)
        {
            webSocket.abort();
        }
    }
}
