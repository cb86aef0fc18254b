package io.wsmux.perf.load;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Samples another JVM's memory: heap used after a full GC ({@code jcmd <pid> GC.run}, twice, then
 * {@code jcmd <pid> GC.heap_info}) and resident set size from {@code /proc/<pid>/status} (VmRSS) after
 * {@code jcmd <pid> System.trim_native_heap}. The trim hands back to the OS what the C heap holds free: glibc keeps
 * memory a burst of handshakes or a full GC malloc'ed and freed (about 2 KB per connection of a 10,000-connection
 * burst here), which is no connection's cost and which {@code -XX:TrimNativeHeapInterval} also returns in
 * production. The JVM must run as the same user. Cold path: starts processes, allocates.
 */
final class ServerProbe
{
    /** A value that could not be read. */
    static final long UNKNOWN = -1;

    private static final long JCMD_TIMEOUT_S = 60;
    private static final int FULL_GCS = 2;
    /** G1 ("garbage-first heap"), Serial ("def new generation", "tenured generation"), Parallel (PSYoungGen, ...). */
    private static final Pattern GENERATION = Pattern.compile("^ (\\S.*?)\\s+total \\d+[KMG], used (\\d+)([KMG])");
    /** ZGC: " ZHeap  used 36M, capacity 378M, ...". */
    private static final Pattern Z_HEAP = Pattern.compile("^ ZHeap\\s+used (\\d+)([KMG])");
    /** Shenandoah: " 6028M max, 6028M soft max, 8192K committed, 2048K used". */
    private static final Pattern SHENANDOAH = Pattern.compile("committed, (\\d+)([KMG]) used");
    private static final Pattern VM_RSS = Pattern.compile("^VmRSS:\\s+(\\d+) kB", Pattern.MULTILINE);

    private ServerProbe()
    {
    }

    /**
     * One sample of a process.
     *
     * @param rssBytes      resident set size, or {@link #UNKNOWN}.
     * @param heapUsedBytes heap used after a full GC, or {@link #UNKNOWN}.
     */
    record MemorySample(long rssBytes, long heapUsedBytes)
    {
    }

    /**
     * Run full GCs in the process and read its heap, then trim its C heap and read its RSS. Failures are described
     * on stderr and leave the value {@link #UNKNOWN}.
     *
     * @param pid the process.
     * @return the sample.
     */
    static MemorySample sample(final long pid)
    {
        long heapUsedBytes = UNKNOWN;
        try
        {
            for (int i = 0; i < FULL_GCS; i++)
            {
                jcmd(pid, "GC.run");
            }
            final String heapInfo = jcmd(pid, "GC.heap_info");
            heapUsedBytes = parseHeapUsed(heapInfo);
            if (UNKNOWN == heapUsedBytes)
            {
                System.err.println("warning: cannot read the heap size from jcmd " + pid + " GC.heap_info: " +
                    heapInfo);
            }
        }
        catch (final IOException ex)
        {
            System.err.println("warning: jcmd " + pid + " failed: " + ex.getMessage());
        }

        try
        {
            jcmd(pid, "System.trim_native_heap");
        }
        catch (final IOException ex)
        {
            System.err.println("warning: jcmd " + pid + " System.trim_native_heap failed (RSS includes free C heap): " +
                ex.getMessage());
        }

        long rssBytes = UNKNOWN;
        try
        {
            final Matcher matcher = VM_RSS.matcher(Files.readString(Path.of("/proc", Long.toString(pid), "status")));
            if (matcher.find())
            {
                rssBytes = Long.parseLong(matcher.group(1)) * 1024;
            }
        }
        catch (final IOException ex)
        {
            System.err.println("warning: cannot read /proc/" + pid + "/status: " + ex);
        }
        return new MemorySample(rssBytes, heapUsedBytes);
    }

    /**
     * @param heapInfo output of {@code jcmd <pid> GC.heap_info}.
     * @return the heap used in bytes, summed over generations, or {@link #UNKNOWN}.
     */
    static long parseHeapUsed(final String heapInfo)
    {
        long used = 0;
        boolean found = false;
        for (final String line : heapInfo.split("\\R"))
        {
            if (line.startsWith(" Metaspace") || line.startsWith(" class space"))
            {
                continue;
            }
            final Matcher generation = GENERATION.matcher(line);
            final Matcher zHeap = Z_HEAP.matcher(line);
            final Matcher shenandoah = SHENANDOAH.matcher(line);
            if (generation.find())
            {
                used += bytes(generation.group(2), generation.group(3));
                found = true;
            }
            else if (zHeap.find())
            {
                used += bytes(zHeap.group(1), zHeap.group(2));
                found = true;
            }
            else if (shenandoah.find())
            {
                used += bytes(shenandoah.group(1), shenandoah.group(2));
                found = true;
            }
        }
        return found ? used : UNKNOWN;
    }

    private static long bytes(final String number, final String unit)
    {
        final long value = Long.parseLong(number);
        switch (unit)
        {
            case "G":
                return value << 30;
            case "M":
                return value << 20;
            default:
                return value << 10;
        }
    }

    private static String jcmd(final long pid, final String command) throws IOException
    {
        final Path bundled = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        final String executable = Files.isExecutable(bundled) ? bundled.toString() : "jcmd";
        final Process process = new ProcessBuilder(executable, Long.toString(pid), command)
            .redirectErrorStream(true)
            .start();
        final String output;
        try (InputStream in = process.getInputStream())
        {
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        try
        {
            if (!process.waitFor(JCMD_TIMEOUT_S, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
                throw new IOException(command + " timed out");
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IOException(command + " interrupted", ex);
        }
        if (0 != process.exitValue())
        {
            throw new IOException(command + " exited with " + process.exitValue() + ": " + output.trim());
        }
        return output;
    }
}
