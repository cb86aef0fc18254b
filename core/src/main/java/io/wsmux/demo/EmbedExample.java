package io.wsmux.demo;

import java.io.IOException;
import java.util.Map;

import io.wsmux.Connection;
import io.wsmux.Multiplexer;
import io.wsmux.TopicOptions;
import io.wsmux.UpgradeHook;
import io.wsmux.WebSocketHandler;
import io.wsmux.WsmuxServer;
import io.wsmux.WsmuxSettings;
import org.agrona.DirectBuffer;

/**
 * The README's "Embed it" example, compiled and tested as is (EmbedExampleTest checks the README shows exactly the
 * lines between the {@code README} markers): a multiplexed endpoint whose upgrade hook admits only clients with a
 * known token (query parameter {@code token}, or cookie {@code token}), attaches their {@link User}, and whose
 * channel authorizer lets only admins open {@code admin.*} channels. The {@code whoami} service greets each channel by
 * the name of the user behind its WebSocket.
 */
public final class EmbedExample
{
    private EmbedExample()
    {
    }

    /**
     * Who a token belongs to.
     *
     * @param name  user name.
     * @param admin may open {@code admin.*} channels.
     */
    public record User(String name, boolean admin)
    {
    }

    /**
     * Start the example server.
     *
     * @param settings server settings (port and threads, say).
     * @param users    the known tokens and their users.
     * @return the started server.
     * @throws IOException if it cannot listen.
     */
    public static WsmuxServer start(final WsmuxSettings settings, final Map<String, User> users) throws IOException
    {
        // README:begin
        final Multiplexer mux = Multiplexer.builder()
            .service("whoami", new WhoAmI())                      // a WebSocketHandler runs as a channel service
            .service("admin.console", new WhoAmI())
            .topicPrefix("prices.", TopicOptions.LATEST)          // last value on subscribe, conflation when slow
            .authorizer((webSocket, channel) ->                   // per channel, knowing who the client is
                channel.startsWith("admin.") && !((User)webSocket.identity()).admin() ? "admins only" : null)
            .build();

        final UpgradeHook tokenCheck = (request) ->               // per WebSocket, before the 101 response
        {
            final String token = null != request.queryParameter("token") ?
                request.queryParameter("token") : request.cookie("token");
            final User user = null == token ? null : users.get(token);
            if (null == user)
            {
                return new UpgradeHook.Rejection(401, "a valid token is required");
            }
            request.identity(user);                               // identity() on the WebSocket and its channels
            return null;
        };

        final WsmuxServer server = WsmuxServer.builder(settings)
            .mux("/mux", mux, tokenCheck)                         // many channels over one WebSocket
            .build()
            .start();
        mux.topic("prices.EURUSD").publish("EURUSD,1.08412,1.08415");   // from any thread
        // README:end
        return server;
    }

    /**
     * Greets a channel with {@code hello <user>} when it opens, then echoes what it receives.
     */
    static final class WhoAmI implements WebSocketHandler
    {
        @Override
        public void onOpen(final Connection channel)
        {
            channel.sendText("hello " + ((User)channel.identity()).name());
        }

        @Override
        public void onText(final Connection channel, final DirectBuffer buffer, final int offset, final int length)
        {
            channel.sendText(buffer, offset, length);
        }
    }
}
