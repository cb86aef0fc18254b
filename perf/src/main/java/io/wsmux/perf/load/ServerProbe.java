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
 * {@code jcmd <pid> GC.heap_info}), then resident set size from {@code /proc/<pid>/status} (VmRSS) after a settling
 * wait and {@code jcmd <pid> System.trim_native_heap}, and the kernel's slab memory. The trim hands back to the OS
 * what the C heap holds free: glibc keeps memory that a burst of handshakes, the compiling it sets off or a full GC
 * allocated and freed, which is no connection's cost and which {@code -XX:TrimNativeHeapInterval} also returns in
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
    private static final Pattern SLAB = Pattern.compile("^Slab:\\s+(\\d+) kB", Pattern.MULTILINE);

    private ServerProbe()
    {
    }

    /**
     * One sample of a process.
     *
     * @param rssBytes      resident set size, or {@link #UNKNOWN}.
     * @param heapUsedBytes heap used after a full GC, or {@link #UNKNOWN}.
     * @param kernelSlabBytes the kernel's slab memory, the whole machine's ({@code Slab} in /proc/meminfo), where
     *                        each socket's own structures live (its sock, inode, file, dentry and epoll entries), or
     *                        {@link #UNKNOWN}.
     */
    record MemorySample(long rssBytes, long heapUsedBytes, long kernelSlabBytes)
    {
        /** A sample of nothing: every value {@link #UNKNOWN}. */
        static final MemorySample NONE = new MemorySample(UNKNOWN, UNKNOWN, UNKNOWN);
    }

    /**
     * Run full GCs in the process and read its heap, then trim its C heap and read its RSS. Failures are described
     * on stderr and leave the value {@link #UNKNOWN}.
     *
     * @param pid      the process.
     * @param settleNs how long to wait between the heap and the RSS: a JVM keeps the memory its compilers used in
     *                 a pool it empties every 5 s, so an RSS read right after a burst of handshakes (and the
     *                 compiling they set off) counts compiler memory as the connections'.
     * @return the sample.
     */
    static MemorySample sample(final long pid, final long settleNs)
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

        Sleeps.ms(TimeUnit.NANOSECONDS.toMillis(settleNs));
        try
        {
            jcmd(pid, "System.trim_native_heap");
        }
        catch (final IOException ex)
        {
            System.err.println("warning: jcmd " + pid + " System.trim_native_heap failed (RSS includes free C heap): " +
                ex.getMessage());
        }

        final long rssBytes = readKilobytes(Path.of("/proc", Long.toString(pid), "status"), VM_RSS);
        return new MemorySample(rssBytes, heapUsedBytes, readKilobytes(Path.of("/proc", "meminfo"), SLAB));
    }

    private static long readKilobytes(final Path file, final Pattern pattern)
    {
        try
        {
            final Matcher matcher = pattern.matcher(Files.readString(file));
            if (matcher.find())
            {
                return Long.parseLong(matcher.group(1)) * 1024;
            }
            System.err.println("warning: no " + pattern + " in " + file);
        }
        catch (final IOException ex)
        {
            System.err.println("warning: cannot read " + file + ": " + ex);
        }
        return UNKNOWN;
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
