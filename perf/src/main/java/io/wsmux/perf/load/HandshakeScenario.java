package io.wsmux.perf.load;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.wsmux.client.ClientHandler;
import io.wsmux.client.WebSocketClientConnection;
import io.wsmux.codec.CloseCode;

/**
 * The handshakes scenario: C slots, each in a loop for the whole run: open a WebSocket to the URL (TCP connect; for
 * {@code wss://} a full TLS handshake, never a resumption: {@link ClientTls} makes every engine from a fresh
 * context; the HTTP upgrade), close it at once (close frame, the server's close frame, the server's TCP close) and
 * open the next. It measures how many upgrades complete per second in the measured window and, given the server's
 * pid, the server's CPU per handshake, which tells servers apart where the client's own handshakes are the limit.
 * A connection that fails to open counts as an error; the slot tries again 10 ms later.
 * <p>
 * Not thread safe: {@link #run} owns the run on the calling thread; the slots run on the client loops.
 */
public final class HandshakeScenario
{
    private static final int SCRATCH_LENGTH = 1024;
    private static final long RETRY_DELAY_MS = 10;

    private HandshakeScenario()
    {
    }

    /**
     * Run the scenario.
     *
     * @param options {@link LoadOptions#conclude() concluded} here.
     * @return what was measured.
     */
    public static HandshakeResult run(final LoadOptions options)
    {
        options.scenario(LoadOptions.HANDSHAKES).conclude();
        final Errors errors = new Errors();
        final ClientTls tls = options.clientTls();
        final LoadClients clients = new LoadClients(options.clientThreads(), SCRATCH_LENGTH, errors, false, tls);
        final Run run = new Run(options, clients, errors);
        final Progress progress = Progress.start(options.quiet(), "handshakes", () -> run.phase, "handshakes/s",
            run.opened::get, clients::openConnections, errors::total);
        CpuSample cpuStart = null;
        CpuSample cpuEnd = null;
        long openedStart = 0;
        long openedEnd = 0;
        try
        {
            final long startNs = System.nanoTime();
            final long measureStartNs = startNs + options.warmupNs();
            final long endNs = measureStartNs + options.durationNs();
            run.phase = options.warmupNs() > 0 ? "warmup" : "measure";
            for (int i = 0; i < run.slots.length; i++)
            {
                run.slots[i] = new Slot(run, i);
                run.slots[i].connect();
            }
            Sleeps.until(measureStartNs);
            cpuStart = CpuSample.take(options.serverPid());
            openedStart = run.opened.get();
            run.phase = "measure";
            Sleeps.until(endNs);
            cpuEnd = CpuSample.take(options.serverPid());
            openedEnd = run.opened.get();

            run.phase = "stop";
            run.stopping = true;
            // Each slot stops at the end of its cycle: within a connect, handshake and close timeout at worst.
            if (!run.stopped.await(options.connectTimeoutNs() + options.drainTimeoutNs(), TimeUnit.NANOSECONDS))
            {
                System.err.println("warning: " + run.stopped.getCount() + " connections still opening or closing; " +
                    "closing them");
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        finally
        {
            run.stopping = true;
            progress.close();
            clients.close();
        }

        final long measuredNs = null == cpuEnd ? 0 : cpuEnd.wallNs() - cpuStart.wallNs();
        final long handshakes = openedEnd - openedStart;
        final double perSecond = handshakes * 1e9 / Math.max(1, measuredNs);
        final double serverCores = null == cpuEnd ? CpuSample.UNKNOWN : cpuStart.serverCores(cpuEnd);
        return new HandshakeResult(
            options.label(),
            options.url().toString(),
            null != tls,
            null == tls ? ClientTls.NONE : tls.negotiatedProtocol(),
            null == tls ? ClientTls.NONE : tls.negotiatedCipherSuite(),
            null == tls ? 0 : tls.engines(),
            options.connections(),
            options.clientThreads(),
            options.sourceAddresses(),
            measuredNs / 1e9,
            handshakes,
            perSecond,
            run.cycles.get(),
            run.failures.get(),
            null == cpuEnd ? CpuSample.UNKNOWN : cpuStart.clientCores(cpuEnd),
            serverCores,
            null == cpuEnd ? CpuSample.UNKNOWN : cpuStart.machineCores(cpuEnd),
            serverCores < 0 || !(perSecond > 0) ? Double.NaN : serverCores * 1e9 / perSecond,
            new ErrorCounts(errors.snapshot()));
    }

    /**
     * What the slots share.
     */
    private static final class Run
    {
        final URI url;
        final LoadClients clients;
        final Errors errors;
        final InetSocketAddress[] sources;
        final Slot[] slots;
        final CountDownLatch stopped;
        final Executor retryLater = CompletableFuture.delayedExecutor(RETRY_DELAY_MS, TimeUnit.MILLISECONDS);
        final AtomicLong opened = new AtomicLong();
        final AtomicLong cycles = new AtomicLong();
        final AtomicLong failures = new AtomicLong();
        volatile boolean stopping;
        volatile String phase = "connect";

        Run(final LoadOptions options, final LoadClients clients, final Errors errors)
        {
            this.url = options.url();
            this.clients = clients;
            this.errors = errors;
            this.sources = options.sourceSocketAddresses();
            this.slots = new Slot[options.connections()];
            this.stopped = new CountDownLatch(options.connections());
        }
    }

    /**
     * One connection at a time, one after the other: connect, close when open, connect again when closed. Its
     * steps run one after another (on the client loop, or on the thread that fails a connect), never at once.
     */
    private static final class Slot implements ClientHandler
    {
        private final Run run;
        private final int index;
        private long attempts;

        Slot(final Run run, final int index)
        {
            this.run = run;
            this.index = index;
        }

        void connect()
        {
            if (run.stopping)
            {
                run.stopped.countDown();
                return;
            }
            final InetSocketAddress source = 0 == run.sources.length ? null :
                run.sources[(int)((index + attempts++) % run.sources.length)];
            run.clients.clientFor(index).connect(run.url, null, this, source).whenComplete((connection, failure) ->
            {
                if (null != failure)
                {
                    run.failures.incrementAndGet();
                    if (run.errors.record(ErrorKind.CONNECT_FAILED))
                    {
                        run.errors.log("handshake " + index + (null == source ? "" : " from " + source) + ": " +
                            failure);
                    }
                    CompletableFuture.runAsync(this::connect, run.retryLater);
                }
            });
        }

        @Override
        public void onOpen(final WebSocketClientConnection connection)
        {
            run.opened.incrementAndGet();
            connection.close();
        }

        @Override
        public void onClose(final WebSocketClientConnection connection, final int code, final String reason)
        {
            if (CloseCode.NORMAL != code && run.errors.record(ErrorKind.UNEXPECTED_CLOSE))
            {
                run.errors.log("handshake " + index + " closed with " + code + " " + reason);
            }
            run.cycles.incrementAndGet();
            connect();
        }
    }
}
