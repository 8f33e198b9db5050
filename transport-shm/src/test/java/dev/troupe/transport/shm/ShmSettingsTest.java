package dev.troupe.transport.shm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ShmSettingsTest {

    @Test
    void shouldReadEveryKeyFromTheOptions() {
        ShmSettings s = ShmSettings.of(Map.of("ring-bytes", "256KiB", "spin-micros", "5", "yield-micros", "0",
            "stale-after", "1500ms"));
        assertThat(s).isEqualTo(new ShmSettings(256 * 1024, 5_000, 0, TimeUnit.MILLISECONDS.toNanos(1500)));
        assertThat(ShmSettings.noFutex(Map.of("no-futex", "on"))).isTrue();
        assertThat(ShmSettings.noFutex(Map.of())).isFalse();
    }

    @Test
    void shouldMatchThisModulesReferenceConfWhenNoOptionIsGiven() {
        Config reference = ConfigFactory.parseResources(ShmSettings.class.getClassLoader(), "reference.conf")
            .getConfig("troupe.shm");
        assertThat(ShmSettings.DEFAULTS).isEqualTo(new ShmSettings(
            (int) (long) reference.getBytes("ring-bytes"),
            TimeUnit.MICROSECONDS.toNanos(reference.getLong("spin-micros")),
            TimeUnit.MICROSECONDS.toNanos(reference.getLong("yield-micros")),
            reference.getDuration("stale-after").toNanos()));
        assertThat(reference.getBoolean("no-futex")).isEqualTo(ShmSettings.noFutex(Map.of()));
    }

    @Test
    void shouldReadTheOptionsANodeHandsOnFromItsConfiguration() {
        // As NodeSettings.transportOptions flattens the section: values keep their configuration text.
        Config node = ConfigFactory.parseString("troupe.shm { ring-bytes = 128KiB, stale-after = 2s }")
            .withFallback(ConfigFactory.defaultReference()).resolve().getConfig("troupe.shm");
        Map<String, String> options = new java.util.TreeMap<>();
        node.entrySet().forEach(e -> options.put(e.getKey(), String.valueOf(e.getValue().unwrapped())));
        ShmSettings s = ShmSettings.of(options);
        assertThat(s.ringBytes()).isEqualTo(128 * 1024);
        assertThat(s.staleNanos()).isEqualTo(TimeUnit.SECONDS.toNanos(2));
        assertThat(s.spinNanos()).isEqualTo(ShmSettings.DEFAULTS.spinNanos());
    }

    @Test
    void shouldRefuseBadValuesNamingTheSetting() {
        assertThatThrownBy(() -> ShmSettings.of(Map.of("ring-bytes", "100000")))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("troupe.shm.ring-bytes").hasMessageContaining("power of two");
        assertThatThrownBy(() -> ShmSettings.of(Map.of("ring-bytes", "1KiB")))
            .hasMessageContaining("troupe.shm.ring-bytes");
        assertThatThrownBy(() -> ShmSettings.of(Map.of("spin-micros", "-1")))
            .hasMessageContaining("troupe.shm.spin-micros");
        assertThatThrownBy(() -> ShmSettings.of(Map.of("stale-after", "0s")))
            .hasMessageContaining("troupe.shm.stale-after");
        assertThatThrownBy(() -> ShmSettings.of(Map.of("yield-micros", "fast")))
            .hasMessageContaining("troupe.shm.yield-micros");
        assertThatThrownBy(() -> ShmSettings.noFutex(Map.of("no-futex", "sometimes")))
            .hasMessageContaining("troupe.shm.no-futex");
    }
}
