package dev.troupe.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import dev.troupe.CodecException;
import dev.troupe.Pool;
import dev.troupe.PoolOptions;
import dev.troupe.RemoteTaskException;
import dev.troupe.Troupe;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A task input whose decoding never ends ({@link UnendingDecodeTest#unending}): the worker's decode budget refuses
 * it; with no budget, the worker spins, and {@code cancel(true)} or the task time-out replace it.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class UnendingInputTest {

    private static Troupe node(String maxDecodeTime) {
        return Troupe.local(ConfigFactory.parseMap(Map.of("troupe.serialization.max-decode-time", maxDecodeTime)));
    }

    @Test
    void shouldFailAnUnendingInputWithTheWorkersDecodeBudget() throws Exception {
        try (Troupe troupe = node("1s"); Pool pool = troupe.pool(PoolOptions.workers(1))) {
            CompletableFuture<Integer> hostile = pool.submit((UnendingDecodeTest.Holder h) -> 1,
                UnendingDecodeTest.unending(100));
            assertThatThrownBy(() -> hostile.get(60, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).cause()
                .satisfies(e -> assertThat(e).isInstanceOfAny(RemoteTaskException.class, CodecException.class))
                .hasMessageContaining("max-decode-time");
            assertThat(pool.submit((Integer x) -> x * 2, 21).get(30, TimeUnit.SECONDS)).isEqualTo(42);
        }
    }

    @Test
    void shouldRecoverAWorkerSpinningOnAnInputWithCancel() throws Exception {
        try (Troupe troupe = node("0s");
             Pool pool = troupe.pool(PoolOptions.workers(1).cancelGrace(Duration.ofMillis(500)))) {
            CompletableFuture<Integer> hostile = pool.submit((UnendingDecodeTest.Holder h) -> 1,
                UnendingDecodeTest.unending(100));
            Thread.sleep(500);
            assertThat(hostile.cancel(true)).isTrue();
            assertThatThrownBy(hostile::join).isInstanceOf(CancellationException.class);
            assertThat(pool.submit((Integer x) -> x * 2, 21).get(60, TimeUnit.SECONDS)).isEqualTo(42);
        }
    }

    @Test
    void shouldRecoverAWorkerSpinningOnAnInputWithTheTaskTimeout() throws Exception {
        try (Troupe troupe = node("0s");
             Pool pool = troupe.pool(PoolOptions.workers(1).taskTimeout(Duration.ofSeconds(1)))) {
            CompletableFuture<Integer> hostile = pool.submit((UnendingDecodeTest.Holder h) -> 1,
                UnendingDecodeTest.unending(100));
            assertThatThrownBy(() -> hostile.get(60, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).cause().isInstanceOf(TimeoutException.class);
            assertThat(pool.submit((Integer x) -> x * 2, 21).get(60, TimeUnit.SECONDS)).isEqualTo(42);
        }
    }
}
