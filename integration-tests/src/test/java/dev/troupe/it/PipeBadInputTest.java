package dev.troupe.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.troupe.Troupe;
import dev.troupe.WorkerProcess;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Garbage on the node's pipe: the offending connection is closed, everyone else keeps working. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class PipeBadInputTest {

    @Test
    void shouldCloseOnlyTheOffendingLinkOnMalformedOversizedOrUnauthenticatedFrames() throws Exception {
        try (Troupe troupe = Transports.start("pipe")) {
            WorkerProcess<Integer> busy = troupe.spawn(Tasks::sleepThenAnswer, 1500);
            Path socket = Path.of(troupe.address().substring("pipe:".length()));

            // Length prefix far over the maximum frame size.
            assertClosedByNode(socket, ByteBuffer.allocate(4).putInt(0x7fffffff).flip());
            // Negative length.
            assertClosedByNode(socket, ByteBuffer.allocate(4).putInt(-5).flip());
            // A plausible length followed by bytes that are not an envelope.
            assertClosedByNode(socket, ByteBuffer.allocate(12).putInt(8).putLong(0xdeadbeefcafebabeL).flip());
            // A valid frame that is not a Hello (a heartbeat before the handshake).
            byte[] heartbeat = dev.troupe.wire.Envelope.newBuilder()
                .setHeartbeat(dev.troupe.wire.Heartbeat.newBuilder().setSentAt(1)).build().toByteArray();
            assertClosedByNode(socket, ByteBuffer.allocate(4 + heartbeat.length).putInt(heartbeat.length)
                .put(heartbeat).flip());
            // A Hello with a made-up worker id and token.
            byte[] hello = dev.troupe.wire.Envelope.newBuilder()
                .setHello(dev.troupe.wire.Hello.newBuilder().setProtocolVersion(1).setWorkerId("w-1")
                    .setPid(1)).build().toByteArray();
            assertClosedByNode(socket, ByteBuffer.allocate(4 + hello.length).putInt(hello.length).put(hello).flip());

            // The worker that was running throughout is unaffected, and the node still starts new ones.
            assertThat(busy.result().get(30, TimeUnit.SECONDS)).isEqualTo(42);
            assertThat(troupe.spawn(x -> x + 1, 1).result().get(30, TimeUnit.SECONDS)).isEqualTo(2);
        }
    }

    private static void assertClosedByNode(Path socket, ByteBuffer bytes) throws Exception {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            while (bytes.hasRemaining()) {
                ch.write(bytes);
            }
            ByteBuffer sink = ByteBuffer.allocate(4096);
            int n;
            // The node may answer with a Refused frame; then it must close.
            do {
                sink.clear();
                n = ch.read(sink);
            } while (n > 0);
            assertThat(n).as("node closes the connection").isEqualTo(-1);
        }
    }
}
