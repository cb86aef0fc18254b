package io.wsmux.perf.baseline;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.util.ReferenceCountUtil;

/**
 * One connection of the fan-out server, speaking the text multiplex protocol (docs/protocol.md):
 * {@code sub,<name>}, {@code msg,<name>,<payload>}, {@code uns,<name>}. Names under {@code bench.} are topics to
 * subscribe to; a name {@code publish.<topic>} opens a publishing channel whose messages go to every subscriber of
 * {@code <topic>} as {@code msg,<topic>,<payload>}. Any other name is refused with {@code uns,<name>}; a binary frame
 * closes the WebSocket with 1003. Names are kept in their wire (escaped) form.
 * <p>
 * A publication is encoded once into one pooled buffer; each subscriber gets a frame over a retained duplicate of it
 * (or, with wire frames, a retained duplicate of the encoded frame), written and flushed by the topic's
 * {@link ChannelGroup}: subscribers on other event loops get the write as a task on their loop; a subscriber that is
 * not writable misses the publication (see {@link TopicRegistry}). Not thread safe: one instance per channel, on the
 * channel's event loop.
 */
final class FanOutHandler extends ChannelInboundHandlerAdapter
{
    private static final String TOPIC_PREFIX = "bench.";
    private static final String PUBLISH_PREFIX = "publish.";
    private static final int TYPE_LENGTH = 3;
    private static final int MAX_HEADER_LENGTH = 10;
    private static final int SUB = type('s', 'u', 'b');
    private static final int MSG = type('m', 's', 'g');
    private static final int UNS = type('u', 'n', 's');
    private static final byte[] UNS_PREFIX = "uns,".getBytes(StandardCharsets.US_ASCII);

    /** A publishing channel: the topic it publishes to and the encoded {@code msg,<topic>,} prefix. */
    private record PublishChannel(ChannelGroup subscribers, byte[] prefix)
    {
    }

    private final TopicRegistry registry;
    private final boolean wireFrames;
    private final Map<String, ChannelGroup> subscriptions = new HashMap<>();
    private final Map<String, PublishChannel> publishChannels = new HashMap<>();

    /**
     * @param registry   the server's topics.
     * @param wireFrames false to write a {@link TextWebSocketFrame} per subscriber, which Netty's WebSocket encoder
     *                   turns into bytes per subscriber (a header, plus a copy of payloads up to 1 KiB); true to
     *                   encode the whole WebSocket frame once and write the same bytes to every subscriber (a
     *                   {@link ByteBuf} passes the WebSocket encoder untouched), as wsmux does.
     */
    FanOutHandler(final TopicRegistry registry, final boolean wireFrames)
    {
        this.registry = registry;
        this.wireFrames = wireFrames;
    }

    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object msg)
    {
        try
        {
            if (msg instanceof TextWebSocketFrame)
            {
                onText(ctx, ((TextWebSocketFrame)msg).content());
            }
            else if (msg instanceof BinaryWebSocketFrame)
            {
                // docs/protocol.md: a binary frame is not part of the text protocol; close with 1003.
                ctx.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.INVALID_MESSAGE_TYPE))
                    .addListener(ChannelFutureListener.CLOSE);
            }
        }
        finally
        {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
    {
        ctx.close();
    }

    private void onText(final ChannelHandlerContext ctx, final ByteBuf text)
    {
        final int start = text.readerIndex();
        final int end = text.writerIndex();
        final int nameStart = start + TYPE_LENGTH + 1;
        if (nameStart > end || text.getByte(nameStart - 1) != ',')
        {
            return;     // no type: ignored
        }
        final int comma = text.indexOf(nameStart, end, (byte)',');
        final int nameEnd = comma < 0 ? end : comma;
        if (nameEnd == nameStart)
        {
            return;     // empty name: ignored
        }
        // Escaped names are ASCII; ISO-8859-1 maps any other byte to one char, so the lookup key is the wire bytes.
        final String name = text.toString(nameStart, nameEnd - nameStart, StandardCharsets.ISO_8859_1);

        final int type = text.getUnsignedMedium(start);
        if (MSG == type)
        {
            final PublishChannel channel = publishChannels.get(name);
            if (null != channel)
            {
                final int payloadStart = comma < 0 ? end : comma + 1;
                publish(ctx, channel, text, payloadStart, end - payloadStart);
            }
        }
        else if (SUB == type)
        {
            subscribe(ctx, name, text, nameStart, nameEnd - nameStart);
        }
        else if (UNS == type)
        {
            final ChannelGroup subscribers = subscriptions.remove(name);
            if (null != subscribers)
            {
                subscribers.remove(ctx.channel());
            }
            publishChannels.remove(name);
        }
    }

    private void publish(
        final ChannelHandlerContext ctx,
        final PublishChannel channel,
        final ByteBuf text,
        final int payloadStart,
        final int payloadLength)
    {
        final byte[] prefix = channel.prefix();
        final int textLength = prefix.length + payloadLength;
        final ByteBuf publication = ctx.alloc().ioBuffer((wireFrames ? MAX_HEADER_LENGTH : 0) + textLength);
        if (wireFrames)
        {
            writeTextFrameHeader(publication, textLength);
        }
        publication.writeBytes(prefix).writeBytes(text, payloadStart, payloadLength);
        // The group writes a retained duplicate to each matching subscriber, then releases the original.
        channel.subscribers().writeAndFlush(
            wireFrames ? publication : new TextWebSocketFrame(publication), registry.writableSubscribers(), true);
    }

    /**
     * RFC 6455 §5.2: FIN and the text opcode, then the payload length in 7 bits, or 126 and 16 bits, or 127 and
     * 64 bits; a server's frames are not masked.
     */
    private static void writeTextFrameHeader(final ByteBuf out, final int payloadLength)
    {
        out.writeByte(0x80 | 0x1);
        if (payloadLength < 126)
        {
            out.writeByte(payloadLength);
        }
        else if (payloadLength <= 0xFFFF)
        {
            out.writeByte(126).writeShort(payloadLength);
        }
        else
        {
            out.writeByte(127).writeLong(payloadLength);
        }
    }

    private void subscribe(
        final ChannelHandlerContext ctx, final String name, final ByteBuf text, final int nameStart, final int length)
    {
        if (subscriptions.containsKey(name) || publishChannels.containsKey(name))
        {
            return;     // already open: ignored
        }
        if (name.startsWith(TOPIC_PREFIX))
        {
            final ChannelGroup subscribers = registry.topic(name);
            subscriptions.put(name, subscribers);
            subscribers.add(ctx.channel());
        }
        else if (name.startsWith(PUBLISH_PREFIX) && name.startsWith(TOPIC_PREFIX, PUBLISH_PREFIX.length()))
        {
            final String topic = name.substring(PUBLISH_PREFIX.length());
            final byte[] prefix = ("msg," + topic + ",").getBytes(StandardCharsets.ISO_8859_1);
            publishChannels.put(name, new PublishChannel(registry.topic(topic), prefix));
        }
        else
        {
            final ByteBuf refusal = ctx.alloc().ioBuffer(UNS_PREFIX.length + length);
            refusal.writeBytes(UNS_PREFIX).writeBytes(text, nameStart, length);
            ctx.writeAndFlush(new TextWebSocketFrame(refusal), ctx.voidPromise());
        }
    }

    private static int type(final char first, final char second, final char third)
    {
        return (first << 16) | (second << 8) | third;
    }
}
