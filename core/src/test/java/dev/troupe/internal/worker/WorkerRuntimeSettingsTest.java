package dev.troupe.internal.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.troupe.internal.WorkerLaunch;
import dev.troupe.spi.TransportSettings;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WorkerRuntimeSettingsTest {

    private static Map<String, String> launch(Map<String, String> more) {
        Map<String, String> env = new java.util.HashMap<>(Map.of(
            WorkerLaunch.ENV_CONNECT, "pipe:/nowhere.sock",
            WorkerLaunch.ENV_WORKER_ID, "w-1",
            WorkerLaunch.ENV_TOKEN, "AQID",
            WorkerLaunch.ENV_RUN_DIR, "/tmp"));
        env.putAll(more);
        return env;
    }

    @Test
    void shouldUseTheNodesOutboundBoundAndIdleSpin() {
        WorkerRuntime w = new WorkerRuntime(launch(Map.of(
            WorkerLaunch.ENV_MAX_PENDING_WRITE, "65536",
            WorkerLaunch.ENV_IDLE_SPIN_NANOS, "20000",
            WorkerLaunch.ENV_TRANSPORT_OPTIONS, "ring-bytes=256KiB\n")));
        assertThat(w.transportSettings().maxPendingWriteBytes()).isEqualTo(65536);
        assertThat(w.transportSettings().options()).containsEntry("ring-bytes", "256KiB");
        assertThat(w.idleSpinNanos()).isEqualTo(20000);
    }

    @Test
    void shouldFallBackToTheDefaultsWithoutThem() {
        WorkerRuntime w = new WorkerRuntime(launch(Map.of()));
        assertThat(w.transportSettings().maxPendingWriteBytes())
            .isEqualTo(TransportSettings.DEFAULT_MAX_PENDING_WRITE_BYTES);
        assertThat(w.idleSpinNanos()).isZero();
    }
}
