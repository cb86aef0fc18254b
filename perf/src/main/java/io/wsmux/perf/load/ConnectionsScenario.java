package io.wsmux.perf.load;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.wsmux.client.ClientHandler;
import io.wsmux.client.WebSocketClientConnection;

/**
 * The connections scenario: C idle WebSocket connections (a plain upgrade to the URL's path, nothing sent after),
 * spread over loopback source addresses, held open for a while. Reports handshakes per second and, given the
 * server's pid, its RSS, its heap after a full GC and the kernel's slab memory with half the connections open and
 * with all of them, and the difference per connection of the second half (the slope, which leaves out what the
 * server pays once); before that it opens and closes {@code --warmup-connections}. Spread over child processes, the
 * first sample is taken before any connection.
 * <p>
 * One process may hold at most {@code --per-process} connections (the open-files hard limit is 20,000 here); above
 * that the run spreads them over child JVMs of this class with the same classpath, each on its own block of source
 * addresses, and drives them over their standard input and output:
 * <pre>
 * child -&gt; parent   STARTED                              JVM up, client loops running
 * parent -&gt; child   go                                   open your share now
 * child -&gt; parent   PROGRESS opened=N failed=F open=O    every second
 * child -&gt; parent   READY opened=N failed=F openNs=T     all handshakes done
 * parent -&gt; child   close                                (after the hold) close and report
 * child -&gt; parent   RESULT scenario=connections ...      the child's result line, then it exits
 * </pre>
 * Handshakes per second over several processes are all connections over the time from {@code go} to the last
 * {@code READY}.
 * <p>
 * With {@code --transport xhr-streaming} each connection is an idle SockJS session instead ({@link
 * XhrStreamingSession}): it POSTs xhr_streaming under {@code --sockjs-prefix}, reads the prelude and the {@code o}
 * frame (its "handshake"), then holds the response open, one TCP connection per session, the server's heartbeats
 * aside. Closed sessions stay in the server's table for its disconnect delay, so after the warm-up such a run waits
 * {@link #SOCKJS_LINGER_MS} before the first sample. Not thread safe: {@link #run} owns the run on the calling
 * thread.
 */
public final class ConnectionsScenario
{
    private static final String MAIN_CLASS = LoadGenerator.class.getName();
    private static final long CHILD_START_TIMEOUT_S = 120;
    private static final long CHILD_EXIT_TIMEOUT_S = 120;
    private static final long PROGRESS_INTERVAL_MS = 1000;
    private static final int SCRATCH_LENGTH = 1024;
    /**
     * The wait after closing the warm-up's SockJS sessions: the server keeps a closed session (and answers its
     * requests with the close frame) for {@code wsmux.sockjs.disconnect.delay}, 5 s by default; 1 s more for its
     * timer wheel.
     */
    static final long SOCKJS_LINGER_MS = 6_000;

    private ConnectionsScenario()
    {
    }

    /**
     * Run the scenario.
     *
     * @param options {@link LoadOptions#conclude() concluded} here.
     * @return what was measured.
     */
    public static ConnectionsResult run(final LoadOptions options)
    {
        options.scenario(LoadOptions.CONNECTIONS).conclude();
        if (options.child())
        {
            return runChild(options);
        }
        final Errors errors = new Errors();
        final long pid = options.serverPid();
        final ServerProbe.MemorySample none = ServerProbe.MemorySample.NONE;
        if (pid > 0)
        {
            warmUp(options, errors);
        }
        if (options.connections() <= options.perProcess())
        {
            // The slope: memory with half the connections open, then with all; what the second half added is the
            // cost of a connection, table growth included, with no one-off cost of the server's in it.
            final Local local = new Local(options, errors, !options.quiet());
            ServerProbe.MemorySample before = none;
            ServerProbe.MemorySample after = none;
            int openedBefore = 0;
            try
            {
                final int firstHalf = pid > 0 ? options.connections() / 2 : 0;
                if (firstHalf > 0)
                {
                    local.open(firstHalf);
                    before = ServerProbe.sample(pid, options.settleNs());
                    openedBefore = local.connector.opened();
                }
                local.open(options.connections() - firstHalf);
                if (pid > 0)
                {
                    after = ServerProbe.sample(pid, options.settleNs());
                }
                Sleeps.until(local.holdStartNs + options.holdNs());
            }
            finally
            {
                local.close();
            }
            final int opened = local.connector.opened();
            return result(options, 1, opened, local.connector.failed(), local.openNs, before, after,
                opened - openedBefore, errors);
        }
        final ServerProbe.MemorySample before = pid > 0 ? ServerProbe.sample(pid, options.settleNs()) : none;
        final ServerProbe.MemorySample[] after = {none};
        final Runnable sampleAfter = () ->
        {
            if (pid > 0)
            {
                after[0] = ServerProbe.sample(pid, options.settleNs());
            }
        };
        return runChildren(options, errors, before, after, sampleAfter);
    }

    /**
     * Open and close the warm-up connections, so that what the server pays once (compiling its handshake path,
     * growing buffer pools, touching heap pages) is in the first memory sample and not counted per connection.
     */
    private static void warmUp(final LoadOptions options, final Errors errors)
    {
        final int count = Math.min(options.warmupConnections(), Math.min(options.connections(), options.perProcess()));
        if (0 == count)
        {
            return;
        }
        final Local local = new Local(options, errors, false);
        try
        {
            local.open(count);
        }
        finally
        {
            local.close();
        }
        if (options.xhrStreaming())
        {
            Sleeps.ms(SOCKJS_LINGER_MS);
        }
    }

    /**
     * In-process: open, hold, close.
     */
    private static final class Local
    {
        final LoadOptions options;
        final Connector connector = new Connector();
        final IdleHandler handler;
        /** The WebSocket loops, or null over xhr-streaming. */
        final LoadClients clients;
        /** The SockJS loops, or null over WebSockets. */
        final XhrStreamingClients sockJs;
        final ClientLoops loops;
        final Progress progress;
        long openNs;
        long holdStartNs;

        Local(final LoadOptions options, final Errors errors, final boolean showProgress)
        {
            this.options = options;
            this.handler = new IdleHandler(errors);
            if (options.xhrStreaming())
            {
                this.clients = null;
                this.sockJs = new XhrStreamingClients(
                    options.clientThreads(), options.url(), options.sockJsPrefix(), SCRATCH_LENGTH, errors);
                this.loops = sockJs;
            }
            else
            {
                this.clients = new LoadClients(options.clientThreads(), SCRATCH_LENGTH, errors, options.deflate(),
                    options.clientTls());
                this.sockJs = null;
                this.loops = clients;
            }
            this.progress = Progress.start(!showProgress, "connections", () -> handler.phase, "handshakes/s",
                connector::opened, loops::openConnections, errors::total);
        }

        /**
         * @param count connections to open now, beside any already open.
         */
        void open(final int count)
        {
            if (null != sockJs)
            {
                connector.openAll(sockJs, count, (i) -> handler, options.sourceSocketAddresses(),
                    options.connectConcurrency(), options.connectTimeoutNs(), handler.errors);
            }
            else
            {
                connector.openAll(clients, options.url(), null, count, (i) -> handler,
                    options.sourceSocketAddresses(), options.connectConcurrency(), options.connectTimeoutNs(),
                    handler.errors);
            }
            openNs += connector.durationNs();
            holdStartNs = System.nanoTime();
            handler.phase = "hold";
        }

        void close()
        {
            handler.phase = "close";
            handler.closing = true;
            progress.close();
            loops.close();
        }
    }

    private static ConnectionsResult runChild(final LoadOptions options)
    {
        final Errors errors = new Errors();
        final PrintStream out = System.out;
        final BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        final Local local = new Local(options, errors, false);
        out.println("STARTED");
        out.flush();
        final Thread reporter = new Thread(() ->
        {
            while (!Thread.currentThread().isInterrupted())
            {
                out.println("PROGRESS opened=" + local.connector.opened() + " failed=" + local.connector.failed() +
                    " open=" + local.loops.openConnections());
                out.flush();
                try
                {
                    Thread.sleep(PROGRESS_INTERVAL_MS);
                }
                catch (final InterruptedException ex)
                {
                    return;
                }
            }
        }, "load-child-progress");
        reporter.setDaemon(true);
        try
        {
            final String go = in.readLine();
            if (!"go".equals(go))
            {
                throw new IllegalStateException("child expected go, got " + go);
            }
            reporter.start();
            local.open(options.connections());
            out.println("READY opened=" + local.connector.opened() + " failed=" + local.connector.failed() +
                " openNs=" + local.openNs);
            out.flush();
            in.readLine(); // "close", or the parent is gone (EOF)
        }
        catch (final IOException ex)
        {
            errors.add(ErrorKind.CHILD_FAILED, 1);
            errors.log("child lost its parent: " + ex);
        }
        finally
        {
            reporter.interrupt();
            local.close();
        }
        final ServerProbe.MemorySample none = ServerProbe.MemorySample.NONE;
        return result(options, 1, local.connector.opened(), local.connector.failed(), local.openNs, none, none,
            local.connector.opened(), errors);
    }

    /**
     * A child process and what it reported, read by a thread of its own.
     */
    private static final class Child
    {
        final int number;
        final int share;
        final Process process;
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch ready = new CountDownLatch(1);
        final CountDownLatch finished = new CountDownLatch(1);
        volatile long opened;
        volatile long failed;
        volatile long open;
        volatile long readyAtNs;
        volatile Map<String, String> result;

        Child(final int number, final int share, final Process process)
        {
            this.number = number;
            this.share = share;
            this.process = process;
        }

        void read()
        {
            try (BufferedReader reader = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)))
            {
                String line;
                while (null != (line = reader.readLine()))
                {
                    if (line.startsWith("STARTED"))
                    {
                        started.countDown();
                    }
                    else if (line.startsWith("PROGRESS"))
                    {
                        final Map<String, String> values = keyValues(line);
                        opened = Long.parseLong(values.getOrDefault("opened", "0"));
                        failed = Long.parseLong(values.getOrDefault("failed", "0"));
                        open = Long.parseLong(values.getOrDefault("open", "0"));
                    }
                    else if (line.startsWith("READY"))
                    {
                        readyAtNs = System.nanoTime();
                        opened = Long.parseLong(keyValues(line).getOrDefault("opened", "0"));
                        ready.countDown();
                    }
                    else if (line.startsWith("RESULT"))
                    {
                        result = keyValues(line);
                    }
                }
            }
            catch (final IOException | RuntimeException ex)
            {
                System.err.println("child " + number + ": " + ex);
            }
            finally
            {
                open = 0;
                started.countDown();
                ready.countDown();
                finished.countDown();
            }
        }

        void send(final String command)
        {
            try
            {
                final OutputStream stdin = process.getOutputStream();
                stdin.write((command + "\n").getBytes(StandardCharsets.UTF_8));
                stdin.flush();
            }
            catch (final IOException ex)
            {
                System.err.println("child " + number + ": cannot send " + command + ": " + ex);
            }
        }
    }

    private static ConnectionsResult runChildren(
        final LoadOptions options,
        final Errors errors,
        final ServerProbe.MemorySample before,
        final ServerProbe.MemorySample[] after,
        final Runnable sampleAfter)
    {
        final int processes = (options.connections() + options.perProcess() - 1) / options.perProcess();
        final List<Child> children = new CopyOnWriteArrayList<>(); // read by the progress thread
        final String[] phase = {"start"};
        final Progress progress = Progress.start(options.quiet(), "connections", () -> phase[0], "handshakes/s",
            () -> children.stream().mapToLong((child) -> child.opened).sum(),
            () -> children.stream().mapToLong((child) -> child.open).sum(),
            () -> errors.total() + children.stream().mapToLong((child) -> child.failed).sum());
        try
        {
            for (int i = 0; i < processes; i++)
            {
                final int share = options.connections() / processes + (i < options.connections() % processes ? 1 : 0);
                final Child child = new Child(i, share, new ProcessBuilder(childCommand(options, i, share))
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start());
                children.add(child);
                final Thread reader = new Thread(child::read, "load-child-" + i);
                reader.setDaemon(true);
                reader.start();
            }
            for (final Child child : children)
            {
                if (!child.started.await(CHILD_START_TIMEOUT_S, TimeUnit.SECONDS) || !child.process.isAlive())
                {
                    throw new IOException("child " + child.number + " did not start");
                }
            }

            phase[0] = "connect";
            final long goNs = System.nanoTime();
            for (final Child child : children)
            {
                child.send("go");
            }
            long lastReadyNs = goNs;
            for (final Child child : children)
            {
                child.ready.await();
                lastReadyNs = Math.max(lastReadyNs, child.readyAtNs);
            }
            final long holdStartNs = System.nanoTime();
            phase[0] = "hold";
            sampleAfter.run();
            Sleeps.until(holdStartNs + options.holdNs());

            phase[0] = "close";
            for (final Child child : children)
            {
                child.send("close");
            }
            int opened = 0;
            int failed = 0;
            for (final Child child : children)
            {
                final boolean exited = child.finished.await(CHILD_EXIT_TIMEOUT_S, TimeUnit.SECONDS) &&
                    child.process.waitFor(CHILD_EXIT_TIMEOUT_S, TimeUnit.SECONDS);
                final Map<String, String> result = child.result;
                if (!exited || null == result)
                {
                    child.process.destroyForcibly();
                    errors.add(ErrorKind.CHILD_FAILED, 1);
                    errors.log("child " + child.number + " (" + child.share + " connections) reported no result");
                    continue;
                }
                opened += Integer.parseInt(result.getOrDefault("opened", "0"));
                failed += Integer.parseInt(result.getOrDefault("failed", "0"));
                for (final ErrorKind kind : ErrorKind.values())
                {
                    errors.add(kind, Long.parseLong(result.getOrDefault(kind.key(), "0")));
                }
            }
            return result(options, processes, opened, failed, lastReadyNs - goNs, before, after[0], opened, errors);
        }
        catch (final IOException | InterruptedException ex)
        {
            for (final Child child : children)
            {
                child.process.destroyForcibly();
            }
            if (ex instanceof InterruptedException)
            {
                Thread.currentThread().interrupt();
            }
            errors.add(ErrorKind.CHILD_FAILED, 1);
            errors.log("child processes: " + ex);
            return result(options, processes, 0, 0, 0, before, after[0], 0, errors);
        }
        finally
        {
            progress.close();
        }
    }

    /**
     * The command line of child i: this JVM's java, module and memory flags, classpath and class.
     */
    private static List<String> childCommand(final LoadOptions options, final int number, final int share)
    {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add(LoadGenerator.AGRONA_EXPORTS);
        for (final String argument : ManagementFactory.getRuntimeMXBean().getInputArguments())
        {
            if (argument.startsWith("--add-") || argument.startsWith("-Xm") || argument.startsWith("-Xss") ||
                argument.startsWith("-XX:"))
            {
                command.add(argument);
            }
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(MAIN_CLASS);
        command.add(LoadOptions.CONNECTIONS);
        command.add("--child");
        command.add("--quiet");
        command.add("--url");
        command.add(options.url().toString());
        command.add("--transport");
        command.add(options.transport());
        command.add("--sockjs-prefix");
        command.add(options.sockJsPrefix());
        command.add("--connections");
        command.add(Integer.toString(share));
        command.add("--per-process");
        command.add(Integer.toString(Math.max(share, options.perProcess())));
        command.add("--client-threads");
        command.add(Integer.toString(options.clientThreads()));
        command.add("--connect-concurrency");
        command.add(Integer.toString(options.connectConcurrency()));
        command.add("--connect-timeout");
        command.add(TimeUnit.NANOSECONDS.toMillis(options.connectTimeoutNs()) + "ms");
        command.add("--source-addresses");
        command.add(Integer.toString(options.sourceAddresses()));
        command.add("--source-offset");
        command.add(Integer.toString(number * options.sourceAddresses()));
        command.add("--label");
        command.add(options.label().isEmpty() ? "child-" + number : options.label() + "-child-" + number);
        if (options.deflate())
        {
            command.add("--deflate");
        }
        for (final String[] tls : new String[][] {{"--trust", options.trust()},
            {"--tls-protocol", options.tlsProtocol()}, {"--tls-cipher", options.tlsCipher()}})
        {
            if (null != tls[1])
            {
                command.add(tls[0]);
                command.add(tls[1]);
            }
        }
        return command;
    }

    private static Map<String, String> keyValues(final String line)
    {
        final Map<String, String> values = new HashMap<>();
        for (final String token : line.split(" "))
        {
            final int equals = token.indexOf('=');
            if (equals > 0)
            {
                values.put(token.substring(0, equals), token.substring(equals + 1));
            }
        }
        return values;
    }

    private static ConnectionsResult result(
        final LoadOptions options,
        final int processes,
        final int opened,
        final int failed,
        final long openNs,
        final ServerProbe.MemorySample before,
        final ServerProbe.MemorySample after,
        final int measured,
        final Errors errors)
    {
        return new ConnectionsResult(
            options.label(),
            options.url().toString(),
            options.transport(),
            options.connections(),
            opened,
            failed,
            processes,
            options.clientThreads(),
            options.sourceAddresses(),
            openNs / 1e9,
            opened * 1e9 / Math.max(1, openNs),
            options.holdNs() / 1e9,
            options.serverPid(),
            before.rssBytes(),
            after.rssBytes(),
            before.heapUsedBytes(),
            after.heapUsedBytes(),
            perConnection(before.rssBytes(), after.rssBytes(), measured),
            perConnection(before.heapUsedBytes(), after.heapUsedBytes(), measured),
            perConnection(before.kernelSlabBytes(), after.kernelSlabBytes(), measured),
            new ErrorCounts(errors.snapshot()));
    }

    private static double perConnection(final long before, final long after, final int connections)
    {
        if (ServerProbe.UNKNOWN == before || ServerProbe.UNKNOWN == after || 0 == connections)
        {
            return Double.NaN;
        }
        return (after - before) / (double)connections;
    }

    /**
     * The handler of every idle connection (or SockJS session): counts closes the run did not ask for. Stateless
     * but for the run's phase, so one instance serves all connections.
     */
    private static final class IdleHandler implements ClientHandler, XhrStreamingHandler
    {
        final Errors errors;
        volatile boolean closing;
        volatile String phase = "connect";

        IdleHandler(final Errors errors)
        {
            this.errors = errors;
        }

        @Override
        public void onClose(final WebSocketClientConnection connection, final int code, final String reason)
        {
            if (!closing && errors.record(ErrorKind.UNEXPECTED_CLOSE))
            {
                errors.log("connection " + connection.id() + " closed: " + code + " " + reason);
            }
        }

        @Override
        public void onClose(final XhrStreamingSession session, final int code, final String reason)
        {
            if (!closing && errors.record(ErrorKind.UNEXPECTED_CLOSE))
            {
                errors.log("SockJS session " + session.id() + " closed: " + code + " " + reason);
            }
        }
    }
}
