package dev.troupe.transport.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.troupe.wire.Envelope;
import dev.troupe.wire.Heartbeat;
import dev.troupe.spi.AuthenticationException;
import dev.troupe.spi.Link;
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
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What only the TCP transport does, over real loopback sockets: authentication, secrets, idle time-out, TLS. What
 * every link does is in {@link TcpLinkConformanceTest} and {@link TcpTlsLinkConformanceTest}.
 */
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
    void anAuthenticatedLinkCarriesEnvelopesAndDescribesEachEndByItsDirection() throws Exception {
        Link client = connect(settings(dir.resolve("secret"), 16 * 1024 * 1024, Map.of()));
        Link serverSide = accepted.poll(10, TimeUnit.SECONDS);
        assertThat(serverSide).isNotNull();
        Inbox atServer = new Inbox();
        serverSide.start(atServer);
        client.start(new Inbox());
        assertThat(client.send(beat(1))).isTrue();
        assertThat(atServer.next().getHeartbeat().getSentAt()).isEqualTo(1);
        assertThat(client.description()).startsWith("tcp:to 127.0.0.1:");
        assertThat(serverSide.description()).startsWith("tcp:from 127.0.0.1:");
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
