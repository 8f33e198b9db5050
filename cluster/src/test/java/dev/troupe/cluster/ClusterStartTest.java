package dev.troupe.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.troupe.ClusterJoinException;
import dev.troupe.Troupe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Starting a node in this JVM: without seed nodes nothing is clustered; with unreachable seeds the start fails in
 * bounded time.
 */
class ClusterStartTest {

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aNodeWithoutSeedNodesIsNotClusteredAndSaysHowToCluster() {
        try (Troupe troupe = Troupe.local(ConfigFactory.parseMap(Map.of("troupe.transport", "pipe")))) {
            assertThatThrownBy(troupe::cluster).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("troupe.cluster.seed-nodes").hasMessageContaining("Troupe.cluster(config)");
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void startFailsNamingTheSeedsWhenNoSeedAnswers() throws Exception {
        int seed = ClusterHarness.freePort();
        int bind = ClusterHarness.freePort();
        Config config = ConfigFactory.parseMap(Map.of(
                "troupe.cluster.seed-nodes", List.of("127.0.0.1:" + seed),
                "troupe.cluster.bind", "127.0.0.1:" + bind,
                "troupe.cluster.secret-file", secretFile().toString(),
                "troupe.cluster.join-timeout", "3s"))
            .withFallback(ConfigFactory.parseResources("cluster-test.conf"));
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> Troupe.local(config)).isInstanceOf(ClusterJoinException.class)
            .hasMessageContaining("127.0.0.1:" + seed).hasMessageContaining("could not join")
            .hasMessageContaining("unreachable");
        // Bounded: the join time-out (3 s), not a hang.
        assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0)).isLessThan(40);
    }

    private Path secretFile() throws Exception {
        Path f = dir.resolve("secret");
        Files.writeString(f, "in-process-cluster-secret-0123456789");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        return f;
    }
}
