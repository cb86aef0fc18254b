package io.wsmux.status;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;

/**
 * The server gave up on a connection that does not read: its unsent data was dropped and a 1008 close frame queued.
 */
@Name("io.wsmux.SlowConsumerClose")
@Label("Slow consumer closed")
@Category("wsmux")
@Description("A connection that did not read was closed with 1008 after its unsent data was dropped")
final class SlowConsumerCloseEvent extends Event
{
    @Label("Connection id")
    long connectionId;

    @Label("Remote address")
    String remoteAddress;

    @Label("Why")
    @Description("over budget past the grace time, or protocol replies past the budget's headroom")
    String reason;

    @Label("Queued bytes")
    @DataAmount
    long queuedBytes;

    @Label("Dropped bytes")
    @Description("data frames the socket had not started on, dropped so the close frame goes next")
    @DataAmount
    long discardedBytes;
}
