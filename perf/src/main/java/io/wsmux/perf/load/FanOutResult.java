package io.wsmux.perf.load;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.HdrHistogram.Histogram;

/**
 * What a fan-out run measured. Deliveries are publications received by subscribers (probes not counted), split by
 * when they arrived: in the warm-up, in the measured window, or while draining after publishing stopped.
 *
 * @param label                 the run's label.
 * @param url                   the server.
 * @param transport             websocket, or xhr-streaming (SockJS sessions).
 * @param mode                  {@code rate} (fixed publication rate) or {@code max} (bounded window).
 * @param subscribers           subscribers asked for.
 * @param subscribersOpened     subscriber connections that opened.
 * @param subscribersSubscribed subscribers that saw a probe before publishing started.
 * @param topics                topics.
 * @param payloadLength         bytes per publication.
 * @param payloadKind           what follows each publication's header: filler or ticks ({@link Payloads}).
 * @param deflate               whether the connections offered permessage-deflate.
 * @param targetRate            publications per second asked for ({@code rate}), else 0.
 * @param window                publications in flight ({@code max}), else 0.
 * @param clientThreads         client loops.
 * @param measuredSeconds       length of the measured window.
 * @param published             publications in the whole run.
 * @param publishedMeasured     publications in the measured window.
 * @param publicationsPerSecond publications per second in the measured window.
 * @param deliveries            deliveries in the measured window.
 * @param deliveriesPerSecond   deliveries per second in the measured window.
 * @param deliveriesWarmup      deliveries before the measured window.
 * @param deliveriesDrain       deliveries after it, while draining.
 * @param expectedDeliveries    each publication times the subscribers of its topic that had subscribed.
 * @param received              deliveries in the whole run.
 * @param clientCores           cores this load generator kept busy in the measured window, or -1.
 * @param serverCores           cores the server ({@code --server-pid}) kept busy in the measured window, or -1.
 * @param machineCores          cores busy on the whole machine in the measured window, or -1.
 * @param wire                  with deflate, bytes read off the sockets per delivery and the compression that
 *                              shows; else {@link WireStats#NONE}.
 * @param latency               publish-to-receive latency in the measured window.
 * @param histogram             the latencies, in nanoseconds.
 * @param errors                errors by kind (missing, duplicates, outOfOrder among them).
 * @param probes                probes published to see the subscriptions take effect (they travel as publications
 *                              do, through a cluster too).
 * @param nodes                 with subscribers on several URLs ({@code --subscriber-urls}), what each received, in
 *                              their order; else empty.
 */
public record FanOutResult(
    String label,
    String url,
    String transport,
    String mode,
    int subscribers,
    int subscribersOpened,
    int subscribersSubscribed,
    int topics,
    int payloadLength,
    String payloadKind,
    boolean deflate,
    double targetRate,
    int window,
    int clientThreads,
    double measuredSeconds,
    long published,
    long publishedMeasured,
    double publicationsPerSecond,
    long deliveries,
    double deliveriesPerSecond,
    long deliveriesWarmup,
    long deliveriesDrain,
    long expectedDeliveries,
    long received,
    double clientCores,
    double serverCores,
    double machineCores,
    WireStats wire,
    LatencySummary latency,
    Histogram histogram,
    ErrorCounts errors,
    long probes,
    List<FanOutNodeResult> nodes) implements ScenarioResult
{
    @Override
    public String scenario()
    {
        return LoadOptions.FANOUT;
    }

    @Override
    public Map<String, Object> fields()
    {
        final Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("url", url);
        fields.put("transport", transport);
        fields.put("mode", mode);
        fields.put("subscribers", subscribers);
        fields.put("subscribersOpened", subscribersOpened);
        fields.put("subscribersSubscribed", subscribersSubscribed);
        fields.put("topics", topics);
        fields.put("payload", payloadLength);
        fields.put("payloadKind", payloadKind);
        fields.put("deflate", deflate);
        fields.put("targetRate", targetRate);
        fields.put("window", window);
        fields.put("clientThreads", clientThreads);
        fields.put("measuredSeconds", measuredSeconds);
        fields.put("published", published);
        fields.put("publishedMeasured", publishedMeasured);
        fields.put("publicationsPerSecond", publicationsPerSecond);
        fields.put("deliveries", deliveries);
        fields.put("deliveriesPerSecond", deliveriesPerSecond);
        fields.put("deliveriesWarmup", deliveriesWarmup);
        fields.put("deliveriesMeasured", deliveries);
        fields.put("deliveriesDrain", deliveriesDrain);
        fields.put("expectedDeliveries", expectedDeliveries);
        fields.put("received", received);
        fields.put("clientCores", clientCores);
        fields.put("serverCores", serverCores);
        fields.put("machineCores", machineCores);
        fields.put("wireBytesPerMessage", wire.wireBytesPerMessage());
        fields.put("compressionRatio", wire.compressionRatio());
        fields.put("deliveredInOrder", errors.deliveredInOrder());
        if (!nodes.isEmpty())
        {
            fields.put("nodes", nodes.size());
            fields.put("probes", probes);
            fields.put("crossNodeShare", crossNodeShare());
            for (int i = 0; i < nodes.size(); i++)
            {
                final FanOutNodeResult node = nodes.get(i);
                final String prefix = "node" + (i + 1);
                fields.put(prefix + "Url", node.url());
                fields.put(prefix + "Subscribers", node.subscribers());
                fields.put(prefix + "Subscribed", node.subscribed());
                fields.put(prefix + "Deliveries", node.deliveries());
                fields.put(prefix + "DeliveriesPerSecond", node.deliveriesPerSecond());
                fields.put(prefix + "P50Us", node.latency().p50Us());
                fields.put(prefix + "P99Us", node.latency().p99Us());
                fields.put(prefix + "P999Us", node.latency().p999Us());
            }
        }
        return fields;
    }

    /**
     * @return with subscribers on several URLs, the share of the measured window's deliveries made on URLs other
     *     than the publisher's (that crossed nodes); 0 without deliveries or URLs.
     */
    public double crossNodeShare()
    {
        long total = 0;
        long crossing = 0;
        for (final FanOutNodeResult node : nodes)
        {
            total += node.deliveries();
            crossing += node.publisherNode() ? 0 : node.deliveries();
        }
        return 0 == total ? 0 : (double)crossing / total;
    }
}
