package dev.troupe.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.troupe.cluster.ClusterHarness.Member;
import dev.troupe.cluster.ClusterHarness.NodeProcess;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Membership at five nodes, a node restarted on its old address, and bad bytes on the cluster port, across real
 * node JVMs on loopback.
 */
class ClusterRobustnessTest {
    private static final String SECRET = "a-cluster-secret-for-robustness-tests-0123";
    private static final Duration MAP = Duration.ofSeconds(120);

    @TempDir
    Path logs;
    private ClusterHarness harness;

    @BeforeEach
    void setUp() {
        harness = new ClusterHarness(logs);
    }

    @AfterEach
    void tearDown() {
        harness.close();
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void fiveNodesWithoutWorkersAgreeOnTheMembers() throws Exception {
        int seed = ClusterHarness.freePort();
        List<NodeProcess> nodes = new ArrayList<>();
        nodes.add(harness.start("node1", seed, SECRET, List.of("--workers", "0"), seed));
        nodes.get(0).awaitEvent("started", ClusterHarness.START);
        for (int i = 2; i <= 5; i++) {
            nodes.add(harness.start("node" + i, ClusterHarness.freePort(), SECRET, List.of("--workers", "0"), seed));
        }
        for (NodeProcess n : nodes.subList(1, nodes.size())) {
            n.awaitEvent("started", ClusterHarness.START);
        }
        Set<String> addresses = nodes.stream().map(n -> n.address).collect(Collectors.toSet());
        List<Member> first = null;
        for (NodeProcess n : nodes) {
            List<Member> view = ClusterHarness.awaitView(n, addresses, ClusterHarness.CONVERGE);
            if (first == null) {
                first = view;
            }
            assertThat(view).as("%s's view", n.name).containsExactlyInAnyOrderElementsOf(first);
        }
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void garbageAndAnOversizedFrameOnTheClusterPortAreRefusedAndTheClusterKeepsServing() throws Exception {
        List<NodeProcess> nodes = harness.formThree(SECRET, List.of("--workers", "1"));
        NodeProcess origin = nodes.get(0);
        int port = port(origin);
        byte[] garbage = new byte[64 * 1024];
        new Random(7).nextBytes(garbage);
        sendAndClose(port, garbage);
        // Artery's own TCP framing (magic, stream id) and then a frame that says it is 2 GiB long.
        ByteBuffer oversized = ByteBuffer.allocate(9).order(ByteOrder.LITTLE_ENDIAN);
        oversized.put("PEKK".getBytes(StandardCharsets.US_ASCII)).put((byte) 2).putInt(Integer.MAX_VALUE);
        sendAndClose(port, oversized.array());
        // A join attempt of a node of another cluster, between them.
        NodeProcess stranger = harness.start("stranger", ClusterHarness.freePort(), "another-secret-0123456789abcdef",
            List.of("--workers", "0"), port);
        assertThat(stranger.awaitEvent("start-failed", ClusterHarness.START)).contains("ClusterJoinException");

        Set<String> three = nodes.stream().map(n -> n.address).collect(Collectors.toSet());
        for (NodeProcess n : nodes) {
            ClusterHarness.awaitView(n, three, ClusterHarness.CONVERGE);
        }
        origin.send("map 300 3 1 10");
        assertThat(origin.awaitEvent("mapped", MAP)).as("log:\n%s", origin.log()).contains("\"correct\":true");
        assertThat(origin.process.isAlive()).isTrue();
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void aNodeRestartedOnItsAddressJoinsAsANewIncarnationAndTakesWork() throws Exception {
        List<NodeProcess> nodes = harness.formThree(SECRET, List.of("--workers", "1"));
        NodeProcess origin = nodes.get(0);
        NodeProcess old = nodes.get(1);
        String oldId = origin.nodes().stream().filter(m -> m.address().equals(old.address)).findFirst()
            .orElseThrow().id();
        old.process.descendants().forEach(ProcessHandle::destroyForcibly);
        old.process.destroyForcibly();
        assertThat(old.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        NodeProcess restarted = harness.start("node2-again", port(old), SECRET, List.of("--workers", "1"),
            port(origin));
        restarted.awaitEvent("started", ClusterHarness.START);
        Set<String> three = Set.of(origin.address, old.address, nodes.get(2).address);
        List<Member> view = ClusterHarness.awaitView(origin, three, ClusterHarness.CONVERGE);
        assertThat(view).extracting(Member::id).doesNotContain(oldId);
        origin.send("map 600 3 2 10");
        String mapped = origin.awaitEvent("mapped", MAP);
        assertThat(mapped).as("log:\n%s", origin.log()).contains("\"correct\":true");
        long pid = restarted.process.pid();
        assertThat(mapped).as("the new incarnation's workers took part").contains("\"" + pid + "\":");
    }

    private static int port(NodeProcess n) {
        return Integer.parseInt(n.address.substring(n.address.lastIndexOf(':') + 1));
    }

    private static void sendAndClose(int port, byte[] bytes) throws Exception {
        try (Socket s = new Socket(ClusterHarness.HOST, port)) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            try {
                out.write(bytes);
                out.flush();
                // The node reads and refuses it; its close ends the read.
                s.getInputStream().read(new byte[1024]);
            } catch (java.io.IOException refused) {
                // The node closed the connection while it was being written: refused.
            }
        }
    }
}
