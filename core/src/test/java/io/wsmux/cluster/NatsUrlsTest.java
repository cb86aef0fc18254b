package io.wsmux.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Credentials never printed: every URL's user information becomes {@code ***}, the rest stays as given.
 */
class NatsUrlsTest
{
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "nats://127.0.0.1:4222|nats://127.0.0.1:4222",
        "nats://user:secret@127.0.0.1:4222|nats://***@127.0.0.1:4222",
        "nats://s3cr3t-token@nats.example.com:4222|nats://***@nats.example.com:4222",
        "tls://user:p@ss@host:4222|tls://***@host:4222",
        "nats://a:b@h1:4222,nats://h2:4222,tls://tok@h3:4443|nats://***@h1:4222,nats://h2:4222,tls://***@h3:4443",
        "nats://user:secret@host:4222/path@x|nats://***@host:4222/path@x",
        "http://127.0.0.1:4222|http://127.0.0.1:4222"})
    void shouldReplaceTheUserInformationOfEveryUrl(final String urls, final String printed)
    {
        assertEquals(printed, NatsUrls.redact(urls));
    }

    @Test
    void shouldTakeNullAsEmpty()
    {
        assertEquals("", NatsUrls.redact(null));
    }
}
