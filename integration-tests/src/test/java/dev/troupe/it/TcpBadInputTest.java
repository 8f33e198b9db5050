package dev.troupe.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.troupe.Pool;
import dev.troupe.PoolOptions;
import dev.troupe.Troupe;
import dev.troupe.wire.WireProtocol;
import dev.troupe.wire.Envelope;
import dev.troupe.wire.Heartbeat;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Hostile and broken clients against a node's real TCP listener while an authenticated remote worker runs a map:
 * each bad connection is closed, the map finishes with every result.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class TcpBadInputTest {
    private static final int MAGIC = 0x54525041;
    private static final byte RESPONSE = 2;
    private static final byte ACCEPT = 3;
    private static final byte REFUSE = 4;
    /** Long enough that a close caused by the bad input itself is told apart from one caused by the time-out. */
    private static final int HANDSHAKE_SECONDS = 4;
    private static final long PROMPT_MILLIS = 4000;

    private String host;
    private int port;

    @Test
    void badConnectionsAreClosedAndTheNodeKeepsServingItsWorkers() throws Exception {
        List<Process> workers = new ArrayList<>();
        try (Troupe troupe = Troupe.local(Remote.nodeConfig("127.0.0.1:0", Map.of(
                 "troupe.tcp.handshake-timeout", HANDSHAKE_SECONDS + "s",
                 "troupe.tcp.max-connections", "200",
                 "troupe.tcp.max-unauthenticated", "32",
                 "troupe.max-frame-size", "1MiB")));
             Pool pool = troupe.pool(PoolOptions.workers(0).acceptRemoteWorkers(true).chunkSize(5))) {
            URI address = URI.create(troupe.remoteAddress().orElseThrow());
            host = address.getHost();
            port = address.getPort();
            workers.add(Remote.startWorker(address.toString(), Remote.secretFile()));
            RemoteWorkerTest.await(() -> pool.size() == 1, "the remote worker joined");
            // About 17 s of work, running while the bad clients come and go (two handshake time-outs and more).
            CompletableFuture<List<Integer>> map = pool.mapAsync(Tasks::slowSquare, RemoteWorkerTest.inputs(1700));

            byte[] random = new byte[4096];
            new Random(1).nextBytes(random);
            assertClosedPromptly("random bytes", random);
            assertClosedPromptly("a length prefix over the maximum", ByteBuffer.allocate(4).putInt(0x7fffffff).array());
            byte[] envelope = Envelope.newBuilder().setHeartbeat(Heartbeat.newBuilder().setSentAt(1)).build()
                .toByteArray();
            assertRefused("a valid envelope before authenticating",
                ByteBuffer.allocate(4 + envelope.length).putInt(envelope.length).put(envelope).array(),
                "not an authentication frame");
            assertRefused("a wrong HMAC", response(WireProtocol.VERSION, new byte[32], new byte[32]),
                "does not know this node's secret");
            assertRefused("a wrong protocol version", response(WireProtocol.VERSION + 7, new byte[32], new byte[32]),
                "protocol version " + (WireProtocol.VERSION + 7));

            // A replayed handshake: record a good one, then send the same bytes on a new connection.
            byte[] recorded;
            try (Socket s = connect()) {
                byte[] challenge = readFrame(s.getInputStream());
                byte[] serverNonce = java.util.Arrays.copyOfRange(challenge, 7, 39);
                byte[] clientNonce = new byte[32];
                new Random(2).nextBytes(clientNonce);
                recorded = response(WireProtocol.VERSION, clientNonce, proof(serverNonce, clientNonce));
                s.getOutputStream().write(recorded);
                byte[] accept = readFrame(s.getInputStream());
                assertThat(accept[6]).as("the genuine handshake is accepted").isEqualTo(ACCEPT);
            }
            assertRefused("a replayed handshake", recorded, "does not know this node's secret");

            // Silence and truncation: closed by the handshake time-out, not before.
            long t0 = System.nanoTime();
            try (Socket silent = connect(); Socket truncated = connect()) {
                truncated.getOutputStream().write(ByteBuffer.allocate(8).putInt(200).putInt(7).array());
                assertThat(readToEnd(silent)).as("a connection that never speaks is closed").isTrue();
                assertThat(readToEnd(truncated)).as("a truncated frame's connection is closed").isTrue();
            }
            assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0)).isBetween(HANDSHAKE_SECONDS - 2L,
                HANDSHAKE_SECONDS + 6L);

            // 1,000 connections at once: beyond the 32 that may be authenticating, each is closed at once.
            List<Socket> flood = new ArrayList<>();
            try {
                for (int i = 0; i < 1000; i++) {
                    flood.add(connect());
                }
                // Well before the handshake time-out, count the connections the node has already closed.
                Thread.sleep(PROMPT_MILLIS / 2);
                int prompt = 0;
                for (Socket s : flood) {
                    if (closedNow(s)) {
                        prompt++;
                    }
                }
                assertThat(prompt).as("flood connections closed at once").isGreaterThanOrEqualTo(1000 - 32 - 1);
                for (Socket s : flood) {
                    s.setSoTimeout(30_000);
                    assertThat(readToEnd(s)).as("every flood connection is closed in the end").isTrue();
                }
            } finally {
                for (Socket s : flood) {
                    s.close();
                }
            }

            assertThat(map).as("the map still runs: the attacks came while it worked").isNotDone();
            assertThat(map.get(90, TimeUnit.SECONDS)).isEqualTo(RemoteWorkerTest.squares(1700));
            assertThat(pool.size()).as("the authenticated worker is still there").isEqualTo(1);
            assertThat(pool.map(Tasks::slowSquare, RemoteWorkerTest.inputs(20)))
                .isEqualTo(RemoteWorkerTest.squares(20));
        } finally {
            Remote.kill(workers);
        }
    }

    private Socket connect() throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress(host, port), 10_000);
        s.setSoTimeout(15_000);
        return s;
    }

    /** The node closes the connection well before the handshake time-out. */
    private void assertClosedPromptly(String what, byte[] bytes) throws IOException {
        long t0 = System.nanoTime();
        try (Socket s = connect()) {
            try {
                s.getOutputStream().write(bytes);
                s.getOutputStream().flush();
            } catch (SocketException closedAlready) {
                // The node may close before everything is written: that is the point.
            }
            assertThat(readToEnd(s)).as("the node closes a connection sending " + what).isTrue();
        }
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).as("closed at once after " + what)
            .isLessThan(PROMPT_MILLIS);
    }

    /** After the challenge, the node answers with a refusal naming the reason (never an acceptance), and closes. */
    private void assertRefused(String what, byte[] bytes, String reason) throws IOException {
        long t0 = System.nanoTime();
        try (Socket s = connect()) {
            byte[] challenge = readFrame(s.getInputStream());
            assertThat(challenge[6]).as("the node speaks first, with a challenge").isEqualTo((byte) 1);
            s.getOutputStream().write(bytes);
            byte[] answer = readFrame(s.getInputStream());
            assertThat(answer[6]).as("the node refuses " + what).isEqualTo(REFUSE);
            assertThat(new String(answer, 7, answer.length - 7, StandardCharsets.UTF_8)).contains(reason);
            assertThat(readToEnd(s)).as("and closes the connection").isTrue();
        }
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).as("refused at once: " + what)
            .isLessThan(PROMPT_MILLIS);
    }

    /** Whether the node has closed {@code s} already: what it sent is read, then the end, or nothing more. */
    private static boolean closedNow(Socket s) throws IOException {
        s.setSoTimeout(50);
        byte[] sink = new byte[4096];
        try {
            while (s.getInputStream().read(sink) >= 0) {
                // a challenge
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (SocketException reset) {
            return true;
        }
    }

    /** Reads until the node closes (true) or 15 s pass (false). A refusal frame may come first. */
    private static boolean readToEnd(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        byte[] sink = new byte[4096];
        try {
            while (in.read(sink) >= 0) {
                // the challenge, a refusal: read on
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (SocketException reset) {
            return true;
        }
    }

    private static byte[] readFrame(InputStream in) throws IOException {
        DataInputStream data = new DataInputStream(in);
        int length = data.readInt();
        byte[] body = new byte[length];
        data.readFully(body);
        return body;
    }

    private static byte[] response(int version, byte[] clientNonce, byte[] mac) throws IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(7 + 64);
        out.writeInt(MAGIC);
        out.writeShort(version);
        out.writeByte(RESPONSE);
        out.write(clientNonce);
        out.write(mac);
        return bytes.toByteArray();
    }

    private static byte[] proof(byte[] serverNonce, byte[] clientNonce) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(Remote.SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        mac.update("troupe-client".getBytes(StandardCharsets.US_ASCII));
        mac.update(serverNonce);
        mac.update(clientNonce);
        return mac.doFinal();
    }
}
