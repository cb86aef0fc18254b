package io.wsmux.perf.load;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;

import org.HdrHistogram.Histogram;

/**
 * Renders a {@link ScenarioResult} as the one-line summary scripts parse,
 * {@code RESULT scenario=echo label=x key=value ...}, and as a JSON object:
 * <pre>
 * {"scenario": "echo", "label": "x", "timestamp": "2026-11-24T10:00:00Z", ...the scenario's fields...,
 *  "latencyUs": {"count": n, "mean": .., "p50": .., "p90": .., "p99": .., "p999": .., "max": ..},
 *  "errors": {"connectFailures": 0, ..., "total": 0},
 *  "histogramNs": "base64 of HdrHistogram's compressed encoding, values in ns"}
 * </pre>
 * Values in RESULT lines never contain spaces (a label's are replaced by '_'). Stateless.
 */
final class ResultFormat
{
    private static final int DECIMALS = 3;
    private static final ErrorKind[] KINDS = ErrorKind.values();

    private ResultFormat()
    {
    }

    /**
     * @param result a finished run.
     * @return its RESULT line.
     */
    static String line(final ScenarioResult result)
    {
        final StringBuilder line = new StringBuilder("RESULT");
        pair(line, "scenario", result.scenario());
        pair(line, "label", result.label().isEmpty() ? "-" : result.label());
        for (final Map.Entry<String, Object> field : result.fields().entrySet())
        {
            pair(line, field.getKey(), field.getValue());
        }
        final LatencySummary latency = result.latency();
        if (null != latency)
        {
            pair(line, "latencyCount", latency.count());
            pair(line, "meanUs", latency.meanUs());
            pair(line, "p50Us", latency.p50Us());
            pair(line, "p90Us", latency.p90Us());
            pair(line, "p99Us", latency.p99Us());
            pair(line, "p999Us", latency.p999Us());
            pair(line, "maxUs", latency.maxUs());
        }
        final ErrorCounts errors = result.errors();
        for (final ErrorKind kind : KINDS)
        {
            pair(line, kind.key(), errors.count(kind));
        }
        pair(line, "errors", errors.total());
        return line.toString();
    }

    private static void pair(final StringBuilder line, final String key, final Object value)
    {
        line.append(' ').append(key).append('=').append(text(value).replaceAll("\\s", "_"));
    }

    /**
     * @param result a finished run.
     * @return it as one line of JSON.
     */
    static String json(final ScenarioResult result)
    {
        final StringBuilder json = new StringBuilder("{");
        member(json, "scenario", result.scenario(), true);
        member(json, "label", result.label(), false);
        member(json, "timestamp", Instant.now().toString(), false);
        for (final Map.Entry<String, Object> field : result.fields().entrySet())
        {
            member(json, field.getKey(), field.getValue(), false);
        }
        final LatencySummary latency = result.latency();
        if (null != latency)
        {
            json.append(", \"latencyUs\": {");
            member(json, "count", latency.count(), true);
            member(json, "mean", latency.meanUs(), false);
            member(json, "p50", latency.p50Us(), false);
            member(json, "p90", latency.p90Us(), false);
            member(json, "p99", latency.p99Us(), false);
            member(json, "p999", latency.p999Us(), false);
            member(json, "max", latency.maxUs(), false);
            json.append('}');
        }
        json.append(", \"errors\": {");
        final ErrorCounts errors = result.errors();
        for (final ErrorKind kind : KINDS)
        {
            member(json, kind.key(), errors.count(kind), KINDS[0] == kind);
        }
        member(json, "total", errors.total(), false);
        json.append('}');
        final Histogram histogram = result.histogram();
        if (null != histogram)
        {
            member(json, "histogramNs", encode(histogram), false);
        }
        return json.append('}').toString();
    }

    private static void member(final StringBuilder json, final String name, final Object value, final boolean first)
    {
        if (!first)
        {
            json.append(", ");
        }
        quote(json, name);
        json.append(": ");
        if (value instanceof String)
        {
            quote(json, (String)value);
        }
        else if (value instanceof Double && (((Double)value).isNaN() || ((Double)value).isInfinite()))
        {
            json.append("null");
        }
        else
        {
            json.append(text(value));
        }
    }

    private static void quote(final StringBuilder json, final String text)
    {
        json.append('"');
        for (int i = 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            if ('"' == c || '\\' == c)
            {
                json.append('\\').append(c);
            }
            else if (c < 0x20)
            {
                json.append(String.format("\\u%04x", (int)c));
            }
            else
            {
                json.append(c);
            }
        }
        json.append('"');
    }

    private static String text(final Object value)
    {
        if (value instanceof Double)
        {
            final double number = (Double)value;
            if (Double.isNaN(number) || Double.isInfinite(number))
            {
                return String.valueOf(number);
            }
            return BigDecimal.valueOf(number).setScale(DECIMALS, RoundingMode.HALF_EVEN).stripTrailingZeros()
                .toPlainString();
        }
        return String.valueOf(value);
    }

    private static String encode(final Histogram histogram)
    {
        final ByteBuffer buffer = ByteBuffer.allocate(histogram.getNeededByteBufferCapacity());
        final int length = histogram.encodeIntoCompressedByteBuffer(buffer);
        final byte[] bytes = new byte[length];
        buffer.flip();
        buffer.get(bytes);
        return Base64.getEncoder().encodeToString(bytes);
    }
}
