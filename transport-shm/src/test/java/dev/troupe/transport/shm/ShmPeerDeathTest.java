package dev.troupe.transport.shm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.troupe.wire.Envelope;
import dev.troupe.wire.LogLine;
import dev.troupe.spi.Link;
import dev.troupe.spi.LinkClosedException;
import dev.troupe.spi.LinkServer;
import dev.troupe.spi.TransportSettings;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A peer process killed with SIGKILL in the middle of a transfer, in both directions. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ShmPeerDeathTest {

    @Test
    void shouldFailTheLinkWhenThePeerIsKilledMidTransfer() throws Exception {
        Path dir = Files.createTempDirectory("troupe-shm-death");
        LinkedBlockingQueue<Link> accepted = new LinkedBlockingQueue<>();
        TransportSettings settings = new TransportSettings(dir, 128 * 1024 * 1024, 1024 * 1024);
        LinkServer server = new ShmTransportProvider().listen(settings, accepted::add);
        Process child = new ProcessBuilder(ProcessHandle.current().info().command().orElseThrow(),
            "-cp", System.getProperty("java.class.path"), HalfSender.class.getName(), server.address(), dir.toString())
            .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            Link link = accepted.poll(30, TimeUnit.SECONDS);
            assertThat(link).as("the child connected").isNotNull();
            ShmLinkTest.Recorder recorder = new ShmLinkTest.Recorder();
            link.start(recorder);
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.UTF_8));
            assertThat(out.readLine()).isEqualTo("sent-first");

            // This side sends 8 MiB to a peer that never reads: the 1 MiB ring fills and the sender waits.
            CompletableFuture<Boolean> sent = CompletableFuture.supplyAsync(() -> link.send(Envelope.newBuilder()
                .setLog(LogLine.newBuilder().setLine("x".repeat(8 * 1024 * 1024))).build()));
            Thread.sleep(200);
            assertThat(sent).isNotDone();

            child.destroyForcibly();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(sent.get(30, TimeUnit.SECONDS)).as("the blocked send gives up").isFalse();
            Throwable cause = recorder.closed.get(30, TimeUnit.SECONDS);
            assertThat(cause).isInstanceOf(LinkClosedException.class)
                .hasMessageContaining("peer process " + child.pid());
            assertThat(recorder.received).as("half a message is never delivered").isEmpty();
        } finally {
            child.destroyForcibly();
            server.close();
            Files.deleteIfExists(dir);
        }
    }
}
