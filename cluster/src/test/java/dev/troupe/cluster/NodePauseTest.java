package dev.troupe.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.troupe.cluster.ClusterHarness.NodeProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node JVM frozen with SIGSTOP (a grey failure: its sockets stay open, it answers nothing) on loopback: the others
 * remove it, and once resumed it finds itself downed, closes its Troupe and exits with {@link ClusterExit#DOWNED}.
 */
class NodePauseTest {
    private static final String SECRET = "a-cluster-secret-for-tests-0123456789";
    private static final Duration START = Duration.ofSeconds(60);
    private static final Duration CONVERGE = Duration.ofSeconds(60);
    private static final Duration RESOLVED = Duration.ofSeconds(45);

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
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void aPausedNodeIsRemovedAndWhenResumedFindsItselfDownedAndExits() throws Exception {
        int p1 = ClusterHarness.freePort();
        NodeProcess n1 = harness.start("node1", p1, SECRET, p1);
        n1.awaitEvent("started", START);
        NodeProcess n2 = harness.start("node2", ClusterHarness.freePort(), SECRET, p1);
        NodeProcess n3 = harness.start("node3", ClusterHarness.freePort(), SECRET, p1);
        List<NodeProcess> nodes = List.of(n1, n2, n3);
        n2.awaitEvent("started", START);
        n3.awaitEvent("started", START);
        for (NodeProcess n : nodes) {
            ClusterHarness.awaitView(n, Set.of(n1.address, n2.address, n3.address), CONVERGE);
        }

        n3.signal("STOP");
        try {
            for (NodeProcess stays : List.of(n1, n2)) {
                String removed = stays.await(l -> l.startsWith("{\"event\":\"NodeRemoved\"")
                    && l.contains(n3.address), RESOLVED, "NodeRemoved of " + n3.address);
                assertThat(removed).contains("\"reason\":\"DOWNED\"");
            }
        } finally {
            n3.signal("CONT");
        }

        String downed = n3.awaitEvent("downed", RESOLVED);
        // Callers of the downed node's cluster API learn why; a new pool is refused.
        assertThat(downed).contains("\"awaitMembers\":\"dev.troupe.ClusterDownedException: this Troupe node ("
            + n3.address + ") was downed by the cluster")
            .contains("\"leave\":\"dev.troupe.ClusterDownedException: ")
            .doesNotContain("\"pool\":\"none\"");
        assertThat(downed).contains("this Troupe node (" + n3.address + ") was downed by the cluster");
        assertThat(n3.awaitExit(Duration.ofSeconds(30))).as("exit status; log:\n%s", n3.log())
            .isEqualTo(ClusterExit.DOWNED);
        assertThat(n3.log()).containsPattern("WARN .* this node " + n3.address.replace(".", "\\.")
            + " was downed by the cluster: ");
        // Its listeners heard of its own removal before its Troupe closed.
        assertThat(n3.lines).anyMatch(l -> l.startsWith("{\"event\":\"NodeRemoved\"")
            && ClusterHarness.members(l).get(0).address().equals(n3.address) && l.contains("\"DOWNED\""));
        for (NodeProcess stays : List.of(n1, n2)) {
            ClusterHarness.awaitView(stays, Set.of(n1.address, n2.address), CONVERGE);
        }
    }
}
