package dev.troupe.spi.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProcessConfigTest {

    @Test
    void shouldRoundTripInheritedSettings() {
        Map<String, String> settings = Map.of("troupe.shared.directory", "/tmp/a b=c", "troupe.shm.no-futex", "on");
        assertThat(ProcessConfig.decode(ProcessConfig.encode(settings))).isEqualTo(settings);
        assertThat(ProcessConfig.decode(null)).isEmpty();
    }

    @Test
    void shouldRefuseLineBreaks() {
        assertThatThrownBy(() -> ProcessConfig.encode(Map.of("troupe.x", "a\nb")))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("troupe.x");
    }

    @Test
    void shouldLayerSystemPropertiesOverInheritedOverApplicationConfig() {
        String key = "troupe.process-config-test.value";
        String other = "troupe.process-config-test.other";
        Config inherited = ProcessConfig.load(ProcessConfig.encode(Map.of(key, "from-node", other, "2s")));
        assertThat(inherited.getString(key)).isEqualTo("from-node");
        assertThat(inherited.getDuration(other).toMillis()).isEqualTo(2000);
        // Core's reference.conf is there underneath.
        assertThat(inherited.getBytes("troupe.max-pending-write")).isEqualTo(4L * 1024 * 1024);
        System.setProperty(key, "from-property");
        try {
            assertThat(ProcessConfig.load(ProcessConfig.encode(Map.of(key, "from-node"))).getString(key))
                .isEqualTo("from-property");
        } finally {
            System.clearProperty(key);
        }
    }
}
