package io.wsmux.perf.load;

import java.util.concurrent.TimeUnit;

import io.wsmux.client.ClientHandler;
import io.wsmux.client.DutyCycleWork;
import io.wsmux.client.WebSocketClientConnection;
import org.HdrHistogram.Histogram;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The echo scenario: C connections send binary messages of S bytes to an echo server (any RFC 6455 server) and
 * check every echo: same length, same filler (the one sent with that sequence: {@link Filler}), its sequence number
 * the next of its connection, its send time the one sent. With {@code --deflate} the connections offer
 * permessage-deflate, and the result reports the bytes read off the sockets per echo ({@link WireStats}), counted
 * over the whole run (warm-up and drain too) from before the first message to after the loops stopped: the loops
 * publish their byte counts once per duty cycle, so a count read while they run may miss a cycle's reads, one read
 * while they are quiet is exact. Two ways to load:
 * <ul>
 *     <li><b>Closed loop</b> (no rate): each connection keeps K messages in flight, sending the next from the
 *     client loop as each echo arrives: the most the server (or the client) can do. Latency is from the actual send
 *     time. Every connection starts at once, when all are open: the main thread pings each, and the pong starts it
 *     on its own loop thread, so all of a connection's sends come from one thread and go out in order.</li>
 *     <li><b>Open loop</b> (rate R): message i of the run is due at start + i / R on connection i % C, whatever
 *     the echoes do. Each client loop paces its own connections' sends on its own thread (spinning, so a message
 *     leaves within a duty cycle of its time) and writes the <i>intended</i> send time into each, so latency
 *     counts the time a message waited because the sender fell behind: no coordinated omission.</li>
 * </ul>
 * Not thread safe: {@link #run} owns the run on the calling thread.
 */
public final class EchoScenario
{
    private static final long START_DELAY_NS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long DRAIN_POLL_MS = 5;
    private static final UnsafeBuffer EMPTY = new UnsafeBuffer(new byte[0]);
    /**
     * The open loop stops sending (its schedule runs on, so the wait counts as latency) while this many bytes of
     * messages are unanswered: a server that cannot keep up would otherwise grow the client's queues without bound.
     */
    private static final long MAX_OUTSTANDING_BYTES = 64L * 1024 * 1024;

    private EchoScenario()
    {
    }

    /**
     * Run the scenario.
     *
     * @param options {@link LoadOptions#conclude() concluded} here.
     * @return what was measured.
     */
    public static EchoResult run(final LoadOptions options)
    {
        options.scenario(LoadOptions.ECHO).conclude();
        final Errors errors = new Errors();
        final EchoRun run = new EchoRun(options, errors);
        final int count = options.connections();
        final EchoConnection[] handlers = new EchoConnection[count];
        final Pacer[] pacers = new Pacer[run.openLoop ? options.clientThreads() : 0];
        final LoadClients clients = new LoadClients(options.clientThreads(), options.payloadLength(), errors,
            run.deflate, options.clientTls(),
            run.openLoop ? (i) -> pacers[i] = new Pacer(run, i, pacers.length) : null);
        final Connector connector = new Connector();
        final Histogram histogram;
        final long measuredNs;
        final long messages;
        long wireBytesStart = 0;
        final Progress progress = Progress.start(options.quiet(), "echo", () -> run.phase, "msg/s",
            clients::received, clients::openConnections, errors::total);
        try
        {
            final WebSocketClientConnection[] connections = connector.openAll(clients, options.url(), null, count,
                (i) -> handlers[i] = new EchoConnection(i, clients.forConnection(i), run),
                options.sourceSocketAddresses(), options.connectConcurrency(), options.connectTimeoutNs(),
                errors);

            final long startNs = System.nanoTime() + START_DELAY_NS;
            final long measureStartNs = startNs + options.warmupNs();
            final long endNs = measureStartNs + options.durationNs();
            run.phase = options.warmupNs() > 0 ? "warmup" : "measure";
            wireBytesStart = clients.bytesRead(); // before the first message: the loops are quiet
            final long[] marks;
            if (0 == connector.opened())
            {
                marks = new long[4]; // nothing to measure: the connect failures are the result
            }
            else if (run.openLoop)
            {
                marks = pace(run, clients, handlers, connections, pacers, startNs, measureStartNs, endNs);
            }
            else
            {
                marks = closedLoop(run, clients, handlers, connections, measureStartNs, endNs);
            }
            histogram = clients.intervalHistogram();
            measuredNs = marks[2] - marks[0];
            messages = marks[3] - marks[1];

            run.phase = "drain";
            run.stopping = true;
            final long drainDeadlineNs = System.nanoTime() + options.drainTimeoutNs();
            while (clients.received() < clients.sent() && System.nanoTime() - drainDeadlineNs < 0)
            {
                Sleeps.ms(DRAIN_POLL_MS);
            }
            run.phase = "close";
            run.closing = true;
        }
        finally
        {
            run.closing = true;
            progress.close();
            clients.close(); // joins the loop threads: their handlers' state is safe to read below
        }

        long sent = 0;
        long received = 0;
        for (final EchoConnection handler : handlers)
        {
            if (null != handler)
            {
                sent += handler.sendSequence;
                received += handler.received;
                final long missing = handler.tracker.missing(handler.sendSequence);
                errors.add(ErrorKind.MISSING, missing, "connection " + handler.index + ": " + missing + " of " +
                    handler.sendSequence + " messages not echoed");
            }
        }
        return new EchoResult(
            options.label(),
            options.url().toString(),
            run.openLoop ? "rate" : "closed",
            count,
            connector.opened(),
            options.payloadLength(),
            run.filler.kind(),
            run.deflate,
            run.openLoop ? 0 : options.inFlight(),
            options.rate(),
            options.clientThreads(),
            measuredNs / 1e9,
            messages,
            messages * 1e9 / Math.max(1, measuredNs),
            sent,
            received,
            null == run.cpuEnd ? CpuSample.UNKNOWN : run.cpuStart.clientCores(run.cpuEnd),
            null == run.cpuEnd ? CpuSample.UNKNOWN : run.cpuStart.serverCores(run.cpuEnd),
            null == run.cpuEnd ? CpuSample.UNKNOWN : run.cpuStart.machineCores(run.cpuEnd),
            run.deflate ? WireStats.of(clients.bytesRead() - wireBytesStart, clients.receivedBytes(), received) :
                WireStats.NONE,
            LatencySummary.of(histogram),
            histogram,
            new ErrorCounts(errors.snapshot()));
    }

    /**
     * The closed loop: start every connection, then only watch the clock; the client loops do the sending.
     *
     * @return nanoTime and messages received at the start and at the end of the measured window.
     */
    private static long[] closedLoop(
        final EchoRun run,
        final LoadClients clients,
        final EchoConnection[] handlers,
        final WebSocketClientConnection[] connections,
        final long measureStartNs,
        final long endNs)
    {
        for (final WebSocketClientConnection connection : connections)
        {
            // The pong starts the connection on its loop thread. Retry while the loop's command ring is full.
            while (null != connection && !connection.sendPing(EMPTY, 0, 0) && connection.isOpen())
            {
                Thread.yield();
            }
        }
        final long[] marks = startMeasuring(run, clients, measureStartNs);
        int idle = 0;
        for (int i = 0; i < handlers.length; i++)
        {
            idle += null != connections[i] && !handlers[i].started ? 1 : 0;
        }
        if (idle > 0)
        {
            System.err.println("warning: " + idle + " connections have not started: no pong to the starting ping");
        }

        stopMeasuring(run, clients, endNs, marks);
        return marks;
    }

    /**
     * Wait for the measured window, then drop the warm-up's latencies and take the starting marks.
     *
     * @return nanoTime and messages received at the start [0, 1]; the end [2, 3] is for {@link #stopMeasuring}.
     */
    private static long[] startMeasuring(final EchoRun run, final LoadClients clients, final long measureStartNs)
    {
        final long[] marks = new long[4];
        Sleeps.until(measureStartNs);
        clients.intervalHistogram();
        marks[0] = System.nanoTime();
        marks[1] = clients.received();
        run.cpuStart = CpuSample.take(run.serverPid);
        run.phase = "measure";
        return marks;
    }

    private static void stopMeasuring(
        final EchoRun run, final LoadClients clients, final long endNs, final long[] marks)
    {
        Sleeps.until(endNs);
        marks[2] = System.nanoTime();
        marks[3] = clients.received();
        run.cpuEnd = CpuSample.take(run.serverPid);
    }

    /**
     * The open loop: arm each client loop's {@link Pacer}, then only watch the clock.
     *
     * @return nanoTime and messages received at the start and at the end of the measured window.
     */
    private static long[] pace(
        final EchoRun run,
        final LoadClients clients,
        final EchoConnection[] handlers,
        final WebSocketClientConnection[] connections,
        final Pacer[] pacers,
        final long startNs,
        final long measureStartNs,
        final long endNs)
    {
        final double periodNs = 1e9 / run.rate;
        final long maxOutstanding = Math.max(handlers.length, MAX_OUTSTANDING_BYTES / (run.payloadLength + 14));
        run.periodNs = periodNs;
        run.startRelativeNs = startNs - run.baseNs; // volatile: published before any message that needs it
        for (final Pacer pacer : pacers)
        {
            pacer.arm(clients, handlers, connections, periodNs, maxOutstanding, startNs, endNs);
        }

        final long[] marks = startMeasuring(run, clients, measureStartNs);
        stopMeasuring(run, clients, endNs, marks);
        for (final Pacer pacer : pacers)
        {
            while (!pacer.done)
            {
                Sleeps.ms(1);
            }
        }
        return marks;
    }

    /**
     * The open loop's sender on one client loop's thread, run every duty cycle: message i of the run is due at
     * start + i / R on connection i % C, and each loop sends the due messages of its own connections (i % C % L is
     * its index). Sending from the loop thread writes directly, with no hand-off between threads, so one spinning
     * client loop paces a few hundred thousand messages a second. A message that goes out late carries its
     * intended time, so the wait counts as latency: no coordinated omission.
     */
    private static final class Pacer implements DutyCycleWork
    {
        final EchoRun run;
        final int loopIndex;
        final int loops;
        final UnsafeBuffer message;
        LoadClients clients;
        EchoConnection[] handlers;
        WebSocketClientConnection[] connections;
        double periodNs;
        long maxOutstanding;
        long startNs;
        long endNs;
        long index;
        volatile boolean armed;
        volatile boolean done;

        Pacer(final EchoRun run, final int loopIndex, final int loops)
        {
            this.run = run;
            this.loopIndex = loopIndex;
            this.loops = loops;
            this.message = Payloads.template(run.payloadLength);
        }

        void arm(
            final LoadClients clients,
            final EchoConnection[] handlers,
            final WebSocketClientConnection[] connections,
            final double periodNs,
            final long maxOutstanding,
            final long startNs,
            final long endNs)
        {
            this.clients = clients;
            this.handlers = handlers;
            this.connections = connections;
            this.periodNs = periodNs;
            this.maxOutstanding = maxOutstanding;
            this.startNs = startNs;
            this.endNs = endNs;
            armed = true; // publishes the fields above to the loop thread
        }

        @Override
        public int doWork(final long cycleNs)
        {
            if (!armed || done)
            {
                return 0;
            }
            final long nowNs = System.nanoTime();
            if (nowNs - endNs >= 0)
            {
                done = true;
                return 0;
            }
            // Stop sending (the schedule runs on, so the wait counts as latency) while too much is unanswered: a
            // server that cannot keep up would otherwise grow the client's queues without bound.
            if (clients.sent() - clients.received() >= maxOutstanding)
            {
                return 0;
            }
            final int count = handlers.length;
            final int payloadLength = run.payloadLength;
            int work = 0;
            long intendedNs;
            while ((intendedNs = startNs + (long)(index * periodNs)) - nowNs <= 0)
            {
                if (intendedNs - endNs >= 0)
                {
                    done = true;
                    break;
                }
                final int connectionIndex = (int)(index++ % count);
                final EchoConnection handler = handlers[connectionIndex];
                final WebSocketClientConnection connection = connections[connectionIndex];
                if (connectionIndex % loops != loopIndex || null == connection || handler.dead)
                {
                    continue;
                }
                final long sequence = handler.sendSequence;
                message.putLong(0, sequence);
                message.putLong(Payloads.ECHO_TIME_OFFSET, intendedNs - run.baseNs);
                if (run.filler.varies())
                {
                    run.filler.write(message, Payloads.ECHO_HEADER_LENGTH, sequence);
                }
                if (!connection.sendBinary(message, 0, payloadLength))
                {
                    handler.dead = true;
                    if (run.errors.record(ErrorKind.SEND_FAILED))
                    {
                        run.errors.log("connection " + connectionIndex + " is no longer open; not sending to it");
                    }
                    continue;
                }
                handler.sendSequence = sequence + 1;
                LoadClient.increment(clients.forConnection(connectionIndex).sent);
                work++;
            }
            return work;
        }
    }

    /**
     * What the main thread and the client loops share in one run.
     */
    private static final class EchoRun
    {
        final Errors errors;
        final int payloadLength;
        final int inFlight;
        final int connections;
        final double rate;
        final boolean openLoop;
        final boolean deflate;
        /** What follows each message's header; the messages themselves start as {@link Payloads#template}. */
        final Filler filler;
        /** Message times are nanoTime minus this, so never negative. */
        final long baseNs = System.nanoTime();
        volatile double periodNs;
        volatile long startRelativeNs;
        volatile boolean stopping;
        volatile boolean closing;
        volatile String phase = "connect";
        final long serverPid;
        CpuSample cpuStart;
        CpuSample cpuEnd;

        EchoRun(final LoadOptions options, final Errors errors)
        {
            this.serverPid = options.serverPid();
            this.errors = errors;
            this.payloadLength = options.payloadLength();
            this.inFlight = options.inFlight();
            this.connections = options.connections();
            this.rate = options.rate();
            this.openLoop = options.rate() > 0;
            this.deflate = options.deflate();
            this.filler = Filler.of(options.payloadKind(), Payloads.ECHO_HEADER_LENGTH, payloadLength);
        }
    }

    /**
     * One echo connection's handler and its state. The receiving side is owned by the connection's loop; the sending
     * side by the loop too in the closed loop, by the pacer in the open loop.
     */
    private static final class EchoConnection implements ClientHandler
    {
        final int index;
        final EchoRun run;
        final LoadClient client;
        final SequenceTracker tracker = new SequenceTracker();
        /** Closed loop: the send time of message s, at s % inFlight. */
        final long[] sendTimesNs;
        /** The next sequence number to send: messages sent so far. */
        long sendSequence;
        long received;
        volatile boolean started;
        Throwable lastError;
        volatile boolean dead;

        EchoConnection(final int index, final LoadClient client, final EchoRun run)
        {
            this.index = index;
            this.client = client;
            this.run = run;
            this.sendTimesNs = run.openLoop ? new long[0] : new long[run.inFlight];
        }

        @Override
        public void onPong(
            final WebSocketClientConnection connection, final DirectBuffer buffer, final int offset, final int length)
        {
            if (!run.openLoop && !started)
            {
                started = true;
                topUp(connection, System.nanoTime());
            }
        }

        @Override
        public void onBinary(
            final WebSocketClientConnection connection, final DirectBuffer buffer, final int offset, final int length)
        {
            final long nowNs = System.nanoTime();
            received++;
            if (run.deflate)
            {
                LoadClient.add(client.receivedBytes, length);
            }
            check(buffer, offset, length, nowNs);
            if (!run.openLoop)
            {
                topUp(connection, nowNs);
            }
            LoadClient.increment(client.received);
        }

        @Override
        public void onText(
            final WebSocketClientConnection connection, final DirectBuffer buffer, final int offset, final int length)
        {
            if (run.errors.record(ErrorKind.CORRUPT))
            {
                run.errors.log("connection " + index + ": a text message came back to a binary one");
            }
        }

        /**
         * @return true if the echo is intact (its latency recorded).
         */
        private boolean check(final DirectBuffer buffer, final int offset, final int length, final long nowNs)
        {
            if (length != run.payloadLength ||
                !run.filler.matches(buffer, offset + Payloads.ECHO_HEADER_LENGTH, buffer.getLong(offset)))
            {
                if (run.errors.record(ErrorKind.CORRUPT))
                {
                    run.errors.log("connection " + index + ": echo of " + length + " bytes differs from the " +
                        run.payloadLength + " sent");
                }
                return false;
            }

            final long sequence = buffer.getLong(offset);
            final long timeNs = buffer.getLong(offset + Payloads.ECHO_TIME_OFFSET);
            final int order = tracker.onSequence(sequence);
            if (SequenceTracker.INVALID == order)
            {
                if (run.errors.record(ErrorKind.CORRUPT))
                {
                    run.errors.log("connection " + index + ": echo with sequence " + sequence + ", expected " +
                        tracker.next());
                }
                return false;
            }
            if (SequenceTracker.DUPLICATE == order || SequenceTracker.LATE == order)
            {
                final ErrorKind kind =
                    SequenceTracker.DUPLICATE == order ? ErrorKind.DUPLICATE : ErrorKind.OUT_OF_ORDER;
                if (run.errors.record(kind))
                {
                    run.errors.log("connection " + index + ": echo " + sequence + " " + kind.key() +
                        " (next expected " + tracker.next() + ")");
                }
            }

            final long expectedNs;
            if (run.openLoop)
            {
                expectedNs = run.startRelativeNs + (long)((sequence * run.connections + index) * run.periodNs);
            }
            else if (sequence < sendSequence && sendSequence - sequence <= run.inFlight)
            {
                expectedNs = sendTimesNs[(int)(sequence % run.inFlight)];
            }
            else
            {
                expectedNs = timeNs; // not in flight any more (a duplicate): nothing to compare with
            }
            if (timeNs != expectedNs)
            {
                if (run.errors.record(ErrorKind.CORRUPT))
                {
                    run.errors.log("connection " + index + ": echo " + sequence + " carries send time " + timeNs +
                        ", sent " + expectedNs);
                }
                return false;
            }
            client.recordLatency(nowNs - run.baseNs - timeNs);
            return true;
        }

        /**
         * Closed loop, on the loop thread: send until the connection has its K messages in flight.
         *
         * @param nowNs the time the echo that made room arrived: the send follows at once, and one clock read per
         *              message is cheaper than two (latency is overstated by the few hundred nanoseconds between).
         */
        private void topUp(final WebSocketClientConnection connection, final long nowNs)
        {
            final UnsafeBuffer message = client.scratch;
            final long timeNs = nowNs - run.baseNs;
            while (sendSequence - received < run.inFlight && !run.stopping)
            {
                final long sequence = sendSequence;
                message.putLong(0, sequence);
                message.putLong(Payloads.ECHO_TIME_OFFSET, timeNs);
                if (run.filler.varies())
                {
                    run.filler.write(message, Payloads.ECHO_HEADER_LENGTH, sequence);
                }
                if (!connection.sendBinary(message, 0, run.payloadLength))
                {
                    if (!run.closing && run.errors.record(ErrorKind.SEND_FAILED))
                    {
                        run.errors.log("connection " + index + ": send refused, the connection is not open");
                    }
                    return;
                }
                sendTimesNs[(int)(sequence % run.inFlight)] = timeNs;
                sendSequence = sequence + 1;
                LoadClient.increment(client.sent);
            }
        }

        @Override
        public void onError(final WebSocketClientConnection connection, final Throwable error)
        {
            lastError = error; // onClose follows and counts it
        }

        @Override
        public void onClose(final WebSocketClientConnection connection, final int code, final String reason)
        {
            dead = true;
            if (!run.closing && run.errors.record(ErrorKind.UNEXPECTED_CLOSE))
            {
                run.errors.log("connection " + index + " closed: " + code + " " + reason +
                    (null == lastError ? "" : " after " + lastError));
            }
        }
    }
}
