package dev.troupe.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.troupe.CodecException;
import dev.troupe.Pool;
import dev.troupe.PoolOptions;
import dev.troupe.RemoteTaskException;
import dev.troupe.Troupe;
import dev.troupe.WorkerProcess;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Values over {@code troupe.max-frame-size}, in both directions and over every transport: the one call fails with an
 * error naming the size and the limit, and the pool keeps serving and closes.
 */
@ParameterizedClass
@MethodSource("dev.troupe.it.Transports#names")
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class OversizedValueTest {
    private static final int MAX_FRAME = 1 << 20;
    private static final String LIMIT = Integer.toString(MAX_FRAME);

    @Parameter
    String transport;

    private Troupe troupe;

    @BeforeEach
    void start() {
        troupe = Transports.start(transport, Map.of("troupe.max-frame-size", "1MiB"));
    }

    @AfterEach
    void stop() {
        // Closing must not hang on what the test sent: a node whose actor died on it never closed.
        assertTimeoutPreemptively(java.time.Duration.ofSeconds(60), troupe::close, "troupe.close() returns");
        assertThat(ProcessHandle.current().children().filter(ProcessHandle::isAlive).count()).isZero();
    }

    /** Serialized with Java serialization: each empty list costs a few bytes, so a few hundred thousand are MiBs. */
    static final class ManyLists implements Serializable {
        private static final long serialVersionUID = 1L;
        final ArrayList<ArrayList<Object>> lists = new ArrayList<>();

        ManyLists(int n) {
            for (int i = 0; i < n; i++) {
                lists.add(new ArrayList<>());
            }
        }
    }

    static byte[] bytesOf(Integer n) {
        return new byte[n];
    }

    @Test
    void shouldFailAnOversizedInputAtOnceAndKeepServing() throws Exception {
        try (Pool pool = troupe.pool(PoolOptions.workers(1))) {
            assertThatThrownBy(() -> pool.submit((byte[] b) -> b.length, new byte[2 * MAX_FRAME]))
                .isInstanceOf(CodecException.class)
                .hasMessageContaining(LIMIT).hasMessageContaining("troupe.max-frame-size");
            assertThatThrownBy(() -> pool.submit((ManyLists m) -> m.lists.size(), new ManyLists(300_000)))
                .isInstanceOf(CodecException.class).hasMessageContaining(LIMIT);
            List<byte[]> mixed = List.of(new byte[8], new byte[2 * MAX_FRAME]);
            assertThatThrownBy(() -> pool.map((byte[] b) -> b.length, mixed))
                .isInstanceOf(CodecException.class).hasMessageContaining(LIMIT);
            // imap encodes lazily, off the caller's thread: the chunk that cannot be sent fails, not the pool.
            java.util.Iterator<Integer> lazy = pool.imap((byte[] b) -> b.length, mixed);
            assertThat(lazy.next()).isEqualTo(8);
            assertThatThrownBy(lazy::next).isInstanceOf(CodecException.class).hasMessageContaining(LIMIT);
            assertThat(pool.submit((Integer x) -> x + 1, 41).get(30, TimeUnit.SECONDS)).isEqualTo(42);
        }
    }

    @Test
    void shouldFailATaskWhoseCapturedStateIsOversizedAndKeepServing() throws Exception {
        byte[] captured = new byte[2 * MAX_FRAME];
        try (Pool pool = troupe.pool(PoolOptions.workers(1))) {
            assertThatThrownBy(() -> pool.submit((Integer x) -> captured.length + x, 1).get(30, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).cause().isInstanceOf(CodecException.class)
                .hasMessageContaining(LIMIT);
            assertThat(pool.submit((Integer x) -> x + 1, 41).get(30, TimeUnit.SECONDS)).isEqualTo(42);
        }
        // An initializer that cannot be sent would be skipped on every worker: the pool is refused instead.
        assertThatThrownBy(() -> troupe.pool(PoolOptions.workers(1).initializer(v -> captured.length)))
            .isInstanceOf(CodecException.class).hasMessageContaining("initializer").hasMessageContaining(LIMIT);
    }

    @Test
    void shouldFailAnOversizedResultAndKeepTheWorker() throws Exception {
        try (Pool pool = troupe.pool(PoolOptions.workers(1))) {
            long pid = pool.workers().get(0).pid();
            assertThatThrownBy(() -> pool.submit(OversizedValueTest::bytesOf, 2 * MAX_FRAME).get(30, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).cause().isInstanceOf(RemoteTaskException.class)
                .hasMessageContaining("too large").hasMessageContaining(LIMIT);
            assertThat(pool.submit(OversizedValueTest::bytesOf, 16).get(30, TimeUnit.SECONDS)).hasSize(16);
            assertThat(pool.workers()).extracting(w -> w.pid()).containsExactly(pid);
        }
    }

    @Test
    void shouldFailASpawnWithAnOversizedInput() throws Exception {
        WorkerProcess<Integer> p;
        try {
            p = troupe.spawn((byte[] b) -> b.length, new byte[2 * MAX_FRAME]);
        } catch (CodecException refused) {
            assertThat(refused).hasMessageContaining(LIMIT);
            return;
        }
        assertThatThrownBy(() -> p.result().get(30, TimeUnit.SECONDS))
            .isInstanceOf(ExecutionException.class).cause().isInstanceOf(CodecException.class)
            .hasMessageContaining(LIMIT);
        assertThat(p.join(java.time.Duration.ofSeconds(20))).as("the worker exits").isTrue();
    }
}
