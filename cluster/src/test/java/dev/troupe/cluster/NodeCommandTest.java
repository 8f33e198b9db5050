package dev.troupe.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.troupe.cluster.ClusterHarness.Member;
import dev.troupe.cluster.ClusterHarness.NodeProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code troupe node} ({@link NodeCommand}) as a JVM of its own, against seed nodes the test starts.
 */
class NodeCommandTest {
    static final String SECRET = "a-cluster-secret-for-tests-0123456789";
    private static final Duration START = Duration.ofSeconds(60);
    private static final Duration CONVERGE = Duration.ofSeconds(60);

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

    /** An owner-only file holding the test cluster's secret. */
    static Path secretFile(Path dir) throws IOException {
        Path file = dir.resolve("secret");
        Files.writeString(file, SECRET + "\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    private CommandProcess node(String name, String... args) throws IOException {
        CommandProcess c = CommandProcess.start(dir, name, NodeCommand.class, List.of(args));
        commands.add(c);
        return c;
    }

    private NodeProcess seed() throws IOException, InterruptedException {
        int port = ClusterHarness.freePort();
        NodeProcess seed = harness.start("seed", port, SECRET, port);
        seed.awaitEvent("started", START);
        return seed;
    }

    /** The port of a node's {@code host:port}. */
    static int port(NodeProcess node) {
        return Integer.parseInt(node.address.substring(node.address.lastIndexOf(':') + 1));
    }

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void nodeJoinsTheSeedAndOnSigtermLeavesAsLeftAndExitsZero() throws Exception {
        NodeProcess seed = seed();
        String address = ClusterHarness.HOST + ":" + ClusterHarness.freePort();
        CommandProcess node = node("node", "--bind", address, "--seed", seed.address,
            "--secret-file", secretFile(dir).toString(), "--workers", "1", "--label", "cli");

        String member = node.awaitLine(l -> l.contains("is a member of the cluster"), START, "its member line");
        assertThat(member).contains(address).contains(seed.address).contains("labels cli").contains("lends 1 workers");
        String up = seed.await(l -> l.startsWith("{\"event\":\"NodeUp\"") && l.contains(address), CONVERGE,
            "NodeUp of " + address);
        assertThat(up).contains("\"labels\":[\"cli\"]");
        assertThat(seed.nodes()).extracting(Member::address, Member::status)
            .containsExactlyInAnyOrder(tuple(seed.address, "UP"), tuple(address, "UP"));

        node.process.destroy();  // SIGTERM

        assertThat(node.awaitExit(Duration.ofSeconds(60))).as("exit code\n%s", node.output()).isZero();
        assertThat(node.stdout()).as(node.output()).anyMatch(l -> l.contains("left the cluster"));
        String removed = seed.await(l -> l.startsWith("{\"event\":\"NodeRemoved\"") && l.contains(address), CONVERGE,
            "NodeRemoved of " + address);
        assertThat(removed).contains("\"reason\":\"LEFT\"");
    }

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void nodeDownedByTheClusterExitsWithTheDownedCode() throws Exception {
        NodeProcess seed = seed();
        NodeProcess second = harness.start("second", ClusterHarness.freePort(), SECRET, port(seed));
        second.awaitEvent("started", START);
        String address = ClusterHarness.HOST + ":" + ClusterHarness.freePort();
        CommandProcess node = node("node", "--bind", address, "--seed", seed.address,
            "--secret-file", secretFile(dir).toString());
        node.awaitLine(l -> l.contains("is a member of the cluster"), START, "its member line");
        seed.await(l -> l.startsWith("{\"event\":\"NodeUp\"") && l.contains(address), CONVERGE, "NodeUp of " + address);

        // Frozen, the node is unreachable; the majority (seed and second) downs and removes it.
        node.signal("STOP");
        try {
            String removed = seed.await(l -> l.startsWith("{\"event\":\"NodeRemoved\"") && l.contains(address),
                CONVERGE, "NodeRemoved of " + address);
            assertThat(removed).contains("\"reason\":\"DOWNED\"");
        } finally {
            node.signal("CONT");
        }

        assertThat(node.awaitExit(Duration.ofSeconds(60))).as("exit code\n%s", node.output())
            .isEqualTo(NodeCommand.EXIT_DOWNED);
        assertThat(node.stderr()).contains("the cluster downed this node");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void nodeThatCannotJoinPrintsWhyAndExitsOne() throws Exception {
        Path config = dir.resolve("short-join.conf");
        Files.writeString(config, "troupe.cluster.join-timeout = 2s\n", StandardCharsets.UTF_8);
        String nobody = ClusterHarness.HOST + ":" + ClusterHarness.freePort();
        CommandProcess node = node("node", "--bind", ClusterHarness.HOST + ":0", "--seed", nobody,
            "--secret-file", secretFile(dir).toString(), "--config", config.toString());

        assertThat(node.awaitExit(Duration.ofSeconds(45))).as("exit code\n%s", node.output()).isEqualTo(1);
        assertThat(node.stderr()).contains("troupe node: ").contains("could not join the cluster").contains(nobody);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void badFlagsGiveUsageOnStderrAndExitTwo() throws Exception {
        CommandProcess unknown = node("unknown", "--no-such-flag");
        assertThat(unknown.awaitExit(Duration.ofSeconds(30))).as("exit code\n%s", unknown.output()).isEqualTo(2);
        assertThat(unknown.stderr()).contains("Unknown option: '--no-such-flag'").contains("Usage: troupe node");
        assertThat(unknown.stdout()).isEmpty();

        CommandProcess badSeed = node("bad-seed", "--seed", "no-port-here");
        assertThat(badSeed.awaitExit(Duration.ofSeconds(30))).as("exit code\n%s", badSeed.output()).isEqualTo(2);
        assertThat(badSeed.stderr()).contains("--seed").contains("'no-port-here' is not HOST:PORT");

        CommandProcess badWorkers = node("bad-workers", "--workers", "-1");
        assertThat(badWorkers.awaitExit(Duration.ofSeconds(30))).as("exit code\n%s", badWorkers.output())
            .isEqualTo(2);
        assertThat(badWorkers.stderr()).contains("--workers must be 0 or more");

        CommandProcess help = node("help", "--help");
        assertThat(help.awaitExit(Duration.ofSeconds(30))).as("exit code\n%s", help.output()).isZero();
        assertThat(String.join("\n", help.stdout())).contains("Usage: troupe node").contains("--secret-file")
            .contains("Exit codes").contains("75");
    }
}
