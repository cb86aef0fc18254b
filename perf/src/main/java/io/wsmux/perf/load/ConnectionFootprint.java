package io.wsmux.perf.load;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.wsmux.Connection;
import io.wsmux.WebSocketHandler;
import io.wsmux.WsmuxServer;
import io.wsmux.WsmuxSettings;
import org.agrona.DirectBuffer;

/**
 * Measures what an idle WebSocket connection costs the server: heap after full GC and process RSS, before and after
 * a client process opens N idle connections. Two processes, because client and server sockets in one process would
 * share its open-file limit.
 * <pre>
 * java -cp wsmux-perf.jar io.wsmux.perf.load.ConnectionFootprint server 9100
 * java -cp wsmux-perf.jar io.wsmux.perf.load.ConnectionFootprint client 127.0.0.1 9100 10000 60
 * </pre>
 * The server prints a baseline, then one line per {@code measure} it reads on standard input; the client opens the
 * connections, prints "ready", holds them for the given seconds and exits (closing them). By default the server runs
 * without keep-alive pings or idle timeout (no timer per connection); {@code server <port> keepalive} keeps the
 * defaults, one timer per connection in the loop's timer wheel.
 */
public final class ConnectionFootprint
{
    private ConnectionFootprint()
    {
    }

    /**
     * @param args {@code server <port>} or {@code client <host> <port> <count> <holdSeconds>}.
     * @throws Exception on failure.
     */
    public static void main(final String[] args) throws Exception
    {
        if (args.length >= 2 && "server".equals(args[0]))
        {
            server(Integer.parseInt(args[1]), args.length > 2 && "keepalive".equals(args[2]));
        }
        else if (args.length >= 5 && "client".equals(args[0]))
        {
            client(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]));
        }
        else
        {
            System.err.println("usage: server <port> [keepalive] | client <host> <port> <count> <holdSeconds>");
            System.exit(2);
        }
    }

    private static void server(final int port, final boolean keepAlive) throws IOException
    {
        final WsmuxSettings settings = new WsmuxSettings().port(port).ioThreads(1);
        if (!keepAlive)
        {
            settings.pingIntervalNs(0).idleTimeoutNs(0); // no timer per connection: the bare connection's cost
        }
        try (WsmuxServer server = WsmuxServer.builder(settings).anyPath(new WebSocketHandler()
        {
            @Override
            public void onText(final Connection c, final DirectBuffer buffer, final int offset, final int length)
            {
                c.sendText(buffer, offset, length);
            }
        }).build().start())
        {
            System.out.println("listening " + server.port());
            System.out.println(measure(server));
            final BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while (null != (line = in.readLine()) && !"quit".equals(line.trim()))
            {
                System.out.println(measure(server));
            }
        }
    }

    private static String measure(final WsmuxServer server) throws IOException
    {
        for (int i = 0; i < 3; i++)
        {
            System.gc();
        }
        final long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        long rssKb = -1;
        for (final String line : Files.readAllLines(Path.of("/proc/self/status")))
        {
            if (line.startsWith("VmRSS:"))
            {
                rssKb = Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return "connections=" + server.openConnections() + " heapUsedBytes=" + heap + " rssBytes=" + rssKb * 1024;
    }

    private static void client(final String host, final int port, final int count, final int holdSeconds)
        throws IOException, InterruptedException
    {
        final List<Socket> sockets = new ArrayList<>(count);
        final long start = System.nanoTime();
        for (int i = 0; i < count; i++)
        {
            final Socket socket = new Socket();
            socket.connect(new InetSocketAddress(host, port));
            socket.setSoTimeout(10_000);
            RawUpgrade.upgrade(socket, host + ":" + port, "/idle");
            sockets.add(socket);
        }
        final double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("ready connections=%d handshakesPerSecond=%.0f%n", count, count / seconds);
        Thread.sleep(holdSeconds * 1000L);
        for (final Socket socket : sockets)
        {
            socket.close();
        }
    }
}
