package io.wsmux.perf.load;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;

import io.wsmux.codec.sockjs.SockJsJson;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * One SockJS session over xhr_streaming, as a browser's sockjs-client runs it (docs/protocol.md, "SockJS"):
 * <ul>
 *     <li>the receiver: one kept-alive HTTP/1.1 connection that POSTs {@code PREFIX/S/I/xhr_streaming} and reads the
 *     chunked answer (the 2,048-byte prelude, {@code o}, then frames); when the server ends a response at its
 *     {@code wsmux.sockjs.response.limit} it POSTs again at once on the same connection (on a new one if the server
 *     said {@code Connection: close}), and the messages the server queued in between come in the next response;</li>
 *     <li>the sender: {@link #send} POSTs {@code PREFIX/S/I/xhr_send} with a JSON array of strings on a second
 *     connection, opened for the purpose, kept while more sends wait and closed when none do (204 expected).</li>
 * </ul>
 * Reads go through the loop's one buffer: {@link HttpResponseDecoder} hands the chunks' data, in place, to
 * {@link SockJsFrameDecoder}, which hands each message to the handler; nothing is allocated per message or frame
 * (a message split across reads or holding escapes is decoded into the session's spill buffer, allocated once).
 * <p>
 * Not thread safe: owned by one {@link XhrStreamingClient} loop; {@link #requestAbort()} alone may be called from
 * any thread.
 */
final class XhrStreamingSession implements SockJsFrameDecoder.Handler
{
    /** The close code the client reports for failures of its own seeing (RFC 6455's "abnormal closure"). */
    static final int CLIENT_FAILURE = 1006;

    private static final int NEW = 0;
    private static final int CONNECTING = 1;
    private static final int OPEN = 2;
    private static final int CLOSED = 3;

    final XhrStreamingClient client;
    final XhrStreamingHandler handler;
    final CompletableFuture<XhrStreamingSession> opened = new CompletableFuture<>();
    private final String id;
    private final InetSocketAddress source;
    private final String sendHead;
    private final Leg receiver;
    private final SockJsFrameDecoder frames = new SockJsFrameDecoder(this);
    private Leg sender;
    private ArrayDeque<byte[]> sends;
    private int state = NEW;
    private long responses;
    /** Set by any thread to have the loop close the session (a connect that timed out, say). */
    volatile boolean abortRequested;

    /**
     * @param client  the loop that owns it.
     * @param id      the session id, unique on the server, without '.' or '/'.
     * @param host    the Host header's value.
     * @param path    the SockJS prefix, then "/server-id/session-id", e.g. {@code /sockjs/042/x1-7}.
     * @param handler its callbacks.
     * @param source  the local address to bind both connections to, or null.
     */
    XhrStreamingSession(
        final XhrStreamingClient client,
        final String id,
        final String host,
        final String path,
        final XhrStreamingHandler handler,
        final InetSocketAddress source)
    {
        this.client = client;
        this.id = id;
        this.handler = handler;
        this.source = source;
        final byte[] streamRequest = ("POST " + path + "/xhr_streaming HTTP/1.1\r\nHost: " + host +
            "\r\nContent-Length: 0\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        this.receiver = new Leg(true, ByteBuffer.wrap(streamRequest));
        this.sendHead = "POST " + path + "/xhr_send HTTP/1.1\r\nHost: " + host +
            "\r\nContent-Type: text/plain;charset=UTF-8\r\nContent-Length: ";
    }

    /**
     * @return the session id.
     */
    String id()
    {
        return id;
    }

    /**
     * @return true from the {@code o} frame until the session ends.
     */
    boolean isOpen()
    {
        return OPEN == state;
    }

    /**
     * @return xhr_streaming responses begun so far (1 + the re-POSTs); on the loop thread.
     */
    long responses()
    {
        return responses;
    }

    /**
     * Send messages with xhr_send, in order; on the loop thread, once open. Cold path: allocates the body.
     *
     * @param messages UTF-8 text each.
     */
    void send(final String... messages)
    {
        if (OPEN != state)
        {
            return;
        }
        final UnsafeBuffer body = new UnsafeBuffer(new byte[2 + messages.length + maxQuoted(messages)]);
        int at = 0;
        body.putByte(at++, (byte)'[');
        for (int i = 0; i < messages.length; i++)
        {
            if (i > 0)
            {
                body.putByte(at++, (byte)',');
            }
            final byte[] text = messages[i].getBytes(StandardCharsets.UTF_8);
            at += SockJsJson.quote(new UnsafeBuffer(text), 0, text.length, body, at);
        }
        body.putByte(at++, (byte)']');
        final byte[] head = (sendHead + at + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        final byte[] request = new byte[head.length + at];
        System.arraycopy(head, 0, request, 0, head.length);
        body.getBytes(0, request, head.length, at);
        if (null == sends)
        {
            sends = new ArrayDeque<>();
        }
        sends.addLast(request);
        if (null == sender)
        {
            sender = new Leg(false, null);
        }
        if (null == sender.channel)
        {
            sender.open();
        }
        else if (sender.idle())
        {
            sender.writeNext();
        }
    }

    private static int maxQuoted(final String[] messages)
    {
        int length = 0;
        for (final String message : messages)
        {
            length += SockJsJson.maxQuotedLength(message.getBytes(StandardCharsets.UTF_8).length);
        }
        return length;
    }

    /**
     * Ask the loop to close the session; any thread.
     */
    void requestAbort()
    {
        abortRequested = true;
        client.enqueue(this);
    }

    /**
     * Start: connect the receiver and POST xhr_streaming. On the loop thread.
     */
    void start()
    {
        if (NEW != state)
        {
            return;
        }
        state = CONNECTING;
        client.sessionStarted();
        receiver.open();
    }

    /**
     * Close both connections without telling the handler (the client's own close). On the loop thread.
     */
    void close()
    {
        end(CLIENT_FAILURE, "closed by the client", false);
    }

    // ---- frames, from the receiver ----

    @Override
    public void onOpenFrame()
    {
        if (CONNECTING != state)
        {
            fail("a second o frame");
            return;
        }
        state = OPEN;
        opened.complete(this);
        handler.onOpen(this);
    }

    @Override
    public void onMessage(final DirectBuffer buffer, final int offset, final int length)
    {
        if (OPEN == state)
        {
            handler.onMessage(this, buffer, offset, length);
        }
        else
        {
            fail("a message before the o frame");
        }
    }

    @Override
    public void onCloseFrame(final int code, final String reason)
    {
        end(code, reason, true);
    }

    @Override
    public void onMalformed(final String reason)
    {
        fail("not SockJS: " + reason);
    }

    void fail(final String reason)
    {
        end(CLIENT_FAILURE, reason, true);
    }

    private void end(final int code, final String reason, final boolean notify)
    {
        if (CLOSED == state)
        {
            return;
        }
        final boolean wasOpen = OPEN == state;
        final boolean started = NEW != state;
        state = CLOSED;
        frames.abort(); // a decode in progress stops here
        receiver.decoder.abort();
        receiver.closeChannel();
        if (null != sender)
        {
            sender.decoder.abort();
            sender.closeChannel();
        }
        if (started)
        {
            client.sessionEnded();
        }
        if (!wasOpen)
        {
            opened.completeExceptionally(new IOException("session " + id + ": " + code + " " + reason));
        }
        else if (notify)
        {
            handler.onClose(this, code, reason);
        }
    }

    // ---- the receiver's responses ----

    private void onReceiverHead(final int status)
    {
        if (200 != status)
        {
            receiver.decoder.abort();
            fail("xhr_streaming answered " + status);
            return;
        }
        responses++;
        frames.reset();
    }

    private void onReceiverEnd()
    {
        if (CLOSED == state)
        {
            return;
        }
        if (!frames.atFrameStart())
        {
            fail("an xhr_streaming response ended inside a frame");
            return;
        }
        if (receiver.decoder.connectionClose())
        {
            receiver.closeChannel();
            receiver.open();
        }
        else
        {
            receiver.request.rewind();
            receiver.write();
        }
    }

    // ---- the sender's responses ----

    private void onSenderHead(final int status)
    {
        if (204 != status)
        {
            sender.decoder.abort();
            fail("xhr_send answered " + status);
        }
    }

    private void onSenderEnd()
    {
        if (CLOSED == state)
        {
            return;
        }
        sender.request = null;
        if (sends.isEmpty())
        {
            sender.closeChannel(); // short-lived: opened again for the next send
        }
        else if (sender.decoder.connectionClose())
        {
            sender.closeChannel();
            sender.open();
        }
        else
        {
            sender.writeNext();
        }
    }

    /**
     * One HTTP connection of the session: the receiver's or the sender's. Owns the channel, the request being
     * written and the response decoder.
     */
    final class Leg implements HttpResponseDecoder.Handler
    {
        final boolean receives;
        final HttpResponseDecoder decoder = new HttpResponseDecoder(this);
        SocketChannel channel;
        ByteBuffer request;
        private SelectionKey key;
        private boolean connected;

        Leg(final boolean receives, final ByteBuffer request)
        {
            this.receives = receives;
            this.request = request;
        }

        XhrStreamingSession session()
        {
            return XhrStreamingSession.this;
        }

        boolean idle()
        {
            return connected && null == request;
        }

        void open()
        {
            decoder.reset();
            connected = false;
            try
            {
                channel = SocketChannel.open();
                channel.configureBlocking(false);
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                if (null != source)
                {
                    channel.bind(source);
                }
                if (channel.connect(client.serverAddress()))
                {
                    key = client.register(channel, 0, this);
                    onConnected();
                }
                else
                {
                    key = client.register(channel, SelectionKey.OP_CONNECT, this);
                }
            }
            catch (final IOException ex)
            {
                fail((receives ? "xhr_streaming" : "xhr_send") + " connect: " + ex);
            }
        }

        /**
         * The channel is ready for what the key says.
         */
        void onReady(final SelectionKey readyKey)
        {
            try
            {
                final int ready = readyKey.readyOps();
                if (0 != (ready & SelectionKey.OP_CONNECT))
                {
                    if (channel.finishConnect())
                    {
                        onConnected();
                    }
                    return;
                }
                if (0 != (ready & SelectionKey.OP_WRITE))
                {
                    write();
                }
                if (0 != (ready & SelectionKey.OP_READ) && readyKey == key)
                {
                    client.read(this);
                }
            }
            catch (final IOException ex)
            {
                onIoFailure(ex);
            }
        }

        private void onConnected()
        {
            connected = true;
            if (receives)
            {
                request.rewind();
                write();
            }
            else
            {
                writeNext();
            }
        }

        void writeNext()
        {
            request = ByteBuffer.wrap(sends.pollFirst());
            write();
        }

        void write()
        {
            try
            {
                channel.write(request);
                key.interestOps(request.hasRemaining() ? SelectionKey.OP_WRITE : SelectionKey.OP_READ);
            }
            catch (final IOException ex)
            {
                onIoFailure(ex);
            }
        }

        void onIoFailure(final IOException ex)
        {
            if (CLOSED != state)
            {
                fail((receives ? "xhr_streaming" : "xhr_send") + " connection: " + ex);
            }
        }

        /**
         * The server closed the connection.
         */
        void onEndOfStream()
        {
            final SocketChannel ended = channel;
            decoder.onEndOfStream(); // a body that ran until the end is complete now (the receiver reconnects)
            if (CLOSED == state || channel != ended)
            {
                return;
            }
            if (receives || null != request)
            {
                fail((receives ? "xhr_streaming" : "xhr_send") + " connection ended by the server");
            }
            else
            {
                closeChannel(); // an idle sender: the server may end a kept-alive connection
            }
        }

        void closeChannel()
        {
            if (null != channel)
            {
                try
                {
                    channel.close(); // cancels the key
                }
                catch (final IOException ignore)
                {
                    // closing: nothing to do
                }
                channel = null;
                key = null;
                connected = false;
            }
        }

        @Override
        public void onResponseHead(final int status)
        {
            if (receives)
            {
                onReceiverHead(status);
            }
            else
            {
                onSenderHead(status);
            }
        }

        @Override
        public void onBody(final DirectBuffer buffer, final int offset, final int length)
        {
            if (receives)
            {
                frames.decode(buffer, offset, length);
            }
        }

        @Override
        public void onResponseEnd()
        {
            if (receives)
            {
                onReceiverEnd();
            }
            else
            {
                onSenderEnd();
            }
        }

        @Override
        public void onMalformed(final String reason)
        {
            fail("not HTTP/1.1: " + reason);
        }
    }
}
