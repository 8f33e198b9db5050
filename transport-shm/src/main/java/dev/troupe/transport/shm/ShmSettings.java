package dev.troupe.transport.shm;

import dev.troupe.spi.support.OptionValues;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The shared-memory transport's own tuning, the {@code troupe.shm} section (see this module's
 * {@code reference.conf}), read from {@link dev.troupe.spi.TransportSettings#options()}:
 * <ul>
 *   <li>{@code ring-bytes}: bytes per ring and direction, a power of two (default 1 MiB); a message larger than an
 *       eighth of it is sent in fragments. The server's setting sizes the segment; a client maps what it is given;</li>
 *   <li>{@code spin-micros}: how long an idle reader, or a sender facing a full ring, spins with
 *       {@link Thread#onSpinWait()} before it yields (default 2);</li>
 *   <li>{@code yield-micros}: how long it then polls between {@link Thread#yield()}s before it sleeps on the futex
 *       (default 50);</li>
 *   <li>{@code stale-after}: how long the peer's heartbeat may stand still before the link is failed (default
 *       10 s).</li>
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
    /** The configuration section the options come from. */
    static final String SECTION = "troupe.shm";
    /** Defaults, the same as in {@code reference.conf}: a worker reads its options without loading it. */
    static final int DEFAULT_RING_BYTES = 1024 * 1024;
    static final long DEFAULT_SPIN_MICROS = 2;
    static final long DEFAULT_YIELD_MICROS = 50;
    static final Duration DEFAULT_STALE_AFTER = Duration.ofSeconds(10);

    /** The defaults. */
    static final ShmSettings DEFAULTS = of(Map.of());

    /**
     * Reads the settings from the transport's options, taking the default for each one not given.
     *
     * @param options the {@code troupe.shm} options, keys without the prefix.
     * @return the settings.
     * @throws IllegalArgumentException when a value is malformed or out of range; the message names the setting.
     */
    static ShmSettings of(Map<String, String> options) {
        OptionValues v = new OptionValues(options, SECTION);
        long ring = v.bytes("ring-bytes", DEFAULT_RING_BYTES);
        if (ring < Segment.MIN_RING_BYTES || ring > Segment.MAX_RING_BYTES || Long.bitCount(ring) != 1) {
            throw new IllegalArgumentException(SECTION + ".ring-bytes must be a power of two from 64KiB to 256MiB,"
                + " got " + ring + " bytes ('" + options.get("ring-bytes") + "')");
        }
        long stale = v.duration("stale-after", DEFAULT_STALE_AFTER).toNanos();
        if (stale <= 0) {
            throw new IllegalArgumentException(SECTION + ".stale-after must be positive, got '"
                + options.get("stale-after") + "'");
        }
        return new ShmSettings((int) ring,
            TimeUnit.MICROSECONDS.toNanos(nonNegative(v, "spin-micros", DEFAULT_SPIN_MICROS)),
            TimeUnit.MICROSECONDS.toNanos(nonNegative(v, "yield-micros", DEFAULT_YIELD_MICROS)),
            stale);
    }

    /**
     * {@code no-futex}: whether waits back off instead of sleeping on futexes (default off).
     *
     * @param options the {@code troupe.shm} options.
     * @return the flag.
     * @throws IllegalArgumentException when the value is not a boolean.
     */
    static boolean noFutex(Map<String, String> options) {
        return new OptionValues(options, SECTION).flag("no-futex", false);
    }

    private static long nonNegative(OptionValues v, String key, long fallback) {
        long n = v.number(key, fallback);
        if (n < 0) {
            throw new IllegalArgumentException(SECTION + "." + key + " must not be negative, got " + n);
        }
        return n;
    }
}
