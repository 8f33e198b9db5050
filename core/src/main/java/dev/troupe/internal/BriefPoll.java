package dev.troupe.internal;

import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * INTERNAL API. Waiting for an answer that is due within microseconds: poll the future, yielding the CPU between
 * polls, before parking on it. Parking a thread and waking it again costs about as much as a small round trip to
 * another process on a busy machine; a plain spin would keep the threads that produce the answer off a shared CPU.
 */
public final class BriefPoll {
    /** How long a caller polls for an answer due soon before it parks. */
    public static final long POLL_NANOS = TimeUnit.MICROSECONDS.toNanos(30);
    /** Polls between two clock reads (and yields): a power of two. */
    private static final int POLLS_PER_YIELD = 32;

    private BriefPoll() {
    }

    /**
     * Polls {@code future} until it is done or {@code nanos} have passed.
     *
     * @param future the future.
     * @param nanos  how long to poll at most.
     * @return whether it is done.
     */
    public static boolean await(Future<?> future, long nanos) {
        if (future.isDone()) {
            return true;
        }
        long deadline = System.nanoTime() + nanos;
        int polls = 0;
        while (!future.isDone()) {
            if ((++polls & (POLLS_PER_YIELD - 1)) == 0) {
                if (System.nanoTime() - deadline > 0) {
                    return false;
                }
                Thread.yield();
            } else {
                Thread.onSpinWait();
            }
        }
        return true;
    }
}
