package io.wsmux.cluster;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A nats-server for a test: Debian's package (scripts/test.sh installs it when missing), started on a free loopback
 * port with JetStream in a temporary directory, stopped by its process (never by name), restartable on the same port.
 * Extra arguments (authentication options, {@code -c} with a configuration file written by {@link #writeConfig})
 * go after the address, port and JetStream options, which the command line sets even with a configuration file.
 */
public final class NatsServerProcess implements AutoCloseable
{
    private static final String BINARY = System.getProperty("nats.server.path", "/usr/sbin/nats-server");

    private final String host;
    private final int port;
    private final Path storeDirectory;
    private final File log;
    private List<String> extraArgs;
    private Process process;

    private NatsServerProcess(final String host, final int port, final Path storeDirectory, final String... extraArgs)
    {
        this.host = host;
        this.port = port;
        this.storeDirectory = storeDirectory;
        this.log = storeDirectory.resolve("nats-server.log").toFile();
        this.extraArgs = List.of(extraArgs);
    }

    /**
     * @param storeDirectory where JetStream keeps its data (a test's temporary directory).
     * @return a running server.
     * @throws Exception if it cannot start.
     */
    public static NatsServerProcess start(final Path storeDirectory) throws Exception
    {
        return start(storeDirectory, "127.0.0.1");
    }

    /**
     * @param storeDirectory where JetStream keeps its data, the log and configuration files.
     * @param host           the loopback address to listen on (127.0.0.1, or another of 127.0.0.0/8).
     * @param extraArgs      more nats-server arguments, e.g. {@code --user u --pass p} or {@code -c FILE}.
     * @return a running server.
     * @throws Exception if it cannot start.
     */
    public static NatsServerProcess start(final Path storeDirectory, final String host, final String... extraArgs)
        throws Exception
    {
        assertTrue(new File(BINARY).canExecute(),
            "nats-server is needed at " + BINARY + " (Debian package nats-server; scripts/test.sh installs it)");
        final int port;
        try (ServerSocket probe = new ServerSocket(0))
        {
            port = probe.getLocalPort();
        }
        final NatsServerProcess server = new NatsServerProcess(host, port, storeDirectory, extraArgs);
        server.restart();
        return server;
    }

    /**
     * Write a nats-server configuration file, for {@code -c}.
     *
     * @param directory where.
     * @param text      its content, e.g. {@code tls { cert_file: "..." key_file: "..." }}.
     * @return the file.
     * @throws IOException if it cannot be written.
     */
    public static Path writeConfig(final Path directory, final String text) throws IOException
    {
        return Files.writeString(Files.createTempFile(directory, "nats-", ".conf"), text);
    }

    /**
     * Start it again on the same port, with other extra arguments (after {@link #kill}).
     *
     * @param extraArgs the new extra arguments.
     * @throws Exception if it does not listen within 10 s.
     */
    public void restartWith(final String... extraArgs) throws Exception
    {
        this.extraArgs = List.of(extraArgs);
        restart();
    }

    /**
     * Start it again on the same port (after {@link #kill}).
     *
     * @throws Exception if it does not listen within 10 s.
     */
    public void restart() throws Exception
    {
        final List<String> command = new ArrayList<>(List.of(BINARY, "-a", host, "-p", String.valueOf(port), "-js",
            "-sd", storeDirectory.toString()));
        command.addAll(extraArgs);
        process = new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log))
            .start();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline)
        {
            try (Socket socket = new Socket())
            {
                socket.connect(new InetSocketAddress(host, port), 200);
                return;
            }
            catch (final IOException ex)
            {
                if (!process.isAlive())
                {
                    fail("nats-server exited at start: " + lastLines());
                }
                Thread.sleep(20);
            }
        }
        fail("nats-server does not listen on " + port + " after 10 s (see " + log + ")");
    }

    /** The end of the server's log, where it says why it did not start. */
    private String lastLines() throws IOException
    {
        final List<String> lines = Files.readAllLines(log.toPath());
        return String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
    }

    /**
     * @return the URL clients connect to.
     */
    public String url()
    {
        return "nats://" + host + ":" + port;
    }

    /**
     * @param userInfo {@code user:password} or a token.
     * @return the URL clients connect to, with these credentials.
     */
    public String url(final String userInfo)
    {
        return "nats://" + userInfo + "@" + host + ":" + port;
    }

    /**
     * @return the port it listens on.
     */
    public int port()
    {
        return port;
    }

    /**
     * Stop the server at once (SIGKILL), as a crash would.
     *
     * @throws InterruptedException if interrupted while waiting for it to exit.
     */
    public void kill() throws InterruptedException
    {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException
    {
        if (null != process && process.isAlive())
        {
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS))
            {
                kill();
            }
        }
    }
}
