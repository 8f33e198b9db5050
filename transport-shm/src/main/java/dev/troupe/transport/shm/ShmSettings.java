package dev.troupe.transport.shm;

import java.util.concurrent.TimeUnit;

/**
 * The shared-memory transport's own tuning, read from system properties:
 * <ul>
 *   <li>{@code troupe.shm.ring-bytes}: bytes per ring and direction, a power of two (default 1 MiB); a message
 *       larger than an eighth of it is sent in fragments;</li>
 *   <li>{@code troupe.shm.spin-micros}: how long an idle reader, or a sender facing a full ring, spins with
 *       {@link Thread#onSpinWait()} before it yields (default 2);</li>
 *   <li>{@code troupe.shm.yield-micros}: how long it then polls between {@link Thread#yield()}s before it sleeps on
 *       the futex (default 50).</li>
 *   <li>{@code troupe.shm.stale-after-ms}: how long the peer's heartbeat may stand still before the link is
 *       failed (default 10,000).</li>
 * </ul>
 *
 * <p>The spin is short on purpose. When the scheduler puts both ends of a ping-pong on one CPU (it does, after a
 * futex wake, until it balances them out), each side's spin keeps the other off the CPU: with a 20 µs spin, round
 * trips took 50 µs for tens of milliseconds at a time in {@code shm_pingpong_64B}; with 2 µs they take 12 µs in that
 * state, and on two CPUs the round trip (0.6 µs) never leaves the spin.
 *
 * @param ringBytes       bytes per ring.
 * @param spinNanos       how long to spin before yielding.
 * @param yieldNanos      how long to poll between yields before sleeping.
 * @param staleNanos      the heartbeat limit.
 */
record ShmSettings(int ringBytes, long spinNanos, long yieldNanos, long staleNanos) {
    static ShmSettings fromSystemProperties() {
        return new ShmSettings(
            Integer.getInteger("troupe.shm.ring-bytes", 1024 * 1024),
            TimeUnit.MICROSECONDS.toNanos(Long.getLong("troupe.shm.spin-micros", 2)),
            TimeUnit.MICROSECONDS.toNanos(Long.getLong("troupe.shm.yield-micros", 50)),
            TimeUnit.MILLISECONDS.toNanos(Long.getLong("troupe.shm.stale-after-ms", 10_000)));
    }
}
