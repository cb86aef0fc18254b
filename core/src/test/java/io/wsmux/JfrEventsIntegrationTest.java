package io.wsmux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.wsmux.codec.Opcode;
import io.wsmux.codec.WireFrames;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jar's server run with {@code -XX:StartFlightRecording} in a JVM of its own, provoked by hostile raw clients;
 * the recording, read with {@code jdk.jfr.consumer}, tells what happened to whom and which loop stalled.
 */
class JfrEventsIntegrationTest
{
    @TempDir
    Path directory;

    @Test
    @Timeout(90)
    void shouldRecordRefusedHandshakesAndSlowConsumerClosesWithConnectionAndPeer() throws Exception
    {
        final Path recording = directory.resolve("wsmux.jfr");
        final int port = freePort();
        int refusedStatus = 0;
        final Process server = ChildJvm.launch(List.of(
            "-XX:StartFlightRecording:filename=" + recording + ",dumponexit=true",
            "-Dwsmux.outbound.budget=64k",
            "-Dwsmux.socket.send.buffer=16k",
            "-Dwsmux.slow.consumer.grace=0",
            "-Dwsmux.io.threads=1",
            "-Dwsmux.duty.cycle.threshold=1us"), // every busy cycle is a stall: the event is certain to fire
            ProcessBuilder.Redirect.DISCARD, ProcessBuilder.Redirect.DISCARD,
            "--mode", "echo", "--port", Integer.toString(port));
        try
        {
            awaitListening(port);

            // An upgrade request in HTTP/1.0: refused with a 4xx/5xx status.
            try (HostileClient bad = HostileClient.connect(port))
            {
                bad.writeAscii(HostileClient.upgradeRequest("/echo").replace("HTTP/1.1", "HTTP/1.0"));
                refusedStatus = bad.readHttpReply().status();
                assertTrue(refusedStatus >= 400, "status " + refusedStatus);
            }

            // A client that sends echo requests and never reads the replies: given up on with 1008.
            try (HostileClient slow = HostileClient.connect(port, 16 * 1024).upgrade("/echo"))
            {
                final byte[] request = WireFrames.masked(0x80 | Opcode.BINARY, new byte[16 * 1024]);
                try
                {
                    for (int i = 0; i < 256; i++) // 4 MB of echoes for a 64 KiB budget
                    {
                        slow.write(request);
                    }
                }
                catch (final IOException closed)
                {
                    // The server stopped reading, then closed it: what this test provokes.
                }
                slow.abort();
            }
            Thread.sleep(500);
        }
        finally
        {
            server.destroy(); // SIGTERM: the JVM exits through its shutdown hooks and JFR dumps the recording
            if (!server.waitFor(30, TimeUnit.SECONDS))
            {
                server.destroyForcibly();
                fail("the server did not exit on SIGTERM");
            }
        }

        assertTrue(Files.size(recording) > 0, "no recording written");
        final List<RecordedEvent> events = new ArrayList<>();
        for (final RecordedEvent event : RecordingFile.readAllEvents(recording))
        {
            if (event.getEventType().getName().startsWith("io.wsmux."))
            {
                events.add(event);
            }
        }

        final RecordedEvent refused = only(events, "io.wsmux.HandshakeRefused");
        assertEquals(refusedStatus, refused.getInt("status"));
        assertTrue(refused.getLong("connectionId") > 0, refused.toString());
        assertNotNull(refused.getString("reason"), refused.toString());
        assertTrue(refused.getString("remoteAddress").startsWith("127.0.0.1:"), refused.toString());

        final RecordedEvent slow = only(events, "io.wsmux.SlowConsumerClose");
        assertTrue(slow.getLong("connectionId") > 0, slow.toString());
        assertTrue(slow.getString("remoteAddress").startsWith("127.0.0.1:"), slow.toString());
        assertFalse(slow.getString("reason").isEmpty(), slow.toString());
        assertTrue(slow.getLong("queuedBytes") > 0, slow.toString());
        assertTrue(slow.getLong("connectionId") != refused.getLong("connectionId"));

        final RecordedEvent stall = first(events, "io.wsmux.DutyCycleStall");
        assertEquals(0, stall.getInt("loop"), stall.toString());
        assertTrue(stall.getLong("cycleNs") > stall.getLong("thresholdNs"), stall.toString());
    }

    private static RecordedEvent first(final List<RecordedEvent> events, final String name)
    {
        for (final RecordedEvent event : events)
        {
            if (name.equals(event.getEventType().getName()))
            {
                return event;
            }
        }
        throw new AssertionError("no " + name + " among " + events.size() + " wsmux events");
    }

    private static RecordedEvent only(final List<RecordedEvent> events, final String name)
    {
        RecordedEvent found = null;
        for (final RecordedEvent event : events)
        {
            if (name.equals(event.getEventType().getName()))
            {
                assertEquals(null, found, "more than one " + name + ": " + events);
                found = event;
            }
        }
        assertNotNull(found, "no " + name + " in " + events);
        return found;
    }

    private static int freePort() throws IOException
    {
        try (ServerSocket socket = new ServerSocket(0))
        {
            return socket.getLocalPort();
        }
    }

    private static void awaitListening(final int port) throws InterruptedException
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true)
        {
            try (Socket probe = new Socket("127.0.0.1", port))
            {
                return;
            }
            catch (final IOException notYet)
            {
                if (System.nanoTime() - deadlineNs > 0)
                {
                    fail("the server did not listen on " + port);
                }
                Thread.sleep(50);
            }
        }
    }

}
