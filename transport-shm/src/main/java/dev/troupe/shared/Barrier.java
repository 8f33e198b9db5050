package dev.troupe.shared;

import java.time.Duration;

/**
 * A named barrier for a fixed number of parties ({@code multiprocessing.Barrier}): each {@link #await} blocks
 * until that many have arrived, then all go on and the barrier is ready for the next round.
 */
public final class Barrier extends SharedObject {
    static final String KIND = "barrier";
    /** One 64-bit word, updated as a whole: arrivals in the low half, the round in the high half. */
    private static final int STATE = 0;
    /** The high half of {@link #STATE} (little-endian): the futex word waiters sleep on. */
    private static final int GENERATION = 4;
    private static final int PARTIES = 8;
    private static final int SIZE = 64;

    private Barrier(NamedSegment segment) {
        super(segment);
    }

    /**
     * Opens the barrier with this name, creating it for {@code parties} if no process has.
     *
     * @param name    letters, digits, {@code . _ -}.
     * @param parties how many must arrive; an existing barrier must have the same number.
     * @return a handle.
     */
    public static Barrier open(String name, int parties) {
        if (parties < 1) {
            throw new IllegalArgumentException("parties must be at least 1: " + parties);
        }
        Barrier b = new Barrier(NamedSegment.openOrCreate(KIND, name, SIZE, d -> d.putInt(PARTIES, parties)));
        if (b.parties() != parties) {
            throw new dev.troupe.TroupeException("barrier '" + name + "' exists for " + b.parties() + " parties, not "
                + parties);
        }
        return b;
    }

    /**
     * Removes the name.
     *
     * @param name the name.
     * @return whether it existed.
     */
    public static boolean unlink(String name) {
        return NamedSegment.unlink(KIND, name);
    }

    /**
     * @return how many parties the barrier waits for.
     */
    public int parties() {
        return data.getInt(PARTIES);
    }

    /**
     * Arrives and waits for the others.
     *
     * @param timeout how long to wait for them.
     * @return the arrival index (0 for the last to arrive), or -1 when the time ran out; this party's
     *         arrival is then withdrawn, unless the barrier tripped meanwhile.
     */
    public int await(Duration timeout) {
        checkOpen();
        long deadline = deadline(timeout.toNanos());
        int parties = parties();
        int generation;
        int arrived;
        while (true) {
            long w = data.getLongVolatile(STATE);
            generation = (int) (w >>> 32);
            arrived = (int) w + 1;
            long next = arrived == parties ? (long) (generation + 1) << 32 : (w & 0xffffffff00000000L) | arrived;
            if (data.compareAndSetLong(STATE, w, next)) {
                break;
            }
        }
        if (arrived == parties) {
            wake(GENERATION, Integer.MAX_VALUE);
            return 0;
        }
        while (data.getIntVolatile(GENERATION) == generation) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                // Withdraw this arrival, unless the round completed meanwhile.
                while (true) {
                    long w = data.getLongVolatile(STATE);
                    if ((int) (w >>> 32) != generation) {
                        return parties - arrived;
                    }
                    if (data.compareAndSetLong(STATE, w, w - 1)) {
                        return -1;
                    }
                }
            }
            sleepOn(GENERATION, generation, left);
        }
        return parties - arrived;
    }

    @Override
    int tryTake() {
        throw new UnsupportedOperationException("a barrier cannot be waited on with Waits: " + this);
    }

    @Override
    void untake() {
        throw new UnsupportedOperationException();
    }
}
