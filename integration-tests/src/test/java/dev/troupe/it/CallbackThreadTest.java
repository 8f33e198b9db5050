package dev.troupe.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.troupe.Pool;
import dev.troupe.PoolOptions;
import dev.troupe.Troupe;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Callbacks on a pool's futures run on the node's callback threads, not on the thread that reads the worker's link:
 * one that blocks does not hold up the same worker's next results.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class CallbackThreadTest {

    static Integer slowly(Integer x) throws InterruptedException {
        Thread.sleep(300);
        return x;
    }

    @Test
    void shouldRunCallbacksOffTheLinkSoThatABlockingOneHoldsUpNothing() throws Exception {
        try (Troupe troupe = Troupe.local(); Pool pool = troupe.pool(PoolOptions.workers(1))) {
            CountDownLatch release = new CountDownLatch(1);
            CompletableFuture<String> callbackThread = new CompletableFuture<>();
            // Registered before the result arrives, so it would run on whichever thread completes the future.
            CompletableFuture<Void> blocking = pool.submit(CallbackThreadTest::slowly, 1).thenAccept(v -> {
                callbackThread.complete(Thread.currentThread().getName());
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            assertThat(callbackThread.get(30, TimeUnit.SECONDS)).startsWith("troupe-callback-");
            // The same worker's next results still arrive while that callback blocks.
            for (int i = 0; i < 10; i++) {
                assertThat(pool.submit((Integer x) -> x + 1, i).get(10, TimeUnit.SECONDS)).isEqualTo(i + 1);
            }
            assertThat(blocking).isNotDone();
            release.countDown();
            blocking.get(10, TimeUnit.SECONDS);

            CompletableFuture<String> mapThread = new CompletableFuture<>();
            List<Integer> squares = pool.mapAsync((Integer x) -> x * x, List.of(1, 2, 3))
                .whenComplete((v, e) -> mapThread.complete(Thread.currentThread().getName()))
                .get(30, TimeUnit.SECONDS);
            assertThat(squares).containsExactly(1, 4, 9);
            assertThat(mapThread.get(10, TimeUnit.SECONDS)).satisfiesAnyOf(
                name -> assertThat(name).startsWith("troupe-callback-"),
                name -> assertThat(name).isEqualTo(Thread.currentThread().getName()));
        }
    }
}
