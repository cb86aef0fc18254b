package io.wsmux.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import io.wsmux.perf.Comparison.Group;
import io.wsmux.perf.Comparison.Metric;
import io.wsmux.perf.Comparison.Options;
import io.wsmux.perf.Comparison.Scenario;
import io.wsmux.perf.Comparison.Server;
import io.wsmux.perf.Comparison.TlsFiles;
import io.wsmux.transport.tls.TestCertificates.KeyAlgorithm;
import org.junit.jupiter.api.Test;

/**
 * {@code compare}'s options, and what {@code compare --tls} runs, without running anything.
 */
class ComparisonOptionsTest
{
    private static final TlsFiles FILES = new TlsFiles(Path.of("/t/chain.pem"), Path.of("/t/key.pem"),
        Path.of("/t/ca.pem"), KeyAlgorithm.EC_P256);

    @Test
    void shouldDefaultToThePlainComparison()
    {
        final Options options = Options.parse(new String[0]);

        assertFalse(options.help());
        assertFalse(options.quick());
        assertFalse(options.deflate());
        assertFalse(options.tls());
        assertEquals(KeyAlgorithm.EC_P256, options.tlsKey());
        assertEquals(100_000, options.latencyRate());
    }

    @Test
    void shouldParseTlsQuickAndTheKeyType()
    {
        final Options options = Options.parse(new String[]{ "--tls", "--quick", "--tls-key-type", "RSA" });

        assertTrue(options.tls());
        assertTrue(options.quick());
        assertEquals(KeyAlgorithm.RSA_2048, options.tlsKey());
        assertEquals(KeyAlgorithm.EC_P256, Options.parse(new String[]{ "--tls", "--tls-key-type", "ec" }).tlsKey());
        assertEquals(5000, Options.parse(new String[]{ "--latency-rate", "5000", "--deflate" }).latencyRate());
    }

    @Test
    void shouldRefuseConflictsAndUnknownOptions()
    {
        assertEquals("--tls and --deflate are separate comparisons: run one, then the other",
            assertThrows(IllegalArgumentException.class,
            () -> Options.parse(new String[]{ "--tls", "--deflate" })).getMessage());
        assertEquals("--tls-key-type needs --tls", assertThrows(IllegalArgumentException.class,
            () -> Options.parse(new String[]{ "--tls-key-type", "rsa" })).getMessage());
        assertEquals("--tls-key-type must be ec or rsa: 'dsa'", assertThrows(IllegalArgumentException.class,
            () -> Options.parse(new String[]{ "--tls", "--tls-key-type", "dsa" })).getMessage());
        assertEquals("--tls-key-type needs a value", assertThrows(IllegalArgumentException.class,
            () -> Options.parse(new String[]{ "--tls", "--tls-key-type" })).getMessage());
        assertEquals("unknown option --tsl", assertThrows(IllegalArgumentException.class,
            () -> Options.parse(new String[]{ "--tsl" })).getMessage());
        assertEquals("--latency-rate must be a positive number: 'fast'", assertThrows(IllegalArgumentException.class,
            () -> Options.parse(new String[]{ "--latency-rate", "fast" })).getMessage());
    }

    @Test
    void shouldRunEveryTlsServerPinnedToTheSameProtocolAndSuite()
    {
        final Comparison comparison = new Comparison(false, false, 100_000, FILES);
        final List<Server> servers = comparison.tlsServers("echo");

        assertEquals(List.of("wsmux", "wsmux-hs-on-loop", "netty-nio", "netty-epoll", "wsmux-plain"),
            servers.stream().map(Server::name).toList());
        final String wsmux = String.join(" ", servers.get(0).command());
        assertTrue(wsmux.contains("-Dwsmux.tls.protocols=TLSv1.3 -Dwsmux.tls.cipher.suites=TLS_AES_128_GCM_SHA256 "),
            wsmux);
        assertTrue(wsmux.endsWith("-jar core/target/wsmux.jar --mode echo --port 9301 --threads 1 --tls-port 9302 " +
            "--tls-cert /t/chain.pem --tls-key /t/key.pem"), wsmux);
        assertFalse(wsmux.contains("handshake.threads"), wsmux);
        assertEquals("wss://127.0.0.1:9302/", servers.get(0).url());
        assertTrue(String.join(" ", servers.get(1).command()).contains(" -Dwsmux.tls.handshake.threads=0 "));
        final String netty = String.join(" ", servers.get(3).command());
        assertTrue(netty.endsWith("io.wsmux.perf.baseline.NettyServer --mode echo --port 9301 --transport epoll " +
            "--threads 1 --tls-cert /t/chain.pem --tls-key /t/key.pem --tls-protocol TLSv1.3 --tls-cipher " +
            "TLS_AES_128_GCM_SHA256"), netty);
        assertEquals("wss://127.0.0.1:9301/", servers.get(3).url());
        assertFalse(String.join(" ", servers.get(4).command()).contains("tls"));
        assertEquals("ws://127.0.0.1:9301/", servers.get(4).url());
        assertEquals(List.of("wsmux", "netty-nio", "netty-epoll", "wsmux-plain"),
            comparison.tlsServers("fanout").stream().map(Server::name).toList());
    }

    @Test
    void shouldPlanHandshakesEchoFanOutAndMemory()
    {
        final Comparison comparison = new Comparison(true, false, 100_000, FILES);
        final Group echo = comparison.tlsEchoGroup();
        final Scenario handshakes = echo.scenarios().get(0);

        assertEquals(List.of("handshakes 32 at once", "echo 100 conns 32 B", "echo 100 conns 1024 B"),
            echo.scenarios().stream().map(Scenario::name).toList());
        assertEquals(List.of("wsmux", "wsmux-hs-on-loop", "netty-nio", "netty-epoll", "wsmux-plain"),
            echo.servers().stream().filter(handshakes::runsOn).map(Server::name).toList());
        assertEquals(List.of("wsmux", "netty-nio", "netty-epoll"),
            echo.servers().stream().filter(echo.scenarios().get(1)::runsOn).map(Server::name).toList());

        final Scenario fanOut = comparison.tlsFanOutGroup().scenarios().get(0);
        assertEquals("fanout 1 topic 1000 subs", fanOut.name());
        assertTrue(String.join(" ", fanOut.arguments()).startsWith("fanout --subscribers 1000 --topics 1 --rate max " +
            "--payload 64 --connect-concurrency 32"), fanOut.arguments()::toString);

        assertEquals(List.of("wsmux", "netty-nio", "wsmux-plain"), comparison.tlsFanOutGroup().servers().stream()
            .filter(fanOut::runsOn).map(Server::name).toList());

        final Group memory = comparison.tlsMemoryGroup();
        assertEquals(List.of("wsmux", "netty-nio", "wsmux-plain"),
            memory.servers().stream().filter(memory.scenarios().get(0)::runsOn).map(Server::name).toList());
        assertEquals(List.of("wsmux", "netty-nio", "netty-epoll", "wsmux-plain"),
            new Comparison(false, false, 100_000, FILES).tlsMemoryGroup().servers().stream()
            .filter(new Comparison(false, false, 100_000, FILES).tlsMemoryGroup().scenarios().get(0)::runsOn)
            .map(Server::name).toList());
    }

    @Test
    void shouldGiveTheClientTheCaAndThePinsForTlsServersOnly()
    {
        final Comparison comparison = new Comparison(true, false, 100_000, FILES);
        final Group echo = comparison.tlsEchoGroup();
        final Scenario handshakes = echo.scenarios().get(0);

        assertEquals("handshakes --connections 32 --duration 2s --warmup 2s --url wss://127.0.0.1:9302/ --label " +
            "wsmux --trust /t/ca.pem --tls-protocol TLSv1.3 --tls-cipher TLS_AES_128_GCM_SHA256",
            String.join(" ", comparison.clientArguments(echo.servers().get(0), handshakes)));
        assertEquals("handshakes --connections 32 --duration 2s --warmup 2s --url ws://127.0.0.1:9301/ --label " +
            "wsmux-plain", String.join(" ", comparison.clientArguments(echo.servers().get(4), handshakes)));
    }

    @Test
    void shouldJudgeTheIssuesGoalsOnTheMedians()
    {
        final Comparison comparison = new Comparison(true, false, 100_000, FILES);
        final Metric cpu = new Metric("serverNsPerMessage", false);
        for (final String payload : List.of("32", "1024"))
        {
            comparison.record("echo 100 conns " + payload + " B", cpu, "wsmux", 1000);
            comparison.record("echo 100 conns " + payload + " B", cpu, "netty-nio", 1300);
            comparison.record("echo 100 conns " + payload + " B", cpu, "netty-epoll", 1100);
        }
        final Metric deliveries = new Metric("deliveriesPerSecond", true);
        comparison.record("fanout 1 topic 1000 subs", deliveries, "wsmux", 600_000);
        comparison.record("fanout 1 topic 1000 subs", deliveries, "wsmux-plain", 1_000_000);
        final Metric handshakes = new Metric("handshakesPerSecond", true);
        final Metric perHandshake = new Metric("serverNsPerHandshake", false);
        comparison.record("handshakes 32 at once", handshakes, "wsmux", 300);
        comparison.record("handshakes 32 at once", handshakes, "netty-nio", 400);
        comparison.record("handshakes 32 at once", handshakes, "netty-epoll", 250);
        comparison.record("handshakes 32 at once", perHandshake, "wsmux", 4_000_000);
        comparison.record("handshakes 32 at once", perHandshake, "wsmux-hs-on-loop", 3_000_000);
        comparison.record("handshakes 32 at once", perHandshake, "wsmux-plain", 100_000);
        final Metric heap = new Metric("heapPerConnectionBytes", false);
        comparison.record("1000 idle connections", heap, "wsmux", 7000);
        comparison.record("1000 idle connections", heap, "wsmux-plain", 2000);
        comparison.record("1000 idle connections", heap, "netty-nio", 9000);

        final String report = comparison.report(2.5);

        assertTrue(report.startsWith("# wsmux vs Netty over TLS\n\nEvery server and the client restricted to TLSv1.3 " +
            "and TLS_AES_128_GCM_SHA256, certificate EC P-256"), report);
        assertTrue(report.contains("| echo 100 conns 32 B, serverNsPerMessage | netty-nio | 1,300 | 1,300 | 1,300 | " +
            "1.30x |"), report);
        assertTrue(report.contains("| echo 100 conns 32 B: netty-nio server CPU per message / wsmux's >= 1.2 | " +
            "1.30x | yes |"), report);
        assertTrue(report.contains("| echo 100 conns 1024 B: netty-epoll server CPU per message / wsmux's >= 1.2 | " +
            "1.10x | NO |"), report);
        assertTrue(report.contains("| fan-out to 1000: wsmux deliveries/s over TLS / over ws:// >= 0.5 | 0.60x | " +
            "yes |"), report);
        assertTrue(report.contains("| handshakes/s: wsmux / netty-nio >= 1.0 | 0.75x | NO |"), report);
        assertTrue(report.contains("| handshakes/s: wsmux / netty-epoll >= 1.0 | 1.20x | yes |"), report);
        assertTrue(report.contains("| heap per idle connection: wsmux over TLS <= over ws:// + 4096 B | 7,000 B vs " +
            "2,000 B + 4096 B (+5,000 B) | NO |"), report);
        assertTrue(report.contains("server CPU per handshake, wsmux-hs-on-loop / wsmux: 0.75x; wsmux's over TLS / " +
            "over ws://: 40.00x."), report);
        assertTrue(report.contains("The comparison took 2.5 minutes."), report);
    }

    @Test
    void shouldDescribeTlsInTheUsage()
    {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Comparison.usage(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        final String usage = bytes.toString(StandardCharsets.UTF_8);

        assertTrue(usage.contains("--tls "), usage);
        assertTrue(usage.contains("--tls-key-type T"), usage);
        assertTrue(usage.contains("perf/target/comparison-tls.md"), usage);
        for (final String line : usage.split("\n"))
        {
            assertTrue(line.length() <= 120, line);
        }
    }
}
