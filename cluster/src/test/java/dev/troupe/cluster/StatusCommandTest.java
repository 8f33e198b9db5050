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
            + "\"lends\":(\\d+)}");

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
    void statusPrintsTheMembersOfARunningTwoNodeClusterAsATableAndAsJsonLines() throws Exception {
        int seedPort = ClusterHarness.freePort();
        NodeProcess seed = harness.start("seed", seedPort, NodeCommandTest.SECRET, seedPort);
        seed.awaitEvent("started", START);
        NodeProcess second = harness.start("second", ClusterHarness.freePort(), NodeCommandTest.SECRET,
            seedPort);
        second.awaitEvent("started", START);
        seed.await(l -> l.startsWith("{\"event\":\"NodeUp\"") && l.contains(second.address), CONVERGE,
            "NodeUp of " + second.address);
        String secret = NodeCommandTest.secretFile(dir).toString();

        CommandProcess table = status("status-table", "--seed", seed.address, "--secret-file", secret);
        assertThat(table.awaitExit(Duration.ofSeconds(60))).as("exit code\n%s", table.output()).isZero();
        List<String> lines = table.stdout();
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
        // The observer was a member for a moment and left; it does not list itself. (The seed may never see it Up:
        // gossip can bring its Leaving before its Up. Its observer role is Troupe's own, not shown as a label.)
        String removed = seed.await(l -> l.startsWith("{\"event\":\"NodeRemoved\"") && !l.contains(seed.address)
            && !l.contains(second.address), CONVERGE, "NodeRemoved of the observer");
        assertThat(removed).contains("\"reason\":\"LEFT\"");
        String observer = ClusterHarness.members(removed).get(0).address();
        assertThat(String.join("\n", lines)).doesNotContain(observer);

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
        }
        assertThat(addresses).containsExactlyInAnyOrder(seed.address, second.address);
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
