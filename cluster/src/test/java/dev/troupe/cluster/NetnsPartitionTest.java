package dev.troupe.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.troupe.cluster.ClusterHarness.NodeProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Network partitions between node JVMs that each run in a network namespace of their own, with their own address
 * ({@link NetnsNetwork}): a real cut of the link, not a simulated one. Skipped, with the reason, where namespaces
 * cannot be made (not root, no {@code ip}).
 */
@Tag("netns")
class NetnsPartitionTest {
    private static final String SECRET = "a-cluster-secret-for-tests-0123456789";
    private static final int PORT = 25520;
    private static final Duration START = Duration.ofSeconds(60);
    private static final Duration CONVERGE = Duration.ofSeconds(60);
    /** Detection (about 3 s), the resolver's stable-after (2 s) and removal, with room for a slow machine. */
    private static final Duration RESOLVED = Duration.ofSeconds(45);

    @TempDir
    Path logs;
    private ClusterHarness harness;
    private NetnsNetwork net;

    @BeforeEach
    void setUp() {
        harness = new ClusterHarness(logs);
    }

    @AfterEach
    void tearDown() {
        // The JVMs first: a namespace with processes in it lingers after its name is deleted.
        harness.close();
        if (net != null) {
            net.close();
        }
    }

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void aNodeCutOffIsDownedByTheOthersAndDownsItselfStoppingItsWorkersAndExiting() throws Exception {
        net = NetnsTests.networkOrSkip(3);
        List<NodeProcess> nodes = form(3);
        NodeProcess cutOff = nodes.get(2);
        cutOff.send("pool");
        long worker = Long.parseLong(cutOff.awaitEvent("pool", START).replaceAll(".*\"workers\":\\[(\\d+)].*", "$1"));
        assertThat(ProcessHandle.of(worker).map(ProcessHandle::isAlive)).as("the pool's worker runs").hasValue(true);

        net.cut(3);

        for (NodeProcess stays : nodes.subList(0, 2)) {
            String removed = stays.await(l -> l.startsWith("{\"event\":\"NodeRemoved\"")
                && l.contains(cutOff.address), RESOLVED, "NodeRemoved of " + cutOff.address);
            assertThat(removed).contains("\"reason\":\"DOWNED\"");
        }
        // The cut-off side is a minority of one: its own split-brain resolver downs it.
        String downed = cutOff.awaitEvent("downed", RESOLVED);
        // Callers of the downed node's cluster API learn why; a new pool is refused.
        assertThat(downed).contains("\"awaitMembers\":\"dev.troupe.ClusterDownedException: this Troupe node ("
            + cutOff.address + ") was downed by the cluster")
            .contains("\"leave\":\"dev.troupe.ClusterDownedException: ")
            .doesNotContain("\"pool\":\"none\"");
        assertThat(downed).contains("was downed by the cluster").contains("could not reach 2 of 3 members")
            .contains(nodes.get(0).address).contains(nodes.get(1).address).contains("keep-majority")
            .contains("\"processes\":0");
        assertThat(cutOff.awaitExit(Duration.ofSeconds(30))).as("exit status; log:\n%s", cutOff.log())
            .isEqualTo(ClusterExit.DOWNED);
        // The task its pool was running failed rather than leaving its caller waiting, and the worker is gone.
        assertThat(cutOff.lines).anyMatch(l -> l.startsWith("{\"event\":\"task-failed\""));
        assertThat(ProcessHandle.of(worker).map(ProcessHandle::isAlive).orElse(false)).as("worker alive").isFalse();
        assertThat(cutOff.lines).anyMatch(l -> l.startsWith("{\"event\":\"NodeRemoved\"")
            && ClusterHarness.members(l).get(0).address().equals(cutOff.address) && l.contains("\"DOWNED\""));
        assertThat(cutOff.log()).containsPattern("WARN .* this node " + cutOff.address.replace(".", "\\.")
            + " was downed by the cluster: it was marked down while it could not reach 2 of 3 members");
        // It reported no removal of the others: they were not removed from the cluster, it was.
        assertThat(cutOff.lines).noneMatch(l -> l.startsWith("{\"event\":\"NodeRemoved\"")
            && !l.contains(cutOff.address));

        Set<String> majority = Set.of(nodes.get(0).address, nodes.get(1).address);
        for (NodeProcess stays : nodes.subList(0, 2)) {
            ClusterHarness.awaitView(stays, majority, CONVERGE);
            assertThat(stays.process.isAlive()).isTrue();
        }
    }

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void anEvenSplitOfTwoNodesKeepsTheNodeWithTheLowestAddressAndDownsTheOther() throws Exception {
        net = NetnsTests.networkOrSkip(2);
        List<NodeProcess> nodes = form(2);
        for (NodeProcess n : nodes) {
            awaitLog(n, "a Troupe cluster of 2 nodes cannot survive the loss of either");
        }
        // Pekko's keep-majority: of two equal halves, the one with the member of the lowest address (host, then
        // port) stays; the other downs itself. Not both, as one might fear, and not neither.
        NodeProcess lowest = ClusterHarness.lowestAddress(nodes);
        NodeProcess other = lowest == nodes.get(0) ? nodes.get(1) : nodes.get(0);

        net.cut(2);

        String removed = lowest.await(l -> l.startsWith("{\"event\":\"NodeRemoved\"") && l.contains(other.address),
            RESOLVED, "NodeRemoved of " + other.address);
        assertThat(removed).contains("\"reason\":\"DOWNED\"");
        String downed = other.awaitEvent("downed", RESOLVED);
        assertThat(downed).contains("could not reach 1 of 2 members (" + lowest.address + ")")
            .contains("of two equal sides, the side without the member with the lowest address");
        assertThat(other.awaitExit(Duration.ofSeconds(30))).as("exit status; log:\n%s", other.log())
            .isEqualTo(ClusterExit.DOWNED);
        ClusterHarness.awaitView(lowest, Set.of(lowest.address), CONVERGE);
        assertThat(lowest.process.isAlive()).as("the kept node runs on").isTrue();
        assertThat(lowest.lines).noneMatch(l -> l.startsWith("{\"event\":\"downed\""));
    }

    /** Starts node 1 (the seed), then the others, each in its namespace, and waits until all list all Up. */
    private List<NodeProcess> form(int size) throws Exception {
        List<NodeProcess> nodes = new ArrayList<>();
        String seed = net.host(1) + ":" + PORT;
        for (int i = 1; i <= size; i++) {
            nodes.add(harness.start("node" + i, net.exec(i), net.host(i) + ":" + PORT, SECRET, List.of(seed),
                List.of("--insecure", "on")));
            if (i == 1) {
                nodes.get(0).awaitEvent("started", START);
            }
        }
        Set<String> addresses = new HashSet<>();
        for (NodeProcess n : nodes) {
            if (n != nodes.get(0)) {
                n.awaitEvent("started", START);
            }
            addresses.add(n.address);
        }
        for (NodeProcess n : nodes) {
            ClusterHarness.awaitView(n, addresses, CONVERGE);
        }
        return nodes;
    }

    private static void awaitLog(NodeProcess node, String text) throws InterruptedException {
        long deadline = System.nanoTime() + CONVERGE.toNanos();
        while (!node.log().contains(text)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(node.name + " never logged '" + text + "'; its log:\n" + node.log());
            }
            Thread.sleep(200);
        }
    }
}
