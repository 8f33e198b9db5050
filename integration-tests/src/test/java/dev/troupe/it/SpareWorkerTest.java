package dev.troupe.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.troupe.ManagedProcess;
import dev.troupe.Pool;
import dev.troupe.PoolOptions;
import dev.troupe.SpawnOptions;
import dev.troupe.Troupe;
import dev.troupe.WorkerProcess;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Spare workers ({@code troupe.worker.spares}), as Python's forkserver: JVMs started with the node and kept idle,
 * which {@code spawn} and new pools take at once; replaced in the background, never handed out dead, and stopped
 * with the node. Seen from outside, by the pids of this JVM's child processes.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class SpareWorkerTest {

    @AfterEach
    void noChildLeft() {
        assertThat(children()).as("child processes left after close").isEmpty();
    }

    private static Set<Long> children() {
        return ProcessHandle.current().children().filter(ProcessHandle::isAlive).map(ProcessHandle::pid)
            .collect(Collectors.toSet());
    }

    /** Waits until this JVM has {@code n} live child processes (spares starting or ready) and returns their pids. */
    private static Set<Long> awaitChildren(int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            Set<Long> c = children();
            if (c.size() >= n) {
                return c;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("fewer than " + n + " child processes after 30 s: " + children());
    }

    private static Troupe node(int spares) {
        return Transports.start("shm", Map.of("troupe.worker.spares", spares));
    }

    @Test
    void shouldSpawnOnASpareStartedBeforeAndReplaceIt() throws Exception {
        try (Troupe troupe = node(1)) {
            Set<Long> before = awaitChildren(1);
            // An untaken spare is not one of the user's processes.
            assertThat(troupe.processes()).isEmpty();
            WorkerProcess<Long> p = troupe.spawn(Tasks::pid, "x");
            assertThat(before).contains(p.pid());
            assertThat(p.result().get(30, TimeUnit.SECONDS)).isEqualTo(p.pid());
            assertThat(p.join(Duration.ofSeconds(20))).isTrue();
            assertThat(p.exitCode()).isZero();
            // Replaced: a new child that was not there before.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            Set<Long> fresh = new HashSet<>();
            while (fresh.isEmpty() && System.nanoTime() < deadline) {
                fresh = children();
                fresh.removeAll(before);
                Thread.sleep(20);
            }
            assertThat(fresh).as("a replacement spare").hasSize(1);
            // The replacement serves the next spawn.
            WorkerProcess<Long> q = troupe.spawn(Tasks::pid, "y");
            assertThat(fresh).contains(q.pid());
            assertThat(q.result().get(30, TimeUnit.SECONDS)).isEqualTo(q.pid());
            // A spawn with JVM options of its own starts its own JVM.
            Set<Long> spares = awaitChildren(1);
            WorkerProcess<Long> own = troupe.spawn(Tasks::pid, "z", SpawnOptions.local().jvmOptions("-Xmx48m"));
            assertThat(spares).doesNotContain(own.pid());
            assertThat(own.result().get(30, TimeUnit.SECONDS)).isEqualTo(own.pid());
        }
    }

    @Test
    void shouldStopSparesWithTheNode() throws Exception {
        Set<Long> spares;
        try (Troupe troupe = node(2)) {
            spares = awaitChildren(2);
            assertThat(spares).hasSize(2);
            assertThat(troupe.processes()).isEmpty();
        }
        for (long pid : spares) {
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("spare %d", pid).isFalse();
        }
    }

    @Test
    void shouldNotHandOutASpareThatDied() throws Exception {
        try (Troupe troupe = node(1)) {
            long dead = awaitChildren(1).iterator().next();
            // Let it finish starting, so that it is taken for ready unless its death is seen.
            Thread.sleep(1500);
            // Dead and reaped, but its actor hears of it only once the output of the process is read to its end:
            // the spare must not be handed out meanwhile.
            ProcessHandle spare = ProcessHandle.of(dead).orElseThrow();
            spare.destroyForcibly();
            spare.onExit().get(10, TimeUnit.SECONDS);
            WorkerProcess<Long> p = troupe.spawn(Tasks::pid, "x");
            assertThat(p.pid()).isNotEqualTo(dead);
            assertThat(p.result().get(30, TimeUnit.SECONDS)).isEqualTo(p.pid());
        }
    }

    @Test
    void shouldGiveSparesToANewPool() throws Exception {
        try (Troupe troupe = node(2)) {
            Set<Long> before = awaitChildren(2);
            try (Pool pool = troupe.pool(PoolOptions.workers(2))) {
                Set<Long> workers = new HashSet<>(pool.map(Tasks::pid, List.of("a", "b", "c", "d", "e", "f")));
                assertThat(before).containsAll(workers);
                assertThat(troupe.processes()).extracting(ManagedProcess::pid).containsAll(workers);
            }
        }
    }
}
