package io.wsmux;

import java.util.List;

/**
 * A path served as a WebSocket: its handler, an optional upgrade hook and the subprotocols it speaks.
 *
 * @param path         exact request path, or null for "every path".
 * @param handler      the application's callbacks.
 * @param hook         decides upgrades, or null to accept all.
 * @param subprotocols subprotocols supported, in order of preference; empty for none.
 */
record Endpoint(
    String path, WebSocketHandler handler, UpgradeHook hook, List<String> subprotocols, boolean compression)
{
    /**
     * @param offered subprotocols the client offered, in its order.
     * @return the first offered subprotocol this endpoint supports, or null.
     */
    String chooseSubprotocol(final List<String> offered)
    {
        for (final String candidate : offered)
        {
            if (subprotocols.contains(candidate))
            {
                return candidate;
            }
        }
        return null;
    }
}
