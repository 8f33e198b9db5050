package dev.troupe.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.troupe.ManagedProcess;
import dev.troupe.Pool;
import dev.troupe.PoolOptions;
import dev.troupe.RemoteTaskException;
import dev.troupe.Task;
import dev.troupe.Troupe;
import dev.troupe.WorkerCrashedException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/** The process pool over every transport, with real worker processes killed under it. */
@ParameterizedClass
@MethodSource("dev.troupe.it.Transports#names")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PoolTest {
    @Parameter
    String transport;

    private Troupe troupe;

    @BeforeEach
    void start() {
        troupe = Transports.start(transport);
    }

    @AfterEach
    void stop() {
        troupe.close();
        assertThat(ProcessHandle.current().children().filter(ProcessHandle::isAlive).count()).isZero();
    }

    static Integer slowSquare(Integer x) throws InterruptedException {
        Thread.sleep(1);
        return x * x;
    }

    @Test
    void shouldMapInInputOrderAndSubmitConcurrently() throws Exception {
        try (Pool pool = troupe.pool(PoolOptions.workers(2))) {
            List<Integer> in = IntStream.range(0, 10_000).boxed().collect(Collectors.toList());
            assertThat(pool.map(x -> x * x, in)).isEqualTo(in.stream().map(x -> x * x).collect(Collectors.toList()));
            // Results that change kind in the middle of a chunk of packed numbers, and nulls, come back as they were.
            Task<Integer, Object> mixed = x -> x % 97 == 50 ? "s" + x : x % 89 == 7 ? null
                : x % 2 == 0 ? (Object) x : (Object) (long) x;
            List<Object> expected = new ArrayList<>();
            for (Integer x : in) {
                expected.add(x % 97 == 50 ? "s" + x : x % 89 == 7 ? null : x % 2 == 0 ? (Object) x : (Object) (long) x);
            }
            assertThat(pool.map(mixed, in)).isEqualTo(expected);
            assertThat(pool.map(x -> x + 0.5, List.of(1.0, 2.0, 3.0))).containsExactly(1.5, 2.5, 3.5);
            List<CompletableFuture<String>> fs = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                fs.add(pool.submit(s -> s + "!", "v" + i));
            }
            for (int i = 0; i < 500; i++) {
                assertThat(fs.get(i).get(30, TimeUnit.SECONDS)).isEqualTo("v" + i + "!");
            }
            assertThat(pool.workers()).hasSize(2);
        }
    }

    @Test
    void shouldRoundTripA64MiBPayloadIntact() throws Exception {
        byte[] payload = new byte[64 * 1024 * 1024];
        new java.util.Random(64).nextBytes(payload);
        java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
        byte[] expected = sha.digest(payload);
        try (Pool pool = troupe.pool(PoolOptions.workers(1))) {
            // The worker checks what arrived and sends it all back.
            byte[] back = pool.submit(Tasks::checkedEcho, payload).get(60, TimeUnit.SECONDS);
            assertThat(back).hasSize(payload.length);
            assertThat(sha.digest(back)).isEqualTo(expected);
        }
    }

    @Test
    void shouldNotTakeAWorkerForDeadWhileAUserCallbackHoldsUpItsResults() throws Exception {
        try (Troupe quick = Transports.start(transport,
                 Map.of("troupe.heartbeat-interval", "100ms", "troupe.liveness-timeout", "1s"));
             Pool pool = quick.pool(PoolOptions.workers(1))) {
            // Integer inputs, as elsewhere in this class: javac's lambda deserialization tells apart method
            // references of one class by method, not by the type they were used at.
            long pid = pool.submit(Tasks::pid, 1).get(30, TimeUnit.SECONDS);
            // The callback runs on the thread that delivers the worker's messages, for three liveness time-outs.
            pool.submit(Tasks::pid, 2).thenAccept(p -> sleepQuietly(3_000)).get(30, TimeUnit.SECONDS);
            assertThat(pool.submit(Tasks::pid, 3).get(30, TimeUnit.SECONDS)).as("the same worker, not replaced")
                .isEqualTo(pid);
        }
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void shouldShareABurstOfChunksAmongAllWorkers() {
        try (Pool pool = troupe.pool(PoolOptions.workers(2).chunkSize(1))) {
            List<Long> pids = pool.map(Tasks::sleepThenPid, Collections.nCopies(8, 50));
            Map<Long, Long> perWorker = pids.stream().collect(Collectors.groupingBy(p -> p, Collectors.counting()));
            assertThat(perWorker).as("chunks run per worker pid").hasSize(2);
            assertThat(perWorker.values()).allSatisfy(n -> assertThat(n).isGreaterThanOrEqualTo(2));
        }
    }

    @Test
    void shouldRetryOnReplacementWhenWorkerIsKilledMidMap() throws Exception {
        try (Pool pool = troupe.pool(PoolOptions.workers(2).chunkSize(20))) {
            long victim = pool.workers().get(0).pid();
            Thread killer = new Thread(() -> {
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException e) {
                    return;
                }
                ProcessHandle.of(victim).ifPresent(ProcessHandle::destroyForcibly);
            });
            killer.start();
            // About 3 s of work on two workers: the kill at 1 s comes mid-map.
            List<Integer> in = IntStream.range(0, 5_000).boxed().collect(Collectors.toList());
            List<Integer> out = pool.map(PoolTest::slowSquare, in);
            killer.join();
            assertThat(out).isEqualTo(in.stream().map(x -> x * x).collect(Collectors.toList()));
            assertThat(ProcessHandle.of(victim).map(ProcessHandle::isAlive).orElse(false)).isFalse();
            // Back to full size: the replacement answers too.
            List<Long> pids = pool.map(Tasks::pid, IntStream.range(0, 400).boxed().collect(Collectors.toList()));
            assertThat(pool.workers()).hasSize(2).extracting(ManagedProcess::pid).doesNotContain(victim);
            assertThat(pids).doesNotContain(victim);
        }
    }

    @Test
    void shouldFailWithWorkerCrashedNamingPidAndSignalWhenRetriesAreZero() {
        try (Pool pool = troupe.pool(PoolOptions.workers(1).maxRetries(0))) {
            long pid = pool.workers().get(0).pid();
            CompletableFuture<Integer> f = pool.submit(Tasks::sleepThenAnswer, 60_000);
            ProcessHandle victim = ProcessHandle.of(pid).orElseThrow();
            new Thread(() -> {
                try {
                    Thread.sleep(500);
                } catch (InterruptedException ignored) {
                    return;
                }
                victim.destroyForcibly();
            }).start();
            assertThatThrownBy(() -> f.get(30, TimeUnit.SECONDS)).cause()
                .isInstanceOf(WorkerCrashedException.class)
                .hasMessageContaining("pid " + pid).hasMessageContaining("SIGKILL");
        }
    }

    @Test
    void shouldFailMapWithRemoteTaskExceptionAndStayUsable() {
        try (Pool pool = troupe.pool(PoolOptions.workers(2))) {
            assertThatThrownBy(() -> pool.map(x -> {
                if (x == 77) {
                    throw new IllegalArgumentException("no 77");
                }
                return x;
            }, IntStream.range(0, 200).boxed().collect(Collectors.toList())))
                .isInstanceOfSatisfying(RemoteTaskException.class, e -> {
                    assertThat(e.remoteClassName()).isEqualTo("java.lang.IllegalArgumentException");
                    assertThat(e.remoteMessage()).isEqualTo("no 77");
                });
            assertThat(pool.map(x -> x + 1, List.of(1, 2, 3))).containsExactly(2, 3, 4);
        }
    }

    @Test
    void shouldImapAnEndlessIteratorHoldingABoundedNumberOfInputs() throws Exception {
        try (Pool pool = troupe.pool(PoolOptions.workers(2).window(2))) {
            java.util.concurrent.atomic.AtomicLong pulled = new java.util.concurrent.atomic.AtomicLong();
            Iterable<Integer> endless = () -> new java.util.Iterator<>() {
                @Override
                public boolean hasNext() {
                    return true;
                }

                @Override
                public Integer next() {
                    return (int) pulled.getAndIncrement();
                }
            };
            java.util.Iterator<Integer> out = pool.imap(x -> x * 2, endless);
            for (int i = 0; i < 200; i++) {
                assertThat(out.next()).isEqualTo(2 * i);
                if (i % 50 == 0) {
                    Thread.sleep(100); // a slow consumer
                }
            }
            // Look-ahead is 2 * workers * window chunks of 1: at most 8 inputs beyond what was consumed.
            assertThat(pulled.get()).isLessThanOrEqualTo(200 + 8);
            java.util.Set<Integer> unordered = new java.util.HashSet<>();
            pool.imapUnordered(PoolTest::slowSquare, IntStream.range(0, 100).boxed().collect(Collectors.toList()))
                .forEachRemaining(unordered::add);
            assertThat(unordered).hasSize(100).contains(99 * 99);
            assertThat(pool.imapStream(x -> x + 1, List.of(1, 2, 3)).collect(Collectors.toList()))
                .containsExactly(2, 3, 4);
        }
    }

    static Integer spinIgnoringInterrupts(Integer millis) {
        long end = System.nanoTime() + millis * 1_000_000L;
        long n = 0;
        while (System.nanoTime() < end) {
            n++;
        }
        return (int) (n & 1);
    }

    @Test
    void shouldFailTimedOutTaskAndReplaceItsWorker() throws Exception {
        try (Pool pool = troupe.pool(PoolOptions.workers(1).taskTimeout(java.time.Duration.ofMillis(500)))) {
            long before = pool.workers().get(0).pid();
            CompletableFuture<Integer> slow = pool.submit(Tasks::sleepThenAnswer, 60_000);
            assertThatThrownBy(() -> slow.get(30, TimeUnit.SECONDS)).cause()
                .isInstanceOf(java.util.concurrent.TimeoutException.class).hasMessageContaining("timeout");
            assertThat(pool.submit(x -> x + 1, 1).get(30, TimeUnit.SECONDS)).isEqualTo(2);
            assertThat(pool.workers()).hasSize(1).extracting(ManagedProcess::pid).doesNotContain(before);
        }
    }

    @Test
    void shouldInterruptCancelledTaskAndKillWorkerThatIgnoresIt() throws Exception {
        try (Pool pool = troupe.pool(PoolOptions.workers(1).cancelGrace(java.time.Duration.ofMillis(500)))) {
            long first = pool.workers().get(0).pid();
            // Interruptible: the worker stops it and stays.
            CompletableFuture<Integer> sleeping = pool.submit(Tasks::sleepThenAnswer, 60_000);
            Thread.sleep(300);
            assertThat(sleeping.cancel(true)).isTrue();
            assertThat(pool.submit(x -> x * 3, 3).get(30, TimeUnit.SECONDS)).isEqualTo(9);
            assertThat(pool.workers()).extracting(ManagedProcess::pid).containsExactly(first);
            // Ignores interrupts: killed after the grace period and replaced; queued work still completes.
            CompletableFuture<Integer> stubborn = pool.submit(PoolTest::spinIgnoringInterrupts, 60_000);
            CompletableFuture<Integer> queued = pool.submit(x -> x + 10, 5);
            Thread.sleep(300);
            stubborn.cancel(true);
            assertThat(queued.get(30, TimeUnit.SECONDS)).isEqualTo(15);
            assertThat(ProcessHandle.of(first).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        }
    }

    @Test
    void shouldFinishQueuedWorkWhenClosedRightAfterSubmit() throws Exception {
        for (int round = 0; round < 3; round++) {
            Pool pool = troupe.pool(PoolOptions.workers(2));
            List<CompletableFuture<Integer>> fs = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                fs.add(pool.submit(x -> x + 1, i));
            }
            pool.close();
            for (int i = 0; i < 50; i++) {
                assertThat(fs.get(i)).isCompletedWithValue(i + 1);
            }
        }
    }

    @Test
    void shouldDropCancelledTaskWaitingBehindARunningOneWithoutKillingTheWorker() throws Exception {
        try (Pool pool = troupe.pool(PoolOptions.workers(1).cancelGrace(java.time.Duration.ofMillis(200)))) {
            long pid = pool.workers().get(0).pid();
            CompletableFuture<Integer> running = pool.submit(Tasks::sleepThenAnswer, 1500);
            CompletableFuture<Integer> waiting = pool.submit(Tasks::sleepThenAnswer, 60_000);
            Thread.sleep(200);
            waiting.cancel(true);
            assertThat(running.get(30, TimeUnit.SECONDS)).isEqualTo(42);
            assertThat(pool.submit(x -> x, 7).get(30, TimeUnit.SECONDS)).isEqualTo(7);
            assertThat(pool.workers()).extracting(ManagedProcess::pid).containsExactly(pid);
        }
    }

    @Test
    void shouldRunInitializerOncePerWorkerBeforeItsTasks() throws Exception {
        try (Pool pool = troupe.pool(PoolOptions.workers(2).initializer(Tasks::openResource))) {
            List<String> seen = pool.map(Tasks::readResource, IntStream.range(0, 40).boxed()
                .collect(Collectors.toList()));
            assertThat(seen).allSatisfy(s -> assertThat(s).startsWith("opened in "));
            assertThat(pool.apply(Tasks::readResource, 1)).startsWith("opened in ");
        }
    }

    @Test
    void shouldRecycleWorkersAfterMaxTasksPerChildAndReportProgress() throws Exception {
        java.util.concurrent.atomic.AtomicLong last = new java.util.concurrent.atomic.AtomicLong();
        try (Pool pool = troupe.pool(PoolOptions.workers(1).maxTasksPerChild(2).chunkSize(5)
            .progress((done, total) -> last.set(done * 1000 + total)))) {
            List<Long> pids = pool.map(Tasks::pid, IntStream.range(0, 30).boxed().collect(Collectors.toList()));
            // 6 chunks of 5, 2 chunks per worker: at least 3 different worker processes.
            assertThat(new java.util.HashSet<>(pids)).hasSizeGreaterThanOrEqualTo(3);
            assertThat(last.get()).isEqualTo(30 * 1000 + 30);
            assertThat(pool.mapAsync(x -> x * 2, List.of(1, 2)).get(30, TimeUnit.SECONDS)).containsExactly(2, 4);
            assertThat(pool.invokeAll(x -> x + 1, List.of(1, 2))).extracting(CompletableFuture::join)
                .containsExactly(2, 3);
        }
    }

    @Test
    void shouldLeaveNoProcessesWhenTerminatedWhileTasksRun() throws Exception {
        Pool pool = troupe.pool(PoolOptions.workers(2));
        List<CompletableFuture<Integer>> fs = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            fs.add(pool.submit(Tasks::sleepThenAnswer, 60_000));
        }
        Thread.sleep(300);
        List<Long> pids = pool.workers().stream().map(ManagedProcess::pid).collect(Collectors.toList());
        pool.terminate();
        assertThat(pool.awaitTermination(java.time.Duration.ofSeconds(10))).isTrue();
        for (CompletableFuture<Integer> f : fs) {
            assertThat(f).isCompletedExceptionally();
        }
        for (long pid : pids) {
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        }
    }
}
