package dev.troupe.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.troupe.Pool;
import dev.troupe.PoolOptions;
import dev.troupe.RemoteTaskException;
import dev.troupe.Troupe;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * javac's caveat with serializable method references: this class uses {@code Tasks::pid} as a task of Integer and
 * of String inputs, and its lambda deserialization tells the two apart by method only, so the worker gets the same
 * one for both and the other input type fails its cast.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class MethodReferenceTest {

    @Test
    void shouldExplainAMethodReferenceUsedForTwoInputTypes() throws Exception {
        try (Troupe troupe = Transports.start("pipe"); Pool pool = troupe.pool(PoolOptions.workers(1))) {
            List<CompletableFuture<Long>> calls = List.of(pool.submit(Tasks::pid, 1), pool.submit(Tasks::pid, "x"));
            List<Throwable> failures = new ArrayList<>();
            for (CompletableFuture<Long> call : calls) {
                try {
                    assertThat(call.get(30, TimeUnit.SECONDS)).isPositive();
                } catch (ExecutionException e) {
                    failures.add(e.getCause());
                }
            }
            assertThat(failures).as("one of the two input types gets the other's method reference").hasSize(1);
            assertThat(failures.get(0)).isInstanceOf(RemoteTaskException.class);
            RemoteTaskException failure = (RemoteTaskException) failures.get(0);
            assertThat(failure.remoteClassName()).isEqualTo(IllegalArgumentException.class.getName());
            assertThat(failure.remoteMessage())
                .containsPattern("compiled for java\\.lang\\.(String|Integer) inputs and got a java\\.lang\\."
                    + "(Integer|String)")
                .contains("same method reference")
                .contains("Use a lambda");
            assertThat(failure.getCause().getCause()).as("the original cast error is kept as the cause")
                .hasMessageContaining("cannot be cast");
        }
    }
}
