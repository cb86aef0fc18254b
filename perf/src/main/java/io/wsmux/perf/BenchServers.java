package io.wsmux.perf;

import java.util.ArrayList;
import java.util.List;

/**
 * How the comparison runners start the servers under test and the Java load client: the JVM flags every server and
 * every client gets, and the command lines of wsmux and of the Netty baseline. One place, so that {@link Comparison}
 * and {@link FanOutComparison} measure the same servers the same way.
 */
final class BenchServers
{
    /** What every JVM running Agrona needs. */
    static final String ADD_EXPORTS = "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED";
    /** Pre-touched heap: its pages are resident from the start, so RSS grows only by what is not heap. */
    static final List<String> SERVER_JVM =
        List.of("-Xms1g", "-Xmx1g", "-XX:+UseG1GC", "-XX:+AlwaysPreTouch", ADD_EXPORTS);
    /** The client is not under test: Agrona's bounds checks off, as on a tuned deployment. */
    static final List<String> CLIENT_JVM =
        List.of("-Xms1g", "-Xmx2g", "-Dagrona.disable.bounds.checks=true", ADD_EXPORTS);
    /** Netty's leak detection samples allocations; off, as on a tuned deployment. */
    static final String NETTY_TUNING = "-Dio.netty.leakDetection.level=disabled";
    /** Like for like with Netty, which drops for a subscriber above its write-buffer high water mark. */
    static final String WSMUX_OVERFLOW = "-Dwsmux.outbound.overflow=drop";
    /** The runnable wsmux server, relative to the repository root. */
    static final String WSMUX_JAR = "core/target/wsmux.jar";
    /** The perf jar (Netty baseline, load generator), relative to the repository root. */
    static final String PERF_JAR = "perf/target/wsmux-perf.jar";
    /** The wsmux server's main class, for runs from a class path. */
    static final String WSMUX_MAIN = "io.wsmux.Main";
    /** The Netty baseline's main class. */
    static final String NETTY_MAIN = "io.wsmux.perf.baseline.NettyServer";

    private BenchServers()
    {
    }

    /**
     * @param launch how the JVM finds wsmux: {@code -jar JAR}, or {@code -cp CP io.wsmux.Main}.
     * @param mode   {@code echo} or {@code fanout}.
     * @param port   the port.
     * @return the JVM arguments after the server flags: one I/O thread, slow subscribers dropped.
     */
    static List<String> wsmux(final List<String> launch, final String mode, final int port)
    {
        final List<String> arguments = new ArrayList<>();
        arguments.add(WSMUX_OVERFLOW);
        arguments.addAll(launch);
        arguments.addAll(List.of("--mode", mode, "--port", String.valueOf(port), "--threads", "1"));
        return arguments;
    }

    /**
     * @param classpath where the Netty baseline is: the perf jar, or a class path.
     * @param mode      {@code echo} or {@code fanout}.
     * @param port      the port.
     * @param transport {@code nio} or {@code epoll}.
     * @param extra     more of NettyServer's options.
     * @return the JVM arguments after the server flags: one event loop thread.
     */
    static List<String> netty(
        final String classpath, final String mode, final int port, final String transport, final String... extra)
    {
        final List<String> arguments = new ArrayList<>(List.of(NETTY_TUNING, "-cp", classpath, NETTY_MAIN,
            "--mode", mode, "--port", String.valueOf(port), "--transport", transport, "--threads", "1"));
        arguments.addAll(List.of(extra));
        return arguments;
    }

    /**
     * @param arguments what follows the JVM flags.
     * @return {@code java <server flags> arguments}.
     */
    static List<String> serverJvm(final List<String> arguments)
    {
        final List<String> command = new ArrayList<>();
        command.add(ChildProcess.JAVA);
        command.addAll(SERVER_JVM);
        command.addAll(arguments);
        return command;
    }

    /**
     * @param arguments what follows the JVM flags.
     * @return {@code java <client flags> arguments}.
     */
    static List<String> clientJvm(final List<String> arguments)
    {
        final List<String> command = new ArrayList<>();
        command.add(ChildProcess.JAVA);
        command.addAll(CLIENT_JVM);
        command.addAll(arguments);
        return command;
    }
}
