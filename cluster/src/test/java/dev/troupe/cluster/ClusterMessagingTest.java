package dev.troupe.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.troupe.cluster.ClusterHarness.NodeProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cluster-wide queues and topics across three real node JVMs on loopback, one cluster for all cases. Node 1 is the
 * oldest member, so it hosts the queues; nodes 2 and 3 reach it over Artery. The last case kills node 1.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ClusterMessagingTest {
    private static final String SECRET = "a-cluster-secret-for-messaging-0123456789";
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    static Path dir;
    private ClusterHarness harness;
    private List<NodeProcess> nodes;

    @BeforeAll
    void formCluster() throws Exception {
        harness = new ClusterHarness(dir);
        nodes = harness.formThree(SECRET, List.of("--workers", "1"));
    }

    @AfterAll
    void stopCluster() {
        if (harness != null) {
            harness.close();
        }
    }

    /**
     * The first line of this event the node wrote, whenever it came: the commands run on threads of their own, so
     * their reports may come in any order. A command that failed fails the test at once.
     */
    private static String event(NodeProcess node, String event) throws InterruptedException {
        return event(node, event, "");
    }

    /** The first line of this event that contains {@code text}. */
    private static String event(NodeProcess node, String event, String text) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        String prefix = "{\"event\":\"" + event + "\"";
        while (System.nanoTime() < deadline) {
            for (String line : node.lines) {
                if (line.startsWith(prefix) && line.contains(text)) {
                    return line;
                }
                if (line.matches("\\{\"event\":\"[a-z]+-failed\".*")) {
                    throw new AssertionError(node.name + ": " + line + "\nits log:\n" + node.log());
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError(node.name + " did not report " + event + " within " + WAIT.toSeconds() + " s; its"
            + " lines: " + node.lines + "\nits log:\n" + node.log());
    }

    @Test
    void aTopicDeliversEveryMessageFromPublishersOnTwoNodesToSubscribersOnThreeInPublisherOrder() throws Exception {
        int perPublisher = 2_000;
        int fromWorker = 200;
        int total = 2 * perPublisher + fromWorker;
        for (int i = 0; i < 3; i++) {
            nodes.get(i).send("tsub prices " + dir.resolve("sub" + i) + " " + total);
        }
        for (NodeProcess n : nodes) {
            event(n, "tsubscribed");
        }
        nodes.get(1).send("tpub prices A " + perPublisher);
        nodes.get(2).send("tpub prices B " + perPublisher);
        // A worker of a pool of node 1 publishes through a handle its task captured.
        nodes.get(0).send("ttask prices W " + fromWorker);
        event(nodes.get(1), "tpub-done");
        event(nodes.get(2), "tpub-done");
        event(nodes.get(0), "ttask-done");
        for (int i = 0; i < 3; i++) {
            String received = event(nodes.get(i), "treceived");
            assertThat(received).as("node %d", i + 1).contains("\"count\":" + total).contains("\"lost\":0");
            List<String> got = Files.readAllLines(dir.resolve("sub" + i), StandardCharsets.UTF_8);
            Map<String, Integer> next = new HashMap<>(Map.of("A", 0, "B", 0, "W", 0));
            for (String m : got) {
                String[] p = m.split("-");
                assertThat(Integer.parseInt(p[1])).as("node %d: the next message of publisher %s", i + 1, p[0])
                    .isEqualTo(next.get(p[0]));
                next.put(p[0], next.get(p[0]) + 1);
            }
            assertThat(next).containsExactlyInAnyOrderEntriesOf(Map.of("A", perPublisher, "B", perPublisher,
                "W", fromWorker));
        }
    }

    @Test
    void aQueueFedOnOneNodeIsDrainedOnTwoOthersWithEveryMessageTakenExactlyOnce() throws Exception {
        int fromNode = 3_000;
        int fromWorker = 300;
        // Consumers on node 1 (the host) and node 3; producers on node 2 and in a worker of a pool of node 2.
        nodes.get(0).send("qtake jobs " + dir.resolve("took1"));
        nodes.get(2).send("qtake jobs " + dir.resolve("took3"));
        nodes.get(1).send("qput jobs P " + fromNode);
        nodes.get(1).send("qtask jobs W " + fromWorker);
        event(nodes.get(1), "qput-done");
        event(nodes.get(1), "qtask-done");
        nodes.get(1).send("qput jobs END 2");
        int taken = 0;
        Set<String> all = new HashSet<>();
        List<String> duplicates = new ArrayList<>();
        for (int i : new int[] {0, 2}) {
            String done = event(nodes.get(i), "qtaken");
            List<String> got = Files.readAllLines(dir.resolve("took" + (i + 1)), StandardCharsets.UTF_8);
            assertThat(done).contains("\"count\":" + got.size());
            assertThat(got).as("node %d took some", i + 1).isNotEmpty();
            taken += got.size();
            for (String m : got) {
                if (!all.add(m)) {
                    duplicates.add(m);
                }
            }
        }
        assertThat(duplicates).isEmpty();
        assertThat(taken).isEqualTo(fromNode + fromWorker);
        for (int i = 0; i < fromNode; i++) {
            assertThat(all).contains("P-" + i);
        }
        for (int i = 0; i < fromWorker; i++) {
            assertThat(all).contains("W-" + i);
        }
    }

    @Test
    void badInputGetsAClearErrorAndChangesNothing() throws Exception {
        nodes.get(2).send("bad orders news");
        String bad = event(nodes.get(2), "bad");
        assertThat(bad).contains("\"queueWrongType\":\"java.lang.ClassCastException: cluster queue 'orders' carries"
            + " java.lang.String, not java.lang.Integer");
        assertThat(bad).contains("\"queueOversized\":\"java.lang.IllegalArgumentException: a message of")
            .contains("does not fit cluster queue 'orders': it takes at most 131072 bytes");
        assertThat(bad).contains("\"queueOtherType\":\"dev.troupe.TroupeException:")
            .contains("cluster queue 'orders' carries java.lang.String, not java.lang.Integer");
        assertThat(bad).contains("\"queueSize\":0");
        assertThat(bad).contains("\"topicWrongType\":\"java.lang.ClassCastException: cluster topic 'news' carries"
            + " java.lang.String, not java.lang.Integer");
        assertThat(bad).contains("\"topicOversized\":\"java.lang.IllegalArgumentException: a message of")
            .contains("does not fit cluster topic 'news'");
        assertThat(bad).contains("\"topicOtherType\":\"dev.troupe.TroupeException:")
            .contains("cluster topic 'news' carries java.lang.String, not java.lang.Integer");
    }

    @Test
    @Order(Integer.MAX_VALUE)
    void whenTheHostingMemberDiesItsQueuesAreLostWithAClearErrorAndTheNextOldestHostsThemAnew() throws Exception {
        NodeProcess host = nodes.get(0);
        NodeProcess next = nodes.get(1);
        next.send("qput survivors S 5");
        event(next, "qput-done", "\"prefix\":\"S\"");
        next.send("qsize survivors before");
        assertThat(event(next, "qsize", "\"tag\":\"before\"")).contains("\"result\":\"returned 5\"");
        host.signal("KILL");
        for (NodeProcess n : nodes.subList(1, 3)) {
            n.await(l -> l.startsWith("{\"event\":\"NodeRemoved\"") && l.contains(host.address), WAIT,
                "the removal of the killed host");
        }
        next.send("qsize survivors after");
        assertThat(event(next, "qsize", "\"tag\":\"after\"")).contains("dev.troupe.TroupeException")
            .contains("cluster queue 'survivors' is not open at its host").contains("the messages it held were lost");
        next.send("qopen survivors");
        assertThat(event(next, "qopen")).contains("\"size\":0");
        next.send("qsize survivors reopened");
        assertThat(event(next, "qsize", "\"tag\":\"reopened\"")).contains("\"result\":\"returned 0\"");
    }
}
