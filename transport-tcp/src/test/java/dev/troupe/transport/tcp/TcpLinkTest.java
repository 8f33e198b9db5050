package dev.troupe.transport.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.troupe.wire.Envelope;
import dev.troupe.wire.Heartbeat;
import dev.troupe.wire.LogLine;
import dev.troupe.spi.AuthenticationException;
import dev.troupe.wire.FrameTooLargeException;
import dev.troupe.spi.Link;
import dev.troupe.spi.LinkClosedException;
import dev.troupe.spi.LinkHandler;
import dev.troupe.spi.LinkServer;
import dev.troupe.spi.TransportSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The TCP link over real loopback sockets: authentication, framing, limits, back-pressure and close. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TcpLinkTest {
    static final String SECRET = "0123456789abcdef0123456789abcdef";

    private Path dir;
    private LinkServer server;
    private final BlockingQueue<Link> accepted = new LinkedBlockingQueue<>();
    private final TcpTransportProvider provider = new TcpTransportProvider();
    private final List<Link> toClose = new ArrayList<>();

    @BeforeEach
    void listen() throws Exception {
        dir = Files.createTempDirectory("troupe-tcp-test");
        server = provider.listen(settings(secretFile("secret", SECRET), 16 * 1024 * 1024, Map.of()), accepted::add);
    }

    @AfterEach
    void close() throws Exception {
        for (Link l : toClose) {
            l.close();
        }
        server.close();
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) {
                Files.delete(p);
            }
        }
        Files.delete(dir);
    }

    Path secretFile(String name, String secret) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, secret + "\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        return f;
    }

    TransportSettings settings(Path secret, int maxFrame, Map<String, String> more) {
        Map<String, String> options = new java.util.HashMap<>(more);
        options.put("secret-file", secret.toString());
        options.putIfAbsent("handshake-timeout", "2s");
        return new TransportSettings(dir, maxFrame, 1024 * 1024, options);
    }

    Link connect(TransportSettings s) throws IOException {
        Link l = provider.connect(server.address(), s);
        toClose.add(l);
        return l;
    }

    static final class Inbox implements LinkHandler {
        final BlockingQueue<Envelope> envelopes = new LinkedBlockingQueue<>();
        final CompletableFuture<Throwable> closed = new CompletableFuture<>();

        @Override
        public void onEnvelope(Link link, Envelope envelope) {
            envelopes.add(envelope);
        }

        @Override
        public void onClosed(Link link, Throwable cause) {
            closed.complete(cause);
        }

        Envelope next() throws InterruptedException {
            Envelope e = envelopes.poll(10, TimeUnit.SECONDS);
            assertThat(e).as("an envelope within 10 s").isNotNull();
            return e;
        }
    }

    static Envelope beat(long n) {
        return Envelope.newBuilder().setHeartbeat(Heartbeat.newBuilder().setSentAt(n)).build();
    }

    @Test
    void envelopesTravelBothWaysInOrderAfterAuthentication() throws Exception {
        Link client = connect(settings(dir.resolve("secret"), 16 * 1024 * 1024, Map.of()));
        Link serverSide = accepted.poll(10, TimeUnit.SECONDS);
        assertThat(serverSide).isNotNull();
        Inbox atServer = new Inbox();
        Inbox atClient = new Inbox();
        // Sent before the server side starts: buffered, not lost.
        client.send(beat(-1));
        serverSide.start(atServer);
        client.start(atClient);
        for (int i = 0; i < 1000; i++) {
            assertThat(client.send(beat(i))).isTrue();
        }
        client.sendAll(List.of(beat(1000), beat(1001)));
        assertThat(atServer.next().getHeartbeat().getSentAt()).isEqualTo(-1);
        for (int i = 0; i <= 1001; i++) {
            assertThat(atServer.next().getHeartbeat().getSentAt()).isEqualTo(i);
        }
        byte[] big = new byte[8 * 1024 * 1024];
        new Random(7).nextBytes(big);
        serverSide.send(Envelope.newBuilder().setLog(LogLine.newBuilder()
            .setLine(ByteString.copyFrom(big).toStringUtf8())).build());
        Envelope back = atClient.next();
        assertThat(back.getLog().getLine()).isEqualTo(ByteString.copyFrom(big).toStringUtf8());
        assertThat(client.description()).startsWith("tcp:to 127.0.0.1:");
        assertThat(serverSide.description()).startsWith("tcp:from 127.0.0.1:");

        client.close();
        assertThat(atClient.closed.get(10, TimeUnit.SECONDS)).isNull();
        assertThat(atServer.closed.get(10, TimeUnit.SECONDS)).isInstanceOf(LinkClosedException.class);
        assertThat(client.send(beat(1))).isFalse();
        assertThat(serverSide.isOpen()).isFalse();
    }

    @Test
    void aWrongSecretIsRefusedOnBothSidesAndTheServerServesOthers() throws Exception {
        Path wrong = secretFile("wrong", "fedcba9876543210fedcba9876543210");
        assertThatThrownBy(() -> connect(settings(wrong, 1 << 20, Map.of())))
            .isInstanceOf(AuthenticationException.class)
            .hasMessageContaining("does not know this node's secret");
        assertThat(accepted).isEmpty();
        Link ok = connect(settings(dir.resolve("secret"), 1 << 20, Map.of()));
        assertThat(ok.isOpen()).isTrue();
        assertThat(accepted.poll(10, TimeUnit.SECONDS)).isNotNull();
    }

    @Test
    void aServerThatIsNotTheNodeIsRefusedByTheWorker() throws Exception {
        // The client proves itself first, but also checks the server's proof: a server with another secret fails.
        Path other = secretFile("other", "another secret, long enough!!");
        try (LinkServer impostor = provider.listen(settings(other, 1 << 20, Map.of()), l -> { })) {
            // The impostor refuses the client's proof before it sends its own; both ways end in a refusal.
            assertThatThrownBy(() -> provider.connect(impostor.address(), settings(dir.resolve("secret"), 1 << 20,
                Map.of()))).isInstanceOf(AuthenticationException.class);
        }
    }

    @Test
    void noSecretMeansNoListening() {
        TransportSettings none = new TransportSettings(dir, 1 << 20, 1 << 20,
            Map.of("secret-env", "TROUPE_TEST_SECRET_THAT_IS_NOT_SET"));
        assertThatThrownBy(() -> provider.listen(none, l -> { }))
            .isInstanceOf(IOException.class)
            .hasMessageContaining("needs a shared secret")
            .hasMessageContaining("troupe.tcp.secret-file");
    }

    @Test
    void aSecretFileOthersCanReadIsRefused() throws Exception {
        Path open = secretFile("open", SECRET);
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> provider.listen(settings(open, 1 << 20, Map.of()), l -> { }))
            .hasMessageContaining("chmod 600");
    }

    @Test
    void anOversizedSendIsRefusedAndTheLinkStaysOpen() throws Exception {
        Link client = connect(settings(dir.resolve("secret"), 1024, Map.of()));
        Link serverSide = accepted.poll(10, TimeUnit.SECONDS);
        Inbox atServer = new Inbox();
        serverSide.start(atServer);
        client.start(new Inbox());
        Envelope huge = Envelope.newBuilder().setLog(LogLine.newBuilder().setLine("x".repeat(4000))).build();
        assertThatThrownBy(() -> client.send(huge)).isInstanceOf(FrameTooLargeException.class);
        assertThat(client.send(beat(5))).isTrue();
        assertThat(atServer.next().getHeartbeat().getSentAt()).isEqualTo(5);
    }

    @Test
    void aFrameOverTheReceiversLimitClosesOnlyThatLink() throws Exception {
        // The client may send 1 MiB frames; the server (16 MiB limit) is fine, so lower it with a second server.
        try (LinkServer small = provider.listen(settings(dir.resolve("secret"), 1024, Map.of()), accepted::add)) {
            Link client = provider.connect(small.address(), settings(dir.resolve("secret"), 1 << 20, Map.of()));
            toClose.add(client);
            Link serverSide = accepted.poll(10, TimeUnit.SECONDS);
            Inbox atServer = new Inbox();
            serverSide.start(atServer);
            client.start(new Inbox());
            client.send(Envelope.newBuilder().setLog(LogLine.newBuilder().setLine("x".repeat(4000))).build());
            assertThat(atServer.closed.get(10, TimeUnit.SECONDS))
                .hasMessageContaining("frame length")
                .hasMessageContaining("troupe.max-frame-size");
            Link other = connect(settings(dir.resolve("secret"), 1 << 20, Map.of()));
            assertThat(other.isOpen()).isTrue();
        }
    }

    @Test
    void aPeerThatStopsReadingSlowsItsSenderInsteadOfFillingTheHeap() throws Exception {
        // A node played by hand: it authenticates the client properly, then never reads again.
        try (java.net.ServerSocket node = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            CompletableFuture<java.net.Socket> accepted = CompletableFuture.supplyAsync(() -> {
                try {
                    java.net.Socket s = node.accept();
                    java.io.DataInputStream in = new java.io.DataInputStream(s.getInputStream());
                    java.io.DataOutputStream out = new java.io.DataOutputStream(s.getOutputStream());
                    byte[] serverNonce = new byte[AuthDescriptor.NONCE_BYTES];
                    new Random(3).nextBytes(serverNonce);
                    out.writeInt(AuthDescriptor.HEADER_BYTES + AuthDescriptor.NONCE_BYTES);
                    out.writeInt(AuthDescriptor.MAGIC);
                    out.writeShort(dev.troupe.wire.WireProtocol.VERSION);
                    out.writeByte(AuthDescriptor.CHALLENGE);
                    out.write(serverNonce);
                    byte[] response = new byte[in.readInt()];
                    in.readFully(response);
                    byte[] clientNonce = java.util.Arrays.copyOfRange(response, AuthDescriptor.HEADER_BYTES,
                        AuthDescriptor.HEADER_BYTES + AuthDescriptor.NONCE_BYTES);
                    out.writeInt(AuthDescriptor.HEADER_BYTES + AuthDescriptor.MAC_BYTES);
                    out.writeInt(AuthDescriptor.MAGIC);
                    out.writeShort(dev.troupe.wire.WireProtocol.VERSION);
                    out.writeByte(AuthDescriptor.ACCEPT);
                    out.write(AuthDescriptor.serverProof(SECRET.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                        serverNonce, clientNonce));
                    out.flush();
                    return s;
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            Link client = provider.connect("tcp://127.0.0.1:" + node.getLocalPort(),
                settings(dir.resolve("secret"), 1 << 20, Map.of("idle-timeout", "0")));
            toClose.add(client);
            client.start(new Inbox());
            java.net.Socket stuck = accepted.get(10, TimeUnit.SECONDS);
            Envelope chunk = Envelope.newBuilder().setLog(LogLine.newBuilder().setLine("y".repeat(64 * 1024))).build();
            java.util.concurrent.atomic.AtomicInteger sent = new java.util.concurrent.atomic.AtomicInteger();
            CompletableFuture<Boolean> sender = CompletableFuture.supplyAsync(() -> {
                for (int i = 0; i < 4000; i++) {
                    if (!client.send(chunk)) {
                        return false;
                    }
                    sent.incrementAndGet();
                }
                return true;
            });
            // 4000 x 64 KiB = 250 MiB. The link may buffer 1 MiB (maxPendingWriteBytes) plus Netty's high-water mark
            // and the sockets' kernel buffers; the sender must stop long before the end.
            Thread.sleep(1500);
            int plateau = sent.get();
            Thread.sleep(500);
            assertThat(sender).isNotDone();
            assertThat(sent.get()).as("no progress while the peer does not read").isEqualTo(plateau);
            assertThat((long) plateau * 64 * 1024).as("bytes accepted by send while the peer reads nothing")
                .isLessThan(64L * 1024 * 1024);
            stuck.close();
            assertThat(sender.get(30, TimeUnit.SECONDS)).as("a blocked sender returns false when the link goes")
                .isFalse();
        }
    }

    @Test
    void aPeerThatVanishesClosesTheLinkWithACause() throws Exception {
        Link client = connect(settings(dir.resolve("secret"), 1 << 20, Map.of()));
        Link serverSide = accepted.poll(10, TimeUnit.SECONDS);
        Inbox atServer = new Inbox();
        serverSide.start(atServer);
        client.start(new Inbox());
        client.close(new IOException("test over"));
        assertThat(atServer.closed.get(10, TimeUnit.SECONDS)).isInstanceOf(LinkClosedException.class)
            .hasMessageContaining("peer closed");
        assertThat(serverSide.closeFuture()).isCompletedExceptionally();
    }

    @Test
    void anIdleAuthenticatedLinkIsClosedAfterTheIdleTimeout() throws Exception {
        try (LinkServer idle = provider.listen(settings(dir.resolve("secret"), 1 << 20,
            Map.of("idle-timeout", "300ms")), accepted::add)) {
            Link client = provider.connect(idle.address(), settings(dir.resolve("secret"), 1 << 20,
                Map.of("idle-timeout", "0")));
            toClose.add(client);
            Link serverSide = accepted.poll(10, TimeUnit.SECONDS);
            Inbox atServer = new Inbox();
            serverSide.start(atServer);
            client.start(new Inbox());
            assertThat(atServer.closed.get(10, TimeUnit.SECONDS)).hasMessageContaining("troupe.tcp.idle-timeout");
        }
    }

    @Test
    void withTlsTheHandshakeRunsInsideItAndAPlainClientIsRefused() throws Exception {
        Path[] pem = TestCertificates.selfSigned(dir);
        Map<String, String> tls = Map.of("tls.enabled", "true", "tls.cert", pem[0].toString(),
            "tls.key", pem[1].toString());
        try (LinkServer secure = provider.listen(settings(dir.resolve("secret"), 1 << 20, tls), accepted::add)) {
            Link client = provider.connect(secure.address(), settings(dir.resolve("secret"), 1 << 20,
                Map.of("tls.enabled", "true", "tls.trust", pem[0].toString())));
            toClose.add(client);
            Link serverSide = accepted.poll(10, TimeUnit.SECONDS);
            Inbox atServer = new Inbox();
            serverSide.start(atServer);
            client.start(new Inbox());
            client.send(beat(77));
            assertThat(atServer.next().getHeartbeat().getSentAt()).isEqualTo(77);

            // A failed connection, not a failed proof: nothing was said in a language both sides speak.
            assertThatThrownBy(() -> provider.connect(secure.address(), settings(dir.resolve("secret"), 1 << 20,
                Map.of()))).isInstanceOf(IOException.class).isNotInstanceOf(AuthenticationException.class);
        }
    }
}
