package io.wsmux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.wsmux.codec.CloseCode;
import io.wsmux.codec.Opcode;
import io.wsmux.codec.WireFrames;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What clients make the server hold on the way in is bounded for all of them together: partly received messages
 * count against the loop's assembly budget. Hostile raw clients against a real server on loopback.
 */
class InboundBoundsIntegrationTest
{
    private static final int MESSAGE_LIMIT = 1024 * 1024;
    private static final int ASSEMBLY_BUDGET = 2 * MESSAGE_LIMIT;
    private static final int FRAGMENT_LENGTH = 900 * 1024;

    private final List<HostileClient> clients = new ArrayList<>();
    private WsmuxServer server;

    @AfterEach
    void tearDown()
    {
        clients.forEach(HostileClient::close);
        if (null != server)
        {
            server.close();
        }
    }

    @Test
    @Timeout(30)
    void shouldCloseWith1013TheClientWhosePartialMessageWouldPassTheLoopsAssemblyBudget() throws Exception
    {
        server = WsmuxServer.builder(new WsmuxSettings()
                .port(0)
                .ioThreads(1)
                .maxFrameLength(MESSAGE_LIMIT)
                .maxMessageLength(MESSAGE_LIMIT)
                .assemblyBudget(ASSEMBLY_BUDGET)
                .shutdownTimeoutNs(TimeUnit.MILLISECONDS.toNanos(200)))
            .endpoint("/echo", new EchoHandler())
            .build()
            .start();

        // Two clients each hold most of a message (a first fragment, never the rest): within the budget.
        final byte[] fragment = new byte[FRAGMENT_LENGTH];
        Arrays.fill(fragment, (byte)'a');
        final HostileClient first = connect().upgrade("/echo");
        final HostileClient second = connect().upgrade("/echo");
        first.sendFrame(Opcode.BINARY, fragment); // FIN clear: more fragments to come
        second.sendFrame(Opcode.BINARY, fragment);
        final HostileClient good = connect().upgrade("/echo");
        assertEcho(good, "whole messages cost no assembly");

        // A third would take the loop past its budget: it is closed with 1013, the others keep theirs.
        // (255,000 bytes: past the 253,952 left, and within one read, so the server's close leaves no unread input
        // behind to turn into a reset.)
        final HostileClient third = connect().upgrade("/echo");
        third.sendFrame(Opcode.BINARY, Arrays.copyOf(fragment, 255_000));
        final HostileClient.Frame close = third.readFrame();
        assertEquals(Opcode.CLOSE, close.opcode(), close.toString());
        assertEquals(CloseCode.TRY_AGAIN_LATER, close.closeCode());
        AwaitCount.awaitCount("assemblyRefusals", server::assemblyRefusals, 1);

        // The first finishes its message and gets it back whole; then there is room again.
        final byte[] last = "end".getBytes(StandardCharsets.US_ASCII);
        first.sendFrame(0x80 | Opcode.CONTINUATION, last);
        final HostileClient.Frame echo = first.readFrame();
        assertEquals(Opcode.BINARY, echo.opcode());
        assertEquals(FRAGMENT_LENGTH + last.length, echo.payload().length);
        final HostileClient fourth = connect().upgrade("/echo");
        fourth.sendFrame(Opcode.BINARY, fragment);
        fourth.sendFrame(0x80 | Opcode.CONTINUATION, last);
        assertEquals(FRAGMENT_LENGTH + last.length, fourth.readFrame().payload().length);
        assertEcho(good, "still served");
        assertTrue(server.openConnections() >= 4, "openConnections=" + server.openConnections());
    }

    @Test
    @Timeout(30)
    void shouldAnswer503PastTheHandshakesInProgressLimitAndAcceptAgainOnceOneCompletes() throws Exception
    {
        server = WsmuxServer.builder(new WsmuxSettings()
                .port(0)
                .ioThreads(1)
                .maxHandshakes(2)
                .shutdownTimeoutNs(TimeUnit.MILLISECONDS.toNanos(200)))
            .endpoint("/echo", new EchoHandler())
            .build()
            .start();

        // Two sockets that never finish their request hold the loop's two parsers.
        final String request = HostileClient.upgradeRequest("/echo");
        final HostileClient slow = connect();
        slow.writeAscii(request.substring(0, request.length() / 2));
        final HostileClient slower = connect();
        slower.writeAscii(request.substring(0, 10));
        awaitOpenConnections(2);

        final HostileClient third = connect();
        final HostileClient.HttpReply refused = third.readHttpReply();
        assertEquals(503, refused.status(), refused.toString());
        assertTrue(refused.body().contains("too many upgrade requests in progress"), refused.toString());
        AwaitCount.awaitCount("handshakesRefusedBusy", server::handshakesRefusedBusy, 1);

        // One finishes: it is upgraded, and a new connection can handshake again.
        slow.writeAscii(request.substring(request.length() / 2));
        assertEquals(101, slow.readHttpReply().status());
        final HostileClient fourth = connect().upgrade("/echo");
        assertEcho(fourth, "accepted again");
    }

    private void awaitOpenConnections(final int expected) throws InterruptedException
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (server.openConnections() != expected)
        {
            assertTrue(System.nanoTime() - deadlineNs < 0, "openConnections=" + server.openConnections());
            Thread.sleep(5);
        }
    }

    private HostileClient connect() throws IOException
    {
        final HostileClient client = HostileClient.connect(server.port());
        clients.add(client);
        return client;
    }

    private static void assertEcho(final HostileClient client, final String text) throws IOException
    {
        client.write(WireFrames.masked(0x80 | Opcode.TEXT, text.getBytes(StandardCharsets.UTF_8)));
        final HostileClient.Frame echo = client.readFrameAnsweringPings();
        assertEquals(Opcode.TEXT, echo.opcode(), echo.toString());
        assertEquals(text, echo.text());
    }
}
