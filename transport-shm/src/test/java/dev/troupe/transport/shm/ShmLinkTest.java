package dev.troupe.transport.shm;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.troupe.wire.Envelope;
import dev.troupe.wire.Heartbeat;
import dev.troupe.wire.Payload;
import dev.troupe.wire.Result;
import dev.troupe.wire.PayloadList;
import dev.troupe.wire.Payloads;
import dev.troupe.wire.FrameCodec;
import dev.troupe.spi.AbstractLinkConformanceTest;
import dev.troupe.spi.Link;
import dev.troupe.spi.LinkClosedException;
import dev.troupe.spi.LinkHandler;
import dev.troupe.spi.LinkServer;
import dev.troupe.wire.MalformedFrameException;
import dev.troupe.spi.TransportSettings;
import dev.troupe.spi.Transports;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What only the shared-memory transport does; what every link does is in {@link ShmLinkConformanceTest}. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ShmLinkTest {
    private Path dir;
    private LinkServer server;
    private final BlockingQueue<Link> accepted = new LinkedBlockingQueue<>();
    private final ShmTransportProvider provider = new ShmTransportProvider();

    @BeforeEach
    void listen() throws Exception {
        dir = Files.createTempDirectory("troupe-shm-test");
        server = provider.listen(settings(16 * 1024 * 1024), accepted::add);
    }

    @AfterEach
    void close() throws Exception {
        server.close();
        assertThat(Path.of(server.address().substring(4))).doesNotExist();
        assertThat(segmentDirectories()).isEmpty();
        Files.deleteIfExists(dir);
    }

    static List<Path> segmentDirectories() throws Exception {
        try (Stream<Path> s = Files.list(Path.of("/dev/shm"))) {
            return s.filter(p -> p.getFileName().toString().startsWith("troupe-" + ProcessHandle.current().pid() + "-"))
                .collect(Collectors.toList());
        }
    }

    private TransportSettings settings(int maxFrame) {
        // A small ring, so that big messages are fragmented and a fast sender fills it.
        return new TransportSettings(dir, maxFrame, 256 * 1024, Map.of("ring-bytes", "64KiB"));
    }

    static class Recorder implements LinkHandler {
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

    private static Envelope blob(int bytes, long seed) {
        byte[] data = new byte[bytes];
        new Random(seed).nextBytes(data);
        return Envelope.newBuilder().setResult(Result.newBuilder().setTaskId(seed).setOutputs(PayloadList.newBuilder()
            .setBoxed(Payloads.newBuilder().addItems(Payload.newBuilder().setData(ByteString.copyFrom(data))))
            .build().toByteString()))
            .build();
    }

    private Link[] connectPair(Recorder clientSide, Recorder serverSide) throws Exception {
        Link client = provider.connect(server.address(), settings(16 * 1024 * 1024));
        client.start(clientSide);
        Link serverLink = accepted.poll(10, TimeUnit.SECONDS);
        serverLink.start(serverSide);
        return new Link[] {client, serverLink};
    }

    @Test
    void shouldBePreferredAndKeepNoSegmentFileOnDisk() throws Exception {
        assertThat(Transports.find("shm")).isInstanceOf(ShmTransportProvider.class);
        assertThat(Transports.find("auto").name()).isEqualTo("shm");
        Path socket = Path.of(server.address().substring("shm:".length()));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-------");
        Recorder clientSide = new Recorder();
        Link[] pair = connectPair(clientSide, new Recorder());
        List<Path> dirs = segmentDirectories();
        assertThat(dirs).hasSize(1);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dirs.get(0)))).isEqualTo("rwx------");
        try (Stream<Path> files = Files.list(dirs.get(0))) {
            assertThat(files).as("segment files are removed once both sides have mapped them").isEmpty();
        }
        pair[1].send(beat(1));
        assertThat(clientSide.received.poll(10, TimeUnit.SECONDS)).isEqualTo(beat(1));
        pair[0].close();
        pair[1].close();
    }

    @Test
    void shouldFragmentAndReassembleMessagesLargerThanTheRing() throws Exception {
        Recorder clientSide = new Recorder();
        Recorder serverSide = new Recorder();
        Link[] pair = connectPair(clientSide, serverSide);
        assertThat(((ShmLink) pair[0]).maxWholeMessage()).isEqualTo(8 * 1024);
        // Sizes around the fragment boundaries, and one of several MiB that is many times the ring.
        int[] sizes = {8 * 1024 - 64, 8 * 1024, 8 * 1024 + 1, 16 * 1024, 100_000, 5 * 1024 * 1024};
        for (int i = 0; i < sizes.length; i++) {
            pair[1].sendAll(List.of(blob(sizes[i], i), beat(i)));
        }
        for (int i = 0; i < sizes.length; i++) {
            assertThat(clientSide.received.poll(10, TimeUnit.SECONDS)).as("blob " + sizes[i])
                .isEqualTo(blob(sizes[i], i));
            assertThat(clientSide.received.poll(10, TimeUnit.SECONDS)).isEqualTo(beat(i));
        }
        pair[0].close();
        pair[1].close();
    }

    @Test
    void shouldWakeASleepingReaderAtOnce() throws Exception {
        Recorder clientSide = new Recorder();
        Link[] pair = connectPair(clientSide, new Recorder());
        Thread.sleep(300); // the reader has given up spinning and sleeps on the futex
        for (int i = 0; i < 20; i++) {
            pair[1].send(beat(i));
            assertThat(clientSide.received.poll(10, TimeUnit.SECONDS)).isEqualTo(beat(i));
            Thread.sleep(20);
        }
        pair[0].close();
        pair[1].close();
    }

    /** Records frames handed over raw and envelopes handed over parsed, in arrival order, as envelopes. */
    static final class FrameRecorder extends Recorder {
        final BlockingQueue<Boolean> raw = new LinkedBlockingQueue<>();
        final boolean echo;

        FrameRecorder(boolean echo) {
            this.echo = echo;
        }

        @Override
        public void onFrame(Link link, ByteBuffer body) throws MalformedFrameException {
            if (echo) {
                link.sendFrame(body); // straight out of the ring's memory into the other ring
            }
            assertThat(body.isReadOnly()).isTrue();
            raw.add(true);
            received.add(FrameCodec.decodeBody(FrameCodec.copyBody(body), 0, body.remaining(), "test"));
        }

        @Override
        public void onEnvelope(Link link, Envelope envelope) {
            if (echo) {
                link.send(envelope);
            }
            raw.add(false);
            received.add(envelope);
        }
    }

    @Test
    void shouldCarrySerializedEnvelopesBothWaysWithoutParsingThem() throws Exception {
        Recorder clientSide = new Recorder();
        FrameRecorder echoSide = new FrameRecorder(true);
        Link[] pair = connectPair(clientSide, echoSide);
        int whole = ((ShmLink) pair[0]).maxWholeMessage();
        // Whole messages reach onFrame; fragmented ones are reassembled and parsed once (onEnvelope).
        int[] sizes = {1, 64, whole - 64, whole + 1, 100_000};
        for (int i = 0; i < sizes.length; i++) {
            Envelope e = sizes[i] == 1 ? beat(i) : blob(sizes[i], i);
            int bodySize = e.getSerializedSize();
            for (ByteBuffer b : AbstractLinkConformanceTest.sendFrameBuffers(e.toByteArray())) {
                int position = b.position();
                assertThat(pair[0].sendFrame(b)).isTrue();
                assertThat(b.position()).as("sendFrame leaves the buffer as it was").isEqualTo(position);
                assertThat(b.remaining()).isEqualTo(bodySize);
                assertThat(echoSide.received.poll(10, TimeUnit.SECONDS)).as(sizes[i] + " bytes").isEqualTo(e);
                assertThat(echoSide.raw.poll(10, TimeUnit.SECONDS)).as("handed over raw")
                    .isEqualTo(bodySize <= whole);
                // The echo, sent from the ring's memory or from the parsed envelope, comes back equal.
                assertThat(clientSide.received.poll(10, TimeUnit.SECONDS)).isEqualTo(e);
            }
        }
        pair[0].close();
        assertThat(echoSide.closed.get(10, TimeUnit.SECONDS)).isInstanceOf(LinkClosedException.class);
        assertThat(pair[0].sendFrame(ByteBuffer.wrap(beat(1).toByteArray()))).isFalse();
    }

    @Test
    void shouldCarryBytesThatAreNotAnEnvelopeAsTheyAreAndLetTheReceiverCloseItsLink() throws Exception {
        Recorder clientSide = new Recorder();
        Recorder serverSide = new Recorder();
        Link[] pair = connectPair(clientSide, serverSide);
        // A field number no envelope has, with a truncated length: the sender copies it, the receiver's default
        // onFrame parses it.
        assertThat(pair[0].sendFrame(ByteBuffer.wrap(new byte[] {(byte) 0xfa, (byte) 0xff, 0x7f, 0x05, 0x01})))
            .isTrue();
        assertThat(serverSide.closed.get(10, TimeUnit.SECONDS)).isInstanceOf(MalformedFrameException.class)
            .hasMessageContaining("5 bytes on " + pair[1].description());
        assertThat(clientSide.closed.get(10, TimeUnit.SECONDS)).isInstanceOf(LinkClosedException.class);
        assertThat(serverSide.received).isEmpty();
    }
}
