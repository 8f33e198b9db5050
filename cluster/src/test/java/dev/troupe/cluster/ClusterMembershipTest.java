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

    private List<NodeProcess> formThree() throws Exception {
        return harness.formThree(SECRET, List.of());
    }

    private static List<Member> awaitView(NodeProcess node, Set<String> addresses) throws Exception {
        return ClusterHarness.awaitView(node, addresses, CONVERGE);
    }
}
