package io.wsmux.perf.load;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time used so far by this process, by a server process and by the whole machine, to tell afterwards who was
 * busy during a measured window: a load generator must check that the server, not the client, ran out of CPU, and
 * on a shared machine that nothing else took it. Linux only ({@code /proc}); values that cannot be read are
 * {@link #UNKNOWN}. Cold path: allocates.
 *
 * @param wallNs         {@link System#nanoTime()} when taken.
 * @param clientCpuNs    CPU time of this JVM, all threads.
 * @param serverCpuTicks user and system time of the server process, in clock ticks (USER_HZ, 100 a second).
 * @param machineIdleTicks idle and iowait time of all cores, in clock ticks (the kernel counts idle time exactly,
 *                         busy time only by sampling at ticks, which misses short bursts on a lightly loaded core).
 */
record CpuSample(long wallNs, long clientCpuNs, long serverCpuTicks, long machineIdleTicks)
{
    /** A value that could not be read. */
    static final long UNKNOWN = -1;

    /** Cores the kernel counts in /proc/stat (cpu0, cpu1, ...). */
    private static final int CPUS = countCpus();

    /** Linux's USER_HZ: the unit of /proc CPU times. */
    private static final double TICKS_PER_SECOND = 100;

    /**
     * @param serverPid the server's process id, or 0 for none.
     * @return the times now.
     */
    static CpuSample take(final long serverPid)
    {
        return new CpuSample(System.nanoTime(), readClientCpuNs(), readServerTicks(serverPid), readMachineIdleTicks());
    }

    /**
     * @param end a later sample.
     * @return cores this JVM kept busy between the samples (1.0 = one core all the time), or -1.
     */
    double clientCores(final CpuSample end)
    {
        if (UNKNOWN == clientCpuNs || UNKNOWN == end.clientCpuNs)
        {
            return UNKNOWN;
        }
        return (end.clientCpuNs - clientCpuNs) / (double)Math.max(1, end.wallNs - wallNs);
    }

    /**
     * @param end a later sample.
     * @return cores the server kept busy between the samples, or -1.
     */
    double serverCores(final CpuSample end)
    {
        return ticksToCores(serverCpuTicks, end.serverCpuTicks, end.wallNs - wallNs);
    }

    /**
     * @param end a later sample.
     * @return cores busy on the whole machine between the samples (anything, including softirq), or -1.
     */
    double machineCores(final CpuSample end)
    {
        final double idleCores = ticksToCores(machineIdleTicks, end.machineIdleTicks, end.wallNs - wallNs);
        return UNKNOWN == idleCores ? UNKNOWN : Math.max(0, CPUS - idleCores);
    }

    private static double ticksToCores(final long start, final long end, final long wallNs)
    {
        if (UNKNOWN == start || UNKNOWN == end)
        {
            return UNKNOWN;
        }
        return (end - start) / TICKS_PER_SECOND / (Math.max(1, wallNs) / 1e9);
    }

    private static long readClientCpuNs()
    {
        final java.lang.management.OperatingSystemMXBean bean = ManagementFactory.getOperatingSystemMXBean();
        if (bean instanceof com.sun.management.OperatingSystemMXBean)
        {
            return ((com.sun.management.OperatingSystemMXBean)bean).getProcessCpuTime();
        }
        return UNKNOWN;
    }

    /**
     * Fields 14 and 15 of /proc/PID/stat (utime, stime), counted after the command name, which may hold spaces.
     */
    private static long readServerTicks(final long pid)
    {
        if (pid <= 0)
        {
            return UNKNOWN;
        }
        try
        {
            final String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            final String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        }
        catch (final IOException | RuntimeException ex)
        {
            return UNKNOWN;
        }
    }

    private static int countCpus()
    {
        try
        {
            return (int)Files.readAllLines(Path.of("/proc/stat")).stream().filter((line) -> line.matches("cpu\\d+ .*"))
                .count();
        }
        catch (final IOException | RuntimeException ex)
        {
            return Runtime.getRuntime().availableProcessors();
        }
    }

    /**
     * The first line of /proc/stat: "cpu user nice system idle iowait irq softirq steal ...".
     */
    private static long readMachineIdleTicks()
    {
        try
        {
            final String line = Files.readAllLines(Path.of("/proc/stat")).get(0);
            final String[] fields = line.trim().split("\\s+");
            return Long.parseLong(fields[4]) + Long.parseLong(fields[5]);
        }
        catch (final IOException | RuntimeException ex)
        {
            return UNKNOWN;
        }
    }
}
