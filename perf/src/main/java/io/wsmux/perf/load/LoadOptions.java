package io.wsmux.perf.load;

import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;

import org.agrona.SystemUtil;

/**
 * Every knob of the {@link LoadGenerator}: one field, one fluent setter and one command-line option each, with the
 * default beside it. Options that only some scenarios read are ignored by the others. {@link #conclude()} checks
 * the values and fills in scenario-dependent defaults; {@link #parse(String[])} reads a command line.
 * <p>
 * Not thread safe: configure, then hand to a scenario.
 */
public final class LoadOptions
{
    /** The scenario measuring echo throughput and latency. */
    public static final String ECHO = "echo";
    /** The scenario measuring topic fan-out over the text multiplex protocol. */
    public static final String FANOUT = "fanout";
    /** The scenario measuring handshakes and the server's memory per idle connection. */
    public static final String CONNECTIONS = "connections";
    /** The scenario measuring how many connections a second the server opens and closes (TLS handshakes). */
    public static final String HANDSHAKES = "handshakes";

    /** {@code --url}: any RFC 6455 server; the fan-out scenario needs a wsmux server in fanout mode. */
    public static final String URL_DEFAULT = "ws://127.0.0.1:9001/";
    /** {@code --duration}: measured time, after the warm-up. */
    public static final long DURATION_DEFAULT_NS = TimeUnit.SECONDS.toNanos(10);
    /** {@code --warmup}: time under load before measuring; nothing recorded in it counts. */
    public static final long WARMUP_DEFAULT_NS = TimeUnit.SECONDS.toNanos(3);
    /** {@code --client-threads}: client I/O loops; on 2 cores one, so the server gets the other. */
    public static final int CLIENT_THREADS_DEFAULT = 1;
    /** {@code --connect-concurrency}: handshakes in progress at once (a client's task queue holds 4,096). */
    public static final int CONNECT_CONCURRENCY_DEFAULT = 256;
    /** {@code --connect-timeout}: how long one connection may take to open before it counts as failed. */
    public static final long CONNECT_TIMEOUT_DEFAULT_NS = TimeUnit.SECONDS.toNanos(20);
    /** {@code --drain-timeout}: how long to wait, after sending stops, for what is still in flight. */
    public static final long DRAIN_TIMEOUT_DEFAULT_NS = TimeUnit.SECONDS.toNanos(5);
    /** {@code --connections} of the echo scenario. */
    public static final int ECHO_CONNECTIONS_DEFAULT = 100;
    /** {@code --connections} of the connections scenario. */
    public static final int IDLE_CONNECTIONS_DEFAULT = 1000;
    /** {@code --connections} of the handshakes scenario: connections opening and closing at once. */
    public static final int HANDSHAKE_CONNECTIONS_DEFAULT = 32;
    /** {@code --tls-protocol}: the protocols the client may pin (the JDK's names; older ones are insecure). */
    public static final List<String> TLS_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");
    /** {@code --payload} of the echo scenario, bytes (at least the 16-byte header: sequence, send time). */
    public static final int ECHO_PAYLOAD_DEFAULT = 32;
    /** {@code --payload} of the fan-out scenario, bytes (at least the 33-byte header). */
    public static final int FANOUT_PAYLOAD_DEFAULT = 64;
    /** {@code --in-flight}: messages each echo connection keeps in flight in the closed loop. */
    public static final int IN_FLIGHT_DEFAULT = 10;
    /** {@code --subscribers}. */
    public static final int SUBSCRIBERS_DEFAULT = 100;
    /** {@code --topics}: topics {@code bench.0} .. {@code bench.<T-1>}. */
    public static final int TOPICS_DEFAULT = 1;
    /**
     * {@code --window}: publications in flight per topic (not yet received by all their subscribers) with --rate
     * max.
     */
    public static final int WINDOW_DEFAULT = 32;
    /** {@code --hold}: how long the connections scenario holds its connections open. */
    public static final long HOLD_DEFAULT_NS = TimeUnit.SECONDS.toNanos(10);

    /**
     * {@code --warmup-connections}: with {@code --server-pid}, connections opened and closed before the server's
     * memory is first sampled, so its one-off costs (JIT, buffer pools, first-touched heap) are not counted per
     * connection.
     */
    public static final int WARMUP_CONNECTIONS_DEFAULT = 1000;

    /**
     * {@code --settle}: with {@code --server-pid}, the wait before each RSS reading, longer than the 5 s in which a
     * JVM hands back the memory its compilers used.
     */
    public static final long SETTLE_DEFAULT_NS = TimeUnit.MILLISECONDS.toNanos(5500);
    /** {@code --per-process}: connections one client process opens (the open-files hard limit here is 20,000). */
    public static final int PER_PROCESS_DEFAULT = 18_000;
    /** {@code --source-addresses} of the connections scenario; the others use one. */
    public static final int IDLE_SOURCE_ADDRESSES_DEFAULT = 4;
    /** {@code --subscribe-timeout}: how long the fan-out scenario waits for every subscription to take effect. */
    public static final long SUBSCRIBE_TIMEOUT_DEFAULT_NS = TimeUnit.SECONDS.toNanos(10);

    /** {@code --transport}: WebSocket connections (raw RFC 6455, the path of {@code --url}). */
    public static final String WEBSOCKET = "websocket";
    /**
     * {@code --transport}: SockJS sessions over xhr_streaming under {@code --sockjs-prefix} (fanout subscribers and
     * idle connections; the fan-out publisher stays on its WebSocket).
     */
    public static final String XHR_STREAMING = "xhr-streaming";
    /** {@code --payload-kind}: the same 'a'..'z' pattern after every message's header. */
    public static final String PAYLOAD_FILLER = Payloads.FILLER;
    /** {@code --payload-kind}: JSON price ticks after every message's header, continuing from message to message. */
    public static final String PAYLOAD_TICKS = Payloads.TICKS;

    /** {@code --sockjs-prefix}: where {@code java -jar wsmux.jar --mode fanout} serves SockJS. */
    public static final String SOCKJS_PREFIX_DEFAULT = "/sockjs";

    /** Rate meaning "as fast as the server keeps up": the closed loop (echo) or the bounded window (fan-out). */
    public static final double RATE_MAX = 0;

    private static final int UNSET = -1;

    private String scenario;
    private URI url = URI.create(URL_DEFAULT);
    private URI publisherUrl;
    private List<URI> subscriberUrls = List.of();
    private long durationNs = DURATION_DEFAULT_NS;
    private long warmupNs = WARMUP_DEFAULT_NS;
    private int clientThreads = CLIENT_THREADS_DEFAULT;
    private String jsonPath;
    private String label = "";
    private int sourceAddresses = UNSET;
    private int connectConcurrency = CONNECT_CONCURRENCY_DEFAULT;
    private long connectTimeoutNs = CONNECT_TIMEOUT_DEFAULT_NS;
    private long drainTimeoutNs = DRAIN_TIMEOUT_DEFAULT_NS;
    private boolean quiet;
    private int connections = UNSET;
    private int payloadLength = UNSET;
    private String payloadKind = PAYLOAD_FILLER;
    private boolean deflate;
    private int inFlight = IN_FLIGHT_DEFAULT;
    private double rate = RATE_MAX;
    private int subscribers = SUBSCRIBERS_DEFAULT;
    private int topics = TOPICS_DEFAULT;
    private int window = WINDOW_DEFAULT;
    private long subscribeTimeoutNs = SUBSCRIBE_TIMEOUT_DEFAULT_NS;
    private long holdNs = HOLD_DEFAULT_NS;
    private int warmupConnections = WARMUP_CONNECTIONS_DEFAULT;
    private long settleNs = SETTLE_DEFAULT_NS;
    private int perProcess = PER_PROCESS_DEFAULT;
    private long serverPid;
    private String transport = WEBSOCKET;
    private String sockJsPrefix = SOCKJS_PREFIX_DEFAULT;
    private String trust;
    private String tlsProtocol;
    private String tlsCipher;
    private ClientTls clientTls;
    private int sourceOffset;
    private boolean child;
    private boolean help;

    /**
     * Read a command line: {@code <scenario> [--option value]...}.
     *
     * @param args the command line.
     * @return the options, not yet concluded.
     * @throws IllegalArgumentException naming the option that is unknown or has a bad value.
     */
    public static LoadOptions parse(final String[] args)
    {
        final LoadOptions options = new LoadOptions();
        for (int i = 0; i < args.length; i++)
        {
            final String arg = args[i];
            if ("--help".equals(arg) || "-h".equals(arg))
            {
                options.help = true;
                continue;
            }
            if (!arg.startsWith("--"))
            {
                if (null != options.scenario)
                {
                    throw new IllegalArgumentException("more than one scenario: " + options.scenario + ", " + arg);
                }
                options.scenario(arg);
                continue;
            }
            if ("--quiet".equals(arg))
            {
                options.quiet = true;
                continue;
            }
            if ("--child".equals(arg))
            {
                options.child = true;
                continue;
            }
            if ("--deflate".equals(arg))
            {
                options.deflate = true;
                continue;
            }
            if (i + 1 >= args.length)
            {
                throw new IllegalArgumentException(arg + " needs a value");
            }
            options.set(arg, args[++i]);
        }
        return options;
    }

    private void set(final String option, final String value)
    {
        try
        {
            switch (option)
            {
                case "--url":
                    url(URI.create(value));
                    break;
                case "--publisher-url":
                    publisherUrl(URI.create(value));
                    break;
                case "--subscriber-urls":
                    subscriberUrls(urls(option, value));
                    break;
                case "--duration":
                    durationNs(SystemUtil.parseDuration(option, value));
                    break;
                case "--warmup":
                    warmupNs(SystemUtil.parseDuration(option, value));
                    break;
                case "--client-threads":
                    clientThreads(Integer.parseInt(value));
                    break;
                case "--json":
                    jsonPath(value);
                    break;
                case "--label":
                    label(value);
                    break;
                case "--source-addresses":
                    sourceAddresses(Integer.parseInt(value));
                    break;
                case "--connect-concurrency":
                    connectConcurrency(Integer.parseInt(value));
                    break;
                case "--connect-timeout":
                    connectTimeoutNs(SystemUtil.parseDuration(option, value));
                    break;
                case "--drain-timeout":
                    drainTimeoutNs(SystemUtil.parseDuration(option, value));
                    break;
                case "--connections":
                    connections(Integer.parseInt(value));
                    break;
                case "--payload":
                    payloadLength((int)SystemUtil.parseSize(option, value));
                    break;
                case "--payload-kind":
                    payloadKind(value);
                    break;
                case "--in-flight":
                    inFlight(Integer.parseInt(value));
                    break;
                case "--rate":
                    rate("max".equalsIgnoreCase(value) ? RATE_MAX : Double.parseDouble(value));
                    break;
                case "--subscribers":
                    subscribers(Integer.parseInt(value));
                    break;
                case "--topics":
                    topics(Integer.parseInt(value));
                    break;
                case "--window":
                    window(Integer.parseInt(value));
                    break;
                case "--subscribe-timeout":
                    subscribeTimeoutNs(SystemUtil.parseDuration(option, value));
                    break;
                case "--hold":
                    holdNs(SystemUtil.parseDuration(option, value));
                    break;
                case "--warmup-connections":
                    warmupConnections(Integer.parseInt(value));
                    break;
                case "--settle":
                    settleNs(SystemUtil.parseDuration(option, value));
                    break;
                case "--per-process":
                    perProcess(Integer.parseInt(value));
                    break;
                case "--server-pid":
                    serverPid(Long.parseLong(value));
                    break;
                case "--transport":
                    transport(value);
                    break;
                case "--sockjs-prefix":
                    sockJsPrefix(value);
                    break;
                case "--trust":
                    trust(value);
                    break;
                case "--tls-protocol":
                    tlsProtocol(value);
                    break;
                case "--tls-cipher":
                    tlsCipher(value);
                    break;
                case "--source-offset":
                    sourceOffset = Integer.parseInt(value);
                    break;
                default:
                    throw new IllegalArgumentException("unknown option: " + option);
            }
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException(option + " needs a number: " + value, ex);
        }
    }

    private static List<URI> urls(final String option, final String value)
    {
        final List<URI> urls = new ArrayList<>();
        for (final String item : value.split(",", -1))
        {
            if (item.isBlank())
            {
                throw new IllegalArgumentException(option + " has an empty item: " + value);
            }
            urls.add(URI.create(item.trim()));
        }
        return urls;
    }

    /**
     * Check every value and fill in the defaults that depend on the scenario.
     *
     * @return this.
     * @throws IllegalArgumentException naming the value that is out of range.
     */
    public LoadOptions conclude()
    {
        check(ECHO.equals(scenario) || FANOUT.equals(scenario) || CONNECTIONS.equals(scenario) ||
            HANDSHAKES.equals(scenario), "scenario must be echo, fanout, connections or handshakes: scenario=" +
            scenario);
        check(null != url && ("ws".equalsIgnoreCase(url.getScheme()) || "wss".equalsIgnoreCase(url.getScheme())) &&
            null != url.getHost(), "url must be ws://host[:port]/path or wss://...: url=" + url);
        check(durationNs > 0, "duration must be > 0: durationNs=" + durationNs);
        check(warmupNs >= 0, "warmup must be >= 0: warmupNs=" + warmupNs);
        check(clientThreads >= 1 && clientThreads <= 64,
            "client-threads must be 1..64: clientThreads=" + clientThreads);
        check(connectConcurrency >= 1 && connectConcurrency <= 4000,
            "connect-concurrency must be 1..4000: connectConcurrency=" + connectConcurrency);
        check(connectTimeoutNs > 0, "connect-timeout must be > 0: connectTimeoutNs=" + connectTimeoutNs);
        check(drainTimeoutNs > 0, "drain-timeout must be > 0: drainTimeoutNs=" + drainTimeoutNs);
        check(rate >= 0 && !Double.isInfinite(rate) && !Double.isNaN(rate), "rate must be >= 0 or max: rate=" + rate);

        if (UNSET == connections)
        {
            connections = CONNECTIONS.equals(scenario) ? IDLE_CONNECTIONS_DEFAULT :
                HANDSHAKES.equals(scenario) ? HANDSHAKE_CONNECTIONS_DEFAULT : ECHO_CONNECTIONS_DEFAULT;
        }
        if (UNSET == payloadLength)
        {
            payloadLength = FANOUT.equals(scenario) ? FANOUT_PAYLOAD_DEFAULT : ECHO_PAYLOAD_DEFAULT;
        }
        if (UNSET == sourceAddresses)
        {
            sourceAddresses = (CONNECTIONS.equals(scenario) || HANDSHAKES.equals(scenario)) && isLoopback() ?
                IDLE_SOURCE_ADDRESSES_DEFAULT : 1;
        }
        check(sourceAddresses >= 1 && sourceAddresses <= 250,
            "source-addresses must be 1..250: sourceAddresses=" + sourceAddresses);
        check(1 == sourceAddresses || isLoopback(),
            "source-addresses > 1 needs a loopback url (127.0.0.x sources): url=" + url);
        check(connections >= 1, "connections must be >= 1: connections=" + connections);
        check(serverPid >= 0, "server-pid must be >= 0: serverPid=" + serverPid);
        check(WEBSOCKET.equals(transport) || XHR_STREAMING.equals(transport),
            "transport must be websocket or xhr-streaming: transport=" + transport);
        check(WEBSOCKET.equals(transport) || FANOUT.equals(scenario) || CONNECTIONS.equals(scenario),
            "transport xhr-streaming is for fanout and connections, not " + scenario + ": transport=" + transport);
        check(WEBSOCKET.equals(transport) || !tls(),
            "transport xhr-streaming is over http:// only, not with a wss:// url: url=" + url);
        check(null == tlsProtocol || TLS_PROTOCOLS.contains(tlsProtocol),
            "tls-protocol must be one of " + TLS_PROTOCOLS + ": tlsProtocol=" + tlsProtocol);
        check(null == tlsCipher || supportedCipherSuites().contains(tlsCipher),
            "tls-cipher must be a cipher suite this JDK supports (its name, e.g. TLS_AES_128_GCM_SHA256): " +
            "tlsCipher=" + tlsCipher);
        check(!deflate || WEBSOCKET.equals(transport),
            "deflate is a WebSocket extension (permessage-deflate): not with transport=" + transport);
        check(PAYLOAD_FILLER.equals(payloadKind) || PAYLOAD_TICKS.equals(payloadKind),
            "payload-kind must be filler or ticks: payloadKind=" + payloadKind);
        check(null != sockJsPrefix && sockJsPrefix.startsWith("/") && !sockJsPrefix.endsWith("/") &&
            sockJsPrefix.indexOf('?') < 0,
            "sockjs-prefix must start with '/' and not end with one: sockJsPrefix=" + sockJsPrefix);

        check(subscriberUrls.isEmpty() || FANOUT.equals(scenario),
            "subscriber-urls is for fanout only, not " + scenario);
        if (ECHO.equals(scenario))
        {
            check(payloadLength >= Payloads.ECHO_HEADER_LENGTH && payloadLength <= 16 * 1024 * 1024,
                "payload must be 16 bytes..16m for echo (sequence and send time): payloadLength=" + payloadLength);
            check(inFlight >= 1, "in-flight must be >= 1: inFlight=" + inFlight);
        }
        else if (FANOUT.equals(scenario))
        {
            check(payloadLength >= Payloads.FANOUT_HEADER_LENGTH && payloadLength <= 60 * 1024,
                "payload must be 33 bytes..60k for fanout: payloadLength=" + payloadLength);
            check(subscribers >= 1, "subscribers must be >= 1: subscribers=" + subscribers);
            check(topics >= 1 && topics <= subscribers && topics <= 256,
                "topics must be 1..min(subscribers, 256): topics=" + topics + ", subscribers=" + subscribers);
            check(window >= 1, "window must be >= 1: window=" + window);
            check(subscribeTimeoutNs > 0, "subscribe-timeout must be > 0: subscribeTimeoutNs=" + subscribeTimeoutNs);
            check(subscriberUrls.size() <= subscribers,
                "subscriber-urls: at most one URL per subscriber: subscriberUrls=" + subscriberUrls.size() +
                ", subscribers=" + subscribers);
            check(subscriberUrls.isEmpty() || WEBSOCKET.equals(transport),
                "subscriber-urls is for WebSocket subscribers, not with transport=" + transport);
            for (final URI subscriberUrl : subscriberUrls)
            {
                // One TLS setting for the run, made from --url: every subscriber URL speaks the same scheme.
                check(url.getScheme().equalsIgnoreCase(subscriberUrl.getScheme()) && null != subscriberUrl.getHost(),
                    "subscriber-urls must be " + url.getScheme().toLowerCase(Locale.ROOT) + "://host[:port]/path " +
                    "like url: " + subscriberUrl);
            }
        }
        else if (HANDSHAKES.equals(scenario))
        {
            check(connections <= 4000, "connections must be 1..4000 for handshakes: connections=" + connections);
        }
        else
        {
            check(holdNs >= 0, "hold must be >= 0: holdNs=" + holdNs);
            check(warmupConnections >= 0, "warmup-connections must be >= 0: warmupConnections=" + warmupConnections);
            check(settleNs >= 0, "settle must be >= 0: settleNs=" + settleNs);
            check(perProcess >= 1, "per-process must be >= 1: perProcess=" + perProcess);
        }
        return this;
    }

    private static List<String> supportedCipherSuites()
    {
        try
        {
            return Arrays.asList(SSLContext.getDefault().getSupportedSSLParameters().getCipherSuites());
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException("JDK without TLS", ex);
        }
    }

    private static void check(final boolean condition, final String message)
    {
        if (!condition)
        {
            throw new IllegalArgumentException(message);
        }
    }

    private boolean isLoopback()
    {
        try
        {
            return InetAddress.getByName(url.getHost()).isLoopbackAddress();
        }
        catch (final UnknownHostException ex)
        {
            return false;
        }
    }

    /**
     * The source addresses to spread connections over: none (the kernel picks) for one, else 127.0.0.1,
     * 127.0.0.2, ... with port 0 (an ephemeral port; about 28,000 per source address and destination).
     *
     * @return addresses, empty for "any".
     */
    InetSocketAddress[] sourceSocketAddresses()
    {
        if (1 == sourceAddresses)
        {
            return new InetSocketAddress[0];
        }
        final InetSocketAddress[] addresses = new InetSocketAddress[sourceAddresses];
        for (int i = 0; i < sourceAddresses; i++)
        {
            final int host = 1 + (sourceOffset + i) % 254;
            addresses[i] = new InetSocketAddress("127.0.0." + host, 0);
        }
        return addresses;
    }

    /**
     * Print the usage of every option.
     *
     * @param out where to.
     */
    public static void usage(final PrintStream out)
    {
        out.println("usage: java -cp wsmux-perf.jar io.wsmux.perf.load.LoadGenerator <scenario> [options]");
        out.println("  scenario: echo, fanout, connections or handshakes");
        out.println("  (without --add-exports java.base/jdk.internal.misc=ALL-UNNAMED, which Agrona needs, the");
        out.println("  command restarts itself in a JVM that has it)");
        out.println();
        out.println("Each run prints a progress line a second to stderr and one line to stdout:");
        out.println("  RESULT scenario=<s> key=value ...     (exit status 0, or 1 when errors > 0, 2 on bad usage)");
        out.println("Frames are masked with the key 0 (the server's work is the same as for any key; the client is");
        out.println("spared the XOR); -Dagrona.disable.bounds.checks=true makes the client cheaper still.");
        out.println();
        out.println("common options");
        out.println("  --url URL                 server, any RFC 6455 server (default " + URL_DEFAULT + "); wss://");
        out.println("                            for TLS (every scenario; not with --transport xhr-streaming)");
        out.println("  --duration T              measured time, e.g. 10s, 500ms (default 10s)");
        out.println("  --warmup T                load before measuring, not counted (default 3s)");
        out.println("  --client-threads N        client I/O loops, each one thread (default 1)");
        out.println("  --json FILE               write the result as JSON (FILE.jsonl: append one line)");
        out.println("  --label NAME              a name for the run, copied into RESULT and JSON");
        out.println("  --source-addresses N      spread connections over 127.0.0.1..127.0.0.N (default 1;");
        out.println("                            connections scenario 4)");
        out.println("  --connect-concurrency N   handshakes in progress at once (default 256)");
        out.println("  --connect-timeout T       a connection not open by then counts as failed (default 20s)");
        out.println("  --drain-timeout T         wait for messages in flight after sending stops (default 5s)");
        out.println("  --server-pid P            the server's process: echo and fanout report the cores it kept");
        out.println("                            busy (serverCores, beside clientCores and machineCores)");
        out.println("  --transport websocket|xhr-streaming");
        out.println("                            fanout and connections: WebSockets to --url (default), or SockJS");
        out.println("                            sessions over xhr_streaming at --url's host and port under");
        out.println("                            --sockjs-prefix: per session one kept-alive HTTP/1.1 connection");
        out.println("                            streaming the chunked answer (POSTed again when the server ends it");
        out.println("                            at wsmux.sockjs.response.limit), and sends by xhr_send on a second,");
        out.println("                            short-lived connection");
        out.println("  --sockjs-prefix PATH      the SockJS endpoint (default /sockjs, as --mode fanout serves it)");
        out.println("  --deflate                 offer permessage-deflate (RFC 7692; --transport websocket only):");
        out.println("                            the client inflates what the server compresses and compresses what");
        out.println("                            it sends from 128 bytes; echo and fanout then also report");
        out.println("                            wireBytesPerMessage (bytes read off the sockets per message, over");
        out.println("                            the whole run) and compressionRatio (message bytes delivered over");
        out.println("                            those bytes; 0 and 1 without --deflate)");
        out.println("  --payload-kind filler|ticks");
        out.println("                            echo and fanout: what follows each message's header: filler, the");
        out.println("                            same 'a'..'z' pattern every time (default), or ticks, JSON price");
        out.println("                            ticks that continue from message to message, compressible as market");
        out.println("                            data is (see Payloads)");
        out.println("  --trust FILE              wss://: the CAs to trust, a PEM bundle or a PKCS#12 store (default:");
        out.println("                            the JDK's trust store); the server's certificate must name the");
        out.println("                            url's host. Every connection makes its TLS engine from a fresh JDK");
        out.println("                            context: no session resumption, every handshake a full one");
        out.println("  --tls-protocol P          wss://: the client enables only P, TLSv1.3 or TLSv1.2 (default:");
        out.println("                            the JDK's); with a TLS url each scenario's RESULT also reports");
        out.println("                            tlsProtocol and tlsCipher, what the first connection negotiated");
        out.println("  --tls-cipher S            wss://: the client enables only the cipher suite S, e.g.");
        out.println("                            TLS_AES_128_GCM_SHA256 (default: the JDK's)");
        out.println("  --quiet                   no progress lines");
        out.println();
        out.println("echo: binary messages echoed back, each checked (same bytes, in order per connection)");
        out.println("  --connections C           connections (default 100)");
        out.println("  --payload S               bytes per message, at least 16, e.g. 32, 1k (default 32)");
        out.println("  --in-flight K             closed loop: messages each connection keeps in flight (default 10)");
        out.println("  --rate R|max              open loop: R messages/s in total over all connections, latency from");
        out.println("                            the intended send time (coordinated omission); max = closed loop");
        out.println();
        out.println("fanout: text multiplex protocol against `java -jar wsmux.jar --mode fanout` (or alike)");
        out.println("  --publisher-url URL       where the publisher connects (default --url): another node of a");
        out.println("                            cluster (--cluster), to measure deliveries across nodes");
        out.println("  --subscriber-urls LIST    where the subscribers connect instead of --url, comma separated: the");
        out.println("                            nodes of a cluster, an even split in order (subscriber i of C to URL");
        out.println("                            number 1 + i * U / C of U), the publisher on --publisher-url. RESULT");
        out.println("                            then adds nodes, probes (subscription probes published: they travel");
        out.println("                            as publications do), crossNodeShare (the share of deliveries on URLs");
        out.println("                            other than the publisher's) and, for URL number k, nodekUrl,");
        out.println("                            nodekSubscribers, nodekSubscribed, nodekDeliveries,");
        out.println("                            nodekDeliveriesPerSecond, nodekP50Us, nodekP99Us, nodekP999Us;");
        out.println("                            latency and deliveries overall are over every URL");
        out.println("  --subscribers C           subscriber connections, subscriber i on topic bench.<i % T> (100);");
        out.println("                            with --transport xhr-streaming SockJS sessions whose sub,... goes");
        out.println("                            by xhr_send; the publisher stays on its WebSocket (--url)");
        out.println("  --topics T                topics bench.0 .. bench.<T-1>, at most 256 (default 1)");
        out.println("  --rate R|max              publications per second in total, or max: as fast as the server");
        out.println("                            delivers them with --window publications in flight (default max)");
        out.println("  --window W                publications in flight per topic with --rate max (default 32)");
        out.println("  --payload S               bytes per publication, at least 33 (default 64)");
        out.println("  --subscribe-timeout T     wait for every subscription to take effect (default 10s)");
        out.println();
        out.println("connections: idle WebSocket connections (path of --url), handshakes/s and server memory;");
        out.println("  with --transport xhr-streaming idle SockJS sessions (POST xhr_streaming, read the prelude");
        out.println("  and o, hold: one TCP connection each), handshakes/s counted to the o frame; with");
        out.println("  --server-pid the run waits 6 s after the warm-up, for its closed");
        out.println("  sessions to leave the server (wsmux.sockjs.disconnect.delay, 5 s)");
        out.println("  --connections C           connections (default 1000)");
        out.println("  --hold T                  how long to hold them open (default 10s)");
        out.println("  --per-process N           above N, spread them over child JVMs (default 18000)");
        out.println("  --server-pid P            also sample the server's RSS (/proc/P/status) and its heap after");
        out.println("                            a full GC (jcmd P GC.run, GC.heap_info) before and after");
        out.println("  --warmup-connections W    with --server-pid: open and close W connections before the first");
        out.println("                            sample, so one-off costs are not counted (default 1000)");
        out.println("  --settle T                with --server-pid: wait before each RSS reading, for the JVM to");
        out.println("                            free its compilers' memory (default 5500ms)");
        out.println();
        out.println("handshakes: C connections at once, each in a loop: open a WebSocket (TCP connect, with wss:// a");
        out.println("  full TLS handshake, never resumed; the upgrade), close it (close handshake, the server's TCP");
        out.println("  close), open the next; handshakesPerSecond counts upgrades completed in the measured window,");
        out.println("  serverNsPerHandshake the server's CPU per handshake (with --server-pid); connect failures");
        out.println("  are errors. ws:// works too, to show what TLS costs");
        out.println("  --connections C           connections opening and closing at once (default 32)");
        out.println("  --source-addresses N      default 4 on loopback: the closed connections' TIME_WAIT ports");
        out.println("  --duration T, --warmup T  as for every scenario; --connect-timeout bounds each connect");
    }

    /**
     * @return true if {@code --help} was given.
     */
    public boolean help()
    {
        return help;
    }

    /**
     * @return echo, fanout, connections or handshakes.
     */
    public String scenario()
    {
        return scenario;
    }

    /**
     * @param scenario echo, fanout, connections or handshakes.
     * @return this.
     */
    public LoadOptions scenario(final String scenario)
    {
        this.scenario = null == scenario ? null : scenario.toLowerCase(Locale.ROOT);
        return this;
    }

    /**
     * @return the server's URL.
     */
    public URI url()
    {
        return url;
    }

    /**
     * @param url {@code ws://host[:port]/path} or {@code wss://host[:port]/path}.
     * @return this.
     */
    public LoadOptions url(final URI url)
    {
        this.url = url;
        clientTls = null;
        return this;
    }

    /**
     * @return where the fan-out publisher connects: {@link #url()} unless {@code --publisher-url} says otherwise.
     */
    public URI publisherUrl()
    {
        return null == publisherUrl ? url : publisherUrl;
    }

    /**
     * @param publisherUrl where the fan-out publisher connects (another node of a cluster, say), or null for
     *                     {@link #url()}.
     * @return this.
     */
    public LoadOptions publisherUrl(final URI publisherUrl)
    {
        this.publisherUrl = publisherUrl;
        return this;
    }

    /**
     * @return where the fan-out subscribers connect, in order ({@code --subscriber-urls}); empty for all on
     *     {@link #url()}.
     */
    public List<URI> subscriberUrls()
    {
        return subscriberUrls;
    }

    /**
     * @param subscriberUrls where the fan-out subscribers connect (the nodes of a cluster, say), split evenly in
     *                       order: subscriber i of S on URL {@code i * N / S}; empty for all on {@link #url()}.
     *                       The RESULT then reports deliveries and latency per URL.
     * @return this.
     */
    public LoadOptions subscriberUrls(final List<URI> subscriberUrls)
    {
        this.subscriberUrls = List.copyOf(subscriberUrls);
        return this;
    }

    /**
     * @param subscriber a subscriber's number, 0 .. subscribers - 1.
     * @return the index in {@link #subscriberUrls()} of the URL it connects to (0 without them): an even split in
     *     order, so that every node has subscribers of every topic (a round robin would put all of topic t on node
     *     t when there are as many topics as nodes).
     */
    public int subscriberNode(final int subscriber)
    {
        return subscriberUrls.isEmpty() ? 0 : (int)((long)subscriber * subscriberUrls.size() / subscribers);
    }

    /**
     * @return measured time in nanoseconds.
     */
    public long durationNs()
    {
        return durationNs;
    }

    /**
     * @param durationNs measured time in nanoseconds.
     * @return this.
     */
    public LoadOptions durationNs(final long durationNs)
    {
        this.durationNs = durationNs;
        return this;
    }

    /**
     * @return warm-up time in nanoseconds.
     */
    public long warmupNs()
    {
        return warmupNs;
    }

    /**
     * @param warmupNs warm-up time in nanoseconds, 0 for none.
     * @return this.
     */
    public LoadOptions warmupNs(final long warmupNs)
    {
        this.warmupNs = warmupNs;
        return this;
    }

    /**
     * @return client I/O loops.
     */
    public int clientThreads()
    {
        return clientThreads;
    }

    /**
     * @param clientThreads client I/O loops, one thread each.
     * @return this.
     */
    public LoadOptions clientThreads(final int clientThreads)
    {
        this.clientThreads = clientThreads;
        return this;
    }

    /**
     * @return where to write the JSON result, or null.
     */
    public String jsonPath()
    {
        return jsonPath;
    }

    /**
     * @param jsonPath where to write the JSON result (a {@code .jsonl} file is appended to), or null.
     * @return this.
     */
    public LoadOptions jsonPath(final String jsonPath)
    {
        this.jsonPath = jsonPath;
        return this;
    }

    /**
     * @return the run's label, possibly empty.
     */
    public String label()
    {
        return label;
    }

    /**
     * @param label a name for the run.
     * @return this.
     */
    public LoadOptions label(final String label)
    {
        this.label = null == label ? "" : label;
        return this;
    }

    /**
     * @return loopback source addresses connections are spread over.
     */
    public int sourceAddresses()
    {
        return sourceAddresses;
    }

    /**
     * @param sourceAddresses spread connections over 127.0.0.1 .. 127.0.0.N; 1 lets the kernel choose.
     * @return this.
     */
    public LoadOptions sourceAddresses(final int sourceAddresses)
    {
        this.sourceAddresses = sourceAddresses;
        return this;
    }

    /**
     * @return handshakes in progress at once.
     */
    public int connectConcurrency()
    {
        return connectConcurrency;
    }

    /**
     * @param connectConcurrency handshakes in progress at once.
     * @return this.
     */
    public LoadOptions connectConcurrency(final int connectConcurrency)
    {
        this.connectConcurrency = connectConcurrency;
        return this;
    }

    /**
     * @return how long one connection may take to open, in nanoseconds.
     */
    public long connectTimeoutNs()
    {
        return connectTimeoutNs;
    }

    /**
     * @param connectTimeoutNs how long one connection may take to open before it counts as failed, in nanoseconds.
     * @return this.
     */
    public LoadOptions connectTimeoutNs(final long connectTimeoutNs)
    {
        this.connectTimeoutNs = connectTimeoutNs;
        return this;
    }

    /**
     * @return how long to wait for messages in flight once sending stops, in nanoseconds.
     */
    public long drainTimeoutNs()
    {
        return drainTimeoutNs;
    }

    /**
     * @param drainTimeoutNs how long to wait for messages in flight once sending stops, in nanoseconds.
     * @return this.
     */
    public LoadOptions drainTimeoutNs(final long drainTimeoutNs)
    {
        this.drainTimeoutNs = drainTimeoutNs;
        return this;
    }

    /**
     * @return true for no progress lines.
     */
    public boolean quiet()
    {
        return quiet;
    }

    /**
     * @param quiet true for no progress lines.
     * @return this.
     */
    public LoadOptions quiet(final boolean quiet)
    {
        this.quiet = quiet;
        return this;
    }

    /**
     * @return connections of the echo and connections scenarios.
     */
    public int connections()
    {
        return connections;
    }

    /**
     * @param connections connections of the echo and connections scenarios.
     * @return this.
     */
    public LoadOptions connections(final int connections)
    {
        this.connections = connections;
        return this;
    }

    /**
     * @return bytes per message (echo) or publication (fanout).
     */
    public int payloadLength()
    {
        return payloadLength;
    }

    /**
     * @param payloadLength bytes per message (echo) or publication (fanout).
     * @return this.
     */
    public LoadOptions payloadLength(final int payloadLength)
    {
        this.payloadLength = payloadLength;
        return this;
    }

    /**
     * @return {@link #PAYLOAD_FILLER} or {@link #PAYLOAD_TICKS}: what follows each message's header.
     */
    public String payloadKind()
    {
        return payloadKind;
    }

    /**
     * @param payloadKind {@link #PAYLOAD_FILLER} or {@link #PAYLOAD_TICKS}: what follows each message's header.
     * @return this.
     */
    public LoadOptions payloadKind(final String payloadKind)
    {
        this.payloadKind = null == payloadKind ? null : payloadKind.toLowerCase(Locale.ROOT);
        return this;
    }

    /**
     * @return true to offer permessage-deflate and report what compression did.
     */
    public boolean deflate()
    {
        return deflate;
    }

    /**
     * @param deflate true to offer permessage-deflate (WebSocket transport only) and report what compression did.
     * @return this.
     */
    public LoadOptions deflate(final boolean deflate)
    {
        this.deflate = deflate;
        return this;
    }

    /**
     * @return messages each echo connection keeps in flight in the closed loop.
     */
    public int inFlight()
    {
        return inFlight;
    }

    /**
     * @param inFlight messages each echo connection keeps in flight in the closed loop.
     * @return this.
     */
    public LoadOptions inFlight(final int inFlight)
    {
        this.inFlight = inFlight;
        return this;
    }

    /**
     * @return messages (echo) or publications (fanout) per second in total, or {@link #RATE_MAX}.
     */
    public double rate()
    {
        return rate;
    }

    /**
     * @param rate messages (echo) or publications (fanout) per second in total, or {@link #RATE_MAX}.
     * @return this.
     */
    public LoadOptions rate(final double rate)
    {
        this.rate = rate;
        return this;
    }

    /**
     * @return subscriber connections of the fan-out scenario.
     */
    public int subscribers()
    {
        return subscribers;
    }

    /**
     * @param subscribers subscriber connections of the fan-out scenario.
     * @return this.
     */
    public LoadOptions subscribers(final int subscribers)
    {
        this.subscribers = subscribers;
        return this;
    }

    /**
     * @return topics of the fan-out scenario.
     */
    public int topics()
    {
        return topics;
    }

    /**
     * @param topics topics of the fan-out scenario, {@code bench.0} .. {@code bench.<T-1>}.
     * @return this.
     */
    public LoadOptions topics(final int topics)
    {
        this.topics = topics;
        return this;
    }

    /**
     * @return publications in flight with rate max.
     */
    public int window()
    {
        return window;
    }

    /**
     * @param window publications in flight per topic with rate max.
     * @return this.
     */
    public LoadOptions window(final int window)
    {
        this.window = window;
        return this;
    }

    /**
     * @return how long to wait for every subscription to take effect, in nanoseconds.
     */
    public long subscribeTimeoutNs()
    {
        return subscribeTimeoutNs;
    }

    /**
     * @param subscribeTimeoutNs how long to wait for every subscription to take effect, in nanoseconds.
     * @return this.
     */
    public LoadOptions subscribeTimeoutNs(final long subscribeTimeoutNs)
    {
        this.subscribeTimeoutNs = subscribeTimeoutNs;
        return this;
    }

    /**
     * @return how long the connections scenario holds its connections, in nanoseconds.
     */
    public long holdNs()
    {
        return holdNs;
    }

    /**
     * @param holdNs how long the connections scenario holds its connections, in nanoseconds.
     * @return this.
     */
    public LoadOptions holdNs(final long holdNs)
    {
        this.holdNs = holdNs;
        return this;
    }

    /**
     * @return the wait before each RSS reading, in nanoseconds.
     */
    public long settleNs()
    {
        return settleNs;
    }

    /**
     * @param settleNs the wait before each RSS reading, in nanoseconds.
     * @return this.
     */
    public LoadOptions settleNs(final long settleNs)
    {
        this.settleNs = settleNs;
        return this;
    }

    /**
     * @return connections opened and closed before the server's memory is first sampled.
     */
    public int warmupConnections()
    {
        return warmupConnections;
    }

    /**
     * @param warmupConnections connections opened and closed before the server's memory is first sampled.
     * @return this.
     */
    public LoadOptions warmupConnections(final int warmupConnections)
    {
        this.warmupConnections = warmupConnections;
        return this;
    }

    /**
     * @return connections one client process opens.
     */
    public int perProcess()
    {
        return perProcess;
    }

    /**
     * @param perProcess connections one client process opens; more are spread over child JVMs.
     * @return this.
     */
    public LoadOptions perProcess(final int perProcess)
    {
        this.perProcess = perProcess;
        return this;
    }

    /**
     * @return {@link #WEBSOCKET} or {@link #XHR_STREAMING}.
     */
    public String transport()
    {
        return transport;
    }

    /**
     * @param transport {@link #WEBSOCKET} or {@link #XHR_STREAMING}.
     * @return this.
     */
    public LoadOptions transport(final String transport)
    {
        this.transport = null == transport ? null : transport.toLowerCase(Locale.ROOT);
        return this;
    }

    /**
     * @return true for SockJS xhr-streaming sessions instead of WebSockets.
     */
    public boolean xhrStreaming()
    {
        return XHR_STREAMING.equals(transport);
    }

    /**
     * @return the SockJS endpoint's prefix.
     */
    public String sockJsPrefix()
    {
        return sockJsPrefix;
    }

    /**
     * @param sockJsPrefix the SockJS endpoint's prefix, starting with '/' and not ending with one.
     * @return this.
     */
    public LoadOptions sockJsPrefix(final String sockJsPrefix)
    {
        this.sockJsPrefix = sockJsPrefix;
        return this;
    }

    /**
     * @return true for a {@code wss://} url.
     */
    public boolean tls()
    {
        return null != url && "wss".equalsIgnoreCase(url.getScheme());
    }

    /**
     * @return the CAs to trust for wss://, or null for the JDK's default trust store.
     */
    public String trust()
    {
        return trust;
    }

    /**
     * @param trust a PEM bundle of CA certificates or a PKCS#12 store to trust for wss://, or null for the JDK's.
     * @return this.
     */
    public LoadOptions trust(final String trust)
    {
        this.trust = trust;
        clientTls = null;
        return this;
    }

    /**
     * @return the only protocol the client enables for wss://, or null for the JDK's defaults.
     */
    public String tlsProtocol()
    {
        return tlsProtocol;
    }

    /**
     * @param tlsProtocol the only protocol the client enables for wss:// (TLSv1.3, TLSv1.2), or null for the JDK's.
     * @return this.
     */
    public LoadOptions tlsProtocol(final String tlsProtocol)
    {
        this.tlsProtocol = tlsProtocol;
        clientTls = null;
        return this;
    }

    /**
     * @return the only cipher suite the client enables for wss://, or null for the JDK's defaults.
     */
    public String tlsCipher()
    {
        return tlsCipher;
    }

    /**
     * @param tlsCipher the only cipher suite the client enables for wss://, or null for the JDK's defaults.
     * @return this.
     */
    public LoadOptions tlsCipher(final String tlsCipher)
    {
        this.tlsCipher = tlsCipher;
        clientTls = null;
        return this;
    }

    /**
     * The run's TLS, made on first use from {@link #trust()}, {@link #tlsProtocol()} and {@link #tlsCipher()}: one
     * per run, shared by its client loops, so that what it negotiated can be reported.
     *
     * @return the client's TLS for a wss:// url, else null.
     * @throws IllegalArgumentException naming the trust file if it does not load.
     */
    ClientTls clientTls()
    {
        if (!tls())
        {
            return null;
        }
        if (null == clientTls)
        {
            clientTls = ClientTls.of(null == trust ? null : Path.of(trust), tlsProtocol, tlsCipher);
        }
        return clientTls;
    }

    /**
     * @return the server's process id to sample memory of, or 0.
     */
    public long serverPid()
    {
        return serverPid;
    }

    /**
     * @param serverPid the server's process id to sample memory of, or 0 for none.
     * @return this.
     */
    public LoadOptions serverPid(final long serverPid)
    {
        this.serverPid = serverPid;
        return this;
    }

    /**
     * @return true in a child process of the connections scenario (driven over stdin and stdout).
     */
    boolean child()
    {
        return child;
    }

    @Override
    public String toString()
    {
        return "LoadOptions{" +
            "scenario=" + scenario +
            ", url=" + url +
            ", publisherUrl=" + publisherUrl +
            ", subscriberUrls=" + subscriberUrls +
            ", durationNs=" + durationNs +
            ", warmupNs=" + warmupNs +
            ", clientThreads=" + clientThreads +
            ", label=" + label +
            ", sourceAddresses=" + sourceAddresses +
            ", connectConcurrency=" + connectConcurrency +
            ", connections=" + connections +
            ", payloadLength=" + payloadLength +
            ", payloadKind=" + payloadKind +
            ", deflate=" + deflate +
            ", inFlight=" + inFlight +
            ", rate=" + rate +
            ", subscribers=" + subscribers +
            ", topics=" + topics +
            ", window=" + window +
            ", holdNs=" + holdNs +
            ", warmupConnections=" + warmupConnections +
            ", settleNs=" + settleNs +
            ", perProcess=" + perProcess +
            ", serverPid=" + serverPid +
            ", transport=" + transport +
            ", sockJsPrefix=" + sockJsPrefix +
            ", trust=" + trust +
            ", tlsProtocol=" + tlsProtocol +
            ", tlsCipher=" + tlsCipher +
            '}';
    }
}
