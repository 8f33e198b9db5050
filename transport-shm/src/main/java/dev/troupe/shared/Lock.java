package dev.troupe.shared;

import java.time.Duration;

/**
 * A named lock shared by processes, the analog of Win32's named mutex and Python's
 * {@code multiprocessing.Lock}. It is held by one thread of one process at a time; only that thread releases
 * it.
 *
 * <p>A lock whose holder process dies is not lost: the next acquirer gets it and {@link #abandoned()} says so
 * (Win32's {@code WAIT_ABANDONED}), so it can check the data the lock guards. Blocked acquirers notice a dead
 * holder within about 100 ms.
 */
public class Lock extends SharedObject {
    static final String KIND = "lock";
    /** The holder's pid, 0 when free: the futex word. */
    static final int STATE = 0;
    static final int ABANDONED = 4;
    /** The holder's pid and thread id in one word, so that a taken-over lock never matches the dead holder's. */
    static final int OWNER = 8;
    static final int DEPTH = 16;
    static final int WAITERS = 64;
    static final int SIZE = 128;

    Lock(NamedSegment segment) {
        super(segment);
    }

    /**
     * Opens the lock with this name, creating it (free) if no process has.
     *
     * @param name letters, digits, {@code . _ -}.
     * @return a handle; close it when done.
     */
    public static Lock open(String name) {
        return new Lock(NamedSegment.openOrCreate(KIND, name, SIZE, d -> { }));
    }

    /**
     * Removes the name. Processes that have the lock open keep using it.
     *
     * @param name the name.
     * @return whether it existed.
     */
    public static boolean unlink(String name) {
        return NamedSegment.unlink(KIND, name);
    }

    /** Acquires the lock, waiting as long as it takes. */
    public void acquire() {
        acquireNanos(Long.MAX_VALUE);
    }

    /**
     * Acquires the lock if it becomes free within {@code timeout}.
     *
     * @param timeout how long to wait; zero tries once.
     * @return {@code true} when acquired, {@code false} when the time ran out.
     */
    public boolean tryAcquire(Duration timeout) {
        return acquireNanos(timeout.toNanos());
    }

    boolean acquireNanos(long nanos) {
        return awaitTake(nanos, STATE, WAITERS);
    }

    /** Sleep only while a live process holds it: a dead holder's lock is taken over at once. */
    @Override
    boolean worthSleeping(int holder) {
        return holder != 0 && alive(holder);
    }

    @Override
    int tryTake() {
        long thread = Thread.currentThread().getId();
        if (data.compareAndSetInt(STATE, 0, PID)) {
            took(thread, false);
            return 1;
        }
        int holder = data.getIntVolatile(STATE);
        if (holder != 0 && holder != PID && !alive(holder) && data.compareAndSetInt(STATE, holder, PID)) {
            took(thread, true);
            return 2;
        }
        return 0;
    }

    void took(long thread, boolean abandoned) {
        data.putInt(DEPTH, 1);
        data.putIntVolatile(ABANDONED, abandoned ? 1 : 0);
        data.putLongVolatile(OWNER, owner(thread));
    }

    private static long owner(long thread) {
        return ((long) PID << 32) | (thread & 0xffffffffL);
    }

    @Override
    void untake() {
        release();
    }

    /**
     * Releases the lock.
     *
     * @throws IllegalMonitorStateException when this thread does not hold it.
     */
    public void release() {
        checkOpen();
        checkHeld();
        free();
    }

    void checkHeld() {
        if (!isHeldByCurrentThread()) {
            throw new IllegalMonitorStateException(this + " is not held by this thread (held by pid "
                + data.getIntVolatile(STATE) + ")");
        }
    }

    void free() {
        data.putLongVolatile(OWNER, 0);
        data.putInt(DEPTH, 0);
        data.putIntVolatile(STATE, 0);
        if (data.getIntVolatile(WAITERS) > 0) {
            wake(STATE, 1);
        }
        Signals.bump();
    }

    /** How many times the holder holds it (1 for a plain lock); for {@link Condition}, which must free it fully. */
    int depth() {
        return data.getInt(DEPTH);
    }

    void restoreDepth(int depth) {
        data.putInt(DEPTH, depth);
    }

    /**
     * @return whether this thread holds the lock.
     */
    public boolean isHeldByCurrentThread() {
        return data.getIntVolatile(STATE) == PID
            && data.getLongVolatile(OWNER) == owner(Thread.currentThread().getId());
    }

    /**
     * Whether the current hold was taken over from a process that died holding the lock; the data it guards
     * may be half-updated.
     *
     * @return {@code true} for an abandoned lock.
     */
    public boolean abandoned() {
        return data.getIntVolatile(ABANDONED) != 0;
    }
}
