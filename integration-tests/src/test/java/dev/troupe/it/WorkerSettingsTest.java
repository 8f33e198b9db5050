package dev.troupe.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.troupe.Troupe;
import dev.troupe.spi.support.ProcessConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The node's settings, given as a Config to {@code Troupe.local(config)}, reach the worker processes it starts. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class WorkerSettingsTest {

    /**
     * In the worker: the size of the biggest mapping of a shared-memory segment, read from {@code /proc/self/maps}
     * (the segment file is removed once both ends map it, so its mapping shows as deleted).
     */
    static Long segmentMappingBytes(Object ignored) throws IOException {
        long biggest = 0;
        for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
            if (line.contains("/dev/shm/troupe-")) {
                String[] range = line.substring(0, line.indexOf(' ')).split("-");
                long size = Long.parseUnsignedLong(range[1], 16) - Long.parseUnsignedLong(range[0], 16);
                biggest = Math.max(biggest, size);
            }
        }
        return biggest;
    }

    static String environment(String name) {
        return System.getenv(name);
    }

    static String sharedDirectory(Object ignored) {
        return ProcessConfig.get().getString("troupe.shared.directory");
    }

    @Test
    void shouldSizeTheWorkersSegmentFromTheNodesRingBytes() throws Exception {
        long small;
        try (Troupe troupe = Transports.start("shm", Map.of("troupe.shm.ring-bytes", "256KiB"))) {
            small = troupe.spawn(WorkerSettingsTest::segmentMappingBytes, "x").result().get(60, TimeUnit.SECONDS);
        }
        long standard;
        try (Troupe troupe = Transports.start("shm")) {
            standard = troupe.spawn(WorkerSettingsTest::segmentMappingBytes, "x").result().get(60, TimeUnit.SECONDS);
        }
        // Two rings per segment: at least twice the ring size, and well under the default's.
        assertThat(small).isBetween(2L * 256 * 1024, 2L * 1024 * 1024 - 1);
        assertThat(standard).isGreaterThanOrEqualTo(2L * 1024 * 1024);
    }

    @Test
    void shouldHandTheWorkerTheNodesMaxPendingWriteIdleSpinAndSharedDirectory() throws Exception {
        try (Troupe troupe = Transports.start("pipe", Map.of("troupe.max-pending-write", "96KiB",
            "troupe.worker.idle-spin", "15us", "troupe.shared.directory", "/dev/shm/troupe-settings-test"))) {
            assertThat(troupe.spawn(WorkerSettingsTest::environment, "TROUPE_MAX_PENDING_WRITE_BYTES").result()
                .get(60, TimeUnit.SECONDS)).isEqualTo(String.valueOf(96 * 1024));
            assertThat(troupe.spawn(WorkerSettingsTest::environment, "TROUPE_IDLE_SPIN_NANOS").result()
                .get(60, TimeUnit.SECONDS)).isEqualTo("15000");
            // Named shared objects in the worker read the node's directory, not the worker's own defaults.
            assertThat(troupe.spawn(WorkerSettingsTest::sharedDirectory, "x").result().get(60, TimeUnit.SECONDS))
                .isEqualTo("/dev/shm/troupe-settings-test");
        }
    }

    @ParameterizedTest
    @MethodSource("dev.troupe.it.Transports#names")
    void shouldStartWorkersWithoutLoadingTheConfigurationLibrary(String transport) throws Exception {
        Path log = Files.createTempFile("troupe-worker-classes-", ".log");
        try (Troupe troupe = Transports.start(transport)) {
            Long pid = troupe.spawn(Tasks::pid, "x", List.of("-Xlog:class+load=info:file=" + log)).result()
                .get(60, TimeUnit.SECONDS);
            assertThat(pid).isNotEqualTo(ProcessHandle.current().pid());
            String classes = Files.readString(log);
            assertThat(classes).contains("dev.troupe.internal.worker.WorkerMain");
            assertThat(classes).doesNotContain("com.typesafe.config");
        } finally {
            Files.deleteIfExists(log);
            // The JVM's log rotation moves a file that exists when the worker starts aside as log.0.
            Files.deleteIfExists(Path.of(log + ".0"));
        }
    }
}
