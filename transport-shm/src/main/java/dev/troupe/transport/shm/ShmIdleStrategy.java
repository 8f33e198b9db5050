package dev.troupe.transport.shm;

import java.util.function.LongSupplier;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * How a thread of a shm link waits for the other side: it spins with {@link Thread#onSpinWait()} for
 * {@code spinNanos}, then polls between {@link Thread#yield()}s for {@code yieldNanos}, then sleeps on a futex
 * in the segment's header until the other side wakes it (or a time-out passes). The reader waits so for data,
 * a sender facing a full ring for room. Why the spin is short: {@link ShmSettings}.
 *
 * <p>The sleep follows the segment's waiting-flag protocol, which lets the other side skip the wake-up system call
 * while this one is awake: read the futex word's sequence, raise the waiting flag, look for work once more (the
 * other side may have written just before it saw the flag), sleep only if there is none and the sequence has not
 * moved, lower the flag. The other side bumps the sequence and wakes the futex only when it finds the flag up.
 *
 * <p>The clock is read only every {@code clockEvery} idle rounds, so the tightest loop between two messages is a
 * poll and a pause. Once asleep, each idle round is one sleep, until {@link #reset()}; {@link #sleeping()} tells
 * the caller, which then does what it must between sleeps (heartbeat and peer checks).
 *
 * <p>Not thread-safe: one instance per waiting thread (or per lock that serializes the waiting threads).
 */
final class ShmIdleStrategy implements IdleStrategy {
    /** Looks once more for work while the waiting flag is up. */
    @FunctionalInterface
    interface Recheck {
        /**
         * @return {@code true} when there is still nothing to do, so the thread may sleep.
         */
        boolean nothingToDo();
    }

    private final long spinNanos;
    private final long yieldNanos;
    private final int clockMask;
    private final UnsafeBuffer header;
    private final int seqOffset;
    private final int waitingOffset;
    private final long seqAddress;
    private final Recheck recheck;
    private final LongSupplier sleepNanos;
    private final Futex futex = new Futex();

    private int rounds;
    /** When the thread became idle; 0: not idle. */
    private long idleSince;
    private boolean sleeping;

    /**
     * @param spinNanos     how long to spin.
     * @param yieldNanos    how long to poll between yields after the spin; 0 to sleep right after it.
     * @param clockEvery    read the clock every this many idle rounds, a power of two.
     * @param segment       whose header holds the futex word and the waiting flag.
     * @param seqOffset     the futex word's offset in the header: the sequence the other side bumps to wake.
     * @param waitingOffset the offset of this side's waiting flag in the header.
     * @param recheck       the last look for work before sleeping, with the flag up.
     * @param sleepNanos    the longest sleep; asked before each sleep.
     */
    ShmIdleStrategy(long spinNanos, long yieldNanos, int clockEvery, Segment segment, int seqOffset,
                    int waitingOffset, Recheck recheck, LongSupplier sleepNanos) {
        if (Integer.bitCount(clockEvery) != 1) {
            throw new IllegalArgumentException("clockEvery must be a power of two: " + clockEvery);
        }
        this.spinNanos = spinNanos;
        this.yieldNanos = yieldNanos;
        this.clockMask = clockEvery - 1;
        this.header = segment.header;
        this.seqOffset = seqOffset;
        this.waitingOffset = waitingOffset;
        this.seqAddress = segment.address(seqOffset);
        this.recheck = recheck;
        this.sleepNanos = sleepNanos;
    }

    /** Resets after work was done, otherwise takes one idle round. */
    @Override
    public void idle(int workCount) {
        if (workCount > 0) {
            reset();
        } else {
            idle();
        }
    }

    /** One idle round: a pause, a yield or a sleep, depending on how long the thread has been idle. */
    @Override
    public void idle() {
        if (!sleeping) {
            if ((++rounds & clockMask) != 0) {
                Thread.onSpinWait();
                return;
            }
            long t = System.nanoTime();
            if (idleSince == 0) {
                idleSince = t;
            }
            long idle = t - idleSince;
            if (idle < spinNanos) {
                Thread.onSpinWait();
                return;
            }
            if (idle < spinNanos + yieldNanos) {
                Thread.yield();
                return;
            }
            sleeping = true; // until reset
        }
        int seq = header.getIntVolatile(seqOffset);
        header.putIntVolatile(waitingOffset, 1);
        if (recheck.nothingToDo()) {
            futex.await(seqAddress, seq, sleepNanos.getAsLong());
        }
        header.putIntVolatile(waitingOffset, 0);
    }

    /** The thread found work: the next idle round starts with the spin again. */
    @Override
    public void reset() {
        rounds = 0;
        idleSince = 0;
        sleeping = false;
    }

    /** Whether the last idle round was a sleep (or an attempt at one the recheck called off). */
    boolean sleeping() {
        return sleeping;
    }

    @Override
    public String alias() {
        return "shm";
    }

    @Override
    public String toString() {
        return "ShmIdleStrategy{spinNanos=" + spinNanos + ", yieldNanos=" + yieldNanos + ", clockEvery="
            + (clockMask + 1) + "}";
    }
}
