package io.wsmux;

import static io.wsmux.SockJsTransportIntegrationTest.assertSent;
import static io.wsmux.SockJsTransportIntegrationTest.session;
import static io.wsmux.SockJsTransportIntegrationTest.xhr;
import static io.wsmux.SockJsTransportIntegrationTest.xhrSend;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.wsmux.SockJsHttpClient.Response;
import org.agrona.DirectBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The upgrade hook of a SockJS endpoint decides each new session (not each request), sees the opening request, and
 * its refusal or failure opens nothing; the handler sees the session's identity, path and query.
 */
@Timeout(30)
class SockJsHookIntegrationTest
{
    @Test
    void shouldLetTheHookDecideEachNewSession() throws Exception
    {
        final BlockingQueue<String> opened = new LinkedBlockingQueue<>();
        final UpgradeHook hook = request ->
        {
            final String token = request.header("X-Token");
            if ("boom".equals(token))
            {
                throw new IllegalStateException("the hook failed on purpose");
            }
            if (null == token)
            {
                return new UpgradeHook.Rejection(403, "no token");
            }
            request.identity("user:" + token + ":" + request.path() + "?" + request.query());
            return null;
        };
        final WebSocketHandler handler = new WebSocketHandler()
        {
            @Override
            public void onOpen(final Connection connection)
            {
                opened.add(connection.identity() + " " + connection.path() + " " + connection.query());
            }

            @Override
            public void onText(final Connection connection, final DirectBuffer buffer, final int offset,
                final int length)
            {
                connection.sendText(buffer, offset, length);
            }
        };
        try (WsmuxServer server = WsmuxServer.builder(SockJsHttpClient.testSettings())
            .sockJs("/hooked", handler, hook, null).build().start())
        {
            final int port = server.port();
            final String refused = session("/hooked");
            final String failed = session("/hooked");
            final String accepted = session("/hooked");

            final Response noToken = xhr(port, refused);
            assertEquals(403, noToken.status(), noToken.toString());
            assertTrue(noToken.bodyText().contains("no token"), noToken.toString());
            assertEquals(404, xhrSend(port, refused, "[\"x\"]").status(), "a refused session does not exist");

            assertEquals(500, xhr(port, failed, "X-Token: boom").status(), "a hook that throws refuses with 500");

            final Response open = SockJsHttpClient.once(port, "POST", accepted + "/xhr?v=1", "", "X-Token: t1");
            assertEquals("o\n", open.bodyText());
            assertEquals("user:t1:" + accepted + "/xhr?v=1 /hooked v=1", opened.poll(5, TimeUnit.SECONDS));

            assertSent(xhrSend(port, accepted, "[\"no token needed now\"]"));
            assertEquals("a[\"no token needed now\"]\n", xhr(port, accepted).bodyText(),
                "the hook decides sessions, not each request of an open one");
        }
    }
}
