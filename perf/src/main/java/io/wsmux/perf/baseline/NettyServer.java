package io.wsmux.perf.baseline;

import java.io.File;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.AdaptiveByteBufAllocator;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.codec.http.websocketx.extensions.compression.WebSocketServerCompressionHandler;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * The Netty 4.2 baseline the perf suite measures wsmux against, in the same run and on the same machine:
 * <pre>
 * java -cp perf/target/wsmux-perf.jar io.wsmux.perf.baseline.NettyServer \
 *     --mode echo|fanout --port 9002 --transport nio|epoll --threads 1 \
 *     [--bind 127.0.0.1] [--allocator pooled|adaptive] [--fanout-write frame|wire] [--deflate] \
 *     [--tls-cert chain.pem --tls-key key.pem [--tls-protocol TLSv1.3] [--tls-cipher TLS_AES_128_GCM_SHA256]]
 * </pre>
 * {@code echo} sends every text and binary message back on any path (frames up to 16 MiB, as wsmux's echo mode);
 * {@code fanout} speaks the text multiplex protocol with topics {@code bench.*} and publishing channels
 * {@code publish.<topic>}. One boss thread accepts; {@code --threads} event loops do the I/O. Prints one line when
 * listening and stops gracefully on SIGTERM or Ctrl-C (printing the fan-out drop count).
 * <p>
 * Child pipeline as built: ({@link SslHandler} with {@code --tls-cert}), {@link FlushConsolidationHandler},
 * {@link HttpServerCodec}, {@link HttpObjectAggregator},
 * {@link WebSocketServerProtocolHandler} (which inserts its handshake handler and the UTF-8 validator before
 * itself), then {@link EchoHandler}, or {@link WebSocketFrameAggregator} and {@link FanOutHandler}. After the
 * handshake: {@code FlushConsolidationHandler, WebSocket13FrameEncoder, WebSocket13FrameDecoder, Utf8FrameValidator,
 * WebSocketServerProtocolHandler}, then the same mode handlers.
 * <p>
 * {@code --deflate} adds Netty's {@link WebSocketServerCompressionHandler} between the aggregator and the protocol
 * handler (as Netty's own examples do) and lets the decoder take RSV1 ({@code allowExtensions}); after the handshake
 * its {@code PerMessageDeflateEncoder} and {@code PerMessageDeflateDecoder} sit between the frame codec and the
 * validator. It keeps Netty's defaults, bar the inflater's bound ({@code maxAllocation}, here {@link
 * #MAX_PAYLOAD_LENGTH}; 0, unbounded, is the deprecated no-argument default). Netty 4.2's defaults
 * ({@code PerMessageDeflateServerExtensionHandshaker(int)}): compression level 6, memLevel 8, server window 15 bits
 * ({@code server_max_window_bits} accepted from 8 to 15), {@code allowServerNoContext} false and
 * {@code preferredClientNoContext} false. So to a browser's offer, {@code permessage-deflate;
 * client_max_window_bits}, it answers a bare {@code permessage-deflate}: both sides keep their compression context
 * from message to message with 32 KiB windows (one deflater and one inflater per connection, for its whole life),
 * where wsmux answers {@code server_no_context_takeover; client_no_context_takeover} by default. An offer that asks
 * for {@code server_no_context_takeover} is declined (no extension; messages go uncompressed), and
 * {@code client_no_context_takeover} in an offer is accepted without being echoed. Every message is compressed,
 * whatever its length (wsmux leaves those under {@code wsmux.deflate.min.length} alone), and in fan-out mode every
 * subscriber's copy is compressed by that subscriber's own encoder: compression per delivery, not per publication.
 * Not with {@code --fanout-write wire}: a pre-encoded frame passes the extension encoder uncompressed.
 * <p>
 * {@code --tls-cert} and {@code --tls-key} (a PEM certificate chain, leaf first, and its PEM PKCS#8 key) serve
 * {@code wss://} instead of {@code ws://} on the port: Netty's {@link SslHandler} first in the pipeline, from
 * {@code SslContextBuilder.forServer(chain, key).sslProvider(SslProvider.JDK)} (the JDK's {@code SSLEngine}, as
 * wsmux uses; not OpenSSL), restricted to {@code --tls-protocol} and {@code --tls-cipher} when given (else Netty's
 * defaults for the JDK provider). The handshake's delegated tasks run on the event loop (Netty's default), session
 * tickets and the session cache are the JDK's defaults. In both modes and with both transports.
 */
public final class NettyServer
{
    /** Largest frame payload, and in fan-out mode largest aggregated message: wsmux echo mode's 16 MiB limit. */
    static final int MAX_PAYLOAD_LENGTH = 16 * 1024 * 1024;
    /** Bound on the aggregated upgrade request. */
    static final int MAX_HTTP_CONTENT_LENGTH = 64 * 1024;
    /** Explicit flush after this many consolidated flushes, so a long read batch still streams out. */
    static final int EXPLICIT_FLUSH_AFTER_FLUSHES = 256;
    /** Outbound bytes above which a channel turns unwritable (fan-out drops), comparable to wsmux's 1 MiB budget. */
    static final int WRITE_BUFFER_HIGH_WATER_MARK = 1024 * 1024;
    /** Outbound bytes below which an unwritable channel is writable again. */
    static final int WRITE_BUFFER_LOW_WATER_MARK = 512 * 1024;
    /** Listen backlog. */
    static final int SO_BACKLOG = 1024;

    private static final ChannelHandler ECHO_HANDLER = new EchoHandler();

    private NettyServer()
    {
    }

    /**
     * @param args command line: see the class comment.
     */
    public static void main(final String[] args)
    {
        String mode = null;
        String transport = "nio";
        String bindAddress = "127.0.0.1";
        String allocatorName = "pooled";
        String fanOutWrite = "frame";
        boolean deflate = false;
        String tlsCert = null;
        String tlsKey = null;
        String tlsProtocol = null;
        String tlsCipher = null;
        int port = 9002;
        int threads = 1;
        for (int i = 0; i < args.length; i++)
        {
            final String arg = args[i];
            switch (arg)
            {
                case "--mode":
                    mode = value(args, ++i, arg).toLowerCase(Locale.ROOT);
                    break;
                case "--port":
                    port = Integer.parseInt(value(args, ++i, arg));
                    break;
                case "--transport":
                    transport = value(args, ++i, arg).toLowerCase(Locale.ROOT);
                    break;
                case "--threads":
                    threads = Integer.parseInt(value(args, ++i, arg));
                    break;
                case "--bind":
                    bindAddress = value(args, ++i, arg);
                    break;
                case "--allocator":
                    allocatorName = value(args, ++i, arg).toLowerCase(Locale.ROOT);
                    break;
                case "--fanout-write":
                    fanOutWrite = value(args, ++i, arg).toLowerCase(Locale.ROOT);
                    break;
                case "--deflate":
                    deflate = true;
                    break;
                case "--tls-cert":
                    tlsCert = value(args, ++i, arg);
                    break;
                case "--tls-key":
                    tlsKey = value(args, ++i, arg);
                    break;
                case "--tls-protocol":
                    tlsProtocol = value(args, ++i, arg);
                    break;
                case "--tls-cipher":
                    tlsCipher = value(args, ++i, arg);
                    break;
                case "--help":
                case "-h":
                    usage(System.out);
                    return;
                default:
                    fail("unknown option: " + arg);
            }
        }
        if (!"echo".equals(mode) && !"fanout".equals(mode))
        {
            fail("--mode must be echo or fanout: mode=" + mode);
        }
        if (!"nio".equals(transport) && !"epoll".equals(transport))
        {
            fail("--transport must be nio or epoll: transport=" + transport);
        }
        if (!"frame".equals(fanOutWrite) && !"wire".equals(fanOutWrite))
        {
            fail("--fanout-write must be frame or wire: fanout-write=" + fanOutWrite);
        }
        if (deflate && "wire".equals(fanOutWrite))
        {
            fail("--deflate needs --fanout-write frame: a pre-encoded frame would pass the compressor uncompressed");
        }
        if (threads < 1)
        {
            fail("--threads must be at least 1: threads=" + threads);
        }
        if ((null == tlsCert) != (null == tlsKey))
        {
            fail("--tls-cert and --tls-key go together: tls-cert=" + tlsCert + ", tls-key=" + tlsKey);
        }
        if (null == tlsCert && (null != tlsProtocol || null != tlsCipher))
        {
            fail("--tls-protocol and --tls-cipher need --tls-cert and --tls-key");
        }
        final boolean epoll = "epoll".equals(transport);
        if (epoll && !Epoll.isAvailable())
        {
            System.err.println("netty: epoll requested but unavailable: " + Epoll.unavailabilityCause());
            System.exit(1);
        }
        SslContext sslContext = null;
        if (null != tlsCert)
        {
            try
            {
                sslContext = sslContext(new File(tlsCert), new File(tlsKey), tlsProtocol, tlsCipher);
            }
            catch (final SSLException | IllegalArgumentException ex)
            {
                System.err.println("netty: cannot use --tls-cert " + tlsCert + " --tls-key " + tlsKey +
                    (null == tlsProtocol ? "" : " --tls-protocol " + tlsProtocol) +
                    (null == tlsCipher ? "" : " --tls-cipher " + tlsCipher) + ": " + ex.getMessage());
                System.exit(1);
                return;
            }
        }

        run(mode, transport, bindAddress, port, threads, allocator(allocatorName), "wire".equals(fanOutWrite),
            deflate, sslContext);
    }

    /**
     * The server's TLS: the JDK's {@code SSLEngine} through Netty's {@link SslContextBuilder}.
     *
     * @param chain    PEM certificate chain, leaf first.
     * @param key      PEM PKCS#8 private key of the leaf.
     * @param protocol the one protocol to enable (TLSv1.3, TLSv1.2), or null for Netty's defaults.
     * @param cipher   the one cipher suite to enable (the JDK's name), or null for Netty's defaults.
     * @return the context each channel's {@link SslHandler} is made from.
     * @throws SSLException if the files do not load or the JDK refuses the protocol or suite.
     */
    static SslContext sslContext(final File chain, final File key, final String protocol, final String cipher)
        throws SSLException
    {
        final SslContextBuilder builder = SslContextBuilder.forServer(chain, key).sslProvider(SslProvider.JDK);
        if (null != protocol)
        {
            builder.protocols(protocol);
        }
        if (null != cipher)
        {
            builder.ciphers(List.of(cipher));
        }
        final SslContext context = builder.build();
        // Netty takes names the JDK does not know and fails at the first connection: make one engine now.
        final SSLEngine engine;
        try
        {
            engine = context.newEngine(ByteBufAllocator.DEFAULT);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new SSLException("the JDK refuses it: " + ex.getMessage(), ex);
        }
        if (null != cipher && !List.of(engine.getEnabledCipherSuites()).contains(cipher) ||
            null != protocol && !List.of(engine.getEnabledProtocols()).contains(protocol))
        {
            throw new SSLException("the JDK does not enable it: protocols " + List.of(engine.getEnabledProtocols()) +
                ", cipher suites " + List.of(engine.getEnabledCipherSuites()));
        }
        return context;
    }

    private static void run(
        final String mode,
        final String transport,
        final String bindAddress,
        final int port,
        final int threads,
        final ByteBufAllocator allocator,
        final boolean wireFrames,
        final boolean deflate,
        final SslContext sslContext)
    {
        final boolean epoll = "epoll".equals(transport);
        final IoHandlerFactory ioHandlerFactory = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        final Class<? extends ServerChannel> channelClass =
            epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        final EventLoopGroup bossGroup =
            new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("netty-boss"), ioHandlerFactory);
        final EventLoopGroup workerGroup =
            new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory("netty-io"), ioHandlerFactory);
        final TopicRegistry registry = "fanout".equals(mode) ? new TopicRegistry() : null;

        final Channel serverChannel;
        try
        {
            serverChannel = new ServerBootstrap()
                .group(bossGroup, workerGroup)
                .channel(channelClass)
                .option(ChannelOption.SO_BACKLOG, SO_BACKLOG)
                .option(ChannelOption.ALLOCATOR, allocator)
                .childOption(ChannelOption.ALLOCATOR, allocator)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.AUTO_READ, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
                    new WriteBufferWaterMark(WRITE_BUFFER_LOW_WATER_MARK, WRITE_BUFFER_HIGH_WATER_MARK))
                .childHandler(new Initializer(newProtocolConfig(deflate), registry, wireFrames, deflate, sslContext))
                .bind(bindAddress, port)
                .syncUninterruptibly()
                .channel();
        }
        catch (final RuntimeException ex)
        {
            System.err.println("netty: cannot listen on " + bindAddress + ":" + port + ": " + ex);
            bossGroup.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            workerGroup.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            System.exit(1);
            return;
        }

        Runtime.getRuntime().addShutdownHook(new Thread(
            () -> shutdown(serverChannel, bossGroup, workerGroup, registry), "netty-shutdown"));
        final InetSocketAddress address = (InetSocketAddress)serverChannel.localAddress();
        System.out.println("netty " + mode + " listening on " + (null == sslContext ? "ws" : "wss") + "://" +
            address.getHostString() + ":" + address.getPort() + "/ transport=" + transport + " threads=" + threads +
            " deflate=" + deflate + " tls=" + (null == sslContext ? "off" : String.join(",",
            sslContext.newEngine(allocator).getEnabledProtocols()) + "/" + String.join(",",
            sslContext.cipherSuites())));
        serverChannel.closeFuture().syncUninterruptibly();
    }

    private static WebSocketServerProtocolConfig newProtocolConfig(final boolean deflate)
    {
        return WebSocketServerProtocolConfig.newBuilder()
            .websocketPath("/")
            .checkStartsWith(true)                  // "/" then matches every path
            .maxFramePayloadLength(MAX_PAYLOAD_LENGTH)
            .allowExtensions(deflate)               // RFC 7692 §6: RSV1 marks a compressed message
            .withUTF8Validator(true)                // RFC 6455 §8.1, across fragments, as wsmux does
            .build();
    }

    private static ByteBufAllocator allocator(final String name)
    {
        switch (name)
        {
            case "pooled":
                return PooledByteBufAllocator.DEFAULT;
            case "adaptive":
                return new AdaptiveByteBufAllocator();
            default:
                fail("--allocator must be pooled or adaptive: allocator=" + name);
                return null;
        }
    }

    private static void shutdown(
        final Channel serverChannel,
        final EventLoopGroup bossGroup,
        final EventLoopGroup workerGroup,
        final TopicRegistry registry)
    {
        serverChannel.close().awaitUninterruptibly();
        bossGroup.shutdownGracefully(100, 5000, TimeUnit.MILLISECONDS);
        workerGroup.shutdownGracefully(100, 5000, TimeUnit.MILLISECONDS).awaitUninterruptibly();
        if (null != registry)
        {
            System.out.println("netty fanout stopped: droppedPublications=" + registry.droppedCount());
        }
    }

    private static String value(final String[] args, final int index, final String option)
    {
        if (index >= args.length)
        {
            fail(option + " needs a value");
        }
        return args[index];
    }

    private static void fail(final String message)
    {
        System.err.println("netty: " + message);
        usage(System.err);
        System.exit(2);
    }

    private static void usage(final PrintStream out)
    {
        out.println("usage: java -cp wsmux-perf.jar io.wsmux.perf.baseline.NettyServer --mode echo|fanout");
        out.println("         [--port N] [--transport nio|epoll] [--threads N] [--bind ADDRESS] [--allocator A]");
        out.println("         [--fanout-write frame|wire] [--deflate]");
        out.println("         [--tls-cert FILE --tls-key FILE [--tls-protocol P] [--tls-cipher SUITE]]");
        out.println("  --mode echo      echo every text and binary message on every path (frames up to 16 MiB)");
        out.println("  --mode fanout    text multiplex protocol: topics bench.*, publish with msg,publish.<topic>,..");
        out.println("  --port N         TCP port (default 9002; 0 picks a free one)");
        out.println("  --transport T    nio (default) or epoll (fails if the native transport does not load)");
        out.println("  --threads N      I/O event loops (default 1), plus one boss thread that accepts");
        out.println("  --bind ADDRESS   address to listen on (default 127.0.0.1)");
        out.println("  --allocator A    pooled (default: PooledByteBufAllocator.DEFAULT) or adaptive (4.2 default)");
        out.println("  --fanout-write W frame (default): a TextWebSocketFrame per subscriber, encoded by Netty each");
        out.println("                   time; wire: the WebSocket frame encoded once, same bytes to every subscriber");
        out.println("  --deflate        accept permessage-deflate (RFC 7692): WebSocketServerCompressionHandler with");
        out.println("                   Netty's defaults (level 6, context takeover both ways, every message");
        out.println("                   compressed, per subscriber in fan-out mode); offers that ask for");
        out.println("                   server_no_context_takeover are declined. Not with --fanout-write wire");
        out.println("  --tls-cert FILE  serve wss:// (not ws://): PEM certificate chain, leaf first, with");
        out.println("  --tls-key FILE   its PEM PKCS#8 private key; Netty's SslHandler first in the pipeline, the");
        out.println("                   JDK's SSLEngine (SslProvider.JDK), delegated tasks on the event loop");
        out.println("  --tls-protocol P enable only this protocol, e.g. TLSv1.3 (default: Netty's JDK defaults)");
        out.println("  --tls-cipher S   enable only this cipher suite, e.g. TLS_AES_128_GCM_SHA256 (default: Netty's)");
    }

    /** Builds each accepted channel's pipeline. */
    private static final class Initializer extends ChannelInitializer<Channel>
    {
        private final WebSocketServerProtocolConfig protocolConfig;
        private final TopicRegistry registry;
        private final boolean wireFrames;
        private final boolean deflate;
        private final SslContext sslContext;

        Initializer(
            final WebSocketServerProtocolConfig protocolConfig,
            final TopicRegistry registry,
            final boolean wireFrames,
            final boolean deflate,
            final SslContext sslContext)
        {
            this.protocolConfig = protocolConfig;
            this.registry = registry;
            this.wireFrames = wireFrames;
            this.deflate = deflate;
            this.sslContext = sslContext;
        }

        @Override
        protected void initChannel(final Channel channel)
        {
            final ChannelPipeline pipeline = channel.pipeline();
            if (null != sslContext)
            {
                // First, next to the socket: everything after it sees plaintext. A new engine per channel.
                pipeline.addLast(sslContext.newHandler(channel.alloc()));
            }
            // At the head, so it sees every flush. Flushes during a read batch become one at channelReadComplete
            // (echo: as fast as write + flush in channelReadComplete, 5x a flush per message). With true, flushes
            // outside a read (fan-out deliveries written by a publisher's channel) become one task per loop cycle:
            // 15x the deliveries per second of a flush per publication with 100 subscribers of 64-byte messages.
            pipeline.addLast(new FlushConsolidationHandler(EXPLICIT_FLUSH_AFTER_FLUSHES, true));
            pipeline.addLast(new HttpServerCodec());
            pipeline.addLast(new HttpObjectAggregator(MAX_HTTP_CONTENT_LENGTH));
            if (deflate)
            {
                // Not @Sharable: it keeps the channel's negotiated extensions between request and response.
                pipeline.addLast(new WebSocketServerCompressionHandler(MAX_PAYLOAD_LENGTH));
            }
            pipeline.addLast(new WebSocketServerProtocolHandler(protocolConfig));
            if (null == registry)
            {
                pipeline.addLast(ECHO_HANDLER);
            }
            else
            {
                pipeline.addLast(new WebSocketFrameAggregator(MAX_PAYLOAD_LENGTH));
                pipeline.addLast(new FanOutHandler(registry, wireFrames));
            }
        }
    }
}
