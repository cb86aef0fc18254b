package io.wsmux.cluster;

import java.io.IOException;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;

import javax.net.ssl.SSLException;

import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import org.agrona.DirectBuffer;

/**
 * A node's link to the cluster: a {@link NatsClusterBus} connected on a thread of the link's own, and connected anew
 * whenever jnats gives up on it. The server starts, and serves locally, whatever NATS answers:
 * {@code Nats.connectReconnectOnConnect} blocks until a server accepts (forever while a TLS handshake fails), and
 * jnats closes a connection for good when a server refused it twice with the same authentication error (documented
 * on {@code Nats.connect} since jnats 2.6.1); the link then connects again after {@link #REOPEN_DELAY_MS}, tells the
 * new bus this node's interests, and goes on.
 * <p>
 * Each distinct reason a connection fails is printed once on stderr, naming the node, until it connects: NATS
 * refusing the credentials, a TLS handshake failing, and, before the first connection only, NATS unreachable (after
 * it, the bus says once that NATS was lost). {@link #lastError()} keeps the latest reason.
 * <p>
 * Before the first connection and between two buses, publications are dropped and counted (jnats buffers them only
 * for a connection that exists); otherwise each call goes to the bus after one volatile read.
 * <p>
 * Thread safe.
 */
public final class NatsClusterLink implements ClusterBus
{
    /** Pause before connecting anew once jnats gave up on a connection. */
    static final long REOPEN_DELAY_MS = 1000;
    private static final long CLOSE_WAIT_MS = 5000;

    private final NatsConnectionOptions options;
    private final String node;
    private final String prefix;
    private final long bufferLength;
    private final PrintStream log;
    private final Thread connector;
    /** Topics with subscribers here and how to count them: told again to each new bus. */
    private final Map<String, IntSupplier> interests = new ConcurrentHashMap<>();
    private final AtomicLong pastPublished = new AtomicLong();
    private final AtomicLong pastReceived = new AtomicLong();
    /** Publications dropped while there was no bus, and those the past buses dropped. */
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong pastGaps = new AtomicLong();
    /** Gaps between two buses: the node was cut off from NATS until a new connection was made. */
    private final AtomicLong replacementGaps = new AtomicLong();
    private int busesStarted; // guarded by this
    private volatile int historyMaxPerTopic;
    private volatile long historyMaxAgeNs;
    /** Topics read from the history stream, told to every new bus. */
    private final Map<String, Boolean> historyTopics = new ConcurrentHashMap<>();
    private final CountDownLatch firstOutcome = new CountDownLatch(1);
    private volatile NatsClusterBus bus;
    private volatile Attempt attempt;
    private volatile boolean closed;
    private volatile String lastError;
    private Receiver receiver; // guarded by this
    private boolean everConnected; // guarded by this
    private boolean refused; // guarded by this: a refusal was reported since the last connection
    private String reported; // guarded by this: the last reason printed

    private NatsClusterLink(
        final NatsConnectionOptions options, final String node, final String prefix, final long bufferLength)
    {
        this.options = options;
        this.node = node;
        this.prefix = prefix;
        this.bufferLength = bufferLength;
        this.log = System.err;
        this.connector = new Thread(this::run, "wsmux-cluster-connect-" + node);
        this.connector.setDaemon(true);
    }

    /**
     * Start connecting, in the background.
     *
     * @param options      the servers, credentials and TLS.
     * @param node         this node's name, the connection's name in NATS's monitoring.
     * @param prefix       first token(s) of every subject.
     * @param bufferLength bytes buffered while disconnected.
     * @return the link, not connected yet.
     */
    public static NatsClusterLink open(
        final NatsConnectionOptions options, final String node, final String prefix, final long bufferLength)
    {
        final NatsClusterLink link = new NatsClusterLink(options, node, prefix, bufferLength);
        link.connector.start();
        return link;
    }

    /**
     * Wait until the first attempt has an outcome: connected (publications go to NATS), or a reason it failed.
     *
     * @param timeoutNs at most this long.
     * @return false if it had none in time.
     * @throws InterruptedException if interrupted.
     */
    public boolean awaitFirstOutcome(final long timeoutNs) throws InterruptedException
    {
        return firstOutcome.await(timeoutNs, TimeUnit.NANOSECONDS);
    }

    private void run()
    {
        while (!closed)
        {
            final Attempt current = new Attempt();
            attempt = current;
            NatsClusterBus connected = null;
            try
            {
                connected = NatsClusterBus.connect(options.withListener(current), node, prefix, bufferLength);
            }
            catch (final IOException | RuntimeException ex)
            {
                if (!closed)
                {
                    onProblem("cannot connect to NATS: " + oneLine(ex.toString()), true);
                }
            }
            if (null != connected)
            {
                // Not connected on return: jnats gave up (closed), or it was lost at once; start over either way.
                if (connected.isConnected() && install(connected))
                {
                    current.awaitClosed();
                    retire(connected);
                }
                else
                {
                    connected.close();
                }
            }
            pause();
        }
    }

    private synchronized boolean install(final NatsClusterBus connected)
    {
        if (closed)
        {
            return false;
        }
        bus = connected;
        if (null != receiver)
        {
            startBus(connected);
        }
        firstOutcome.countDown(); // here, not on the connected event: publications go to the bus from now on
        return true;
    }

    /**
     * The bus starts receiving, and subscribes to every topic that has subscribers here. A bus after another one is a
     * gap (the node was cut off between them): reported before any subscription of the new bus exists, so before any
     * of its publications.
     */
    private void startBus(final NatsClusterBus connected)
    {
        connected.configureHistory(historyMaxPerTopic, historyMaxAgeNs);
        connected.start(receiver);
        for (final String topic : historyTopics.keySet())
        {
            connected.historyInterest(topic, true);
        }
        if (busesStarted++ > 0)
        {
            replacementGaps.incrementAndGet();
            receiver.onGap();
        }
        for (final Map.Entry<String, IntSupplier> interest : interests.entrySet())
        {
            connected.interestChanged(interest.getKey(), interest.getValue());
        }
    }

    private void retire(final NatsClusterBus old)
    {
        synchronized (this)
        {
            if (bus == old)
            {
                bus = null;
            }
        }
        old.close();
        pastPublished.addAndGet(old.published());
        pastReceived.addAndGet(old.received());
        dropped.addAndGet(old.dropped());
        pastGaps.addAndGet(old.gaps());
    }

    private void pause()
    {
        if (closed)
        {
            return;
        }
        try
        {
            Thread.sleep(REOPEN_DELAY_MS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt(); // closed: the loop ends
        }
    }

    /**
     * A reason the connection failed: printed once, unless it is the same as the last one printed.
     *
     * @param reason  one line.
     * @param refusal true when NATS refused this node (credentials, TLS), false when it could not be reached.
     */
    private synchronized void onProblem(final String reason, final boolean refusal)
    {
        if (closed || (!refusal && (everConnected || refused)))
        {
            // Unreachable once connected: the bus says it once. After a refusal, the connection's own follow-ups
            // (a timeout, the socket closed by NATS) would only hide the reason.
            return;
        }
        refused |= refusal;
        lastError = reason;
        if (!reason.equals(reported))
        {
            reported = reason;
            log.println("wsmux: cluster: node " + node + ": " + reason + "; local delivery goes on, retrying");
        }
        firstOutcome.countDown();
    }

    private synchronized void onConnected(final Connection connection, final boolean first)
    {
        if (first && null != reported)
        {
            log.println("wsmux: cluster: node " + node + " connected to NATS at " +
                NatsUrls.redact(connection.getConnectedUrl()));
        }
        everConnected = true;
        refused = false;
        reported = null;
        lastError = null;
    }

    /**
     * @return why the last attempt to connect failed (NATS refused the credentials, the TLS handshake failed, NATS
     *         unreachable before the first connection), or null when connected since.
     */
    @Override
    public String lastError()
    {
        return lastError;
    }

    @Override
    public synchronized void start(final Receiver receiver)
    {
        if (null != this.receiver)
        {
            throw new IllegalStateException("already started");
        }
        this.receiver = receiver;
        final NatsClusterBus current = bus;
        if (null != current)
        {
            startBus(current);
        }
    }

    @Override
    public void interestChanged(final String topic, final IntSupplier subscribed)
    {
        // Counted inside compute, so that of racing changes the last one computed sees the latest count.
        interests.compute(topic, (name, previous) -> subscribed.getAsInt() > 0 ? subscribed : null);
        final NatsClusterBus current = bus;
        if (null != current)
        {
            current.interestChanged(topic, subscribed);
        }
    }

    @Override
    public int interests()
    {
        final NatsClusterBus current = bus;
        return null == current ? 0 : current.interests();
    }

    @Override
    public void fetchLastValue(final String topic, final Receiver receiver)
    {
        final NatsClusterBus current = bus;
        if (null != current)
        {
            current.fetchLastValue(topic, receiver);
        }
    }

    @Override
    public boolean keepsLastValues()
    {
        final NatsClusterBus current = bus;
        return null != current && current.keepsLastValues();
    }

    @Override
    public boolean publish(
        final String topic, final boolean text, final long id, final DirectBuffer buffer, final int offset,
        final int length)
    {
        final NatsClusterBus current = bus;
        if (null == current)
        {
            dropped.incrementAndGet();
            return false;
        }
        return current.publish(topic, text, id, buffer, offset, length);
    }

    @Override
    public long published()
    {
        final NatsClusterBus current = bus;
        return pastPublished.get() + (null == current ? 0 : current.published());
    }

    @Override
    public long received()
    {
        final NatsClusterBus current = bus;
        return pastReceived.get() + (null == current ? 0 : current.received());
    }

    @Override
    public long dropped()
    {
        final NatsClusterBus current = bus;
        return dropped.get() + (null == current ? 0 : current.dropped());
    }

    @Override
    public void configureHistory(final int maxPerTopic, final long maxAgeNs)
    {
        historyMaxPerTopic = maxPerTopic;
        historyMaxAgeNs = maxAgeNs;
    }

    @Override
    public boolean publishHistory(
        final String topic, final boolean text, final long id, final DirectBuffer buffer, final int offset,
        final int length)
    {
        final NatsClusterBus current = bus;
        if (null == current)
        {
            dropped.incrementAndGet();
            return false;
        }
        return current.publishHistory(topic, text, id, buffer, offset, length);
    }

    @Override
    public void historyInterest(final String topic, final boolean wanted)
    {
        if (wanted)
        {
            historyTopics.put(topic, Boolean.TRUE);
        }
        else
        {
            historyTopics.remove(topic);
        }
        final NatsClusterBus current = bus;
        if (null != current)
        {
            current.historyInterest(topic, wanted);
        }
    }

    @Override
    public long gaps()
    {
        final NatsClusterBus current = bus;
        return pastGaps.get() + replacementGaps.get() + (null == current ? 0 : current.gaps());
    }

    @Override
    public boolean isConnected()
    {
        final NatsClusterBus current = bus;
        return null != current && current.isConnected();
    }

    @Override
    public void close()
    {
        final NatsClusterBus current;
        synchronized (this)
        {
            if (closed)
            {
                return;
            }
            closed = true;
            current = bus;
        }
        if (null != current)
        {
            current.close();
        }
        final Attempt pending = attempt;
        if (null != pending)
        {
            pending.closeConnection(); // one still trying its first server, which connect() does not return yet
        }
        connector.interrupt();
        try
        {
            connector.join(CLOSE_WAIT_MS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * @param error a NATS server's {@code -ERR} text.
     * @return true when it refuses the credentials (jnats's own test, {@code NatsConnection.isAuthenticationError}).
     */
    static boolean isAuthenticationError(final String error)
    {
        final String text = null == error ? "" : error.toLowerCase(Locale.ROOT);
        return text.startsWith("user authentication") || text.contains("authorization violation") ||
            text.startsWith("account authentication expired");
    }

    /**
     * @param ex what jnats reported on a failed attempt.
     * @return why TLS failed, one line, or null when TLS is not the reason.
     */
    static String tlsProblem(final Throwable ex)
    {
        for (Throwable cause = ex; null != cause; cause = cause.getCause())
        {
            final String message = String.valueOf(cause.getMessage());
            if (cause instanceof SSLException)
            {
                return "TLS with NATS failed: " + oneLine(message);
            }
            if (cause instanceof IOException && message.startsWith("SSL required by server"))
            {
                return "NATS requires TLS: use a tls:// URL or give the NATS servers' CA";
            }
            if (cause instanceof IOException && message.startsWith("SSL connection wanted by client"))
            {
                return "NATS does not offer TLS, which this node is set to use";
            }
        }
        return null;
    }

    private static String rootMessage(final Throwable ex)
    {
        Throwable cause = ex;
        while (null != cause.getCause())
        {
            cause = cause.getCause();
        }
        return null == cause.getMessage() ? cause.getClass().getSimpleName() :
            cause.getClass().getSimpleName() + ": " + cause.getMessage();
    }

    private static String oneLine(final String text)
    {
        return NatsUrls.redact(text.replaceAll("\\s*\\R\\s*", " ").strip());
    }

    /**
     * One connection's callbacks: its errors, its events, and when it is closed for good.
     */
    private final class Attempt implements NatsConnectionOptions.Listener
    {
        private final CountDownLatch closedLatch = new CountDownLatch(1);
        private volatile Connection connection;

        @Override
        public void onConnectionEvent(final Connection connection, final ConnectionListener.Events event)
        {
            this.connection = connection;
            switch (event)
            {
                case CONNECTED:
                    onConnected(connection, true);
                    break;
                case RECONNECTED:
                    onConnected(connection, false);
                    break;
                case CLOSED:
                    closedLatch.countDown();
                    break;
                default:
                    break;
            }
        }

        @Override
        public void errorOccurred(final Connection connection, final String error)
        {
            remember(connection);
            if (isAuthenticationError(error))
            {
                onProblem("NATS refused its credentials (" + oneLine(error) + ": user and password or token in " +
                    "the URL, or the credentials file)", true);
            }
        }

        @Override
        public void exceptionOccurred(final Connection connection, final Exception ex)
        {
            remember(connection);
            final String tls = tlsProblem(ex);
            if (null != tls)
            {
                onProblem(tls, true);
            }
            else if (options.clientCertificateMissing())
            {
                // TLS 1.3: NATS refuses the missing certificate after the handshake; jnats sees only a timeout.
                onProblem("TLS with NATS failed: NATS asks for a client certificate (mutual TLS) and this node has " +
                    "none it accepts (" + oneLine(rootMessage(ex)) + ")", true);
            }
            else
            {
                onProblem("cannot reach NATS at " + NatsUrls.redact(options.urls()) + " (" +
                    oneLine(rootMessage(ex)) + ")", false);
            }
        }

        private void remember(final Connection connection)
        {
            if (null != connection)
            {
                this.connection = connection;
            }
        }

        void awaitClosed()
        {
            try
            {
                closedLatch.await();
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt(); // the link is closing
            }
        }

        void closeConnection()
        {
            final Connection pending = connection;
            if (null != pending)
            {
                try
                {
                    pending.close();
                }
                catch (final InterruptedException ex)
                {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
