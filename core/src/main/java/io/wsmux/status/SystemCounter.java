package io.wsmux.status;

import java.util.Locale;

import io.wsmux.transport.TransportCounters;

/**
 * Every counter in a wsmux counters file: a stable type id (the Agrona counter's type id: never renumber, add at the
 * end of a group), the Prometheus metric it is exported as, with an optional label that tells its variants apart
 * (close-code class, failure reason), whether it is a counter or a gauge, and a line of help.
 * <p>
 * {@link Scope#LOOP} counters exist once per I/O loop, {@link Scope#TOPIC_FAMILY} ones once per (topic family,
 * loop): each loop writes only its own, readers sum them. See docs/architecture.md, "Operating it", for what a high
 * value of each means.
 */
public enum SystemCounter
{
    // ---- written by the transport (io.wsmux.transport.IoLoop), published once per duty cycle ----
    CONNECTIONS_OPEN(0, TransportCounters.CONNECTIONS_OPEN, "connections_open", Kind.GAUGE,
        "Connections open now, handshaking ones included."),
    CONNECTIONS_ACCEPTED(1, TransportCounters.CONNECTIONS_ACCEPTED, "connections_accepted_total", Kind.COUNTER,
        "Sockets accepted and registered."),
    CONNECTIONS_REFUSED(2, TransportCounters.CONNECTIONS_REFUSED, "connections_refused_total", Kind.COUNTER,
        "Sockets refused at wsmux.max.connections (503)."),
    ACCEPT_ERRORS(3, TransportCounters.ACCEPT_ERRORS, "accept_errors_total", Kind.COUNTER,
        "Failed accepts (out of file descriptors, typically)."),
    BYTES_IN(4, TransportCounters.BYTES_IN, "received_bytes_total", Kind.COUNTER, "Bytes read from sockets."),
    BYTES_OUT(5, TransportCounters.BYTES_OUT, "sent_bytes_total", Kind.COUNTER, "Bytes written to sockets."),
    QUEUED_BYTES(6, TransportCounters.QUEUED_BYTES, "queued_bytes", Kind.GAUGE,
        "Bytes of data frames queued for slow sockets now."),
    QUEUED_BYTES_MAX(7, TransportCounters.QUEUED_BYTES_MAX, "queued_bytes_max", Kind.GAUGE,
        "Most bytes of data frames ever queued at once, a cycle's batch included."),
    SOCKET_FULL_WRITES(8, TransportCounters.SOCKET_FULL_WRITES, "socket_full_writes_total", Kind.COUNTER,
        "Writes that found the socket's send buffer full."),
    READ_PAUSES(9, TransportCounters.READ_PAUSES, "read_pauses_total", Kind.COUNTER,
        "Times a connection was not read because too much was queued for it."),
    CHUNKS_ALLOCATED(10, TransportCounters.CHUNKS_ALLOCATED, "outbound_chunks_allocated_total", Kind.COUNTER,
        "Outbound chunks allocated (pool misses)."),
    DUTY_CYCLE_MAX_NS(11, TransportCounters.DUTY_CYCLE_MAX_NS, "duty_cycle_max_seconds", Kind.GAUGE,
        "Longest duty cycle that did work."),
    DUTY_CYCLES_OVER_THRESHOLD(12, TransportCounters.DUTY_CYCLES_OVER_THRESHOLD,
        "duty_cycles_over_threshold_total", Kind.COUNTER, "Duty cycles longer than wsmux.duty.cycle.threshold."),
    COMMAND_QUEUE_MAX_BYTES(13, TransportCounters.COMMAND_QUEUE_MAX_BYTES, "command_queue_max_bytes", Kind.GAUGE,
        "Most bytes found in the command ring buffer at the start of a cycle."),
    COMMAND_QUEUE_OVERFLOWS(14, TransportCounters.COMMAND_QUEUE_OVERFLOWS, "command_queue_overflows_total",
        Kind.COUNTER, "Sends and closes from other threads refused: command ring buffer full."),
    TASK_QUEUE_MAX(15, TransportCounters.TASK_QUEUE_MAX, "task_queue_max", Kind.GAUGE,
        "Most entries found in the task queue at the start of a cycle."),
    TASK_QUEUE_OVERFLOWS(16, TransportCounters.TASK_QUEUE_OVERFLOWS, "task_queue_overflows_total", Kind.COUNTER,
        "Tasks (publications, handed-over sockets) refused: task queue full."),
    FRAMES_OUT(17, TransportCounters.FRAMES_OUT, "sent_frames_total", Kind.COUNTER,
        "WebSocket frames sent (data, control, close)."),
    SOCKET_WRITES(18, TransportCounters.SOCKET_WRITES, "socket_writes_total", Kind.COUNTER,
        "Write system calls on sockets; sent frames over this is frames per write."),
    SOCKET_READS(19, TransportCounters.SOCKET_READS, "socket_reads_total", Kind.COUNTER,
        "Read system calls on sockets that returned data."),

    // ---- written by the core (LoopContext's plain fields), published once per duty cycle ----
    HANDSHAKES(20, "handshakes_total", Kind.COUNTER, "Upgrades completed (101 sent)."),
    HANDSHAKES_FAILED_MALFORMED(21, "handshakes_failed_total", "reason", "malformed", Kind.COUNTER,
        "Upgrade requests refused with a 4xx."),
    HANDSHAKES_FAILED_NOT_FOUND(22, "handshakes_failed_total", "reason", "not_found", Kind.COUNTER, null),
    HANDSHAKES_FAILED_HOOK(23, "handshakes_failed_total", "reason", "hook_refused", Kind.COUNTER, null),
    HANDSHAKES_FAILED_TIMEOUT(24, "handshakes_failed_total", "reason", "timeout", Kind.COUNTER, null),
    HANDSHAKES_FAILED_BUSY(25, "handshakes_failed_total", "reason", "busy", Kind.COUNTER, null),
    CLOSED_NORMAL(30, "connections_closed_total", "class", "normal", Kind.COUNTER,
        "WebSocket connections closed, by close-code class."),
    CLOSED_PROTOCOL(31, "connections_closed_total", "class", "protocol", Kind.COUNTER, null),
    CLOSED_POLICY(32, "connections_closed_total", "class", "policy", Kind.COUNTER, null),
    CLOSED_ERROR(33, "connections_closed_total", "class", "error", Kind.COUNTER, null),
    CLOSED_TRY_AGAIN(34, "connections_closed_total", "class", "try_again_later", Kind.COUNTER, null),
    CLOSED_ABNORMAL(35, "connections_closed_total", "class", "abnormal", Kind.COUNTER, null),
    CLOSED_OTHER(36, "connections_closed_total", "class", "other", Kind.COUNTER, null),
    FRAMES_IN(40, "received_frames_total", Kind.COUNTER, "WebSocket frames received."),
    MESSAGES_IN(41, "received_messages_total", Kind.COUNTER, "WebSocket messages received."),
    MESSAGES_OUT(42, "sent_messages_total", Kind.COUNTER, "WebSocket messages sent."),
    PROTOCOL_ERRORS(43, "protocol_errors_total", Kind.COUNTER, "Protocol violations by clients."),
    HANDLER_ERRORS(44, "handler_errors_total", Kind.COUNTER, "Application handlers that threw."),
    SLOW_CONSUMER_CLOSES(45, "slow_consumer_closes_total", Kind.COUNTER,
        "Connections closed with 1008 for not reading."),
    PROTOCOL_REPLY_OVERFLOWS(46, "protocol_reply_overflows_total", Kind.COUNTER,
        "Slow-consumer closes because multiplex replies overflowed."),
    DISCARDED_BYTES(47, "discarded_bytes_total", Kind.COUNTER, "Queued bytes dropped before they were sent."),
    ASSEMBLY_REFUSALS(48, "assembly_refusals_total", Kind.COUNTER,
        "Connections closed with 1013 at wsmux.assembly.budget."),
    IDLE_TIMEOUTS(49, "idle_timeouts_total", Kind.COUNTER, "Connections closed for silence."),
    PINGS_SENT(50, "pings_sent_total", Kind.COUNTER, "Pings sent to quiet connections."),
    CHANNELS_OPENED(60, "channels_opened_total", Kind.COUNTER, "Multiplexed channels opened."),
    CHANNELS_CLOSED(61, "channels_closed_total", Kind.COUNTER, "Multiplexed channels closed."),
    CHANNEL_MESSAGES_IN(62, "channel_received_messages_total", Kind.COUNTER, "Messages received on channels."),
    CHANNEL_MESSAGES_OUT(63, "channel_sent_messages_total", Kind.COUNTER, "Messages sent on service channels."),
    MUX_IGNORED(64, "mux_ignored_messages_total", Kind.COUNTER, "Multiplex messages ignored."),
    MUX_ERRORS(65, "mux_errors_total", Kind.COUNTER, "Multiplex protocol errors answered."),
    PUBLICATIONS_RECEIVED(70, "publications_received_total", Kind.COUNTER,
        "Topic publications this loop received to fan out."),
    DELIVERIES(71, "deliveries_total", Kind.COUNTER, "Publications written to subscribers."),
    CONFLATED_SLOW(72, "conflated_total", "reason", "slow_subscriber", Kind.COUNTER,
        "Pending values replaced by newer ones, by reason."),
    CONFLATED_RATE(73, "conflated_total", "reason", "rate_limit", Kind.COUNTER, null),
    THROTTLED(74, "throttled_total", Kind.COUNTER, "Deliveries held back by a subscriber's maxRate."),
    DROPPED_OVER_BUDGET(75, "dropped_total", "reason", "over_budget", Kind.COUNTER,
        "Messages dropped, by reason."),
    /** Written atomically by publishing threads when this loop's task queue is full (a cold path). */
    DROPPED_LOOP_QUEUE_FULL(76, "dropped_total", "reason", "loop_queue_full", Kind.COUNTER, null),
    SOCKJS_SESSIONS_OPEN(80, "sockjs_sessions_open", Kind.GAUGE, "SockJS sessions open now, on every transport."),
    SOCKJS_SESSIONS_OPENED(81, "sockjs_sessions_opened_total", Kind.COUNTER, "SockJS sessions opened."),
    HTTP_REQUESTS(82, "http_requests_total", Kind.COUNTER, "Plain HTTP requests answered (SockJS)."),
    SOCKET_HANDOFFS(83, "socket_handoffs_total", Kind.COUNTER,
        "Sockets handed to the loop that owns their request's SockJS session."),
    DEFLATE_CONNECTIONS(90, "deflate_connections_total", Kind.COUNTER,
        "WebSocket connections that negotiated permessage-deflate."),
    DEFLATE_INFLATED(91, "deflate_inflated_messages_total", Kind.COUNTER,
        "Compressed messages received and inflated."),
    DEFLATE_TOO_BIG(92, "deflate_inflate_refusals_total", Kind.COUNTER,
        "Compressed messages refused while inflating: past wsmux.max.message.length (1009) or not deflate data."),
    DEFLATE_COMPRESSED(93, "deflate_compressed_messages_total", Kind.COUNTER,
        "Messages compressed for one connection (replies, echo, subscribers with context takeover)."),
    DEFLATE_PUBLICATIONS(94, "deflate_publication_compressions_total", Kind.COUNTER,
        "Publications compressed, once each for all their subscribers."),
    DEFLATE_SHARED_SENDS(95, "deflate_shared_sends_total", Kind.COUNTER,
        "Publications sent to a subscriber as the frame compressed once for all."),
    DEFLATE_INFLATERS(96, "deflate_inflaters", Kind.GAUGE,
        "Inflaters of connections that keep their compression context, open now."),
    TLS_HANDSHAKES(110, TransportCounters.TLS_HANDSHAKES, "tls_handshakes_total", Kind.COUNTER,
        "TLS handshakes completed."),
    TLS_HANDSHAKE_FAILURES(111, TransportCounters.TLS_HANDSHAKE_FAILURES, Scope.LOOP, "tls_failures_total", "reason",
        "handshake", Kind.COUNTER,
        "TLS connections closed by a failure, by reason: handshake (bad ClientHello, nothing in common, client " +
        "certificate refused, an alert), plaintext (an HTTP request on the TLS port: answered 400), bad_record " +
        "(a record that fails to decrypt after the handshake), truncated (the peer closed mid-record or " +
        "mid-handshake), renegotiation (TLS 1.2, refused)."),
    TLS_PLAINTEXT_REFUSED(112, TransportCounters.TLS_PLAINTEXT_REFUSED, Scope.LOOP, "tls_failures_total", "reason",
        "plaintext", Kind.COUNTER, null),
    TLS_BAD_RECORDS(113, TransportCounters.TLS_BAD_RECORDS, Scope.LOOP, "tls_failures_total", "reason",
        "bad_record", Kind.COUNTER, null),
    TLS_TRUNCATED(114, TransportCounters.TLS_TRUNCATED, Scope.LOOP, "tls_failures_total", "reason", "truncated",
        Kind.COUNTER, null),
    TLS_RENEGOTIATIONS_REFUSED(115, TransportCounters.TLS_RENEGOTIATIONS_REFUSED, Scope.LOOP, "tls_failures_total",
        "reason", "renegotiation", Kind.COUNTER, null),
    TLS_TASKS_OFF_LOOP(116, TransportCounters.TLS_TASKS_OFF_LOOP, "tls_tasks_off_loop_total", Kind.COUNTER,
        "TLS handshake steps (key exchange, signatures) run on the task pool rather than the loop."),
    TLS_HANDSHAKING(117, TransportCounters.TLS_HANDSHAKING, "tls_handshaking", Kind.GAUGE,
        "TLS connections in their handshake now."),
    TLS_BYTES_OUT(118, TransportCounters.TLS_BYTES_OUT, "tls_sent_bytes_total", Kind.COUNTER,
        "Bytes of TLS records written to sockets (sent_bytes_total counts their plaintext)."),
    TLS_SPILLS_ALLOCATED(119, TransportCounters.TLS_SPILLS_ALLOCATED, "tls_spills_allocated_total", Kind.COUNTER,
        "TLS spill buffers allocated: partial records kept while the loop's pool was empty."),
    HANDSHAKES_FAILED_TLS_ON_PLAIN_PORT(120, "handshakes_failed_total", "reason", "tls_on_plain_port", Kind.COUNTER,
        null),

    // ---- the cluster (NATS), on loop 0, sampled once a second from the cluster's buses (docs/architecture.md) ----
    CLUSTER_PUBLISHED(121, "cluster_published_total", Kind.COUNTER,
        "Publications sent to the other nodes of the cluster through NATS."),
    CLUSTER_RECEIVED(122, "cluster_received_total", Kind.COUNTER,
        "Publications received from the other nodes of the cluster."),
    CLUSTER_DROPPED(123, "cluster_dropped_total", Kind.COUNTER,
        "Publications for the other nodes dropped: NATS unreachable and wsmux.cluster.buffer.length full."),
    CLUSTER_INTERESTS(124, "cluster_interests", Kind.GAUGE,
        "Topics this node receives from the cluster now (those it has subscribers to)."),
    CLUSTER_CONNECTED(125, "cluster_connected", Kind.GAUGE, "Connections to NATS up now (one per multiplexer)."),
    CLUSTER_GAPS(126, "cluster_gaps_total", Kind.COUNTER,
        "Losses of the NATS link that came back, each reported to subscribers as a gap."),
    CLUSTER_GAP_MESSAGES(127, "cluster_gap_messages_total", Kind.COUNTER,
        "GAP messages sent to binary-protocol subscribers after losses of the NATS link."),

    // ---- positions and recovery (docs/protocol.md) ----
    RECOVERIES(130, "recoveries_total", "result", "recovered", Kind.COUNTER,
        "Subscriptions that asked to recover from a position, by result."),
    RECOVERIES_FAILED(131, "recoveries_total", "result", "not_recovered", Kind.COUNTER, null),
    RECOVERIES_TOO_LARGE(132, "recoveries_too_large_total", Kind.COUNTER,
        "Recoveries answered NOT_RECOVERED because the replay would not fit the outbound budget."),
    RECOVERED_PUBLICATIONS(133, "recovered_publications_total", Kind.COUNTER,
        "Publications replayed to recovering subscribers."),
    GAPS_OVER_BUDGET(134, "gaps_total", "reason", "over_budget", Kind.COUNTER,
        "GAP messages sent to binary subscribers, by reason: publications dropped over the outbound budget."),

    // ---- per topic family and loop, written directly with release stores by the owning loop ----
    TOPIC_PUBLICATIONS(100, Scope.TOPIC_FAMILY, "topic_publications_total", Kind.COUNTER,
        "Publications a loop received, by topic family."),
    TOPIC_DELIVERIES(101, Scope.TOPIC_FAMILY, "topic_deliveries_total", Kind.COUNTER,
        "Publications written to subscribers, by topic family."),
    TOPIC_SUBSCRIBERS(102, Scope.TOPIC_FAMILY, "topic_subscribers", Kind.GAUGE,
        "Subscribers now, by topic family."),
    TOPIC_LAST_VALUE_HITS(103, Scope.TOPIC_FAMILY, "topic_last_value_hits_total", Kind.COUNTER,
        "New subscribers sent the last value, by topic family.");

    /**
     * Whether a value only grows (Prometheus {@code counter}) or goes up and down (a {@code gauge}).
     */
    public enum Kind
    {
        /** Only grows. */
        COUNTER,
        /** Goes up and down, or is a maximum. */
        GAUGE
    }

    /**
     * How many of a counter there are.
     */
    public enum Scope
    {
        /** One per I/O loop. */
        LOOP,
        /** One per (topic family, I/O loop). */
        TOPIC_FAMILY
    }

    private static final SystemCounter[] BY_TYPE_ID = new SystemCounter[256];

    static
    {
        for (final SystemCounter counter : values())
        {
            if (null != BY_TYPE_ID[counter.typeId])
            {
                throw new IllegalStateException("duplicate type id: " + counter.typeId);
            }
            BY_TYPE_ID[counter.typeId] = counter;
        }
    }

    private final int typeId;
    private final int transportIndex;
    private final Scope scope;
    private final String metric;
    private final String labelName;
    private final String labelValue;
    private final Kind kind;
    private final String help;

    SystemCounter(
        final int typeId,
        final int transportIndex,
        final String metric,
        final Kind kind,
        final String help)
    {
        this(typeId, transportIndex, Scope.LOOP, metric, null, null, kind, help);
    }

    SystemCounter(final int typeId, final String metric, final Kind kind, final String help)
    {
        this(typeId, -1, Scope.LOOP, metric, null, null, kind, help);
    }

    SystemCounter(final int typeId, final Scope scope, final String metric, final Kind kind, final String help)
    {
        this(typeId, -1, scope, metric, null, null, kind, help);
    }

    SystemCounter(
        final int typeId,
        final String metric,
        final String labelName,
        final String labelValue,
        final Kind kind,
        final String help)
    {
        this(typeId, -1, Scope.LOOP, metric, labelName, labelValue, kind, help);
    }

    SystemCounter(
        final int typeId,
        final int transportIndex,
        final Scope scope,
        final String metric,
        final String labelName,
        final String labelValue,
        final Kind kind,
        final String help)
    {
        this.typeId = typeId;
        this.transportIndex = transportIndex;
        this.scope = scope;
        this.metric = metric;
        this.labelName = labelName;
        this.labelValue = labelValue;
        this.kind = kind;
        this.help = help;
    }

    /**
     * @param typeId an Agrona counter type id.
     * @return the counter of that type id, or null for a type id wsmux does not write.
     */
    public static SystemCounter ofTypeId(final int typeId)
    {
        return typeId >= 0 && typeId < BY_TYPE_ID.length ? BY_TYPE_ID[typeId] : null;
    }

    /**
     * @return the stable Agrona counter type id.
     */
    public int typeId()
    {
        return typeId;
    }

    /**
     * @return the {@link TransportCounters} index of a counter the transport writes, else -1.
     */
    public int transportIndex()
    {
        return transportIndex;
    }

    /**
     * @return how many of it there are.
     */
    public Scope scope()
    {
        return scope;
    }

    /**
     * @return the Prometheus metric name without the {@code wsmux_} prefix, e.g. {@code connections_closed_total}.
     */
    public String metric()
    {
        return metric;
    }

    /**
     * @return the name of the label that tells this metric's variants apart, or null.
     */
    public String labelName()
    {
        return labelName;
    }

    /**
     * @return this variant's label value, or null.
     */
    public String labelValue()
    {
        return labelValue;
    }

    /**
     * @return counter or gauge.
     */
    public Kind kind()
    {
        return kind;
    }

    /**
     * @return the HELP text of its metric (on the first variant of a metric; null on the others).
     */
    public String help()
    {
        return help;
    }

    /**
     * @return the name {@code stat} shows: the constant's name in lower case with spaces.
     */
    public String displayName()
    {
        return name().toLowerCase(Locale.ROOT).replace('_', ' ');
    }

    /**
     * The counter a closing connection's close code counts in.
     *
     * @param code the close code (1006 when the connection ended without a close frame).
     * @return its class.
     */
    public static SystemCounter closeClass(final int code)
    {
        switch (code)
        {
            case 1000: // normal
            case 1001: // going away
            case 1005: // no status code: the peer closed cleanly without giving one
                return CLOSED_NORMAL;
            case 1002: // protocol error
            case 1003: // unsupported data
            case 1007: // invalid payload (UTF-8)
            case 1009: // message too big
            case 1010: // mandatory extension
                return CLOSED_PROTOCOL;
            case 1008:
                return CLOSED_POLICY;
            case 1011:
                return CLOSED_ERROR;
            case 1013:
                return CLOSED_TRY_AGAIN;
            case 1006:
                return CLOSED_ABNORMAL;
            default:
                return CLOSED_OTHER;
        }
    }
}
