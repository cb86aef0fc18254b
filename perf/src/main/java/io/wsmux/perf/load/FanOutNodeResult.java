package io.wsmux.perf.load;

/**
 * What the subscribers on one node of a fan-out over several URLs ({@code --subscriber-urls}) received in the
 * measured window.
 *
 * @param url                 where they connected.
 * @param publisherNode       whether the publisher connected there too (its deliveries do not cross nodes).
 * @param subscribers         subscribers on the node.
 * @param subscribed          of them, those that saw a probe before publishing started.
 * @param deliveries          deliveries in the measured window.
 * @param deliveriesPerSecond deliveries per second in the measured window.
 * @param latency             publish-to-receive latency of those deliveries.
 */
public record FanOutNodeResult(
    String url,
    boolean publisherNode,
    int subscribers,
    int subscribed,
    long deliveries,
    double deliveriesPerSecond,
    LatencySummary latency)
{
}
