package io.wsmux.conformance;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

import io.wsmux.codec.CloseCode;
import io.wsmux.codec.CloseFrame;
import io.wsmux.codec.CloseReason;
import io.wsmux.codec.FrameDecoder;
import io.wsmux.codec.FrameDescriptor;
import io.wsmux.codec.FrameEncoder;
import io.wsmux.codec.FrameHandler;
import io.wsmux.codec.Opcode;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A small blocking RFC 6455 client for conformance tests: it speaks raw bytes over a {@link Socket} so that tests
 * can send anything, frames no conforming encoder would write included, and it decodes what the server sends with
 * the codec's client-side {@link FrameDecoder} (server frames must be unmasked, minimally encoded, and text must be
 * valid UTF-8; any violation by the server fails the test). It depends only on the codec and the JDK, never on the
 * server under test.
 * <p>
 * Nothing blocks for ever: reads use {@code SO_TIMEOUT}, and every write is guarded by a watchdog that closes the
 * socket when a write stays blocked (a server that stopped reading) past the timeout plus a size allowance.
 * Failures are reported as {@link AssertionError}s with what was expected and what arrived.
 * <p>
 * <b>Not thread safe</b>: owned by the test thread. {@link #sendAsync(byte[])} writes on a private writer thread so
 * that a test can read echoes while a large message is still being written.
 */
public final class RawWebSocketClient implements AutoCloseable
{
    /** Default read and write timeout, milliseconds. */
    public static final int DEFAULT_TIMEOUT_MS = 5_000;
    /** Largest frame or message this client accepts from the server: 256 MiB. */
    public static final int MAX_RECEIVE_LENGTH = 256 * 1024 * 1024;
    /** Pause between chunks in {@link #sendInChunks(byte[], int)}, so that each chunk reaches the server alone. */
    public static final long CHUNK_PAUSE_NS = TimeUnit.MILLISECONDS.toNanos(1);

    /** RFC 6455 §1.3: appended to the key before hashing for Sec-WebSocket-Accept. */
    private static final String ACCEPT_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    private static final int MAX_RESPONSE_HEAD_LENGTH = 16 * 1024;
    private static final int READ_BUFFER_LENGTH = 64 * 1024;
    private static final int KEY_LENGTH = 16;
    /** Extra write time allowed per byte, as a shift: one millisecond per 4 KiB. */
    private static final int WRITE_ALLOWANCE_SHIFT = 12;
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(
        (final Runnable task) ->
        {
            final Thread thread = new Thread(task, "raw-ws-client-watchdog");
            thread.setDaemon(true);
            return thread;
        });

    /**
     * One frame received from the server.
     *
     * @param opcode  as on the wire ({@link Opcode#CONTINUATION} for later fragments).
     * @param fin     final fragment flag.
     * @param payload the whole payload (compare with {@code assertArrayEquals}: records compare arrays by identity).
     * @param compressed whether RSV1 was set (permessage-deflate: the first frame of a compressed message).
     */
    public record Frame(int opcode, boolean fin, byte[] payload, boolean compressed)
    {
        /**
         * A frame without RSV1.
         *
         * @param opcode  as on the wire.
         * @param fin     final fragment flag.
         * @param payload the whole payload.
         */
        public Frame(final int opcode, final boolean fin, final byte[] payload)
        {
            this(opcode, fin, payload, false);
        }

        /**
         * @return true for a close frame.
         */
        public boolean isClose()
        {
            return Opcode.CLOSE == opcode;
        }

        /**
         * @return the close status code, or {@link CloseCode#NO_STATUS} for an empty close body.
         */
        public int closeCode()
        {
            return CloseFrame.code(new UnsafeBuffer(payload), 0, payload.length);
        }

        /**
         * @return the close reason decoded as UTF-8, empty when there is none.
         */
        public String closeReason()
        {
            return payload.length <= CloseFrame.CODE_LENGTH ? "" :
                new String(payload, CloseFrame.CODE_LENGTH, payload.length - CloseFrame.CODE_LENGTH,
                StandardCharsets.UTF_8);
        }

        @Override
        public String toString()
        {
            if (isClose())
            {
                return "close(" + closeCode() + (closeReason().isEmpty() ? "" : " \"" + closeReason() + "\"") + ")";
            }
            return Opcode.name(opcode) + (fin ? "" : "(more)") + "[" + payload.length + "B" +
                (payload.length <= 16 ? " " + HexFormat.of().formatHex(payload) : "") + "]";
        }
    }

    /**
     * A data message reassembled from one or more frames.
     *
     * @param opcode     {@link Opcode#TEXT} or {@link Opcode#BINARY}.
     * @param payload    all fragments joined.
     * @param frameCount how many frames the server used.
     * @param compressed whether the server sent it compressed ({@code payload} is then inflated).
     */
    public record Message(int opcode, byte[] payload, int frameCount, boolean compressed)
    {
        /**
         * A message that was not compressed.
         *
         * @param opcode     {@link Opcode#TEXT} or {@link Opcode#BINARY}.
         * @param payload    all fragments joined.
         * @param frameCount how many frames the server used.
         */
        public Message(final int opcode, final byte[] payload, final int frameCount)
        {
            this(opcode, payload, frameCount, false);
        }

        /**
         * @return the payload decoded as UTF-8.
         */
        public String text()
        {
            return new String(payload, StandardCharsets.UTF_8);
        }

        @Override
        public String toString()
        {
            return Opcode.name(opcode) + " message[" + payload.length + "B in " + frameCount + " frame(s)]";
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final int timeoutMs;
    private final byte[] readBuffer = new byte[READ_BUFFER_LENGTH];
    private final UnsafeBuffer readView = new UnsafeBuffer(readBuffer);
    private final ArrayDeque<Frame> received = new ArrayDeque<>();
    private final FrameDecoder decoder;
    private ExecutorService writer;
    private volatile boolean closeSent;
    private volatile boolean writeTimedOut;
    private boolean endOfStream;
    /** The permessage-deflate offer sent, or null; then the server's answer, or null when it agreed to none. */
    private String offeredExtensions;
    private String subprotocol;
    private String extensions;
    private Inflater inflater;

    private RawWebSocketClient(final Socket socket, final int timeoutMs) throws IOException
    {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
        this.timeoutMs = timeoutMs;
        this.decoder = new FrameDecoder(new Collector(), false, MAX_RECEIVE_LENGTH, MAX_RECEIVE_LENGTH, true);
    }

    /**
     * Connect and perform the HTTP upgrade with {@link #DEFAULT_TIMEOUT_MS}.
     *
     * @param address server address.
     * @param path    request target, e.g. "/".
     * @return an open client.
     * @throws IOException when the connection fails.
     */
    public static RawWebSocketClient connect(final InetSocketAddress address, final String path) throws IOException
    {
        return connect(address, path, DEFAULT_TIMEOUT_MS);
    }

    /**
     * Connect and perform the HTTP upgrade: a random 16-byte key, then checks that the response is 101 with
     * "Upgrade: websocket", a "Connection" header holding "upgrade", the right Sec-WebSocket-Accept and no extension
     * (none was offered). Bytes that arrived after the response head are kept and decoded as frames.
     *
     * @param address   server address.
     * @param path      request target, e.g. "/".
     * @param timeoutMs read timeout and write watchdog, milliseconds.
     * @return an open client.
     * @throws IOException when the connection fails.
     */
    public static RawWebSocketClient connect(final InetSocketAddress address, final String path, final int timeoutMs)
        throws IOException
    {
        return connect(address, path, timeoutMs, null);
    }

    /**
     * Connect and upgrade offering extensions: the response may then name one of them (see {@link #extensions()}).
     * When the server agrees to permessage-deflate, frames with RSV1 are accepted and compressed messages are
     * inflated by {@link #readMessage()} (the Message says it was compressed).
     *
     * @param address           server address.
     * @param path              request target.
     * @param timeoutMs         read timeout and write watchdog, milliseconds.
     * @param extensionsOffer   the Sec-WebSocket-Extensions value to send, or null for none.
     * @return an open client.
     * @throws IOException when the connection fails.
     */
    public static RawWebSocketClient connect(
        final InetSocketAddress address, final String path, final int timeoutMs, final String extensionsOffer)
        throws IOException
    {
        return connect(address, path, timeoutMs, extensionsOffer, null);
    }

    /**
     * Connect and upgrade offering extensions and a subprotocol.
     *
     * @param address         server address.
     * @param path            request target.
     * @param timeoutMs       read timeout and write watchdog, milliseconds.
     * @param extensionsOffer the Sec-WebSocket-Extensions value to send, or null for none.
     * @param subprotocol     the Sec-WebSocket-Protocol value to send, or null for none.
     * @return an open client.
     * @throws IOException when the connection fails.
     */
    public static RawWebSocketClient connect(
        final InetSocketAddress address, final String path, final int timeoutMs, final String extensionsOffer,
        final String subprotocol)
        throws IOException
    {
        return connect(address, path, timeoutMs, extensionsOffer, subprotocol, null);
    }

    /**
     * Connect, over TLS when a context is given (wss://, the server's name taken as "localhost"), and upgrade.
     *
     * @param address         server address.
     * @param path            request target.
     * @param timeoutMs       read timeout and write watchdog, milliseconds.
     * @param extensionsOffer the Sec-WebSocket-Extensions value to send, or null for none.
     * @param subprotocol     the Sec-WebSocket-Protocol value to send, or null for none.
     * @param tls             a client TLS context trusting the server, or null for plaintext.
     * @return an open client.
     * @throws IOException when the connection or the TLS handshake fails.
     */
    public static RawWebSocketClient connect(
        final InetSocketAddress address, final String path, final int timeoutMs, final String extensionsOffer,
        final String subprotocol, final SSLContext tls)
        throws IOException
    {
        final Socket tcp = new Socket();
        Socket socket = tcp;
        try
        {
            tcp.setTcpNoDelay(true);
            tcp.setSoTimeout(timeoutMs);
            tcp.connect(address, timeoutMs);
            if (null != tls)
            {
                final SSLSocket secure =
                    (SSLSocket)tls.getSocketFactory().createSocket(tcp, "localhost", address.getPort(), true);
                final SSLParameters parameters = secure.getSSLParameters();
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
                secure.setSSLParameters(parameters);
                secure.setSoTimeout(timeoutMs);
                secure.startHandshake();
                socket = secure;
            }
            final RawWebSocketClient client = new RawWebSocketClient(socket, timeoutMs);
            client.offeredExtensions = extensionsOffer;
            client.subprotocol = subprotocol;
            client.handshake(address, path);
            return client;
        }
        catch (final IOException | RuntimeException | Error ex)
        {
            socket.close();
            tcp.close();
            throw ex;
        }
    }

    /**
     * The Sec-WebSocket-Accept value for a key (RFC 6455 §4.2.2 step 5.4): base64(SHA-1(key + GUID)).
     *
     * @param key the Sec-WebSocket-Key sent.
     * @return the value the server must answer.
     */
    public static String acceptFor(final String key)
    {
        try
        {
            final MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            final byte[] digest = sha1.digest((key + ACCEPT_GUID).getBytes(StandardCharsets.US_ASCII));
            return Base64.getEncoder().encodeToString(digest);
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    /**
     * A masked client frame with a random masking key and minimal length encoding.
     *
     * @param fin     final fragment flag.
     * @param opcode  any four-bit opcode.
     * @param payload clear payload (not modified).
     * @return the frame on the wire.
     */
    public static byte[] frame(final boolean fin, final int opcode, final byte[] payload)
    {
        final int headerLength = FrameDescriptor.headerLength(payload.length, true);
        final UnsafeBuffer wire = new UnsafeBuffer(new byte[headerLength + payload.length]);
        FrameEncoder.encodeMasked(
            wire, 0, fin, opcode, new UnsafeBuffer(payload), 0, payload.length, randomMaskKey());
        return wire.byteArray();
    }

    /**
     * A masked client frame with any first byte (FIN, RSV bits and opcode as given), for frames the encoder would
     * never write: reserved bits, reserved opcodes.
     *
     * @param firstByte FIN, RSV1-3 and opcode.
     * @param payload   clear payload (not modified).
     * @return the frame on the wire.
     */
    public static byte[] rawFrame(final int firstByte, final byte[] payload)
    {
        final byte[] wire = frame(true, 0, payload);
        wire[0] = (byte)firstByte;
        return wire;
    }

    /**
     * An unmasked frame, as only a server may send (a server MUST fail a client that sends one, §5.1).
     *
     * @param firstByte FIN, RSV1-3 and opcode.
     * @param payload   payload.
     * @return the frame on the wire.
     */
    public static byte[] unmaskedFrame(final int firstByte, final byte[] payload)
    {
        final UnsafeBuffer wire = new UnsafeBuffer(new byte[FrameDescriptor.headerLength(payload.length, false) +
            payload.length]);
        final int headerLength = FrameEncoder.writeHeader(wire, 0, true, 0, payload.length);
        wire.putBytes(headerLength, payload);
        wire.putByte(0, (byte)firstByte);
        return wire.byteArray();
    }

    /**
     * A close body: the 2-byte code in network order followed by the reason bytes.
     *
     * @param code   status code, any 16-bit value.
     * @param reason reason bytes, any length and content.
     * @return the body.
     */
    public static byte[] closePayload(final int code, final byte[] reason)
    {
        final byte[] body = new byte[CloseFrame.CODE_LENGTH + reason.length];
        body[0] = (byte)(code >>> 8);
        body[1] = (byte)code;
        System.arraycopy(reason, 0, body, CloseFrame.CODE_LENGTH, reason.length);
        return body;
    }

    /**
     * @return the read timeout and write watchdog, milliseconds.
     */
    public int timeoutMs()
    {
        return timeoutMs;
    }

    /**
     * @return true once a close frame was sent by this client (so {@link #expectClose(int)} will not reply).
     */
    public boolean isCloseSent()
    {
        return closeSent;
    }

    /**
     * Write bytes as they are, in one write, and flush.
     *
     * @param rawBytes what to put on the wire.
     * @throws IOException when the write fails (e.g. the server already closed the connection).
     */
    public void send(final byte[] rawBytes) throws IOException
    {
        noteCloseFrames(rawBytes);
        write(rawBytes);
    }

    /**
     * One write and flush under the watchdog; no frame bookkeeping (the handshake is not frames).
     */
    private void write(final byte[] rawBytes) throws IOException
    {
        final ScheduledFuture<?> watchdog = startWatchdog(rawBytes.length, 0);
        try
        {
            out.write(rawBytes);
            out.flush();
        }
        catch (final IOException ex)
        {
            throw writeFailure(ex, rawBytes.length);
        }
        finally
        {
            watchdog.cancel(false);
        }
    }

    /**
     * Write bytes and report instead of throwing when the server has already closed the connection: for bytes a
     * test sends after a violation, which a strict server may never read.
     *
     * @param rawBytes what to put on the wire.
     * @return true when written, false when the write failed.
     */
    public boolean trySend(final byte[] rawBytes)
    {
        try
        {
            send(rawBytes);
            return true;
        }
        catch (final IOException ex)
        {
            return false;
        }
    }

    /**
     * Write bytes on a writer thread, so the caller can read echoes meanwhile (a server that streams its echo or
     * applies back-pressure would otherwise deadlock with a client that writes a large message before reading).
     *
     * @param rawBytes what to put on the wire.
     * @return completes when written; completes exceptionally when the write failed.
     */
    public CompletableFuture<Void> sendAsync(final byte[] rawBytes)
    {
        if (null == writer)
        {
            writer = Executors.newSingleThreadExecutor(
                (final Runnable task) ->
                {
                    final Thread thread = new Thread(task, "raw-ws-client-writer");
                    thread.setDaemon(true);
                    return thread;
                });
        }
        final CompletableFuture<Void> result = new CompletableFuture<>();
        writer.execute(() ->
        {
            try
            {
                send(rawBytes);
                result.complete(null);
            }
            catch (final IOException | RuntimeException | Error ex)
            {
                result.completeExceptionally(ex);
            }
        });
        return result;
    }

    /**
     * Write bytes in chunks, flushing each and pausing {@link #CHUNK_PAUSE_NS} between them, so that the server
     * receives them in separate reads ("slow" or "chopped" sending).
     *
     * @param rawBytes  what to put on the wire.
     * @param chunkSize bytes per write, at least 1.
     * @throws IOException when a write fails.
     */
    public void sendInChunks(final byte[] rawBytes, final int chunkSize) throws IOException
    {
        if (chunkSize < 1)
        {
            throw new IllegalArgumentException("chunkSize must be >= 1: chunkSize=" + chunkSize);
        }
        noteCloseFrames(rawBytes);
        final long chunks = (rawBytes.length + chunkSize - 1L) / chunkSize;
        final ScheduledFuture<?> watchdog = startWatchdog(rawBytes.length, chunks * CHUNK_PAUSE_NS * 2);
        try
        {
            for (int offset = 0; offset < rawBytes.length; offset += chunkSize)
            {
                if (offset > 0)
                {
                    LockSupport.parkNanos(CHUNK_PAUSE_NS);
                }
                out.write(rawBytes, offset, Math.min(chunkSize, rawBytes.length - offset));
                out.flush();
            }
        }
        catch (final IOException ex)
        {
            throw writeFailure(ex, rawBytes.length);
        }
        finally
        {
            watchdog.cancel(false);
        }
    }

    /**
     * Send one masked frame with a random masking key.
     *
     * @param fin     final fragment flag.
     * @param opcode  frame opcode.
     * @param payload clear payload.
     * @throws IOException when the write fails.
     */
    public void sendFrame(final boolean fin, final int opcode, final byte[] payload) throws IOException
    {
        send(frame(fin, opcode, payload));
    }

    /**
     * Send one masked frame in chunks (see {@link #sendInChunks(byte[], int)}).
     *
     * @param fin       final fragment flag.
     * @param opcode    frame opcode.
     * @param payload   clear payload.
     * @param chunkSize bytes per write.
     * @throws IOException when a write fails.
     */
    public void sendFrameInChunks(final boolean fin, final int opcode, final byte[] payload, final int chunkSize)
        throws IOException
    {
        sendInChunks(frame(fin, opcode, payload), chunkSize);
    }

    /**
     * Send one masked frame whose first byte is given as is (see {@link #rawFrame(int, byte[])}).
     *
     * @param firstByte FIN, RSV1-3 and opcode.
     * @param payload   clear payload.
     * @throws IOException when the write fails.
     */
    public void sendRawFrame(final int firstByte, final byte[] payload) throws IOException
    {
        send(rawFrame(firstByte, payload));
    }

    /**
     * Send a close frame with a code and UTF-8 reason.
     *
     * @param code   status code.
     * @param reason reason text.
     * @throws IOException when the write fails.
     */
    public void sendClose(final int code, final String reason) throws IOException
    {
        sendFrame(true, Opcode.CLOSE, closePayload(code, reason.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * Read the next frame, decoding more input as needed.
     *
     * @return the frame.
     * @throws IOException on an I/O error other than a timeout or end of stream.
     * @throws AssertionError when nothing arrives within the timeout, the server closes TCP first, or the server
     *                        breaks the protocol.
     */
    public Frame readFrame() throws IOException
    {
        while (received.isEmpty())
        {
            if (endOfStream)
            {
                throw new AssertionError("server closed the TCP connection, expected another frame");
            }
            fill("a frame");
        }
        return received.removeFirst();
    }

    /**
     * Read the next data message, joining its fragments. Pings from the server are answered; a pong or close is a
     * failure.
     *
     * @return the message.
     * @throws IOException on an I/O error.
     */
    public Message readMessage() throws IOException
    {
        return readMessage(null);
    }

    /**
     * Read the next data message, joining its fragments; pongs that arrive before the message is complete are
     * added to {@code controlFrames} (when not null), pings are answered and collected, a close is a failure.
     *
     * @param controlFrames where pongs and pings seen before the message completes go; null to fail on a pong.
     * @return the message.
     * @throws IOException on an I/O error.
     */
    public Message readMessage(final List<Frame> controlFrames) throws IOException
    {
        final ByteArrayOutputStream joined = new ByteArrayOutputStream();
        int messageOpcode = -1;
        int frameCount = 0;
        boolean compressed = false;
        while (true)
        {
            final Frame frame = readFrame();
            if (Opcode.isControl(frame.opcode()))
            {
                if (Opcode.CLOSE == frame.opcode())
                {
                    throw new AssertionError("expected a data message, got " + frame);
                }
                if (Opcode.PING == frame.opcode())
                {
                    sendFrame(true, Opcode.PONG, frame.payload());
                }
                else if (null == controlFrames)
                {
                    throw new AssertionError("expected a data message, got " + frame);
                }
                if (null != controlFrames)
                {
                    controlFrames.add(frame);
                }
                continue;
            }
            if (-1 == messageOpcode)
            {
                messageOpcode = frame.opcode();
                compressed = frame.compressed();
            }
            joined.write(frame.payload(), 0, frame.payload().length);
            frameCount++;
            if (frame.fin())
            {
                return compressed ? new Message(messageOpcode, inflate(joined.toByteArray()), frameCount, true) :
                    new Message(messageOpcode, joined.toByteArray(), frameCount);
            }
        }
    }

    /**
     * Expect the server to close: the next frame must be a close frame with this code (no data frame, pong or
     * anything else first), then, unless this client already sent a close, a close reply echoing the code is sent,
     * then the server must close the TCP connection.
     *
     * @param expectedCode the status code the server must send; {@link CloseCode#NO_STATUS} for an empty body.
     * @return the close frame.
     * @throws IOException on an I/O error.
     */
    public Frame expectClose(final int expectedCode) throws IOException
    {
        return expectClose(expectedCode, true);
    }

    /**
     * As {@link #expectClose(int)}, choosing whether to answer the server's close.
     *
     * @param expectedCode the status code the server must send; {@link CloseCode#NO_STATUS} for an empty body.
     * @param reply        whether to send a close reply (only if this client has not sent a close already); without
     *                     one the server must still close TCP within the timeout.
     * @return the close frame.
     * @throws IOException on an I/O error.
     */
    public Frame expectClose(final int expectedCode, final boolean reply) throws IOException
    {
        final Frame close = awaitClose(null, reply);
        if (close.closeCode() != expectedCode)
        {
            throw new AssertionError("expected close code " + expectedCode + ", got " + close);
        }
        return close;
    }

    /**
     * Read until the server's close frame, check its body is well formed (§5.5.1, §7.4), reply with a close unless
     * one was sent already, then await the server's TCP close.
     *
     * @param framesBefore where data frames and pongs arriving before the close go; null to fail on any.
     * @return the close frame.
     * @throws IOException on an I/O error.
     */
    public Frame awaitClose(final List<Frame> framesBefore) throws IOException
    {
        return awaitClose(framesBefore, true);
    }

    /**
     * As {@link #awaitClose(List)}, choosing whether to answer the server's close.
     *
     * @param framesBefore where data frames and pongs arriving before the close go; null to fail on any.
     * @param reply        whether to send a close reply (only if this client has not sent a close already).
     * @return the close frame.
     * @throws IOException on an I/O error.
     */
    public Frame awaitClose(final List<Frame> framesBefore, final boolean reply) throws IOException
    {
        Frame frame = readFrameOrNull("a close frame");
        while (null != frame && !frame.isClose())
        {
            if (null == framesBefore)
            {
                throw new AssertionError("expected a close frame, got " + frame);
            }
            framesBefore.add(frame);
            frame = readFrameOrNull("a close frame");
        }
        if (null == frame)
        {
            throw new AssertionError("server closed the TCP connection without a close frame" +
                (null == framesBefore || framesBefore.isEmpty() ? "" : " after " + framesBefore));
        }

        final CloseReason invalid = CloseFrame.validate(new UnsafeBuffer(frame.payload()), 0, frame.payload().length);
        if (null != invalid)
        {
            throw new AssertionError("server sent an invalid close frame " + frame + ": " + invalid.text());
        }
        if (reply && !closeSent)
        {
            final int code = frame.closeCode();
            trySend(frame(true, Opcode.CLOSE, CloseCode.NO_STATUS == code ? new byte[0] :
                closePayload(code, new byte[0])));
        }
        awaitTcpClosed();
        return frame;
    }

    /**
     * Expect the server to close the TCP connection within the timeout, sending nothing more.
     *
     * @return true on an orderly close (read returned -1), false when the connection was reset (the server closed
     * with unread input; the close still counts as done).
     * @throws IOException on an I/O error other than a reset.
     * @throws AssertionError when bytes arrive or the connection stays open past the timeout.
     */
    public boolean awaitTcpClosed() throws IOException
    {
        if (!received.isEmpty())
        {
            throw new AssertionError("server sent frames after its close frame: " + new ArrayList<>(received));
        }
        if (endOfStream)
        {
            return true;
        }
        final long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        try
        {
            while (true)
            {
                final long remainingMs = TimeUnit.NANOSECONDS.toMillis(deadlineNs - System.nanoTime());
                if (remainingMs <= 0)
                {
                    throw new AssertionError("server did not close the TCP connection within " + timeoutMs + "ms");
                }
                socket.setSoTimeout((int)remainingMs);
                final int length = in.read(readBuffer);
                if (-1 == length)
                {
                    endOfStream = true;
                    return true;
                }
                if (length > 0)
                {
                    throw new AssertionError("server sent " + length + " bytes after its close frame: " +
                        HexFormat.of().formatHex(readBuffer, 0, Math.min(length, 32)));
                }
            }
        }
        catch (final SocketTimeoutException ex)
        {
            throw new AssertionError("server did not close the TCP connection within " + timeoutMs + "ms", ex);
        }
        catch (final SocketException ex)
        {
            if (isReset(ex))
            {
                endOfStream = true;
                return false;
            }
            throw ex;
        }
        finally
        {
            if (!socket.isClosed())
            {
                socket.setSoTimeout(timeoutMs);
            }
        }
    }

    /**
     * Close the socket (no closing handshake) and stop the writer thread.
     */
    @Override
    public void close()
    {
        try
        {
            socket.close();
        }
        catch (final IOException ignore)
        {
            // closing a test socket: nothing to do about a failure.
        }
        if (null != writer)
        {
            writer.shutdownNow();
        }
    }

    private void handshake(final InetSocketAddress address, final String path) throws IOException
    {
        final byte[] keyBytes = new byte[KEY_LENGTH];
        ThreadLocalRandom.current().nextBytes(keyBytes);
        final String key = Base64.getEncoder().encodeToString(keyBytes);
        final String request =
            "GET " + path + " HTTP/1.1\r\n" +
            "Host: " + address.getHostString() + ":" + address.getPort() + "\r\n" +
            "Upgrade: websocket\r\n" +
            "Connection: Upgrade\r\n" +
            "Sec-WebSocket-Key: " + key + "\r\n" +
            "Sec-WebSocket-Version: 13\r\n" +
            (null == offeredExtensions ? "" : "Sec-WebSocket-Extensions: " + offeredExtensions + "\r\n") +
            (null == subprotocol ? "" : "Sec-WebSocket-Protocol: " + subprotocol + "\r\n") +
            "\r\n";
        write(request.getBytes(StandardCharsets.US_ASCII));

        final ByteArrayOutputStream head = new ByteArrayOutputStream();
        int headEnd = -1;
        while (headEnd < 0)
        {
            final int length = readSome("the HTTP upgrade response");
            if (-1 == length)
            {
                throw new AssertionError("server closed the connection during the handshake: " +
                    head.toString(StandardCharsets.ISO_8859_1));
            }
            head.write(readBuffer, 0, length);
            headEnd = indexOfHeadEnd(head.toByteArray());
            if (headEnd < 0 && head.size() > MAX_RESPONSE_HEAD_LENGTH)
            {
                throw new AssertionError("HTTP response head longer than " + MAX_RESPONSE_HEAD_LENGTH + " bytes");
            }
        }

        final byte[] all = head.toByteArray();
        extensions = checkResponse(new String(all, 0, headEnd, StandardCharsets.ISO_8859_1), key,
            null != offeredExtensions);
        if (null != extensions && extensions.startsWith("permessage-deflate"))
        {
            decoder.allowCompression(true);
            inflater = new Inflater(true);
        }
        final int leftover = all.length - (headEnd + 4);
        if (leftover > 0)
        {
            final UnsafeBuffer rest = new UnsafeBuffer(new byte[leftover]);
            rest.putBytes(0, all, headEnd + 4, leftover);
            decoder.decode(rest, 0, leftover);
        }
    }

    private static String checkResponse(final String head, final String key, final boolean offered)
    {
        final String[] lines = head.split("\r\n");
        final String[] status = lines[0].split(" ", 3);
        if (status.length < 2 || !status[0].equals("HTTP/1.1") || !status[1].equals("101"))
        {
            throw new AssertionError("expected HTTP/1.1 101, got: " + head);
        }
        final Map<String, String> headers = new TreeMap<>();
        for (int i = 1; i < lines.length; i++)
        {
            final int colon = lines[i].indexOf(':');
            if (colon <= 0)
            {
                throw new AssertionError("malformed header line '" + lines[i] + "' in: " + head);
            }
            headers.merge(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                lines[i].substring(colon + 1).trim(), (final String a, final String b) -> a + ", " + b);
        }
        if (!"websocket".equalsIgnoreCase(headers.get("upgrade")))
        {
            throw new AssertionError("expected 'Upgrade: websocket', got: " + head);
        }
        final String connection = headers.getOrDefault("connection", "").toLowerCase(Locale.ROOT);
        if (!List.of(connection.split("\\s*,\\s*")).contains("upgrade"))
        {
            throw new AssertionError("expected 'Connection: Upgrade', got: " + head);
        }
        final String expectedAccept = acceptFor(key);
        if (!expectedAccept.equals(headers.get("sec-websocket-accept")))
        {
            throw new AssertionError("expected Sec-WebSocket-Accept " + expectedAccept + ", got: " + head);
        }
        if (!offered && headers.containsKey("sec-websocket-extensions"))
        {
            throw new AssertionError("server accepted an extension that was not offered: " + head);
        }
        return headers.get("sec-websocket-extensions");
    }

    /**
     * @return the server's Sec-WebSocket-Extensions answer, or null when it agreed to none.
     */
    public String extensions()
    {
        return extensions;
    }

    /**
     * Compress a message as permessage-deflate does (RFC 7692 §7.2.1): raw deflate, flushed, the final
     * {@code 00 00 FF FF} removed. A fresh compressor each time (no context takeover).
     *
     * @param message the bytes.
     * @return the compressed payload.
     */
    public static byte[] deflate(final byte[] message)
    {
        final Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
        try
        {
            return deflate(deflater, message);
        }
        finally
        {
            deflater.end();
        }
    }

    /**
     * Compress a message with a compressor that keeps its context (for a client with context takeover).
     *
     * @param deflater raw deflate compressor.
     * @param message  the bytes.
     * @return the compressed payload.
     */
    public static byte[] deflate(final Deflater deflater, final byte[] message)
    {
        deflater.setInput(message);
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final byte[] chunk = new byte[64 * 1024];
        int n;
        do
        {
            n = deflater.deflate(chunk, 0, chunk.length, Deflater.SYNC_FLUSH);
            out.write(chunk, 0, n);
        }
        while (n == chunk.length);
        final byte[] all = out.toByteArray();
        return Arrays.copyOf(all, all.length - 4); // SYNC_FLUSH's 00 00 FF FF
    }

    /**
     * Send a message compressed, in one frame with RSV1 set.
     *
     * @param opcode  {@link Opcode#TEXT} or {@link Opcode#BINARY}.
     * @param message the uncompressed bytes.
     * @throws IOException when the write fails.
     */
    public void sendCompressed(final int opcode, final byte[] message) throws IOException
    {
        sendRawFrame(0x80 | 0x40 | opcode, deflate(message));
    }

    /**
     * Inflate one compressed message with this client's inflater, which keeps the server's context unless the
     * server said server_no_context_takeover.
     */
    private byte[] inflate(final byte[] compressed)
    {
        final byte[] input = Arrays.copyOf(compressed, compressed.length + 4);
        input[compressed.length + 2] = (byte)0xFF;
        input[compressed.length + 3] = (byte)0xFF;
        inflater.setInput(input);
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final byte[] chunk = new byte[64 * 1024];
        try
        {
            while (true)
            {
                final int n = inflater.inflate(chunk);
                out.write(chunk, 0, n);
                if (0 == n)
                {
                    if (inflater.needsDictionary())
                    {
                        throw new AssertionError("the server's compressed message asks for a dictionary");
                    }
                    if (inflater.finished())
                    {
                        inflater.reset();
                    }
                    if (inflater.needsInput() || inflater.finished())
                    {
                        break;
                    }
                }
            }
        }
        catch (final DataFormatException ex)
        {
            throw new AssertionError("the server's compressed message does not inflate", ex);
        }
        if (extensions.contains("server_no_context_takeover"))
        {
            inflater.reset();
        }
        return out.toByteArray();
    }

    private static int indexOfHeadEnd(final byte[] bytes)
    {
        for (int i = 0; i + 3 < bytes.length; i++)
        {
            if ('\r' == bytes[i] && '\n' == bytes[i + 1] && '\r' == bytes[i + 2] && '\n' == bytes[i + 3])
            {
                return i;
            }
        }
        return -1;
    }

    private Frame readFrameOrNull(final String expected) throws IOException
    {
        while (received.isEmpty())
        {
            if (endOfStream)
            {
                return null;
            }
            fill(expected);
        }
        return received.removeFirst();
    }

    private void fill(final String expected) throws IOException
    {
        final int length = readSome(expected);
        if (-1 == length)
        {
            endOfStream = true;
            return;
        }
        decoder.decode(readView, 0, length);
        if (decoder.isFailed())
        {
            throw new AssertionError("server broke the protocol (" + decoder.failure().text() + ") after " +
                new ArrayList<>(received));
        }
    }

    private int readSome(final String expected) throws IOException
    {
        try
        {
            return in.read(readBuffer);
        }
        catch (final SocketTimeoutException ex)
        {
            throw new AssertionError("nothing arrived within " + timeoutMs + "ms, expected " + expected +
                (received.isEmpty() ? "" : " after " + new ArrayList<>(received)), ex);
        }
        catch (final SocketException ex)
        {
            if (isReset(ex))
            {
                throw new AssertionError("connection reset by the server, expected " + expected, ex);
            }
            throw ex;
        }
    }

    private ScheduledFuture<?> startWatchdog(final int length, final long extraNs)
    {
        final long allowanceMs = timeoutMs + ((long)length >>> WRITE_ALLOWANCE_SHIFT) +
            TimeUnit.NANOSECONDS.toMillis(extraNs);
        return WATCHDOG.schedule(() ->
        {
            writeTimedOut = true;
            close();
        }, allowanceMs, TimeUnit.MILLISECONDS);
    }

    private IOException writeFailure(final IOException ex, final int length)
    {
        if (writeTimedOut)
        {
            throw new AssertionError("write of " + length + " bytes blocked past the watchdog: server not reading",
                ex);
        }
        return ex;
    }

    /**
     * Remember that a close frame went out, so that {@link #awaitClose(List)} does not reply to the server's close.
     * Only whole frames at the start of the bytes are recognised, which is how this client writes them.
     */
    private void noteCloseFrames(final byte[] rawBytes)
    {
        int position = 0;
        while (position + 2 <= rawBytes.length)
        {
            final int opcode = rawBytes[position] & FrameDescriptor.OPCODE_MASK;
            final int lengthCode = rawBytes[position + 1] & FrameDescriptor.LENGTH_MASK;
            final boolean masked = (rawBytes[position + 1] & FrameDescriptor.MASK_BIT) != 0;
            if (Opcode.CLOSE == opcode)
            {
                closeSent = true;
                return;
            }
            final int extended = lengthCode <= FrameDescriptor.MAX_LENGTH_7 ? 0 :
                (FrameDescriptor.LENGTH_16 == lengthCode ? 2 : 8);
            if (position + 2 + extended > rawBytes.length)
            {
                return;
            }
            long length = lengthCode;
            if (extended > 0)
            {
                length = 0;
                for (int i = 0; i < extended; i++)
                {
                    length = (length << 8) | (rawBytes[position + 2 + i] & 0xFF);
                }
            }
            final long next = position + 2L + extended + (masked ? FrameDescriptor.MASK_KEY_LENGTH : 0) + length;
            if (length < 0 || next > rawBytes.length)
            {
                return;
            }
            position = (int)next;
        }
    }

    private static boolean isReset(final SocketException ex)
    {
        final String message = ex.getMessage();
        return null != message && (message.contains("reset") || message.contains("Broken pipe"));
    }

    private static int randomMaskKey()
    {
        return ThreadLocalRandom.current().nextInt();
    }

    /**
     * Joins each frame's payload chunks and queues the frame.
     */
    private final class Collector implements FrameHandler
    {
        private int opcode;
        private boolean fin;
        private boolean compressed;
        private byte[] payload;
        private int position;

        @Override
        public void onFrameStart(final int opcode, final boolean fin, final long payloadLength)
        {
            this.opcode = opcode;
            this.compressed = (Opcode.TEXT == opcode || Opcode.BINARY == opcode) && decoder.isMessageCompressed();
            this.fin = fin;
            this.payload = new byte[(int)payloadLength];
            this.position = 0;
        }

        @Override
        public void onFramePayload(final MutableDirectBuffer buffer, final int offset, final int length)
        {
            buffer.getBytes(offset, payload, position, length);
            position += length;
        }

        @Override
        public void onFrameEnd()
        {
            received.addLast(new Frame(opcode, fin, payload, compressed));
        }

        @Override
        public void onProtocolError(final CloseReason reason)
        {
            // reported by fill() through decoder.isFailed(), with the frames decoded so far.
        }
    }
}
