package io.wsmux.perf.load;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Builds the native fan-out load client, {@code perf/src/main/c/fanout_client.c}: the C twin of
 * {@link FanOutScenario} (one thread, epoll, libc only), light enough that the server, not the client, runs out of
 * CPU. The build packages the source in the perf jar ({@value #SOURCE_RESOURCE}), so this works from the jar as
 * from the classes directory, whatever the working directory: the source is written out next to the binary, to
 * {@code native/} beside the jar or the classes directory ({@code perf/target/native/}, or the directory in the
 * system property {@value #DIRECTORY_PROPERTY}), and compiled with gcc when the binary is missing or older than
 * the source. Editing the C file takes a rebuild of the jar ({@code mvn -o -q package -pl perf -DskipTests}) to be
 * seen here.
 * <p>
 * {@code java -cp perf/target/wsmux-perf.jar io.wsmux.perf.load.NativeClient} builds it and prints its path; run
 * the binary with {@code --help} for its options.
 */
public final class NativeClient
{
    /** Where the build puts the C source in the jar. */
    public static final String SOURCE_RESOURCE = "/io/wsmux/perf/load/native/fanout_client.c";
    /** The directory to build in, instead of {@code native/} beside the jar or classes directory. */
    public static final String DIRECTORY_PROPERTY = "wsmux.native.dir";
    /** The compiler and its flags. */
    public static final List<String> COMPILE_COMMAND =
        List.of("gcc", "-O2", "-std=c11", "-Wall", "-Wextra", "-Werror", "-D_GNU_SOURCE");

    private static final String SOURCE_NAME = "fanout_client.c";
    private static final String BINARY_NAME = "fanout_client";
    private static final long COMPILE_TIMEOUT_S = 120;

    private NativeClient()
    {
    }

    /**
     * Print the path of the built client; on failure one line on standard error and exit status 1.
     *
     * @param args none.
     */
    public static void main(final String[] args)
    {
        try
        {
            System.out.println(build());
        }
        catch (final IOException ex)
        {
            System.err.println("NativeClient: " + ex.getMessage());
            System.exit(1);
        }
    }

    /**
     * Build the client in the default directory if it is missing or older than its source.
     *
     * @return the executable.
     * @throws IOException if the source cannot be read or written, or gcc fails (its output in the message).
     */
    public static Path build() throws IOException
    {
        return build(defaultDirectory());
    }

    /**
     * Build the client in a directory if it is missing or older than its source.
     *
     * @param directory where the source is written and the executable built; created if needed.
     * @return the executable.
     * @throws IOException if the source cannot be read or written, or gcc fails (its output in the message).
     */
    public static synchronized Path build(final Path directory) throws IOException
    {
        Files.createDirectories(directory);
        final byte[] source = readSource();
        final Path sourceFile = directory.resolve(SOURCE_NAME);
        if (!Files.exists(sourceFile) || !Arrays.equals(source, Files.readAllBytes(sourceFile)))
        {
            // Only a changed source is rewritten: its time then says whether the binary is stale.
            final Path temporary = Files.createTempFile(directory, SOURCE_NAME, ".tmp");
            Files.write(temporary, source);
            Files.move(temporary, sourceFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        final Path binary = directory.resolve(BINARY_NAME);
        if (!Files.isExecutable(binary) ||
            Files.getLastModifiedTime(binary).compareTo(Files.getLastModifiedTime(sourceFile)) < 0)
        {
            compile(sourceFile, binary);
        }
        return binary;
    }

    /**
     * @return true if {@code gcc --version} runs.
     */
    public static boolean compilerAvailable()
    {
        try
        {
            final Process process = new ProcessBuilder(COMPILE_COMMAND.get(0), "--version")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!process.waitFor(30, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
                return false;
            }
            return 0 == process.exitValue();
        }
        catch (final IOException ex)
        {
            return false;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * @return {@value #DIRECTORY_PROPERTY} if set, else {@code native/} beside the jar or classes directory this
     * class was loaded from.
     */
    static Path defaultDirectory()
    {
        final String configured = System.getProperty(DIRECTORY_PROPERTY);
        if (null != configured && !configured.isEmpty())
        {
            return Path.of(configured);
        }
        try
        {
            final Path codeSource =
                Path.of(NativeClient.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return codeSource.toAbsolutePath().getParent().resolve("native");
        }
        catch (final URISyntaxException | RuntimeException ex)
        {
            return Path.of("perf", "target", "native");
        }
    }

    private static byte[] readSource() throws IOException
    {
        try (InputStream in = NativeClient.class.getResourceAsStream(SOURCE_RESOURCE))
        {
            if (null == in)
            {
                throw new IOException(SOURCE_RESOURCE + " is not on the class path: build the perf module");
            }
            return in.readAllBytes();
        }
    }

    private static void compile(final Path sourceFile, final Path binary) throws IOException
    {
        final Path temporary = binary.resolveSibling(BINARY_NAME + ".tmp" + ProcessHandle.current().pid());
        final List<String> command = new ArrayList<>(COMPILE_COMMAND);
        command.add("-o");
        command.add(temporary.toString());
        command.add(sourceFile.toString());
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        final String output;
        try
        {
            output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(COMPILE_TIMEOUT_S, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
                throw new IOException(String.join(" ", command) + " did not finish in " + COMPILE_TIMEOUT_S + " s");
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new IOException("interrupted while compiling " + sourceFile, ex);
        }
        if (0 != process.exitValue())
        {
            Files.deleteIfExists(temporary);
            throw new IOException(String.join(" ", command) + " failed (" + process.exitValue() + "): " + output);
        }
        Files.move(temporary, binary, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
