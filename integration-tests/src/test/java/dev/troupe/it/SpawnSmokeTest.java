package dev.troupe.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.troupe.Troupe;
import dev.troupe.WorkerProcess;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class SpawnSmokeTest {
    @Test
    void spawnReturnsResultFromAnotherProcess() throws Exception {
        try (Troupe troupe = Troupe.local()) {
            long t0 = System.nanoTime();
            WorkerProcess<Long> p = troupe.spawn(x -> ProcessHandle.current().pid() * 0 + x * 2L, 21L);
            Long r = p.result().get(20, TimeUnit.SECONDS);
            System.out.println("spawn+result ms: " + (System.nanoTime() - t0) / 1e6 + " pid " + p.pid());
            assertThat(r).isEqualTo(42L);
            assertThat(p.pid()).isNotEqualTo(ProcessHandle.current().pid());
            assertThat(p.join(Duration.ofSeconds(10))).isTrue();
            assertThat(p.exitCode()).isEqualTo(0);
        }
    }
}
