package dev.troupe.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import dev.troupe.Pool;
import dev.troupe.PoolOptions;
import dev.troupe.Troupe;
import dev.troupe.WorkerProcess;
import dev.troupe.shared.Array;
import dev.troupe.shared.Barrier;
import dev.troupe.shared.Condition;
import dev.troupe.shared.Event;
import dev.troupe.shared.Lock;
import dev.troupe.shared.RLock;
import dev.troupe.shared.Semaphore;
import dev.troupe.shared.SharedMemory;
import dev.troupe.shared.Value;
import dev.troupe.shared.Waits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Named shared objects used by several real processes at once. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SharedObjectsTest {
    /** The objects of this class live in a directory of their own, removed afterwards; workers are told of it. */
    private static Path directory;
    private Troupe troupe;
    private String prefix;

    @BeforeAll
    static void createDirectory() throws Exception {
        directory = Files.createTempDirectory("troupe-shared-test-",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        System.setProperty("troupe.shared.directory", directory.toString());
    }

    @AfterAll
    static void removeDirectory() throws Exception {
        System.clearProperty("troupe.shared.directory");
        try (Stream<Path> files = Files.list(directory)) {
            for (Path p : files.toArray(Path[]::new)) {
                Files.delete(p);
            }
        }
        Files.delete(directory);
    }

    @BeforeEach
    void start() {
        troupe = Troupe.local(ConfigFactory.parseMap(Map.of("troupe.worker.jvm-options", List.of(
            "-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED", "-Dtroupe.shared.directory=" + directory))));
        prefix = "it-" + System.nanoTime() + "-";
    }

    @AfterEach
    void stop() {
        troupe.close();
        assertThat(ProcessHandle.current().children().filter(ProcessHandle::isAlive).count()).isZero();
    }

    @Test
    void shouldCountExactlyWhenTwoProcessesIncrementUnderANamedLock() throws Exception {
        try (Pool pool = troupe.pool(PoolOptions.workers(2).chunkSize(1))) {
            List<Long> done = pool.map(SharedTasks::incrementUnderLock, List.of(prefix, prefix));
            assertThat(done).hasSize(2);
        }
        try (Value.OfLong counter = Value.ofLong(prefix + "counter")) {
            assertThat(counter.get()).isEqualTo(200_000);
        }
    }

    @Test
    void shouldNeverLetMoreThanTwoOfThreeProcessesIntoASemaphoreOfTwo() throws Exception {
        try (Pool pool = troupe.pool(PoolOptions.workers(3).chunkSize(1))) {
            assertThat(pool.map(SharedTasks::enterSemaphore, List.of(prefix, prefix, prefix))).containsOnly(20);
        }
        try (Array.OfInt log = Array.ofInt(prefix + "log", 1 + 3 * 40)) {
            int[] record = log.toArray();
            assertThat(record[0]).isEqualTo(120);
            int inside = 0;
            int most = 0;
            for (int i = 1; i <= record[0]; i++) {
                inside += record[i];
                most = Math.max(most, inside);
                assertThat(inside).as("processes inside after event " + i).isBetween(0, 2);
            }
            assertThat(inside).isZero();
            assertThat(most).isPositive();
        }
    }

    @Test
    void shouldWakeWaitersInTwoProcessesWhenAThirdSetsTheEvent() throws Exception {
        try (Pool pool = troupe.pool(PoolOptions.workers(2).chunkSize(1));
             Value.OfInt waiting = Value.ofInt(prefix + "waiting")) {
            CompletableFuture<List<Boolean>> woken = pool.mapAsync(SharedTasks::awaitEvent, List.of(prefix, prefix));
            while (waiting.get() < 2) {
                Thread.sleep(10);
            }
            assertThat(woken).isNotDone();
            WorkerProcess<Boolean> setter = troupe.spawn(SharedTasks::setEvent, prefix + "go");
            assertThat(setter.result().get(30, TimeUnit.SECONDS)).isTrue();
            assertThat(woken.get(30, TimeUnit.SECONDS)).containsExactly(true, true);
        }
    }

    @Test
    void shouldReturnTheIndexOfTheObjectThatFiredAndTimeOutWithoutThrowing() throws Exception {
        try (Event first = Event.openAutoReset(prefix + "e0auto");
             Event second = Event.openAutoReset(prefix + "e1auto");
             Lock lock = Lock.open(prefix + "any-lock")) {
            assertThat(Waits.any(Duration.ofMillis(50), first, second)).isEqualTo(-1);
            assertThat(first.await(Duration.ofMillis(50))).isFalse();
            CompletableFuture<Integer> waiting = CompletableFuture.supplyAsync(
                () -> Waits.any(Duration.ofSeconds(30), first, second));
            assertThat(troupe.spawn(SharedTasks::setEvent, prefix + "e1auto").result().get(30, TimeUnit.SECONDS))
                .isTrue();
            assertThat(waiting.get(30, TimeUnit.SECONDS)).isEqualTo(1);
            assertThat(second.isSet()).as("an auto-reset event is cleared by the wait that took it").isFalse();

            second.set();
            assertThat(Waits.all(Duration.ofMillis(50), second, first)).isFalse();
            assertThat(second.isSet()).as("a failed wait for all gives back what it took").isTrue();
            first.set();
            assertThat(Waits.all(Duration.ofSeconds(5), first, second, lock)).isTrue();
            assertThat(lock.isHeldByCurrentThread()).isTrue();
            lock.release();
        }
    }

    @Test
    void shouldHandTheLockOfAKilledHolderToTheNextAcquirerFlaggedAbandoned() throws Exception {
        try (Lock lock = Lock.open(prefix + "held"); Value.OfBoolean holding = Value.ofBoolean(prefix + "holding")) {
            WorkerProcess<Boolean> holder = troupe.spawn(SharedTasks::holdLockForever, prefix);
            while (!holding.get()) {
                assertThat(holder.isAlive()).isTrue();
                Thread.sleep(10);
            }
            assertThat(lock.tryAcquire(Duration.ofMillis(100))).as("held by a live process").isFalse();
            holder.kill();
            assertThat(holder.join(Duration.ofSeconds(30))).isTrue();
            assertThat(lock.tryAcquire(Duration.ofSeconds(30))).isTrue();
            assertThat(lock.abandoned()).isTrue();
            lock.release();
            assertThat(lock.tryAcquire(Duration.ZERO)).isTrue();
            assertThat(lock.abandoned()).as("a normal acquisition is not abandoned").isFalse();
            lock.release();
        }
    }

    @Test
    void shouldShareMemoryAndSynchronizeThreadsThroughTheOtherPrimitives() throws Exception {
        try (SharedMemory created = SharedMemory.create(prefix + "mem", 4096);
             SharedMemory opened = SharedMemory.open(prefix + "mem")) {
            created.buffer().putLong(8, 42L);
            assertThat(opened.size()).isEqualTo(4096);
            assertThat(opened.buffer().getLong(8)).isEqualTo(42L);
            assertThat(opened.buffer().order()).isEqualTo(java.nio.ByteOrder.nativeOrder());
            assertThat(created.unlink()).isTrue();
            assertThatThrownBy(() -> SharedMemory.open(prefix + "mem")).hasMessageContaining("no shared memory named");
        }
        try (RLock r = RLock.open(prefix + "r")) {
            r.acquire();
            r.acquire();
            assertThat(r.holdCount()).isEqualTo(2);
            r.release();
            r.release();
            assertThat(r.holdCount()).isZero();
            assertThatThrownBy(r::release).isInstanceOf(IllegalMonitorStateException.class);
        }
        try (Semaphore bounded = Semaphore.openBounded(prefix + "bounded", 1)) {
            assertThat(bounded.tryAcquire(Duration.ZERO)).isTrue();
            assertThat(bounded.tryAcquire(Duration.ofMillis(20))).isFalse();
            bounded.release();
            assertThatThrownBy(bounded::release).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("bounded to 1");
        }
        try (Lock lock = Lock.open(prefix + "cond-lock"); Condition ready = Condition.open(prefix + "cond", lock);
             Barrier barrier = Barrier.open(prefix + "barrier", 2)) {
            lock.acquire();
            assertThat(ready.await(Duration.ofMillis(20))).as("no signal").isFalse();
            assertThat(lock.isHeldByCurrentThread()).isTrue();
            CompletableFuture<Void> signaller = CompletableFuture.runAsync(() -> {
                try (Lock l = Lock.open(prefix + "cond-lock"); Condition c = Condition.open(prefix + "cond", l)) {
                    l.acquire();
                    c.signalAll();
                    l.release();
                }
            });
            assertThat(ready.await(Duration.ofSeconds(30))).isTrue();
            lock.release();
            signaller.get(30, TimeUnit.SECONDS);

            assertThat(barrier.await(Duration.ofMillis(20))).as("alone at a barrier of two").isEqualTo(-1);
            CompletableFuture<Integer> other = CompletableFuture.supplyAsync(
                () -> Barrier.open(prefix + "barrier", 2).await(Duration.ofSeconds(30)));
            int mine = barrier.await(Duration.ofSeconds(30));
            assertThat(List.of(mine, other.get(30, TimeUnit.SECONDS))).containsExactlyInAnyOrder(0, 1);
        }
        try (RLock twice = RLock.open(prefix + "cond-rlock");
             Condition cond = Condition.open(prefix + "rcond", twice)) {
            twice.acquire();
            twice.acquire();
            CompletableFuture<Void> signaller = CompletableFuture.runAsync(() -> {
                twice.acquire(); // possible only if the waiter let go of both holds
                cond.signal();
                twice.release();
            });
            assertThat(cond.await(Duration.ofSeconds(30))).isTrue();
            assertThat(twice.holdCount()).as("both holds are back after the wait").isEqualTo(2);
            twice.release();
            twice.release();
            signaller.get(30, TimeUnit.SECONDS);
        }
        assertThatThrownBy(() -> Lock.open("../escape")).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("shared object name");
    }
}
