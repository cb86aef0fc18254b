package io.wsmux.perf;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.wsmux.client.ChannelListener;
import io.wsmux.client.MuxClient;
import io.wsmux.client.MuxClientChannel;
import io.wsmux.client.WsmuxClient;
import io.wsmux.codec.mux.BinaryMuxDescriptor;
import org.agrona.DirectBuffer;

/**
 * {@code recover-storm}: a reconnect storm with recovery (issue 17). C clients, spread over child JVMs of at most
 * {@code --per-process} each, subscribe with positions to one topic with a history on a {@code --mode fanout} server
 * ({@code history.*}); then all of them drop their connections at once, M publications are made while they are away,
 * and all reconnect at once and recover. Reports the time from the reconnect to the last client having recovered
 * every missed publication, the handshakes per second of the reconnect, and how many recovered.
 * <p>
 * Parent and children speak lines over the children's standard input and output:
 * <pre>
 * child -&gt; parent   READY opened=N epoch=E offset=O        every client subscribed (FRESH)
 * parent -&gt; child   cut                                     close every connection
 * child -&gt; parent   CUT
 * parent -&gt; child   go                                      reconnect all at once, recover
 * child -&gt; parent   RESULT recovered=R notRecovered=X failed=F retries=T handshakesNs=H recoveredNs=A
 * </pre>
 * Every wait is bounded by {@code --timeout}; children are stopped by their handles.
 */
public final class RecoverStorm
{
    private static final String TOPIC = "history.storm";

    private RecoverStorm()
    {
    }

    /**
     * @param args {@code --url ws://host:port/ [--clients 10000] [--per-process 5000] [--messages 100]
     *             [--timeout 120]}, or {@code --child ...} for a child.
     * @throws Exception on failure.
     */
    public static void main(final String[] args) throws Exception
    {
        String url = null;
        int clients = 10_000;
        int perProcess = 5_000;
        int messages = 100;
        int timeoutS = 120;
        boolean child = false;
        for (int i = 0; i < args.length; i++)
        {
            switch (args[i])
            {
                case "--url" -> url = args[++i];
                case "--clients" -> clients = Integer.parseInt(args[++i]);
                case "--per-process" -> perProcess = Integer.parseInt(args[++i]);
                case "--messages" -> messages = Integer.parseInt(args[++i]);
                case "--timeout" -> timeoutS = Integer.parseInt(args[++i]);
                case "--child" -> child = true;
                case "--help" ->
                {
                    System.out.println("usage: java -jar perf/target/wsmux-perf.jar recover-storm --url " +
                        "ws://HOST:PORT/ [--clients 10000] [--per-process 5000] [--messages 100] [--timeout 120]");
                    System.out.println("  against java -jar core/target/wsmux.jar --mode fanout (topic " + TOPIC +
                        ", history 1,000)");
                    return;
                }
                default -> throw new IllegalArgumentException(args[i] + " is not an option of recover-storm: use " +
                    "--url, --clients, --per-process, --messages, --timeout or --help");
            }
        }
        if (null == url || clients < 1 || perProcess < 1 || messages < 1 || messages > 1000 || timeoutS < 1)
        {
            throw new IllegalArgumentException("recover-storm needs --url, and --clients, --per-process >= 1, " +
                "--messages 1..1000 (the history), --timeout >= 1");
        }
        if (child)
        {
            runChild(URI.create(url), clients, timeoutS);
        }
        else
        {
            System.out.println(runParent(url, clients, perProcess, messages, timeoutS));
        }
    }

    /**
     * @return the RESULT line.
     */
    static String runParent(
        final String url, final int clients, final int perProcess, final int messages, final int timeoutS)
        throws Exception
    {
        final int processes = (clients + perProcess - 1) / perProcess;
        final List<Process> children = new ArrayList<>();
        final List<BufferedReader> outputs = new ArrayList<>();
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutS);
        try (WsmuxClient client = WsmuxClient.start())
        {
            for (int p = 0; p < processes; p++)
            {
                final int share = Math.min(perProcess, clients - p * perProcess);
                final Process process = new ProcessBuilder(javaCommand(url, share, timeoutS))
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
                children.add(process);
                outputs.add(
                    new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)));
            }
            for (final BufferedReader output : outputs)
            {
                expect(output, "READY", deadlineNs);
            }
            send(children, "cut");
            for (final BufferedReader output : outputs)
            {
                expect(output, "CUT", deadlineNs);
            }

            // While every subscriber is away: M publications, seen by a watcher so that they are all made.
            final MuxClient publisher = MuxClient.connect(client, URI.create(url)).get(timeoutS, TimeUnit.SECONDS);
            final AtomicInteger seen = new AtomicInteger();
            publisher.open(TOPIC, new ChannelListener()
            {
                @Override
                public void onText(
                    final MuxClientChannel channel, final DirectBuffer buffer, final int offset, final int length)
                {
                    seen.incrementAndGet();
                }
            });
            final MuxClientChannel publish = publisher.open("publish." + TOPIC, new ChannelListener()
            {
            });
            while (!publish.isOpen())
            {
                check(deadlineNs, "the publish channel did not open");
                Thread.sleep(1);
            }
            for (int i = 0; i < messages; i++)
            {
                publish.sendText("storm " + i);
            }
            while (seen.get() < messages)
            {
                check(deadlineNs, "the publications were not all made");
                Thread.sleep(1);
            }
            publisher.close();

            send(children, "go");
            long recovered = 0;
            long notRecovered = 0;
            long failed = 0;
            long retries = 0;
            long handshakesNs = 0;
            long recoveredNs = 0;
            for (final BufferedReader output : outputs)
            {
                final Map<String, Long> result = fields(expect(output, "RESULT", deadlineNs));
                recovered += result.get("recovered");
                notRecovered += result.get("notRecovered");
                failed += result.get("failed");
                retries += result.get("retries");
                handshakesNs = Math.max(handshakesNs, result.get("handshakesNs"));
                recoveredNs = Math.max(recoveredNs, result.get("recoveredNs"));
            }
            return "RESULT scenario=recover-storm clients=" + clients + " processes=" + processes + " messages=" +
                messages + " recovered=" + recovered + " notRecovered=" + notRecovered + " failed=" + failed +
                " retries=" + retries + " timeToAllRecoveredMs=" + TimeUnit.NANOSECONDS.toMillis(recoveredNs) +
                " handshakesPerSecond=" + (0 == handshakesNs ? 0 : Math.round(clients * 1e9 / handshakesNs)) +
                " recoveredMessagesPerSecond=" +
                (0 == recoveredNs ? 0 : Math.round(recovered * (double)messages * 1e9 / recoveredNs));
        }
        finally
        {
            for (final Process process : children)
            {
                process.destroy();
                if (!process.waitFor(10, TimeUnit.SECONDS))
                {
                    process.destroyForcibly();
                }
            }
        }
    }

    private static List<String> javaCommand(final String url, final int share, final int timeoutS)
    {
        final List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.add("-Xmx1g");
        command.add("--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED"); // Agrona, as the jar's manifest says
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(RecoverStorm.class.getName());
        command.addAll(List.of("--child", "--url", url, "--clients", String.valueOf(share), "--timeout",
            String.valueOf(timeoutS)));
        return command;
    }

    private static void runChild(final URI uri, final int clients, final int timeoutS) throws Exception
    {
        final PrintStream out = System.out;
        final BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutS);
        try (WsmuxClient client = WsmuxClient.start())
        {
            final Subscriber[] subscribers = new Subscriber[clients];
            final AtomicInteger failures = new AtomicInteger();
            final AtomicLong retries = new AtomicLong();
            for (int i = 0; i < clients; i++)
            {
                subscribers[i] = new Subscriber();
            }
            connectAll(client, uri, subscribers, false, 0, 0, retries, failures, deadlineNs);
            awaitAll(subscribers, (subscriber) -> subscriber.recovery >= 0, deadlineNs);
            final long epoch = subscribers[0].epoch;
            final long offset = subscribers[0].position;
            out.println("READY opened=" + clients + " epoch=" + epoch + " offset=" + offset);
            out.flush();

            await(in, "cut", deadlineNs);
            for (final Subscriber subscriber : subscribers)
            {
                subscriber.connection.close();
                subscriber.reset();
            }
            out.println("CUT");
            out.flush();

            await(in, "go", deadlineNs);
            final long startNs = System.nanoTime();
            connectAll(client, uri, subscribers, true, epoch, offset, retries, failures, deadlineNs);
            final long handshakesNs = System.nanoTime() - startNs;
            awaitAll(subscribers, (subscriber) -> subscriber.done(), deadlineNs);
            final long recoveredNs = System.nanoTime() - startNs;
            int recovered = 0;
            int notRecovered = 0;
            for (final Subscriber subscriber : subscribers)
            {
                if (BinaryMuxDescriptor.RECOVERY_RECOVERED == subscriber.recovery)
                {
                    recovered++;
                }
                else
                {
                    notRecovered++;
                }
            }
            out.println("RESULT recovered=" + recovered + " notRecovered=" + notRecovered + " failed=" +
                failures.get() + " retries=" + retries.get() + " handshakesNs=" + handshakesNs + " recoveredNs=" +
                recoveredNs);
            out.flush();
        }
    }

    /**
     * Connect every subscriber at once (a refused handshake, say 503 at the server's handshake limit, is tried again
     * after 10-50 ms, as a client backing off would, without holding up the others), and open its channel: with
     * positions, or recovering.
     */
    private static void connectAll(
        final WsmuxClient client, final URI uri, final Subscriber[] subscribers, final boolean recover,
        final long epoch, final long offset, final AtomicLong retries, final AtomicInteger failures,
        final long deadlineNs) throws InterruptedException
    {
        final Map<Integer, CompletableFuture<MuxClient>> pending = new ConcurrentHashMap<>();
        final long[] retryAtNs = new long[subscribers.length];
        for (int i = 0; i < subscribers.length; i++)
        {
            pending.put(i, MuxClient.connect(client, uri));
        }
        while (!pending.isEmpty())
        {
            check(deadlineNs, pending.size() + " connections not made");
            final long nowNs = System.nanoTime();
            for (final Map.Entry<Integer, CompletableFuture<MuxClient>> entry : pending.entrySet())
            {
                final int index = entry.getKey();
                final CompletableFuture<MuxClient> future = entry.getValue();
                if (null == future)
                {
                    continue;
                }
                if (!future.isDone())
                {
                    continue;
                }
                final Subscriber subscriber = subscribers[index];
                if (future.isCompletedExceptionally())
                {
                    if (0 == retryAtNs[index])
                    {
                        if (0 == retries.getAndIncrement()) // refused (a full backlog, say): back off 10-50 ms
                        {
                            System.err.println("recover-storm: a connection failed, retrying: " +
                                future.handle((ignored, error) -> String.valueOf(error)).join());
                        }
                        retryAtNs[index] = nowNs + TimeUnit.MILLISECONDS.toNanos(10 + index % 41);
                    }
                    else if (nowNs - retryAtNs[index] >= 0)
                    {
                        retryAtNs[index] = 0;
                        pending.put(index, MuxClient.connect(client, uri));
                    }
                    continue;
                }
                pending.remove(index);
                subscriber.connection = future.join();
                try
                {
                    if (recover)
                    {
                        subscriber.connection.recover(TOPIC, 0, epoch, offset, subscriber);
                    }
                    else
                    {
                        subscriber.connection.openWithPositions(TOPIC, 0, subscriber);
                    }
                }
                catch (final IllegalStateException ex)
                {
                    failures.incrementAndGet(); // closed between the handshake and the open
                    subscriber.recovery = Integer.MAX_VALUE;
                }
            }
            Thread.sleep(1);
        }
    }

    private static void awaitAll(
        final Subscriber[] subscribers, final java.util.function.Predicate<Subscriber> condition, final long deadlineNs)
        throws InterruptedException
    {
        for (final Subscriber subscriber : subscribers)
        {
            while (!condition.test(subscriber))
            {
                check(deadlineNs, "a client did not get there");
                Thread.sleep(1);
            }
        }
    }

    private static void check(final long deadlineNs, final String what)
    {
        if (System.nanoTime() - deadlineNs > 0)
        {
            throw new IllegalStateException("recover-storm: " + what + " within --timeout");
        }
    }

    private static void send(final List<Process> children, final String line) throws IOException
    {
        for (final Process process : children)
        {
            final OutputStream in = process.getOutputStream();
            in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            in.flush();
        }
    }

    private static String expect(final BufferedReader output, final String prefix, final long deadlineNs)
        throws IOException
    {
        String line;
        while (null != (line = output.readLine()))
        {
            if (line.startsWith(prefix))
            {
                return line;
            }
            check(deadlineNs, "no " + prefix + " from a child");
        }
        throw new IllegalStateException("recover-storm: a child ended before " + prefix);
    }

    private static void await(final BufferedReader in, final String command, final long deadlineNs)
        throws IOException
    {
        String line;
        while (null != (line = in.readLine()))
        {
            if (command.equals(line.trim()))
            {
                return;
            }
            check(deadlineNs, "no " + command);
        }
        throw new IllegalStateException("recover-storm: the parent went away before " + command);
    }

    private static Map<String, Long> fields(final String line)
    {
        final Map<String, Long> fields = new ConcurrentHashMap<>();
        for (final String field : line.split(" "))
        {
            final int equals = field.indexOf('=');
            if (equals > 0)
            {
                fields.put(field.substring(0, equals), Long.parseLong(field.substring(equals + 1)));
            }
        }
        return fields;
    }

    /** One client's subscription: its position, and how much of the recovery it has. */
    private static final class Subscriber implements ChannelListener
    {
        volatile MuxClient connection;
        volatile int recovery = -1;
        volatile long epoch;
        volatile long position;
        volatile int expected = -1;
        final AtomicInteger texts = new AtomicInteger();

        void reset()
        {
            recovery = -1;
            expected = -1;
            texts.set(0);
        }

        boolean done()
        {
            return Integer.MAX_VALUE == recovery || (recovery >= 0 && expected >= 0 && texts.get() >= expected);
        }

        @Override
        public void onRecovery(final MuxClientChannel channel, final int recovery, final long epoch, final long offset)
        {
            this.epoch = epoch;
            this.position = offset;
            this.expected = BinaryMuxDescriptor.RECOVERY_RECOVERED == recovery ?
                (int)(offset - channel.position()) : 0;
            this.recovery = recovery;
        }

        @Override
        public void onText(
            final MuxClientChannel channel, final DirectBuffer buffer, final int offset, final int length)
        {
            texts.incrementAndGet();
        }
    }
}
