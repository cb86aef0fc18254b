package io.wsmux.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * The result lines of both fan-out clients: the native client's flat JSON object and the load generator's RESULT
 * line.
 */
class ResultLinesTest
{
    /** The native client's contract, as it prints it. */
    static final String NATIVE_LINE = "{\"client\":\"native\",\"subscribers\":1000,\"subscribed\":1000,\"topics\":1," +
        "\"payload\":64,\"window\":32,\"seconds\":4.000123,\"publications\":5012,\"publicationsPerSecond\":1253.0," +
        "\"deliveries\":5012000,\"deliveriesPerSecond\":1252961.7,\"serverCores\":0.98,\"serverNsPerDelivery\":782.1," +
        "\"clientCores\":0.71,\"deliveriesPerRecv\":12.5,\"publicationsPerSend\":1.0,\"errors\":0,\"missing\":0," +
        "\"outOfOrder\":0,\"connectFailures\":0}";

    @Test
    void shouldReadTheNativeClientsLine()
    {
        final Map<String, Object> values = ResultLines.flatJson(NATIVE_LINE);

        assertEquals("native", values.get("client"));
        assertEquals(1000.0, values.get("subscribers"));
        assertEquals(4.000123, values.get("seconds"));
        assertEquals(1252961.7, values.get("deliveriesPerSecond"));
        assertEquals(0.0, values.get("connectFailures"));
        assertEquals(List.of("client", "subscribers", "subscribed", "topics", "payload", "window", "seconds",
            "publications", "publicationsPerSecond", "deliveries", "deliveriesPerSecond", "serverCores",
            "serverNsPerDelivery", "clientCores", "deliveriesPerRecv", "publicationsPerSend", "errors", "missing",
            "outOfOrder", "connectFailures"), List.copyOf(values.keySet()));
    }

    @Test
    void shouldReadSpacesNumbersEscapesAndLiterals()
    {
        final Map<String, Object> values = ResultLines.flatJson(
            " { \"a\" : -1.5e3 , \"b\":\"x\\\"y\\\\z\\n\\u00e9\\/\", \"c\": true, \"d\": false, \"e\": null, " +
            "\"f\": 0, \"g\": 2E-2 }\n");

        assertEquals(-1500.0, values.get("a"));
        assertEquals("x\"y\\z\n\u00e9/", values.get("b"));
        assertEquals(Boolean.TRUE, values.get("c"));
        assertEquals(Boolean.FALSE, values.get("d"));
        assertTrue(values.containsKey("e"));
        assertNull(values.get("e"));
        assertEquals(0.0, values.get("f"));
        assertEquals(0.02, values.get("g"));
        assertEquals(Map.of(), ResultLines.flatJson("{}"));
    }

    @Test
    void shouldRejectWhatIsNotOneFlatObject()
    {
        for (final String bad : List.of("", "[]", "{", "{\"a\":1", "{\"a\":1,}", "{\"a\" 1}", "{a:1}",
            "{\"a\":{\"b\":1}}", "{\"a\":[1]}", "{\"a\":1} x", "{\"a\":1}{}", "{\"a\":01x}", "{\"a\":-}",
            "{\"a\":1.}", "{\"a\":1e}", "{\"a\":\"x}", "{\"a\":\"\\q\"}", "{\"a\":\"\\u12g4\"}", "{\"a\":tru}",
            "{\"a\":1,\"a\":2}", "{\"a\":\"tab\there\"}", "RESULT a=1"))
        {
            assertThrows(IllegalArgumentException.class, () -> ResultLines.flatJson(bad), bad);
        }
    }

    @Test
    void shouldReadAResultLine()
    {
        final Map<String, Object> values = ResultLines.resultLine(
            "RESULT scenario=fanout label=wsmux deliveriesPerSecond=123456.5 serverCores=0.9 errors=0");

        assertEquals("fanout", values.get("scenario"));
        assertEquals("wsmux", values.get("label"));
        assertEquals(123456.5, values.get("deliveriesPerSecond"));
        assertEquals(0.0, values.get("errors"));
        assertThrows(IllegalArgumentException.class, () -> ResultLines.resultLine("{\"a\":1}"));
        assertThrows(IllegalArgumentException.class, () -> ResultLines.resultLine("RESULT novalue"));
    }
}
