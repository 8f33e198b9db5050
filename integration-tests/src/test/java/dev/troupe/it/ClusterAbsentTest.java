package dev.troupe.it;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import dev.troupe.Troupe;
import dev.troupe.TroupeException;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Without {@code troupe-cluster} on the class path a node is as before, and asking for the cluster names the
 * artifact to add.
 */
class ClusterAbsentTest {

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void clusterOfANodeWithoutTheModuleNamesTheArtifact() {
        try (Troupe troupe = Troupe.local(ConfigFactory.parseMap(Map.of("troupe.transport", "pipe")))) {
            assertThatThrownBy(troupe::cluster).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("dev.troupe:troupe-cluster").hasMessageContaining("troupe.cluster.seed-nodes");
        }
    }

    @Test
    void clusterFactoryWithoutTheModuleFailsNamingTheArtifact() {
        assertThatThrownBy(() -> Troupe.cluster(ConfigFactory.empty())).isInstanceOf(TroupeException.class)
            .hasMessageContaining("dev.troupe:troupe-cluster");
    }
}
