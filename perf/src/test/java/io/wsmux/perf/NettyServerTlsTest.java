package io.wsmux.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.wsmux.perf.load.FanOutResult;
import io.wsmux.perf.load.FanOutScenario;
import io.wsmux.perf.load.HandshakeResult;
import io.wsmux.perf.load.HandshakeScenario;
import io.wsmux.perf.load.LoadGenerator;
import io.wsmux.perf.load.LoadOptions;
import io.wsmux.perf.load.ScenarioResult;
import io.wsmux.transport.tls.TestCertificates;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code NettyServer --tls-cert --tls-key} in a JVM of its own, driven by the load generator over {@code wss://}:
 * echo over NIO pinned to TLSv1.3 and TLS_AES_128_GCM_SHA256 as the comparison pins it, fan-out and handshakes over
 * epoll, and the options it refuses.
 */
@Timeout(120)
class NettyServerTlsTest
{
    private static final Pattern LISTENING = Pattern.compile("wss://127\\.0\\.0\\.1:(\\d+)/ .* tls=(\\S+)");
    private static final long WARMUP_NS = TimeUnit.MILLISECONDS.toNanos(200);
    private static final long DURATION_NS = TimeUnit.MILLISECONDS.toNanos(800);

    @TempDir
    static Path directory;
    private static TestCertificates certificates;

    @BeforeAll
    static void certificates()
    {
        certificates = TestCertificates.create(directory);
    }

    @Test
    void shouldEchoOverTlsWithThePinnedProtocolAndSuite() throws Exception
    {
        try (ChildProcess netty = startNetty("echo", "nio", "--tls-protocol", "TLSv1.3", "--tls-cipher",
            "TLS_AES_128_GCM_SHA256"))
        {
            final Matcher listening = listening(netty);
            assertEquals("TLSv1.3/TLS_AES_128_GCM_SHA256", listening.group(2));
            // The client enables its defaults: what was negotiated is the server's pin.
            final ScenarioResult result = LoadGenerator.run(new LoadOptions().scenario(LoadOptions.ECHO)
                .url(url(listening)).trust(certificates.caPem().toString()).connections(4).inFlight(4)
                .payloadLength(1024).warmupNs(WARMUP_NS).durationNs(DURATION_NS).quiet(true));

            assertEquals(0, result.errors().total(), result.errors()::toString);
            assertTrue((Long)result.fields().get("messages") > 0, result.fields()::toString);
            assertEquals("TLSv1.3", result.fields().get("tlsProtocol"));
            assertEquals("TLS_AES_128_GCM_SHA256", result.fields().get("tlsCipher"));
        }
    }

    @Test
    void shouldFanOutAndHandshakeOverTlsWithEpoll() throws Exception
    {
        try (ChildProcess netty = startNetty("fanout", "epoll"))
        {
            final URI url = url(listening(netty));
            final FanOutResult fanOut = FanOutScenario.run(new LoadOptions().url(url)
                .trust(certificates.caPem().toString()).subscribers(10).topics(1).window(8).connectConcurrency(8)
                .warmupNs(WARMUP_NS).durationNs(DURATION_NS).quiet(true));
            assertEquals(0, fanOut.errors().total(), fanOut.errors()::toString);
            assertEquals(fanOut.expectedDeliveries(), fanOut.received());
            assertTrue(fanOut.published() > 0, fanOut::toString);

            final HandshakeResult handshakes = HandshakeScenario.run(new LoadOptions().url(url)
                .trust(certificates.caPem().toString()).connections(4).serverPid(netty.pid()).warmupNs(WARMUP_NS)
                .durationNs(DURATION_NS).quiet(true));
            assertEquals(0, handshakes.errors().total(), handshakes.errors()::toString);
            assertTrue(handshakes.handshakes() > 0, handshakes::toString);
            assertTrue(handshakes.serverNsPerHandshake() > 0, handshakes::toString);
        }
    }

    @Test
    void shouldRefuseHalfATlsConfigurationAndUnknownSuites() throws Exception
    {
        try (ChildProcess netty = start(List.of("--mode", "echo", "--port", "0", "--tls-cert",
            certificates.serverChainPem().toString())))
        {
            assertTrue(netty.waitFor(30, TimeUnit.SECONDS));
            assertEquals(2, netty.exitValue(), netty::output);
            assertTrue(netty.output().contains("--tls-cert and --tls-key go together"), netty::output);
        }
        try (ChildProcess netty = start(List.of("--mode", "echo", "--port", "0", "--tls-protocol", "TLSv1.3")))
        {
            assertTrue(netty.waitFor(30, TimeUnit.SECONDS));
            assertEquals(2, netty.exitValue(), netty::output);
            assertTrue(netty.output().contains("--tls-protocol and --tls-cipher need --tls-cert and --tls-key"),
                netty::output);
        }
        try (ChildProcess netty = startNetty("echo", "nio", "--tls-cipher", "TLS_NO_SUCH_SUITE"))
        {
            assertTrue(netty.waitFor(30, TimeUnit.SECONDS));
            assertEquals(1, netty.exitValue(), netty::output);
            assertTrue(netty.output().contains("netty: cannot use --tls-cert"), netty::output);
        }
    }

    private static ChildProcess startNetty(final String mode, final String transport, final String... extra)
        throws IOException
    {
        final List<String> arguments = new ArrayList<>(List.of("--mode", mode, "--port", "0", "--transport",
            transport, "--tls-cert", certificates.serverChainPem().toString(), "--tls-key",
            certificates.serverKeyPem().toString()));
        arguments.addAll(List.of(extra));
        return start(arguments);
    }

    private static ChildProcess start(final List<String> arguments) throws IOException
    {
        final String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        final List<String> command = new ArrayList<>(List.of(ChildProcess.JAVA, BenchServers.NETTY_TUNING, "-cp",
            classpath, BenchServers.NETTY_MAIN));
        command.addAll(arguments);
        return ChildProcess.start(command, true);
    }

    private static Matcher listening(final ChildProcess netty) throws IOException, InterruptedException
    {
        final Matcher matcher = LISTENING.matcher(netty.awaitLine("listening", 30, TimeUnit.SECONDS));
        assertTrue(matcher.find(), netty::output);
        return matcher;
    }

    private static URI url(final Matcher listening)
    {
        return URI.create("wss://127.0.0.1:" + listening.group(1) + "/");
    }
}
