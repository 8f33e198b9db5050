package dev.troupe.transport.shm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.troupe.spi.Link;
import dev.troupe.spi.LinkClosedException;
import dev.troupe.spi.LinkServer;
import dev.troupe.spi.TransportSettings;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A peer process killed with SIGKILL after the first fragment of a message. What every transport does when its peer
 * is killed (the link closes with a cause, a waiting sender is released) is in {@link ShmLinkConformanceTest}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ShmPeerDeathTest {

    @Test
    void shouldDropAHalfWrittenMessageAndNameThePeerWhenItIsKilledMidMessage() throws Exception {
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

            child.destroyForcibly();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
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
