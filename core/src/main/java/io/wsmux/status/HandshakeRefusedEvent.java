package io.wsmux.status;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;

/**
 * An upgrade request was answered with an HTTP error instead of 101.
 */
@Name("io.wsmux.HandshakeRefused")
@Label("Handshake refused")
@Category("wsmux")
@Description("An upgrade request was answered with a 4xx or 5xx status")
final class HandshakeRefusedEvent extends Event
{
    @Label("Connection id")
    long connectionId;

    @Label("Remote address")
    String remoteAddress;

    @Label("Status")
    int status;

    @Label("Reason")
    String reason;

    @Label("Path")
    String path;
}
