package dev.troupe.samples;

import dev.troupe.Pool;
import dev.troupe.PoolOptions;
import dev.troupe.Troupe;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;

/**
 * A pool initializer that opens a per-worker resource once (here a {@link MessageDigest}), which every task of that
 * worker then uses: Python's {@code Pool(initializer=...)}.
 */
public final class WorkerInitializer {
    private static MessageDigest digest;

    private WorkerInitializer() {
    }

    static Object open(Void ignored) throws Exception {
        digest = MessageDigest.getInstance("SHA-256");
        System.out.println("worker " + ProcessHandle.current().pid() + " opened its digest");
        return null;
    }

    static String hash(String input) {
        return HexFormat.of().formatHex(digest.digest(input.getBytes(java.nio.charset.StandardCharsets.UTF_8)))
            .substring(0, 16) + "  " + input + "  (pid " + ProcessHandle.current().pid() + ")";
    }

    public static void main(String[] args) throws Exception {
        try (Troupe troupe = Troupe.local();
             Pool pool = troupe.pool(PoolOptions.workers(2).initializer(WorkerInitializer::open))) {
            pool.map(WorkerInitializer::hash, List.of("alpha", "beta", "gamma", "delta")).forEach(System.out::println);
        }
    }
}
