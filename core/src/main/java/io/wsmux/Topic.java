package io.wsmux;

import java.nio.charset.StandardCharsets;

import io.wsmux.codec.FrameDescriptor;
import io.wsmux.codec.FrameEncoder;
import io.wsmux.codec.Opcode;
import io.wsmux.codec.mux.JsEscape;
import io.wsmux.codec.mux.TextMuxEncoder;
import io.wsmux.transport.IoLoop;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A named publish/subscribe stream. {@link #publish} frames the message once into a pooled, reference-counted
 * buffer and hands that one buffer to each I/O loop that has subscribers (N loops, not M subscribers); each loop
 * writes the same bytes to its subscribers. Publishing from a loop's own thread delivers to that loop's subscribers
 * at once.
 * <p>
 * Thread safe: publish from any thread. Messages from one publishing thread reach every subscriber in order.
 */
public final class Topic
{
    private final String name;
    private final TopicOptions options;
    private final Multiplexer multiplexer;
    private final UnsafeBuffer textPrefix;
    private final byte[] escapedName;
    private final IoLoop[] loops;
    private final LoopTopic[] loopTopics;

    Topic(final String name, final TopicOptions options, final Multiplexer multiplexer, final IoLoop[] loops)
    {
        this.name = name;
        this.options = options;
        this.multiplexer = multiplexer;
        this.loops = loops;
        final byte[] escaped = JsEscape.escape(name).getBytes(StandardCharsets.US_ASCII);
        this.escapedName = escaped;
        final UnsafeBuffer prefix = new UnsafeBuffer(new byte[TextMuxEncoder.messagePrefixLength(escaped.length)]);
        TextMuxEncoder.writeMessagePrefix(prefix, 0, escaped);
        this.textPrefix = prefix;
        this.loopTopics = new LoopTopic[loops.length];
        for (int i = 0; i < loops.length; i++)
        {
            loopTopics[i] = new LoopTopic(this);
        }
    }

    /**
     * @return the topic's name (unescaped).
     */
    public String name()
    {
        return name;
    }

    /**
     * @return the topic's options.
     */
    public TopicOptions options()
    {
        return options;
    }

    /**
     * @return subscribers on all loops (racy snapshot).
     */
    public int subscriberCount()
    {
        int total = 0;
        for (final LoopTopic loopTopic : loopTopics)
        {
            total += loopTopic.subscriberCount;
        }
        return total;
    }

    /**
     * Publish a text message (UTF-8, not checked) to every subscriber.
     *
     * @param buffer holding the message; copied once, not retained.
     * @param offset of the message.
     * @param length of the message, at most {@code wsmux.max.publication.length}.
     * @return false if some loop's queue was full and its subscribers miss this message (counted).
     */
    public boolean publish(final DirectBuffer buffer, final int offset, final int length)
    {
        return publish(true, buffer, offset, length);
    }

    /**
     * Publish a text message; convenience that encodes the string (allocates).
     *
     * @param text the message.
     * @return as {@link #publish(DirectBuffer, int, int)}.
     */
    public boolean publish(final CharSequence text)
    {
        final byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
        return publish(true, new UnsafeBuffer(bytes), 0, bytes.length);
    }

    /**
     * Publish a binary message. Text-protocol subscribers cannot receive binary messages and skip it.
     *
     * @param buffer holding the message; copied once, not retained.
     * @param offset of the message.
     * @param length of the message, at most {@code wsmux.max.publication.length}.
     * @return as {@link #publish(DirectBuffer, int, int)}.
     */
    public boolean publishBinary(final DirectBuffer buffer, final int offset, final int length)
    {
        return publish(false, buffer, offset, length);
    }

    private boolean publish(final boolean text, final DirectBuffer buffer, final int offset, final int length)
    {
        if (length > multiplexer.maxPublicationLength())
        {
            throw new IllegalArgumentException("publication longer than wsmux.max.publication.length: length=" +
                length + ", max=" + multiplexer.maxPublicationLength());
        }

        final boolean lastValue = options.lastValue();
        if (!lastValue && 0 == subscriberCount())
        {
            return true;
        }

        final int prefixLength = textPrefix.capacity();
        final Publication publication =
            multiplexer.publicationPool().acquire(Publication.FRAME_START + prefixLength + length);
        final UnsafeBuffer frame = publication.buffer;
        frame.putBytes(Publication.FRAME_START, textPrefix, 0, prefixLength);
        frame.putBytes(Publication.FRAME_START + prefixLength, buffer, offset, length);
        final int textLength = prefixLength + length;
        final int headerLength = FrameDescriptor.headerLength(textLength, false);
        publication.topic = this;
        publication.text = text;
        publication.payloadOffset = Publication.FRAME_START + prefixLength;
        publication.payloadLength = length;
        publication.textFrameOffset = Publication.FRAME_START - headerLength;
        publication.textFrameLength = headerLength + textLength;
        FrameEncoder.writeHeader(frame, publication.textFrameOffset, true, Opcode.TEXT, textLength);
        publication.references(1); // the publisher's own hold, released below once every loop has its own

        boolean delivered = true;
        for (int i = 0; i < loops.length; i++)
        {
            if (lastValue || loopTopics[i].subscriberCount > 0)
            {
                final IoLoop loop = loops[i];
                publication.retain();
                if (loop.isLoopThread())
                {
                    publication.run(loop);
                }
                else if (!offer(loop, publication))
                {
                    delivered = false;
                    multiplexer.onPublicationDropped();
                    publication.release();
                }
            }
        }
        publication.release();
        return delivered;
    }

    private static boolean offer(final IoLoop loop, final Publication publication)
    {
        for (int attempt = 0; attempt < 1000; attempt++)
        {
            if (loop.offerTask(publication))
            {
                return true;
            }
            Thread.onSpinWait();
        }
        return false;
    }

    void deliver(final Publication publication, final IoLoop loop)
    {
        loopTopics[loop.index()].deliver(publication, loop.nowNs());
    }

    /**
     * @return whether a text-protocol channel under this wire name can take the shared frame as is (its name is
     * the topic's escaped name, not, say, with a {@code ?maxRate=} suffix).
     */
    boolean isSharedWireName(final DirectBuffer wireName)
    {
        if (null == wireName || wireName.capacity() != escapedName.length)
        {
            return false;
        }
        for (int i = 0; i < escapedName.length; i++)
        {
            if (escapedName[i] != wireName.getByte(i))
            {
                return false;
            }
        }
        return true;
    }

    LoopTopic loopTopic(final int loopIndex)
    {
        return loopTopics[loopIndex];
    }

    @Override
    public String toString()
    {
        return "Topic{" + name + ", " + options + "}";
    }
}
