package io.wsmux.perf.load;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.HdrHistogram.Histogram;

/**
 * The perf suite's load generator: one command, four scenarios, driven by the project's own client loop so that
 * the client is not the bottleneck.
 * <pre>
 * java -cp perf/target/wsmux-perf.jar io.wsmux.perf.load.LoadGenerator echo --connections 100 --in-flight 10
 * </pre>
 * Agrona needs {@code --add-exports java.base/jdk.internal.misc=ALL-UNNAMED}; without it the command restarts
 * itself in a JVM that has it (one more JVM start-up).
 * <pre>
 * </pre>
 * <ul>
 *     <li>{@code echo}: binary echo throughput (closed loop, K in flight) or latency at a fixed rate (open loop,
 *     corrected for coordinated omission), every echo checked: {@link EchoScenario}.</li>
 *     <li>{@code fanout}: topic fan-out over the text multiplex protocol, deliveries per second and
 *     publish-to-receive latency, every delivery checked: {@link FanOutScenario}.</li>
 *     <li>{@code connections}: idle connections, handshakes per second and the server's memory per connection,
 *     over several client processes when needed: {@link ConnectionsScenario}.</li>
 * </ul>
 * {@code fanout} and {@code connections} take {@code --transport xhr-streaming}: subscribers, or idle connections,
 * are then SockJS sessions over xhr_streaming ({@link XhrStreamingSession}).
 * <ul>
 *     <li>{@code handshakes}: connections opened and closed again, a fixed number at once, as fast as the server
 *     takes them; with {@code wss://} every one a full TLS handshake: {@link HandshakeScenario}.</li>
 * </ul>
 * Every scenario speaks {@code wss://} too ({@code --trust}, {@code --tls-protocol}, {@code --tls-cipher}): each
 * connection's TLS engine comes from a fresh JDK context ({@link ClientTls}), so none resumes a session, and the
 * RESULT line then names the protocol and cipher suite negotiated ({@code tlsProtocol}, {@code tlsCipher}).
 * A progress line a second goes to stderr; one {@code RESULT key=value ...} line to stdout; {@code --json FILE}
 * writes the result as JSON ({@link ResultFormat}). Exit status: 0, 1 if the run had errors, 2 on bad usage. Each
 * scenario is also callable from Java ({@link #run(LoadOptions)}), as the smoke test does.
 */
public final class LoadGenerator
{
    private static final int EXIT_ERRORS = 1;
    private static final int EXIT_USAGE = 2;
    /** What every JVM running Agrona needs; see the parent pom's wsmux.jvm.args. */
    static final String AGRONA_EXPORTS = "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED";

    private LoadGenerator()
    {
    }

    /**
     * @param args {@code <echo|fanout|connections|handshakes> [options]}; {@code --help} lists the options.
     */
    public static void main(final String[] args)
    {
        if (!Object.class.getModule().isExported("jdk.internal.misc", LoadGenerator.class.getModule()))
        {
            System.exit(relaunchWithExports(args));
            return;
        }

        final LoadOptions options;
        try
        {
            options = LoadOptions.parse(args);
            if (options.help())
            {
                LoadOptions.usage(System.out);
                return;
            }
            options.conclude();
            options.clientTls(); // a trust file that does not load is a usage error, said once
        }
        catch (final IllegalArgumentException ex)
        {
            System.err.println("load: " + ex.getMessage());
            System.err.println();
            LoadOptions.usage(System.err);
            System.exit(EXIT_USAGE);
            return;
        }

        final ScenarioResult result = run(options);
        System.out.println(ResultFormat.line(result));
        System.out.flush();
        if (null != options.jsonPath())
        {
            try
            {
                writeJson(Path.of(options.jsonPath()), ResultFormat.json(result));
            }
            catch (final IOException ex)
            {
                System.err.println("load: cannot write " + options.jsonPath() + ": " + ex);
                System.exit(EXIT_ERRORS);
            }
        }
        System.exit(result.errors().total() > 0 ? EXIT_ERRORS : 0);
    }

    /**
     * Run the scenario the options name.
     *
     * @param options concluded by the scenario.
     * @return what it measured.
     */
    public static ScenarioResult run(final LoadOptions options)
    {
        final ScenarioResult result;
        switch (options.scenario())
        {
            case LoadOptions.ECHO:
                result = EchoScenario.run(options);
                break;
            case LoadOptions.FANOUT:
                result = FanOutScenario.run(options);
                break;
            case LoadOptions.CONNECTIONS:
                result = ConnectionsScenario.run(options);
                break;
            case LoadOptions.HANDSHAKES:
                result = HandshakeScenario.run(options);
                break;
            default:
                throw new IllegalArgumentException("unknown scenario: " + options.scenario());
        }
        final ClientTls tls = options.clientTls();
        return null == tls || result.fields().containsKey("tlsProtocol") ? result : new WithTls(result, tls);
    }

    /**
     * A result with what its TLS connections negotiated after its own fields.
     *
     * @param result the scenario's result.
     * @param tls    the run's TLS.
     */
    private record WithTls(ScenarioResult result, ClientTls tls) implements ScenarioResult
    {
        @Override
        public String scenario()
        {
            return result.scenario();
        }

        @Override
        public String label()
        {
            return result.label();
        }

        @Override
        public Map<String, Object> fields()
        {
            final Map<String, Object> fields = new LinkedHashMap<>(result.fields());
            fields.put("tlsProtocol", tls.negotiatedProtocol());
            fields.put("tlsCipher", tls.negotiatedCipherSuite());
            fields.put("tlsEngines", tls.engines());
            return fields;
        }

        @Override
        public LatencySummary latency()
        {
            return result.latency();
        }

        @Override
        public Histogram histogram()
        {
            return result.histogram();
        }

        @Override
        public ErrorCounts errors()
        {
            return result.errors();
        }
    }

    /**
     * Agrona reaches {@code jdk.internal.misc.Unsafe}, which {@code java -cp} does not export (only the shaded jar's
     * manifest does, for {@code java -jar}): run this command again in a JVM that has the export, same classpath,
     * same flags, sharing this one's standard streams.
     *
     * @return the child's exit status.
     */
    private static int relaunchWithExports(final String[] args)
    {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add(AGRONA_EXPORTS);
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(LoadGenerator.class.getName());
        command.addAll(List.of(args));
        try
        {
            return new ProcessBuilder(command).inheritIO().start().waitFor();
        }
        catch (final IOException ex)
        {
            System.err.println("load: cannot start " + command.get(0) + ": " + ex);
            return EXIT_USAGE;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return EXIT_ERRORS;
        }
    }

    /**
     * Write one JSON object: a {@code .jsonl} file gets it appended as one line, any other file is replaced.
     */
    private static void writeJson(final Path path, final String json) throws IOException
    {
        final byte[] bytes = (json + System.lineSeparator()).getBytes(StandardCharsets.UTF_8);
        if (path.getFileName().toString().endsWith(".jsonl"))
        {
            Files.write(path, bytes, StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
        }
        else
        {
            Files.write(path, bytes);
        }
    }
}
