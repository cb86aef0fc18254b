package io.wsmux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.wsmux.transport.IdleMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class WsmuxSettingsTest
{
    /** For every property, a value in none of its forms, or out of its range where every form is accepted. */
    private static final Map<String, String> BAD_VALUES = new LinkedHashMap<>();

    static
    {
        BAD_VALUES.put(WsmuxSettings.IO_THREADS_PROP_NAME, "four");
        BAD_VALUES.put(WsmuxSettings.DEFLATE_PROP_NAME, "gzip");
        BAD_VALUES.put(WsmuxSettings.DEFLATE_MIN_LENGTH_PROP_NAME, "-1");
        BAD_VALUES.put(WsmuxSettings.DEFLATE_LEVEL_PROP_NAME, "10");
        BAD_VALUES.put(WsmuxSettings.DEFLATE_SERVER_CONTEXT_TAKEOVER_PROP_NAME, "sometimes");
        BAD_VALUES.put(WsmuxSettings.DEFLATE_CLIENT_CONTEXT_TAKEOVER_PROP_NAME, "1");
        BAD_VALUES.put(WsmuxSettings.COUNTERS_MAX_TOPIC_FAMILIES_PROP_NAME, "1k");
        BAD_VALUES.put(WsmuxSettings.DUTY_CYCLE_THRESHOLD_PROP_NAME, "1 ms");
        BAD_VALUES.put(WsmuxSettings.ADMIN_PORT_PROP_NAME, "http");
        BAD_VALUES.put(WsmuxSettings.ADMIN_BIND_ADDRESS_PROP_NAME, "no-such-host.invalid");
        BAD_VALUES.put(WsmuxSettings.COUNTERS_DIR_PROP_NAME, "/dev/null");
        BAD_VALUES.put(WsmuxSettings.IDLE_MODE_PROP_NAME, "turbo");
        BAD_VALUES.put(WsmuxSettings.BIND_ADDRESS_PROP_NAME, "no-such-host.invalid");
        BAD_VALUES.put(WsmuxSettings.PORT_PROP_NAME, "abc");
        BAD_VALUES.put(WsmuxSettings.REUSE_PORT_PROP_NAME, "yes");
        BAD_VALUES.put(WsmuxSettings.ACCEPT_BACKLOG_PROP_NAME, "lots");
        BAD_VALUES.put(WsmuxSettings.MAX_CONNECTIONS_PROP_NAME, "1m");
        BAD_VALUES.put(WsmuxSettings.READ_BUFFER_LENGTH_PROP_NAME, "abc");
        BAD_VALUES.put(WsmuxSettings.CORK_BUFFER_LENGTH_PROP_NAME, "64kb");
        BAD_VALUES.put(WsmuxSettings.OUTBOUND_CHUNK_LENGTH_PROP_NAME, "4 k");
        BAD_VALUES.put(WsmuxSettings.OUTBOUND_POOLED_CHUNKS_PROP_NAME, "16k");
        BAD_VALUES.put(WsmuxSettings.OUTBOUND_BUDGET_PROP_NAME, "1.5m");
        BAD_VALUES.put(WsmuxSettings.OUTBOUND_OVERFLOW_PROP_NAME, "block");
        BAD_VALUES.put(WsmuxSettings.SLOW_CONSUMER_GRACE_PROP_NAME, "1 second");
        BAD_VALUES.put(WsmuxSettings.SLOW_CONSUMER_CLOSE_TIMEOUT_PROP_NAME, "10 seconds");
        BAD_VALUES.put(WsmuxSettings.ASSEMBLY_BUDGET_PROP_NAME, "lots");
        BAD_VALUES.put(WsmuxSettings.MAX_HANDSHAKES_PROP_NAME, "10k");
        BAD_VALUES.put(WsmuxSettings.MUX_MAX_CHANNELS_PROP_NAME, "many");
        BAD_VALUES.put(WsmuxSettings.MUX_MAX_CHANNEL_NAME_LENGTH_PROP_NAME, "x");
        BAD_VALUES.put(WsmuxSettings.MAX_PUBLICATION_LENGTH_PROP_NAME, "3g");
        BAD_VALUES.put(WsmuxSettings.TOPIC_RECLAIM_DELAY_PROP_NAME, "half a minute");
        BAD_VALUES.put(WsmuxSettings.TOPIC_MAX_PER_PREFIX_PROP_NAME, "10k");
        BAD_VALUES.put(WsmuxSettings.LOOP_QUEUE_CAPACITY_PROP_NAME, "");
        BAD_VALUES.put(WsmuxSettings.COMMAND_BUFFER_LENGTH_PROP_NAME, "1mb");
        BAD_VALUES.put(WsmuxSettings.MAX_FRAME_LENGTH_PROP_NAME, "-1");
        BAD_VALUES.put(WsmuxSettings.MAX_MESSAGE_LENGTH_PROP_NAME, "abc");
        BAD_VALUES.put(WsmuxSettings.MAX_HANDSHAKE_LENGTH_PROP_NAME, "8 KiB");
        BAD_VALUES.put(WsmuxSettings.MAX_HEADER_COUNT_PROP_NAME, "64.0");
        BAD_VALUES.put(WsmuxSettings.HANDSHAKE_TIMEOUT_PROP_NAME, "10 s");
        BAD_VALUES.put(WsmuxSettings.PING_INTERVAL_PROP_NAME, "30sec");
        BAD_VALUES.put(WsmuxSettings.IDLE_TIMEOUT_PROP_NAME, "5m");
        BAD_VALUES.put(WsmuxSettings.CLOSE_TIMEOUT_PROP_NAME, "soon");
        BAD_VALUES.put(WsmuxSettings.SOCKJS_HEARTBEAT_PROP_NAME, "often");
        BAD_VALUES.put(WsmuxSettings.SOCKJS_DISCONNECT_DELAY_PROP_NAME, "later");
        BAD_VALUES.put(WsmuxSettings.SOCKJS_RESPONSE_LIMIT_PROP_NAME, "lots");
        BAD_VALUES.put(WsmuxSettings.SOCKJS_MAX_BODY_LENGTH_PROP_NAME, "huge");
        BAD_VALUES.put(WsmuxSettings.SOCKJS_MAX_SESSIONS_PROP_NAME, "many");
        BAD_VALUES.put(WsmuxSettings.HTTP_IDLE_TIMEOUT_PROP_NAME, "idle");
        BAD_VALUES.put(WsmuxSettings.SHUTDOWN_TIMEOUT_PROP_NAME, "1.5s");
        BAD_VALUES.put(WsmuxSettings.DRAIN_PERIOD_PROP_NAME, "2h");
        BAD_VALUES.put(WsmuxSettings.TIMER_TICK_PROP_NAME, "-1ms");
        BAD_VALUES.put(WsmuxSettings.TCP_NODELAY_PROP_NAME, "on");
        BAD_VALUES.put(WsmuxSettings.SOCKET_SEND_BUFFER_PROP_NAME, "-1");
        BAD_VALUES.put(WsmuxSettings.SOCKET_RECEIVE_BUFFER_PROP_NAME, "1t");
        BAD_VALUES.put(WsmuxSettings.CONFLATION_SEND_BUFFER_PROP_NAME, "64 kb");
        BAD_VALUES.put(WsmuxSettings.PRINT_CONFIGURATION_PROP_NAME, "1");
        BAD_VALUES.put(WsmuxSettings.TLS_PORT_PROP_NAME, "https");
        BAD_VALUES.put(WsmuxSettings.TLS_CERT_PROP_NAME, "/etc/ssl/no-listener.pem"); // without wsmux.tls.port
        BAD_VALUES.put(WsmuxSettings.TLS_KEY_PROP_NAME, "/etc/ssl/no-listener.key");
        BAD_VALUES.put(WsmuxSettings.TLS_KEYSTORE_PROP_NAME, "/etc/ssl/no-listener.p12");
        BAD_VALUES.put(WsmuxSettings.TLS_KEYSTORE_PASSWORD_PROP_NAME, ""); // without a keystore; never shown
        BAD_VALUES.put(WsmuxSettings.TLS_PROTOCOLS_PROP_NAME, "TLSv1.1");
        BAD_VALUES.put(WsmuxSettings.TLS_CIPHER_SUITES_PROP_NAME, "TLS_RSA_WITH_RC4_128_MD5_FAKE");
        BAD_VALUES.put(WsmuxSettings.TLS_CLIENT_AUTH_PROP_NAME, "sometimes");
        BAD_VALUES.put(WsmuxSettings.TLS_CLIENT_CA_PROP_NAME, "/etc/ssl/no-listener-ca.pem");
        BAD_VALUES.put(WsmuxSettings.TLS_RELOAD_INTERVAL_PROP_NAME, "hourly");
        BAD_VALUES.put(WsmuxSettings.TLS_HANDSHAKE_THREADS_PROP_NAME, "-1");
        BAD_VALUES.put(WsmuxSettings.TLS_SESSION_CACHE_SIZE_PROP_NAME, "0");
        BAD_VALUES.put(WsmuxSettings.CLUSTER_NATS_URL_PROP_NAME, "http://127.0.0.1:4222");
        BAD_VALUES.put(WsmuxSettings.CLUSTER_NATS_CREDENTIALS_PROP_NAME, "/etc/nats/no-cluster.creds"); // no URL
        BAD_VALUES.put(WsmuxSettings.CLUSTER_NATS_TLS_CA_PROP_NAME, "/etc/nats/no-cluster-ca.pem");
        BAD_VALUES.put(WsmuxSettings.CLUSTER_NATS_TLS_CERT_PROP_NAME, "/etc/nats/no-cluster-client.pem");
        BAD_VALUES.put(WsmuxSettings.CLUSTER_NATS_TLS_KEY_PROP_NAME, "/etc/nats/no-cluster-client.key");
        BAD_VALUES.put(WsmuxSettings.CLUSTER_NODE_PROP_NAME, "node a");
        BAD_VALUES.put(WsmuxSettings.CLUSTER_SUBJECT_PREFIX_PROP_NAME, "wsmux.>");
        BAD_VALUES.put(WsmuxSettings.CLUSTER_BUFFER_LENGTH_PROP_NAME, "8 MB");
    }

    private static List<String> propertyNames() throws IllegalAccessException
    {
        final List<String> names = new ArrayList<>();
        for (final Field field : WsmuxSettings.class.getFields())
        {
            if (Modifier.isStatic(field.getModifiers()) && field.getName().endsWith("_PROP_NAME"))
            {
                names.add((String)field.get(null));
            }
        }
        return names;
    }

    @Test
    void shouldDocumentEveryPropertyInTuningGuide() throws IOException, IllegalAccessException
    {
        final String tuning = Files.readString(Path.of("..", "docs", "tuning.md"), StandardCharsets.UTF_8);
        final List<String> names = propertyNames();

        assertTrue(names.size() >= 25, "properties found: " + names);
        for (final String name : names)
        {
            assertTrue(tuning.contains("`" + name + "`"), name + " is missing from docs/tuning.md");
        }
    }

    @Test
    void shouldNameEveryPropertyInToString() throws IllegalAccessException
    {
        final String text = new WsmuxSettings().toString();

        for (final String name : propertyNames())
        {
            assertTrue(text.contains(name + "="), name);
        }
    }

    @Test
    void shouldAcceptDefaults()
    {
        final WsmuxSettings settings = new WsmuxSettings().conclude();

        assertEquals(WsmuxSettings.MAX_FRAME_LENGTH_DEFAULT, settings.maxFrameLength());
        assertEquals(WsmuxSettings.IDLE_TIMEOUT_DEFAULT_NS, settings.idleTimeoutNs());
        assertEquals(WsmuxSettings.BIND_ADDRESS_DEFAULT, settings.bindAddress());
    }

    @Test
    void shouldRejectOutOfRangeValueNamingPropertyAndValue()
    {
        final IllegalArgumentException ex = assertThrows(
            IllegalArgumentException.class, () -> new WsmuxSettings().maxFrameLength(12).conclude());

        assertTrue(ex.getMessage().contains(WsmuxSettings.MAX_FRAME_LENGTH_PROP_NAME), ex.getMessage());
        assertTrue(ex.getMessage().contains("maxFrameLength=12"), ex.getMessage());
    }

    @Test
    void shouldRejectMessageLimitBelowFrameLimit()
    {
        assertThrows(IllegalArgumentException.class,
            () -> new WsmuxSettings().maxFrameLength(4096).maxMessageLength(1024).conclude());
    }

    @Test
    void shouldRejectIdleTimeoutNotAbovePingInterval()
    {
        assertThrows(IllegalArgumentException.class,
            () -> new WsmuxSettings().pingIntervalNs(TimeUnit.SECONDS.toNanos(10))
                .idleTimeoutNs(TimeUnit.SECONDS.toNanos(10)).conclude());
        new WsmuxSettings().pingIntervalNs(0).idleTimeoutNs(TimeUnit.SECONDS.toNanos(1)).conclude();
    }

    @Test
    void shouldRoundTimerTickUpToPowerOfTwo()
    {
        final WsmuxSettings settings = new WsmuxSettings().timerTickNs(TimeUnit.MILLISECONDS.toNanos(10)).conclude();

        assertEquals(1L << 24, settings.timerTickNs());
    }

    @Test
    void shouldRejectCommandBufferThatIsNotPowerOfTwo()
    {
        assertThrows(IllegalArgumentException.class, () -> new WsmuxSettings().commandBufferLength(100_000).conclude());
    }

    @Test
    void shouldHaveBadValueForEveryProperty() throws IllegalAccessException
    {
        for (final String name : propertyNames())
        {
            assertTrue(BAD_VALUES.containsKey(name), name + " has no bad value in BAD_VALUES");
        }
    }

    static Stream<Arguments> badValues()
    {
        return BAD_VALUES.entrySet().stream().map((entry) -> Arguments.of(entry.getKey(), entry.getValue()));
    }

    @ParameterizedTest(name = "{0}={1}")
    @MethodSource("badValues")
    void shouldRejectMalformedPropertyWithOneLineNamingPropertyAndValue(final String name, final String value)
    {
        final WsmuxConfigurationException ex = assertThrows(
            WsmuxConfigurationException.class, () -> new WsmuxSettings(properties(name, value)).conclude());

        assertOneLineNaming(ex.getMessage(), name, value);
    }

    static Stream<Arguments> outOfRangeValues()
    {
        return Stream.of(
            Arguments.of(WsmuxSettings.IO_THREADS_PROP_NAME, "0", "ioThreads=0", "[1, 256]"),
            Arguments.of(WsmuxSettings.IO_THREADS_PROP_NAME, "257", "ioThreads=257", "[1, 256]"),
            Arguments.of(WsmuxSettings.PORT_PROP_NAME, "70000", "port=70000", "[0, 65535]"),
            Arguments.of(WsmuxSettings.PORT_PROP_NAME, "-1", "port=-1", "[0, 65535]"),
            Arguments.of(WsmuxSettings.ACCEPT_BACKLOG_PROP_NAME, "0", "acceptBacklog=0", "at least 1"),
            Arguments.of(WsmuxSettings.MAX_CONNECTIONS_PROP_NAME, "0", "maxConnections=0", "at least 1"),
            Arguments.of(WsmuxSettings.READ_BUFFER_LENGTH_PROP_NAME, "512", "readBufferLength=512", "1k"),
            Arguments.of(WsmuxSettings.CORK_BUFFER_LENGTH_PROP_NAME, "100", "corkBufferLength=100", "1k"),
            Arguments.of(WsmuxSettings.OUTBOUND_CHUNK_LENGTH_PROP_NAME, "16", "outboundChunkLength=16", "256"),
            Arguments.of(WsmuxSettings.OUTBOUND_POOLED_CHUNKS_PROP_NAME, "-1", "outboundPooledChunks=-1", "0"),
            Arguments.of(WsmuxSettings.OUTBOUND_BUDGET_PROP_NAME, "10", "outboundBudget=10", "1k"),
            Arguments.of(WsmuxSettings.MUX_MAX_CHANNELS_PROP_NAME, "0", "muxMaxChannels=0", "at least 1"),
            Arguments.of(WsmuxSettings.MUX_MAX_CHANNEL_NAME_LENGTH_PROP_NAME, "70000", "muxMaxChannelNameLength=70000",
                "[1, 65535]"),
            Arguments.of(WsmuxSettings.MAX_PUBLICATION_LENGTH_PROP_NAME, "65m", "maxPublicationLength=68157440",
                "[1, 64m]"),
            Arguments.of(WsmuxSettings.TOPIC_MAX_PER_PREFIX_PROP_NAME, "0", "topicMaxPerPrefix=0", "at least 1"),
            Arguments.of(WsmuxSettings.LOOP_QUEUE_CAPACITY_PROP_NAME, "10", "loopQueueCapacity=10", "64"),
            Arguments.of(WsmuxSettings.COMMAND_BUFFER_LENGTH_PROP_NAME, "100000", "commandBufferLength=100000",
                "power of two"),
            Arguments.of(WsmuxSettings.MAX_FRAME_LENGTH_PROP_NAME, "12", "maxFrameLength=12", "125"),
            Arguments.of(WsmuxSettings.MAX_MESSAGE_LENGTH_PROP_NAME, "200", "maxMessageLength=200",
                WsmuxSettings.MAX_FRAME_LENGTH_PROP_NAME),
            Arguments.of(WsmuxSettings.MAX_HANDSHAKE_LENGTH_PROP_NAME, "100", "maxHandshakeLength=100", "256"),
            Arguments.of(WsmuxSettings.MAX_HEADER_COUNT_PROP_NAME, "2", "maxHeaderCount=2", "4"),
            Arguments.of(WsmuxSettings.HANDSHAKE_TIMEOUT_PROP_NAME, "0s", "handshakeTimeoutNs=0", "above 0"),
            Arguments.of(WsmuxSettings.IDLE_TIMEOUT_PROP_NAME, "10s", "idleTimeoutNs=10000000000",
                WsmuxSettings.PING_INTERVAL_PROP_NAME),
            Arguments.of(WsmuxSettings.CLOSE_TIMEOUT_PROP_NAME, "0ms", "closeTimeoutNs=0", "above 0"),
            Arguments.of(WsmuxSettings.TIMER_TICK_PROP_NAME, "2s", "timerTickNs=2000000000", "[1us, 1s]"),
            Arguments.of(WsmuxSettings.TIMER_TICK_PROP_NAME, "999ns", "timerTickNs=999", "[1us, 1s]"));
    }

    @ParameterizedTest(name = "{0}={1}")
    @MethodSource("outOfRangeValues")
    void shouldRejectOutOfRangePropertyWithOneLineNamingPropertyValueAndRange(
        final String name, final String value, final String fieldAndValue, final String range)
    {
        final WsmuxSettings settings = new WsmuxSettings(properties(name, value));
        final WsmuxConfigurationException ex = assertThrows(WsmuxConfigurationException.class, settings::conclude);

        assertOneLineNaming(ex.getMessage(), name, fieldAndValue);
        assertTrue(ex.getMessage().contains(range), ex.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = { "yes", "no", "on", "off", "1", "0", "", "truee" })
    void shouldAcceptOnlyTrueOrFalseForBoolean(final String value)
    {
        final WsmuxConfigurationException ex = assertThrows(WsmuxConfigurationException.class,
            () -> new WsmuxSettings(properties(WsmuxSettings.REUSE_PORT_PROP_NAME, value)));

        assertTrue(ex.getMessage().contains("use true or false"), ex.getMessage());
    }

    @Test
    void shouldListAcceptedFormsInParseErrors()
    {
        assertEquals("wsmux.read.buffer.length=abc is not a size: use a whole number of bytes with an optional k, " +
            "m or g suffix, such as 64k",
            parseError(WsmuxSettings.READ_BUFFER_LENGTH_PROP_NAME, "abc"));
        assertEquals("wsmux.idle.mode=turbo is not valid: use blocking, backoff or spin",
            parseError(WsmuxSettings.IDLE_MODE_PROP_NAME, "turbo"));
        assertEquals("wsmux.outbound.overflow=block is not valid: use close or drop",
            parseError(WsmuxSettings.OUTBOUND_OVERFLOW_PROP_NAME, "block"));
        assertEquals("wsmux.tcp.nodelay=on is not a boolean: use true or false",
            parseError(WsmuxSettings.TCP_NODELAY_PROP_NAME, "on"));
        assertEquals("wsmux.port=abc is not a whole number: use digits only, such as 8080",
            parseError(WsmuxSettings.PORT_PROP_NAME, "abc"));
        assertTrue(parseError(WsmuxSettings.IDLE_TIMEOUT_PROP_NAME, "5m")
            .startsWith("wsmux.idle.timeout=5m is not a duration: use a whole number with an s, ms, us or ns suffix"));
        assertEquals("wsmux.max.frame.length=\"8 KiB\" is not a size: use a whole number of bytes with an optional " +
            "k, m or g suffix, such as 64k", parseError(WsmuxSettings.MAX_FRAME_LENGTH_PROP_NAME, "8 KiB"));
    }

    @Test
    void shouldParseEveryAcceptedForm()
    {
        final Properties properties = new Properties();
        properties.setProperty(WsmuxSettings.READ_BUFFER_LENGTH_PROP_NAME, "64k");
        properties.setProperty(WsmuxSettings.CORK_BUFFER_LENGTH_PROP_NAME, " 1M ");
        properties.setProperty(WsmuxSettings.OUTBOUND_BUDGET_PROP_NAME, "1g");
        properties.setProperty(WsmuxSettings.OUTBOUND_CHUNK_LENGTH_PROP_NAME, "8192");
        properties.setProperty(WsmuxSettings.IDLE_TIMEOUT_PROP_NAME, "90s");
        properties.setProperty(WsmuxSettings.PING_INTERVAL_PROP_NAME, "500ms");
        properties.setProperty(WsmuxSettings.HANDSHAKE_TIMEOUT_PROP_NAME, "250us");
        properties.setProperty(WsmuxSettings.CLOSE_TIMEOUT_PROP_NAME, "1000000");
        properties.setProperty(WsmuxSettings.SHUTDOWN_TIMEOUT_PROP_NAME, "7ns");
        properties.setProperty(WsmuxSettings.REUSE_PORT_PROP_NAME, "FALSE");
        properties.setProperty(WsmuxSettings.TCP_NODELAY_PROP_NAME, "true");
        properties.setProperty(WsmuxSettings.IDLE_MODE_PROP_NAME, "Spin");
        properties.setProperty(WsmuxSettings.OUTBOUND_OVERFLOW_PROP_NAME, "drop");
        properties.setProperty(WsmuxSettings.PORT_PROP_NAME, "0");
        properties.setProperty(WsmuxSettings.IO_THREADS_PROP_NAME, "3");
        properties.setProperty(WsmuxSettings.BIND_ADDRESS_PROP_NAME, "0.0.0.0");

        final WsmuxSettings settings = new WsmuxSettings(properties).conclude();

        assertEquals(64 * 1024, settings.readBufferLength());
        assertEquals(1024 * 1024, settings.corkBufferLength());
        assertEquals(1024 * 1024 * 1024, settings.outboundBudget());
        assertEquals(8192, settings.outboundChunkLength());
        assertEquals(TimeUnit.SECONDS.toNanos(90), settings.idleTimeoutNs());
        assertEquals(TimeUnit.MILLISECONDS.toNanos(500), settings.pingIntervalNs());
        assertEquals(TimeUnit.MICROSECONDS.toNanos(250), settings.handshakeTimeoutNs());
        assertEquals(1_000_000L, settings.closeTimeoutNs());
        assertEquals(7L, settings.shutdownTimeoutNs());
        assertFalse(settings.reusePort());
        assertTrue(settings.tcpNoDelay());
        assertEquals(IdleMode.SPIN, settings.idleMode());
        assertEquals(WsmuxSettings.OverflowPolicy.DROP, settings.outboundOverflow());
        assertEquals(0, settings.port());
        assertEquals(3, settings.ioThreads());
        assertEquals("0.0.0.0", settings.bindAddress());
    }

    @Test
    void shouldReadTopicAndConflationSettingsWithDefaultsAndZeroMeaningOff()
    {
        final WsmuxSettings defaults = new WsmuxSettings(new Properties()).conclude();
        assertEquals(64 * 1024, defaults.conflationSendBufferLength());
        assertEquals(TimeUnit.SECONDS.toNanos(30), defaults.topicReclaimDelayNs());
        assertEquals(10_000, defaults.topicMaxPerPrefix());

        final Properties properties = properties(WsmuxSettings.CONFLATION_SEND_BUFFER_PROP_NAME, "0");
        properties.setProperty(WsmuxSettings.TOPIC_RECLAIM_DELAY_PROP_NAME, "0");
        properties.setProperty(WsmuxSettings.TOPIC_MAX_PER_PREFIX_PROP_NAME, "1");
        final WsmuxSettings settings = new WsmuxSettings(properties).conclude();
        assertEquals(0, settings.conflationSendBufferLength());
        assertEquals(0L, settings.topicReclaimDelayNs());
        assertEquals(1, settings.topicMaxPerPrefix());

        final WsmuxConfigurationException ex = assertThrows(WsmuxConfigurationException.class,
            () -> new WsmuxSettings(new Properties()).conflationSendBufferLength(-1).conclude());
        assertEquals("wsmux.conflation.send.buffer must be a size of at least 0 (0: the kernel's autotuned buffer): " +
            "conflationSendBufferLength=-1", ex.getMessage());
        assertThrows(WsmuxConfigurationException.class,
            () -> new WsmuxSettings(new Properties()).topicReclaimDelayNs(-1).conclude());
    }

    @Test
    void shouldRejectUnknownPropertyNamingClosestKnownOne()
    {
        final WsmuxConfigurationException ex = assertThrows(WsmuxConfigurationException.class,
            () -> new WsmuxSettings(properties("wsmux.idle.timout", "5s")));

        assertEquals("wsmux.idle.timout=5s is not a known property: did you mean wsmux.idle.timeout? " +
            "(docs/tuning.md lists them all)", ex.getMessage());
    }

    @Test
    void shouldIgnorePropertiesOutsideItsNamespace()
    {
        final Properties properties = properties("wsmuxx.port", "abc");
        properties.setProperty("java.vendor.custom", "x");

        assertEquals(WsmuxSettings.PORT_DEFAULT, new WsmuxSettings(properties).conclude().port());
    }

    @Test
    void shouldApplySameRangeChecksToFluentSettersAtBuild()
    {
        final WsmuxServer.Builder builder = WsmuxServer.builder(new WsmuxSettings(new Properties()).port(70000))
            .anyPath(new EchoHandler());

        final WsmuxConfigurationException ex = assertThrows(WsmuxConfigurationException.class, builder::build);

        assertEquals("wsmux.port must be in [0, 65535]: port=70000", ex.getMessage());
    }

    @Test
    void shouldRejectNullEnumFromFluentSetterAtConclude()
    {
        final WsmuxConfigurationException ex = assertThrows(WsmuxConfigurationException.class,
            () -> new WsmuxSettings(new Properties()).idleMode(null).conclude());

        assertTrue(ex.getMessage().startsWith(WsmuxSettings.IDLE_MODE_PROP_NAME), ex.getMessage());
    }

    @Test
    void shouldRejectBadSystemPropertyWhenBuilderReadsThem()
    {
        final String name = WsmuxSettings.READ_BUFFER_LENGTH_PROP_NAME;
        final String previous = System.getProperty(name);
        System.setProperty(name, "abc");
        try
        {
            final WsmuxConfigurationException ex = assertThrows(WsmuxConfigurationException.class,
                () -> WsmuxServer.builder().anyPath(new EchoHandler()).build());

            assertOneLineNaming(ex.getMessage(), name, "abc");
        }
        finally
        {
            if (null == previous)
            {
                System.clearProperty(name);
            }
            else
            {
                System.setProperty(name, previous);
            }
        }
    }

    @Test
    void shouldKeepExplicitPropertiesInEchoMode()
    {
        final Properties properties = properties(WsmuxSettings.OUTBOUND_BUDGET_PROP_NAME, "4m");
        properties.setProperty(WsmuxSettings.MAX_FRAME_LENGTH_PROP_NAME, "64k");

        final WsmuxSettings settings = Main.echoMode(new WsmuxSettings(properties)).conclude();

        assertEquals(4 << 20, settings.outboundBudget());
        assertEquals(64 << 10, settings.maxFrameLength());
        assertEquals(Main.ECHO_MESSAGE_LIMIT, settings.maxMessageLength());
    }

    @Test
    void shouldRaiseLimitsForEchoModeOnlyWhenPropertiesAreUnset()
    {
        final WsmuxSettings settings = Main.echoMode(new WsmuxSettings(new Properties()));

        assertEquals(16 << 20, settings.maxFrameLength());
        assertEquals(16 << 20, settings.maxMessageLength());
        assertEquals(32 << 20, settings.outboundBudget());
        assertFalse(settings.printConfiguration());
    }

    @Test
    void shouldNotPrintNatsCredentials()
    {
        final WsmuxSettings settings = new WsmuxSettings(new Properties())
            .clusterNatsUrl("nats://wsmux:s3cret@127.0.0.1:4222,nats://t0ken@127.0.0.1:4223");

        final String text = settings.conclude().toString();
        assertTrue(text.contains(WsmuxSettings.CLUSTER_NATS_URL_PROP_NAME +
            "=nats://***@127.0.0.1:4222,nats://***@127.0.0.1:4223"), text);
        assertFalse(text.contains("s3cret") || text.contains("t0ken"), text);

        final String error = assertThrows(WsmuxConfigurationException.class,
            () -> settings.clusterNatsUrl("http://wsmux:s3cret@127.0.0.1:4222").conclude()).getMessage();
        assertTrue(error.contains("http://***@127.0.0.1:4222"), error);
        assertFalse(error.contains("s3cret"), error);
    }

    private static Properties properties(final String name, final String value)
    {
        final Properties properties = new Properties();
        properties.setProperty(name, value);
        return properties;
    }

    private static String parseError(final String name, final String value)
    {
        return assertThrows(WsmuxConfigurationException.class, () -> new WsmuxSettings(properties(name, value)))
            .getMessage();
    }

    private static void assertOneLineNaming(final String message, final String name, final String value)
    {
        assertTrue(message.contains(name), message);
        assertTrue(message.contains(value), message);
        assertFalse(message.contains("\n") || message.contains("\r"), message);
        assertFalse(message.contains("Exception"), message);
    }
}
