package io.wsmux.perf.load;

import java.util.LinkedHashMap;
import java.util.Map;


/**
 * What a connections run measured. Server memory values are -1 (and per-connection values NaN, null in JSON) when
 * no server pid was given or it could not be sampled.
 *
 * @param label                    the run's label.
 * @param url                      the server.
 * @param transport                websocket, or xhr-streaming (SockJS sessions).
 * @param connections              connections asked for.
 * @param opened                   connections opened.
 * @param failed                   connections that failed to open.
 * @param processes                client processes (1: this one; more: child JVMs).
 * @param clientThreads            client loops per process.
 * @param sourceAddresses          loopback source addresses per process.
 * @param openSeconds              time to open them all.
 * @param handshakesPerSecond      connections opened per second.
 * @param holdSeconds              how long they were held.
 * @param serverPid                the server's pid, or 0.
 * @param serverRssBeforeBytes     server RSS before the connections.
 * @param serverRssAfterBytes      server RSS with the connections open.
 * @param serverHeapBeforeBytes    server heap used after a full GC, before.
 * @param serverHeapAfterBytes     server heap used after a full GC, with the connections open.
 * @param rssPerConnectionBytes    RSS difference per opened connection.
 * @param heapPerConnectionBytes   heap difference per opened connection.
 * @param kernelSlabPerConnectionBytes the machine's kernel slab difference per opened connection: over loopback both
 *                                 ends' sockets, so about twice one socket's own kernel structures (socket buffers
 *                                 of idle connections are empty).
 * @param errors                   errors by kind.
 */
public record ConnectionsResult(
    String label,
    String url,
    String transport,
    int connections,
    int opened,
    int failed,
    int processes,
    int clientThreads,
    int sourceAddresses,
    double openSeconds,
    double handshakesPerSecond,
    double holdSeconds,
    long serverPid,
    long serverRssBeforeBytes,
    long serverRssAfterBytes,
    long serverHeapBeforeBytes,
    long serverHeapAfterBytes,
    double rssPerConnectionBytes,
    double heapPerConnectionBytes,
    double kernelSlabPerConnectionBytes,
    ErrorCounts errors) implements ScenarioResult
{
    @Override
    public String scenario()
    {
        return LoadOptions.CONNECTIONS;
    }

    @Override
    public Map<String, Object> fields()
    {
        final Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("url", url);
        fields.put("transport", transport);
        fields.put("connections", connections);
        fields.put("opened", opened);
        fields.put("failed", failed);
        fields.put("processes", processes);
        fields.put("clientThreads", clientThreads);
        fields.put("sourceAddresses", sourceAddresses);
        fields.put("openSeconds", openSeconds);
        fields.put("handshakesPerSecond", handshakesPerSecond);
        fields.put("holdSeconds", holdSeconds);
        fields.put("serverPid", serverPid);
        fields.put("serverRssBeforeBytes", serverRssBeforeBytes);
        fields.put("serverRssAfterBytes", serverRssAfterBytes);
        fields.put("serverHeapBeforeBytes", serverHeapBeforeBytes);
        fields.put("serverHeapAfterBytes", serverHeapAfterBytes);
        fields.put("rssPerConnectionBytes", rssPerConnectionBytes);
        fields.put("heapPerConnectionBytes", heapPerConnectionBytes);
        fields.put("kernelSlabPerConnectionBytes", kernelSlabPerConnectionBytes);
        return fields;
    }
}
