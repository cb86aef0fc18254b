package io.wsmux.demo;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * Runs one of the Node scripts in core/src/test/node that drive Debian's Chromium with playwright-core, against a
 * running server, and keeps what it printed. Screenshots of failed pages go to core/target/.
 *
 * @param finished   whether the script ended within its time.
 * @param exitValue  its exit value, or -1 if it did not end.
 * @param output     stdout and stderr together.
 */
record NodeBrowserScript(boolean finished, int exitValue, String output)
{
    /** How a line a script prints starts when it asks the test to act ({@link #runWithRequests}). */
    static final String REQUEST_PREFIX = "REQUEST ";

    /**
     * Run a script to its end or until the timeout, whichever comes first (a script that does not end is killed).
     *
     * @param script         file name in core/src/test/node.
     * @param timeoutSeconds how long to wait for it.
     * @param base           the server's base URL, e.g. http://127.0.0.1:8080.
     * @param extraArguments passed after the base URL and the screenshot directory.
     * @return what it did.
     * @throws IOException          if node cannot be started.
     * @throws InterruptedException if interrupted while waiting.
     */
    static NodeBrowserScript run(
        final String script, final long timeoutSeconds, final String base, final String... extraArguments)
        throws IOException, InterruptedException
    {
        final Process process = start(script, base, extraArguments);
        process.getOutputStream().close();
        final boolean finished = process.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        if (!finished)
        {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        }
        final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new NodeBrowserScript(finished, finished ? process.exitValue() : -1, output);
    }

    /**
     * Run a script that asks the test to act midway (cut its connection, say): each line it prints that starts with
     * {@code REQUEST } goes to {@code onRequest} (without the prefix), on a thread of this class, and what that returns
     * is written back to the script's standard input as one line. Ends as {@link #run} does.
     *
     * @param script         file name in core/src/test/node.
     * @param timeoutSeconds how long to wait for it.
     * @param base           the server's base URL, e.g. http://127.0.0.1:8080.
     * @param onRequest      acts on a request and returns the reply line; an exception fails the script (the reply
     *                       is {@code ERROR <message>}).
     * @param extraArguments passed after the base URL and the screenshot directory.
     * @return what it did, requests and replies included in the output.
     * @throws IOException          if node cannot be started.
     * @throws InterruptedException if interrupted while waiting.
     */
    static NodeBrowserScript runWithRequests(
        final String script,
        final long timeoutSeconds,
        final String base,
        final UnaryOperator<String> onRequest,
        final String... extraArguments)
        throws IOException, InterruptedException
    {
        final Process process = start(script, base, extraArguments);
        final StringBuffer output = new StringBuffer();
        final Thread reader = new Thread(() -> answerRequests(process, onRequest, output), "node-script-requests");
        reader.setDaemon(true);
        reader.start();
        final boolean finished = process.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        if (!finished)
        {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        }
        reader.join(TimeUnit.SECONDS.toMillis(5)); // it ends at the end of the script's output
        return new NodeBrowserScript(finished, finished ? process.exitValue() : -1, output.toString());
    }

    private static void answerRequests(
        final Process process, final UnaryOperator<String> onRequest, final StringBuffer output)
    {
        try (BufferedReader lines = new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            Writer replies = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8))
        {
            String line;
            while (null != (line = lines.readLine()))
            {
                output.append(line).append('\n');
                if (line.startsWith(REQUEST_PREFIX))
                {
                    String reply;
                    try
                    {
                        reply = onRequest.apply(line.substring(REQUEST_PREFIX.length()));
                    }
                    catch (final RuntimeException ex)
                    {
                        reply = "ERROR " + ex;
                    }
                    output.append("> ").append(reply).append('\n');
                    replies.write(reply + "\n");
                    replies.flush();
                }
            }
        }
        catch (final IOException ex)
        {
            output.append("(reading the script's output failed: ").append(ex).append(")\n");
        }
    }

    private static Process start(final String script, final String base, final String... extraArguments)
        throws IOException
    {
        // not under wsmux.: surefire passes -D properties on to this JVM, where WsmuxSettings refuses unknown ones
        final File chromium = new File(System.getProperty("chromium.path", "/usr/bin/chromium"));
        assertTrue(chromium.canExecute(), "Chromium is needed at " + chromium +
            " (Debian package chromium; scripts/test.sh installs it)");
        final File nodeDirectory = new File(System.getProperty("user.dir"), "src/test/node");
        assertTrue(new File(nodeDirectory, "node_modules/playwright-core").isDirectory(),
            "playwright-core is missing: Maven's npm ci should have installed it in " + nodeDirectory);

        final File screenshots = new File(System.getProperty("user.dir"), "target");
        final List<String> command = new ArrayList<>(List.of("node", script, base, screenshots.getPath()));
        command.addAll(List.of(extraArguments));
        return new ProcessBuilder(command)
            .directory(nodeDirectory)
            .redirectErrorStream(true)
            .start();
    }

    /**
     * @param prefix how the line starts.
     * @return the first line of the output that starts so, or null.
     */
    String line(final String prefix)
    {
        return output.lines().filter((line) -> line.startsWith(prefix)).findFirst().orElse(null);
    }
}
