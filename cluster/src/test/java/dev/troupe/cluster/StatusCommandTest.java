package dev.troupe.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.troupe.cluster.ClusterHarness.NodeProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code troupe status} ({@link StatusCommand}) as a JVM of its own, against a cluster the test starts.
 */
class StatusCommandTest {
    private static final Duration START = Duration.ofSeconds(60);
    private static final Duration CONVERGE = Duration.ofSeconds(60);
    private static final Pattern JSON_MEMBER = Pattern.compile(
        "\\{\"id\":\"([^\"]+)\",\"address\":\"([^\"]+)\",\"status\":\"([A-Z_]+)\",\"labels\":\\[(.*)],"
            + "\"lends\":(\\d+),\"answered\":true,\"workers\":\\[(.*)],\"pools\":\\[(.*)]}");
    private static final Pattern JSON_WORKER = Pattern.compile(
        "\\{\"pid\":(\\d+),\"id\":\"w-\\d+\",\"role\":\"(\\w+)\",\"pool\":\"([^\"]+)\",\"peer\":([^,]+),"
            + "\"host\":null,\"state\":\"(?:READY|BUSY)\",\"cpuMillis\":(\\d+),\"rssBytes\":(\\d+)}");

    @TempDir
    Path dir;
    private ClusterHarness harness;
    private final List<CommandProcess> commands = new ArrayList<>();

    @BeforeEach
    void setUp() {
        harness = new ClusterHarness(dir);
    }

    @AfterEach
    void tearDown() {
        for (CommandProcess c : commands) {
            c.close();
        }
        harness.close();
    }

    private CommandProcess status(String name, String... args) throws IOException {
        CommandProcess c = CommandProcess.start(dir, name, StatusCommand.class, List.of(args));
        commands.add(c);
        return c;
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void statusPrintsTheMembersTheirWorkersAndPoolsAsTablesAndAsJsonLines() throws Exception {
        // The split-brain resolver waits long here, so that a paused member stays an unreachable member.
        List<String> options = List.of("--conf", "pekko.cluster.split-brain-resolver.stable-after=60s");
        int seedPort = ClusterHarness.freePort();
        NodeProcess seed = harness.start("seed", seedPort, NodeCommandTest.SECRET, options, seedPort);
        seed.awaitEvent("started", START);
        NodeProcess second = harness.start("second", ClusterHarness.freePort(), NodeCommandTest.SECRET, options,
            seedPort);
        second.awaitEvent("started", START);
        seed.await(l -> l.startsWith("{\"event\":\"NodeUp\"") && l.contains(second.address), CONVERGE,
            "NodeUp of " + second.address);
        // A pool of two busy workers on the seed: one the seed runs, one the second node lends it.
        seed.send("pool 2");
        List<Long> pids = new ArrayList<>();
        Matcher pool = Pattern.compile("\\[(\\d+),(\\d+)]").matcher(seed.awaitEvent("pool", START));
        assertThat(pool.find()).isTrue();
        pids.add(Long.parseLong(pool.group(1)));
        pids.add(Long.parseLong(pool.group(2)));
        long local = pids.stream().filter(p -> parentOf(p) == seed.process.pid()).findFirst().orElseThrow(
            () -> new AssertionError("no worker of " + pids + " is a child of the seed's JVM"));
        long lent = pids.stream().filter(p -> parentOf(p) == second.process.pid()).findFirst().orElseThrow(
            () -> new AssertionError("no worker of " + pids + " is a child of the second node's JVM"));
        seed.send("exec");
        Matcher exec = Pattern.compile("\"pid\":(\\d+)").matcher(seed.awaitEvent("exec", START));
        assertThat(exec.find()).isTrue();
        long sleeper = Long.parseLong(exec.group(1));
        String secret = NodeCommandTest.secretFile(dir).toString();

        CommandProcess table = status("status-table", "--seed", seed.address, "--secret-file", secret);
        assertThat(table.awaitExit(Duration.ofSeconds(60))).as("exit code\n%s", table.output()).isZero();
        List<List<String>> sections = sections(table.stdout());
        assertThat(sections).as(table.output()).hasSize(3);
        List<String> lines = sections.get(0);
        assertThat(lines).as(table.output()).hasSize(3);
        assertThat(lines.get(0).split(" +")).containsExactly("ID", "ADDRESS", "STATUS", "LABELS", "LENDS");
        for (String address : List.of(seed.address, second.address)) {
            assertThat(lines.subList(1, 3)).anySatisfy(l -> {
                String[] cells = l.split(" +");
                assertThat(cells).hasSize(5);
                assertThat(cells[0]).startsWith(address + "#");
                assertThat(cells).endsWith(address, "UP", "-", "1");
            });
        }
        List<String> workers = sections.get(1);
        assertThat(workers.get(0).split(" +")).containsExactly("NODE", "PID", "ROLE/POOL", "STATE", "CPU", "RSS");
        assertThat(workers).as(table.output()).hasSize(4);
        String[] execRow = row(workers, seed.address, sleeper);
        assertThat(execRow[2]).isEqualTo("exec");
        assertThat(megabytes(execRow[5])).isPositive();
        String[] seedWorker = row(workers, seed.address, local);
        assertThat(seedWorker[2]).matches("pool:pool-\\d+");
        String poolName = seedWorker[2].substring("pool:".length());
        assertThat(seedWorker[3]).isIn("READY", "BUSY");
        assertThat(seedWorker[4]).matches("\\d+\\.\\d\\ds");
        assertThat(megabytes(seedWorker[5])).isPositive();
        String[] lentWorker = row(workers, second.address, lent);
        assertThat(lentWorker[2]).isEqualTo("lent:" + poolName + "@" + seed.address);
        assertThat(lentWorker[3]).as("its state as the pool's node knows it").isIn("READY", "BUSY");
        assertThat(lentWorker[4]).matches("\\d+\\.\\d\\ds");
        assertThat(megabytes(lentWorker[5])).isPositive();
        List<String> pools = sections.get(2);
        assertThat(pools.get(0).split(" +")).containsExactly("NODE", "POOL", "PLACEMENT", "WORKERS", "LENT",
            "IN_FLIGHT");
        assertThat(pools).as(table.output()).hasSize(2);
        assertThat(pools.get(1).split(" +")).containsExactly(seed.address, poolName, "SPREAD", "2", "1", "2");
        // The observer was a member for a moment and left; it does not list itself. (The seed may never see it Up:
        // gossip can bring its Leaving before its Up. Its observer role is Troupe's own, not shown as a label.)
        String removed = seed.await(l -> l.startsWith("{\"event\":\"NodeRemoved\"") && !l.contains(seed.address)
            && !l.contains(second.address), CONVERGE, "NodeRemoved of the observer");
        assertThat(removed).contains("\"reason\":\"LEFT\"");
        String observer = ClusterHarness.members(removed).get(0).address();
        assertThat(String.join("\n", table.stdout())).doesNotContain(observer);

        CommandProcess json = status("status-json", "--seed", seed.address, "--secret-file", secret, "--json");
        assertThat(json.awaitExit(Duration.ofSeconds(60))).as("exit code\n%s", json.output()).isZero();
        List<String> addresses = new ArrayList<>();
        for (String line : json.stdout()) {
            Matcher m = JSON_MEMBER.matcher(line);
            assertThat(m.matches()).as("a JSON member line: %s", line).isTrue();
            assertThat(m.group(1)).startsWith(m.group(2) + "#");
            assertThat(m.group(3)).isEqualTo("UP");
            assertThat(m.group(4)).isEmpty();
            assertThat(m.group(5)).isEqualTo("1");
            addresses.add(m.group(2));
            boolean isSeed = m.group(2).equals(seed.address);
            String workerJson = m.group(6);
            if (isSeed) {
                // The executable's object (no object nests), then the one worker left.
                int from = workerJson.indexOf("{\"pid\":" + sleeper + ",");
                assertThat(from).as(workerJson).isNotNegative();
                String execJson = workerJson.substring(from, workerJson.indexOf('}', from) + 1);
                assertThat(execJson).startsWith("{\"pid\":" + sleeper + ",\"id\":\"x-1\",\"role\":\"exec\","
                    + "\"pool\":null,\"peer\":null,\"host\":null,\"state\":\"READY\"");
                workerJson = workerJson.replace("," + execJson, "").replace(execJson + ",", "");
            }
            Matcher w = JSON_WORKER.matcher(workerJson);
            assertThat(w.matches()).as("one worker: %s", workerJson).isTrue();
            assertThat(Long.parseLong(w.group(1))).isEqualTo(isSeed ? local : lent);
            assertThat(w.group(2)).isEqualTo(isSeed ? "worker" : "lent");
            assertThat(w.group(3)).isEqualTo(poolName);
            assertThat(Long.parseLong(w.group(6))).isPositive();
            assertThat(m.group(7)).isEqualTo(isSeed ? "{\"name\":\"" + poolName
                + "\",\"placement\":\"SPREAD\",\"workers\":2,\"lent\":1,\"inFlight\":2}" : "");
        }
        assertThat(addresses).containsExactlyInAnyOrder(seed.address, second.address);

        // A member that does not answer (paused) is listed as such within --timeout, and status still ends.
        second.signal("STOP");
        try {
            seed.await(l -> l.startsWith("{\"event\":\"NodeUnreachable\"") && l.contains(second.address),
                CONVERGE, "NodeUnreachable of the paused node");
            CommandProcess paused = status("status-paused", "--seed", seed.address, "--secret-file", secret,
                "--timeout", "2");
            paused.awaitLine(l -> l.startsWith("no processes of " + second.address), Duration.ofSeconds(60),
                "the paused member listed as not answering");
            assertThat(paused.stdout()).contains("no processes of " + second.address
                + " (UNREACHABLE): no answer within 2 s");
        } finally {
            second.signal("CONT");
        }
    }

    /** The output's parts between blank lines. */
    private static List<List<String>> sections(List<String> lines) {
        List<List<String>> out = new ArrayList<>();
        List<String> current = new ArrayList<>();
        for (String l : lines) {
            if (l.isBlank()) {
                out.add(current);
                current = new ArrayList<>();
            } else {
                current.add(l);
            }
        }
        out.add(current);
        return out;
    }

    /** The cells of the workers table's line of {@code pid} on {@code node}. */
    private static String[] row(List<String> workers, String node, long pid) {
        for (String l : workers) {
            String[] cells = l.split(" +");
            if (cells[0].equals(node) && cells[1].equals(Long.toString(pid))) {
                assertThat(cells).hasSize(6);
                return cells;
            }
        }
        throw new AssertionError("no worker " + pid + " of " + node + " in\n" + String.join("\n", workers));
    }

    private static double megabytes(String cell) {
        assertThat(cell).matches("\\d+\\.\\dMiB");
        return Double.parseDouble(cell.substring(0, cell.length() - 3));
    }

    /** The pid of a live process's parent. */
    private static long parentOf(long pid) {
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).flatMap(ProcessHandle::parent)
            .map(ProcessHandle::pid).orElse(-1L);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void statusWithoutSeedIsAUsageError() throws Exception {
        CommandProcess noSeed = status("no-seed", "--json");
        assertThat(noSeed.awaitExit(Duration.ofSeconds(30))).as("exit code\n%s", noSeed.output()).isEqualTo(2);
        assertThat(noSeed.stderr()).contains("--seed").contains("Usage: troupe status");

        CommandProcess help = status("help", "--help");
        assertThat(help.awaitExit(Duration.ofSeconds(30))).as("exit code\n%s", help.output()).isZero();
        assertThat(String.join("\n", help.stdout())).contains("Usage: troupe status").contains("short-lived member");
    }
}
