package io.wsmux.status;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.agrona.concurrent.status.CountersReader;

/**
 * The optional admin listener ({@code wsmux.admin.port}): {@code GET /metrics} answers the counters in the
 * Prometheus text format, {@code GET /health} answers 200 while the server accepts connections and 503 once it
 * drains.
 * <p>
 * Built on the JDK's {@code com.sun.net.httpserver} rather than a hand-rolled blocking socket: it is part of every
 * JDK (module {@code jdk.httpserver}, no dependency), parses HTTP/1.1 properly (keep-alive, HEAD, chunking) where a
 * hand-rolled parser would be one more attack surface, and runs on one daemon thread of its own. It only reads the
 * counters (the same memory the loops publish to once per duty cycle) and a volatile flag: nothing here touches an
 * I/O loop, so a scrape cannot slow one down. Cold path: allocates per request.
 */
public final class AdminServer implements AutoCloseable
{
    private final HttpServer server;
    private final ExecutorService executor;

    /**
     * Bind and start serving.
     *
     * @param address   where to listen (loopback by default: {@code wsmux.admin.bind.address}).
     * @param reader    the server's counters.
     * @param accepting true while the server accepts connections, false once it drains.
     * @throws IOException if the address cannot be bound.
     */
    public AdminServer(final InetSocketAddress address, final CountersReader reader, final BooleanSupplier accepting)
        throws IOException
    {
        server = HttpServer.create(address, 16);
        executor = Executors.newSingleThreadExecutor((task) ->
        {
            final Thread thread = new Thread(task, "wsmux-admin");
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(executor);
        server.createContext("/metrics", (exchange) ->
        {
            if (isGetOrHead(exchange))
            {
                respond(exchange, 200, PrometheusText.CONTENT_TYPE, PrometheusText.format(reader));
            }
        });
        server.createContext("/health", (exchange) ->
        {
            if (isGetOrHead(exchange))
            {
                final boolean up = accepting.getAsBoolean();
                respond(exchange, up ? 200 : 503, "text/plain; charset=utf-8", up ? "ok\n" : "draining\n");
            }
        });
        server.createContext("/", (exchange) ->
            respond(exchange, 404, "text/plain; charset=utf-8", "try /metrics or /health\n"));
        server.start();
    }

    /**
     * @return the address listened on (the real port when 0 was asked for).
     */
    public InetSocketAddress address()
    {
        return server.getAddress();
    }

    private static boolean isGetOrHead(final HttpExchange exchange) throws IOException
    {
        final String method = exchange.getRequestMethod();
        if ("GET".equals(method) || "HEAD".equals(method))
        {
            return true;
        }
        exchange.getResponseHeaders().set("Allow", "GET, HEAD");
        respond(exchange, 405, "text/plain; charset=utf-8", "method not allowed\n");
        return false;
    }

    private static void respond(final HttpExchange exchange, final int status, final String contentType,
        final String body) throws IOException
    {
        final byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        final boolean head = "HEAD".equals(exchange.getRequestMethod());
        exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
        if (!head)
        {
            try (OutputStream out = exchange.getResponseBody())
            {
                out.write(bytes);
            }
        }
        exchange.close();
    }

    /**
     * Stop listening at once and end the thread.
     */
    @Override
    public void close()
    {
        server.stop(0);
        executor.shutdownNow();
    }
}
