package io.wsmux;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import io.wsmux.transport.IoLoop;

/**
 * The services and topics reachable as channels through a multiplexed endpoint, and the hook that authorizes
 * opening them. Names are exact ({@code echo}) or prefixes ({@code chat.}, {@code prices.}); exact names win over
 * prefixes and the longest prefix wins. Topics under a prefix are created on first use.
 * <pre>
 * Multiplexer mux = Multiplexer.builder()
 *     .service("echo", new EchoService())
 *     .topicPrefix("prices.", TopicOptions.LATEST)
 *     .authorizer((webSocket, channel) -&gt; channel.startsWith("admin.") ? "forbidden" : null)
 *     .build();
 * WsmuxServer server = WsmuxServer.builder().mux("/mux", mux).build().start();
 * mux.topic("prices.EURUSD").publish("EURUSD,1.08412,1.08415");
 * </pre>
 * Thread safe once built. Bound to one server when it starts.
 */
public final class Multiplexer
{
    /**
     * What a channel name resolves to: a service, or a topic with its options.
     *
     * @param service      the service's handler, or null for a topic.
     * @param topicOptions the topic's options, or null for a service.
     */
    record Target(WebSocketHandler service, TopicOptions topicOptions)
    {
    }

    private final Map<String, Target> exact;
    private final Map<String, Target> prefixes;
    private final ChannelAuthorizer authorizer;
    private final ConcurrentHashMap<String, Topic> topics = new ConcurrentHashMap<>();
    private final AtomicLong droppedPublications = new AtomicLong();
    private volatile IoLoop[] loops;
    private PublicationPool publicationPool;
    private int maxChannels;
    private int maxChannelNameLength;
    private int maxPublicationLength;

    private Multiplexer(final Builder builder)
    {
        this.exact = Map.copyOf(builder.exact);
        this.prefixes = Map.copyOf(builder.prefixes);
        this.authorizer = builder.authorizer;
    }

    /**
     * @return a builder.
     */
    public static Builder builder()
    {
        return new Builder();
    }

    synchronized void bind(final IoLoop[] loops, final WsmuxSettings settings)
    {
        if (null != this.loops)
        {
            throw new IllegalStateException("a Multiplexer serves one server");
        }
        this.maxChannels = settings.muxMaxChannels();
        this.maxChannelNameLength = settings.muxMaxChannelNameLength();
        this.maxPublicationLength = settings.maxPublicationLength();
        this.publicationPool = new PublicationPool(
            Publication.FRAME_START + 4 + 6 * maxChannelNameLength + maxPublicationLength, 1024);
        this.loops = loops;
    }

    /**
     * The topic of that name, created if a topic or topic prefix was registered for it.
     *
     * @param name topic name, unescaped.
     * @return the topic.
     * @throws IllegalArgumentException if no topic is registered under that name or a prefix of it.
     * @throws IllegalStateException    if the server has not started.
     */
    public Topic topic(final String name)
    {
        final Target target = resolve(name);
        if (null == target || null == target.topicOptions())
        {
            throw new IllegalArgumentException("no topic registered for: " + name);
        }
        return topic(name, target);
    }

    Topic topic(final String name, final Target target)
    {
        final Topic topic = topics.get(name);
        if (null != topic)
        {
            return topic;
        }
        final IoLoop[] boundLoops = loops;
        if (null == boundLoops)
        {
            throw new IllegalStateException("the server has not started");
        }
        return topics.computeIfAbsent(name, (key) -> new Topic(key, target.topicOptions(), this, boundLoops));
    }

    Target resolve(final String name)
    {
        final Target target = exact.get(name);
        if (null != target)
        {
            return target;
        }
        Target best = null;
        int bestLength = -1;
        for (final Map.Entry<String, Target> entry : prefixes.entrySet())
        {
            final String prefix = entry.getKey();
            if (prefix.length() > bestLength && name.startsWith(prefix) && name.length() > prefix.length())
            {
                best = entry.getValue();
                bestLength = prefix.length();
            }
        }
        return best;
    }

    ChannelAuthorizer authorizer()
    {
        return authorizer;
    }

    PublicationPool publicationPool()
    {
        return publicationPool;
    }

    int maxChannels()
    {
        return maxChannels;
    }

    int maxChannelNameLength()
    {
        return maxChannelNameLength;
    }

    int maxPublicationLength()
    {
        return maxPublicationLength;
    }

    void onPublicationDropped()
    {
        droppedPublications.incrementAndGet();
    }

    /**
     * @return publications a loop missed because its queue stayed full.
     */
    public long droppedPublications()
    {
        return droppedPublications.get();
    }

    /**
     * @return topics created so far.
     */
    public int topicCount()
    {
        return topics.size();
    }

    /**
     * Registers services and topics. Not thread safe.
     */
    public static final class Builder
    {
        private final Map<String, Target> exact = new HashMap<>();
        private final Map<String, Target> prefixes = new HashMap<>();
        private ChannelAuthorizer authorizer;

        private Builder()
        {
        }

        /**
         * A service under an exact channel name.
         *
         * @param name    channel name (unescaped; text-protocol clients reach it under its escape()d form).
         * @param handler gets open, messages and close for every channel opened on it.
         * @return this.
         */
        public Builder service(final String name, final WebSocketHandler handler)
        {
            return register(exact, name, new Target(handler, null));
        }

        /**
         * A service for every channel name starting with a prefix.
         *
         * @param prefix  e.g. {@code chat.}
         * @param handler gets open, messages and close for every channel opened under the prefix.
         * @return this.
         */
        public Builder servicePrefix(final String prefix, final WebSocketHandler handler)
        {
            return register(prefixes, prefix, new Target(handler, null));
        }

        /**
         * A topic under an exact name.
         *
         * @param name    topic name.
         * @param options topic options.
         * @return this.
         */
        public Builder topic(final String name, final TopicOptions options)
        {
            return register(exact, name, new Target(null, options));
        }

        /**
         * Topics for every name starting with a prefix, created on first use.
         *
         * @param prefix  e.g. {@code prices.}
         * @param options options of every topic under the prefix.
         * @return this.
         */
        public Builder topicPrefix(final String prefix, final TopicOptions options)
        {
            return register(prefixes, prefix, new Target(null, options));
        }

        /**
         * @param authorizer decides each channel open; null allows all.
         * @return this.
         */
        public Builder authorizer(final ChannelAuthorizer authorizer)
        {
            this.authorizer = authorizer;
            return this;
        }

        private Builder register(final Map<String, Target> map, final String name, final Target target)
        {
            if (null == name || name.isEmpty())
            {
                throw new IllegalArgumentException("channel names and prefixes must not be empty");
            }
            if (null != map.putIfAbsent(name, target))
            {
                throw new IllegalArgumentException("already registered: " + name);
            }
            return this;
        }

        /**
         * @return the multiplexer.
         */
        public Multiplexer build()
        {
            return new Multiplexer(this);
        }
    }
}
