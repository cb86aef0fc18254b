package io.wsmux.client;

import java.io.IOException;
import java.net.ProtocolException;
import java.net.URI;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.zip.Deflater;

import io.wsmux.MessageAssembler;
import io.wsmux.codec.CloseCode;
import io.wsmux.codec.CloseFrame;
import io.wsmux.codec.CloseReason;
import io.wsmux.codec.FrameDecoder;
import io.wsmux.codec.FrameDescriptor;
import io.wsmux.codec.FrameEncoder;
import io.wsmux.codec.FrameHandler;
import io.wsmux.codec.Masking;
import io.wsmux.codec.Opcode;
import io.wsmux.codec.deflate.DeflateNegotiation;
import io.wsmux.codec.deflate.MessageDeflater;
import io.wsmux.codec.deflate.MessageInflater;
import io.wsmux.transport.IoLoop;
import io.wsmux.transport.TcpConnection;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The client side of one WebSocket (RFC 6455) over a {@link TcpConnection} of a {@link WsmuxClient}'s loop.
 * <pre>
 *  HANDSHAKE --valid 101--> OPEN --close sent--> CLOSE_SENT --server's close--> CLOSED --server's FIN--> socket closed
 *      |                     |--server's close (its code echoed)-------------> CLOSED    (or the close timeout)
 *      |                     '--violation by the server (close sent)---------> CLOSED
 *      '--anything but a valid 101, timeout, EOF: the connect future fails, the socket is closed
 * </pre>
 * RFC 6455 §7.1.1: the server closes TCP first, so after the close handshake the client waits for the server's FIN,
 * and closes the socket itself only after the close timeout. {@link ClientHandler#onClose} runs once, when the
 * socket is closed.
 * <p>
 * <b>Receiving</b>: a message that arrived whole in one read is handed to the handler straight from the loop's read
 * buffer, allocating nothing; one that spans reads or fragments is assembled in a pooled growable buffer. Pings are
 * answered with a pong of the same payload.
 * <p>
 * <b>Sending</b> is safe from any thread. On the client's I/O thread (in a handler callback) a message is framed and
 * masked into the loop's scratch buffer and written at once. From another thread it is copied into the loop's
 * command ring buffer and written when the loop drains it, without allocating; a message longer than one command
 * ({@link IoLoop#maxCommandLength()}) travels as several commands that the loop assembles into one frame, so the
 * messages one thread sends always go out in the order it sent them. The send methods return false when the
 * connection is not open or the ring buffer is full (back-pressure: retry later).
 * <p>
 * <b>Masking</b> (§5.3): every frame is masked with a key drawn from a {@link SplittableRandom} of this connection
 * (or, with {@link ClientSettings#zeroMaskKey(boolean)}, data frames with the key 0, for load generation),
 * split from the client's. Fast, but not the "strong source of entropy" the RFC asks for, which guards browsers
 * running untrusted scripts against cache poisoning of intermediaries; a test or load client sending its own data
 * does not need it. The Sec-WebSocket-Key nonce comes from the same generator.
 * <p>
 * <b>permessage-deflate</b> (RFC 7692), with {@link ClientSettings#perMessageDeflate(boolean)}: the handshake offers
 * {@code permessage-deflate; client_max_window_bits} and fails on a response the RFC does not allow. Once agreed,
 * compressed messages from the server are inflated whole, bounded by {@link ClientSettings#maxMessageLength()} while
 * inflating (1009 past it, 1007 for corrupt data), with the loop's shared inflater when the server compresses each
 * message on its own ({@code server_no_context_takeover}), else with the connection's own. Messages of at least
 * {@link ClientSettings#deflateMinLength()} bytes go out compressed (RSV1, one frame, masked), on the loop thread
 * whoever sent them: with the loop's shared compressor when the server asked {@code client_no_context_takeover}
 * (then a message that does not get smaller goes out plain), else with the connection's own, which keeps its
 * context; in pieces of the server's {@code client_max_window_bits} when it named one.
 * <p>
 * <b>Not thread safe</b> but for the send, close and accessor methods, which hand work to the loop.
 */
public final class WebSocketClientConnection extends MessageAssembler
{
    static final int STATE_HANDSHAKE = 0;
    static final int STATE_OPEN = 1;
    static final int STATE_CLOSE_SENT = 2;
    static final int STATE_CLOSED = 3;

    private static final int KEY_LENGTH = 16;
    private static final byte[] NO_BYTES = new byte[0];
    private static final UnsafeBuffer EMPTY = new UnsafeBuffer(NO_BYTES);
    private static final UnsafeBuffer INTERNAL_ERROR = new UnsafeBuffer(utf8("internal error"));
    private static final UnsafeBuffer GOING_AWAY = new UnsafeBuffer(utf8("client closing"));

    private static final short DEFLATE_ON = 1;
    /** The server keeps its compression context: an inflater of this connection's own. */
    private static final short DEFLATE_SERVER_CONTEXT = 2;
    /** The client keeps its compression context: a compressor of this connection's own. */
    private static final short DEFLATE_CLIENT_CONTEXT = 4;
    private static final int DEFLATE_WINDOW_SHIFT = 8;

    private final ClientContext context;
    private final ConnectRequest request;
    private final ClientHandler handler;
    private final SplittableRandom random;
    private final FrameDecoder decoder;
    private final FrameEvents frameEvents = new FrameEvents();
    private final ClientConnectionProxy proxy;

    private volatile int state = STATE_HANDSHAKE;
    private UpgradeResponseParser responseParser;
    private WebSocketHandshakeException handshakeFailure;
    private String expectedAccept;
    private String subprotocol;
    private LoopCommandListener commandListener;
    private volatile Object attachment;

    private ExpandableArrayBuffer partsBuffer;
    private int partsLength;

    /**
     * permessage-deflate as agreed: 0 (not), or {@link #DEFLATE_ON} with the flags above and the client's window bits
     * from bit {@link #DEFLATE_WINDOW_SHIFT}. Written before the volatile state turns OPEN, then only read.
     */
    private short deflate;
    /** This connection's own inflater (the server keeps its context), made on the first compressed message. */
    private MessageInflater inflater;
    /** This connection's own compressor (the client keeps its context), made on the first compressed send. */
    private MessageDeflater deflater;

    private boolean opened;
    private boolean closeRecorded;
    private int closeCode = CloseCode.ABNORMAL;
    private String closeReason = "";
    private boolean closeNotified;

    /**
     * A party on the loop that receives commands other threads send with {@link #offerListenerCommand}; lets
     * {@link MuxClient} change channel state on the loop thread in order with the messages sent before.
     */
    interface LoopCommandListener
    {
        /**
         * @param kind  0 to {@link ClientConnectionProxy#MAX_LISTENER_COMMAND_KIND}.
         * @param arg   the command's argument.
         * @param nowNs loop clock.
         */
        void onLoopCommand(int kind, int arg, long nowNs);
    }

    WebSocketClientConnection(
        final IoLoop loop,
        final SocketChannel channel,
        final long id,
        final ClientContext context,
        final ConnectRequest request,
        final SplittableRandom random)
    {
        super(loop, channel, id);
        this.context = context;
        this.request = request;
        this.handler = request.handler;
        this.random = random;
        this.decoder = new FrameDecoder(frameEvents, false, context.maxFrameLength, context.maxMessageLength, true);
        this.proxy = new ClientConnectionProxy(loop, id, this, context);
    }

    // ---- the application's API ----

    /**
     * @return the URI this connection was opened to.
     */
    public URI uri()
    {
        return request.uri;
    }

    /**
     * @return the subprotocol the server confirmed, or null.
     */
    public String subprotocol()
    {
        return subprotocol;
    }

    /**
     * @return true when the handshake agreed permessage-deflate (RFC 7692): messages may be compressed both ways.
     */
    public boolean perMessageDeflate()
    {
        return 0 != deflate;
    }

    /**
     * @return true between a valid 101 and the start of the close handshake: messages may be sent.
     */
    public boolean isOpen()
    {
        return STATE_OPEN == state;
    }

    /**
     * @return the application's object attached to this connection, or null.
     */
    public Object attachment()
    {
        return attachment;
    }

    /**
     * @param attachment any object the application wants to find from the connection.
     */
    public void attach(final Object attachment)
    {
        this.attachment = attachment;
    }

    /**
     * Send a text message. The bytes must be UTF-8 (not checked: the server fails the connection with 1007).
     *
     * @param buffer holding the message; not retained: copied before this returns.
     * @param offset of the message.
     * @param length of the message.
     * @return false if the connection is not open or, from another thread, the command ring buffer is full.
     */
    public boolean sendText(final DirectBuffer buffer, final int offset, final int length)
    {
        return loop.isLoopThread() ?
            sendFrame(Opcode.TEXT, buffer, offset, length, null, 0, 0) :
            proxy.offerSend(ClientConnectionProxy.SEND_TEXT, Opcode.TEXT, buffer, offset, length);
    }

    /**
     * Send a text message; convenient, but allocates its UTF-8 encoding.
     *
     * @param text the message.
     * @return false if the connection is not open or, from another thread, the command ring buffer is full.
     */
    public boolean sendText(final String text)
    {
        final byte[] bytes = utf8(text);
        return sendText(new UnsafeBuffer(bytes), 0, bytes.length);
    }

    /**
     * Send a binary message.
     *
     * @param buffer holding the message; not retained: copied before this returns.
     * @param offset of the message.
     * @param length of the message.
     * @return false if the connection is not open or, from another thread, the command ring buffer is full.
     */
    public boolean sendBinary(final DirectBuffer buffer, final int offset, final int length)
    {
        return loop.isLoopThread() ?
            sendFrame(Opcode.BINARY, buffer, offset, length, null, 0, 0) :
            proxy.offerSend(ClientConnectionProxy.SEND_BINARY, Opcode.BINARY, buffer, offset, length);
    }

    /**
     * Send a ping; the server's pong arrives at {@link ClientHandler#onPong}.
     *
     * @param buffer holding the application data; not retained.
     * @param offset of the data.
     * @param length of the data, at most 125 bytes (RFC 6455 §5.5).
     * @return false if the connection is not open or, from another thread, the command ring buffer is full.
     */
    public boolean sendPing(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < 0 || length > FrameDescriptor.MAX_CONTROL_PAYLOAD_LENGTH)
        {
            throw new IllegalArgumentException("ping payload must be 0..125 bytes: length=" + length);
        }
        if (loop.isLoopThread())
        {
            if (STATE_OPEN != state)
            {
                return false;
            }
            writeControl(Opcode.PING, buffer, offset, length);
            return true;
        }
        return STATE_OPEN == state && proxy.offer(ClientConnectionProxy.PING, 0, buffer, offset, length);
    }

    /**
     * Start the close handshake with 1000 and no reason.
     */
    public void close()
    {
        close(CloseCode.NORMAL, "");
    }

    /**
     * Start the close handshake: send a close frame, then wait for the server's (and its TCP close) up to the close
     * timeout. Nothing more can be sent. Ignored unless open. From another thread the close waits for room in the
     * command ring buffer rather than be lost.
     *
     * @param code   a status code that may be sent (RFC 6455 §7.4: 1000-1003, 1007-1014, 3000-4999).
     * @param reason UTF-8 reason, at most 123 bytes once encoded; null for none.
     * @throws IllegalArgumentException if the code may not be sent or the reason is too long.
     */
    public void close(final int code, final String reason)
    {
        if (!CloseCode.isValidOnWire(code))
        {
            throw new IllegalArgumentException("close code not valid on the wire: code=" + code);
        }
        final byte[] bytes = null == reason ? NO_BYTES : utf8(reason);
        if (bytes.length > CloseReason.MAX_REASON_LENGTH)
        {
            throw new IllegalArgumentException("close reason longer than 123 bytes: length=" + bytes.length);
        }
        final UnsafeBuffer reasonBuffer = new UnsafeBuffer(bytes);
        if (loop.isLoopThread())
        {
            startClose(code, reasonBuffer, 0, bytes.length);
        }
        else
        {
            proxy.offerUntilAccepted(ClientConnectionProxy.CLOSE, code, reasonBuffer, 0, bytes.length);
        }
    }

    @Override
    public String toString()
    {
        return "WebSocketClientConnection{id=" + id() + ", uri=" + request.uri + ", state=" + state + "}";
    }

    // ---- for MuxClient ----

    /**
     * Send one binary message made of two pieces (a protocol header and a payload) without joining them first on
     * the loop thread; other threads join them in a per-thread scratch buffer.
     */
    boolean sendBinary(
        final DirectBuffer prefix,
        final int prefixOffset,
        final int prefixLength,
        final DirectBuffer buffer,
        final int offset,
        final int length)
    {
        return loop.isLoopThread() ?
            sendFrame(Opcode.BINARY, prefix, prefixOffset, prefixLength, buffer, offset, length) :
            proxy.offerJoined(prefix, prefixOffset, prefixLength, buffer, offset, length);
    }

    boolean isLoopThread()
    {
        return loop.isLoopThread();
    }

    void commandListener(final LoopCommandListener listener)
    {
        this.commandListener = listener;
    }

    /**
     * Hand a command to the {@link LoopCommandListener} on the loop thread, in order with this thread's sends.
     * Waits for room in the ring buffer rather than lose it.
     *
     * @return false if the connection closed first.
     */
    boolean offerListenerCommand(final int kind, final int arg)
    {
        return proxy.offerListenerCommand(kind, arg);
    }

    // ---- transport callbacks ----

    @Override
    protected void onOpen(final long nowNs)
    {
        if (context.closed)
        {
            failHandshake(new WebSocketHandshakeException(
                "client closed before the handshake with " + request.uri, WebSocketHandshakeException.NO_STATUS));
            return;
        }
        final byte[] key = new byte[KEY_LENGTH];
        random.nextBytes(key);
        final String encodedKey = Base64.getEncoder().encodeToString(key);
        expectedAccept = context.acceptKeys.acceptKey(encodedKey);
        responseParser = new UpgradeResponseParser(context.maxResponseHeadLength);

        final byte[] bytes =
            request.upgradeRequest(encodedKey, context.perMessageDeflate ? DeflateNegotiation.CLIENT_OFFER : null);
        write(new UnsafeBuffer(bytes), 0, bytes.length);
        deadline(nowNs + context.handshakeTimeoutNs);
    }

    @Override
    protected void onRead(final MutableDirectBuffer buffer, final int offset, final int length, final long nowNs)
    {
        int position = offset;
        int remaining = length;
        if (STATE_HANDSHAKE == state)
        {
            final int consumed = responseParser.parse(buffer, position, remaining);
            position += consumed;
            remaining -= consumed;
            final int parseState = responseParser.state();
            if (UpgradeResponseParser.NEED_MORE == parseState)
            {
                return;
            }
            if (UpgradeResponseParser.TOO_LONG == parseState)
            {
                failHandshake(new WebSocketHandshakeException(
                    "upgrade response from " + request.uri + " is longer than " + context.maxResponseHeadLength +
                    " bytes (" + responseParser.statusLine() + ")", WebSocketHandshakeException.NO_STATUS));
                return;
            }
            if (!completeHandshake(buffer, position, remaining))
            {
                return;
            }
        }

        if (remaining > 0 && (STATE_OPEN == state || STATE_CLOSE_SENT == state))
        {
            decoder.decode(buffer, position, remaining);
        }
    }

    @Override
    protected void onEndOfStream(final long nowNs)
    {
        if (STATE_HANDSHAKE == state)
        {
            final String received = null == responseParser ? "" : responseParser.statusLine();
            failHandshake(new WebSocketHandshakeException(
                "server closed the connection before completing the handshake with " + request.uri +
                (received.isEmpty() ? "" : " (" + received + ")"), WebSocketHandshakeException.NO_STATUS));
        }
    }

    @Override
    protected void onDeadline(final long nowNs)
    {
        if (STATE_HANDSHAKE == state)
        {
            failHandshake(new WebSocketHandshakeException(
                "no upgrade response from " + request.uri + " within " +
                TimeUnit.NANOSECONDS.toMillis(context.handshakeTimeoutNs) + " ms",
                WebSocketHandshakeException.NO_STATUS));
        }
        else if (STATE_OPEN != state)
        {
            // The close handshake, or the server's TCP close after it, did not finish within the close timeout.
            close((Throwable)null);
        }
    }

    @Override
    protected void onCommand(
        final int type, final int arg, final DirectBuffer buffer, final int offset, final int length, final long nowNs)
    {
        switch (type)
        {
            case ClientConnectionProxy.SEND_TEXT:
                sendFrame(Opcode.TEXT, buffer, offset, length, null, 0, 0);
                break;

            case ClientConnectionProxy.SEND_BINARY:
                sendFrame(Opcode.BINARY, buffer, offset, length, null, 0, 0);
                break;

            case ClientConnectionProxy.CLOSE:
                startClose(arg, buffer, offset, length);
                break;

            case ClientConnectionProxy.PING:
                if (STATE_OPEN == state)
                {
                    writeControl(Opcode.PING, buffer, offset, length);
                }
                break;

            case ClientConnectionProxy.PART:
                appendPart(buffer, offset, length);
                break;

            case ClientConnectionProxy.PART_LAST:
                appendPart(buffer, offset, length);
                if (null != partsBuffer)
                {
                    sendFrame(arg, partsBuffer, 0, partsLength, null, 0, 0);
                }
                partsLength = 0;
                break;

            default:
                if (ClientConnectionProxy.isListenerCommand(type) && null != commandListener)
                {
                    commandListener.onLoopCommand(type - ClientConnectionProxy.LISTENER_BASE, arg, nowNs);
                    break;
                }
                throw new IllegalStateException("unknown command: type=" + type);
        }
    }

    @Override
    protected void onClosed(final Throwable cause)
    {
        final int previous = state;
        state = STATE_CLOSED;
        if (!opened)
        {
            IOException failure = handshakeFailure;
            if (null == failure)
            {
                failure = new WebSocketHandshakeException(
                    "connection to " + request.uri + " closed during the handshake" +
                    (null == cause ? "" : ": " + cause), WebSocketHandshakeException.NO_STATUS);
                if (null != cause)
                {
                    failure.initCause(cause);
                }
            }
            request.future.completeExceptionally(failure);
        }
        else
        {
            if (null != cause && STATE_CLOSED != previous)
            {
                notifyError(cause);
            }
            notifyClose();
        }
        responseParser = null;
        releaseReceiveBuffers();
        partsBuffer = null;
        if (null != inflater)
        {
            inflater.close(); // zlib's native memory now, not when the collector gets to it
            inflater = null;
        }
        if (null != deflater)
        {
            deflater.close();
            deflater = null;
        }
    }

    // ---- handshake ----

    /**
     * The response head is complete: check it, and open on a valid 101.
     *
     * @return true if open and bytes after the head should be decoded.
     */
    private boolean completeHandshake(final MutableDirectBuffer buffer, final int offset, final int length)
    {
        final String problem = responseParser.check(expectedAccept, request.subprotocol, context.perMessageDeflate);
        if (null != problem)
        {
            final String body = UpgradeResponseParser.bodyExcerpt(buffer, offset, length);
            failHandshake(new WebSocketHandshakeException(
                "WebSocket upgrade to " + request.uri + " failed: " + problem + ": " + responseParser.statusLine() +
                (body.isEmpty() ? "" : " (" + body + ")"), responseParser.status()));
            return false;
        }

        subprotocol = responseParser.header("sec-websocket-protocol");
        final DeflateNegotiation.ClientAgreement agreement = responseParser.deflateAgreement();
        if (null != agreement)
        {
            deflate = (short)(DEFLATE_ON | (agreement.clientMaxWindowBits() << DEFLATE_WINDOW_SHIFT) |
                (agreement.serverNoContextTakeover() ? 0 : DEFLATE_SERVER_CONTEXT) |
                (agreement.clientNoContextTakeover() ? 0 : DEFLATE_CLIENT_CONTEXT));
            decoder.allowCompression(true); // RFC 7692 §6: RSV1 marks a compressed message from now on
        }
        responseParser = null;
        expectedAccept = null;
        state = STATE_OPEN;
        opened = true;
        deadline(NO_DEADLINE);
        try
        {
            handler.onOpen(this);
        }
        catch (final Throwable ex)
        {
            onHandlerError(ex);
        }
        request.future.complete(this);
        return STATE_OPEN == state || STATE_CLOSE_SENT == state;
    }

    /**
     * Close the socket, then fail the connect future from {@link #onClosed}: by then the connection's slot is
     * released, so whoever waits on the future sees it gone.
     */
    private void failHandshake(final WebSocketHandshakeException failure)
    {
        state = STATE_CLOSED;
        handshakeFailure = failure;
        close((Throwable)null);
    }

    /**
     * The client is shutting down: close the handshake of an open connection with 1001 (going away), drop one
     * still handshaking.
     */
    void onClientClose()
    {
        if (STATE_OPEN == state)
        {
            startClose(CloseCode.GOING_AWAY, GOING_AWAY, 0, GOING_AWAY.capacity());
        }
        else if (STATE_HANDSHAKE == state)
        {
            failHandshake(new WebSocketHandshakeException(
                "client closed during the handshake with " + request.uri, WebSocketHandshakeException.NO_STATUS));
        }
    }

    // ---- frames ----

    /**
     * The decoder's events. A separate object so that the codec's callbacks are not part of the public API.
     */
    private final class FrameEvents implements FrameHandler
    {
        @Override
        public void onFrameStart(final int opcode, final boolean fin, final long payloadLength)
        {
            frameStart(opcode, fin, payloadLength, decoder.isMessageCompressed());
        }

        @Override
        public void onFramePayload(final MutableDirectBuffer buffer, final int offset, final int length)
        {
            framePayload(buffer, offset, length);
        }

        @Override
        public void onFrameEnd()
        {
            frameEnd();
        }

        @Override
        public void onProtocolError(final CloseReason reason)
        {
            frameFailed();
            failConnection(reason);
        }
    }

    @Override
    protected void onControlFrame(
        final int opcode, final MutableDirectBuffer buffer, final int offset, final int length)
    {
        switch (opcode)
        {
            case Opcode.PING:
                if (STATE_OPEN == state)
                {
                    // RFC 6455 §5.5.3: "A Pong frame sent in response to a Ping frame must have identical
                    // Application data".
                    writeControl(Opcode.PONG, buffer, offset, length);
                }
                break;

            case Opcode.PONG:
                try
                {
                    handler.onPong(this, buffer, offset, length);
                }
                catch (final Throwable ex)
                {
                    onHandlerError(ex);
                }
                break;

            case Opcode.CLOSE:
                onCloseFrame(buffer, offset, length);
                break;

            default:
                break;
        }
    }

    private void onCloseFrame(final MutableDirectBuffer buffer, final int offset, final int length)
    {
        final CloseReason invalid = CloseFrame.validate(buffer, offset, length);
        if (null != invalid)
        {
            failConnection(invalid);
            return;
        }

        final int code = CloseFrame.code(buffer, offset, length);
        recordClose(code, closeReason(buffer, offset, length));
        if (STATE_OPEN == state)
        {
            // RFC 6455 §5.5.1: reply with a close frame, "typically echoing the status code it received"; an empty
            // close (1005) is answered with an empty one.
            writeClose(code, EMPTY, 0, 0);
        }
        if (STATE_OPEN == state || STATE_CLOSE_SENT == state)
        {
            // §7.1.1: "the server SHOULD close the underlying TCP connection first": wait for its FIN, within reason.
            state = STATE_CLOSED;
            decoder.halt();
            discardMessage();
            deadline(loop.nowNs() + context.closeTimeoutNs);
        }
    }

    /**
     * The server broke the protocol (§7.1.7 "Fail the WebSocket Connection"): send a close frame with the code the
     * violation calls for, then close the socket once it is written.
     */
    private void failConnection(final CloseReason reason)
    {
        recordClose(reason.code(), reason.text());
        if (STATE_OPEN == state)
        {
            writeClose(reason.code(), reason.encodedText(), 0, reason.encodedText().capacity());
        }
        final boolean wasClosed = STATE_CLOSED == state;
        state = STATE_CLOSED;
        decoder.halt();
        discardMessage();
        if (!wasClosed)
        {
            notifyError(new ProtocolException("server broke RFC 6455: " + reason.text() + " (" + reason + ")"));
        }
        deadline(loop.nowNs() + context.closeTimeoutNs);
        closeWhenFlushed();
    }

    @Override
    protected boolean acceptsData()
    {
        return STATE_OPEN == state;
    }

    @Override
    protected void onMessage(final int opcode, final DirectBuffer buffer, final int offset, final int length)
    {
        try
        {
            if (Opcode.TEXT == opcode)
            {
                handler.onText(this, buffer, offset, length);
            }
            else
            {
                handler.onBinary(this, buffer, offset, length);
            }
        }
        catch (final Throwable ex)
        {
            onHandlerError(ex);
        }
    }

    // ---- sending, on the loop thread ----

    /**
     * Frame, mask and write one whole data message made of up to two pieces. Allocates nothing once the scratch
     * buffer has grown to the largest message sent.
     */
    private boolean sendFrame(
        final int opcode,
        final DirectBuffer first,
        final int firstOffset,
        final int firstLength,
        final DirectBuffer second,
        final int secondOffset,
        final int secondLength)
    {
        if (STATE_OPEN != state)
        {
            return false;
        }
        final int length = firstLength + secondLength;
        if (0 != deflate && length >= context.deflateMinLength &&
            sendCompressed(opcode, first, firstOffset, firstLength, second, secondOffset, secondLength))
        {
            return true;
        }
        if (context.zeroMaskKey && 0 == secondLength)
        {
            // A zero key leaves the payload as it is: the header, then the caller's bytes, copied once.
            final int headerLength = FrameEncoder.writeMaskedHeader(context.headerScratch, 0, true, opcode, length, 0);
            writeFrame(context.headerScratch, 0, headerLength, first, firstOffset, firstLength);
            return true;
        }
        final int maskKey = context.zeroMaskKey ? 0 : random.nextInt();
        final ExpandableArrayBuffer scratch = context.sendScratch;
        final int headerLength = FrameEncoder.writeMaskedHeader(scratch, 0, true, opcode, length, maskKey);
        scratch.putBytes(headerLength, first, firstOffset, firstLength);
        if (secondLength > 0)
        {
            scratch.putBytes(headerLength + firstLength, second, secondOffset, secondLength);
        }
        if (0 != maskKey)
        {
            Masking.unmask(scratch, headerLength, length, maskKey, 0);
        }
        writeFrame(scratch, 0, headerLength + length, null, 0, 0);
        return true;
    }

    /**
     * RFC 7692 §7.2.1: compress one whole message (its two pieces as one) and send it in one frame with RSV1 set,
     * masked. It is compressed into the send scratch after room for the longest header, then the header is written
     * right before it, so the compressed bytes are masked in place and copied out once. Allocates nothing once the
     * scratch (and, for two pieces, the loop's compression input) has grown to the largest message sent.
     *
     * @return false when the message did not get smaller with the loop's compressor, which keeps no context: then
     * nothing was sent and the caller sends it plain. A compressor with context has taken the message into its
     * window, so the compressed form always goes out.
     */
    private boolean sendCompressed(
        final int opcode,
        final DirectBuffer first,
        final int firstOffset,
        final int firstLength,
        final DirectBuffer second,
        final int secondOffset,
        final int secondLength)
    {
        final int length = firstLength + secondLength;
        final boolean ownContext = 0 != (deflate & DEFLATE_CLIENT_CONTEXT);
        final int windowBits = deflate >> DEFLATE_WINDOW_SHIFT;
        final DirectBuffer input;
        final int inputOffset;
        if (0 == secondLength && (null != first.byteArray() || null != first.byteBuffer()))
        {
            input = first;
            inputOffset = firstOffset;
        }
        else
        {
            input = context.deflateInput(first, firstOffset, firstLength, second, secondOffset, secondLength);
            inputOffset = 0;
        }
        final ExpandableArrayBuffer scratch = context.sendScratch;
        final int payloadOffset = FrameDescriptor.MAX_HEADER_LENGTH;
        scratch.checkLimit(payloadOffset + MessageDeflater.maxCompressedLength(length, windowBits));
        final int compressedLength = deflater(ownContext).deflate(
            input, inputOffset, length, scratch.byteArray(), payloadOffset, windowBits);
        if (!ownContext && compressedLength >= length)
        {
            return false;
        }
        final int maskKey = context.zeroMaskKey ? 0 : random.nextInt();
        final int headerLength = FrameDescriptor.headerLength(compressedLength, true);
        final int frameOffset = payloadOffset - headerLength;
        FrameEncoder.writeMaskedHeader(
            scratch, frameOffset, true, opcode | FrameDescriptor.RSV1, compressedLength, maskKey);
        if (0 != maskKey)
        {
            Masking.unmask(scratch, payloadOffset, compressedLength, maskKey, 0);
        }
        writeFrame(scratch, frameOffset, headerLength + compressedLength, null, 0, 0);
        return true;
    }

    private MessageDeflater deflater(final boolean ownContext)
    {
        if (!ownContext)
        {
            return context.sharedDeflater();
        }
        if (null == deflater)
        {
            deflater = new MessageDeflater(Deflater.DEFAULT_COMPRESSION, false);
        }
        return deflater;
    }

    private void writeControl(final int opcode, final DirectBuffer buffer, final int offset, final int length)
    {
        final int frameLength = FrameEncoder.encodeMasked(
            context.controlScratch, 0, true, opcode, buffer, offset, length, random.nextInt());
        writeControlFrame(context.controlScratch, 0, frameLength);
    }

    private void writeClose(final int code, final DirectBuffer reason, final int reasonOffset, final int reasonLength)
    {
        final int frameLength = FrameEncoder.encodeMaskedClose(
            context.controlScratch, 0, code, reason, reasonOffset, reasonLength, random.nextInt());
        writeControlFrame(context.controlScratch, 0, frameLength);
    }

    private void startClose(final int code, final DirectBuffer reason, final int reasonOffset, final int reasonLength)
    {
        if (STATE_OPEN != state)
        {
            return;
        }
        writeClose(code, reason, reasonOffset, reasonLength);
        state = STATE_CLOSE_SENT;
        discardMessage();
        deadline(loop.nowNs() + context.closeTimeoutNs);
    }

    private void appendPart(final DirectBuffer buffer, final int offset, final int length)
    {
        if (STATE_OPEN != state)
        {
            partsLength = 0;
            return;
        }
        if (null == partsBuffer)
        {
            partsBuffer = new ExpandableArrayBuffer(Math.max(length * 2, 4096));
        }
        partsBuffer.putBytes(partsLength, buffer, offset, length);
        partsLength += length;
    }

    // ---- closing and callbacks ----

    private void recordClose(final int code, final String reason)
    {
        if (!closeRecorded)
        {
            closeRecorded = true;
            closeCode = code;
            closeReason = reason;
        }
    }

    private void notifyClose()
    {
        if (closeNotified)
        {
            return;
        }
        closeNotified = true;
        try
        {
            handler.onClose(this, closeCode, closeReason);
        }
        catch (final Throwable ex)
        {
            context.errorHandler.onError(ex);
        }
    }

    private void notifyError(final Throwable error)
    {
        try
        {
            handler.onError(this, error);
        }
        catch (final Throwable ex)
        {
            context.errorHandler.onError(ex);
        }
    }

    /**
     * A handler callback threw: report it, then close with 1011 as the server does for its handlers.
     */
    private void onHandlerError(final Throwable error)
    {
        notifyError(error);
        startClose(CloseCode.INTERNAL_ERROR, INTERNAL_ERROR, 0, INTERNAL_ERROR.capacity());
    }

    @Override
    protected MessageInflater inflater()
    {
        if (0 == (deflate & DEFLATE_SERVER_CONTEXT))
        {
            return context.sharedInflater(); // the server compresses each message on its own
        }
        if (null == inflater)
        {
            inflater = new MessageInflater(false);
        }
        return inflater;
    }

    @Override
    protected int inflateLimit()
    {
        return context.maxMessageLength;
    }

    @Override
    protected int inflateMessage(
        final DirectBuffer buffer, final int offset, final int length, final MutableDirectBuffer inflated)
    {
        if (context.reuseInflatedDuplicates && 0 == (deflate & DEFLATE_SERVER_CONTEXT))
        {
            return context.inflateSharedOnce(buffer, offset, length, inflated);
        }
        return super.inflateMessage(buffer, offset, length, inflated);
    }

    @Override
    protected void onInflateFailed(final CloseReason reason)
    {
        failConnection(reason); // 1009 past maxMessageLength, 1007 for corrupt data or text that is not UTF-8
    }

    @Override
    protected MutableDirectBuffer acquireMessageBuffer()
    {
        return context.acquireMessageBuffer();
    }

    @Override
    protected MutableDirectBuffer acquireControlBuffer()
    {
        return new UnsafeBuffer(new byte[FrameDescriptor.MAX_CONTROL_PAYLOAD_LENGTH]);
    }

    @Override
    protected void releaseMessageBuffer(final MutableDirectBuffer buffer)
    {
        context.releaseMessageBuffer(buffer);
    }

    private static byte[] utf8(final String text)
    {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
