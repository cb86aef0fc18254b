package io.wsmux.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * Topic names to NATS subjects and back: dots stay tokens, anything NATS does not allow in a token is
 * percent-encoded, and every name comes back unchanged.
 */
class NatsClusterBusTest
{
    @Test
    void shouldKeepDotsAsSubjectTokens()
    {
        assertEquals("wsmux.prices.EURUSD", NatsClusterBus.subject("wsmux", "prices.EURUSD"));
        assertEquals("a.b.chat_room-1", NatsClusterBus.subject("a.b", "chat_room-1"));
    }

    @Test
    void shouldEncodeWhatNatsDoesNotAllowInAToken()
    {
        assertEquals("wsmux.a%20b%2A%3E", NatsClusterBus.subject("wsmux", "a b*>"));
        assertEquals("wsmux.%2Ex%2E%2Ey", NatsClusterBus.subject("wsmux", ".x..y")); // empty tokens otherwise
        assertEquals("wsmux.%C3%A9", NatsClusterBus.subject("wsmux", "é"));
        assertEquals("wsmux.%25", NatsClusterBus.subject("wsmux", "%"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"prices.EURUSD", "a b*>", ".x..y", "é€", "%41", "chat room", "x.", "a%b"})
    void shouldRoundTripEveryName(final String name)
    {
        assertEquals(name, NatsClusterBus.topic("wsmux", NatsClusterBus.subject("wsmux", name)));
    }

    @Test
    void shouldIgnoreSubjectsThatAreNotTheClusters()
    {
        assertNull(NatsClusterBus.topic("wsmux", "other.prices"));
        assertNull(NatsClusterBus.topic("wsmux", "wsmuxx.prices"));
        assertNull(NatsClusterBus.topic("wsmux", "wsmux."));
        assertNull(NatsClusterBus.topic("wsmux", "wsmux.%4"));
        assertNull(NatsClusterBus.topic("wsmux", "wsmux.%ZZ"));
    }
}
