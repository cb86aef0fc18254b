package io.wsmux.perf.load;

import java.util.function.IntFunction;

import io.wsmux.client.ClientSettings;
import io.wsmux.client.DutyCycleWork;
import io.wsmux.client.WsmuxClient;
import io.wsmux.transport.IdleMode;
import org.HdrHistogram.Histogram;

/**
 * The client loops of a run: connection i belongs to loop i % n. Thread safe for the main thread's reads; each
 * loop's own state is written by its thread.
 */
final class LoadClients implements ClientLoops
{
    private final LoadClient[] clients;

    LoadClients(
        final int count, final int scratchLength, final Errors errors, final boolean deflate, final ClientTls tls)
    {
        this(count, scratchLength, errors, deflate, tls, null);
    }

    /**
     * @param count         loops.
     * @param scratchLength bytes of each loop's scratch buffer, and the least frame and message length it accepts.
     * @param errors        where loop errors are counted.
     * @param deflate       true to offer permessage-deflate on every connection
     *                      ({@link ClientSettings#perMessageDeflate(boolean)}).
     * @param tls           the TLS of wss:// connections ({@link ClientSettings#tlsContext}), or null for ws://.
     * @param work          the work each loop does every duty cycle (loop i gets {@code work.apply(i)}), or null
     *                      for none; with work the loops spin rather than block, so it runs on time.
     */
    LoadClients(
        final int count,
        final int scratchLength,
        final Errors errors,
        final boolean deflate,
        final ClientTls tls,
        final IntFunction<DutyCycleWork> work)
    {
        clients = new LoadClient[count];
        for (int i = 0; i < count; i++)
        {
            // The key 0 spares the client the XOR and a copy per message; a server unmasks as for any key.
            final ClientSettings settings = new ClientSettings()
                .zeroMaskKey(true)
                .maxFrameLength(Math.max(ClientSettings.MAX_FRAME_LENGTH_DEFAULT, scratchLength))
                .maxMessageLength(Math.max(ClientSettings.MAX_MESSAGE_LENGTH_DEFAULT, scratchLength))
                .perMessageDeflate(deflate)
                // With compression, the subscribers of one client receive the same compressed publication: it is
                // inflated once per loop, not once per subscriber (the client would be the bottleneck otherwise).
                .reuseInflatedDuplicates(deflate)
                .errorHandler((throwable) ->
                {
                    if (errors.record(ErrorKind.CLIENT_ERROR))
                    {
                        errors.log("client loop: " + throwable);
                    }
                });
            if (null != tls)
            {
                settings.tlsContext(tls.context());
            }
            if (null != work)
            {
                settings.idleMode(IdleMode.SPIN).dutyCycleWork(work.apply(i));
            }
            clients[i] = new LoadClient(settings, scratchLength);
        }
    }

    /**
     * @param connectionIndex a connection's number in the run.
     * @return the loop that owns it.
     */
    LoadClient forConnection(final int connectionIndex)
    {
        return clients[connectionIndex % clients.length];
    }

    /**
     * @param connectionIndex a connection's number in the run.
     * @return the client that opens it.
     */
    WsmuxClient clientFor(final int connectionIndex)
    {
        return forConnection(connectionIndex).client;
    }

    /**
     * @return messages sent by every loop so far.
     */
    long sent()
    {
        long total = 0;
        for (final LoadClient client : clients)
        {
            total += client.sent.get();
        }
        return total;
    }

    /**
     * @return messages received by every loop so far.
     */
    @Override
    public long received()
    {
        long total = 0;
        for (final LoadClient client : clients)
        {
            total += client.received.get();
        }
        return total;
    }

    /**
     * @return bytes of the messages received by every loop so far, where the handlers count them (with --deflate).
     */
    long receivedBytes()
    {
        long total = 0;
        for (final LoadClient client : clients)
        {
            total += client.receivedBytes.get();
        }
        return total;
    }

    /**
     * @return bytes every loop read off its sockets so far, each as of its last duty cycle.
     */
    long bytesRead()
    {
        long total = 0;
        for (final LoadClient client : clients)
        {
            total += client.bytesRead();
        }
        return total;
    }

    /**
     * @return connections open (or connecting) over every loop.
     */
    @Override
    public int openConnections()
    {
        int total = 0;
        for (final LoadClient client : clients)
        {
            total += client.client.openConnections();
        }
        return total;
    }

    /**
     * Collect every loop's latencies since the last call and start new intervals.
     *
     * @return their sum.
     */
    @Override
    public Histogram intervalHistogram()
    {
        final Histogram histogram = LoadClient.newHistogram();
        for (final LoadClient client : clients)
        {
            client.drainHistogramInto(histogram);
        }
        return histogram;
    }

    /**
     * Close every connection (the close handshake, up to the client's close timeout) and stop the loops.
     */
    @Override
    public void close()
    {
        for (final LoadClient client : clients)
        {
            client.close();
        }
    }
}
