/*
 * fanout_client: a native load client for the fan-out scenario over the text multiplex protocol, the C twin of
 * io.wsmux.perf.load.FanOutScenario (same messages, same checks), small enough not to be the bottleneck: one thread,
 * epoll, non-blocking sockets, libc only, no allocation per message. It relies only on RFC 6455, so it drives any
 * server that speaks the protocol (wsmux --mode fanout, the Netty baseline, a uWebSockets server) with the same bytes.
 *
 *   S subscribers connect (HTTP/1.1 upgrade, Sec-WebSocket-Accept checked with the SHA-1 below); subscriber i sends
 *   "sub,bench.<i % T>". One publisher sends "sub,publish.bench.<t>" for every topic, then probes
 *   "msg,publish.bench.<t>,p<16 hex>" to every topic every 20 ms until every subscriber has seen one (topics
 *   deliver in order: a subscriber that saw a probe sees everything published after it). Then it publishes
 *   "msg,publish.bench.<t>,<payload>", payload = 'd', 16 hex digits of the topic's sequence number, 16 hex digits of
 *   the send time (ns since start), filler (byte i = 'a' + (i * 7) % 26), round-robin over the topics, at most
 *   --window publications of each topic in flight; every pass of the loop puts all that are due in one send().
 *   Subscribers check each message (prefix, 'd', sequence next in order, filler) and count it.
 *
 * Client frames carry a random non-zero mask key per frame (some servers skip unmasking a zero key, which would
 * make the servers' work differ). Output: progress on stderr, one JSON line on stdout. Exit 0 when no errors, 1
 * otherwise, 2 for a bad command line.
 *
 * Build: gcc -O2 -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -o fanout_client fanout_client.c
 * (io.wsmux.perf.load.NativeClient does this from the copy of this file packaged in wsmux-perf.jar).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

#define PROG "fanout_client"
#define RBUF_SIZE (256 * 1024)
#define MAX_EVENTS 1024
#define HANDSHAKE_MAX 4096
#define PROBE_INTERVAL_NS 20000000LL
#define CONNECT_TIMEOUT_NS 15000000000LL
#define CLOSE_TIMEOUT_NS 2000000000LL
#define PROGRESS_INTERVAL_NS 1000000000LL
#define HEADER_LENGTH 33 /* 'd', 16 hex sequence, 16 hex time */
#define MAX_LOGGED_ERRORS 10
#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

enum { ST_IDLE, ST_CONNECTING, ST_HANDSHAKE, ST_OPEN, ST_CLOSED };

typedef struct
{
    int fd;
    uint8_t state;
    uint8_t subscribed;  /* saw a probe */
    uint8_t active;      /* subscribed when publishing started, and still open: counts towards the window */
    uint8_t counted;     /* subscribed when publishing started: what it misses at the end is counted */
    uint8_t want_out;    /* EPOLLOUT registered */
    uint8_t closing;     /* we sent a close frame */
    uint32_t topic;
    uint32_t in_len;     /* a partial frame (or handshake response) kept between reads */
    uint32_t in_cap;
    uint32_t out_start;  /* unsent bytes [out_start, out_end) */
    uint32_t out_end;
    uint32_t out_cap;
    uint64_t next_seq;   /* next sequence expected */
    uint64_t got;        /* publications accepted: in order, or after a gap */
    int64_t deadline_ns; /* connect and handshake */
    uint8_t *in;
    uint8_t *out;
    uint8_t key[16];
} conn_t;

typedef struct
{
    uint8_t *sub_prefix;  /* "msg,bench.<t>," */
    uint32_t sub_prefix_len;
    uint8_t *pub_message; /* "msg,publish.bench.<t>,<payload>" */
    uint32_t pub_prefix_len;
    uint32_t pub_len;
    uint64_t published;   /* publications so far: the next sequence */
    uint64_t received;    /* publications accepted by its active subscribers */
    uint64_t subscribers; /* active subscribers */
} topic_t;

static struct
{
    const char *host;
    int port;
    const char *path;
    int subscribers;
    int topics;
    int payload;
    int window;
    double duration;
    double warmup;
    long server_pid;
    const char *sources;
    int concurrency;
    double subscribe_timeout;
    double drain_timeout;
    int quiet;
} opt = { "127.0.0.1", -1, "/", -1, -1, 64, 32, 4, 2, 0, NULL, 500, 30, 10, 0 };

static conn_t *conns;
static conn_t *publisher;
static topic_t *topics;
static uint8_t *rbuf;
static uint8_t *template_bytes;
static uint8_t *scratch;
static uint32_t max_frame;
static int epfd;
static int64_t base_ns;
static uint64_t rng_state;
static int8_t hexval[256];
static const char HEX[] = "0123456789abcdef";

static struct sockaddr_storage dst;
static socklen_t dst_len;
static struct sockaddr_storage *sources;
static int source_count;
static char host_header[300];

/* counters */
static uint64_t deliveries;
static uint64_t publications;
static uint64_t sub_recvs;
static uint64_t pub_sends;
static uint64_t connect_failures;
static uint64_t not_subscribed;
static uint64_t out_of_order;
static uint64_t corrupt;
static uint64_t refused;
static uint64_t unexpected_closes;
static uint64_t missing;
static uint64_t logged_errors;
static int open_subscribers;   /* subscribers in ST_OPEN */
static int subscribed_open;    /* of which have seen a probe */
static int setup_in_progress;  /* connections connecting or handshaking */
static int open_connections;   /* everything in ST_OPEN, for the close phase */
static int closing_all;
static const char *phase = "connect";

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static uint64_t next_random(void)
{
    /* xorshift64* */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1DULL;
}

static void log_error(const char *format, ...)
{
    if (logged_errors < MAX_LOGGED_ERRORS)
    {
        va_list args;
        va_start(args, format);
        fprintf(stderr, PROG ": ");
        vfprintf(stderr, format, args);
        fputc('\n', stderr);
        va_end(args);
    }
    else if (logged_errors == MAX_LOGGED_ERRORS)
    {
        fprintf(stderr, PROG ": more errors, not shown\n");
    }
    logged_errors++;
}

static void *xmalloc(size_t size)
{
    void *p = malloc(size);
    if (NULL == p)
    {
        fprintf(stderr, PROG ": out of memory (%zu bytes)\n", size);
        exit(1);
    }
    return p;
}

static void *xrealloc(void *old, size_t size)
{
    void *p = realloc(old, size);
    if (NULL == p)
    {
        fprintf(stderr, PROG ": out of memory (%zu bytes)\n", size);
        exit(1);
    }
    return p;
}

/* ---------------------------------------------------------------- SHA-1 and base64, for the handshake only */

static uint32_t rol(const uint32_t x, const int n)
{
    return (x << n) | (x >> (32 - n));
}

static void sha1(const uint8_t *data, const size_t len, uint8_t digest[20])
{
    uint32_t h[5] = { 0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0 };
    const size_t total = ((len + 8) / 64 + 1) * 64;
    uint8_t block[64];
    for (size_t offset = 0; offset < total; offset += 64)
    {
        for (size_t i = 0; i < 64; i++)
        {
            const size_t at = offset + i;
            block[i] = at < len ? data[at] : at == len ? 0x80 : 0;
        }
        if (offset + 64 == total)
        {
            const uint64_t bits = (uint64_t)len * 8;
            for (int i = 0; i < 8; i++)
            {
                block[56 + i] = (uint8_t)(bits >> (56 - 8 * i));
            }
        }
        uint32_t w[80];
        for (int i = 0; i < 16; i++)
        {
            w[i] = (uint32_t)block[4 * i] << 24 | (uint32_t)block[4 * i + 1] << 16 |
                (uint32_t)block[4 * i + 2] << 8 | block[4 * i + 3];
        }
        for (int i = 16; i < 80; i++)
        {
            w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
        }
        uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
        for (int i = 0; i < 80; i++)
        {
            uint32_t f, k;
            if (i < 20)
            {
                f = (b & c) | (~b & d);
                k = 0x5A827999;
            }
            else if (i < 40)
            {
                f = b ^ c ^ d;
                k = 0x6ED9EBA1;
            }
            else if (i < 60)
            {
                f = (b & c) | (b & d) | (c & d);
                k = 0x8F1BBCDC;
            }
            else
            {
                f = b ^ c ^ d;
                k = 0xCA62C1D6;
            }
            const uint32_t temp = rol(a, 5) + f + e + k + w[i];
            e = d;
            d = c;
            c = rol(b, 30);
            b = a;
            a = temp;
        }
        h[0] += a;
        h[1] += b;
        h[2] += c;
        h[3] += d;
        h[4] += e;
    }
    for (int i = 0; i < 5; i++)
    {
        digest[4 * i] = (uint8_t)(h[i] >> 24);
        digest[4 * i + 1] = (uint8_t)(h[i] >> 16);
        digest[4 * i + 2] = (uint8_t)(h[i] >> 8);
        digest[4 * i + 3] = (uint8_t)h[i];
    }
}

/* Writes 4 * ceil(len / 3) characters and a NUL. */
static void base64(const uint8_t *data, const size_t len, char *out)
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3)
    {
        const uint32_t v = (uint32_t)data[i] << 16 | (i + 1 < len ? (uint32_t)data[i + 1] << 8 : 0) |
            (i + 2 < len ? data[i + 2] : 0);
        out[o++] = alphabet[(v >> 18) & 63];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = i + 1 < len ? alphabet[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < len ? alphabet[v & 63] : '=';
    }
    out[o] = 0;
}

/* ---------------------------------------------------------------- small helpers */

static inline void put_hex16(uint8_t *p, const uint64_t value)
{
    for (int i = 0; i < 16; i++)
    {
        p[i] = (uint8_t)HEX[(value >> ((15 - i) * 4)) & 0xF];
    }
}

/* 16 lower-case hex digits, or -1. */
static inline int64_t parse_hex16(const uint8_t *p)
{
    uint64_t value = 0;
    int bad = 0;
    for (int i = 0; i < 16; i++)
    {
        const int digit = hexval[p[i]];
        bad |= digit;
        value = value << 4 | (uint64_t)(digit & 0xF);
    }
    return bad < 0 || (int64_t)value < 0 ? -1 : (int64_t)value;
}

static uint32_t conn_index(const conn_t *c)
{
    return (uint32_t)(c - conns);
}

static int is_publisher(const conn_t *c)
{
    return c == publisher;
}

/* utime + stime of a process in clock ticks, or -1. */
static long long read_cpu_ticks(const char *pid)
{
    char path[64];
    char text[2048];
    snprintf(path, sizeof(path), "/proc/%s/stat", pid);
    FILE *file = fopen(path, "r");
    if (NULL == file)
    {
        return -1;
    }
    const size_t n = fread(text, 1, sizeof(text) - 1, file);
    fclose(file);
    text[n] = 0;
    char *p = strrchr(text, ')');
    if (NULL == p)
    {
        return -1;
    }
    p += 2; /* field 3, the state */
    long long fields[13];
    for (int i = 0; i < 13; i++)
    {
        char *end;
        if (i == 0)
        {
            fields[i] = 0;
            end = strchr(p, ' ');
            if (NULL == end)
            {
                return -1;
            }
        }
        else
        {
            fields[i] = strtoll(p, &end, 10);
            if (end == p)
            {
                return -1;
            }
        }
        p = end + 1;
    }
    return fields[11] + fields[12]; /* fields 14 and 15 */
}

/* ---------------------------------------------------------------- output buffer, epoll interest */

static void set_interest(conn_t *c, const uint32_t events)
{
    struct epoll_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.events = events;
    ev.data.u32 = conn_index(c);
    if (epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev) != 0)
    {
        log_error("epoll_ctl: %s", strerror(errno));
    }
}

/* Room for len more bytes at out_end. */
static uint8_t *out_reserve(conn_t *c, const size_t len)
{
    if (c->out_end + len > c->out_cap)
    {
        const uint32_t pending = c->out_end - c->out_start;
        if (c->out_start > 0)
        {
            memmove(c->out, c->out + c->out_start, pending);
            c->out_start = 0;
            c->out_end = pending;
        }
        if (pending + len > c->out_cap)
        {
            size_t cap = c->out_cap < 256 ? 256 : c->out_cap;
            while (cap < pending + len)
            {
                cap *= 2;
            }
            c->out = xrealloc(c->out, cap);
            c->out_cap = (uint32_t)cap;
        }
    }
    return c->out + c->out_end;
}

static void conn_lost(conn_t *c, const char *why);

/* One send() of everything pending; EPOLLOUT while something is left. */
static void conn_flush(conn_t *c)
{
    while (c->out_end > c->out_start)
    {
        const ssize_t n = send(c->fd, c->out + c->out_start, c->out_end - c->out_start, MSG_NOSIGNAL);
        if (n > 0)
        {
            if (is_publisher(c))
            {
                pub_sends++;
            }
            c->out_start += (uint32_t)n;
            break;
        }
        if (n < 0 && EINTR == errno)
        {
            continue;
        }
        if (n < 0 && (EAGAIN == errno || EWOULDBLOCK == errno))
        {
            break;
        }
        conn_lost(c, n < 0 ? strerror(errno) : "send returned 0");
        return;
    }
    if (c->out_end == c->out_start)
    {
        c->out_start = 0;
        c->out_end = 0;
        if (c->want_out)
        {
            c->want_out = 0;
            set_interest(c, EPOLLIN);
        }
    }
    else if (!c->want_out)
    {
        c->want_out = 1;
        set_interest(c, EPOLLIN | EPOLLOUT);
    }
}

/* Append one masked frame (FIN, opcode) to the output buffer; the caller flushes. */
static void append_frame(conn_t *c, const int opcode, const uint8_t *payload, const size_t len)
{
    uint8_t *p = out_reserve(c, len + 14);
    size_t h = 0;
    p[h++] = (uint8_t)(0x80 | opcode);
    if (len < 126)
    {
        p[h++] = (uint8_t)(0x80 | len);
    }
    else if (len < 65536)
    {
        p[h++] = 0x80 | 126;
        p[h++] = (uint8_t)(len >> 8);
        p[h++] = (uint8_t)len;
    }
    else
    {
        p[h++] = 0x80 | 127;
        for (int i = 7; i >= 0; i--)
        {
            p[h++] = (uint8_t)((uint64_t)len >> (8 * i));
        }
    }
    uint32_t mask;
    do
    {
        mask = (uint32_t)(next_random() >> 32);
    }
    while (0 == mask);
    memcpy(p + h, &mask, 4);
    const uint8_t *m = p + h;
    h += 4;
    uint8_t *dst_bytes = p + h;
    const uint64_t mask64 = (uint64_t)mask << 32 | mask;
    size_t i = 0;
    for (; i + 8 <= len; i += 8)
    {
        uint64_t v;
        memcpy(&v, payload + i, 8);
        v ^= mask64;
        memcpy(dst_bytes + i, &v, 8);
    }
    for (; i < len; i++)
    {
        dst_bytes[i] = payload[i] ^ m[i & 3];
    }
    c->out_end += (uint32_t)(h + len);
}

static void send_frame(conn_t *c, const int opcode, const uint8_t *payload, const size_t len)
{
    append_frame(c, opcode, payload, len);
    if (!c->want_out)
    {
        conn_flush(c);
    }
}

/* ---------------------------------------------------------------- connection life */

static void conn_close_fd(conn_t *c)
{
    if (ST_OPEN == c->state)
    {
        open_connections--;
        if (!is_publisher(c))
        {
            open_subscribers--;
            if (c->subscribed)
            {
                subscribed_open--;
            }
        }
    }
    else if (ST_CONNECTING == c->state || ST_HANDSHAKE == c->state)
    {
        setup_in_progress--;
    }
    if (c->fd >= 0)
    {
        close(c->fd); /* also leaves the epoll set */
        c->fd = -1;
    }
    c->state = ST_CLOSED;
    if (c->active)
    {
        /* stop waiting for it: the window and the drain count only open subscribers */
        topic_t *t = &topics[c->topic];
        c->active = 0;
        t->subscribers--;
        t->received -= c->got;
    }
}

/* The connection ended or failed: an error unless we were closing it. */
static void conn_lost(conn_t *c, const char *why)
{
    if (ST_CLOSED == c->state)
    {
        return;
    }
    if (ST_CONNECTING == c->state || ST_HANDSHAKE == c->state)
    {
        connect_failures++;
        log_error("%s %u: %s failed: %s", is_publisher(c) ? "publisher" : "subscriber", conn_index(c),
            ST_CONNECTING == c->state ? "connect" : "handshake", why);
    }
    else if (!c->closing && !closing_all)
    {
        unexpected_closes++;
        log_error("%s %u closed: %s", is_publisher(c) ? "publisher" : "subscriber", conn_index(c), why);
    }
    conn_close_fd(c);
}

static void on_connected(conn_t *c)
{
    int error = 0;
    socklen_t len = sizeof(error);
    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &error, &len) != 0)
    {
        error = errno;
    }
    if (0 != error)
    {
        conn_lost(c, strerror(error));
        return;
    }
    char key[32];
    for (int i = 0; i < 16; i += 8)
    {
        const uint64_t r = next_random();
        memcpy(c->key + i, &r, 8);
    }
    base64(c->key, 16, key);
    char request[1024];
    const int n = snprintf(request, sizeof(request),
        "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n", opt.path, host_header, key);
    c->state = ST_HANDSHAKE;
    set_interest(c, EPOLLIN);
    memcpy(out_reserve(c, (size_t)n), request, (size_t)n);
    c->out_end += (uint32_t)n;
    conn_flush(c);
}

static void start_connect(conn_t *c, const int source)
{
    c->deadline_ns = now_ns() + CONNECT_TIMEOUT_NS;
    c->state = ST_CONNECTING;
    setup_in_progress++;
    c->fd = socket(dst.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0)
    {
        conn_lost(c, strerror(errno));
        return;
    }
    const int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (source_count > 0)
    {
        const struct sockaddr_storage *from = &sources[source % source_count];
        if (AF_INET == from->ss_family)
        {
            setsockopt(c->fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
        }
        const socklen_t from_len = AF_INET == from->ss_family ?
            sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
        if (bind(c->fd, (const struct sockaddr *)from, from_len) != 0)
        {
            conn_lost(c, strerror(errno));
            return;
        }
    }
    struct epoll_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.events = EPOLLOUT;
    ev.data.u32 = conn_index(c);
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev) != 0)
    {
        conn_lost(c, strerror(errno));
        return;
    }
    if (connect(c->fd, (const struct sockaddr *)&dst, dst_len) != 0 && EINPROGRESS != errno)
    {
        conn_lost(c, strerror(errno));
    }
    /* connected at once or not: EPOLLOUT reports it */
}

/* ---------------------------------------------------------------- messages */

static void on_subscriber_text(conn_t *c, const uint8_t *m, size_t len)
{
    topic_t *t = &topics[c->topic];
    if (len < t->sub_prefix_len || memcmp(m, t->sub_prefix, t->sub_prefix_len) != 0)
    {
        if (len >= 4 && 0 == memcmp(m, "uns,", 4))
        {
            refused++;
            log_error("subscriber %u of bench.%u refused: %.*s", conn_index(c), c->topic, (int)(len < 80 ? len : 80),
                (const char *)m);
        }
        else
        {
            corrupt++;
            log_error("subscriber %u of bench.%u got %.*s", conn_index(c), c->topic, (int)(len < 80 ? len : 80),
                (const char *)m);
        }
        return;
    }
    m += t->sub_prefix_len;
    len -= t->sub_prefix_len;
    if (len > 0 && 'd' == m[0])
    {
        if (!c->active)
        {
            return; /* not subscribed in time: already counted */
        }
        const int64_t sequence = len == (size_t)opt.payload ? parse_hex16(m + 1) : -1;
        if (sequence < 0 || parse_hex16(m + 17) < 0 ||
            memcmp(m + HEADER_LENGTH, template_bytes + HEADER_LENGTH, len - HEADER_LENGTH) != 0)
        {
            corrupt++;
            log_error("subscriber %u: publication of %zu bytes is not what was published: %.*s", conn_index(c), len,
                (int)(len < 48 ? len : 48), (const char *)m);
            return;
        }
        if ((uint64_t)sequence != c->next_seq)
        {
            out_of_order++;
            log_error("subscriber %u of bench.%u: publication %lld %s (next expected %llu)", conn_index(c), c->topic,
                (long long)sequence, (uint64_t)sequence < c->next_seq ? "duplicate or late" : "after a gap",
                (unsigned long long)c->next_seq);
            if ((uint64_t)sequence < c->next_seq)
            {
                return;
            }
        }
        c->next_seq = (uint64_t)sequence + 1;
        c->got++;
        t->received++;
        deliveries++;
    }
    else if (len > 0 && 'p' == m[0])
    {
        if (!c->subscribed)
        {
            c->subscribed = 1;
            subscribed_open++;
        }
    }
    else
    {
        corrupt++;
        log_error("subscriber %u got a payload of %zu bytes that is neither data nor probe", conn_index(c), len);
    }
}

static void on_frame(conn_t *c, const int b0, const uint8_t *payload, const size_t len)
{
    const int opcode = b0 & 0x0F;
    if (0x81 == b0)
    {
        if (is_publisher(c))
        {
            refused++;
            log_error("publisher got %.*s", (int)(len < 80 ? len : 80), (const char *)payload);
        }
        else
        {
            on_subscriber_text(c, payload, len);
        }
    }
    else if (0x8 == opcode)
    {
        if (!c->closing && !closing_all)
        {
            const int code = len >= 2 ? payload[0] << 8 | payload[1] : 1005;
            char why[160];
            const size_t reason = len > 2 ? (len - 2 < 100 ? len - 2 : 100) : 0;
            snprintf(why, sizeof(why), "close frame %d %.*s", code, (int)reason,
                (const char *)payload + (len > 2 ? 2 : 0));
            conn_lost(c, why);
            return;
        }
        conn_close_fd(c); /* the server answered our close */
    }
    else if (0x9 == opcode)
    {
        send_frame(c, 0xA, payload, len);
    }
    else if (0xA == opcode)
    {
        /* unsolicited pong: ignore */
    }
    else
    {
        corrupt++;
        log_error("%s %u got a frame with first byte 0x%02x (only unfragmented text is expected)",
            is_publisher(c) ? "publisher" : "subscriber", conn_index(c), b0);
    }
}

/* Parse whole frames in place; returns the bytes consumed (the rest is a partial frame). */
static size_t parse_frames(conn_t *c, const uint8_t *p, const size_t len)
{
    size_t off = 0;
    while (len - off >= 2)
    {
        const int b0 = p[off];
        const int b1 = p[off + 1];
        size_t header = 2;
        uint64_t length = (uint64_t)(b1 & 0x7F);
        if (126 == length)
        {
            if (len - off < 4)
            {
                break;
            }
            length = (uint64_t)p[off + 2] << 8 | p[off + 3];
            header = 4;
        }
        else if (127 == length)
        {
            if (len - off < 10)
            {
                break;
            }
            length = 0;
            for (int i = 0; i < 8; i++)
            {
                length = length << 8 | p[off + 2 + i];
            }
            header = 10;
        }
        if (b1 & 0x80)
        {
            corrupt++;
            conn_lost(c, "masked frame from the server");
            return len;
        }
        if (length > max_frame)
        {
            corrupt++;
            conn_lost(c, "frame longer than expected");
            return len;
        }
        if (len - off - header < length)
        {
            break;
        }
        on_frame(c, b0, p + off + header, (size_t)length);
        off += header + (size_t)length;
        if (ST_OPEN != c->state)
        {
            return len;
        }
    }
    return off;
}

/* The handshake response is in buf[0, len): 0 while incomplete, else the bytes it took, or -1 (connection lost). */
static long parse_handshake(conn_t *c, uint8_t *buf, const size_t len)
{
    const uint8_t *end = memmem(buf, len, "\r\n\r\n", 4);
    if (NULL == end)
    {
        if (len >= HANDSHAKE_MAX)
        {
            conn_lost(c, "handshake response too long");
            return -1;
        }
        return 0;
    }
    const size_t header_len = (size_t)(end - buf) + 4;
    if (header_len < 12 || memcmp(buf, "HTTP/1.1 101", 12) != 0)
    {
        char why[128];
        const uint8_t *eol = memchr(buf, '\r', header_len);
        snprintf(why, sizeof(why), "response %.*s", (int)(eol - buf < 100 ? eol - buf : 100), (const char *)buf);
        conn_lost(c, why);
        return -1;
    }
    char key[64];
    base64(c->key, 16, key);
    strcat(key, WS_GUID);
    uint8_t digest[20];
    sha1((const uint8_t *)key, strlen(key), digest);
    char accept[32];
    base64(digest, 20, accept);
    int accepted = 0;
    const char *line = (const char *)buf;
    const char *stop = (const char *)buf + header_len;
    static const char name[] = "sec-websocket-accept:";
    while (line < stop)
    {
        const char *eol = memchr(line, '\n', (size_t)(stop - line));
        if (NULL == eol)
        {
            break;
        }
        if ((size_t)(eol - line) > sizeof(name) - 1 && 0 == strncasecmp(line, name, sizeof(name) - 1))
        {
            const char *v = line + sizeof(name) - 1;
            while (v < eol && (' ' == *v || '\t' == *v))
            {
                v++;
            }
            const char *v_end = eol;
            while (v_end > v && ('\r' == v_end[-1] || ' ' == v_end[-1] || '\t' == v_end[-1]))
            {
                v_end--;
            }
            accepted = (size_t)(v_end - v) == strlen(accept) && 0 == memcmp(v, accept, strlen(accept));
        }
        line = eol + 1;
    }
    if (!accepted)
    {
        conn_lost(c, "Sec-WebSocket-Accept missing or wrong");
        return -1;
    }
    setup_in_progress--;
    c->state = ST_OPEN;
    open_connections++;
    if (!is_publisher(c))
    {
        open_subscribers++;
        char sub[64];
        const int n = snprintf(sub, sizeof(sub), "sub,bench.%u", c->topic);
        send_frame(c, 0x1, (const uint8_t *)sub, (size_t)n);
        if (ST_OPEN != c->state)
        {
            return -1;
        }
    }
    return (long)header_len;
}

static void ensure_in(conn_t *c, const size_t need)
{
    if (need > c->in_cap)
    {
        size_t cap = max_frame + 16;
        if (cap < need)
        {
            cap = need;
        }
        c->in = xrealloc(c->in, cap);
        c->in_cap = (uint32_t)cap;
    }
}

static void on_readable(conn_t *c)
{
    for (;;)
    {
        const size_t have = c->in_len;
        if (have > 0)
        {
            memcpy(rbuf, c->in, have);
        }
        const ssize_t n = recv(c->fd, rbuf + have, RBUF_SIZE, 0);
        if (n > 0)
        {
            size_t total = have + (size_t)n;
            size_t used = 0;
            if (!is_publisher(c))
            {
                sub_recvs++;
            }
            if (ST_HANDSHAKE == c->state)
            {
                const long taken = parse_handshake(c, rbuf, total);
                if (taken < 0)
                {
                    return;
                }
                used = (size_t)taken;
            }
            if (ST_OPEN == c->state)
            {
                used += parse_frames(c, rbuf + used, total - used);
                if (ST_OPEN != c->state)
                {
                    return;
                }
            }
            const size_t rest = total - used;
            if (rest > 0)
            {
                ensure_in(c, rest);
                memcpy(c->in, rbuf + used, rest);
            }
            c->in_len = (uint32_t)rest;
            if ((size_t)n < RBUF_SIZE)
            {
                return;
            }
            continue;
        }
        if (0 == n)
        {
            conn_lost(c, "connection closed by the server");
            return;
        }
        if (EINTR == errno)
        {
            continue;
        }
        if (EAGAIN != errno && EWOULDBLOCK != errno)
        {
            conn_lost(c, strerror(errno));
        }
        return;
    }
}

/* ---------------------------------------------------------------- the loop */

static struct epoll_event events[MAX_EVENTS];

static void poll_once(const int timeout_ms)
{
    const int n = epoll_wait(epfd, events, MAX_EVENTS, timeout_ms);
    if (n < 0)
    {
        if (EINTR != errno)
        {
            fprintf(stderr, PROG ": epoll_wait: %s\n", strerror(errno));
            exit(1);
        }
        return;
    }
    for (int i = 0; i < n; i++)
    {
        conn_t *c = &conns[events[i].data.u32];
        const uint32_t ev = events[i].events;
        if (ST_CONNECTING == c->state)
        {
            on_connected(c);
            continue;
        }
        if (ST_HANDSHAKE != c->state && ST_OPEN != c->state)
        {
            continue;
        }
        if (ev & (EPOLLIN | EPOLLERR | EPOLLHUP))
        {
            on_readable(c);
        }
        if ((ev & EPOLLOUT) && (ST_HANDSHAKE == c->state || ST_OPEN == c->state))
        {
            conn_flush(c);
        }
    }
}

static int64_t last_progress_ns;
static uint64_t last_progress_deliveries;

static void progress(void)
{
    const int64_t now = now_ns();
    if (opt.quiet || now - last_progress_ns < PROGRESS_INTERVAL_NS)
    {
        return;
    }
    const double rate = 0 == last_progress_ns ? 0 :
        (deliveries - last_progress_deliveries) * 1e9 / (double)(now - last_progress_ns);
    const uint64_t errors = connect_failures + out_of_order + corrupt + refused + unexpected_closes;
    fprintf(stderr, PROG ": %-9s %6.1f s  open %d of %d, subscribed %d, deliveries/s %.0f, publications %llu, "
        "errors %llu\n", phase, (now - base_ns) / 1e9, open_subscribers, opt.subscribers, subscribed_open, rate,
        (unsigned long long)publications, (unsigned long long)errors);
    last_progress_ns = now;
    last_progress_deliveries = deliveries;
}

static int timeout_ms_until(const int64_t deadline_ns, const int max_ms)
{
    const int64_t left = deadline_ns - now_ns();
    if (left <= 0)
    {
        return 0;
    }
    const int64_t ms = (left + 999999) / 1000000;
    return ms < max_ms ? (int)ms : max_ms;
}

static void expire_setups(void)
{
    const int64_t now = now_ns();
    for (int i = 0; i <= opt.subscribers; i++)
    {
        conn_t *c = &conns[i];
        if ((ST_CONNECTING == c->state || ST_HANDSHAKE == c->state) && now - c->deadline_ns >= 0)
        {
            conn_lost(c, "timed out");
        }
    }
}

/* Every publication due now, in one buffer, one send(). */
static void publish_due(void)
{
    if (ST_OPEN != publisher->state)
    {
        return;
    }
    const uint64_t window = (uint64_t)opt.window;
    const uint64_t sent_ns = (uint64_t)(now_ns() - base_ns);
    uint64_t count = 0;
    int any = 1;
    while (any)
    {
        any = 0;
        for (int i = 0; i < opt.topics; i++)
        {
            topic_t *t = &topics[i];
            const uint64_t n = t->published;
            if (0 == t->subscribers || (n >= window && t->received < (n - window + 1) * t->subscribers))
            {
                continue;
            }
            uint8_t *payload = t->pub_message + t->pub_prefix_len;
            put_hex16(payload + 1, n);
            put_hex16(payload + 17, sent_ns);
            append_frame(publisher, 0x1, t->pub_message, t->pub_len);
            t->published = n + 1;
            count++;
            any = 1;
        }
    }
    if (count > 0)
    {
        publications += count;
        if (!publisher->want_out)
        {
            conn_flush(publisher);
        }
    }
}

static void send_probes(const uint64_t probe)
{
    for (int i = 0; i < opt.topics; i++)
    {
        const int n = snprintf((char *)scratch, 64, "msg,publish.bench.%d,p", i);
        put_hex16(scratch + n, probe);
        append_frame(publisher, 0x1, scratch, (size_t)n + 16);
    }
    if (!publisher->want_out)
    {
        conn_flush(publisher);
    }
}

/* ---------------------------------------------------------------- command line */

static void usage(FILE *out)
{
    fprintf(out,
        "usage: " PROG " --port P --subscribers N --topics T [options]\n"
        "  --host H                 server address (default 127.0.0.1)\n"
        "  --port P                 server port\n"
        "  --path /                 request path (default /)\n"
        "  --subscribers N          subscriber connections; subscriber i subscribes to bench.<i %% T>\n"
        "  --topics T               topics bench.0 .. bench.<T-1>\n"
        "  --payload B              bytes per publication, at least 33 (default 64)\n"
        "  --window W               publications of each topic in flight (default 32)\n"
        "  --duration S             measured seconds, decimals allowed (default 4)\n"
        "  --warmup S               seconds of load before measuring (default 2)\n"
        "  --server-pid PID         report the server's CPU time in the measured window\n"
        "  --sources A,B,...        local addresses to bind subscribers to, round-robin\n"
        "  --connect-concurrency N  connections being set up at once (default 500)\n"
        "  --subscribe-timeout S    how long to wait for every subscriber to see a probe (default 30)\n"
        "  --drain-timeout S        how long to wait for what is in flight after publishing (default 10)\n"
        "  --quiet                  no progress lines on stderr\n"
        "  --help                   this text\n"
        "Prints one JSON line on stdout; exits 0 without errors, 1 with errors, 2 for a bad command line.\n");
}

static void bad_usage(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    fprintf(stderr, PROG ": ");
    vfprintf(stderr, format, args);
    fprintf(stderr, " (see --help)\n");
    va_end(args);
    exit(2);
}

static long parse_long(const char *option, const char *value, const long min, const long max)
{
    char *end;
    errno = 0;
    const long v = strtol(value, &end, 10);
    if (0 != errno || end == value || 0 != *end || v < min || v > max)
    {
        bad_usage("bad value for %s: '%s' (an integer from %ld to %ld)", option, value, min, max);
    }
    return v;
}

/* Seconds, decimals allowed, an optional "s" or "ms" suffix. */
static double parse_seconds(const char *option, const char *value, const double min)
{
    char *end;
    errno = 0;
    double v = strtod(value, &end);
    if (end != value && 0 == strcmp(end, "ms"))
    {
        v /= 1000;
    }
    else if (end != value && 0 == strcmp(end, "s"))
    {
        end++;
    }
    else if (0 != *end)
    {
        end = (char *)value;
    }
    if (0 != errno || end == value || !(v >= min) || v > 1e6)
    {
        bad_usage("bad value for %s: '%s' (seconds, at least %g)", option, value, min);
    }
    return v;
}

static void parse_sources(const char *list)
{
    const size_t len = strlen(list);
    char *copy = xmalloc(len + 1);
    memcpy(copy, list, len + 1);
    sources = xmalloc(sizeof(struct sockaddr_storage) * (len / 2 + 1));
    char *save = NULL;
    for (char *token = strtok_r(copy, ",", &save); NULL != token; token = strtok_r(NULL, ",", &save))
    {
        struct sockaddr_storage *s = &sources[source_count];
        memset(s, 0, sizeof(*s));
        struct sockaddr_in *v4 = (struct sockaddr_in *)s;
        struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)s;
        if (1 == inet_pton(AF_INET, token, &v4->sin_addr))
        {
            v4->sin_family = AF_INET;
        }
        else if (1 == inet_pton(AF_INET6, token, &v6->sin6_addr))
        {
            v6->sin6_family = AF_INET6;
        }
        else
        {
            bad_usage("bad value for --sources: '%s' is not an IP address", token);
        }
        source_count++;
    }
    if (0 == source_count)
    {
        bad_usage("bad value for --sources: '%s'", list);
    }
    free(copy);
}

static void parse_options(const int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
    {
        const char *o = argv[i];
        if (0 == strcmp(o, "--help") || 0 == strcmp(o, "-h"))
        {
            usage(stdout);
            exit(0);
        }
        if (0 == strcmp(o, "--quiet"))
        {
            opt.quiet = 1;
            continue;
        }
        static const char *const with_value[] = { "--host", "--port", "--path", "--subscribers", "--topics",
            "--payload", "--window", "--duration", "--warmup", "--server-pid", "--sources", "--connect-concurrency",
            "--subscribe-timeout", "--drain-timeout" };
        int known = 0;
        for (size_t k = 0; k < sizeof(with_value) / sizeof(with_value[0]); k++)
        {
            known |= 0 == strcmp(o, with_value[k]);
        }
        if (!known)
        {
            bad_usage("unknown option: %s", o);
        }
        if (i + 1 >= argc)
        {
            bad_usage("%s needs a value", o);
        }
        const char *v = argv[++i];
        if (0 == strcmp(o, "--host"))
        {
            if (0 == *v || strlen(v) > 255)
            {
                bad_usage("bad value for --host: '%s'", v);
            }
            opt.host = v;
        }
        else if (0 == strcmp(o, "--port"))
        {
            opt.port = (int)parse_long(o, v, 1, 65535);
        }
        else if (0 == strcmp(o, "--path"))
        {
            if ('/' != v[0] || strlen(v) > 512 || NULL != strpbrk(v, " \r\n"))
            {
                bad_usage("bad value for --path: '%s' (starts with /, no spaces)", v);
            }
            opt.path = v;
        }
        else if (0 == strcmp(o, "--subscribers"))
        {
            opt.subscribers = (int)parse_long(o, v, 1, 10000000);
        }
        else if (0 == strcmp(o, "--topics"))
        {
            opt.topics = (int)parse_long(o, v, 1, 1000000);
        }
        else if (0 == strcmp(o, "--payload"))
        {
            opt.payload = (int)parse_long(o, v, HEADER_LENGTH, 1 << 20);
        }
        else if (0 == strcmp(o, "--window"))
        {
            opt.window = (int)parse_long(o, v, 1, 1 << 20);
        }
        else if (0 == strcmp(o, "--duration"))
        {
            opt.duration = parse_seconds(o, v, 0.001);
        }
        else if (0 == strcmp(o, "--warmup"))
        {
            opt.warmup = parse_seconds(o, v, 0);
        }
        else if (0 == strcmp(o, "--server-pid"))
        {
            opt.server_pid = parse_long(o, v, 1, 0x7FFFFFFF);
        }
        else if (0 == strcmp(o, "--sources"))
        {
            opt.sources = v;
        }
        else if (0 == strcmp(o, "--connect-concurrency"))
        {
            opt.concurrency = (int)parse_long(o, v, 1, 1000000);
        }
        else if (0 == strcmp(o, "--subscribe-timeout"))
        {
            opt.subscribe_timeout = parse_seconds(o, v, 0);
        }
        else
        {
            opt.drain_timeout = parse_seconds(o, v, 0);
        }
    }
    if (opt.port < 0)
    {
        bad_usage("--port is required");
    }
    if (opt.subscribers < 0)
    {
        bad_usage("--subscribers is required");
    }
    if (opt.topics < 0)
    {
        bad_usage("--topics is required");
    }
    if (NULL != opt.sources)
    {
        parse_sources(opt.sources);
    }
}

static void resolve(void)
{
    struct addrinfo hints;
    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_family = source_count > 0 ? sources[0].ss_family : AF_UNSPEC;
    char port[16];
    snprintf(port, sizeof(port), "%d", opt.port);
    struct addrinfo *result;
    const int rc = getaddrinfo(opt.host, port, &hints, &result);
    if (0 != rc)
    {
        bad_usage("bad value for --host: '%s': %s", opt.host, gai_strerror(rc));
    }
    memcpy(&dst, result->ai_addr, result->ai_addrlen);
    dst_len = result->ai_addrlen;
    freeaddrinfo(result);
    for (int i = 0; i < source_count; i++)
    {
        if (sources[i].ss_family != dst.ss_family)
        {
            bad_usage("bad value for --sources: every address must be of the server address' family");
        }
    }
    snprintf(host_header, sizeof(host_header), NULL != strchr(opt.host, ':') ? "[%s]:%d" : "%s:%d", opt.host,
        opt.port);
}

static void raise_open_files_limit(void)
{
    struct rlimit limit;
    if (0 == getrlimit(RLIMIT_NOFILE, &limit) && limit.rlim_cur < limit.rlim_max)
    {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
    if (0 == getrlimit(RLIMIT_NOFILE, &limit) && limit.rlim_cur != RLIM_INFINITY &&
        (rlim_t)opt.subscribers + 16 > limit.rlim_cur)
    {
        fprintf(stderr, PROG ": warning: %d subscribers but only %llu open files allowed\n", opt.subscribers,
            (unsigned long long)limit.rlim_cur);
    }
}

static void init(void)
{
    for (int i = 0; i < 256; i++)
    {
        hexval[i] = -1;
    }
    for (int i = 0; i < 16; i++)
    {
        hexval[(uint8_t)HEX[i]] = (int8_t)i;
    }
    if (getrandom(&rng_state, sizeof(rng_state), 0) != (ssize_t)sizeof(rng_state) || 0 == rng_state)
    {
        rng_state = (uint64_t)now_ns() ^ ((uint64_t)getpid() << 32) ^ 0x9E3779B97F4A7C15ULL;
    }
    max_frame = (uint32_t)opt.payload + 512;
    rbuf = xmalloc(RBUF_SIZE + max_frame + HANDSHAKE_MAX + 64);
    scratch = xmalloc(128);
    template_bytes = xmalloc((size_t)opt.payload);
    for (int i = 0; i < opt.payload; i++)
    {
        template_bytes[i] = (uint8_t)('a' + (i * 7) % 26);
    }
    template_bytes[0] = 'd';
    topics = calloc((size_t)opt.topics, sizeof(topic_t));
    conns = calloc((size_t)opt.subscribers + 1, sizeof(conn_t));
    if (NULL == topics || NULL == conns)
    {
        fprintf(stderr, PROG ": out of memory\n");
        exit(1);
    }
    for (int t = 0; t < opt.topics; t++)
    {
        char text[64];
        topic_t *tp = &topics[t];
        tp->sub_prefix_len = (uint32_t)snprintf(text, sizeof(text), "msg,bench.%d,", t);
        tp->sub_prefix = xmalloc(tp->sub_prefix_len);
        memcpy(tp->sub_prefix, text, tp->sub_prefix_len);
        tp->pub_prefix_len = (uint32_t)snprintf(text, sizeof(text), "msg,publish.bench.%d,", t);
        tp->pub_len = tp->pub_prefix_len + (uint32_t)opt.payload;
        tp->pub_message = xmalloc(tp->pub_len);
        memcpy(tp->pub_message, text, tp->pub_prefix_len);
        memcpy(tp->pub_message + tp->pub_prefix_len, template_bytes, (size_t)opt.payload);
    }
    for (int i = 0; i <= opt.subscribers; i++)
    {
        conns[i].fd = -1;
        conns[i].topic = (uint32_t)(i % opt.topics);
    }
    publisher = &conns[opt.subscribers];
    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0)
    {
        fprintf(stderr, PROG ": epoll_create1: %s\n", strerror(errno));
        exit(1);
    }
}

/* ---------------------------------------------------------------- the run */

typedef struct
{
    int64_t ns;
    uint64_t deliveries;
    uint64_t publications;
    uint64_t recvs;
    uint64_t sends;
    long long server_ticks;
    long long client_ticks;
} mark_t;

static void take_mark(mark_t *m)
{
    char pid[32];
    snprintf(pid, sizeof(pid), "%ld", opt.server_pid);
    m->server_ticks = opt.server_pid > 0 ? read_cpu_ticks(pid) : -1;
    m->client_ticks = read_cpu_ticks("self");
    m->ns = now_ns();
    m->deliveries = deliveries;
    m->publications = publications;
    m->recvs = sub_recvs;
    m->sends = pub_sends;
}

static void connect_all(void)
{
    phase = "connect";
    int next = 0;
    int64_t next_expiry_ns = now_ns() + 100000000LL;
    while (next < opt.subscribers || setup_in_progress > 0)
    {
        while (next < opt.subscribers && setup_in_progress < opt.concurrency)
        {
            start_connect(&conns[next], next);
            next++;
        }
        poll_once(10);
        if (now_ns() - next_expiry_ns >= 0)
        {
            expire_setups();
            next_expiry_ns = now_ns() + 100000000LL;
        }
        progress();
    }
    start_connect(publisher, opt.subscribers);
    while (ST_CONNECTING == publisher->state || ST_HANDSHAKE == publisher->state)
    {
        poll_once(10);
        expire_setups();
        progress();
    }
}

static void await_subscriptions(void)
{
    phase = "subscribe";
    for (int t = 0; t < opt.topics; t++)
    {
        const int n = snprintf((char *)scratch, 64, "sub,publish.bench.%d", t);
        append_frame(publisher, 0x1, scratch, (size_t)n);
    }
    conn_flush(publisher);
    const int64_t deadline = now_ns() + (int64_t)(opt.subscribe_timeout * 1e9);
    uint64_t probe = 0;
    int64_t next_probe_ns = now_ns();
    while (subscribed_open < open_subscribers && now_ns() - deadline < 0 && ST_OPEN == publisher->state)
    {
        if (now_ns() - next_probe_ns >= 0)
        {
            send_probes(probe++);
            next_probe_ns += PROBE_INTERVAL_NS;
        }
        poll_once(timeout_ms_until(next_probe_ns, 20));
        progress();
    }
    if (open_subscribers > subscribed_open)
    {
        not_subscribed = (uint64_t)(open_subscribers - subscribed_open);
        log_error("%d of %d subscribers saw no probe within %g s", open_subscribers - subscribed_open,
            open_subscribers, opt.subscribe_timeout);
    }
}

int main(int argc, char **argv)
{
    parse_options(argc, argv);
    signal(SIGPIPE, SIG_IGN);
    raise_open_files_limit();
    resolve();
    init();
    base_ns = now_ns();

    connect_all();
    int subscribed = 0;
    mark_t start;
    mark_t end;
    memset(&start, 0, sizeof(start));
    memset(&end, 0, sizeof(end));
    start.server_ticks = start.client_ticks = end.server_ticks = end.client_ticks = -1;
    if (ST_OPEN == publisher->state)
    {
        await_subscriptions();
        subscribed = subscribed_open;

        /* who counts from now on: subscribers that saw a probe */
        for (int i = 0; i < opt.subscribers; i++)
        {
            conn_t *c = &conns[i];
            if (ST_OPEN == c->state && c->subscribed)
            {
                c->active = 1;
                c->counted = 1;
                topics[c->topic].subscribers++;
            }
        }

        phase = opt.warmup > 0 ? "warmup" : "measure";
        const int64_t measure_start_ns = now_ns() + (int64_t)(opt.warmup * 1e9);
        const int64_t end_ns = measure_start_ns + (int64_t)(opt.duration * 1e9);
        int measuring = 0;
        for (;;)
        {
            const int64_t now = now_ns();
            if (!measuring && now - measure_start_ns >= 0)
            {
                measuring = 1;
                phase = "measure";
                take_mark(&start);
            }
            if (now - end_ns >= 0 || ST_OPEN != publisher->state)
            {
                take_mark(&end);
                if (!measuring)
                {
                    start = end;
                }
                break;
            }
            publish_due();
            poll_once(timeout_ms_until(measuring ? end_ns : measure_start_ns, 1));
            progress();
        }

        phase = "drain";
        const int64_t drain_deadline = now_ns() + (int64_t)(opt.drain_timeout * 1e9);
        for (;;)
        {
            int done = 1;
            for (int t = 0; t < opt.topics && done; t++)
            {
                done = topics[t].received >= topics[t].published * topics[t].subscribers;
            }
            if (done || now_ns() - drain_deadline >= 0)
            {
                break;
            }
            poll_once(timeout_ms_until(drain_deadline, 5));
            progress();
        }
        for (int i = 0; i < opt.subscribers; i++)
        {
            const conn_t *c = &conns[i];
            const uint64_t published = topics[c->topic].published;
            if (c->counted && c->got < published)
            {
                missing += published - c->got;
                log_error("subscriber %d of bench.%u: %llu of %llu publications not received", i, c->topic,
                    (unsigned long long)(published - c->got), (unsigned long long)published);
            }
        }
    }
    else if (ST_CLOSED != publisher->state)
    {
        conn_lost(publisher, "not open");
    }

    phase = "close";
    closing_all = 1;
    const uint8_t normal[2] = { 0x03, 0xE8 };
    for (int i = 0; i <= opt.subscribers; i++)
    {
        conn_t *c = &conns[i];
        if (ST_OPEN == c->state)
        {
            c->closing = 1;
            send_frame(c, 0x8, normal, sizeof(normal));
        }
        else if (ST_CLOSED != c->state && ST_IDLE != c->state)
        {
            conn_close_fd(c);
        }
    }
    const int64_t close_deadline = now_ns() + CLOSE_TIMEOUT_NS;
    while (open_connections > 0 && now_ns() - close_deadline < 0)
    {
        poll_once(timeout_ms_until(close_deadline, 10));
    }
    for (int i = 0; i <= opt.subscribers; i++)
    {
        if (ST_OPEN == conns[i].state)
        {
            conn_close_fd(&conns[i]);
        }
    }

    const double seconds = (end.ns - start.ns) / 1e9;
    const uint64_t window_deliveries = end.deliveries - start.deliveries;
    const uint64_t window_publications = end.publications - start.publications;
    const double ticks_per_second = (double)sysconf(_SC_CLK_TCK);
    double server_cores = -1;
    double server_ns_per_delivery = -1;
    double client_cores = -1;
    if (start.server_ticks >= 0 && end.server_ticks >= 0 && seconds > 0)
    {
        const double cpu = (end.server_ticks - start.server_ticks) / ticks_per_second;
        server_cores = cpu / seconds;
        server_ns_per_delivery = window_deliveries > 0 ? cpu * 1e9 / (double)window_deliveries : -1;
    }
    if (start.client_ticks >= 0 && end.client_ticks >= 0 && seconds > 0)
    {
        client_cores = (end.client_ticks - start.client_ticks) / ticks_per_second / seconds;
    }
    const uint64_t recvs = end.recvs - start.recvs;
    const uint64_t sends = end.sends - start.sends;
    const uint64_t errors = connect_failures + not_subscribed + out_of_order + corrupt + refused +
        unexpected_closes + missing;
    if (!opt.quiet)
    {
        fprintf(stderr, PROG ": errors %llu: connectFailures %llu, notSubscribed %llu, missing %llu, outOfOrder %llu, "
            "corrupt %llu, refused %llu, unexpectedCloses %llu\n", (unsigned long long)errors,
            (unsigned long long)connect_failures, (unsigned long long)not_subscribed, (unsigned long long)missing,
            (unsigned long long)out_of_order, (unsigned long long)corrupt, (unsigned long long)refused,
            (unsigned long long)unexpected_closes);
    }
    printf("{\"client\":\"native\",\"subscribers\":%d,\"subscribed\":%d,\"topics\":%d,\"payload\":%d,\"window\":%d,"
        "\"seconds\":%.3f,\"publications\":%llu,\"publicationsPerSecond\":%.1f,\"deliveries\":%llu,"
        "\"deliveriesPerSecond\":%.1f,\"serverCores\":%.3f,\"serverNsPerDelivery\":%.1f,\"clientCores\":%.3f,"
        "\"deliveriesPerRecv\":%.2f,\"publicationsPerSend\":%.2f,\"errors\":%llu,\"missing\":%llu,"
        "\"outOfOrder\":%llu,\"connectFailures\":%llu}\n",
        opt.subscribers, subscribed, opt.topics, opt.payload, opt.window, seconds,
        (unsigned long long)window_publications, seconds > 0 ? window_publications / seconds : 0,
        (unsigned long long)window_deliveries, seconds > 0 ? window_deliveries / seconds : 0,
        server_cores, server_ns_per_delivery, client_cores,
        recvs > 0 ? (double)window_deliveries / (double)recvs : 0,
        sends > 0 ? (double)window_publications / (double)sends : 0,
        (unsigned long long)errors, (unsigned long long)missing, (unsigned long long)out_of_order,
        (unsigned long long)connect_failures);
    fflush(stdout);
    return 0 == errors ? 0 : 1;
}
