package io.wsmux.perf.load;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;

import io.wsmux.client.ClientHandler;
import io.wsmux.client.WebSocketClientConnection;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The fan-out scenario, over the text multiplex protocol (docs/protocol.md) against a server in fanout mode
 * ({@code java -jar wsmux.jar --mode fanout}): topics {@code bench.*}, and channels {@code publish.<topic>} that
 * publish what they receive to {@code <topic>}.
 * <ol>
 *     <li>S subscribers connect; subscriber i sends {@code sub,bench.<i % T>}.</li>
 *     <li>One publisher connection sends {@code sub,publish.bench.<t>} for every topic, then publishes probes
 *     ({@code msg,publish.bench.<t>,p...}) every 20 ms until every subscriber has received one: the text protocol
 *     confirms no subscription, and a topic delivers in order, so a subscriber that has seen a probe will see every
 *     publication after it.</li>
 *     <li>The publisher publishes {@code msg,publish.bench.<t>,<payload>} round-robin over the topics, the payload
 *     carrying the topic's sequence number and the publish time ({@link Payloads}): at a fixed rate (open loop,
 *     the intended time, so latency is corrected for coordinated omission), or with {@code --rate max} as fast as
 *     the server delivers, keeping the deliveries of at most W publications per topic outstanding.</li>
 *     <li>Every subscriber checks each {@code msg,bench.<t>,<payload>}: intact (its filler the one published with
 *     that sequence: {@link Filler}), next in its topic's sequence; and records publish-to-receive latency (one
 *     clock: same JVM).</li>
 *     <li>After the measured window the publisher stops; the run waits for the deliveries still in flight, then
 *     counts what each subscriber is missing.</li>
 * </ol>
 * The publisher sends from the calling thread through the client loop's command ring (the loop writes it out), so
 * the publish time includes that hand-off.
 * <p>
 * With {@code --deflate} every connection offers permessage-deflate; the publisher's messages of 128 bytes or more
 * go compressed, the subscribers inflate what the server compressed, and the result reports the bytes the loops
 * read off their sockets per delivery ({@link WireStats}), counted over every publication of the run (warm-up and
 * drain too) from just before the first to after the loops stopped, when their counts are exact.
 * <p>
 * With {@code --transport xhr-streaming} only the subscribers change: each is a SockJS session over xhr_streaming
 * under {@code --sockjs-prefix} ({@link XhrStreamingSession}), sends its {@code sub,bench.<t>} by xhr_send once
 * the {@code o} frame arrived, and checks every message of the {@code a[...]} frames exactly as a WebSocket
 * subscriber checks its text messages; the publisher stays on its WebSocket, on a loop of its own, and the
 * subscribers run on {@code --client-threads} xhr-streaming loops.
 * <p>
 * With {@code --subscriber-urls} the subscribers connect to several URLs, the nodes of a cluster, split evenly in
 * order ({@link LoadOptions#subscriberNode(int)}), the publisher to {@code --publisher-url} (or {@code --url}); each
 * subscriber then counts its deliveries and records its latencies per node ({@link FanOutNodes}), and the result
 * reports every node beside the totals.
 * <p>
 * Not thread safe: {@link #run} owns the run on the calling thread.
 */
public final class FanOutScenario
{
    private static final String TOPIC_PREFIX = "bench.";
    private static final String PUBLISH_PREFIX = "publish.";
    private static final long PROBE_INTERVAL_MS = 20;
    private static final long START_DELAY_NS = TimeUnit.MILLISECONDS.toNanos(1);
    /** How long the windowed publisher parks when its window is full. */
    private static final long WINDOW_PARK_NS = TimeUnit.MICROSECONDS.toNanos(20);
    private static final long DRAIN_POLL_MS = 5;
    private static final UnsafeBuffer REFUSAL = ascii("uns,");

    private FanOutScenario()
    {
    }

    /**
     * Run the scenario.
     *
     * @param options {@link LoadOptions#conclude() concluded} here.
     * @return what was measured.
     */
    public static FanOutResult run(final LoadOptions options)
    {
        options.scenario(LoadOptions.FANOUT).conclude();
        final Errors errors = new Errors();
        final FanOutRun run = new FanOutRun(options, errors);
        final int subscriberCount = options.subscribers();
        final int topics = options.topics();
        final Subscriber[] subscribers = new Subscriber[subscriberCount];
        final List<URI> subscriberUrls = options.subscriberUrls();
        final FanOutNodes nodes = run.nodes;
        final IntFunction<URI> subscriberUrl =
            null == nodes ? (i) -> options.url() : (i) -> subscriberUrls.get(options.subscriberNode(i));
        final Publisher publisher = new Publisher(run);
        final boolean xhrStreaming = options.xhrStreaming();
        final int scratchLength = options.payloadLength() + PUBLISH_PREFIX.length() + 32;
        // Over xhr-streaming the WebSocket loop carries only the publisher.
        final LoadClients clients =
            new LoadClients(xhrStreaming ? 1 : options.clientThreads(), scratchLength, errors, options.deflate(),
                options.clientTls());
        final XhrStreamingClients sockJs = xhrStreaming ? new XhrStreamingClients(
            options.clientThreads(), options.url(), options.sockJsPrefix(), scratchLength, errors) : null;
        final ClientLoops subscriberLoops = xhrStreaming ? sockJs : clients;
        final boolean[] connected = new boolean[subscriberCount];
        final Connector connector = new Connector();
        final long[] published = new long[topics];
        final long[] marks = new long[8];
        final Histogram histogram;
        int opened = 0;
        int subscribed = 0;
        long expectedDeliveries = 0;
        long wireBytesStart = 0;
        long probes = 0;
        final Progress progress = Progress.start(options.quiet(), "fanout", () -> run.phase, "deliveries/s",
            subscriberLoops::received, subscriberLoops::openConnections, errors::total);
        try
        {
            if (xhrStreaming)
            {
                final XhrStreamingSession[] sessions = connector.openAll(sockJs, subscriberCount,
                    (i) -> subscribers[i] = new Subscriber(i, i % topics, sockJs.forSession(i), run, 0, 0),
                    options.sourceSocketAddresses(), options.connectConcurrency(), options.connectTimeoutNs(),
                    errors);
                for (int i = 0; i < subscriberCount; i++)
                {
                    connected[i] = null != sessions[i];
                }
            }
            else
            {
                final WebSocketClientConnection[] connections = connector.openAll(clients, subscriberUrl, null,
                    subscriberCount,
                    (i) -> subscribers[i] = new Subscriber(i, i % topics, clients.forConnection(i), run,
                        options.subscriberNode(i), i % options.clientThreads()),
                    options.sourceSocketAddresses(), options.connectConcurrency(), options.connectTimeoutNs(),
                    errors);
                for (int i = 0; i < subscriberCount; i++)
                {
                    connected[i] = null != connections[i];
                }
            }
            opened = connector.opened();
            final WebSocketClientConnection publisherConnection = new Connector().openAll(clients,
                options.publisherUrl(),
                null, 1, (i) -> publisher, options.sourceSocketAddresses(), 1, options.connectTimeoutNs(),
                errors)[0];

            if (null != publisherConnection)
            {
                run.phase = "subscribe";
                for (int t = 0; t < topics; t++)
                {
                    final String subscribe = "sub," + PUBLISH_PREFIX + TOPIC_PREFIX + t;
                    while (!publisherConnection.sendText(subscribe) && publisherConnection.isOpen())
                    {
                        Thread.yield(); // the loop's command ring is full
                    }
                }
                probes = awaitSubscriptions(run, publisherConnection, opened, options.subscribeTimeoutNs());
                subscribed = run.subscribed.get();
                if (subscribed < opened)
                {
                    errors.add(ErrorKind.NOT_SUBSCRIBED, opened - subscribed);
                    errors.log((opened - subscribed) + " of " + opened + " subscribers saw no probe within " +
                        TimeUnit.NANOSECONDS.toMillis(options.subscribeTimeoutNs()) + " ms");
                }

                final long[] subscribedPerTopic = new long[topics];
                for (int i = 0; i < subscriberCount; i++)
                {
                    if (connected[i] && subscribers[i].subscribed)
                    {
                        subscribedPerTopic[i % topics]++;
                    }
                }
                wireBytesStart = clients.bytesRead(); // before the first publication: the loops are all but quiet
                expectedDeliveries = publish(
                    run, subscriberLoops, publisher, publisherConnection, subscribedPerTopic, published, marks);
            }
            histogram = subscriberLoops.intervalHistogram();
            if (null != nodes)
            {
                nodes.addHistogramsTo(histogram); // the subscribers recorded per node only
            }

            run.phase = "drain";
            final long drainDeadlineNs = System.nanoTime() + options.drainTimeoutNs();
            while (subscriberLoops.received() < expectedDeliveries && System.nanoTime() - drainDeadlineNs < 0)
            {
                Sleeps.ms(DRAIN_POLL_MS);
            }
            marks[6] = subscriberLoops.received();
            run.phase = "close";
            run.closing = true;
        }
        finally
        {
            run.closing = true;
            progress.close();
            if (null != sockJs)
            {
                sockJs.close(); // joins the loop threads: their handlers' state is safe to read below
            }
            clients.close(); // joins the loop threads: their handlers' state is safe to read below
        }

        long received = 0;
        long publishedTotal = 0;
        for (final long count : published)
        {
            publishedTotal += count;
        }
        for (final Subscriber subscriber : subscribers)
        {
            if (null == subscriber)
            {
                continue;
            }
            received += subscriber.received;
            if (subscriber.subscribed) // the others are counted as connectFailures or notSubscribed
            {
                final long missing = subscriber.tracker.missing(published[subscriber.topic]);
                errors.add(ErrorKind.MISSING, missing, "subscriber " + subscriber.index + " of " + TOPIC_PREFIX +
                    subscriber.topic + ": " + missing + " of " + published[subscriber.topic] +
                    " publications not received");
            }
        }

        final long measuredNs = marks[2] - marks[0];
        final long deliveries = marks[3] - marks[1];
        final List<FanOutNodeResult> nodeResults = null == nodes ? List.of() :
            nodeResults(nodes, subscribers, subscriberUrls.size(), measuredNs);
        return new FanOutResult(
            options.label(),
            options.url().toString(),
            options.transport(),
            run.openLoop ? "rate" : "max",
            subscriberCount,
            opened,
            subscribed,
            topics,
            options.payloadLength(),
            run.filler.kind(),
            options.deflate(),
            options.rate(),
            run.openLoop ? 0 : options.window(),
            options.clientThreads(),
            measuredNs / 1e9,
            publishedTotal,
            marks[5] - marks[4],
            (marks[5] - marks[4]) * 1e9 / Math.max(1, measuredNs),
            deliveries,
            deliveries * 1e9 / Math.max(1, measuredNs),
            marks[1],
            marks[6] - marks[3],
            expectedDeliveries,
            received,
            null == run.cpuEnd ? CpuSample.UNKNOWN : run.cpuStart.clientCores(run.cpuEnd),
            null == run.cpuEnd ? CpuSample.UNKNOWN : run.cpuStart.serverCores(run.cpuEnd),
            null == run.cpuEnd ? CpuSample.UNKNOWN : run.cpuStart.machineCores(run.cpuEnd),
            options.deflate() ? WireStats.of(clients.bytesRead() - wireBytesStart, clients.receivedBytes(), received) :
                WireStats.NONE,
            LatencySummary.of(histogram),
            histogram,
            new ErrorCounts(errors.snapshot()),
            probes,
            nodeResults);
    }

    private static List<FanOutNodeResult> nodeResults(
        final FanOutNodes nodes, final Subscriber[] subscribers, final int nodeCount, final long measuredNs)
    {
        final int[] perNode = new int[nodeCount];
        final int[] subscribedPerNode = new int[nodeCount];
        for (final Subscriber subscriber : subscribers)
        {
            if (null != subscriber)
            {
                perNode[subscriber.node]++;
                subscribedPerNode[subscriber.node] += subscriber.subscribed ? 1 : 0;
            }
        }
        return nodes.results(perNode, subscribedPerNode, measuredNs);
    }

    /**
     * Publish probes to every topic until every open subscriber has seen one, or the timeout.
     *
     * @return probes published.
     */
    private static long awaitSubscriptions(
        final FanOutRun run, final WebSocketClientConnection publisher, final int opened, final long timeoutNs)
    {
        final long deadlineNs = System.nanoTime() + timeoutNs;
        final UnsafeBuffer probe = new UnsafeBuffer(new byte[Payloads.HEX_LENGTH + 1]);
        probe.putByte(0, Payloads.PROBE);
        long probeNumber = 0;
        while (run.subscribed.get() < opened && System.nanoTime() - deadlineNs < 0 && publisher.isOpen())
        {
            Payloads.putHex(probe, 1, probeNumber++);
            for (int t = 0; t < run.topics; t++)
            {
                final String text = "msg," + PUBLISH_PREFIX + TOPIC_PREFIX + t + "," +
                    probe.getStringWithoutLengthAscii(0, probe.capacity());
                while (!publisher.sendText(text) && publisher.isOpen())
                {
                    Sleeps.ms(1);
                }
            }
            Sleeps.ms(PROBE_INTERVAL_MS);
        }
        return probeNumber * run.topics;
    }

    /**
     * Publish from the calling thread until the end of the measured window.
     *
     * @param marks filled with nanoTime, deliveries and publications at the start of the measured window [0, 1, 4],
     *              at its end [2, 3, 5], and deliveries at the end of the drain [6] (set by the caller's drain).
     * @return deliveries expected: each publication times the subscribers of its topic.
     */
    private static long publish(
        final FanOutRun run,
        final ClientLoops clients,
        final Publisher publisher,
        final WebSocketClientConnection connection,
        final long[] subscribedPerTopic,
        final long[] published,
        final long[] marks)
    {
        final int topics = run.topics;
        final int payloadLength = run.payloadLength;
        final UnsafeBuffer[] messages = new UnsafeBuffer[topics];
        final int[] payloadOffsets = new int[topics];
        long subscribedTotal = 0;
        for (int t = 0; t < topics; t++)
        {
            final byte[] prefix =
                ("msg," + PUBLISH_PREFIX + TOPIC_PREFIX + t + ",").getBytes(StandardCharsets.US_ASCII);
            messages[t] = new UnsafeBuffer(new byte[prefix.length + payloadLength]);
            messages[t].putBytes(0, prefix);
            messages[t].putBytes(prefix.length, run.template, 0, payloadLength);
            messages[t].putByte(prefix.length, Payloads.DATA);
            payloadOffsets[t] = prefix.length;
            subscribedTotal += subscribedPerTopic[t];
        }
        // The window is per topic: W publications of each topic in flight, so the pipeline is as deep with 100 topics
        // as with one.
        final long windowDeliveries = Math.max(1, run.window * subscribedTotal);
        final double periodNs = run.openLoop ? 1e9 / run.rate : 0;

        final long startNs = System.nanoTime() + START_DELAY_NS;
        final long measureStartNs = startNs + run.warmupNs;
        final long endNs = measureStartNs + run.durationNs;
        run.periodNs = periodNs;
        run.startRelativeNs = startNs - run.baseNs; // volatile: published before any publication that needs it
        run.phase = run.warmupNs > 0 ? "warmup" : "measure";

        boolean measuring = false;
        long index = 0;
        long expected = 0;
        long publishedCount = 0;
        while (true)
        {
            final long nowNs = System.nanoTime();
            if (!measuring && nowNs - measureStartNs >= 0)
            {
                measuring = true;
                clients.intervalHistogram(); // drop the warm-up's latencies
                if (null != run.nodes)
                {
                    run.nodes.startWindow();
                }
                marks[0] = nowNs;
                marks[1] = clients.received();
                marks[4] = publishedCount;
                run.cpuStart = CpuSample.take(run.serverPid);
                run.phase = "measure";
            }
            if (nowNs - endNs >= 0 || publisher.closed)
            {
                marks[2] = System.nanoTime();
                marks[3] = clients.received();
                marks[5] = publishedCount;
                run.cpuEnd = CpuSample.take(run.serverPid);
                if (!measuring)
                {
                    marks[0] = marks[2];
                    marks[1] = marks[3];
                    marks[4] = marks[5];
                    run.cpuStart = run.cpuEnd;
                }
                if (null != run.nodes)
                {
                    if (!measuring)
                    {
                        run.nodes.startWindow();
                    }
                    run.nodes.endWindow();
                }
                return expected;
            }

            final long intendedNs = run.openLoop ? startNs + (long)(index * periodNs) : nowNs;
            final boolean due = run.openLoop ?
                intendedNs - nowNs <= 0 :
                expected - clients.received() < windowDeliveries;
            if (!due)
            {
                if (run.openLoop)
                {
                    LockSupport.parkNanos(Math.min(intendedNs - nowNs, endNs - nowNs));
                }
                else
                {
                    LockSupport.parkNanos(WINDOW_PARK_NS);
                }
                continue;
            }

            final int topic = (int)(index % topics);
            final UnsafeBuffer message = messages[topic];
            final int payloadOffset = payloadOffsets[topic];
            Payloads.putHex(message, payloadOffset + Payloads.FANOUT_SEQUENCE_OFFSET, published[topic]);
            Payloads.putHex(message, payloadOffset + Payloads.FANOUT_TIME_OFFSET, intendedNs - run.baseNs);
            if (run.filler.varies())
            {
                run.filler.write(message, payloadOffset + Payloads.FANOUT_HEADER_LENGTH, published[topic]);
            }
            if (!connection.sendText(message, 0, message.capacity()))
            {
                if (!connection.isOpen())
                {
                    publisher.closed = true;
                    continue;
                }
                Thread.yield(); // the loop's command ring is full: retry once it has drained a little
                continue;
            }
            published[topic]++;
            publishedCount++;
            expected += subscribedPerTopic[topic];
            index++;
        }
    }

    private static UnsafeBuffer ascii(final String text)
    {
        return new UnsafeBuffer(text.getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * What the main thread and the client loops share in one run.
     */
    private static final class FanOutRun
    {
        final Errors errors;
        final int payloadLength;
        final int topics;
        final int window;
        final double rate;
        final boolean openLoop;
        final long warmupNs;
        final long durationNs;
        /** What publications start as: the header's place, then the filler of kind filler. */
        final UnsafeBuffer template;
        /** What follows each publication's header. */
        final Filler filler;
        final boolean deflate;
        /** Times in payloads are nanoTime minus this, so never negative. */
        final long baseNs = System.nanoTime();
        final AtomicInteger subscribed = new AtomicInteger();
        /** With subscribers on several URLs, their deliveries and latencies per node; else null. */
        final FanOutNodes nodes;
        volatile double periodNs;
        volatile long startRelativeNs;
        volatile boolean closing;
        volatile String phase = "connect";
        final long serverPid;
        CpuSample cpuStart;
        CpuSample cpuEnd;

        FanOutRun(final LoadOptions options, final Errors errors)
        {
            this.serverPid = options.serverPid();
            this.errors = errors;
            this.payloadLength = options.payloadLength();
            this.topics = options.topics();
            this.window = options.window();
            this.rate = options.rate();
            this.openLoop = options.rate() > 0;
            this.warmupNs = options.warmupNs();
            this.durationNs = options.durationNs();
            this.template = Payloads.template(payloadLength);
            this.filler = Filler.of(options.payloadKind(), Payloads.FANOUT_HEADER_LENGTH, payloadLength);
            this.deflate = options.deflate();
            this.nodes = options.subscriberUrls().isEmpty() ? null :
                new FanOutNodes(options.subscriberUrls(), options.publisherUrl(), options.clientThreads());
        }
    }

    /**
     * The publisher connection's handler: the server sends it nothing but refusals.
     */
    private static final class Publisher implements ClientHandler
    {
        final FanOutRun run;
        volatile boolean closed;
        Throwable lastError;

        Publisher(final FanOutRun run)
        {
            this.run = run;
        }

        @Override
        public void onText(
            final WebSocketClientConnection connection, final DirectBuffer buffer, final int offset, final int length)
        {
            if (run.errors.record(ErrorKind.REFUSED))
            {
                run.errors.log("publisher got " + buffer.getStringWithoutLengthUtf8(offset, Math.min(length, 80)));
            }
        }

        @Override
        public void onError(final WebSocketClientConnection connection, final Throwable error)
        {
            lastError = error;
        }

        @Override
        public void onClose(final WebSocketClientConnection connection, final int code, final String reason)
        {
            closed = true;
            if (!run.closing && run.errors.record(ErrorKind.UNEXPECTED_CLOSE))
            {
                run.errors.log("publisher closed: " + code + " " + reason +
                    (null == lastError ? "" : " after " + lastError));
            }
        }
    }

    /**
     * One subscriber's handler and its state, owned by its connection's (or SockJS session's) loop.
     */
    private static final class Subscriber implements ClientHandler, XhrStreamingHandler
    {
        final int index;
        final int topic;
        /** The index of the URL it connected to, 0 with one. */
        final int node;
        final FanOutRun run;
        final LoadClient client;
        final UnsafeBuffer prefix;
        final SequenceTracker tracker = new SequenceTracker();
        /** With subscribers on several URLs: its loop's deliveries and latencies on its node; else null. */
        final AtomicLong nodeReceived;
        final SingleWriterRecorder nodeRecorder;
        /** Data publications received. */
        long received;
        Throwable lastError;
        volatile boolean subscribed;

        Subscriber(
            final int index, final int topic, final LoadClient client, final FanOutRun run, final int node,
            final int loop)
        {
            this.index = index;
            this.topic = topic;
            this.node = node;
            this.nodeReceived = null == run.nodes ? null : run.nodes.received(loop, node);
            this.nodeRecorder = null == run.nodes ? null : run.nodes.recorder(loop, node);
            this.client = client;
            this.run = run;
            this.prefix = ascii("msg," + TOPIC_PREFIX + topic + ",");
        }

        @Override
        public void onOpen(final WebSocketClientConnection connection)
        {
            connection.sendText("sub," + TOPIC_PREFIX + topic);
        }

        @Override
        public void onOpen(final XhrStreamingSession session)
        {
            session.send("sub," + TOPIC_PREFIX + topic);
        }

        @Override
        public void onText(
            final WebSocketClientConnection connection, final DirectBuffer buffer, final int offset, final int length)
        {
            onMessage(buffer, offset, length);
        }

        @Override
        public void onMessage(
            final XhrStreamingSession session, final DirectBuffer buffer, final int offset, final int length)
        {
            onMessage(buffer, offset, length);
        }

        /**
         * A text message, over either transport: a probe, a publication to check, or something unexpected.
         */
        private void onMessage(final DirectBuffer buffer, final int offset, final int length)
        {
            final long nowNs = System.nanoTime();
            if (!Payloads.startsWith(buffer, offset, length, prefix))
            {
                unexpected(buffer, offset, length);
                return;
            }
            final int payloadOffset = offset + prefix.capacity();
            final int payloadLength = length - prefix.capacity();
            if (payloadLength > 0 && Payloads.PROBE == buffer.getByte(payloadOffset))
            {
                if (!subscribed)
                {
                    subscribed = true;
                    run.subscribed.incrementAndGet();
                }
                return;
            }
            received++;
            if (run.deflate)
            {
                LoadClient.add(client.receivedBytes, length);
            }
            check(buffer, payloadOffset, payloadLength, nowNs);
            LoadClient.increment(client.received);
            if (null != nodeReceived)
            {
                LoadClient.increment(nodeReceived);
            }
        }

        private void check(final DirectBuffer buffer, final int offset, final int length, final long nowNs)
        {
            final int headerLength = Payloads.FANOUT_HEADER_LENGTH;
            final long sequence = length == run.payloadLength && Payloads.DATA == buffer.getByte(offset) ?
                Payloads.parseHex(buffer, offset + Payloads.FANOUT_SEQUENCE_OFFSET) : Payloads.NOT_HEX;
            final long timeNs = Payloads.NOT_HEX == sequence ?
                Payloads.NOT_HEX : Payloads.parseHex(buffer, offset + Payloads.FANOUT_TIME_OFFSET);
            if (Payloads.NOT_HEX == timeNs || !run.filler.matches(buffer, offset + headerLength, sequence))
            {
                if (run.errors.record(ErrorKind.CORRUPT))
                {
                    run.errors.log("subscriber " + index + ": publication of " + length + " bytes is not what was " +
                        "published: " + buffer.getStringWithoutLengthUtf8(offset, Math.min(length, 48)));
                }
                return;
            }

            final int order = tracker.onSequence(sequence);
            if (SequenceTracker.INVALID == order)
            {
                if (run.errors.record(ErrorKind.CORRUPT))
                {
                    run.errors.log("subscriber " + index + ": sequence " + sequence + ", expected " + tracker.next());
                }
                return;
            }
            if (SequenceTracker.DUPLICATE == order || SequenceTracker.LATE == order)
            {
                final ErrorKind kind =
                    SequenceTracker.DUPLICATE == order ? ErrorKind.DUPLICATE : ErrorKind.OUT_OF_ORDER;
                if (run.errors.record(kind))
                {
                    run.errors.log("subscriber " + index + ": publication " + sequence + " of " + TOPIC_PREFIX + topic +
                        " " + kind.key() + " (next expected " + tracker.next() + ")");
                }
            }
            if (run.openLoop)
            {
                final long intendedNs = run.startRelativeNs + (long)((sequence * run.topics + topic) * run.periodNs);
                if (intendedNs != timeNs)
                {
                    if (run.errors.record(ErrorKind.CORRUPT))
                    {
                        run.errors.log("subscriber " + index + ": publication " + sequence + " carries time " + timeNs +
                            ", published at " + intendedNs);
                    }
                    return;
                }
            }
            if (null == nodeRecorder)
            {
                client.recordLatency(nowNs - run.baseNs - timeNs);
            }
            else
            {
                nodeRecorder.recordValue(LoadClient.trackable(nowNs - run.baseNs - timeNs));
            }
        }

        private void unexpected(final DirectBuffer buffer, final int offset, final int length)
        {
            final ErrorKind kind = Payloads.startsWith(buffer, offset, length, REFUSAL) ?
                ErrorKind.REFUSED : ErrorKind.CORRUPT;
            if (run.errors.record(kind))
            {
                run.errors.log("subscriber " + index + " of " + TOPIC_PREFIX + topic + " got " +
                    buffer.getStringWithoutLengthUtf8(offset, Math.min(length, 80)));
            }
        }

        @Override
        public void onBinary(
            final WebSocketClientConnection connection, final DirectBuffer buffer, final int offset, final int length)
        {
            if (run.errors.record(ErrorKind.CORRUPT))
            {
                run.errors.log("subscriber " + index + " got a binary message");
            }
        }

        @Override
        public void onError(final WebSocketClientConnection connection, final Throwable error)
        {
            lastError = error;
        }

        @Override
        public void onClose(final WebSocketClientConnection connection, final int code, final String reason)
        {
            if (!run.closing && run.errors.record(ErrorKind.UNEXPECTED_CLOSE))
            {
                run.errors.log("subscriber " + index + " closed: " + code + " " + reason +
                    (null == lastError ? "" : " after " + lastError));
            }
        }

        @Override
        public void onClose(final XhrStreamingSession session, final int code, final String reason)
        {
            if (!run.closing && run.errors.record(ErrorKind.UNEXPECTED_CLOSE))
            {
                run.errors.log("subscriber " + index + " (SockJS session " + session.id() + ") closed: " + code +
                    " " + reason);
            }
        }
    }
}
