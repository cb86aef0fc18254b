package io.wsmux.perf;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The cluster {@link ClusterComparison} measures: one nats-server with JetStream (its store in a temporary
 * directory) and three wsmux nodes in fanout mode, each a child process on free loopback ports, started in that
 * order and stopped by their own handles in the reverse one ({@link #close()}: also after a failed start, and by
 * {@link ChildProcess}'s shutdown hook if the runner is interrupted). Reads the NATS server's message counters from
 * its monitoring endpoint ({@code /varz}).
 * <p>
 * Not thread safe: owned by the runner's thread.
 */
final class ClusterProcesses implements AutoCloseable
{
    /** The nodes, in order: the publisher is always on the first. */
    static final List<String> NODES = List.of("a", "b", "c");

    private static final int NATS_START_SECONDS = 10;
    private static final int NODE_START_SECONDS = 30;
    private static final int VERSION_SECONDS = 5;
    private static final Duration VARZ_TIMEOUT = Duration.ofSeconds(5);
    private static final Pattern IN_MSGS = Pattern.compile("\"in_msgs\"\\s*:\\s*(\\d+)");
    private static final Pattern OUT_MSGS = Pattern.compile("\"out_msgs\"\\s*:\\s*(\\d+)");

    /**
     * NATS's message counters at one moment.
     *
     * @param inMsgs  messages clients published to it.
     * @param outMsgs messages it delivered to clients.
     */
    record NatsCounts(long inMsgs, long outMsgs)
    {
    }

    private final Path storeDirectory;
    private final List<ChildProcess> started = new ArrayList<>();
    private final Map<String, ChildProcess> nodes = new LinkedHashMap<>();
    private final Map<String, Integer> nodePorts = new LinkedHashMap<>();
    private final Map<String, String> commands = new LinkedHashMap<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(VARZ_TIMEOUT).build();
    private String natsVersion = "?";
    private ChildProcess nats;
    private int natsPort;
    private int monitorPort;

    private ClusterProcesses(final Path storeDirectory)
    {
        this.storeDirectory = storeDirectory;
    }

    /**
     * Start nats-server, then the three nodes, each once its predecessor is ready.
     *
     * @param natsServer the nats-server binary.
     * @param nodeLaunch how each node's JVM is started, before {@code --port}: {@link ClusterComparison.Options}.
     * @return the running cluster.
     * @throws IOException naming what did not start, with its output; everything started is stopped first.
     * @throws InterruptedException if interrupted.
     */
    static ClusterProcesses start(final String natsServer, final NodeLaunch nodeLaunch)
        throws IOException, InterruptedException
    {
        final ClusterProcesses cluster = new ClusterProcesses(Files.createTempDirectory("wsmux-cluster-nats"));
        boolean ok = false;
        try
        {
            cluster.startNats(natsServer);
            for (final String node : NODES)
            {
                cluster.startNode(node, nodeLaunch);
            }
            ok = true;
            return cluster;
        }
        finally
        {
            if (!ok)
            {
                cluster.close();
            }
        }
    }

    /**
     * How a node is started.
     */
    @FunctionalInterface
    interface NodeLaunch
    {
        /**
         * @param node    its name.
         * @param port    its port.
         * @param natsUrl the cluster's NATS.
         * @return its command.
         */
        List<String> command(String node, int port, String natsUrl);
    }

    private void startNats(final String binary) throws IOException, InterruptedException
    {
        try (ChildProcess version = ChildProcess.start(List.of(binary, "--version"), true))
        {
            if (version.waitFor(VERSION_SECONDS, TimeUnit.SECONDS) && !version.stdout().isEmpty())
            {
                natsVersion = version.stdout().get(0).replace("nats-server: ", "").trim();
            }
        }
        natsPort = freePort();
        monitorPort = freePort();
        final List<String> command = List.of(binary, "-a", "127.0.0.1", "-p", String.valueOf(natsPort),
            "-m", String.valueOf(monitorPort), "-js", "-sd", storeDirectory.toString());
        commands.put("nats-server", String.join(" ", command));
        nats = ChildProcess.start(command, true);
        started.add(nats);
        nats.awaitLine("Server is ready", NATS_START_SECONDS, TimeUnit.SECONDS);
    }

    private void startNode(final String node, final NodeLaunch launch) throws IOException, InterruptedException
    {
        final int port = freePort();
        final List<String> command = launch.command(node, port, natsUrl());
        commands.put("node " + node, FanOutComparison.shellLine(command));
        final ChildProcess process = ChildProcess.start(command, true);
        started.add(process);
        nodes.put(node, process);
        nodePorts.put(node, port);
        process.awaitLine("listening", NODE_START_SECONDS, TimeUnit.SECONDS);
        process.awaitLine("in the cluster", NODE_START_SECONDS, TimeUnit.SECONDS);
    }

    private static int freePort() throws IOException
    {
        try (ServerSocket socket = new ServerSocket(0))
        {
            return socket.getLocalPort();
        }
    }

    /**
     * @return the URL the nodes connect to.
     */
    String natsUrl()
    {
        return "nats://127.0.0.1:" + natsPort;
    }

    /**
     * @return what {@code nats-server --version} said, e.g. {@code v2.9.10}.
     */
    String natsVersion()
    {
        return natsVersion;
    }

    /**
     * @param node a node's name.
     * @return its WebSocket URL.
     */
    String url(final String node)
    {
        return "ws://127.0.0.1:" + nodePorts.get(node) + "/";
    }

    /**
     * @param node a node's name.
     * @return its process id.
     */
    long pid(final String node)
    {
        return nodes.get(node).pid();
    }

    /**
     * @return how each process was started, by name, in order.
     */
    Map<String, String> commands()
    {
        return commands;
    }

    /**
     * @return null while nats-server and every node run, else which one exited and its last output.
     */
    String deadProcess()
    {
        if (!nats.isAlive())
        {
            return "nats-server exited:\n" + nats.output();
        }
        for (final Map.Entry<String, ChildProcess> node : nodes.entrySet())
        {
            if (!node.getValue().isAlive())
            {
                return "node " + node.getKey() + " exited:\n" + node.getValue().output();
            }
        }
        return null;
    }

    /**
     * @return NATS's message counters now.
     * @throws IOException if the monitoring endpoint does not answer with them.
     * @throws InterruptedException if interrupted.
     */
    NatsCounts natsCounts() throws IOException, InterruptedException
    {
        final HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + monitorPort + "/varz"))
            .timeout(VARZ_TIMEOUT).GET().build();
        final String body = http.send(request, HttpResponse.BodyHandlers.ofString()).body();
        return new NatsCounts(counter(IN_MSGS, body), counter(OUT_MSGS, body));
    }

    private static long counter(final Pattern pattern, final String varz) throws IOException
    {
        final Matcher matcher = pattern.matcher(varz);
        if (!matcher.find())
        {
            throw new IOException("nats-server's /varz has no " + pattern.pattern() + ": " +
                varz.substring(0, Math.min(200, varz.length())));
        }
        return Long.parseLong(matcher.group(1));
    }

    /**
     * Stop every process by its own handle, the nodes before NATS, and remove the JetStream store.
     *
     * @throws InterruptedException if interrupted.
     */
    @Override
    public void close() throws InterruptedException
    {
        for (int i = started.size() - 1; i >= 0; i--)
        {
            started.get(i).stop();
        }
        started.clear();
        try (Stream<Path> files = Files.walk(storeDirectory))
        {
            for (final Path file : files.sorted(Comparator.reverseOrder()).toList())
            {
                Files.deleteIfExists(file);
            }
        }
        catch (final IOException ex)
        {
            // A temporary directory left behind: nothing to stop the run for.
        }
    }
}
