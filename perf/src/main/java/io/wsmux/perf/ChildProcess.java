package io.wsmux.perf;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A process the comparison runners start (a server under test or a load client): its standard output read line by
 * line on a daemon thread from the start, so a chatty child never blocks on a full pipe and a wait for a line has a
 * real timeout; standard error merged into it or kept apart (its last lines, for failure messages). Stopped by its
 * own handle only ({@link #stop()}: destroy, then destroyForcibly after a few seconds), and by a shutdown hook if the
 * runner itself is interrupted.
 */
final class ChildProcess implements AutoCloseable
{
    /** The JVM running this runner, for the children. */
    static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    /** Whether processes can be pinned to a CPU. */
    static final boolean TASKSET = new File("/usr/bin/taskset").canExecute();

    private static final int STOP_GRACE_SECONDS = 10;
    private static final int TAIL_LINES = 200;
    private static final String END = new String("end of output");
    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

    static
    {
        Runtime.getRuntime().addShutdownHook(new Thread(() ->
        {
            for (final Process process : LIVE)
            {
                process.destroyForcibly();
            }
        }, "child-process-reaper"));
    }

    private final Process process;
    private final List<String> command;
    private final BlockingQueue<String> pending = new LinkedBlockingQueue<>();
    private final List<String> stdout = new ArrayList<>();
    private final Deque<String> stderrTail = new ArrayDeque<>();
    private final Thread stdoutReader;
    private final Thread stderrReader;

    private ChildProcess(final Process process, final List<String> command, final boolean mergeStderr)
    {
        this.process = process;
        this.command = List.copyOf(command);
        stdoutReader = reader(process.getInputStream(), true, "stdout");
        stderrReader = mergeStderr ? null : reader(process.getErrorStream(), false, "stderr");
    }

    /**
     * @param cpu the CPU to pin to.
     * @return the prefix that pins a command to it, empty without taskset.
     */
    static List<String> pinned(final int cpu)
    {
        return TASKSET ? List.of("/usr/bin/taskset", "-c", String.valueOf(cpu)) : List.of();
    }

    /**
     * @param command     what to run.
     * @param mergeStderr true to read standard error as part of standard output (servers), false to keep its tail
     *                    apart (clients whose standard output carries the result).
     * @return the started process.
     * @throws IOException if it cannot start.
     */
    static ChildProcess start(final List<String> command, final boolean mergeStderr) throws IOException
    {
        final Process process = new ProcessBuilder(command).redirectErrorStream(mergeStderr).start();
        LIVE.add(process);
        return new ChildProcess(process, command, mergeStderr);
    }

    private Thread reader(final InputStream stream, final boolean isStdout, final String name)
    {
        final Thread thread = new Thread(() ->
        {
            try (BufferedReader reader =
                new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8)))
            {
                String line;
                while (null != (line = reader.readLine()))
                {
                    add(line, isStdout);
                }
            }
            catch (final IOException ignore)
            {
                // the process went away: what was read is kept
            }
            finally
            {
                if (isStdout)
                {
                    pending.add(END);
                }
            }
        }, "child-" + process.pid() + "-" + name);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    private synchronized void add(final String line, final boolean isStdout)
    {
        if (isStdout)
        {
            stdout.add(line);
            pending.add(line);
        }
        else
        {
            stderrTail.addLast(line);
            if (stderrTail.size() > TAIL_LINES)
            {
                stderrTail.removeFirst();
            }
        }
    }

    /**
     * @return the process id.
     */
    long pid()
    {
        return process.pid();
    }

    /**
     * @return the command it runs.
     */
    List<String> command()
    {
        return command;
    }

    /**
     * @return whether it is still running.
     */
    boolean isAlive()
    {
        return process.isAlive();
    }

    /**
     * Wait for a line of standard output containing a marker; lines read before it stay available to
     * {@link #stdout()}.
     *
     * @param marker  what the line contains.
     * @param timeout how long to wait.
     * @param unit    its unit.
     * @return the line.
     * @throws IOException naming the command and showing its output if the line did not come in time.
     * @throws InterruptedException if interrupted.
     */
    String awaitLine(final String marker, final long timeout, final TimeUnit unit)
        throws IOException, InterruptedException
    {
        final long deadline = System.nanoTime() + unit.toNanos(timeout);
        long remaining;
        boolean ended = false;
        while ((remaining = deadline - System.nanoTime()) > 0)
        {
            final String line = pending.poll(remaining, TimeUnit.NANOSECONDS);
            if (null == line)
            {
                break;
            }
            if (END == line)
            {
                pending.add(END);
                ended = true;
                break;
            }
            if (line.contains(marker))
            {
                return line;
            }
        }
        final String why = !ended ? "within " + timeout + " " + unit.name().toLowerCase(Locale.ROOT) :
            "before its output ended (exit status " + exitStatusSoon() + ")";
        throw new IOException("no line containing '" + marker + "' " + why + " from " + String.join(" ", command) +
            ":\n" + output());
    }

    private String exitStatusSoon() throws InterruptedException
    {
        return process.waitFor(1, TimeUnit.SECONDS) ? String.valueOf(process.exitValue()) : "?";
    }

    /**
     * Wait for the process to exit and its output to be read.
     *
     * @param timeout how long to wait.
     * @param unit    its unit.
     * @return true if it exited in time.
     * @throws InterruptedException if interrupted.
     */
    boolean waitFor(final long timeout, final TimeUnit unit) throws InterruptedException
    {
        if (!process.waitFor(timeout, unit))
        {
            return false;
        }
        LIVE.remove(process);
        joinReaders();
        return true;
    }

    /**
     * The output of a process that exited is read to its end soon (unless a child of it still holds the pipe).
     */
    private void joinReaders() throws InterruptedException
    {
        stdoutReader.join(TimeUnit.SECONDS.toMillis(1));
        if (null != stderrReader)
        {
            stderrReader.join(TimeUnit.SECONDS.toMillis(1));
        }
    }

    /**
     * @return the exit status; only after {@link #waitFor} returned true.
     */
    int exitValue()
    {
        return process.exitValue();
    }

    /**
     * @return every line of standard output so far.
     */
    synchronized List<String> stdout()
    {
        return new ArrayList<>(stdout);
    }

    /**
     * @return the last lines of standard output and of standard error, for a failure message.
     */
    synchronized String output()
    {
        final StringBuilder text = new StringBuilder();
        for (final String line : stdout.subList(Math.max(0, stdout.size() - TAIL_LINES), stdout.size()))
        {
            text.append(line).append('\n');
        }
        for (final String line : stderrTail)
        {
            text.append(line).append('\n');
        }
        return text.toString();
    }

    /**
     * Stop it by its own handle: destroy (SIGTERM), and destroyForcibly if it is still running 10 s later.
     *
     * @throws InterruptedException if interrupted.
     */
    void stop() throws InterruptedException
    {
        if (process.isAlive())
        {
            process.destroy();
            if (!process.waitFor(STOP_GRACE_SECONDS, TimeUnit.SECONDS))
            {
                process.destroyForcibly().waitFor();
            }
        }
        LIVE.remove(process);
        joinReaders();
    }

    @Override
    public void close() throws InterruptedException
    {
        stop();
    }
}
