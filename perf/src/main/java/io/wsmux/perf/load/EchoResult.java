package io.wsmux.perf.load;

import java.util.LinkedHashMap;
import java.util.Map;

import org.HdrHistogram.Histogram;

/**
 * What an echo run measured. Messages and latencies count only the measured window; sent and received count the
 * whole run (warm-up and drain too), and are equal when nothing was lost.
 *
 * @param label              the run's label.
 * @param url                the server.
 * @param mode               {@code closed} (K in flight per connection) or {@code rate} (open loop).
 * @param connections        connections asked for.
 * @param connectionsOpened  connections that opened.
 * @param payloadLength      bytes per message.
 * @param payloadKind        what follows each message's header: filler or ticks ({@link Payloads}).
 * @param deflate            whether the connections offered permessage-deflate.
 * @param inFlight           messages in flight per connection (closed loop), else 0.
 * @param targetRate         messages per second asked for (open loop), else 0.
 * @param clientThreads      client loops.
 * @param measuredSeconds    length of the measured window.
 * @param messages           echoes received in the measured window.
 * @param messagesPerSecond  echoes received per second in the measured window.
 * @param sent               messages sent in the whole run.
 * @param received           echoes received in the whole run.
 * @param clientCores        cores this load generator kept busy in the measured window (1.0 = one core), -1 if
 *                           unknown: near the number of client threads plus one means the client was the limit.
 * @param serverCores        cores the server ({@code --server-pid}) kept busy in the measured window, or -1.
 * @param machineCores       cores busy on the whole machine in the measured window, or -1: more than client and
 *                           server together means something else was running.
 * @param wire               with deflate, bytes read off the sockets per echo and the compression that shows;
 *                           else {@link WireStats#NONE}.
 * @param latency            round-trip latency in the measured window (from the intended send time in the open
 *                           loop).
 * @param histogram          the latencies, in nanoseconds.
 * @param errors             errors by kind.
 */
public record EchoResult(
    String label,
    String url,
    String mode,
    int connections,
    int connectionsOpened,
    int payloadLength,
    String payloadKind,
    boolean deflate,
    int inFlight,
    double targetRate,
    int clientThreads,
    double measuredSeconds,
    long messages,
    double messagesPerSecond,
    long sent,
    long received,
    double clientCores,
    double serverCores,
    double machineCores,
    WireStats wire,
    LatencySummary latency,
    Histogram histogram,
    ErrorCounts errors) implements ScenarioResult
{
    @Override
    public String scenario()
    {
        return LoadOptions.ECHO;
    }

    @Override
    public Map<String, Object> fields()
    {
        final Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("url", url);
        fields.put("mode", mode);
        fields.put("connections", connections);
        fields.put("connectionsOpened", connectionsOpened);
        fields.put("payload", payloadLength);
        fields.put("payloadKind", payloadKind);
        fields.put("deflate", deflate);
        fields.put("inFlight", inFlight);
        fields.put("targetRate", targetRate);
        fields.put("clientThreads", clientThreads);
        fields.put("measuredSeconds", measuredSeconds);
        fields.put("messages", messages);
        fields.put("messagesPerSecond", messagesPerSecond);
        fields.put("sent", sent);
        fields.put("received", received);
        fields.put("clientCores", clientCores);
        fields.put("serverCores", serverCores);
        fields.put("machineCores", machineCores);
        fields.put("wireBytesPerMessage", wire.wireBytesPerMessage());
        fields.put("compressionRatio", wire.compressionRatio());
        fields.put("deliveredInOrder", errors.deliveredInOrder());
        return fields;
    }
}
