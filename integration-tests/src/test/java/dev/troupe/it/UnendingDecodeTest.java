package dev.troupe.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.troupe.CodecException;
import dev.troupe.Pool;
import dev.troupe.PoolOptions;
import dev.troupe.Troupe;
import java.io.Serializable;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A value whose decoding never ends (hash sets nested a hundred deep, sharing their members, so that each
 * {@code hashCode} costs twice the one below it) as a task's input and as its result, over every transport: it holds
 * up its own task only; the decode budget, the task time-out and {@code cancel} each end it; the pool goes on.
 */
@ParameterizedClass
@MethodSource("dev.troupe.it.Transports#names")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class UnendingDecodeTest {
    private static final int DEPTH = 100;

    @Parameter
    String transport;

    private Troupe troupe;

    /** Java-serialized, where the serialization filter's depth (200) and reference budgets let it through. */
    static final class Holder implements Serializable {
        private static final long serialVersionUID = 1L;
        final Set<Object> set;

        Holder(Set<Object> set) {
            this.set = set;
        }
    }

    /** About 200 sets; reading them back hashes the two members of each level 2^level times. */
    static Holder unending(Integer depth) {
        Set<Object> root = new HashSet<>();
        Set<Object> s1 = root;
        Set<Object> s2 = new HashSet<>();
        for (int i = 0; i < depth; i++) {
            Set<Object> t1 = new HashSet<>();
            Set<Object> t2 = new HashSet<>();
            t1.add("foo");
            s1.add(t1);
            s1.add(t2);
            s2.add(t1);
            s2.add(t2);
            s1 = t1;
            s2 = t2;
        }
        return new Holder(root);
    }

    @BeforeEach
    void start() {
        troupe = Transports.start(transport, Map.of("troupe.serialization.max-decode-time", "1s"));
    }

    @AfterEach
    void stop() {
        assertTimeoutPreemptively(Duration.ofSeconds(60), troupe::close, "troupe.close() returns");
        assertThat(ProcessHandle.current().children().filter(ProcessHandle::isAlive).count()).isZero();
    }

    @Test
    void shouldRefuseAnUnendingResultOffTheLinkAndKeepServingTheSameWorker() throws Exception {
        try (Pool pool = troupe.pool(PoolOptions.workers(1))) {
            CompletableFuture<Holder> hostile = pool.submit(UnendingDecodeTest::unending, DEPTH);
            // While the node reads that answer, the same worker's next answers still arrive.
            for (int i = 0; i < 20; i++) {
                assertThat(pool.submit((Integer x) -> x + 1, i).get(10, TimeUnit.SECONDS)).isEqualTo(i + 1);
            }
            assertThat(hostile).as("still being decoded, apart from the link").isNotDone();
            assertThatThrownBy(() -> hostile.get(60, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).cause().isInstanceOf(CodecException.class)
                .hasMessageContaining("troupe.serialization.max-decode-time").hasMessageContaining("Holder");
            assertThat(pool.submit((Integer x) -> x * 2, 21).get(30, TimeUnit.SECONDS)).isEqualTo(42);
        }
    }

    @Test
    void shouldTimeOutAnUnendingResultWithTheTaskTimeout() throws Exception {
        try (Pool pool = troupe.pool(PoolOptions.workers(1).taskTimeout(Duration.ofMillis(300)))) {
            CompletableFuture<Holder> hostile = pool.submit(UnendingDecodeTest::unending, DEPTH);
            assertThatThrownBy(() -> hostile.get(30, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).cause().isInstanceOf(TimeoutException.class)
                .hasMessageContaining("still being decoded");
            assertThat(pool.submit((Integer x) -> x * 2, 21).get(30, TimeUnit.SECONDS)).isEqualTo(42);
        }
    }
}
