package io.wsmux.perf;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.Set;

import io.wsmux.perf.load.LoadGenerator;

/**
 * The perf jar's entry point: {@code java -jar wsmux-perf.jar echo|fanout|connections|handshakes [options]} runs the
 * load generator, {@code compare [--quick] [--deflate | --tls]} the side-by-side comparison with Netty,
 * {@code fanout-compare [options]} the fan-out comparison with Netty epoll and uWebSockets ({@link FanOutComparison}),
 * {@code cluster-compare [options]} fan-out over a three-node cluster against one node ({@link ClusterComparison}),
 * {@code help} or {@code --help} prints what each takes ({@link #usage}), anything else goes to JMH
 * ({@code java -jar wsmux-perf.jar 'io.wsmux.perf' -prof gc}).
 */
public final class PerfMain
{
    private static final Set<String> LOAD_SCENARIOS = Set.of("echo", "fanout", "connections", "handshakes");

    private PerfMain()
    {
    }

    /**
     * @param args a load scenario and its options, {@code compare}, {@code fanout-compare}, {@code cluster-compare},
     *             or JMH's arguments.
     * @throws Exception on failure.
     */
    public static void main(final String[] args) throws Exception
    {
        if (args.length > 0 && ("help".equals(args[0]) || "--help".equals(args[0])))
        {
            usage(System.out);
        }
        else if (args.length > 0 && LOAD_SCENARIOS.contains(args[0]))
        {
            LoadGenerator.main(args);
        }
        else if (args.length > 0 && "compare".equals(args[0]))
        {
            Comparison.main(Arrays.copyOfRange(args, 1, args.length));
        }
        else if (args.length > 0 && "fanout-compare".equals(args[0]))
        {
            FanOutComparison.main(Arrays.copyOfRange(args, 1, args.length));
        }
        else if (args.length > 0 && "cluster-compare".equals(args[0]))
        {
            ClusterComparison.main(Arrays.copyOfRange(args, 1, args.length));
        }
        else if (args.length > 0 && "recovery-latency".equals(args[0]))
        {
            RecoveryLatency.main(Arrays.copyOfRange(args, 1, args.length));
        }
        else if (args.length > 0 && "recover-storm".equals(args[0]))
        {
            RecoverStorm.main(Arrays.copyOfRange(args, 1, args.length));
        }
        else
        {
            org.openjdk.jmh.Main.main(args);
        }
    }

    /**
     * What the perf jar runs, and the options that cut across its commands.
     *
     * @param out where to.
     */
    static void usage(final PrintStream out)
    {
        out.println("usage: java -jar perf/target/wsmux-perf.jar <command> [options]");
        out.println("  echo|fanout|connections|handshakes [options]");
        out.println("                                     the load generator (echo --help lists every option)");
        out.println("  compare [--quick] [--deflate|--tls]  wsmux vs Netty, interleaved rounds (compare --help)");
        out.println("  fanout-compare [options]           fan-out, wsmux vs Netty epoll and uWS (see its --help)");
        out.println("  cluster-compare [options]          fan-out over three nodes joined by NATS vs one node, in");
        out.println("                                     the same run (nats-server needed; see its --help)");
        out.println("  fanout ... --subscriber-urls A,B,C subscribers spread over a cluster's nodes, per-node");
        out.println("                                     deliveries and latency (echo --help)");
        out.println("  recovery-latency [--messages 100]  one client recovering N messages on an idle server, again");
        out.println("                                     and again: p50/p99/p99.9 (issue 17; --help)");
        out.println("  recover-storm --url ws://HOST:PORT/ [--clients 10000]");
        out.println("                                     all clients cut at once, then reconnect and recover");
        out.println("                                     100 messages each (against --mode fanout; --help)");
        out.println("  help, --help                       this text");
        out.println("  anything else                      JMH, e.g. 'io.wsmux.perf' -prof gc (JMH's options: -h)");
        out.println();
        out.println("Compression (permessage-deflate, RFC 7692; docs/performance.md, \"Compression\"):");
        out.println("  echo|fanout|connections --deflate  the client offers permessage-deflate (WebSocket transport");
        out.println("                                     only); echo and fanout report wireBytesPerMessage and");
        out.println("                                     compressionRatio (0 and 1 without it)");
        out.println("  echo|fanout --payload-kind ticks   JSON price ticks after each message's header, continuing");
        out.println("                                     from message to message (default filler: a fixed pattern)");
        out.println("  compare --deflate                  echo of 1 KiB and 16 KiB ticks, wsmux vs Netty --deflate");
        out.println("  fanout-compare --deflate           wsmux uncompressed, wsmux compressed and Netty epoll");
        out.println("                                     --deflate, ticks of --payload bytes (default 1024)");
        out.println("  NettyServer --deflate              the baseline with Netty's WebSocketServerCompressionHandler");
        out.println();
        out.println("TLS (wss://):");
        out.println("  echo|fanout|connections|handshakes --url wss://... [--trust CA.pem] [--tls-protocol P]");
        out.println("                                     [--tls-cipher S]: every scenario over TLS; each");
        out.println("                                     connection a full handshake (no session resumed)");
        out.println("  handshakes [--connections 32]      connections opened and closed again, 32 at once:");
        out.println("                                     handshakesPerSecond, serverNsPerHandshake");
        out.println("  compare --tls [--quick]            throwaway certificates; wsmux vs Netty NIO and epoll with");
        out.println("                                     SslHandler (JDK), TLSv1.3 TLS_AES_128_GCM_SHA256:");
        out.println("                                     handshakes, echo, fan-out, memory per idle connection,");
        out.println("                                     the issue's goals;");
        out.println("                                     perf/target/comparison-tls.md");
        out.println("  NettyServer --tls-cert F --tls-key F [--tls-protocol P] [--tls-cipher S]");
        out.println("                                     the baseline serving wss:// with SslHandler (JDK provider)");
    }
}
