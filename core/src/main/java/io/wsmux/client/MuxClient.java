package io.wsmux.client;

import static io.wsmux.codec.mux.BinaryMuxDescriptor.CODE_OFFSET;
import static io.wsmux.codec.mux.BinaryMuxDescriptor.HEADER_LENGTH;
import static io.wsmux.codec.mux.BinaryMuxDescriptor.REASON_OFFSET;

import java.net.ProtocolException;
import java.net.URI;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReferenceArray;

import io.wsmux.codec.CloseCode;
import io.wsmux.codec.CloseReason;
import io.wsmux.codec.Utf8Validator;
import io.wsmux.codec.mux.BinaryMuxDescriptor;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;

/**
 * The client side of the {@code wsmux.v1} binary multiplexing protocol (docs/protocol.md) over one
 * {@link WebSocketClientConnection}: many {@link MuxClientChannel}s, each opened on a service or topic name.
 * <pre>
 * MuxClient mux = MuxClient.connect(client, URI.create("ws://127.0.0.1:8080/mux")).get();
 * MuxClientChannel prices = mux.open("prices.EURUSD", 5, listener);   // OPEN; OPENED arrives at listener.onOpened
 * </pre>
 * The client picks channel ids: the lowest id not in use, from 1. Every server message is decoded strictly; one that
 * is malformed (too short for its type, an unknown type, a reason that is not UTF-8, channel id 0 on anything but
 * ERROR, OPENED or REFUSED for a channel that is not opening) fails the connection: the client tells
 * {@link MuxListener#onFailure} why, in a {@link ProtocolException}, and closes the WebSocket with 1002.
 * <p>
 * Thread safe: channels may be opened, used and closed from any thread. The channel table is read without locking
 * on the I/O thread for every message (a volatile array); opening and freeing ids take a lock. Channel state changes
 * (OPEN and CLOSE written, ids freed) happen on the I/O thread, after the messages the requesting thread sent
 * before, so an id is never reused ahead of its CLOSE. Receiving allocates nothing but for REFUSED, CLOSED and ERROR
 * reasons.
 */
public final class MuxClient
{
    /** The subprotocol this client asks for. */
    public static final String SUBPROTOCOL = BinaryMuxDescriptor.SUBPROTOCOL;

    static final int COMMAND_OPEN = 0;
    static final int COMMAND_CLOSE = 1;

    private static final int INITIAL_TABLE_LENGTH = 16;
    private static final int MAX_NAME_LENGTH = 0xFFFF;
    /** Reserved for connection-wide ERROR messages; never a channel. */
    private static final long NULL_CHANNEL_ID = 0;
    private static final String CLOSED_BY_CLIENT_REASON = "closed by client";
    private static final MuxListener NO_LISTENER = new MuxListener()
    {
    };

    private final MuxListener listener;
    private final Events events = new Events();
    private final Object lock = new Object();
    /** Ids in use, from OPEN requested until closed and, for a channel closed while opening, answered. */
    private final BitSet ids = new BitSet();
    /** Scratch for OPEN and CLOSE: I/O thread only. */
    private final ExpandableArrayBuffer controlScratch = new ExpandableArrayBuffer(64);
    private volatile AtomicReferenceArray<MuxClientChannel> channels =
        new AtomicReferenceArray<>(INITIAL_TABLE_LENGTH);
    private volatile WebSocketClientConnection connection;
    private boolean connectionClosed;
    private volatile boolean failed;

    private MuxClient(final MuxListener listener)
    {
        this.listener = null == listener ? NO_LISTENER : listener;
    }

    /**
     * Open a WebSocket with subprotocol {@code wsmux.v1}, ignoring connection-level events.
     *
     * @param client to connect with.
     * @param uri    the server's multiplexing endpoint, e.g. {@code ws://127.0.0.1:8080/mux}.
     * @return completes when the WebSocket is open and the server confirmed {@code wsmux.v1}; fails as
     * {@link WsmuxClient#connect} does.
     */
    public static CompletableFuture<MuxClient> connect(final WsmuxClient client, final URI uri)
    {
        return connect(client, uri, null);
    }

    /**
     * Open a WebSocket with subprotocol {@code wsmux.v1}.
     *
     * @param client   to connect with.
     * @param uri      the server's multiplexing endpoint.
     * @param listener told about ERROR messages, failures and the close of the connection; null for none.
     * @return completes when the WebSocket is open and the server confirmed {@code wsmux.v1}; fails as
     * {@link WsmuxClient#connect} does.
     */
    public static CompletableFuture<MuxClient> connect(
        final WsmuxClient client, final URI uri, final MuxListener listener)
    {
        final MuxClient mux = new MuxClient(listener);
        return client.connect(uri, SUBPROTOCOL, mux.events).thenApply((connection) -> mux);
    }

    /**
     * Open a channel with no maximum rate.
     *
     * @param name     the service or topic name.
     * @param listener the channel's callbacks.
     * @return the channel, opening.
     */
    public MuxClientChannel open(final String name, final ChannelListener listener)
    {
        return open(name, 0, listener);
    }

    /**
     * Open a channel: allocate the lowest free id and send OPEN. The answer arrives at
     * {@link ChannelListener#onOpened} or {@link ChannelListener#onRefused}.
     *
     * @param name     the service or topic name, 1 to 65535 bytes of UTF-8.
     * @param maxRate  at most this many messages per second for a topic subscription, 0 for no limit.
     * @param listener the channel's callbacks.
     * @return the channel, opening.
     * @throws IllegalArgumentException for an empty or too long name, or a negative rate.
     * @throws IllegalStateException    when the connection is closed.
     */
    public MuxClientChannel open(final String name, final int maxRate, final ChannelListener listener)
    {
        return open(name, maxRate, 0, 0, 0, listener);
    }

    /**
     * Open a channel that asks for positions (docs/protocol.md, positions and recovery): on a topic with a history,
     * {@link ChannelListener#onRecovery} tells the topic's epoch and offset, and {@link MuxClientChannel#position()}
     * gives each message's offset during its callback.
     *
     * @param name     the topic name.
     * @param maxRate  at most this many messages per second, 0 for no limit.
     * @param listener the channel's callbacks.
     * @return the channel, opening.
     */
    public MuxClientChannel openWithPositions(final String name, final int maxRate, final ChannelListener listener)
    {
        return open(name, maxRate, BinaryMuxDescriptor.OPEN_POSITIONS, 0, 0, listener);
    }

    /**
     * Open a channel that resumes after a position: if the topic's history still holds every publication after it,
     * they come first, then live ({@link BinaryMuxDescriptor#RECOVERY_RECOVERED}); otherwise nothing is replayed
     * ({@link BinaryMuxDescriptor#RECOVERY_NOT_RECOVERED}, then the last value if the topic keeps one).
     *
     * @param name     the topic name.
     * @param maxRate  at most this many messages per second, 0 for no limit.
     * @param epoch    the epoch of the last message the application has ({@link MuxClientChannel#epoch()}).
     * @param offset   its offset ({@link MuxClientChannel#position()}).
     * @param listener the channel's callbacks.
     * @return the channel, opening.
     */
    public MuxClientChannel recover(
        final String name, final int maxRate, final long epoch, final long offset, final ChannelListener listener)
    {
        return open(name, maxRate, BinaryMuxDescriptor.OPEN_POSITIONS | BinaryMuxDescriptor.OPEN_RECOVER, epoch,
            offset, listener);
    }

    private MuxClientChannel open(
        final String name,
        final int maxRate,
        final int positionFlags,
        final long recoverEpoch,
        final long recoverOffset,
        final ChannelListener listener)
    {
        if (null == listener)
        {
            throw new NullPointerException("listener");
        }
        final byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        if (0 == nameBytes.length || nameBytes.length > MAX_NAME_LENGTH)
        {
            throw new IllegalArgumentException("channel name must be 1..65535 bytes of UTF-8: length=" +
                nameBytes.length);
        }
        if (maxRate < 0)
        {
            throw new IllegalArgumentException("maxRate must be >= 0: maxRate=" + maxRate);
        }
        final WebSocketClientConnection connection = this.connection;
        final MuxClientChannel channel;
        synchronized (lock)
        {
            if (connectionClosed || failed || !connection.isOpen())
            {
                throw new IllegalStateException("wsmux.v1 connection is closed: " + connection);
            }
            final int id = ids.nextClearBit(1);
            ids.set(id);
            channel = new MuxClientChannel(this, id, name, nameBytes, maxRate, listener);
            channel.positionFlags = positionFlags;
            channel.recoverEpoch = recoverEpoch;
            channel.recoverOffset = recoverOffset;
            AtomicReferenceArray<MuxClientChannel> table = channels;
            if (id >= table.length())
            {
                final AtomicReferenceArray<MuxClientChannel> grown = new AtomicReferenceArray<>(table.length() * 2);
                for (int i = 0; i < table.length(); i++)
                {
                    grown.set(i, table.get(i));
                }
                channels = grown;
                table = grown;
            }
            table.set(id, channel);
        }

        if (connection.isLoopThread())
        {
            writeOpen(channel);
        }
        else
        {
            // Ordered after this thread's earlier sends; if the connection closes first, its close ends the channel.
            connection.offerListenerCommand(COMMAND_OPEN, channel.id);
        }
        return channel;
    }

    /**
     * @return the WebSocket under this client.
     */
    public WebSocketClientConnection connection()
    {
        return connection;
    }

    /**
     * @return true while the WebSocket is open and no malformed message has failed it.
     */
    public boolean isOpen()
    {
        return !failed && connection.isOpen();
    }

    /**
     * @return channels opening or open now (ids in use).
     */
    public int channelCount()
    {
        synchronized (lock)
        {
            return ids.cardinality();
        }
    }

    /**
     * Close the WebSocket with 1000, and with it every channel.
     */
    public void close()
    {
        connection.close(CloseCode.NORMAL, "");
    }

    @Override
    public String toString()
    {
        return "MuxClient{" + connection + ", channels=" + channelCount() + "}";
    }

    // ---- from channels, any thread ----

    boolean send(final DirectBuffer header, final DirectBuffer buffer, final int offset, final int length)
    {
        return !failed && connection.sendBinary(header, 0, HEADER_LENGTH, buffer, offset, length);
    }

    void requestClose(final MuxClientChannel channel)
    {
        final WebSocketClientConnection connection = this.connection;
        if (connection.isLoopThread())
        {
            onCloseRequested(channel);
        }
        else
        {
            connection.offerListenerCommand(COMMAND_CLOSE, channel.id);
        }
    }

    // ---- channel state, I/O thread ----

    private void onLoopCommand(final int kind, final int id)
    {
        final MuxClientChannel channel = channel(id & 0xFFFF_FFFFL);
        if (null == channel)
        {
            return;
        }
        if (COMMAND_OPEN == kind)
        {
            writeOpen(channel);
        }
        else
        {
            onCloseRequested(channel);
        }
    }

    private void writeOpen(final MuxClientChannel channel)
    {
        if (MuxClientChannel.STATE_NEW != channel.state)
        {
            return;
        }
        if (channel.closeRequested)
        {
            // Closed before its OPEN was written: the server never hears of it.
            channel.state = MuxClientChannel.STATE_CLOSED;
            free(channel);
            finish(channel, false, MuxClientChannel.CLOSED_BY_CLIENT, CLOSED_BY_CLIENT_REASON);
            return;
        }
        final int length = 0 == channel.positionFlags ?
            BinaryMuxDescriptor.writeOpen(
            controlScratch, 0, channel.id, channel.nameBytes, 0, channel.nameBytes.capacity(), channel.maxRate) :
            BinaryMuxDescriptor.writeOpenAt(controlScratch, 0, channel.id, channel.nameBytes, 0,
            channel.nameBytes.capacity(), channel.maxRate, channel.positionFlags, channel.recoverEpoch,
            channel.recoverOffset);
        channel.state = MuxClientChannel.STATE_OPENING;
        connection.sendBinary(controlScratch, 0, length);
    }

    private void onCloseRequested(final MuxClientChannel channel)
    {
        switch (channel.state)
        {
            case MuxClientChannel.STATE_OPENING:
                writeClose(channel);
                channel.state = MuxClientChannel.STATE_CLOSING; // the id waits for the answer to OPEN
                finish(channel, false, MuxClientChannel.CLOSED_BY_CLIENT, CLOSED_BY_CLIENT_REASON);
                break;

            case MuxClientChannel.STATE_OPEN:
                writeClose(channel);
                channel.state = MuxClientChannel.STATE_CLOSED;
                free(channel);
                finish(channel, false, MuxClientChannel.CLOSED_BY_CLIENT, CLOSED_BY_CLIENT_REASON);
                break;

            default:
                break; // NEW: the pending OPEN command sees closeRequested; CLOSING, CLOSED: done already
        }
    }

    private void writeClose(final MuxClientChannel channel)
    {
        final int length =
            BinaryMuxDescriptor.writeHeader(controlScratch, 0, BinaryMuxDescriptor.CLOSE, channel.id);
        connection.sendBinary(controlScratch, 0, length);
    }

    private MuxClientChannel channel(final long id)
    {
        final AtomicReferenceArray<MuxClientChannel> table = channels;
        return id < table.length() ? table.get((int)id) : null;
    }

    private void free(final MuxClientChannel channel)
    {
        synchronized (lock)
        {
            final AtomicReferenceArray<MuxClientChannel> table = channels;
            if (table.get(channel.id) == channel)
            {
                table.set(channel.id, null);
                ids.clear(channel.id);
            }
        }
    }

    /**
     * Give a channel its one final callback.
     */
    private void finish(final MuxClientChannel channel, final boolean refused, final int code, final String reason)
    {
        if (channel.finished)
        {
            return;
        }
        channel.finished = true;
        if (refused)
        {
            channel.listener.onRefused(channel, code, reason);
        }
        else
        {
            channel.listener.onClosed(channel, code, reason);
        }
    }

    // ---- server messages, I/O thread ----

    private void onMessage(final DirectBuffer buffer, final int offset, final int length)
    {
        if (failed)
        {
            return;
        }
        if (length < 1)
        {
            fail("empty message");
            return;
        }
        final byte type = buffer.getByte(offset + BinaryMuxDescriptor.TYPE_OFFSET);
        if (length < HEADER_LENGTH)
        {
            fail(typeName(type) + " of " + length + " bytes, shorter than the 5-byte header");
            return;
        }
        final long id = BinaryMuxDescriptor.channelId(buffer, offset) & 0xFFFF_FFFFL;
        if (NULL_CHANNEL_ID == id && BinaryMuxDescriptor.ERROR != type)
        {
            fail(typeName(type) + " for channel 0, which is reserved for connection-wide errors");
            return;
        }

        switch (type)
        {
            case BinaryMuxDescriptor.SERVER_TEXT:
                if (!Utf8Validator.isValid(buffer, offset + HEADER_LENGTH, length - HEADER_LENGTH))
                {
                    fail("TEXT on channel " + id + " is not valid UTF-8");
                    return;
                }
                onData(id, true, buffer, offset, length);
                break;

            case BinaryMuxDescriptor.SERVER_BINARY:
                onData(id, false, buffer, offset, length);
                break;

            case BinaryMuxDescriptor.TEXT_AT:
            case BinaryMuxDescriptor.BINARY_AT:
                onDataAt(id, BinaryMuxDescriptor.TEXT_AT == type, buffer, offset, length);
                break;

            case BinaryMuxDescriptor.OPENED:
            {
                final MuxClientChannel opening = channel(id);
                final int expected = null != opening && 0 != opening.positionFlags ?
                    BinaryMuxDescriptor.OPENED_POSITION_LENGTH : HEADER_LENGTH;
                if (expected != length)
                {
                    fail("OPENED of " + length + " bytes, expected " + expected);
                    return;
                }
                onOpened(id, buffer, offset, length);
                break;
            }

            case BinaryMuxDescriptor.REFUSED:
            case BinaryMuxDescriptor.CLOSED:
            case BinaryMuxDescriptor.ERROR:
            case BinaryMuxDescriptor.GAP:
                onCodeAndReason(type, id, buffer, offset, length);
                break;

            default:
                if ((type & 0xFF) > (BinaryMuxDescriptor.GAP & 0xFF))
                {
                    break; // a server message of a later extension: ignored, as docs/protocol.md asks of clients
                }
                fail("unknown message " + typeName(type) + " on channel " + id);
                break;
        }
    }

    private void onData(
        final long id, final boolean text, final DirectBuffer buffer, final int offset, final int length)
    {
        final MuxClientChannel channel = channel(id);
        // Data for a channel that is not open is stale: sent before the server saw our CLOSE of an earlier channel
        // on this id (the id may be opening again). Dropped.
        if (null != channel && MuxClientChannel.STATE_OPEN == channel.state)
        {
            if (text)
            {
                channel.listener.onText(channel, buffer, offset + HEADER_LENGTH, length - HEADER_LENGTH);
            }
            else
            {
                channel.listener.onBinary(channel, buffer, offset + HEADER_LENGTH, length - HEADER_LENGTH);
            }
        }
    }

    private void onDataAt(
        final long id, final boolean text, final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < BinaryMuxDescriptor.AT_PREFIX_LENGTH)
        {
            fail(typeName(text ? BinaryMuxDescriptor.TEXT_AT : BinaryMuxDescriptor.BINARY_AT) + " of " + length +
                " bytes, shorter than its " + BinaryMuxDescriptor.AT_PREFIX_LENGTH + "-byte prefix");
            return;
        }
        final int payloadOffset = offset + BinaryMuxDescriptor.AT_PREFIX_LENGTH;
        final int payloadLength = length - BinaryMuxDescriptor.AT_PREFIX_LENGTH;
        if (text && !Utf8Validator.isValid(buffer, payloadOffset, payloadLength))
        {
            fail("TEXT_AT on channel " + id + " is not valid UTF-8");
            return;
        }
        final MuxClientChannel channel = channel(id);
        if (null != channel && MuxClientChannel.STATE_OPEN == channel.state)
        {
            channel.position = BinaryMuxDescriptor.offsetFrom(channel.position,
                buffer.getInt(offset + HEADER_LENGTH, ByteOrder.BIG_ENDIAN));
            if (text)
            {
                channel.listener.onText(channel, buffer, payloadOffset, payloadLength);
            }
            else
            {
                channel.listener.onBinary(channel, buffer, payloadOffset, payloadLength);
            }
        }
    }

    private void onOpened(final long id, final DirectBuffer buffer, final int offset, final int length)
    {
        final MuxClientChannel channel = channel(id);
        final int state = null == channel ? MuxClientChannel.STATE_CLOSED : channel.state;
        if (MuxClientChannel.STATE_OPENING == state)
        {
            channel.state = MuxClientChannel.STATE_OPEN;
            if (BinaryMuxDescriptor.OPENED_POSITION_LENGTH == length)
            {
                final int recovery = buffer.getByte(offset + HEADER_LENGTH) & 0xFF;
                final long epoch = buffer.getLong(offset + HEADER_LENGTH + 1, ByteOrder.BIG_ENDIAN);
                final long position = buffer.getLong(offset + HEADER_LENGTH + 1 + Long.BYTES, ByteOrder.BIG_ENDIAN);
                channel.recovery = recovery;
                channel.epoch = epoch;
                // A recovery replays from the client's offset; otherwise what follows is after the current one,
                // except the last value, which is the current one itself.
                channel.position = BinaryMuxDescriptor.RECOVERY_RECOVERED == recovery ? channel.recoverOffset :
                    Math.max(0, position - 1);
                channel.listener.onOpened(channel);
                channel.listener.onRecovery(channel, recovery, epoch, position);
                return;
            }
            channel.listener.onOpened(channel);
        }
        else if (MuxClientChannel.STATE_CLOSING == state)
        {
            // Closed while opening: our CLOSE follows the OPEN, so the server closes it; the id is free now.
            channel.state = MuxClientChannel.STATE_CLOSED;
            free(channel);
        }
        else
        {
            fail("OPENED for channel " + id + ", which is not opening");
        }
    }

    private void onCodeAndReason(
        final byte type, final long id, final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < REASON_OFFSET)
        {
            fail(typeName(type) + " of " + length + " bytes, shorter than its " + REASON_OFFSET +
                "-byte minimum (type, channel id, code)");
            return;
        }
        final int code = buffer.getShort(offset + CODE_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        final int reasonLength = length - REASON_OFFSET;
        if (!Utf8Validator.isValid(buffer, offset + REASON_OFFSET, reasonLength))
        {
            fail(typeName(type) + " on channel " + id + " has a reason that is not valid UTF-8");
            return;
        }
        final String reason = buffer.getStringWithoutLengthUtf8(offset + REASON_OFFSET, reasonLength);
        final MuxClientChannel channel = channel(id);
        final int state = null == channel ? MuxClientChannel.STATE_CLOSED : channel.state;

        if (BinaryMuxDescriptor.ERROR == type)
        {
            listener.onError(this, id, code, reason);
        }
        else if (BinaryMuxDescriptor.GAP == type)
        {
            if (MuxClientChannel.STATE_OPEN == state)
            {
                channel.listener.onGap(channel, code, reason);
            }
            // else stale: for a channel closed meanwhile, or for an earlier user of the id.
        }
        else if (BinaryMuxDescriptor.REFUSED == type)
        {
            if (MuxClientChannel.STATE_OPENING == state || MuxClientChannel.STATE_CLOSING == state)
            {
                channel.state = MuxClientChannel.STATE_CLOSED;
                free(channel);
                finish(channel, true, code, reason);
            }
            else
            {
                fail("REFUSED for channel " + id + ", which is not opening");
            }
        }
        else if (MuxClientChannel.STATE_OPEN == state)
        {
            channel.state = MuxClientChannel.STATE_CLOSED;
            free(channel);
            finish(channel, false, code, reason);
        }
        // else CLOSED for a channel not open: the server closed it as we did, or for an earlier user of the id.
    }

    private static String typeName(final byte type)
    {
        switch (type)
        {
            case BinaryMuxDescriptor.OPENED:
                return "OPENED";
            case BinaryMuxDescriptor.REFUSED:
                return "REFUSED";
            case BinaryMuxDescriptor.SERVER_TEXT:
                return "TEXT";
            case BinaryMuxDescriptor.SERVER_BINARY:
                return "BINARY";
            case BinaryMuxDescriptor.CLOSED:
                return "CLOSED";
            case BinaryMuxDescriptor.ERROR:
                return "ERROR";
            case BinaryMuxDescriptor.GAP:
                return "GAP";
            case BinaryMuxDescriptor.TEXT_AT:
                return "TEXT_AT";
            case BinaryMuxDescriptor.BINARY_AT:
                return "BINARY_AT";
            default:
                return String.format("type 0x%02x", type & 0xFF);
        }
    }

    /**
     * The server broke {@code wsmux.v1}: report it, close the WebSocket with 1002, and ignore what else arrives.
     */
    private void fail(final String problem)
    {
        failed = true;
        final String message = "malformed wsmux.v1 message from " + connection.uri() + ": " + problem;
        listener.onFailure(this, new ProtocolException(message));
        connection.close(CloseCode.PROTOCOL_ERROR, closeReason(problem));
    }

    private static String closeReason(final String problem)
    {
        final String reason = "wsmux.v1: " + problem;
        final byte[] bytes = reason.getBytes(StandardCharsets.UTF_8);
        return bytes.length <= CloseReason.MAX_REASON_LENGTH ?
            reason : new String(bytes, 0, CloseReason.MAX_REASON_LENGTH - 3, StandardCharsets.US_ASCII) + "...";
    }

    private void onConnectionClosed(final int code, final String reason)
    {
        final List<MuxClientChannel> open = new ArrayList<>();
        synchronized (lock)
        {
            connectionClosed = true;
            final AtomicReferenceArray<MuxClientChannel> table = channels;
            for (int i = 0; i < table.length(); i++)
            {
                final MuxClientChannel channel = table.get(i);
                if (null != channel)
                {
                    open.add(channel);
                    table.set(i, null);
                }
            }
            ids.clear();
        }
        for (final MuxClientChannel channel : open)
        {
            channel.state = MuxClientChannel.STATE_CLOSED;
            try
            {
                finish(channel, false, code, reason);
            }
            catch (final Throwable ex)
            {
                listener.onFailure(this, ex);
            }
        }
        listener.onClose(this, code, reason);
    }

    /**
     * The WebSocket's callbacks and the loop commands, kept off the public API.
     */
    private final class Events implements ClientHandler, WebSocketClientConnection.LoopCommandListener
    {
        @Override
        public void onOpen(final WebSocketClientConnection connection)
        {
            MuxClient.this.connection = connection;
            connection.commandListener(this);
            listener.onOpen(MuxClient.this);
        }

        @Override
        public void onText(
            final WebSocketClientConnection connection, final DirectBuffer buffer, final int offset, final int length)
        {
            if (!failed)
            {
                fail("text frame (wsmux.v1 messages are binary frames)");
            }
        }

        @Override
        public void onBinary(
            final WebSocketClientConnection connection, final DirectBuffer buffer, final int offset, final int length)
        {
            onMessage(buffer, offset, length);
        }

        @Override
        public void onClose(final WebSocketClientConnection connection, final int code, final String reason)
        {
            onConnectionClosed(code, reason);
        }

        @Override
        public void onError(final WebSocketClientConnection connection, final Throwable error)
        {
            listener.onFailure(MuxClient.this, error);
        }

        @Override
        public void onLoopCommand(final int kind, final int arg, final long nowNs)
        {
            MuxClient.this.onLoopCommand(kind, arg);
        }
    }
}
