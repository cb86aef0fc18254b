package io.wsmux.status;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.agrona.concurrent.status.CountersReader;

/**
 * The Prometheus text exposition format (version 0.0.4) of a counters file: one metric per {@link SystemCounter}
 * metric name with a {@code wsmux_} prefix, a sample per loop ({@code loop="0"}), variants told apart by a label
 * ({@code class="protocol"}, {@code reason="busy"}), topic family counters labelled {@code family="prices."}.
 * Counters end in {@code _total}, gauges do not; the duty cycle is exported in seconds. Cold path: allocates.
 */
public final class PrometheusText
{
    /** The HTTP content type of the format. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private PrometheusText()
    {
    }

    /**
     * @param reader over a counters file.
     * @return the exposition text.
     */
    public static String format(final CountersReader reader)
    {
        final Map<String, List<String>> samplesByMetric = new LinkedHashMap<>();
        for (final SystemCounter counter : SystemCounter.values())
        {
            samplesByMetric.putIfAbsent(counter.metric(), new ArrayList<>());
        }
        CountersFile.forEach(reader, (counter, loop, familyIndex, family, value) ->
        {
            final StringBuilder sample = new StringBuilder(96);
            sample.append("wsmux_").append(counter.metric()).append("{loop=\"").append(loop).append('"');
            if (null != counter.labelName())
            {
                sample.append(',').append(counter.labelName()).append("=\"").append(counter.labelValue()).append('"');
            }
            if (null != family)
            {
                sample.append(",family=\"");
                escape(family, sample);
                sample.append('"');
            }
            sample.append("} ");
            if (SystemCounter.DUTY_CYCLE_MAX_NS == counter)
            {
                sample.append(value / 1e9);
            }
            else
            {
                sample.append(value);
            }
            samplesByMetric.get(counter.metric()).add(sample.toString());
        });

        final StringBuilder text = new StringBuilder(16 * 1024);
        for (final SystemCounter counter : SystemCounter.values())
        {
            final List<String> samples = samplesByMetric.remove(counter.metric());
            if (null == samples || samples.isEmpty())
            {
                continue; // printed with its first variant, or none of it (no topic family)
            }
            final String name = "wsmux_" + counter.metric();
            text.append("# HELP ").append(name).append(' ').append(help(counter)).append('\n');
            text.append("# TYPE ").append(name).append(' ')
                .append(SystemCounter.Kind.COUNTER == counter.kind() ? "counter" : "gauge").append('\n');
            for (final String sample : samples)
            {
                text.append(sample).append('\n');
            }
        }
        return text.toString();
    }

    private static String help(final SystemCounter counter)
    {
        for (final SystemCounter candidate : SystemCounter.values())
        {
            if (candidate.metric().equals(counter.metric()) && null != candidate.help())
            {
                return candidate.help();
            }
        }
        return counter.displayName();
    }

    /**
     * Escape a label value: backslash, double quote and line feed.
     */
    private static void escape(final String value, final StringBuilder out)
    {
        for (int i = 0; i < value.length(); i++)
        {
            final char c = value.charAt(i);
            if ('\\' == c || '"' == c)
            {
                out.append('\\').append(c);
            }
            else if ('\n' == c)
            {
                out.append("\\n");
            }
            else
            {
                out.append(c);
            }
        }
    }
}
