package dev.troupe.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.troupe.cluster.ClusterHarness.NodeProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pool that spans nodes, across real node JVMs on loopback: every node's workers take part, and the loss of a
 * lending node or of the pool's own node loses no result and leaves no process behind.
 */
class ClusterPoolTest {
    private static final String SECRET = "a-cluster-secret-for-pool-tests-0123456789";
    private static final List<String> ONE_WORKER_EACH = List.of("--workers", "1");
    private static final Duration MAP = Duration.ofSeconds(120);
    private static final Pattern PARENT = Pattern.compile("\"(\\d+)\":(\\d+)");

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
    void aSpreadPoolRunsOnEveryNodesWorkersAndKeepsInputOrder() throws Exception {
        List<NodeProcess> nodes = harness.formThree(SECRET, ONE_WORKER_EACH);
        NodeProcess origin = nodes.get(0);
        origin.send("map 600 3 2 10");
        String mapped = origin.awaitEvent("mapped", MAP);
        assertThat(mapped).as("log:\n%s", origin.log()).contains("\"count\":600").contains("\"correct\":true");
        Map<Long, Integer> byNode = resultsByParent(mapped);
        for (NodeProcess n : nodes) {
            assertThat(byNode).as("results by node JVM pid; %s is pid %d; its log:\n%s\norigin log:\n%s", n.name,
                    pid(n),
                    n.log(), origin.log())
                .containsKey(pid(n));
        }
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void aLenderKilledMidMapLosesNoResultAndTheMapKeepsItsOrder() throws Exception {
        List<NodeProcess> nodes = harness.formThree(SECRET, ONE_WORKER_EACH);
        NodeProcess origin = nodes.get(0);
        NodeProcess lender = nodes.get(2);
        origin.send("map 400 3 20 5");
        origin.awaitEvent("mapping", MAP);
        List<ProcessHandle> lent = lender.process.descendants().toList();
        assertThat(lent).as("node3 runs a worker for node1's pool").isNotEmpty();
        lent.forEach(ProcessHandle::destroyForcibly);
        lender.process.destroyForcibly();
        String mapped = origin.awaitEvent("mapped", MAP);
        assertThat(mapped).as("log:\n%s", origin.log()).contains("\"count\":400").contains("\"correct\":true");
        assertThat(origin.log()).contains("was lost with its node");
        assertThat(removal(origin, lender)).contains("\"reason\":\"DOWNED\"");
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void aLenderLeavingMidMapFinishesItsTasksAndNoTaskRunsTwice(@TempDir Path runs) throws Exception {
        List<NodeProcess> nodes = harness.formThree(SECRET, ONE_WORKER_EACH);
        NodeProcess origin = nodes.get(0);
        NodeProcess leaver = nodes.get(2);
        origin.send("map 400 3 20 5 " + runs);
        origin.awaitEvent("mapping", MAP);
        leaver.send("leave");
        assertThat(leaver.awaitEvent("left", MAP)).contains("\"ok\":true");
        String mapped = origin.awaitEvent("mapped", MAP);
        assertThat(mapped).as("a task ran twice or failed; log:\n%s\nleaver's log:\n%s", origin.log(), leaver.log())
            .contains("\"count\":400").contains("\"correct\":true");
        assertThat(resultsByParent(mapped)).as("node3 did some of the work before it left").containsKey(pid(leaver));
        assertThat(origin.log()).doesNotContain("was lost with its node");
        assertThat(leaver.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(leaver.process.exitValue()).isZero();
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void aLenderFrozenMidMapIsDownedAndTheMapCompletes() throws Exception {
        List<NodeProcess> nodes = harness.formThree(SECRET, ONE_WORKER_EACH);
        NodeProcess origin = nodes.get(0);
        NodeProcess frozen = nodes.get(2);
        origin.send("map 400 3 20 5");
        origin.awaitEvent("mapping", MAP);
        List<Long> group = new java.util.ArrayList<>(frozen.process.descendants().map(ProcessHandle::pid).toList());
        group.add(frozen.process.pid());
        signal("STOP", group);
        try {
            String mapped = origin.awaitEvent("mapped", MAP);
            assertThat(mapped).as("log:\n%s", origin.log()).contains("\"count\":400").contains("\"correct\":true");
            assertThat(removal(origin, frozen)).contains("\"reason\":\"DOWNED\"");
        } finally {
            signal("CONT", group);
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aLenderPausedMidMapGetsNoNewTasksWhileUnreachableAndAgainOnceReachable(@TempDir Path starts)
        throws Exception {
        // The split-brain resolver takes its time, as in production (where it takes longer still), so the lender is
        // unreachable but still a member for a while, and is resumed within that while.
        List<String> options = List.of("--workers", "1", "--conf",
            "pekko.cluster.split-brain-resolver.stable-after=8s");
        List<NodeProcess> nodes = harness.formThree(SECRET, options);
        NodeProcess origin = nodes.get(0);
        NodeProcess paused = nodes.get(2);
        // One chunk in flight per worker (window 1), so a chunk that starts on a worker was given to it just before.
        origin.send("map 900 3 40 1 starts=" + starts + " window=1");
        origin.awaitEvent("mapping", MAP);
        // The node JVM only: its worker keeps running, and its TCP link to the pool's node stays up.
        paused.signal("STOP");
        long markedAt;
        try {
            markedAt = at(origin.await(l -> l.startsWith("{\"event\":\"NodeUnreachable\"")
                && l.contains(paused.address), ClusterHarness.CONVERGE, "NodeUnreachable of the paused node"));
            Thread.sleep(1000);
        } finally {
            paused.signal("CONT");
        }
        long reachableAt = at(origin.await(l -> l.startsWith("{\"event\":\"NodeReachable\"")
            && l.contains(paused.address), ClusterHarness.CONVERGE, "NodeReachable of the resumed node"));
        String mapped = origin.awaitEvent("mapped", MAP);
        assertThat(mapped).as("log:\n%s", origin.log()).contains("\"count\":900").contains("\"correct\":true");
        Path file = starts.resolve(Long.toString(pid(paused)));
        assertThat(file).as("the paused node's worker ran tasks").exists();
        List<Long> times = Files.readAllLines(file).stream().map(Long::parseLong).toList();
        assertThat(times).as("tasks started there before it was marked unreachable").anyMatch(t -> t < markedAt);
        // A little slack for the mark to reach the pool (it is published after the pool is told).
        assertThat(times.stream().filter(t -> t > markedAt + 100 && t < reachableAt).toList())
            .as("tasks started on the paused node's worker while it was unreachable (%d to %d); origin log:\n%s",
                markedAt, reachableAt, origin.log())
            .isEmpty();
        assertThat(times).as("tasks started there again once it was reachable; origin log:\n%s", origin.log())
            .anyMatch(t -> t > reachableAt);
        assertThat(origin.log()).contains("gets no new tasks while its node").contains("takes tasks again");
        assertThat(origin.lines).noneMatch(l -> l.startsWith("{\"event\":\"NodeRemoved\""));
    }

    /** When a node saw an event: its {@code at} field. */
    private static long at(String event) {
        Matcher m = Pattern.compile("\"at\":(\\d+)").matcher(event);
        assertThat(m.find()).as(event).isTrue();
        return Long.parseLong(m.group(1));
    }

    /** The line where {@code observer} reported the removal of {@code gone}, seen already or awaited. */
    private static String removal(NodeProcess observer, NodeProcess gone) throws InterruptedException {
        java.util.function.Predicate<String> removed = l -> l.startsWith("{\"event\":\"NodeRemoved\"")
            && l.contains(gone.address);
        java.util.Optional<String> seen = observer.lines.stream().filter(removed).findFirst();
        return seen.isPresent() ? seen.get()
            : observer.await(removed, ClusterHarness.CONVERGE, "NodeRemoved of " + gone.address);
    }

    private static void signal(String name, List<Long> pids) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("kill", "-" + name));
        pids.forEach(p -> cmd.add(Long.toString(p)));
        new ProcessBuilder(cmd).inheritIO().start().waitFor(10, TimeUnit.SECONDS);
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void whenThePoolsNodeDiesTheWorkersOtherNodesLentItGoToo() throws Exception {
        List<NodeProcess> nodes = harness.formThree(SECRET, ONE_WORKER_EACH);
        NodeProcess origin = nodes.get(0);
        origin.send("map 4000 3 50 1");
        origin.awaitEvent("mapping", MAP);
        for (NodeProcess lender : nodes.subList(1, 3)) {
            assertThat(lender.process.descendants().toList()).as("%s lends a worker", lender.name).isNotEmpty();
        }
        origin.process.destroyForcibly();
        for (NodeProcess lender : nodes.subList(1, 3)) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (lender.process.descendants().findAny().isPresent() && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(lender.process.descendants().map(ProcessHandle::pid).toList())
                .as("processes left on %s after the pool's node died; log:\n%s", lender.name, lender.log())
                .isEmpty();
            assertThat(lender.process.isAlive()).as("%s keeps serving", lender.name).isTrue();
        }
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void aProcessSpawnedOnAChosenNodeRunsThereAndItsHandleWorksAsALocalOne() throws Exception {
        int p1 = ClusterHarness.freePort();
        NodeProcess origin = harness.start("node1", p1, SECRET, ONE_WORKER_EACH, p1);
        origin.awaitEvent("started", ClusterHarness.START);
        int p2 = ClusterHarness.freePort();
        NodeProcess big = harness.start("node2", p2, SECRET, List.of("--workers", "1", "--label", "big"), p1);
        big.awaitEvent("started", ClusterHarness.START);
        ClusterHarness.awaitView(origin, java.util.Set.of(origin.address, big.address), ClusterHarness.CONVERGE);

        origin.send("spawn big 1 wait");
        String spawned = origin.awaitEvent("spawned", MAP);
        long pid = Long.parseLong(spawned.replaceAll(".*\"pid\":(\\d+).*", "$1"));
        assertThat(big.process.descendants().map(ProcessHandle::pid).toList()).as("node2 runs it").contains(pid);
        String done = origin.awaitEvent("spawn-done", MAP);
        // The task ran in that process, whose parent is node2's JVM; it exited 0 when done.
        assertThat(done).as("log:\n%s", origin.log()).contains("\"outcome\":\"" + pid + ":" + pid(big) + "\"")
            .contains("\"ended\":true").contains("\"exitCode\":0");

        origin.send("spawn big 600 kill");
        origin.awaitEvent("spawned", MAP);
        String killed = origin.awaitEvent("spawn-done", MAP);
        assertThat(killed).as("log:\n%s", origin.log()).contains("\"ended\":true").contains("\"exitCode\":-9")
            .contains("WorkerCrashedException");
    }

    /** The node's JVM: the parent of the workers it starts. */
    private static long pid(NodeProcess n) {
        return n.process.pid();
    }

    private static Map<Long, Integer> resultsByParent(String mapped) {
        Map<Long, Integer> out = new TreeMap<>();
        Matcher m = PARENT.matcher(mapped.substring(mapped.indexOf("\"parents\"")));
        while (m.find()) {
            out.put(Long.parseLong(m.group(1)), Integer.parseInt(m.group(2)));
        }
        return out;
    }
}
