package io.wsmux.cluster;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Records the lines written to {@code System.err} (still writing them through) from creation until closed, for tests
 * that count what the server tells an operator.
 */
final class StderrLines implements AutoCloseable
{
    private final PrintStream original = System.err;
    private final ByteArrayOutputStream recorded = new ByteArrayOutputStream();

    StderrLines()
    {
        System.setErr(new PrintStream(new OutputStream()
        {
            @Override
            public void write(final int b)
            {
                synchronized (recorded)
                {
                    recorded.write(b);
                }
                original.write(b);
            }

            @Override
            public void write(final byte[] bytes, final int offset, final int length)
            {
                synchronized (recorded)
                {
                    recorded.write(bytes, offset, length);
                }
                original.write(bytes, offset, length);
            }
        }, true, StandardCharsets.UTF_8));
    }

    /**
     * @param text what the lines must contain.
     * @return the complete lines recorded so far that contain it.
     */
    List<String> containing(final String text)
    {
        final String all;
        synchronized (recorded)
        {
            all = recorded.toString(StandardCharsets.UTF_8);
        }
        final List<String> lines = new ArrayList<>();
        final int end = all.lastIndexOf('\n');
        for (final String line : all.substring(0, Math.max(0, end)).split("\n"))
        {
            if (line.contains(text))
            {
                lines.add(line);
            }
        }
        return lines;
    }

    @Override
    public void close()
    {
        System.setErr(original);
    }
}
