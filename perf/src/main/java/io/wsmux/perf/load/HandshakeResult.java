package io.wsmux.perf.load;

import java.util.LinkedHashMap;
import java.util.Map;


/**
 * What a handshakes run measured: connections opened (TCP, TLS for wss://, the upgrade) and closed again, as fast
 * as the server takes them with a fixed number at once. Handshakes count the measured window only; cycles and
 * failures the whole run.
 *
 * @param label                the run's label.
 * @param url                  the server.
 * @param tls                  true for wss://.
 * @param tlsProtocol          the protocol the first TLS connection negotiated, {@code -} for ws://.
 * @param tlsCipher            the cipher suite it negotiated, {@code -} for ws://.
 * @param tlsEngines           TLS engines the client made, each from a fresh context (one per TLS connection
 *                             attempted: none was resumed), 0 for ws://.
 * @param connections          connections opening and closing at once.
 * @param clientThreads        client loops.
 * @param sourceAddresses      loopback source addresses the connections come from.
 * @param measuredSeconds      length of the measured window.
 * @param handshakes           upgrades completed in the measured window.
 * @param handshakesPerSecond  upgrades completed per second in the measured window.
 * @param cycles               connections opened and closed again in the whole run.
 * @param failures             connections that failed to open in the whole run (also counted in the errors).
 * @param clientCores          cores this load generator kept busy in the measured window, or -1.
 * @param serverCores          cores the server ({@code --server-pid}) kept busy in the measured window, or -1.
 * @param machineCores         cores busy on the whole machine in the measured window, or -1.
 * @param serverNsPerHandshake the server's CPU time per handshake (cores x 1e9 / handshakes per second), NaN
 *                             without a server pid.
 * @param errors               errors by kind.
 */
public record HandshakeResult(
    String label,
    String url,
    boolean tls,
    String tlsProtocol,
    String tlsCipher,
    long tlsEngines,
    int connections,
    int clientThreads,
    int sourceAddresses,
    double measuredSeconds,
    long handshakes,
    double handshakesPerSecond,
    long cycles,
    long failures,
    double clientCores,
    double serverCores,
    double machineCores,
    double serverNsPerHandshake,
    ErrorCounts errors) implements ScenarioResult
{
    @Override
    public String scenario()
    {
        return LoadOptions.HANDSHAKES;
    }

    @Override
    public Map<String, Object> fields()
    {
        final Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("url", url);
        fields.put("tls", tls);
        fields.put("tlsProtocol", tlsProtocol);
        fields.put("tlsCipher", tlsCipher);
        fields.put("tlsEngines", tlsEngines);
        fields.put("connections", connections);
        fields.put("clientThreads", clientThreads);
        fields.put("sourceAddresses", sourceAddresses);
        fields.put("measuredSeconds", measuredSeconds);
        fields.put("handshakes", handshakes);
        fields.put("handshakesPerSecond", handshakesPerSecond);
        fields.put("cycles", cycles);
        fields.put("failures", failures);
        fields.put("clientCores", clientCores);
        fields.put("serverCores", serverCores);
        fields.put("machineCores", machineCores);
        fields.put("serverNsPerHandshake", serverNsPerHandshake);
        return fields;
    }
}
