package dev.troupe.transport.pipe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.troupe.wire.Envelope;
import dev.troupe.wire.Heartbeat;
import dev.troupe.spi.Link;
import dev.troupe.spi.LinkHandler;
import dev.troupe.spi.LinkServer;
import dev.troupe.spi.TransportSettings;
import dev.troupe.spi.Transports;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What only the pipe transport does; what every link does is in {@link PipeLinkConformanceTest}. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PipeLinkTest {
    private Path dir;
    private LinkServer server;
    private final BlockingQueue<Link> accepted = new LinkedBlockingQueue<>();
    private final PipeTransportProvider provider = new PipeTransportProvider();

    @BeforeEach
    void listen() throws Exception {
        dir = Files.createTempDirectory("troupe-pipe-test");
        server = provider.listen(settings(64 * 1024), accepted::add);
    }

    @AfterEach
    void close() throws Exception {
        server.close();
        assertThat(Path.of(server.address().substring(5))).doesNotExist();
        Files.deleteIfExists(dir);
    }

    private TransportSettings settings(int maxFrame) {
        return new TransportSettings(dir, maxFrame, 256 * 1024);
    }

    static final class Recorder implements LinkHandler {
        final BlockingQueue<Envelope> received = new LinkedBlockingQueue<>();
        final CompletableFuture<Throwable> closed = new CompletableFuture<>();

        @Override
        public void onEnvelope(Link link, Envelope envelope) {
            received.add(envelope);
        }

        @Override
        public void onClosed(Link link, Throwable cause) {
            closed.complete(cause);
        }
    }

    private static Envelope beat(long n) {
        return Envelope.newBuilder().setHeartbeat(Heartbeat.newBuilder().setSentAt(n)).build();
    }

    @Test
    void shouldBeFoundByNameAndCreateOwnerOnlySocket() throws Exception {
        assertThat(Transports.find("pipe")).isInstanceOf(PipeTransportProvider.class);
        assertThat(Transports.find("auto").name()).isEqualTo("pipe");
        Path socket = Path.of(server.address().substring("pipe:".length()));
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)))
            .isEqualTo("rw-------");
    }

    @Test
    void shouldRefuseSerializedBytesThatAreNotAnEnvelopeInTheCallAndKeepTheLinkOpen() throws Exception {
        Link client = provider.connect(server.address(), settings(64 * 1024));
        client.start(new Recorder());
        Link serverLink = accepted.take();
        Recorder serverSide = new Recorder();
        serverLink.start(serverSide);
        // The pipe parses what it is handed: bytes that are not an envelope fail the call, not the link.
        assertThatThrownBy(() -> client.sendFrame(ByteBuffer.wrap(new byte[] {(byte) 0xfa, (byte) 0xff, 0x7f, 0x05})))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a valid envelope");
        assertThat(client.isOpen()).isTrue();
        client.sendFrame(ByteBuffer.wrap(beat(43).toByteArray()).asReadOnlyBuffer());
        assertThat(serverSide.received.poll(10, TimeUnit.SECONDS)).isEqualTo(beat(43));
        client.close();
        assertThat(serverSide.closed.get(10, TimeUnit.SECONDS)).isNotNull();
    }
}
