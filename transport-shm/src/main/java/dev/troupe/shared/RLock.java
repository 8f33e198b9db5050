package dev.troupe.shared;

/**
 * A named reentrant lock: the thread holding it may acquire it again, and must release it as many times
 * ({@code multiprocessing.RLock}). Abandonment works as for {@link Lock}.
 */
public final class RLock extends Lock {
    static final String KIND = "rlock";

    private RLock(NamedSegment segment) {
        super(segment);
    }

    /**
     * Opens the reentrant lock with this name, creating it if no process has.
     *
     * @param name letters, digits, {@code . _ -}.
     * @return a handle.
     */
    public static RLock open(String name) {
        return new RLock(NamedSegment.openOrCreate(KIND, name, SIZE, d -> { }));
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

    @Override
    int tryTake() {
        if (isHeldByCurrentThread()) {
            data.putInt(DEPTH, data.getInt(DEPTH) + 1);
            return 1;
        }
        return super.tryTake();
    }

    @Override
    public void release() {
        checkOpen();
        checkHeld();
        int depth = data.getInt(DEPTH) - 1;
        if (depth > 0) {
            data.putInt(DEPTH, depth);
        } else {
            free();
        }
    }

    /**
     * @return how many times this thread holds the lock; 0 when it does not.
     */
    public int holdCount() {
        return isHeldByCurrentThread() ? data.getInt(DEPTH) : 0;
    }
}
