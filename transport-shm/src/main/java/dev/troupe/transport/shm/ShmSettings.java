package dev.troupe.transport.shm;

import java.util.concurrent.TimeUnit;

/**
 * The shared-memory transport's own tuning, read from system properties:
 * <ul>
 *   <li>{@code troupe.shm.ring-bytes}: bytes per ring and direction, a power of two (default 1 MiB); a message
 *       larger than an eighth of it is sent in fragments;</li>
 *   <li>{@code troupe.shm.spin}: how many {@link Thread#onSpinWait()} rounds an idle reader or a blocked sender
 *       spins before it yields (default 200);</li>
 *   <li>{@code troupe.shm.yield}: how many {@link Thread#yield()} rounds follow before it sleeps on the futex
 *       (default 10);</li>
 *   <li>{@code troupe.shm.stale-after-ms}: how long the peer's heartbeat may stand still before the link is
 *       failed (default 10,000).</li>
 * </ul>
 *
 * @param ringBytes       bytes per ring.
 * @param spinIterations  spin rounds before yielding.
 * @param yieldIterations yield rounds before sleeping.
 * @param staleNanos      the heartbeat limit.
 */
record ShmSettings(int ringBytes, int spinIterations, int yieldIterations, long staleNanos) {
    static ShmSettings fromSystemProperties() {
        return new ShmSettings(
            Integer.getInteger("troupe.shm.ring-bytes", 1024 * 1024),
            Integer.getInteger("troupe.shm.spin", 200),
            Integer.getInteger("troupe.shm.yield", 10),
            TimeUnit.MILLISECONDS.toNanos(Long.getLong("troupe.shm.stale-after-ms", 10_000)));
    }
}
