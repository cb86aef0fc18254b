package io.wsmux.cluster;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A nats-server for a test: Debian's package (scripts/test.sh installs it when missing), started on a free loopback
 * port with JetStream in a temporary directory, stopped by its process (never by name), restartable on the same port.
 */
public final class NatsServerProcess implements AutoCloseable
{
    private static final String BINARY = System.getProperty("nats.server.path", "/usr/sbin/nats-server");

    private final int port;
    private final Path storeDirectory;
    private final File log;
    private Process process;

    private NatsServerProcess(final int port, final Path storeDirectory)
    {
        this.port = port;
        this.storeDirectory = storeDirectory;
        this.log = storeDirectory.resolve("nats-server.log").toFile();
    }

    /**
     * @param storeDirectory where JetStream keeps its data (a test's temporary directory).
     * @return a running server.
     * @throws Exception if it cannot start.
     */
    public static NatsServerProcess start(final Path storeDirectory) throws Exception
    {
        assertTrue(new File(BINARY).canExecute(),
            "nats-server is needed at " + BINARY + " (Debian package nats-server; scripts/test.sh installs it)");
        final int port;
        try (ServerSocket probe = new ServerSocket(0))
        {
            port = probe.getLocalPort();
        }
        final NatsServerProcess server = new NatsServerProcess(port, storeDirectory);
        server.restart();
        return server;
    }

    /**
     * Start it again on the same port (after {@link #kill}).
     *
     * @throws Exception if it does not listen within 10 s.
     */
    public void restart() throws Exception
    {
        process = new ProcessBuilder(BINARY, "-a", "127.0.0.1", "-p", String.valueOf(port), "-js", "-sd",
            storeDirectory.toString())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log))
            .start();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline)
        {
            try (Socket socket = new Socket())
            {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            }
            catch (final IOException ex)
            {
                if (!process.isAlive())
                {
                    fail("nats-server exited at start (see " + log + ")");
                }
                Thread.sleep(20);
            }
        }
        fail("nats-server does not listen on " + port + " after 10 s (see " + log + ")");
    }

    /**
     * @return the URL clients connect to.
     */
    public String url()
    {
        return "nats://127.0.0.1:" + port;
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
