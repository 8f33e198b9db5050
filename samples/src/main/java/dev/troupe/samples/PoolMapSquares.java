package dev.troupe.samples;

import dev.troupe.Pool;
import dev.troupe.PoolOptions;
import dev.troupe.Troupe;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/** Python's {@code Pool(4).map(square, range(10))} and {@code apply_async} with a callback. */
public final class PoolMapSquares {
    private PoolMapSquares() {
    }

    public static void main(String[] args) throws Exception {
        try (Troupe troupe = Troupe.local(); Pool pool = troupe.pool(PoolOptions.workers(2))) {
            List<Integer> squares = pool.map(x -> x * x, IntStream.range(0, 10).boxed().collect(Collectors.toList()));
            System.out.println("squares: " + squares);
            CompletableFuture<String> f = pool.submit(s -> s.toUpperCase() + " from pid "
                + ProcessHandle.current().pid(), "apply-async");
            f.thenAccept(r -> System.out.println("callback got: " + r)).get();
        }
    }
}
