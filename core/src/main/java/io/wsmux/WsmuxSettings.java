package io.wsmux;

import java.io.File;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLParameters;

import io.wsmux.cluster.NatsUrls;
import io.wsmux.status.CountersFileDescriptor;
import io.wsmux.transport.IdleMode;
import io.wsmux.transport.tls.TlsClientAuth;
import org.agrona.BitUtil;

/**
 * Every wsmux knob in one place: property name, default and unit, read once when an instance is created, each
 * overridable with a fluent setter, checked by {@link #conclude()}. Sizes accept {@code k}, {@code m} and {@code g}
 * suffixes ({@code 64k}); durations accept {@code ns}, {@code us}, {@code ms} and {@code s} ({@code 500ms},
 * {@code 30s}); counts are digits only; booleans are {@code true} or {@code false}. docs/tuning.md documents each
 * one. This is the only class in wsmux that reads system properties.
 * <p>
 * Nothing is read leniently: a malformed value or an unknown {@code wsmux.*} name fails the constructor, and a value
 * out of range fails {@link #conclude()}, each with a {@link WsmuxConfigurationException} whose one-line message
 * names the property, the value and what is accepted.
 * <p>
 * Not thread safe: configure, then hand to {@link WsmuxServer#builder(WsmuxSettings)}.
 */
public final class WsmuxSettings
{
    /** I/O threads (event loops). Default: available processors. */
    public static final String IO_THREADS_PROP_NAME = "wsmux.io.threads";
    /** Default I/O threads. */
    public static final int IO_THREADS_DEFAULT = Runtime.getRuntime().availableProcessors();

    /** How idle loops wait: {@code blocking} (select), {@code backoff} or {@code spin}. */
    public static final String IDLE_MODE_PROP_NAME = "wsmux.idle.mode";
    /** Default idle mode. */
    public static final IdleMode IDLE_MODE_DEFAULT = IdleMode.BLOCKING;

    /** Address to listen on. {@code 0.0.0.0} listens on every interface. */
    public static final String BIND_ADDRESS_PROP_NAME = "wsmux.bind.address";
    /** Default bind address: loopback only, so nothing is exposed by accident. */
    public static final String BIND_ADDRESS_DEFAULT = "127.0.0.1";

    /** TCP port to listen on; 0 picks a free port. */
    public static final String PORT_PROP_NAME = "wsmux.port";
    /** Default port. */
    public static final int PORT_DEFAULT = 8080;

    /** SO_REUSEPORT: one listening socket per loop where the OS supports it, else one acceptor. */
    public static final String REUSE_PORT_PROP_NAME = "wsmux.reuse.port";
    /** Default: use SO_REUSEPORT when supported. */
    public static final boolean REUSE_PORT_DEFAULT = true;

    /** Listen backlog. */
    public static final String ACCEPT_BACKLOG_PROP_NAME = "wsmux.accept.backlog";
    /** Default listen backlog. */
    public static final int ACCEPT_BACKLOG_DEFAULT = 1024;

    /** Most connections open at once (handshaking ones included); more are refused with HTTP 503. */
    public static final String MAX_CONNECTIONS_PROP_NAME = "wsmux.max.connections";
    /** Default connection limit. */
    public static final int MAX_CONNECTIONS_DEFAULT = 1_000_000;

    /** Bytes of each loop's shared read buffer. */
    public static final String READ_BUFFER_LENGTH_PROP_NAME = "wsmux.read.buffer.length";
    /**
     * Default read buffer: 256 KiB. What one read takes from a publisher is one batch of fan-out: with 100 topics
     * and 10,000 subscribers, 256 KiB gave 28 frames per subscriber write where 64 KiB gave 6, and twice the
     * deliveries per second.
     */
    public static final int READ_BUFFER_LENGTH_DEFAULT = 256 * 1024;

    /** Bytes of each loop's write-combining (cork) buffer. */
    public static final String CORK_BUFFER_LENGTH_PROP_NAME = "wsmux.cork.buffer.length";
    /** Default cork buffer: 64 KiB. */
    public static final int CORK_BUFFER_LENGTH_DEFAULT = 64 * 1024;

    /** Bytes of each pooled outbound chunk (queued data a socket did not take at once). */
    public static final String OUTBOUND_CHUNK_LENGTH_PROP_NAME = "wsmux.outbound.chunk.length";
    /**
     * Default chunk: 4 KiB. A connection with something queued holds at least one, so with thousands of slow or
     * busy subscribers at once a small chunk is what keeps them all in the pool.
     */
    public static final int OUTBOUND_CHUNK_LENGTH_DEFAULT = 4 * 1024;

    /** Free outbound chunks each loop keeps for reuse. */
    public static final String OUTBOUND_POOLED_CHUNKS_PROP_NAME = "wsmux.outbound.pooled.chunks";
    /**
     * Default pooled chunks per loop (64 MiB at the default chunk size, kept only once reached): enough for 16,384
     * connections with a backlog at once, beyond which chunks are allocated (a direct buffer each) and dropped.
     */
    public static final int OUTBOUND_POOLED_CHUNKS_DEFAULT = 16384;

    /** Bytes a connection may have queued; beyond it the overflow policy applies. */
    public static final String OUTBOUND_BUDGET_PROP_NAME = "wsmux.outbound.budget";
    /** Default budget: 1 MiB. */
    public static final int OUTBOUND_BUDGET_DEFAULT = 1024 * 1024;

    /** What a send over budget does: {@code close} (close with 1008 "slow consumer") or {@code drop}. */
    public static final String OUTBOUND_OVERFLOW_PROP_NAME = "wsmux.outbound.overflow";
    /** Default overflow policy. */
    public static final OverflowPolicy OUTBOUND_OVERFLOW_DEFAULT = OverflowPolicy.CLOSE;

    /** With the {@code close} overflow policy, how long a connection may stay over budget before it is closed. */
    public static final String SLOW_CONSUMER_GRACE_PROP_NAME = "wsmux.slow.consumer.grace";
    /** Default grace: 1 s; 0 closes at the first overflow. */
    public static final long SLOW_CONSUMER_GRACE_DEFAULT_NS = TimeUnit.SECONDS.toNanos(1);

    /**
     * How long a slow consumer's close frame may wait for the socket after its queued data was dropped (the kernel's
     * send buffer may still hold old data the client has not read); then the connection is closed without it.
     */
    public static final String SLOW_CONSUMER_CLOSE_TIMEOUT_PROP_NAME = "wsmux.slow.consumer.close.timeout";
    /** Default: 10 s. */
    public static final long SLOW_CONSUMER_CLOSE_TIMEOUT_DEFAULT_NS = TimeUnit.SECONDS.toNanos(10);

    /** Channels one multiplexed WebSocket may have open at once. */
    public static final String MUX_MAX_CHANNELS_PROP_NAME = "wsmux.mux.max.channels";
    /** Default channel limit per WebSocket. */
    public static final int MUX_MAX_CHANNELS_DEFAULT = 256;

    /** Longest channel name in bytes, as on the wire. */
    public static final String MUX_MAX_CHANNEL_NAME_LENGTH_PROP_NAME = "wsmux.mux.max.channel.name.length";
    /** Default channel name limit. */
    public static final int MUX_MAX_CHANNEL_NAME_LENGTH_DEFAULT = 256;

    /** Largest message a topic accepts for publication. */
    public static final String MAX_PUBLICATION_LENGTH_PROP_NAME = "wsmux.max.publication.length";
    /** Default publication limit: 64 KiB. */
    public static final int MAX_PUBLICATION_LENGTH_DEFAULT = 64 * 1024;

    /**
     * Default time after which a topic created on demand under a topic prefix is removed once it has had no subscriber
     * and no publication for that long (for prefixes that do not set their own); 0 never removes one.
     */
    public static final String TOPIC_RECLAIM_DELAY_PROP_NAME = "wsmux.topic.reclaim.delay";
    /** Default reclaim delay: 30 s. */
    public static final long TOPIC_RECLAIM_DELAY_DEFAULT_NS = TimeUnit.SECONDS.toNanos(30);

    /**
     * Default cap on the topics under one topic prefix (for prefixes that do not set their own); past it a new name
     * is refused. At least 1.
     */
    public static final String TOPIC_MAX_PER_PREFIX_PROP_NAME = "wsmux.topic.max.per.prefix";
    /** Default topics per prefix. */
    public static final int TOPIC_MAX_PER_PREFIX_DEFAULT = 10_000;

    /** Capacity of each loop's queue of tasks from other threads (publications, accepted sockets). */
    public static final String LOOP_QUEUE_CAPACITY_PROP_NAME = "wsmux.loop.queue.capacity";
    /** Default task queue capacity. */
    public static final int LOOP_QUEUE_CAPACITY_DEFAULT = 65536;

    /** Bytes of each loop's ring buffer for sends and closes from other threads (power of two). */
    public static final String COMMAND_BUFFER_LENGTH_PROP_NAME = "wsmux.command.buffer.length";
    /** Default command ring: 1 MiB; one command carries at most an eighth of it. */
    public static final int COMMAND_BUFFER_LENGTH_DEFAULT = 1024 * 1024;

    /** Largest frame payload accepted; larger closes with 1009. */
    public static final String MAX_FRAME_LENGTH_PROP_NAME = "wsmux.max.frame.length";
    /** Default frame limit: 1 MiB. */
    public static final int MAX_FRAME_LENGTH_DEFAULT = 1024 * 1024;

    /** Largest message (all fragments) accepted; larger closes with 1009. */
    public static final String MAX_MESSAGE_LENGTH_PROP_NAME = "wsmux.max.message.length";
    /** Default message limit: 1 MiB. */
    public static final int MAX_MESSAGE_LENGTH_DEFAULT = 1024 * 1024;

    /**
     * Bytes of partly received messages (spanning reads or fragments) one I/O loop holds for all its connections at
     * once: a message that would take the loop past it closes its connection with 1013 "try again later", so that a
     * thousand clients each sending most of a large message and never the rest cannot hold a gigabyte of heap.
     */
    public static final String ASSEMBLY_BUDGET_PROP_NAME = "wsmux.assembly.budget";
    /** Default: 64 MiB per loop. */
    public static final int ASSEMBLY_BUDGET_DEFAULT = 64 * 1024 * 1024;

    /** Largest HTTP upgrade request head; larger is answered 431. */
    public static final String MAX_HANDSHAKE_LENGTH_PROP_NAME = "wsmux.max.handshake.length";
    /** Default head limit: 8 KiB. */
    public static final int MAX_HANDSHAKE_LENGTH_DEFAULT = 8 * 1024;

    /** Most header lines in the upgrade request; more is answered 431. */
    public static final String MAX_HEADER_COUNT_PROP_NAME = "wsmux.max.header.count";
    /** Default header line limit. */
    public static final int MAX_HEADER_COUNT_DEFAULT = 64;

    /**
     * Connections one I/O loop lets be in their upgrade handshake at once; each holds a request parser (about
     * {@code wsmux.max.handshake.length} + 1 KiB) until its request is complete or the handshake timeout passes. A
     * new connection past it is answered 503 and closed, so that sockets that never finish their request (slowloris)
     * cannot hold memory without bound.
     */
    public static final String MAX_HANDSHAKES_PROP_NAME = "wsmux.max.handshakes";
    /** Default: 10,000 per loop (about 90 MB at the default head limit). */
    public static final int MAX_HANDSHAKES_DEFAULT = 10_000;

    /** Time allowed from accept to a complete upgrade request; then the socket is closed (slowloris). */
    public static final String HANDSHAKE_TIMEOUT_PROP_NAME = "wsmux.handshake.timeout";
    /** Default handshake timeout. */
    public static final long HANDSHAKE_TIMEOUT_DEFAULT_NS = TimeUnit.SECONDS.toNanos(10);

    /** Inbound silence after which the server sends a ping; 0 disables pings. */
    public static final String PING_INTERVAL_PROP_NAME = "wsmux.ping.interval";
    /** Default ping interval. */
    public static final long PING_INTERVAL_DEFAULT_NS = TimeUnit.SECONDS.toNanos(30);

    /** Inbound silence after which the connection is closed with 1001; 0 disables. Must exceed the ping interval. */
    public static final String IDLE_TIMEOUT_PROP_NAME = "wsmux.idle.timeout";
    /** Default idle timeout. */
    public static final long IDLE_TIMEOUT_DEFAULT_NS = TimeUnit.SECONDS.toNanos(75);

    /** Interval of the SockJS heartbeat frame {@code h} on a session's open receiver. */
    public static final String SOCKJS_HEARTBEAT_PROP_NAME = "wsmux.sockjs.heartbeat";
    /** Default for {@link #SOCKJS_HEARTBEAT_PROP_NAME}. */
    public static final long SOCKJS_HEARTBEAT_DEFAULT_NS = TimeUnit.SECONDS.toNanos(25);

    /**
     * How long a SockJS session lives with no receiver (between polls) before it is closed; a closed session answers
     * with its close frame for as long.
     */
    public static final String SOCKJS_DISCONNECT_DELAY_PROP_NAME = "wsmux.sockjs.disconnect.delay";
    /** Default for {@link #SOCKJS_DISCONNECT_DELAY_PROP_NAME}. */
    public static final long SOCKJS_DISCONNECT_DELAY_DEFAULT_NS = TimeUnit.SECONDS.toNanos(5);

    /**
     * Bytes a SockJS streaming response (xhr_streaming, eventsource, htmlfile) carries before it ends and the client
     * opens the next.
     */
    public static final String SOCKJS_RESPONSE_LIMIT_PROP_NAME = "wsmux.sockjs.response.limit";
    /** Default for {@link #SOCKJS_RESPONSE_LIMIT_PROP_NAME}. */
    public static final int SOCKJS_RESPONSE_LIMIT_DEFAULT = 128 * 1024;

    /** Largest request body (xhr_send, jsonp_send) a SockJS endpoint reads; a longer one is answered 413. */
    public static final String SOCKJS_MAX_BODY_LENGTH_PROP_NAME = "wsmux.sockjs.max.body.length";
    /** Default for {@link #SOCKJS_MAX_BODY_LENGTH_PROP_NAME}. */
    public static final int SOCKJS_MAX_BODY_LENGTH_DEFAULT = 256 * 1024;

    /**
     * Most SockJS sessions (HTTP transports) a server holds at once, all endpoints together; a new one past it is
     * answered 503.
     */
    public static final String SOCKJS_MAX_SESSIONS_PROP_NAME = "wsmux.sockjs.max.sessions";
    /** Default for {@link #SOCKJS_MAX_SESSIONS_PROP_NAME}. */
    public static final int SOCKJS_MAX_SESSIONS_DEFAULT = 100_000;

    /**
     * How long a kept-alive HTTP connection (SockJS polling, sends) may wait for its next request before it is closed.
     */
    public static final String HTTP_IDLE_TIMEOUT_PROP_NAME = "wsmux.http.idle.timeout";
    /** Default for {@link #HTTP_IDLE_TIMEOUT_PROP_NAME}. */
    public static final long HTTP_IDLE_TIMEOUT_DEFAULT_NS = TimeUnit.SECONDS.toNanos(15);

    /**
     * Whether the server accepts a client's permessage-deflate offer (RFC 7692). Off: every offer is declined and
     * nothing is compressed. Per endpoint: {@link WsmuxServer.Builder#compression}; per topic family:
     * {@link TopicOptions#withCompression}.
     */
    public static final String DEFLATE_PROP_NAME = "wsmux.deflate";
    /** Default for {@link #DEFLATE_PROP_NAME}. */
    public static final boolean DEFLATE_DEFAULT = true;

    /** Messages shorter than this go out uncompressed on a connection that negotiated permessage-deflate. */
    public static final String DEFLATE_MIN_LENGTH_PROP_NAME = "wsmux.deflate.min.length";
    /** Default for {@link #DEFLATE_MIN_LENGTH_PROP_NAME}. */
    public static final int DEFLATE_MIN_LENGTH_DEFAULT = 128;

    /** zlib compression level of the server's compressors: 1 (fastest) to 9 (smallest). */
    public static final String DEFLATE_LEVEL_PROP_NAME = "wsmux.deflate.level";
    /** Default for {@link #DEFLATE_LEVEL_PROP_NAME}: zlib's default trade-off. */
    public static final int DEFLATE_LEVEL_DEFAULT = 6;

    /**
     * Whether the server may keep its compression context from one message to the next when a client does not
     * forbid it: better ratios for small messages, at the cost of a compressor per connection (about 260 KiB of
     * native zlib memory each) and of compressing every publication once per such subscriber. Off: the server
     * answers {@code server_no_context_takeover} and compresses each publication once for every subscriber.
     */
    public static final String DEFLATE_SERVER_CONTEXT_TAKEOVER_PROP_NAME = "wsmux.deflate.server.context.takeover";
    /** Default for {@link #DEFLATE_SERVER_CONTEXT_TAKEOVER_PROP_NAME}. */
    public static final boolean DEFLATE_SERVER_CONTEXT_TAKEOVER_DEFAULT = false;

    /**
     * Whether clients may keep their compression context from one message to the next. Off: the server answers
     * {@code client_no_context_takeover} (RFC 7692 §7.1.1.2 lets it ask unasked), and one inflater per loop serves
     * every client. On: a client that keeps its context gets an inflater of its own (about 45 KiB of native zlib
     * memory) on its first compressed message.
     */
    public static final String DEFLATE_CLIENT_CONTEXT_TAKEOVER_PROP_NAME = "wsmux.deflate.client.context.takeover";
    /** Default for {@link #DEFLATE_CLIENT_CONTEXT_TAKEOVER_PROP_NAME}. */
    public static final boolean DEFLATE_CLIENT_CONTEXT_TAKEOVER_DEFAULT = false;

    /**
     * Port of the TLS listener (wss://, https://), beside the plain one on the same loops: -1 for none, 0 for a free
     * port. Needs a certificate: {@link #TLS_CERT_PROP_NAME} and {@link #TLS_KEY_PROP_NAME}, or
     * {@link #TLS_KEYSTORE_PROP_NAME}.
     */
    public static final String TLS_PORT_PROP_NAME = "wsmux.tls.port";
    /** Default for {@link #TLS_PORT_PROP_NAME}: no TLS listener. */
    public static final int TLS_PORT_DEFAULT = -1;

    /** PEM file of the server's certificate chain, leaf first (as certbot's {@code fullchain.pem}). */
    public static final String TLS_CERT_PROP_NAME = "wsmux.tls.cert";
    /** PEM file of the server's private key, PKCS#8 unencrypted ({@code BEGIN PRIVATE KEY}). */
    public static final String TLS_KEY_PROP_NAME = "wsmux.tls.key";
    /** PKCS#12 keystore holding the server's key and chain, instead of {@link #TLS_CERT_PROP_NAME}. */
    public static final String TLS_KEYSTORE_PROP_NAME = "wsmux.tls.keystore";
    /** Password of {@link #TLS_KEYSTORE_PROP_NAME}. */
    public static final String TLS_KEYSTORE_PASSWORD_PROP_NAME = "wsmux.tls.keystore.password";

    /** Enabled TLS protocols, comma separated: TLSv1.3 and TLSv1.2 (older ones are refused as insecure). */
    public static final String TLS_PROTOCOLS_PROP_NAME = "wsmux.tls.protocols";
    /** Default for {@link #TLS_PROTOCOLS_PROP_NAME}. */
    public static final String TLS_PROTOCOLS_DEFAULT = "TLSv1.3,TLSv1.2";

    /**
     * Enabled cipher suites, comma separated, in the JDK's names. The default is the AEAD suites with forward
     * secrecy (Mozilla's "intermediate" list): AES-GCM and ChaCha20-Poly1305, ECDHE for TLS 1.2.
     */
    public static final String TLS_CIPHER_SUITES_PROP_NAME = "wsmux.tls.cipher.suites";
    /** Default for {@link #TLS_CIPHER_SUITES_PROP_NAME}. */
    public static final String TLS_CIPHER_SUITES_DEFAULT =
        "TLS_AES_128_GCM_SHA256,TLS_AES_256_GCM_SHA384,TLS_CHACHA20_POLY1305_SHA256," +
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256," +
        "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384," +
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256";

    /**
     * Client certificates (mutual TLS): {@code none}, {@code optional} (asked for; a client without one is served
     * with no principal) or {@code required}. The certificate's subject reaches the upgrade hook
     * ({@link HandshakeRequest#peerPrincipal()}) and is every channel's identity unless the hook attaches another.
     */
    public static final String TLS_CLIENT_AUTH_PROP_NAME = "wsmux.tls.client.auth";
    /** Default for {@link #TLS_CLIENT_AUTH_PROP_NAME}. */
    public static final TlsClientAuth TLS_CLIENT_AUTH_DEFAULT = TlsClientAuth.NONE;
    /** The CAs client certificates must chain to: a PEM bundle, or a PKCS#12 store (no password needed). */
    public static final String TLS_CLIENT_CA_PROP_NAME = "wsmux.tls.client.ca";

    /**
     * How often the certificate and key files are checked for changes: a change is loaded for new handshakes without
     * a restart (established connections keep theirs). 0 checks never; {@link WsmuxServer#reloadTls()} reloads on
     * demand either way.
     */
    public static final String TLS_RELOAD_INTERVAL_PROP_NAME = "wsmux.tls.reload.interval";
    /** Default for {@link #TLS_RELOAD_INTERVAL_PROP_NAME}. */
    public static final long TLS_RELOAD_INTERVAL_DEFAULT_NS = TimeUnit.SECONDS.toNanos(10);

    /**
     * Threads that run the TLS handshakes' expensive steps (key exchange, signatures: about a millisecond each) so
     * that the loops keep serving established connections during a storm of new ones; 0 runs them on the loop.
     */
    public static final String TLS_HANDSHAKE_THREADS_PROP_NAME = "wsmux.tls.handshake.threads";
    /** Default for {@link #TLS_HANDSHAKE_THREADS_PROP_NAME}. */
    public static final int TLS_HANDSHAKE_THREADS_DEFAULT = 1;

    /**
     * Most TLS sessions the server remembers for resumption (the oldest are forgotten first). Each costs about 5 KiB
     * of heap on JDKs that keep server sessions (JDK 17 resumes TLS 1.3 from stateless tickets and keeps none).
     */
    public static final String TLS_SESSION_CACHE_SIZE_PROP_NAME = "wsmux.tls.session.cache.size";
    /** Default for {@link #TLS_SESSION_CACHE_SIZE_PROP_NAME}: at most about 20 MiB. */
    public static final int TLS_SESSION_CACHE_SIZE_DEFAULT = 4096;

    /**
     * NATS servers of the cluster this node joins, comma separated {@code nats://host:port} URLs (credentials may be
     * in them: {@code nats://user:password@host:4222}). Empty: a single node, and nothing of NATS is loaded.
     */
    public static final String CLUSTER_NATS_URL_PROP_NAME = "wsmux.cluster.nats.url";
    /**
     * Credentials file for NATS: a {@code .creds} file as {@code nsc} writes it (a user JWT and the user's NKey seed)
     * or a file holding just a user's NKey seed ({@code SU...}, for a server that lists the user's public NKey).
     * Read again at each (re)connection. Empty: none (a user and password, or a token, may still be in the URLs).
     */
    public static final String CLUSTER_NATS_CREDENTIALS_PROP_NAME = "wsmux.cluster.nats.credentials";
    /**
     * PEM file of the CA certificates the NATS servers' certificates must chain to; empty: the JDK's default trust
     * store. Setting it, a client certificate or any {@code tls://} URL makes the connection TLS (TLSv1.3 or
     * TLSv1.2), the server's host name checked against its certificate.
     */
    public static final String CLUSTER_NATS_TLS_CA_PROP_NAME = "wsmux.cluster.nats.tls.ca";
    /** PEM file of this node's client certificate chain, leaf first, for NATS servers that verify clients. */
    public static final String CLUSTER_NATS_TLS_CERT_PROP_NAME = "wsmux.cluster.nats.tls.cert";
    /** PEM file of the private key of {@link #CLUSTER_NATS_TLS_CERT_PROP_NAME}, PKCS#8 unencrypted. */
    public static final String CLUSTER_NATS_TLS_KEY_PROP_NAME = "wsmux.cluster.nats.tls.key";
    /** This node's name in the cluster (NATS's connection name); default the host name and process id. */
    public static final String CLUSTER_NODE_PROP_NAME = "wsmux.cluster.node";
    /** First token(s) of the cluster's NATS subjects: topic {@code prices.EURUSD} is {@code <prefix>.prices.EURUSD}. */
    public static final String CLUSTER_SUBJECT_PREFIX_PROP_NAME = "wsmux.cluster.subject.prefix";
    /** Default for {@link #CLUSTER_SUBJECT_PREFIX_PROP_NAME}. */
    public static final String CLUSTER_SUBJECT_PREFIX_DEFAULT = "wsmux";
    /**
     * Bytes of publications buffered for the other nodes while NATS is unreachable; past it they are dropped and
     * counted, and publishing never blocks.
     */
    public static final String CLUSTER_BUFFER_LENGTH_PROP_NAME = "wsmux.cluster.buffer.length";
    /** Default for {@link #CLUSTER_BUFFER_LENGTH_PROP_NAME}: 8 MiB. */
    public static final int CLUSTER_BUFFER_LENGTH_DEFAULT = 8 * 1024 * 1024;

    /** Time a server-initiated close waits for the client's close frame before closing TCP. */
    public static final String CLOSE_TIMEOUT_PROP_NAME = "wsmux.close.timeout";
    /** Default close timeout. */
    public static final long CLOSE_TIMEOUT_DEFAULT_NS = TimeUnit.SECONDS.toNanos(5);

    /** Time {@link WsmuxServer#close()} waits for connections to finish their close handshakes. */
    public static final String SHUTDOWN_TIMEOUT_PROP_NAME = "wsmux.shutdown.timeout";
    /** Default shutdown timeout. */
    public static final long SHUTDOWN_TIMEOUT_DEFAULT_NS = TimeUnit.SECONDS.toNanos(5);

    /**
     * Over how long {@link WsmuxServer#drain()} spreads its closes (1012 "service restart"), so that the clients of a
     * node leaving a rolling deploy reconnect to the others gradually, not all at once.
     */
    public static final String DRAIN_PERIOD_PROP_NAME = "wsmux.drain.period";
    /** Default drain period. */
    public static final long DRAIN_PERIOD_DEFAULT_NS = TimeUnit.SECONDS.toNanos(10);

    /** Timer wheel tick: deadline precision (rounded up to a power of two nanoseconds). */
    public static final String TIMER_TICK_PROP_NAME = "wsmux.timer.tick";
    /** Default tick: about 16.8 ms. */
    public static final long TIMER_TICK_DEFAULT_NS = 1L << 24;

    /** TCP_NODELAY on accepted sockets. */
    public static final String TCP_NODELAY_PROP_NAME = "wsmux.tcp.nodelay";
    /** Default: Nagle off, latency first. */
    public static final boolean TCP_NODELAY_DEFAULT = true;

    /** SO_SNDBUF for accepted sockets; 0 keeps the OS default (and its auto-tuning). */
    public static final String SOCKET_SEND_BUFFER_PROP_NAME = "wsmux.socket.send.buffer";
    /** Default: OS default. */
    public static final int SOCKET_SEND_BUFFER_DEFAULT = 0;

    /** SO_RCVBUF for accepted sockets; 0 keeps the OS default (and its auto-tuning). */
    public static final String SOCKET_RECEIVE_BUFFER_PROP_NAME = "wsmux.socket.receive.buffer";
    /** Default: OS default. */
    public static final int SOCKET_RECEIVE_BUFFER_DEFAULT = 0;

    /**
     * SO_SNDBUF applied to a connection once it holds a conflating or rate-limited subscription, so that a
     * conflating subscriber cannot have megabytes of stale updates in flight in the kernel: what the kernel holds
     * cannot be replaced by a newer value. 0 leaves the kernel's autotuned buffer.
     */
    public static final String CONFLATION_SEND_BUFFER_PROP_NAME = "wsmux.conflation.send.buffer";
    /** Default: 64 KiB. */
    public static final int CONFLATION_SEND_BUFFER_DEFAULT = 64 * 1024;

    /** Print the settings to standard output when the server starts. */
    public static final String PRINT_CONFIGURATION_PROP_NAME = "wsmux.print.configuration";
    /** Default: quiet. */
    public static final boolean PRINT_CONFIGURATION_DEFAULT = false;

    /**
     * Directory of the server's counters file ({@code wsmux-<pid>.counters}, read by {@code stat}); created if
     * absent. Empty: {@code /dev/shm} where it exists (tmpfs, never written to disk), else {@code java.io.tmpdir}.
     */
    public static final String COUNTERS_DIR_PROP_NAME = "wsmux.counters.dir";
    /** Default: empty, meaning /dev/shm or java.io.tmpdir. */
    public static final String COUNTERS_DIR_DEFAULT = "";

    /**
     * Topic families (a multiplexer's topic prefixes and exact topics) that get counters of their own; the families
     * past it share the counters of the family {@code (other)}. Each family costs 4 counters per loop (2.5 KiB).
     */
    public static final String COUNTERS_MAX_TOPIC_FAMILIES_PROP_NAME = "wsmux.counters.max.topic.families";
    /** Default: 1024 families. */
    public static final int COUNTERS_MAX_TOPIC_FAMILIES_DEFAULT = 1024;

    /** A duty cycle of an I/O loop longer than this is counted in {@code duty cycles over threshold}. */
    public static final String DUTY_CYCLE_THRESHOLD_PROP_NAME = "wsmux.duty.cycle.threshold";
    /** Default: 1 ms. */
    public static final long DUTY_CYCLE_THRESHOLD_DEFAULT_NS = TimeUnit.MILLISECONDS.toNanos(1);

    /** Port of the admin listener ({@code GET /metrics} in the Prometheus format, {@code GET /health}); 0: off. */
    public static final String ADMIN_PORT_PROP_NAME = "wsmux.admin.port";
    /** Default: off. */
    public static final int ADMIN_PORT_DEFAULT = 0;

    /** Address the admin listener binds. */
    public static final String ADMIN_BIND_ADDRESS_PROP_NAME = "wsmux.admin.bind.address";
    /** Default: loopback only. */
    public static final String ADMIN_BIND_ADDRESS_DEFAULT = "127.0.0.1";

    /** What a send does when the connection's outbound budget is exhausted. */
    public enum OverflowPolicy
    {
        /** Close the connection with 1008 "slow consumer": unsent data is dropped, then the close frame is sent. */
        CLOSE,
        /** Drop the message, count it, and report false to the sender. */
        DROP
    }

    /** Every property name starts with this; an unknown name under it is refused. */
    public static final String PROPERTY_PREFIX = "wsmux.";

    /** Most I/O threads. */
    static final int IO_THREADS_MAX = 256;

    /** Largest TCP port. */
    static final int PORT_MAX = 65535;

    private final Set<String> propertiesSet;
    private int ioThreads;
    private IdleMode idleMode;
    private String bindAddress;
    private int port;
    private boolean reusePort;
    private int acceptBacklog;
    private int maxConnections;
    private int readBufferLength;
    private int corkBufferLength;
    private int outboundChunkLength;
    private int outboundPooledChunks;
    private int outboundBudget;
    private OverflowPolicy outboundOverflow;
    private long slowConsumerGraceNs;
    private long slowConsumerCloseTimeoutNs;
    private int muxMaxChannels;
    private int muxMaxChannelNameLength;
    private int maxPublicationLength;
    private long topicReclaimDelayNs;
    private int topicMaxPerPrefix;
    private int loopQueueCapacity;
    private int commandBufferLength;
    private int maxFrameLength;
    private int maxMessageLength;
    private int assemblyBudget;
    private int maxHandshakes;
    private int maxHandshakeLength;
    private int maxHeaderCount;
    private long handshakeTimeoutNs;
    private long pingIntervalNs;
    private long idleTimeoutNs;
    private long closeTimeoutNs;
    private long sockJsHeartbeatNs;
    private boolean deflate;
    private int deflateMinLength;
    private int deflateLevel;
    private boolean deflateServerContextTakeover;
    private boolean deflateClientContextTakeover;
    private long sockJsDisconnectDelayNs;
    private int sockJsResponseLimit;
    private int sockJsMaxBodyLength;
    private int sockJsMaxSessions;
    private long httpIdleTimeoutNs;
    private long shutdownTimeoutNs;
    private long drainPeriodNs;
    private long timerTickNs;
    private boolean tcpNoDelay;
    private int socketSendBuffer;
    private int socketReceiveBuffer;
    private int conflationSendBufferLength;
    private boolean printConfiguration;
    private String countersDir;
    private int countersMaxTopicFamilies;
    private long dutyCycleThresholdNs;
    private int adminPort;
    private String adminBindAddress;
    private int tlsPort;
    private String tlsCert;
    private String tlsKey;
    private String tlsKeystore;
    private String tlsKeystorePassword;
    private String tlsProtocols;
    private String tlsCipherSuites;
    private TlsClientAuth tlsClientAuth;
    private String tlsClientCa;
    private long tlsReloadIntervalNs;
    private int tlsHandshakeThreads;
    private int tlsSessionCacheSize;
    private String clusterNatsUrl;
    private String clusterNatsCredentials;
    private String clusterNatsTlsCa;
    private String clusterNatsTlsCert;
    private String clusterNatsTlsKey;
    private String clusterNode;
    private String clusterSubjectPrefix;
    private int clusterBufferLength;

    /**
     * Settings from the system properties, defaults where unset.
     *
     * @throws WsmuxConfigurationException naming the property, its value and the accepted forms when a
     *                                     {@code wsmux.*} property is malformed or unknown.
     */
    public WsmuxSettings()
    {
        this(System.getProperties());
    }

    /**
     * Settings from the given properties (read from a file, say), defaults where unset. Only names starting with
     * {@link #PROPERTY_PREFIX} are looked at; each must be one of the {@code *_PROP_NAME}s, in one of the forms its
     * javadoc and docs/tuning.md give. Ranges are checked later, by {@link #conclude()}.
     *
     * @param properties to read.
     * @throws WsmuxConfigurationException naming the property, its value and the accepted forms when a
     *                                     {@code wsmux.*} property is malformed or unknown.
     */
    public WsmuxSettings(final Properties properties)
    {
        final SettingsParser parser = new SettingsParser(properties, PROPERTY_PREFIX);
        ioThreads = parser.integer(IO_THREADS_PROP_NAME, IO_THREADS_DEFAULT);
        idleMode = parser.enumValue(IDLE_MODE_PROP_NAME, IDLE_MODE_DEFAULT, IdleMode.class);
        bindAddress = parser.string(BIND_ADDRESS_PROP_NAME, BIND_ADDRESS_DEFAULT);
        port = parser.integer(PORT_PROP_NAME, PORT_DEFAULT);
        reusePort = parser.bool(REUSE_PORT_PROP_NAME, REUSE_PORT_DEFAULT);
        acceptBacklog = parser.integer(ACCEPT_BACKLOG_PROP_NAME, ACCEPT_BACKLOG_DEFAULT);
        maxConnections = parser.integer(MAX_CONNECTIONS_PROP_NAME, MAX_CONNECTIONS_DEFAULT);
        readBufferLength = parser.size(READ_BUFFER_LENGTH_PROP_NAME, READ_BUFFER_LENGTH_DEFAULT);
        corkBufferLength = parser.size(CORK_BUFFER_LENGTH_PROP_NAME, CORK_BUFFER_LENGTH_DEFAULT);
        outboundChunkLength = parser.size(OUTBOUND_CHUNK_LENGTH_PROP_NAME, OUTBOUND_CHUNK_LENGTH_DEFAULT);
        outboundPooledChunks = parser.integer(OUTBOUND_POOLED_CHUNKS_PROP_NAME, OUTBOUND_POOLED_CHUNKS_DEFAULT);
        outboundBudget = parser.size(OUTBOUND_BUDGET_PROP_NAME, OUTBOUND_BUDGET_DEFAULT);
        outboundOverflow = parser.enumValue(OUTBOUND_OVERFLOW_PROP_NAME, OUTBOUND_OVERFLOW_DEFAULT,
            OverflowPolicy.class);
        slowConsumerGraceNs = parser.duration(SLOW_CONSUMER_GRACE_PROP_NAME, SLOW_CONSUMER_GRACE_DEFAULT_NS);
        slowConsumerCloseTimeoutNs =
            parser.duration(SLOW_CONSUMER_CLOSE_TIMEOUT_PROP_NAME, SLOW_CONSUMER_CLOSE_TIMEOUT_DEFAULT_NS);
        muxMaxChannels = parser.integer(MUX_MAX_CHANNELS_PROP_NAME, MUX_MAX_CHANNELS_DEFAULT);
        muxMaxChannelNameLength =
            parser.size(MUX_MAX_CHANNEL_NAME_LENGTH_PROP_NAME, MUX_MAX_CHANNEL_NAME_LENGTH_DEFAULT);
        maxPublicationLength = parser.size(MAX_PUBLICATION_LENGTH_PROP_NAME, MAX_PUBLICATION_LENGTH_DEFAULT);
        topicReclaimDelayNs = parser.duration(TOPIC_RECLAIM_DELAY_PROP_NAME, TOPIC_RECLAIM_DELAY_DEFAULT_NS);
        topicMaxPerPrefix = parser.integer(TOPIC_MAX_PER_PREFIX_PROP_NAME, TOPIC_MAX_PER_PREFIX_DEFAULT);
        loopQueueCapacity = parser.integer(LOOP_QUEUE_CAPACITY_PROP_NAME, LOOP_QUEUE_CAPACITY_DEFAULT);
        commandBufferLength = parser.size(COMMAND_BUFFER_LENGTH_PROP_NAME, COMMAND_BUFFER_LENGTH_DEFAULT);
        maxFrameLength = parser.size(MAX_FRAME_LENGTH_PROP_NAME, MAX_FRAME_LENGTH_DEFAULT);
        maxMessageLength = parser.size(MAX_MESSAGE_LENGTH_PROP_NAME, MAX_MESSAGE_LENGTH_DEFAULT);
        assemblyBudget = parser.size(ASSEMBLY_BUDGET_PROP_NAME, ASSEMBLY_BUDGET_DEFAULT);
        maxHandshakes = parser.integer(MAX_HANDSHAKES_PROP_NAME, MAX_HANDSHAKES_DEFAULT);
        maxHandshakeLength = parser.size(MAX_HANDSHAKE_LENGTH_PROP_NAME, MAX_HANDSHAKE_LENGTH_DEFAULT);
        maxHeaderCount = parser.integer(MAX_HEADER_COUNT_PROP_NAME, MAX_HEADER_COUNT_DEFAULT);
        handshakeTimeoutNs = parser.duration(HANDSHAKE_TIMEOUT_PROP_NAME, HANDSHAKE_TIMEOUT_DEFAULT_NS);
        pingIntervalNs = parser.duration(PING_INTERVAL_PROP_NAME, PING_INTERVAL_DEFAULT_NS);
        idleTimeoutNs = parser.duration(IDLE_TIMEOUT_PROP_NAME, IDLE_TIMEOUT_DEFAULT_NS);
        closeTimeoutNs = parser.duration(CLOSE_TIMEOUT_PROP_NAME, CLOSE_TIMEOUT_DEFAULT_NS);
        sockJsHeartbeatNs = parser.duration(SOCKJS_HEARTBEAT_PROP_NAME, SOCKJS_HEARTBEAT_DEFAULT_NS);
        sockJsDisconnectDelayNs =
            parser.duration(SOCKJS_DISCONNECT_DELAY_PROP_NAME, SOCKJS_DISCONNECT_DELAY_DEFAULT_NS);
        sockJsResponseLimit = parser.size(SOCKJS_RESPONSE_LIMIT_PROP_NAME, SOCKJS_RESPONSE_LIMIT_DEFAULT);
        sockJsMaxBodyLength = parser.size(SOCKJS_MAX_BODY_LENGTH_PROP_NAME, SOCKJS_MAX_BODY_LENGTH_DEFAULT);
        sockJsMaxSessions = parser.integer(SOCKJS_MAX_SESSIONS_PROP_NAME, SOCKJS_MAX_SESSIONS_DEFAULT);
        httpIdleTimeoutNs = parser.duration(HTTP_IDLE_TIMEOUT_PROP_NAME, HTTP_IDLE_TIMEOUT_DEFAULT_NS);
        deflate = parser.bool(DEFLATE_PROP_NAME, DEFLATE_DEFAULT);
        deflateMinLength = parser.size(DEFLATE_MIN_LENGTH_PROP_NAME, DEFLATE_MIN_LENGTH_DEFAULT);
        deflateLevel = parser.integer(DEFLATE_LEVEL_PROP_NAME, DEFLATE_LEVEL_DEFAULT);
        deflateServerContextTakeover =
            parser.bool(DEFLATE_SERVER_CONTEXT_TAKEOVER_PROP_NAME, DEFLATE_SERVER_CONTEXT_TAKEOVER_DEFAULT);
        deflateClientContextTakeover =
            parser.bool(DEFLATE_CLIENT_CONTEXT_TAKEOVER_PROP_NAME, DEFLATE_CLIENT_CONTEXT_TAKEOVER_DEFAULT);
        shutdownTimeoutNs = parser.duration(SHUTDOWN_TIMEOUT_PROP_NAME, SHUTDOWN_TIMEOUT_DEFAULT_NS);
        drainPeriodNs = parser.duration(DRAIN_PERIOD_PROP_NAME, DRAIN_PERIOD_DEFAULT_NS);
        timerTickNs = parser.duration(TIMER_TICK_PROP_NAME, TIMER_TICK_DEFAULT_NS);
        tcpNoDelay = parser.bool(TCP_NODELAY_PROP_NAME, TCP_NODELAY_DEFAULT);
        socketSendBuffer = parser.size(SOCKET_SEND_BUFFER_PROP_NAME, SOCKET_SEND_BUFFER_DEFAULT);
        socketReceiveBuffer = parser.size(SOCKET_RECEIVE_BUFFER_PROP_NAME, SOCKET_RECEIVE_BUFFER_DEFAULT);
        conflationSendBufferLength = parser.size(CONFLATION_SEND_BUFFER_PROP_NAME, CONFLATION_SEND_BUFFER_DEFAULT);
        printConfiguration = parser.bool(PRINT_CONFIGURATION_PROP_NAME, PRINT_CONFIGURATION_DEFAULT);
        countersDir = parser.string(COUNTERS_DIR_PROP_NAME, COUNTERS_DIR_DEFAULT).trim();
        if (countersDir.isEmpty())
        {
            countersDir = CountersFileDescriptor.defaultDirectory(System.getProperty("java.io.tmpdir"));
        }
        countersMaxTopicFamilies =
            parser.integer(COUNTERS_MAX_TOPIC_FAMILIES_PROP_NAME, COUNTERS_MAX_TOPIC_FAMILIES_DEFAULT);
        dutyCycleThresholdNs = parser.duration(DUTY_CYCLE_THRESHOLD_PROP_NAME, DUTY_CYCLE_THRESHOLD_DEFAULT_NS);
        adminPort = parser.integer(ADMIN_PORT_PROP_NAME, ADMIN_PORT_DEFAULT);
        adminBindAddress = parser.string(ADMIN_BIND_ADDRESS_PROP_NAME, ADMIN_BIND_ADDRESS_DEFAULT);
        tlsPort = parser.integer(TLS_PORT_PROP_NAME, TLS_PORT_DEFAULT);
        tlsCert = parser.string(TLS_CERT_PROP_NAME, "").trim();
        tlsKey = parser.string(TLS_KEY_PROP_NAME, "").trim();
        tlsKeystore = parser.string(TLS_KEYSTORE_PROP_NAME, "").trim();
        tlsKeystorePassword = parser.string(TLS_KEYSTORE_PASSWORD_PROP_NAME, "");
        tlsProtocols = parser.string(TLS_PROTOCOLS_PROP_NAME, TLS_PROTOCOLS_DEFAULT);
        tlsCipherSuites = parser.string(TLS_CIPHER_SUITES_PROP_NAME, TLS_CIPHER_SUITES_DEFAULT);
        tlsClientAuth = parser.enumValue(TLS_CLIENT_AUTH_PROP_NAME, TLS_CLIENT_AUTH_DEFAULT, TlsClientAuth.class);
        tlsClientCa = parser.string(TLS_CLIENT_CA_PROP_NAME, "").trim();
        tlsReloadIntervalNs = parser.duration(TLS_RELOAD_INTERVAL_PROP_NAME, TLS_RELOAD_INTERVAL_DEFAULT_NS);
        tlsHandshakeThreads = parser.integer(TLS_HANDSHAKE_THREADS_PROP_NAME, TLS_HANDSHAKE_THREADS_DEFAULT);
        tlsSessionCacheSize = parser.integer(TLS_SESSION_CACHE_SIZE_PROP_NAME, TLS_SESSION_CACHE_SIZE_DEFAULT);
        clusterNatsUrl = parser.string(CLUSTER_NATS_URL_PROP_NAME, "").trim();
        clusterNatsCredentials = parser.string(CLUSTER_NATS_CREDENTIALS_PROP_NAME, "").trim();
        clusterNatsTlsCa = parser.string(CLUSTER_NATS_TLS_CA_PROP_NAME, "").trim();
        clusterNatsTlsCert = parser.string(CLUSTER_NATS_TLS_CERT_PROP_NAME, "").trim();
        clusterNatsTlsKey = parser.string(CLUSTER_NATS_TLS_KEY_PROP_NAME, "").trim();
        clusterNode = parser.string(CLUSTER_NODE_PROP_NAME, "").trim();
        clusterSubjectPrefix = parser.string(CLUSTER_SUBJECT_PREFIX_PROP_NAME, CLUSTER_SUBJECT_PREFIX_DEFAULT).trim();
        clusterBufferLength = parser.size(CLUSTER_BUFFER_LENGTH_PROP_NAME, CLUSTER_BUFFER_LENGTH_DEFAULT);
        parser.rejectUnknown();
        propertiesSet = parser.namesSet();
    }

    /**
     * Use other defaults for the frame limit, the message limit and the outbound budget, for a mode that needs
     * larger ones (the jar's echo mode: conformance suites send 16 MiB messages). Each applies only when its
     * property was not set: an explicit {@code wsmux.max.frame.length}, {@code wsmux.max.message.length} or
     * {@code wsmux.outbound.budget} wins.
     *
     * @param frameLength    frame limit to use when {@link #MAX_FRAME_LENGTH_PROP_NAME} is not set.
     * @param messageLength  message limit to use when {@link #MAX_MESSAGE_LENGTH_PROP_NAME} is not set.
     * @param outboundBudget outbound budget to use when {@link #OUTBOUND_BUDGET_PROP_NAME} is not set.
     * @return this.
     */
    public WsmuxSettings defaultLimits(final int frameLength, final int messageLength, final int outboundBudget)
    {
        if (!propertiesSet.contains(MAX_FRAME_LENGTH_PROP_NAME))
        {
            maxFrameLength = frameLength;
        }
        if (!propertiesSet.contains(MAX_MESSAGE_LENGTH_PROP_NAME))
        {
            maxMessageLength = messageLength;
        }
        if (!propertiesSet.contains(OUTBOUND_BUDGET_PROP_NAME))
        {
            this.outboundBudget = outboundBudget;
        }
        return this;
    }

    /**
     * Check every value, however it was set (property or fluent setter), and derive what depends on others. Called
     * by {@link WsmuxServer.Builder#build()}.
     *
     * @return this.
     * @throws WsmuxConfigurationException naming the property, the accepted range and the value when one is out of
     *                                     range, e.g. {@code wsmux.port must be in [0, 65535]: port=70000}.
     */
    public WsmuxSettings conclude()
    {
        check(ioThreads >= 1 && ioThreads <= IO_THREADS_MAX, IO_THREADS_PROP_NAME,
            "in [1, " + IO_THREADS_MAX + "]", "ioThreads", ioThreads);
        check(null != idleMode, IDLE_MODE_PROP_NAME, "blocking, backoff or spin", "idleMode", idleMode);
        check(isResolvable(bindAddress), BIND_ADDRESS_PROP_NAME,
            "an IP address or a host name that resolves, such as 127.0.0.1 or 0.0.0.0", "bindAddress", bindAddress);
        check(port >= 0 && port <= PORT_MAX, PORT_PROP_NAME, "in [0, " + PORT_MAX + "]", "port", port);
        check(acceptBacklog >= 1, ACCEPT_BACKLOG_PROP_NAME, "at least 1", "acceptBacklog", acceptBacklog);
        check(maxConnections >= 1, MAX_CONNECTIONS_PROP_NAME, "at least 1", "maxConnections", maxConnections);
        check(readBufferLength >= 1024, READ_BUFFER_LENGTH_PROP_NAME, "a size of at least 1k",
            "readBufferLength", readBufferLength);
        check(corkBufferLength >= 1024, CORK_BUFFER_LENGTH_PROP_NAME, "a size of at least 1k",
            "corkBufferLength", corkBufferLength);
        check(outboundChunkLength >= 256, OUTBOUND_CHUNK_LENGTH_PROP_NAME, "a size of at least 256",
            "outboundChunkLength", outboundChunkLength);
        check(outboundPooledChunks >= 0, OUTBOUND_POOLED_CHUNKS_PROP_NAME, "at least 0",
            "outboundPooledChunks", outboundPooledChunks);
        check(outboundBudget >= 1024, OUTBOUND_BUDGET_PROP_NAME, "a size of at least 1k",
            "outboundBudget", outboundBudget);
        check(null != outboundOverflow, OUTBOUND_OVERFLOW_PROP_NAME, "close or drop",
            "outboundOverflow", outboundOverflow);
        check(slowConsumerGraceNs >= 0, SLOW_CONSUMER_GRACE_PROP_NAME, "a duration of at least 0",
            "slowConsumerGraceNs", slowConsumerGraceNs);
        check(slowConsumerCloseTimeoutNs > 0, SLOW_CONSUMER_CLOSE_TIMEOUT_PROP_NAME, "a duration above 0",
            "slowConsumerCloseTimeoutNs", slowConsumerCloseTimeoutNs);
        check(muxMaxChannels >= 1, MUX_MAX_CHANNELS_PROP_NAME, "at least 1", "muxMaxChannels", muxMaxChannels);
        check(muxMaxChannelNameLength >= 1 && muxMaxChannelNameLength <= 65535, MUX_MAX_CHANNEL_NAME_LENGTH_PROP_NAME,
            "in [1, 65535]", "muxMaxChannelNameLength", muxMaxChannelNameLength);
        check(maxPublicationLength >= 1 && maxPublicationLength <= 64 * 1024 * 1024, MAX_PUBLICATION_LENGTH_PROP_NAME,
            "a size in [1, 64m]", "maxPublicationLength", maxPublicationLength);
        check(topicReclaimDelayNs >= 0, TOPIC_RECLAIM_DELAY_PROP_NAME, "a duration of at least 0 (0: never reclaim)",
            "topicReclaimDelayNs", topicReclaimDelayNs);
        check(topicMaxPerPrefix >= 1, TOPIC_MAX_PER_PREFIX_PROP_NAME, "at least 1", "topicMaxPerPrefix",
            topicMaxPerPrefix);
        check(loopQueueCapacity >= 64, LOOP_QUEUE_CAPACITY_PROP_NAME, "at least 64",
            "loopQueueCapacity", loopQueueCapacity);
        check(BitUtil.isPowerOfTwo(commandBufferLength) && commandBufferLength >= 64 * 1024,
            COMMAND_BUFFER_LENGTH_PROP_NAME, "a power of two of at least 64k, such as 1m",
            "commandBufferLength", commandBufferLength);
        check(maxFrameLength >= 125, MAX_FRAME_LENGTH_PROP_NAME, "a size of at least 125",
            "maxFrameLength", maxFrameLength);
        check(maxHandshakes >= 1, MAX_HANDSHAKES_PROP_NAME, "at least 1", "maxHandshakes", maxHandshakes);
        check(assemblyBudget >= maxMessageLength, ASSEMBLY_BUDGET_PROP_NAME,
            "at least " + MAX_MESSAGE_LENGTH_PROP_NAME + " (" + maxMessageLength + ")", "assemblyBudget",
            assemblyBudget);
        check(maxMessageLength >= maxFrameLength, MAX_MESSAGE_LENGTH_PROP_NAME,
            "at least " + MAX_FRAME_LENGTH_PROP_NAME + " (" + maxFrameLength + ")", "maxMessageLength",
            maxMessageLength);
        check(maxHandshakeLength >= 256, MAX_HANDSHAKE_LENGTH_PROP_NAME, "a size of at least 256",
            "maxHandshakeLength", maxHandshakeLength);
        check(maxHeaderCount >= 4, MAX_HEADER_COUNT_PROP_NAME, "at least 4", "maxHeaderCount", maxHeaderCount);
        check(handshakeTimeoutNs > 0, HANDSHAKE_TIMEOUT_PROP_NAME, "a duration above 0",
            "handshakeTimeoutNs", handshakeTimeoutNs);
        check(pingIntervalNs >= 0, PING_INTERVAL_PROP_NAME, "a duration of at least 0 (0 disables pings)",
            "pingIntervalNs", pingIntervalNs);
        check(idleTimeoutNs >= 0, IDLE_TIMEOUT_PROP_NAME, "a duration of at least 0 (0 disables it)",
            "idleTimeoutNs", idleTimeoutNs);
        check(0 == idleTimeoutNs || 0 == pingIntervalNs || idleTimeoutNs > pingIntervalNs, IDLE_TIMEOUT_PROP_NAME,
            "longer than " + PING_INTERVAL_PROP_NAME + " (" + pingIntervalNs + "ns), or 0", "idleTimeoutNs",
            idleTimeoutNs);
        check(closeTimeoutNs > 0, CLOSE_TIMEOUT_PROP_NAME, "a duration above 0", "closeTimeoutNs", closeTimeoutNs);
        check(sockJsHeartbeatNs > 0, SOCKJS_HEARTBEAT_PROP_NAME, "a duration above 0",
            "sockJsHeartbeatNs", sockJsHeartbeatNs);
        check(sockJsDisconnectDelayNs > 0, SOCKJS_DISCONNECT_DELAY_PROP_NAME, "a duration above 0",
            "sockJsDisconnectDelayNs", sockJsDisconnectDelayNs);
        check(sockJsResponseLimit >= 1, SOCKJS_RESPONSE_LIMIT_PROP_NAME, "a size of at least 1",
            "sockJsResponseLimit", sockJsResponseLimit);
        check(sockJsMaxBodyLength >= 64, SOCKJS_MAX_BODY_LENGTH_PROP_NAME, "a size of at least 64",
            "sockJsMaxBodyLength", sockJsMaxBodyLength);
        check(sockJsMaxSessions >= 1, SOCKJS_MAX_SESSIONS_PROP_NAME, "at least 1",
            "sockJsMaxSessions", sockJsMaxSessions);
        check(httpIdleTimeoutNs > 0, HTTP_IDLE_TIMEOUT_PROP_NAME, "a duration above 0",
            "httpIdleTimeoutNs", httpIdleTimeoutNs);
        check(deflateMinLength >= 0, DEFLATE_MIN_LENGTH_PROP_NAME, "a size of at least 0",
            "deflateMinLength", deflateMinLength);
        check(deflateLevel >= 1 && deflateLevel <= 9, DEFLATE_LEVEL_PROP_NAME, "a zlib level from 1 to 9",
            "deflateLevel", deflateLevel);
        check(shutdownTimeoutNs >= 0, SHUTDOWN_TIMEOUT_PROP_NAME, "a duration of at least 0",
            "shutdownTimeoutNs", shutdownTimeoutNs);
        check(drainPeriodNs >= 0 && drainPeriodNs <= TimeUnit.HOURS.toNanos(1), DRAIN_PERIOD_PROP_NAME,
            "a duration from 0 to 1h", "drainPeriodNs", drainPeriodNs);
        check(timerTickNs >= 1000 && timerTickNs <= TimeUnit.SECONDS.toNanos(1), TIMER_TICK_PROP_NAME,
            "a duration in [1us, 1s]", "timerTickNs", timerTickNs);
        timerTickNs = BitUtil.findNextPositivePowerOfTwo(timerTickNs);
        check(socketSendBuffer >= 0, SOCKET_SEND_BUFFER_PROP_NAME, "a size of at least 0 (0: the OS default)",
            "socketSendBuffer", socketSendBuffer);
        check(socketReceiveBuffer >= 0, SOCKET_RECEIVE_BUFFER_PROP_NAME, "a size of at least 0 (0: the OS default)",
            "socketReceiveBuffer", socketReceiveBuffer);
        check(conflationSendBufferLength >= 0, CONFLATION_SEND_BUFFER_PROP_NAME,
            "a size of at least 0 (0: the kernel's autotuned buffer)", "conflationSendBufferLength",
            conflationSendBufferLength);
        check(null != countersDir && !countersDir.isBlank() &&
            (new File(countersDir).isDirectory() || !new File(countersDir).exists()), COUNTERS_DIR_PROP_NAME,
            "a directory, or a path where one can be created", "countersDir", countersDir);
        check(countersMaxTopicFamilies >= 0 && countersMaxTopicFamilies <= 65536,
            COUNTERS_MAX_TOPIC_FAMILIES_PROP_NAME, "in [0, 65536]", "countersMaxTopicFamilies",
            countersMaxTopicFamilies);
        check(dutyCycleThresholdNs > 0, DUTY_CYCLE_THRESHOLD_PROP_NAME, "a duration above 0",
            "dutyCycleThresholdNs", dutyCycleThresholdNs);
        check(adminPort >= 0 && adminPort <= PORT_MAX, ADMIN_PORT_PROP_NAME, "in [0, " + PORT_MAX + "] (0: off)",
            "adminPort", adminPort);
        check(isResolvable(adminBindAddress), ADMIN_BIND_ADDRESS_PROP_NAME,
            "an IP address or a host name that resolves, such as 127.0.0.1", "adminBindAddress", adminBindAddress);
        concludeTls();
        concludeCluster();
        return this;
    }

    private void concludeCluster()
    {
        for (final String url : ServerTls.list(clusterNatsUrl))
        {
            check(url.startsWith("nats://") || url.startsWith("tls://"), CLUSTER_NATS_URL_PROP_NAME,
                "nats:// or tls:// URLs, comma separated", "clusterNatsUrl", NatsUrls.redact(clusterNatsUrl));
        }
        check(clusterNode.matches("[A-Za-z0-9_.:-]*"), CLUSTER_NODE_PROP_NAME,
            "letters, digits and - _ . : only", "clusterNode", clusterNode);
        check(clusterSubjectPrefix.matches("[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*"), CLUSTER_SUBJECT_PREFIX_PROP_NAME,
            "NATS subject tokens (letters, digits, - and _) separated by dots", "clusterSubjectPrefix",
            clusterSubjectPrefix);
        check(clusterBufferLength >= 64 * 1024, CLUSTER_BUFFER_LENGTH_PROP_NAME, "a size of at least 64k",
            "clusterBufferLength", clusterBufferLength);
        if (clusterNatsUrl.isEmpty())
        {
            final String needsUrl = "used with " + CLUSTER_NATS_URL_PROP_NAME;
            check(clusterNode.isEmpty(), CLUSTER_NODE_PROP_NAME, needsUrl, "clusterNode", clusterNode);
            check(clusterNatsCredentials.isEmpty(), CLUSTER_NATS_CREDENTIALS_PROP_NAME, needsUrl,
                "clusterNatsCredentials", clusterNatsCredentials);
            check(clusterNatsTlsCa.isEmpty(), CLUSTER_NATS_TLS_CA_PROP_NAME, needsUrl, "clusterNatsTlsCa",
                clusterNatsTlsCa);
            check(clusterNatsTlsCert.isEmpty(), CLUSTER_NATS_TLS_CERT_PROP_NAME, needsUrl, "clusterNatsTlsCert",
                clusterNatsTlsCert);
            check(clusterNatsTlsKey.isEmpty(), CLUSTER_NATS_TLS_KEY_PROP_NAME, needsUrl, "clusterNatsTlsKey",
                clusterNatsTlsKey);
        }
        // A certificate without its key (or the reverse) cannot be presented: refuse it rather than connect without.
        check(clusterNatsTlsKey.isEmpty() || !clusterNatsTlsCert.isEmpty(), CLUSTER_NATS_TLS_CERT_PROP_NAME,
            "set with " + CLUSTER_NATS_TLS_KEY_PROP_NAME, "clusterNatsTlsCert", clusterNatsTlsCert);
        check(clusterNatsTlsCert.isEmpty() || !clusterNatsTlsKey.isEmpty(), CLUSTER_NATS_TLS_KEY_PROP_NAME,
            "set with " + CLUSTER_NATS_TLS_CERT_PROP_NAME, "clusterNatsTlsKey", clusterNatsTlsKey);
    }

    private void concludeTls()
    {
        check(tlsPort >= -1 && tlsPort <= PORT_MAX, TLS_PORT_PROP_NAME, "in [-1, " + PORT_MAX + "] (-1: off)",
            "tlsPort", tlsPort);
        check(tlsPort < 0 || tlsPort != port || 0 == port, TLS_PORT_PROP_NAME, "another port than " +
            PORT_PROP_NAME, "tlsPort", tlsPort);
        check(tlsReloadIntervalNs >= 0, TLS_RELOAD_INTERVAL_PROP_NAME, "a duration of at least 0 (0: never)",
            "tlsReloadIntervalNs", tlsReloadIntervalNs);
        check(tlsHandshakeThreads >= 0 && tlsHandshakeThreads <= 256, TLS_HANDSHAKE_THREADS_PROP_NAME,
            "in [0, 256] (0: on the loop)", "tlsHandshakeThreads", tlsHandshakeThreads);
        check(tlsSessionCacheSize >= 1, TLS_SESSION_CACHE_SIZE_PROP_NAME, "at least 1", "tlsSessionCacheSize",
            tlsSessionCacheSize);
        final SSLParameters supported = ServerTls.supportedParameters();
        for (final String protocol : ServerTls.list(tlsProtocols))
        {
            check("TLSv1.3".equals(protocol) || "TLSv1.2".equals(protocol), TLS_PROTOCOLS_PROP_NAME,
                "TLSv1.3 and/or TLSv1.2 (older versions are insecure)", "tlsProtocols", tlsProtocols);
            check(Arrays.asList(supported.getProtocols()).contains(protocol), TLS_PROTOCOLS_PROP_NAME,
                "protocols this JDK supports", "tlsProtocols", tlsProtocols);
        }
        check(!ServerTls.list(tlsProtocols).isEmpty(), TLS_PROTOCOLS_PROP_NAME, "at least one protocol",
            "tlsProtocols", tlsProtocols);
        final List<String> suites = Arrays.asList(supported.getCipherSuites());
        for (final String suite : ServerTls.list(tlsCipherSuites))
        {
            check(suites.contains(suite), TLS_CIPHER_SUITES_PROP_NAME, "cipher suites this JDK supports (" + suite +
                " is not one)", "tlsCipherSuites", tlsCipherSuites);
        }
        check(!ServerTls.list(tlsCipherSuites).isEmpty(), TLS_CIPHER_SUITES_PROP_NAME, "at least one suite",
            "tlsCipherSuites", tlsCipherSuites);
        if (tlsPort < 0)
        {
            // A certificate without a TLS listener would be silently ignored: say so rather than serve plaintext.
            final String needsPort = "used with " + TLS_PORT_PROP_NAME + " (there is no TLS listener without it)";
            check(tlsCert.isEmpty(), TLS_CERT_PROP_NAME, needsPort, "tlsCert", tlsCert);
            check(tlsKey.isEmpty(), TLS_KEY_PROP_NAME, needsPort, "tlsKey", tlsKey);
            check(tlsKeystore.isEmpty(), TLS_KEYSTORE_PROP_NAME, needsPort, "tlsKeystore", tlsKeystore);
            check(tlsClientCa.isEmpty(), TLS_CLIENT_CA_PROP_NAME, needsPort, "tlsClientCa", tlsClientCa);
            check(TlsClientAuth.NONE == tlsClientAuth, TLS_CLIENT_AUTH_PROP_NAME, needsPort, "tlsClientAuth",
                tlsClientAuth);
        }
        check(!propertiesSet.contains(TLS_KEYSTORE_PASSWORD_PROP_NAME) || !tlsKeystore.isEmpty(),
            TLS_KEYSTORE_PASSWORD_PROP_NAME, "used with " + TLS_KEYSTORE_PROP_NAME, "tlsKeystorePassword",
            "(not shown)");
        if (tlsPort >= 0)
        {
            // Whether a certificate is given at all is checked when the server is built: an application may give
            // an SSLContext of its own instead (WsmuxServer.Builder.tls).
            final boolean pem = !tlsCert.isEmpty() || !tlsKey.isEmpty();
            check(!(pem && !tlsKeystore.isEmpty()), TLS_KEYSTORE_PROP_NAME, "left unset when " + TLS_CERT_PROP_NAME +
                " is set (one certificate source)", "tlsKeystore", tlsKeystore);
            check(!pem || !tlsCert.isEmpty(), TLS_CERT_PROP_NAME, "set with " + TLS_KEY_PROP_NAME, "tlsCert",
                tlsCert);
            check(!pem || !tlsKey.isEmpty(), TLS_KEY_PROP_NAME, "set with " + TLS_CERT_PROP_NAME, "tlsKey", tlsKey);
            check(TlsClientAuth.NONE == tlsClientAuth || !tlsClientCa.isEmpty(), TLS_CLIENT_CA_PROP_NAME,
                "set when " + TLS_CLIENT_AUTH_PROP_NAME + " asks for client certificates", "tlsClientCa",
                tlsClientCa);
        }
    }

    /**
     * @throws WsmuxConfigurationException {@code <property> must be <requirement>: <field>=<value>}, unless true.
     */
    private static void check(
        final boolean condition,
        final String propertyName,
        final String requirement,
        final String fieldName,
        final Object value)
    {
        if (!condition)
        {
            throw new WsmuxConfigurationException(
                propertyName + " must be " + requirement + ": " + fieldName + "=" + value);
        }
    }

    /**
     * A literal address is parsed without a lookup; a host name is looked up once here, at build time, so that a
     * typo fails with the property named rather than as an unresolved address when the server binds.
     *
     * @param address an IP address or a host name.
     * @return true if it is an address, or a name that resolves.
     */
    static boolean isResolvable(final String address)
    {
        return null != address && !address.isBlank() && !new InetSocketAddress(address, 0).isUnresolved();
    }

    // ---- accessors and fluent setters, in the order of the properties above ----

    /** @return I/O threads. */
    public int ioThreads()
    {
        return ioThreads;
    }

    /** @param ioThreads I/O threads. @return this. */
    public WsmuxSettings ioThreads(final int ioThreads)
    {
        this.ioThreads = ioThreads;
        return this;
    }

    /** @return idle mode. */
    public IdleMode idleMode()
    {
        return idleMode;
    }

    /** @param idleMode idle mode. @return this. */
    public WsmuxSettings idleMode(final IdleMode idleMode)
    {
        this.idleMode = idleMode;
        return this;
    }

    /** @return bind address. */
    public String bindAddress()
    {
        return bindAddress;
    }

    /** @param bindAddress bind address. @return this. */
    public WsmuxSettings bindAddress(final String bindAddress)
    {
        this.bindAddress = bindAddress;
        return this;
    }

    /** @return port. */
    public int port()
    {
        return port;
    }

    /** @param port port, 0 for any free one. @return this. */
    public WsmuxSettings port(final int port)
    {
        this.port = port;
        return this;
    }

    /** @return whether to use SO_REUSEPORT. */
    public boolean reusePort()
    {
        return reusePort;
    }

    /** @param reusePort whether to use SO_REUSEPORT. @return this. */
    public WsmuxSettings reusePort(final boolean reusePort)
    {
        this.reusePort = reusePort;
        return this;
    }

    /** @return listen backlog. */
    public int acceptBacklog()
    {
        return acceptBacklog;
    }

    /** @param acceptBacklog listen backlog. @return this. */
    public WsmuxSettings acceptBacklog(final int acceptBacklog)
    {
        this.acceptBacklog = acceptBacklog;
        return this;
    }

    /** @return connection limit. */
    public int maxConnections()
    {
        return maxConnections;
    }

    /** @param maxConnections connection limit. @return this. */
    public WsmuxSettings maxConnections(final int maxConnections)
    {
        this.maxConnections = maxConnections;
        return this;
    }

    /** @return read buffer bytes. */
    public int readBufferLength()
    {
        return readBufferLength;
    }

    /** @param readBufferLength read buffer bytes. @return this. */
    public WsmuxSettings readBufferLength(final int readBufferLength)
    {
        this.readBufferLength = readBufferLength;
        return this;
    }

    /** @return cork buffer bytes. */
    public int corkBufferLength()
    {
        return corkBufferLength;
    }

    /** @param corkBufferLength cork buffer bytes. @return this. */
    public WsmuxSettings corkBufferLength(final int corkBufferLength)
    {
        this.corkBufferLength = corkBufferLength;
        return this;
    }

    /** @return outbound chunk bytes. */
    public int outboundChunkLength()
    {
        return outboundChunkLength;
    }

    /** @param outboundChunkLength outbound chunk bytes. @return this. */
    public WsmuxSettings outboundChunkLength(final int outboundChunkLength)
    {
        this.outboundChunkLength = outboundChunkLength;
        return this;
    }

    /** @return pooled outbound chunks per loop. */
    public int outboundPooledChunks()
    {
        return outboundPooledChunks;
    }

    /** @param outboundPooledChunks pooled outbound chunks per loop. @return this. */
    public WsmuxSettings outboundPooledChunks(final int outboundPooledChunks)
    {
        this.outboundPooledChunks = outboundPooledChunks;
        return this;
    }

    /** @return outbound budget bytes per connection. */
    public int outboundBudget()
    {
        return outboundBudget;
    }

    /** @param outboundBudget outbound budget bytes per connection. @return this. */
    public WsmuxSettings outboundBudget(final int outboundBudget)
    {
        this.outboundBudget = outboundBudget;
        return this;
    }

    /** @return overflow policy. */
    public OverflowPolicy outboundOverflow()
    {
        return outboundOverflow;
    }

    /** @param outboundOverflow overflow policy. @return this. */
    public WsmuxSettings outboundOverflow(final OverflowPolicy outboundOverflow)
    {
        this.outboundOverflow = outboundOverflow;
        return this;
    }

    /** @return slow-consumer grace. */
    public long slowConsumerGraceNs()
    {
        return slowConsumerGraceNs;
    }

    /** @return how long a slow consumer's close frame may wait for the socket, in ns. */
    public long slowConsumerCloseTimeoutNs()
    {
        return slowConsumerCloseTimeoutNs;
    }

    /** @param slowConsumerCloseTimeoutNs wait for a slow consumer's close frame, ns, &gt; 0. @return this. */
    public WsmuxSettings slowConsumerCloseTimeoutNs(final long slowConsumerCloseTimeoutNs)
    {
        this.slowConsumerCloseTimeoutNs = slowConsumerCloseTimeoutNs;
        return this;
    }

    /** @param slowConsumerGraceNs slow-consumer grace, 0 to close at once. @return this. */
    public WsmuxSettings slowConsumerGraceNs(final long slowConsumerGraceNs)
    {
        this.slowConsumerGraceNs = slowConsumerGraceNs;
        return this;
    }

    /** @return channels per multiplexed WebSocket. */
    public int muxMaxChannels()
    {
        return muxMaxChannels;
    }

    /** @param muxMaxChannels channels per multiplexed WebSocket. @return this. */
    public WsmuxSettings muxMaxChannels(final int muxMaxChannels)
    {
        this.muxMaxChannels = muxMaxChannels;
        return this;
    }

    /** @return longest channel name in bytes. */
    public int muxMaxChannelNameLength()
    {
        return muxMaxChannelNameLength;
    }

    /** @param muxMaxChannelNameLength longest channel name in bytes. @return this. */
    public WsmuxSettings muxMaxChannelNameLength(final int muxMaxChannelNameLength)
    {
        this.muxMaxChannelNameLength = muxMaxChannelNameLength;
        return this;
    }

    /** @return largest publication. */
    public int maxPublicationLength()
    {
        return maxPublicationLength;
    }

    /** @param maxPublicationLength largest publication. @return this. */
    public WsmuxSettings maxPublicationLength(final int maxPublicationLength)
    {
        this.maxPublicationLength = maxPublicationLength;
        return this;
    }

    /** @return default delay after which an idle on-demand topic is removed, 0 for never. */
    public long topicReclaimDelayNs()
    {
        return topicReclaimDelayNs;
    }

    /**
     * @param topicReclaimDelayNs default delay after which an on-demand topic under a prefix with no subscriber and
     *                            no publication is removed, 0 for never.
     * @return this.
     */
    public WsmuxSettings topicReclaimDelayNs(final long topicReclaimDelayNs)
    {
        this.topicReclaimDelayNs = topicReclaimDelayNs;
        return this;
    }

    /** @return default cap on topics under one topic prefix. */
    public int topicMaxPerPrefix()
    {
        return topicMaxPerPrefix;
    }

    /** @param topicMaxPerPrefix default cap on topics under one topic prefix, at least 1. @return this. */
    public WsmuxSettings topicMaxPerPrefix(final int topicMaxPerPrefix)
    {
        this.topicMaxPerPrefix = topicMaxPerPrefix;
        return this;
    }

    /** @return task queue capacity per loop. */
    public int loopQueueCapacity()
    {
        return loopQueueCapacity;
    }

    /** @param loopQueueCapacity task queue capacity per loop. @return this. */
    public WsmuxSettings loopQueueCapacity(final int loopQueueCapacity)
    {
        this.loopQueueCapacity = loopQueueCapacity;
        return this;
    }

    /** @return command ring bytes. */
    public int commandBufferLength()
    {
        return commandBufferLength;
    }

    /** @param commandBufferLength command ring bytes (power of two). @return this. */
    public WsmuxSettings commandBufferLength(final int commandBufferLength)
    {
        this.commandBufferLength = commandBufferLength;
        return this;
    }

    /** @return frame limit. */
    public int maxFrameLength()
    {
        return maxFrameLength;
    }

    /** @param maxFrameLength frame limit. @return this. */
    public WsmuxSettings maxFrameLength(final int maxFrameLength)
    {
        this.maxFrameLength = maxFrameLength;
        return this;
    }

    /** @return message limit. */
    public int maxMessageLength()
    {
        return maxMessageLength;
    }

    /** @return connections one loop lets be in their upgrade handshake at once. */
    public int maxHandshakes()
    {
        return maxHandshakes;
    }

    /** @param maxHandshakes connections in their handshake at once per loop, at least 1. @return this. */
    public WsmuxSettings maxHandshakes(final int maxHandshakes)
    {
        this.maxHandshakes = maxHandshakes;
        return this;
    }

    /** @return bytes of partly received messages one loop holds at most, for all its connections. */
    public int assemblyBudget()
    {
        return assemblyBudget;
    }

    /** @param assemblyBudget bytes per loop, at least the message limit. @return this. */
    public WsmuxSettings assemblyBudget(final int assemblyBudget)
    {
        this.assemblyBudget = assemblyBudget;
        return this;
    }

    /** @param maxMessageLength message limit. @return this. */
    public WsmuxSettings maxMessageLength(final int maxMessageLength)
    {
        this.maxMessageLength = maxMessageLength;
        return this;
    }

    /** @return upgrade head limit. */
    public int maxHandshakeLength()
    {
        return maxHandshakeLength;
    }

    /** @param maxHandshakeLength upgrade head limit. @return this. */
    public WsmuxSettings maxHandshakeLength(final int maxHandshakeLength)
    {
        this.maxHandshakeLength = maxHandshakeLength;
        return this;
    }

    /** @return header line limit. */
    public int maxHeaderCount()
    {
        return maxHeaderCount;
    }

    /** @param maxHeaderCount header line limit. @return this. */
    public WsmuxSettings maxHeaderCount(final int maxHeaderCount)
    {
        this.maxHeaderCount = maxHeaderCount;
        return this;
    }

    /** @return handshake timeout. */
    public long handshakeTimeoutNs()
    {
        return handshakeTimeoutNs;
    }

    /** @param handshakeTimeoutNs handshake timeout. @return this. */
    public WsmuxSettings handshakeTimeoutNs(final long handshakeTimeoutNs)
    {
        this.handshakeTimeoutNs = handshakeTimeoutNs;
        return this;
    }

    /** @return ping interval, 0 if disabled. */
    public long pingIntervalNs()
    {
        return pingIntervalNs;
    }

    /** @param pingIntervalNs ping interval, 0 to disable. @return this. */
    public WsmuxSettings pingIntervalNs(final long pingIntervalNs)
    {
        this.pingIntervalNs = pingIntervalNs;
        return this;
    }

    /** @return idle timeout, 0 if disabled. */
    public long idleTimeoutNs()
    {
        return idleTimeoutNs;
    }

    /** @param idleTimeoutNs idle timeout, 0 to disable. @return this. */
    public WsmuxSettings idleTimeoutNs(final long idleTimeoutNs)
    {
        this.idleTimeoutNs = idleTimeoutNs;
        return this;
    }

    /** @return {@link #SOCKJS_HEARTBEAT_PROP_NAME}. */
    public long sockJsHeartbeatNs()
    {
        return sockJsHeartbeatNs;
    }

    /** @param sockJsHeartbeatNs {@link #SOCKJS_HEARTBEAT_PROP_NAME}. @return this. */
    public WsmuxSettings sockJsHeartbeatNs(final long sockJsHeartbeatNs)
    {
        this.sockJsHeartbeatNs = sockJsHeartbeatNs;
        return this;
    }

    /** @return {@link #SOCKJS_DISCONNECT_DELAY_PROP_NAME}. */
    public long sockJsDisconnectDelayNs()
    {
        return sockJsDisconnectDelayNs;
    }

    /** @param sockJsDisconnectDelayNs {@link #SOCKJS_DISCONNECT_DELAY_PROP_NAME}. @return this. */
    public WsmuxSettings sockJsDisconnectDelayNs(final long sockJsDisconnectDelayNs)
    {
        this.sockJsDisconnectDelayNs = sockJsDisconnectDelayNs;
        return this;
    }

    /** @return {@link #SOCKJS_RESPONSE_LIMIT_PROP_NAME}. */
    public int sockJsResponseLimit()
    {
        return sockJsResponseLimit;
    }

    /** @param sockJsResponseLimit {@link #SOCKJS_RESPONSE_LIMIT_PROP_NAME}. @return this. */
    public WsmuxSettings sockJsResponseLimit(final int sockJsResponseLimit)
    {
        this.sockJsResponseLimit = sockJsResponseLimit;
        return this;
    }

    /** @return {@link #SOCKJS_MAX_BODY_LENGTH_PROP_NAME}. */
    public int sockJsMaxBodyLength()
    {
        return sockJsMaxBodyLength;
    }

    /** @param sockJsMaxBodyLength {@link #SOCKJS_MAX_BODY_LENGTH_PROP_NAME}. @return this. */
    public WsmuxSettings sockJsMaxBodyLength(final int sockJsMaxBodyLength)
    {
        this.sockJsMaxBodyLength = sockJsMaxBodyLength;
        return this;
    }

    /** @return {@link #SOCKJS_MAX_SESSIONS_PROP_NAME}. */
    public int sockJsMaxSessions()
    {
        return sockJsMaxSessions;
    }

    /** @param sockJsMaxSessions {@link #SOCKJS_MAX_SESSIONS_PROP_NAME}. @return this. */
    public WsmuxSettings sockJsMaxSessions(final int sockJsMaxSessions)
    {
        this.sockJsMaxSessions = sockJsMaxSessions;
        return this;
    }

    /** @return {@link #HTTP_IDLE_TIMEOUT_PROP_NAME}. */
    public long httpIdleTimeoutNs()
    {
        return httpIdleTimeoutNs;
    }

    /** @param httpIdleTimeoutNs {@link #HTTP_IDLE_TIMEOUT_PROP_NAME}. @return this. */
    public WsmuxSettings httpIdleTimeoutNs(final long httpIdleTimeoutNs)
    {
        this.httpIdleTimeoutNs = httpIdleTimeoutNs;
        return this;
    }

    /** @return {@link #DEFLATE_PROP_NAME}. */
    public boolean deflate()
    {
        return deflate;
    }

    /** @param deflate {@link #DEFLATE_PROP_NAME}. @return this. */
    public WsmuxSettings deflate(final boolean deflate)
    {
        this.deflate = deflate;
        return this;
    }

    /** @return {@link #DEFLATE_MIN_LENGTH_PROP_NAME}. */
    public int deflateMinLength()
    {
        return deflateMinLength;
    }

    /** @param deflateMinLength {@link #DEFLATE_MIN_LENGTH_PROP_NAME}. @return this. */
    public WsmuxSettings deflateMinLength(final int deflateMinLength)
    {
        this.deflateMinLength = deflateMinLength;
        return this;
    }

    /** @return {@link #DEFLATE_LEVEL_PROP_NAME}. */
    public int deflateLevel()
    {
        return deflateLevel;
    }

    /** @param deflateLevel {@link #DEFLATE_LEVEL_PROP_NAME}. @return this. */
    public WsmuxSettings deflateLevel(final int deflateLevel)
    {
        this.deflateLevel = deflateLevel;
        return this;
    }

    /** @return {@link #DEFLATE_SERVER_CONTEXT_TAKEOVER_PROP_NAME}. */
    public boolean deflateServerContextTakeover()
    {
        return deflateServerContextTakeover;
    }

    /** @param takeover {@link #DEFLATE_SERVER_CONTEXT_TAKEOVER_PROP_NAME}. @return this. */
    public WsmuxSettings deflateServerContextTakeover(final boolean takeover)
    {
        this.deflateServerContextTakeover = takeover;
        return this;
    }

    /** @return {@link #DEFLATE_CLIENT_CONTEXT_TAKEOVER_PROP_NAME}. */
    public boolean deflateClientContextTakeover()
    {
        return deflateClientContextTakeover;
    }

    /** @param takeover {@link #DEFLATE_CLIENT_CONTEXT_TAKEOVER_PROP_NAME}. @return this. */
    public WsmuxSettings deflateClientContextTakeover(final boolean takeover)
    {
        this.deflateClientContextTakeover = takeover;
        return this;
    }

    /** @return close handshake timeout. */
    public long closeTimeoutNs()
    {
        return closeTimeoutNs;
    }

    /** @param closeTimeoutNs close handshake timeout. @return this. */
    public WsmuxSettings closeTimeoutNs(final long closeTimeoutNs)
    {
        this.closeTimeoutNs = closeTimeoutNs;
        return this;
    }

    /** @return shutdown timeout. */
    public long shutdownTimeoutNs()
    {
        return shutdownTimeoutNs;
    }

    /** @param shutdownTimeoutNs shutdown timeout. @return this. */
    public WsmuxSettings shutdownTimeoutNs(final long shutdownTimeoutNs)
    {
        this.shutdownTimeoutNs = shutdownTimeoutNs;
        return this;
    }

    /** @return over how long {@link WsmuxServer#drain()} spreads its closes. */
    public long drainPeriodNs()
    {
        return drainPeriodNs;
    }

    /** @param drainPeriodNs over how long a drain spreads its closes, 0 for all at once. @return this. */
    public WsmuxSettings drainPeriodNs(final long drainPeriodNs)
    {
        this.drainPeriodNs = drainPeriodNs;
        return this;
    }

    /** @return timer tick. */
    public long timerTickNs()
    {
        return timerTickNs;
    }

    /** @param timerTickNs timer tick (rounded up to a power of two). @return this. */
    public WsmuxSettings timerTickNs(final long timerTickNs)
    {
        this.timerTickNs = timerTickNs;
        return this;
    }

    /** @return TCP_NODELAY. */
    public boolean tcpNoDelay()
    {
        return tcpNoDelay;
    }

    /** @param tcpNoDelay TCP_NODELAY. @return this. */
    public WsmuxSettings tcpNoDelay(final boolean tcpNoDelay)
    {
        this.tcpNoDelay = tcpNoDelay;
        return this;
    }

    /** @return SO_SNDBUF, 0 for the OS default. */
    public int socketSendBuffer()
    {
        return socketSendBuffer;
    }

    /** @param socketSendBuffer SO_SNDBUF, 0 for the OS default. @return this. */
    public WsmuxSettings socketSendBuffer(final int socketSendBuffer)
    {
        this.socketSendBuffer = socketSendBuffer;
        return this;
    }

    /** @return SO_RCVBUF, 0 for the OS default. */
    public int socketReceiveBuffer()
    {
        return socketReceiveBuffer;
    }

    /** @param socketReceiveBuffer SO_RCVBUF, 0 for the OS default. @return this. */
    public WsmuxSettings socketReceiveBuffer(final int socketReceiveBuffer)
    {
        this.socketReceiveBuffer = socketReceiveBuffer;
        return this;
    }

    /** @return SO_SNDBUF for a connection with a conflating or rate-limited subscription, 0 for the kernel's. */
    public int conflationSendBufferLength()
    {
        return conflationSendBufferLength;
    }

    /**
     * @param conflationSendBufferLength SO_SNDBUF for a connection once it holds a conflating or rate-limited
     *                                   subscription, 0 to leave the kernel's autotuned buffer.
     * @return this.
     */
    public WsmuxSettings conflationSendBufferLength(final int conflationSendBufferLength)
    {
        this.conflationSendBufferLength = conflationSendBufferLength;
        return this;
    }

    /** @return whether to print the settings at start. */
    public boolean printConfiguration()
    {
        return printConfiguration;
    }

    /** @param printConfiguration whether to print the settings at start. @return this. */
    public WsmuxSettings printConfiguration(final boolean printConfiguration)
    {
        this.printConfiguration = printConfiguration;
        return this;
    }

    /** @return directory of the counters file. */
    public String countersDir()
    {
        return countersDir;
    }

    /** @param countersDir directory of the counters file. @return this. */
    public WsmuxSettings countersDir(final String countersDir)
    {
        this.countersDir = countersDir;
        return this;
    }

    /** @return topic families with counters of their own. */
    public int countersMaxTopicFamilies()
    {
        return countersMaxTopicFamilies;
    }

    /** @param countersMaxTopicFamilies topic families with counters of their own, 0 to 65536. @return this. */
    public WsmuxSettings countersMaxTopicFamilies(final int countersMaxTopicFamilies)
    {
        this.countersMaxTopicFamilies = countersMaxTopicFamilies;
        return this;
    }

    /** @return a duty cycle longer than this is counted. */
    public long dutyCycleThresholdNs()
    {
        return dutyCycleThresholdNs;
    }

    /** @param dutyCycleThresholdNs a duty cycle longer than this is counted. @return this. */
    public WsmuxSettings dutyCycleThresholdNs(final long dutyCycleThresholdNs)
    {
        this.dutyCycleThresholdNs = dutyCycleThresholdNs;
        return this;
    }

    /** @return port of the admin listener, 0 when off. */
    public int adminPort()
    {
        return adminPort;
    }

    /** @param adminPort port of the admin listener, 0 for off. @return this. */
    public WsmuxSettings adminPort(final int adminPort)
    {
        this.adminPort = adminPort;
        return this;
    }

    /** @return address the admin listener binds. */
    public String adminBindAddress()
    {
        return adminBindAddress;
    }

    /** @param adminBindAddress address the admin listener binds. @return this. */
    public WsmuxSettings adminBindAddress(final String adminBindAddress)
    {
        this.adminBindAddress = adminBindAddress;
        return this;
    }

    /** @return {@link #TLS_PORT_PROP_NAME}: -1 for no TLS listener. */
    public int tlsPort()
    {
        return tlsPort;
    }

    /** @param tlsPort {@link #TLS_PORT_PROP_NAME}. @return this. */
    public WsmuxSettings tlsPort(final int tlsPort)
    {
        this.tlsPort = tlsPort;
        return this;
    }

    /** @return {@link #TLS_CERT_PROP_NAME}, or empty. */
    public String tlsCert()
    {
        return tlsCert;
    }

    /** @param tlsCert {@link #TLS_CERT_PROP_NAME}. @return this. */
    public WsmuxSettings tlsCert(final String tlsCert)
    {
        this.tlsCert = tlsCert;
        return this;
    }

    /** @return {@link #TLS_KEY_PROP_NAME}, or empty. */
    public String tlsKey()
    {
        return tlsKey;
    }

    /** @param tlsKey {@link #TLS_KEY_PROP_NAME}. @return this. */
    public WsmuxSettings tlsKey(final String tlsKey)
    {
        this.tlsKey = tlsKey;
        return this;
    }

    /** @return {@link #TLS_KEYSTORE_PROP_NAME}, or empty. */
    public String tlsKeystore()
    {
        return tlsKeystore;
    }

    /** @param tlsKeystore {@link #TLS_KEYSTORE_PROP_NAME}. @return this. */
    public WsmuxSettings tlsKeystore(final String tlsKeystore)
    {
        this.tlsKeystore = tlsKeystore;
        return this;
    }

    /** @return {@link #TLS_KEYSTORE_PASSWORD_PROP_NAME}. */
    public String tlsKeystorePassword()
    {
        return tlsKeystorePassword;
    }

    /** @param tlsKeystorePassword {@link #TLS_KEYSTORE_PASSWORD_PROP_NAME}. @return this. */
    public WsmuxSettings tlsKeystorePassword(final String tlsKeystorePassword)
    {
        this.tlsKeystorePassword = tlsKeystorePassword;
        return this;
    }

    /** @return {@link #TLS_PROTOCOLS_PROP_NAME}, comma separated. */
    public String tlsProtocols()
    {
        return tlsProtocols;
    }

    /** @param tlsProtocols {@link #TLS_PROTOCOLS_PROP_NAME}. @return this. */
    public WsmuxSettings tlsProtocols(final String tlsProtocols)
    {
        this.tlsProtocols = tlsProtocols;
        return this;
    }

    /** @return {@link #TLS_CIPHER_SUITES_PROP_NAME}, comma separated. */
    public String tlsCipherSuites()
    {
        return tlsCipherSuites;
    }

    /** @param tlsCipherSuites {@link #TLS_CIPHER_SUITES_PROP_NAME}. @return this. */
    public WsmuxSettings tlsCipherSuites(final String tlsCipherSuites)
    {
        this.tlsCipherSuites = tlsCipherSuites;
        return this;
    }

    /** @return {@link #TLS_CLIENT_AUTH_PROP_NAME}. */
    public TlsClientAuth tlsClientAuth()
    {
        return tlsClientAuth;
    }

    /** @param tlsClientAuth {@link #TLS_CLIENT_AUTH_PROP_NAME}. @return this. */
    public WsmuxSettings tlsClientAuth(final TlsClientAuth tlsClientAuth)
    {
        this.tlsClientAuth = tlsClientAuth;
        return this;
    }

    /** @return {@link #TLS_CLIENT_CA_PROP_NAME}, or empty. */
    public String tlsClientCa()
    {
        return tlsClientCa;
    }

    /** @param tlsClientCa {@link #TLS_CLIENT_CA_PROP_NAME}. @return this. */
    public WsmuxSettings tlsClientCa(final String tlsClientCa)
    {
        this.tlsClientCa = tlsClientCa;
        return this;
    }

    /** @return {@link #TLS_RELOAD_INTERVAL_PROP_NAME} in nanoseconds. */
    public long tlsReloadIntervalNs()
    {
        return tlsReloadIntervalNs;
    }

    /** @param tlsReloadIntervalNs {@link #TLS_RELOAD_INTERVAL_PROP_NAME}. @return this. */
    public WsmuxSettings tlsReloadIntervalNs(final long tlsReloadIntervalNs)
    {
        this.tlsReloadIntervalNs = tlsReloadIntervalNs;
        return this;
    }

    /** @return {@link #TLS_HANDSHAKE_THREADS_PROP_NAME}. */
    public int tlsHandshakeThreads()
    {
        return tlsHandshakeThreads;
    }

    /** @param tlsHandshakeThreads {@link #TLS_HANDSHAKE_THREADS_PROP_NAME}. @return this. */
    public WsmuxSettings tlsHandshakeThreads(final int tlsHandshakeThreads)
    {
        this.tlsHandshakeThreads = tlsHandshakeThreads;
        return this;
    }

    /** @return {@link #TLS_SESSION_CACHE_SIZE_PROP_NAME}. */
    public int tlsSessionCacheSize()
    {
        return tlsSessionCacheSize;
    }

    /** @param tlsSessionCacheSize {@link #TLS_SESSION_CACHE_SIZE_PROP_NAME}. @return this. */
    public WsmuxSettings tlsSessionCacheSize(final int tlsSessionCacheSize)
    {
        this.tlsSessionCacheSize = tlsSessionCacheSize;
        return this;
    }

    /** @return {@link #CLUSTER_NATS_URL_PROP_NAME}, empty on a single node. */
    public String clusterNatsUrl()
    {
        return clusterNatsUrl;
    }

    /** @param clusterNatsUrl {@link #CLUSTER_NATS_URL_PROP_NAME}. @return this. */
    public WsmuxSettings clusterNatsUrl(final String clusterNatsUrl)
    {
        this.clusterNatsUrl = clusterNatsUrl;
        return this;
    }

    /** @return {@link #CLUSTER_NATS_CREDENTIALS_PROP_NAME}, or empty. */
    public String clusterNatsCredentials()
    {
        return clusterNatsCredentials;
    }

    /** @param clusterNatsCredentials {@link #CLUSTER_NATS_CREDENTIALS_PROP_NAME}. @return this. */
    public WsmuxSettings clusterNatsCredentials(final String clusterNatsCredentials)
    {
        this.clusterNatsCredentials = clusterNatsCredentials;
        return this;
    }

    /** @return {@link #CLUSTER_NATS_TLS_CA_PROP_NAME}, or empty. */
    public String clusterNatsTlsCa()
    {
        return clusterNatsTlsCa;
    }

    /** @param clusterNatsTlsCa {@link #CLUSTER_NATS_TLS_CA_PROP_NAME}. @return this. */
    public WsmuxSettings clusterNatsTlsCa(final String clusterNatsTlsCa)
    {
        this.clusterNatsTlsCa = clusterNatsTlsCa;
        return this;
    }

    /** @return {@link #CLUSTER_NATS_TLS_CERT_PROP_NAME}, or empty. */
    public String clusterNatsTlsCert()
    {
        return clusterNatsTlsCert;
    }

    /** @param clusterNatsTlsCert {@link #CLUSTER_NATS_TLS_CERT_PROP_NAME}. @return this. */
    public WsmuxSettings clusterNatsTlsCert(final String clusterNatsTlsCert)
    {
        this.clusterNatsTlsCert = clusterNatsTlsCert;
        return this;
    }

    /** @return {@link #CLUSTER_NATS_TLS_KEY_PROP_NAME}, or empty. */
    public String clusterNatsTlsKey()
    {
        return clusterNatsTlsKey;
    }

    /** @param clusterNatsTlsKey {@link #CLUSTER_NATS_TLS_KEY_PROP_NAME}. @return this. */
    public WsmuxSettings clusterNatsTlsKey(final String clusterNatsTlsKey)
    {
        this.clusterNatsTlsKey = clusterNatsTlsKey;
        return this;
    }

    /** @return {@link #CLUSTER_NODE_PROP_NAME}, empty for the default. */
    public String clusterNode()
    {
        return clusterNode;
    }

    /** @param clusterNode {@link #CLUSTER_NODE_PROP_NAME}. @return this. */
    public WsmuxSettings clusterNode(final String clusterNode)
    {
        this.clusterNode = clusterNode;
        return this;
    }

    /** @return {@link #CLUSTER_SUBJECT_PREFIX_PROP_NAME}. */
    public String clusterSubjectPrefix()
    {
        return clusterSubjectPrefix;
    }

    /** @param clusterSubjectPrefix {@link #CLUSTER_SUBJECT_PREFIX_PROP_NAME}. @return this. */
    public WsmuxSettings clusterSubjectPrefix(final String clusterSubjectPrefix)
    {
        this.clusterSubjectPrefix = clusterSubjectPrefix;
        return this;
    }

    /** @return {@link #CLUSTER_BUFFER_LENGTH_PROP_NAME}. */
    public int clusterBufferLength()
    {
        return clusterBufferLength;
    }

    /** @param clusterBufferLength {@link #CLUSTER_BUFFER_LENGTH_PROP_NAME}. @return this. */
    public WsmuxSettings clusterBufferLength(final int clusterBufferLength)
    {
        this.clusterBufferLength = clusterBufferLength;
        return this;
    }

    @Override
    public String toString()
    {
        return "WsmuxSettings{" +
            IO_THREADS_PROP_NAME + "=" + ioThreads +
            ", " + IDLE_MODE_PROP_NAME + "=" + idleMode +
            ", " + BIND_ADDRESS_PROP_NAME + "=" + bindAddress +
            ", " + PORT_PROP_NAME + "=" + port +
            ", " + REUSE_PORT_PROP_NAME + "=" + reusePort +
            ", " + ACCEPT_BACKLOG_PROP_NAME + "=" + acceptBacklog +
            ", " + MAX_CONNECTIONS_PROP_NAME + "=" + maxConnections +
            ", " + READ_BUFFER_LENGTH_PROP_NAME + "=" + readBufferLength +
            ", " + CORK_BUFFER_LENGTH_PROP_NAME + "=" + corkBufferLength +
            ", " + OUTBOUND_CHUNK_LENGTH_PROP_NAME + "=" + outboundChunkLength +
            ", " + OUTBOUND_POOLED_CHUNKS_PROP_NAME + "=" + outboundPooledChunks +
            ", " + OUTBOUND_BUDGET_PROP_NAME + "=" + outboundBudget +
            ", " + OUTBOUND_OVERFLOW_PROP_NAME + "=" + outboundOverflow +
            ", " + SLOW_CONSUMER_GRACE_PROP_NAME + "=" + slowConsumerGraceNs + "ns" +
            ", " + SLOW_CONSUMER_CLOSE_TIMEOUT_PROP_NAME + "=" + slowConsumerCloseTimeoutNs + "ns" +
            ", " + MUX_MAX_CHANNELS_PROP_NAME + "=" + muxMaxChannels +
            ", " + MUX_MAX_CHANNEL_NAME_LENGTH_PROP_NAME + "=" + muxMaxChannelNameLength +
            ", " + MAX_PUBLICATION_LENGTH_PROP_NAME + "=" + maxPublicationLength +
            ", " + TOPIC_RECLAIM_DELAY_PROP_NAME + "=" + topicReclaimDelayNs + "ns" +
            ", " + TOPIC_MAX_PER_PREFIX_PROP_NAME + "=" + topicMaxPerPrefix +
            ", " + LOOP_QUEUE_CAPACITY_PROP_NAME + "=" + loopQueueCapacity +
            ", " + COMMAND_BUFFER_LENGTH_PROP_NAME + "=" + commandBufferLength +
            ", " + MAX_FRAME_LENGTH_PROP_NAME + "=" + maxFrameLength +
            ", " + MAX_MESSAGE_LENGTH_PROP_NAME + "=" + maxMessageLength +
            ", " + ASSEMBLY_BUDGET_PROP_NAME + "=" + assemblyBudget +
            ", " + MAX_HANDSHAKES_PROP_NAME + "=" + maxHandshakes +
            ", " + MAX_HANDSHAKE_LENGTH_PROP_NAME + "=" + maxHandshakeLength +
            ", " + MAX_HEADER_COUNT_PROP_NAME + "=" + maxHeaderCount +
            ", " + HANDSHAKE_TIMEOUT_PROP_NAME + "=" + handshakeTimeoutNs + "ns" +
            ", " + PING_INTERVAL_PROP_NAME + "=" + pingIntervalNs + "ns" +
            ", " + IDLE_TIMEOUT_PROP_NAME + "=" + idleTimeoutNs + "ns" +
            ", " + CLOSE_TIMEOUT_PROP_NAME + "=" + closeTimeoutNs + "ns" +
            ", " + SOCKJS_HEARTBEAT_PROP_NAME + "=" + sockJsHeartbeatNs + "ns" +
            ", " + SOCKJS_DISCONNECT_DELAY_PROP_NAME + "=" + sockJsDisconnectDelayNs + "ns" +
            ", " + SOCKJS_RESPONSE_LIMIT_PROP_NAME + "=" + sockJsResponseLimit +
            ", " + SOCKJS_MAX_BODY_LENGTH_PROP_NAME + "=" + sockJsMaxBodyLength +
            ", " + SOCKJS_MAX_SESSIONS_PROP_NAME + "=" + sockJsMaxSessions +
            ", " + HTTP_IDLE_TIMEOUT_PROP_NAME + "=" + httpIdleTimeoutNs + "ns" +
            ", " + DEFLATE_PROP_NAME + "=" + deflate +
            ", " + DEFLATE_MIN_LENGTH_PROP_NAME + "=" + deflateMinLength +
            ", " + DEFLATE_LEVEL_PROP_NAME + "=" + deflateLevel +
            ", " + DEFLATE_SERVER_CONTEXT_TAKEOVER_PROP_NAME + "=" + deflateServerContextTakeover +
            ", " + DEFLATE_CLIENT_CONTEXT_TAKEOVER_PROP_NAME + "=" + deflateClientContextTakeover +
            ", " + SHUTDOWN_TIMEOUT_PROP_NAME + "=" + shutdownTimeoutNs + "ns" +
            ", " + DRAIN_PERIOD_PROP_NAME + "=" + drainPeriodNs + "ns" +
            ", " + TIMER_TICK_PROP_NAME + "=" + timerTickNs + "ns" +
            ", " + TCP_NODELAY_PROP_NAME + "=" + tcpNoDelay +
            ", " + SOCKET_SEND_BUFFER_PROP_NAME + "=" + socketSendBuffer +
            ", " + SOCKET_RECEIVE_BUFFER_PROP_NAME + "=" + socketReceiveBuffer +
            ", " + CONFLATION_SEND_BUFFER_PROP_NAME + "=" + conflationSendBufferLength +
            ", " + PRINT_CONFIGURATION_PROP_NAME + "=" + printConfiguration +
            ", " + COUNTERS_DIR_PROP_NAME + "=" + countersDir +
            ", " + COUNTERS_MAX_TOPIC_FAMILIES_PROP_NAME + "=" + countersMaxTopicFamilies +
            ", " + DUTY_CYCLE_THRESHOLD_PROP_NAME + "=" + dutyCycleThresholdNs + "ns" +
            ", " + ADMIN_PORT_PROP_NAME + "=" + adminPort +
            ", " + ADMIN_BIND_ADDRESS_PROP_NAME + "=" + adminBindAddress +
            ", " + TLS_PORT_PROP_NAME + "=" + tlsPort +
            ", " + TLS_CERT_PROP_NAME + "=" + tlsCert +
            ", " + TLS_KEY_PROP_NAME + "=" + tlsKey +
            ", " + TLS_KEYSTORE_PROP_NAME + "=" + tlsKeystore +
            ", " + TLS_KEYSTORE_PASSWORD_PROP_NAME + "=" + (tlsKeystorePassword.isEmpty() ? "" : "(set)") +
            ", " + TLS_PROTOCOLS_PROP_NAME + "=" + tlsProtocols +
            ", " + TLS_CIPHER_SUITES_PROP_NAME + "=" + tlsCipherSuites +
            ", " + TLS_CLIENT_AUTH_PROP_NAME + "=" + tlsClientAuth +
            ", " + TLS_CLIENT_CA_PROP_NAME + "=" + tlsClientCa +
            ", " + TLS_RELOAD_INTERVAL_PROP_NAME + "=" + tlsReloadIntervalNs + "ns" +
            ", " + TLS_HANDSHAKE_THREADS_PROP_NAME + "=" + tlsHandshakeThreads +
            ", " + TLS_SESSION_CACHE_SIZE_PROP_NAME + "=" + tlsSessionCacheSize +
            ", " + CLUSTER_NATS_URL_PROP_NAME + "=" + NatsUrls.redact(clusterNatsUrl) +
            ", " + CLUSTER_NATS_CREDENTIALS_PROP_NAME + "=" + clusterNatsCredentials +
            ", " + CLUSTER_NATS_TLS_CA_PROP_NAME + "=" + clusterNatsTlsCa +
            ", " + CLUSTER_NATS_TLS_CERT_PROP_NAME + "=" + clusterNatsTlsCert +
            ", " + CLUSTER_NATS_TLS_KEY_PROP_NAME + "=" + clusterNatsTlsKey +
            ", " + CLUSTER_NODE_PROP_NAME + "=" + clusterNode +
            ", " + CLUSTER_SUBJECT_PREFIX_PROP_NAME + "=" + clusterSubjectPrefix +
            ", " + CLUSTER_BUFFER_LENGTH_PROP_NAME + "=" + clusterBufferLength +
            "}";
    }
}
