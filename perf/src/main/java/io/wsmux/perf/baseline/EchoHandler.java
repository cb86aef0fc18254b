package io.wsmux.perf.baseline;

import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.util.ReferenceCountUtil;

/**
 * Sends every data frame straight back as it came: text as text, binary as binary, and the continuation frames of a
 * fragmented message as continuation frames with the same FIN bit, so a fragmented message is echoed as the same
 * message without being aggregated. The inbound frame itself is written: its pooled payload changes owner, it is
 * neither copied nor retained. Pings are answered, and pongs and closes handled, by the protocol handler before this.
 * Stateless and shared by every channel; runs on the channel's event loop.
 */
@Sharable
final class EchoHandler extends ChannelInboundHandlerAdapter
{
    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object msg)
    {
        if (msg instanceof TextWebSocketFrame || msg instanceof BinaryWebSocketFrame ||
            msg instanceof ContinuationWebSocketFrame)
        {
            // FlushConsolidationHandler at the head of the pipeline turns these flushes into one per read batch
            // (or one per 256 messages): see NettyServer.
            ctx.writeAndFlush(msg, ctx.voidPromise());
        }
        else
        {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
    {
        ctx.close();
    }
}
