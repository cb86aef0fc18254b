package io.wsmux.transport;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Timespan;

/**
 * One duty cycle of an I/O loop took longer than the threshold ({@code wsmux.duty.cycle.threshold}): every connection
 * of that loop waited that long. Committed by the loop at the end of the cycle, only while a recording is on.
 */
@Name("io.wsmux.DutyCycleStall")
@Label("Duty cycle stall")
@Category("wsmux")
@Description("An I/O loop's duty cycle took longer than wsmux.duty.cycle.threshold")
final class DutyCycleStallEvent extends Event
{
    @Label("Loop")
    int loop;

    @Label("Cycle time")
    @Timespan(Timespan.NANOSECONDS)
    long cycleNs;

    @Label("Threshold")
    @Timespan(Timespan.NANOSECONDS)
    long thresholdNs;

    @Label("Connections")
    @Description("connections of the loop, all of which waited")
    int connections;
}
