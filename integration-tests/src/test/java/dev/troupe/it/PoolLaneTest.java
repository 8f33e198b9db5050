package dev.troupe.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.troupe.Pool;
import dev.troupe.PoolOptions;
import dev.troupe.Troupe;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Single tasks that callers write to idle workers themselves, past the pool's actor, mixed with tasks the actor
 * queues: order, exactly-once answers when a worker is killed under them, and closing while callers submit.
 */
@ParameterizedClass
@MethodSource("dev.troupe.it.Transports#names")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PoolLaneTest {
    /** Counts the tasks a worker JVM ran, in the order it ran them. */
    static final AtomicInteger RUN_ORDER = new AtomicInteger();

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

    static Integer runOrder(Integer ignored) {
        return RUN_ORDER.getAndIncrement();
    }

    @Test
    void shouldRunOneThreadsTasksInTheOrderItSubmittedThemWhetherQueuedOrNot() throws Exception {
        try (Pool pool = troupe.pool(PoolOptions.workers(1))) {
            int base = pool.submit(PoolLaneTest::runOrder, 0).get(30, TimeUnit.SECONDS);
            List<CompletableFuture<Integer>> fs = new ArrayList<>();
            for (int i = 0; i < 2_000; i++) {
                fs.add(pool.submit(PoolLaneTest::runOrder, i));
                if (i % 97 == 0) {
                    // The worker goes idle: the next task goes past the actor while later ones queue behind it.
                    fs.get(i).get(30, TimeUnit.SECONDS);
                }
            }
            for (int i = 0; i < fs.size(); i++) {
                assertThat(fs.get(i).get(30, TimeUnit.SECONDS)).as("task %d", i).isEqualTo(base + 1 + i);
            }
        }
    }

    @Test
    void shouldAnswerEveryTaskOnceWhenThreadsSubmitWhileAWorkerIsKilled() throws Exception {
        try (Pool pool = troupe.pool(PoolOptions.workers(2))) {
            long victim = pool.workers().get(0).pid();
            int threads = 4;
            int each = 400;
            AtomicReference<Throwable> failure = new AtomicReference<>();
            AtomicInteger answered = new AtomicInteger();
            List<Thread> callers = new ArrayList<>();
            for (int k = 0; k < threads; k++) {
                int offset = k * 1_000_000;
                Thread t = new Thread(() -> {
                    try {
                        for (int i = 0; i < each; i++) {
                            int in = offset + i;
                            assertThat(pool.submit(x -> x + 1, in).get(60, TimeUnit.SECONDS)).isEqualTo(in + 1);
                            answered.incrementAndGet();
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                });
                t.start();
                callers.add(t);
            }
            while (answered.get() < threads * each / 4 && failure.get() == null) {
                Thread.sleep(1);
            }
            ProcessHandle.of(victim).ifPresent(ProcessHandle::destroyForcibly);
            for (Thread t : callers) {
                t.join(90_000);
            }
            assertThat(failure.get()).isNull();
            assertThat(answered.get()).isEqualTo(threads * each);
            assertThat(pool.workers()).extracting(w -> w.pid()).doesNotContain(victim);
        }
    }

    @Test
    void shouldCompleteEveryFutureWhenClosedWhileThreadsSubmit() throws Exception {
        Pool pool = troupe.pool(PoolOptions.workers(2));
        List<CompletableFuture<Integer>> fs = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicReference<Throwable> unexpected = new AtomicReference<>();
        List<Thread> callers = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
            Thread t = new Thread(() -> {
                try {
                    for (int i = 0; ; i++) {
                        CompletableFuture<Integer> f = pool.submit(x -> x * 2, i);
                        fs.add(f);
                        if (i % 2 == 0) {
                            f.exceptionally(e -> null).get(60, TimeUnit.SECONDS);
                        }
                    }
                } catch (IllegalStateException closed) {
                    // submit after close: the way this loop ends
                } catch (Throwable e) {
                    unexpected.compareAndSet(null, e);
                }
            });
            t.start();
            callers.add(t);
        }
        Thread.sleep(300);
        pool.close();
        for (Thread t : callers) {
            t.join(60_000);
            assertThat(t.isAlive()).isFalse();
        }
        assertThat(unexpected.get()).isNull();
        assertThat(fs).isNotEmpty();
        int done = 0;
        for (CompletableFuture<Integer> f : new ArrayList<>(fs)) {
            try {
                f.get(30, TimeUnit.SECONDS);
                done++;
            } catch (ExecutionException e) {
                assertThat(e.getCause()).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
            }
        }
        assertThat(done).isPositive();
        assertThatThrownBy(() -> pool.submit(x -> x, 1)).isInstanceOf(IllegalStateException.class);
    }
}
