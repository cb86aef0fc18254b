package io.wsmux.perf.load;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The perf suite's load generator: one command, three scenarios, driven by the project's own client loop so that
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
     * @param args {@code <echo|fanout|connections> [options]}; {@code --help} lists the options.
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
        switch (options.scenario())
        {
            case LoadOptions.ECHO:
                return EchoScenario.run(options);
            case LoadOptions.FANOUT:
                return FanOutScenario.run(options);
            case LoadOptions.CONNECTIONS:
                return ConnectionsScenario.run(options);
            default:
                throw new IllegalArgumentException("unknown scenario: " + options.scenario());
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
