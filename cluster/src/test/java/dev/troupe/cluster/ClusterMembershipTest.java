package dev.troupe.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.troupe.cluster.ClusterHarness.Member;
import dev.troupe.cluster.ClusterHarness.NodeProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cluster formation, membership and leave across real node JVMs on loopback.
 */
class ClusterMembershipTest {
    private static final String SECRET = "a-cluster-secret-for-tests-0123456789";
    private static final Duration START = Duration.ofSeconds(60);
    private static final Duration CONVERGE = Duration.ofSeconds(60);

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
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void threeNodesJoinAndEveryNodeSeesTheSameThreeMembersUp() throws Exception {
        List<NodeProcess> nodes = formThree();
        NodeProcess seed = nodes.get(0);
        // The seed's listener was registered before the others started: it saw each of them come up.
        Set<String> upSeenBySeed = seed.lines.stream().filter(l -> l.startsWith("{\"event\":\"NodeUp\""))
            .map(l -> ClusterHarness.members(l).get(0).address()).collect(Collectors.toSet());
        assertThat(upSeenBySeed).contains(nodes.get(1).address, nodes.get(2).address);
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aLeavingNodeIsRemovedAsLeftAndItsJvmExitsZero() throws Exception {
        List<NodeProcess> nodes = formThree();
        NodeProcess leaver = nodes.get(2);
        leaver.send("leave");
        assertThat(leaver.awaitEvent("left", Duration.ofSeconds(40))).contains("\"ok\":true");
        assertThat(leaver.process.waitFor(30, TimeUnit.SECONDS)).as("the leaving JVM exits").isTrue();
        assertThat(leaver.process.exitValue()).as("exit code; log:\n%s", leaver.log()).isZero();
        for (NodeProcess stays : nodes.subList(0, 2)) {
            String removed = stays.await(l -> l.startsWith("{\"event\":\"NodeRemoved\"") && l.contains(leaver.address),
                CONVERGE, "NodeRemoved of " + leaver.address);
            assertThat(removed).contains("\"reason\":\"LEFT\"");
            stays.awaitView(Set.of(nodes.get(0).address, nodes.get(1).address), CONVERGE);
        }
        // Closing a clustered Troupe leaves too (Pekko's coordinated shutdown), rather than vanishing.
        NodeProcess closer = nodes.get(1);
        closer.send("exit");
        assertThat(closer.process.waitFor(30, TimeUnit.SECONDS)).as("the closed node's JVM exits").isTrue();
        assertThat(closer.process.exitValue()).as("exit code; log:\n%s", closer.log()).isZero();
        String removed = nodes.get(0).await(l -> l.startsWith("{\"event\":\"NodeRemoved\"")
            && l.contains(closer.address), CONVERGE, "NodeRemoved of " + closer.address);
        assertThat(removed).contains("\"reason\":\"LEFT\"");
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aNodeWithAnotherSecretIsRefusedAndItsStartFailsNamingTheSeed() throws Exception {
        int seedPort = ClusterHarness.freePort();
        NodeProcess seed = harness.start("seed", seedPort, SECRET, seedPort);
        seed.awaitEvent("started", START);
        int strangerPort = ClusterHarness.freePort();
        NodeProcess stranger = harness.start("stranger", strangerPort, "another-clusters-secret-9876543210", seedPort);
        String failed = stranger.awaitEvent("start-failed", START);
        assertThat(failed).contains("dev.troupe.ClusterJoinException").contains("127.0.0.1:" + seedPort)
            .contains("cluster secrets");
        // Refused at join, not left to time out: the start failed within troupe.cluster.join-timeout (8 s).
        assertThat(Long.parseLong(failed.replaceAll(".*\"millis\":(\\d+).*", "$1"))).isLessThan(8_000 + 20_000);
        assertThat(stranger.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(stranger.process.exitValue()).isEqualTo(3);
        assertThat(seed.nodes()).extracting(Member::address).containsExactly(seed.address);
        assertThat(seed.lines).noneMatch(l -> l.contains(stranger.address));
    }

    /** Starts a seed, then two nodes joining it, and waits until every node lists the same three members Up. */
    private List<NodeProcess> formThree() throws Exception {
        int p1 = ClusterHarness.freePort();
        NodeProcess n1 = harness.start("node1", p1, SECRET, p1);
        n1.awaitEvent("started", START);
        int p2 = ClusterHarness.freePort();
        int p3 = ClusterHarness.freePort();
        NodeProcess n2 = harness.start("node2", p2, SECRET, p1);
        NodeProcess n3 = harness.start("node3", p3, SECRET, p1);
        n2.awaitEvent("started", START);
        n3.awaitEvent("started", START);
        List<NodeProcess> nodes = List.of(n1, n2, n3);
        Set<String> addresses = Set.of(n1.address, n2.address, n3.address);
        List<Member> first = null;
        for (NodeProcess n : nodes) {
            List<Member> view = n.awaitView(addresses, CONVERGE);
            if (first == null) {
                first = view;
            } else {
                assertThat(view).as("%s's view", n.name).containsExactlyInAnyOrderElementsOf(first);
            }
        }
        return nodes;
    }
}
