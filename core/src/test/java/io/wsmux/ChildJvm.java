package io.wsmux;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The jar's entry point ({@link Main}) in a JVM of its own, on this test's class path, as an operator would start
 * it: for tests that need a separate process (exit codes, a counters file read from outside, a flight recording
 * dumped on exit).
 */
final class ChildJvm
{
    private ChildJvm()
    {
    }

    /**
     * @param jvmOptions options before the main class ({@code -D...}, {@code -XX:...}).
     * @param output     where its standard output goes.
     * @param error      where its standard error goes.
     * @param args       {@link Main}'s arguments.
     * @return the started process; the caller stops it.
     * @throws IOException if it cannot be started.
     */
    static Process launch(
        final List<String> jvmOptions,
        final ProcessBuilder.Redirect output,
        final ProcessBuilder.Redirect error,
        final String... args) throws IOException
    {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("--add-exports");
        command.add("java.base/jdk.internal.misc=ALL-UNNAMED");
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(Main.class.getName());
        command.addAll(List.of(args));
        final ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(output).redirectError(error);
        // the launcher would announce these on standard error ("Picked up ..."), a line that is not ours
        builder.environment().remove("JAVA_TOOL_OPTIONS");
        builder.environment().remove("JDK_JAVA_OPTIONS");
        builder.environment().remove("_JAVA_OPTIONS");
        return builder.start();
    }
}
