package io.wsmux.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import io.wsmux.perf.FanOutComparison.Measurement;
import io.wsmux.perf.FanOutComparison.Options;
import io.wsmux.perf.FanOutComparison.Server;
import io.wsmux.perf.FanOutComparison.Shape;
import org.junit.jupiter.api.Test;

/**
 * {@code fanout-compare}'s options, and how a client's result becomes a measurement, without running anything.
 */
class FanOutComparisonOptionsTest
{
    @Test
    void shouldDefaultToTheIssuesScenariosAndLeaveTheClientToTheRun()
    {
        final Options options = Options.parse(new String[0]);

        assertEquals(List.of(new Shape(1, 1000), new Shape(1, 10000), new Shape(100, 10000)), options.scenarios);
        assertEquals(List.of("wsmux", "netty-epoll"), options.servers);
        assertEquals(3, options.rounds);
        assertEquals(4_000_000_000L, options.durationNs);
        assertEquals(10_000_000_000L, options.warmupNs);
        assertNull(options.client);
        assertEquals("perf/target/fanout-comparison.md", options.output);
        assertFalse(options.help);
    }

    @Test
    void shouldAddUwsAndExtraBuildsAndPreferTheNativeClientWhenGiven()
    {
        final Options options = Options.parse(new String[]{ "--uws-binary", "/opt/uws/server", "--native-client",
            "/tmp/fanout_client", "--extra-wsmux", "wsmux-before=/tmp/old.jar", "--rounds", "5", "--duration",
            "2500ms", "--warmup", "1.5s", "--scenarios", "1x50,10x200", "--port", "9400" });

        assertEquals(List.of("wsmux", "wsmux-before", "netty-epoll", "uws"), options.servers);
        assertEquals(Map.of("wsmux-before", "/tmp/old.jar"), options.extraWsmux);
        assertEquals("native", options.client);
        assertEquals(5, options.rounds);
        assertEquals(2_500_000_000L, options.durationNs);
        assertEquals(1_500_000_000L, options.warmupNs);
        assertEquals(List.of(new Shape(1, 50), new Shape(10, 200)), options.scenarios);
        assertEquals(List.of("/opt/uws/server", "--port", "9400"), options.serverList().get(3).command());
        final List<String> client = options.clientCommand(new Shape(10, 200), "42");
        assertEquals(List.of("/tmp/fanout_client", "--host", "127.0.0.1", "--port", "9400", "--subscribers", "200",
            "--topics", "10", "--payload", "64", "--window", "32", "--duration", "2.5", "--warmup", "1.5",
            "--server-pid", "42", "--quiet"), client);
    }

    @Test
    void shouldRunTheChosenServersInTheirOrder()
    {
        final Options options = Options.parse(new String[]{ "--servers", "netty-epoll,uws,wsmux-b,wsmux",
            "--uws-binary", "u", "--extra-wsmux", "wsmux-b=b.jar", "--client", "java", "--native-client", "c" });

        assertEquals(List.of("netty-epoll", "uws", "wsmux-b", "wsmux"), options.servers);
        assertEquals("java", options.client);
        assertNull(options.resolveClient(System.out));
        assertEquals("java", options.client);
        final List<String> extra = options.serverList().get(2).command();
        assertTrue(String.join(" ", extra).endsWith(
            "-Dwsmux.outbound.overflow=drop -jar b.jar --mode fanout --port 9311 --threads 1"), extra::toString);
        final List<String> javaClient = options.clientCommand(new Shape(1, 1000), "7");
        assertTrue(String.join(" ", javaClient).endsWith("-jar perf/target/wsmux-perf.jar fanout --url " +
            "ws://127.0.0.1:9311/ --subscribers 1000 --topics 1 --payload 64 --window 32 --rate max --duration " +
            "4000ms --warmup 10000ms --server-pid 7 --quiet"), javaClient::toString);
    }

    @Test
    void shouldRejectBadOptionsNamingThem()
    {
        final String[][] bad = {
            { "--bogus", "1" }, { "--rounds" }, { "--rounds", "0" }, { "--rounds", "x" }, { "--duration", "0s" },
            { "--duration", "4 s" }, { "--warmup", "-1s" }, { "--scenarios", "1x" }, { "--scenarios", "10x5" },
            { "--scenarios", "0x5" }, { "--scenarios", "1x10,,1x20" }, { "--servers", "wsmux,nginx" },
            { "--servers", "uws" }, { "--servers", "wsmux,wsmux" }, { "--client", "rust" },
            { "--extra-wsmux", "old.jar" }, { "--extra-wsmux", "wsmux=/tmp/a.jar" },
            { "--extra-wsmux", "a=/x", "--extra-wsmux", "a=/y" }, { "--extra-wsmux", "a b=/x" },
            { "--port", "70000" }, { "stray" }, { "--payload", "32" }, { "--payload", "70000" },
            { "--deflate", "--client", "native" }, { "--deflate", "--native-client", "/tmp/fc" },
            { "--deflate", "--uws-binary", "u" }, { "--deflate", "--extra-wsmux", "a=/x" },
            { "--deflate", "--servers", "wsmux,netty-epoll" },
        };
        for (final String[] args : bad)
        {
            final IllegalArgumentException ex =
                assertThrows(IllegalArgumentException.class, () -> Options.parse(args), String.join(" ", args));
            final String named = args[0].startsWith("--") ? args[0] : "'" + args[0] + "'";
            assertTrue(ex.getMessage().contains(named), ex.getMessage());
        }
    }

    @Test
    void shouldExitWithTwoAndOneLineOnABadOption() throws Exception
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();

        final int status = FanOutComparison.run(new String[]{ "--scenarios", "1x10", "--frobnicate", "3" },
            new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));

        assertEquals(2, status);
        assertEquals("", out.toString(StandardCharsets.UTF_8));
        final String message = err.toString(StandardCharsets.UTF_8);
        assertEquals(1, message.lines().count(), message);
        assertTrue(message.contains("--frobnicate"), message);
    }

    @Test
    void shouldListEveryOptionInTheHelp() throws Exception
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();

        final int status = FanOutComparison.run(new String[]{ "--help" },
            new PrintStream(out, true, StandardCharsets.UTF_8), System.err);

        assertEquals(0, status);
        final String help = out.toString(StandardCharsets.UTF_8);
        for (final String option : List.of("--servers", "--deflate", "--payload", "--scenarios", "--rounds",
            "--duration", "--warmup", "--client", "--native-client", "--uws-binary", "--extra-wsmux", "--port",
            "--output", "--wsmux-jar", "--perf-jar", "--classpath", "--help"))
        {
            assertTrue(help.contains("  " + option + " "), option);
        }
    }

    @Test
    void shouldTakeTheNativeClientsNumbersAndFailItsErrors()
    {
        final Shape shape = new Shape(1, 1000);
        final Measurement good =
            FanOutComparison.measurement(List.of("warning: something", ResultLinesTest.NATIVE_LINE), 0, shape);

        assertTrue(good.ok(), good::toString);
        assertEquals(1252961.7, good.deliveriesPerSecond());
        assertEquals(782.1, good.serverNsPerDelivery());
        assertEquals(0.71, good.clientCores());

        final String withErrors = ResultLinesTest.NATIVE_LINE.replace("\"errors\":0", "\"errors\":3")
            .replace("\"missing\":0", "\"missing\":3");
        final Measurement failed = FanOutComparison.measurement(List.of(withErrors), 1, shape);
        assertFalse(failed.ok());
        assertEquals("errors=3 (missing=3), exit status 1", failed.failure());

        final String short1 = ResultLinesTest.NATIVE_LINE.replace("\"subscribed\":1000", "\"subscribed\":990");
        assertEquals("subscribed 990 of 1000", FanOutComparison.measurement(List.of(short1), 0, shape).failure());
        assertEquals("client printed no result (exit status 1)",
            FanOutComparison.measurement(List.of("crash"), 1, shape).failure());
        assertTrue(FanOutComparison.measurement(List.of("{\"errors\":"), 0, shape).failure()
            .startsWith("client result unreadable"));
    }

    @Test
    void shouldDeriveServerNsPerDeliveryFromTheJavaClientsResult()
    {
        final Measurement measurement = FanOutComparison.measurement(List.of("progress", "RESULT scenario=fanout " +
            "label=- subscribersSubscribed=50 deliveriesPerSecond=200000 serverCores=0.5 clientCores=0.4 " +
            "connectFailures=0 missing=0 errors=0"), 0, new Shape(1, 50));

        assertTrue(measurement.ok(), measurement::toString);
        assertEquals(2500.0, measurement.serverNsPerDelivery(), 1e-9);
        assertEquals(0.4, measurement.clientCores());
        assertNull(measurement.failure());
    }

    @Test
    void shouldCompareCompressionOnThreeServersWithTheJavaClientAndTicks()
    {
        final Options options = Options.parse(new String[]{ "--deflate", "--scenarios", "1x50" });

        assertTrue(options.deflate);
        assertEquals(List.of("wsmux", "wsmux-deflate", "netty-epoll-deflate"), options.servers);
        assertEquals("java", options.client);
        assertNull(options.resolveClient(System.out));
        assertEquals(1024, options.payload);
        final List<Server> servers = options.serverList();
        assertFalse(servers.get(0).clientDeflates());
        assertTrue(servers.get(1).clientDeflates());
        assertTrue(servers.get(2).clientDeflates());
        assertEquals(servers.get(0).command(), servers.get(1).command());
        assertTrue(String.join(" ", servers.get(2).command()).endsWith("io.wsmux.perf.baseline.NettyServer --mode " +
            "fanout --port 9311 --transport epoll --threads 1 --deflate"), servers.get(2)::toString);

        final String plain = String.join(" ", options.clientCommand(new Shape(1, 50), "7", false));
        assertTrue(plain.endsWith("fanout --url ws://127.0.0.1:9311/ --subscribers 50 --topics 1 --payload 1024 " +
            "--window 32 --rate max --duration 4000ms --warmup 10000ms --server-pid 7 --quiet --payload-kind ticks"),
            plain);
        final String compressed = String.join(" ", options.clientCommand(new Shape(1, 50), "7", true));
        assertTrue(compressed.endsWith("--quiet --payload-kind ticks --deflate"), compressed);
    }

    @Test
    void shouldTakeAPayloadAndAChoiceOfTheCompressedServers()
    {
        final Options compressed = Options.parse(
            new String[]{ "--servers", "netty-epoll-deflate,wsmux-deflate", "--deflate", "--payload", "4096" });
        assertEquals(List.of("netty-epoll-deflate", "wsmux-deflate"), compressed.servers);
        assertEquals(4096, compressed.payload);

        final Options plain = Options.parse(new String[]{ "--payload", "256", "--native-client", "/tmp/fc" });
        assertFalse(plain.deflate);
        assertEquals(256, plain.payload);
        assertEquals("256", plain.clientCommand(new Shape(1, 10), "3").get(10));
    }

    @Test
    void shouldFailACompressedRunThatDidNotCompress()
    {
        final Shape shape = new Shape(1, 50);
        final String line = "RESULT scenario=fanout label=- subscribersSubscribed=50 deliveriesPerSecond=200000 " +
            "serverCores=0.5 clientCores=0.4 wireBytesPerMessage=1040 compressionRatio=0.996 connectFailures=0 " +
            "missing=0 errors=0";

        final Measurement uncompressed = FanOutComparison.measurement(List.of(line), 0, shape, true);
        assertFalse(uncompressed.ok());
        assertTrue(uncompressed.failure().startsWith("permessage-deflate not in effect: compressionRatio=0.996"),
            uncompressed.failure());

        final Measurement compressed = FanOutComparison.measurement(
            List.of(line.replace("=1040", "=310.5").replace("=0.996", "=3.34")), 0, shape, true);
        assertTrue(compressed.ok(), compressed::toString);
        assertEquals(310.5, compressed.wireBytesPerDelivery());
        assertEquals(3.34, compressed.compressionRatio());
        assertTrue(Double.isNaN(compressed.compressionsPerPublication()));
        assertEquals(0.999, compressed.withCompressionsPerPublication(0.999).compressionsPerPublication());

        final Measurement plain = FanOutComparison.measurement(List.of(line), 0, shape);
        assertTrue(plain.ok(), plain::toString);
        assertTrue(Double.isNaN(plain.wireBytesPerDelivery()));
        assertTrue(Double.isNaN(plain.compressionRatio()));
    }

    @Test
    void shouldReportWireBytesAndTheCompressionGoals()
    {
        final Options options = Options.parse(new String[]{ "--deflate", "--scenarios", "1x1000" });
        final FanOutComparison comparison = new FanOutComparison(options, System.out);
        final Shape shape = new Shape(1, 1000);
        for (int round = 0; round < 3; round++)
        {
            comparison.add(shape, "wsmux", new Measurement(1_000_000 + round, 300, 0.9, Double.NaN, Double.NaN,
                Double.NaN, null));
            comparison.add(shape, "wsmux-deflate", new Measurement(900_000 + round, 350, 0.95, 310, 3.3,
                0.998, null));
            comparison.add(shape, "netty-epoll-deflate", new Measurement(100_000 + round, 9_000, 0.2, 290, 3.5,
                Double.NaN, null));
        }
        comparison.add(shape, "netty-epoll-deflate", Measurement.failed("permessage-deflate not in effect"));

        final String report = comparison.report(1.0);

        assertTrue(report.contains("Fan-out comparison with permessage-deflate"), report);
        assertTrue(report.contains("1024-byte payloads of JSON price ticks"), report);
        assertTrue(report.contains("| wire bytes/delivery | compression ratio | client cores | good runs |\n" +
            "|---|---|---|---|---|---|---|---|\n"), report);
        assertTrue(report.contains("| 1x1000 | wsmux | 1,000,001 [1,000,000-1,000,002] | 300 [300-300] | - | - | " +
            "0.90 | 3/3 |"), report);
        assertTrue(report.contains("| 1x1000 | wsmux-deflate | 900,001 [900,000-900,002] | 350 [350-350] | 310 | " +
            "3.30 | 0.95 | 3/3 |"), report);
        assertTrue(report.contains("| 1x1000 | netty-epoll-deflate | 100,001 [100,000-100,002] | 9,000 " +
            "[9,000-9,000] | 290 | 3.50 | 0.20 | 3/4 (1 FAILED) |"), report);
        assertTrue(report.contains("| 1x1000 | 0.90 | met | 9.00 | met | 350 | 9,000 | 25.71 | 0.998 |"), report);
    }
}
