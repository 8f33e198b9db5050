package dev.troupe.shared;

import dev.troupe.transport.shm.Futex;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * One word every process of this user bumps when it releases, sets or posts any shared object, so that
 * {@link Waits} can sleep on many objects at once (Linux cannot sleep on several futexes before 5.16). The bump
 * costs a read when nobody waits in {@link Waits}.
 */
final class Signals {
    private static final int GENERATION = 0;
    private static final int WAITERS = 64;
    private static volatile NamedSegment segment;

    private Signals() {
    }

    private static NamedSegment segment() {
        NamedSegment s = segment;
        if (s == null) {
            synchronized (Signals.class) {
                s = segment;
                if (s == null) {
                    s = NamedSegment.openOrCreate("signals", "all", 128, d -> { });
                    segment = s;
                }
            }
        }
        return s;
    }

    static void bump() {
        NamedSegment s = segment();
        UnsafeBuffer d = s.data;
        if (d.getIntVolatile(WAITERS) > 0) {
            d.getAndAddInt(GENERATION, 1);
            Futex.wake(s.address(GENERATION), Integer.MAX_VALUE);
        }
    }

    static int generation() {
        return segment().data.getIntVolatile(GENERATION);
    }

    /** Announces a waiter; call before reading {@link #generation()} and trying the objects. */
    static void enter() {
        segment().data.getAndAddInt(WAITERS, 1);
    }

    static void exit() {
        segment().data.getAndAddInt(WAITERS, -1);
    }

    /** Sleeps while the generation is still {@code seen}, at most {@code nanos}; between enter and exit. */
    static void await(Futex futex, int seen, long nanos) {
        NamedSegment s = segment();
        futex.await(s.address(GENERATION), seen, nanos);
    }
}
