package dev.troupe.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The namespace network itself: a cut silences a node both ways and leaves the others connected, a heal restores
 * it, and nothing is left behind, not even by a run that was killed.
 */
@Tag("netns")
class NetnsNetworkTest {

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aCutSilencesTheNodeBothWaysAndAHealRestoresIt() throws Exception {
        try (NetnsNetwork net = NetnsTests.networkOrSkip(3)) {
            assertThat(net.reaches(1, 3, 5)).as("1 reaches 3").isTrue();
            assertThat(net.reaches(3, 2, 5)).as("3 reaches 2").isTrue();
            net.cut(3);
            assertThat(net.reaches(1, 3, 2)).as("1 reaches 3 once cut").isFalse();
            assertThat(net.reaches(3, 1, 2)).as("3 reaches 1 once cut").isFalse();
            assertThat(net.reaches(1, 2, 5)).as("1 reaches 2 while 3 is cut").isTrue();
            net.heal(3);
            boolean healed = false;
            for (int i = 0; i < 10 && !healed; i++) {
                healed = net.reaches(1, 3, 2);
            }
            assertThat(healed).as("1 reaches 3 after the heal").isTrue();
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void closeDeletesTheNamespacesAndANewNetworkDeletesThoseOfAKilledRun() throws Exception {
        // A run whose JVM is gone: the pid of a process that has exited.
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor(10, TimeUnit.SECONDS);
        String leftover = NetnsNetwork.PREFIX + Long.toString(gone.pid(), 36) + "_1-hub";
        String[] names;
        try (NetnsNetwork net = NetnsTests.networkOrSkip(2)) {
            new ProcessBuilder("ip", "netns", "add", leftover).inheritIO().start().waitFor(10, TimeUnit.SECONDS);
            assertThat(namespaces()).contains(leftover);
            assertThat(NetnsNetwork.stale()).contains(leftover).doesNotContain(net.namespace(1));
            names = new String[] {net.namespace(1), net.namespace(2)};
            try (NetnsNetwork second = NetnsNetwork.create(1)) {
                assertThat(namespaces()).doesNotContain(leftover).contains(names).contains(second.namespace(1));
            }
        }
        assertThat(namespaces()).doesNotContain(names);
    }

    private static List<String> namespaces() throws Exception {
        Process p = new ProcessBuilder("ip", "netns", "list").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor(10, TimeUnit.SECONDS);
        return out.lines().map(l -> l.trim().split("\\s+")[0]).toList();
    }
}
