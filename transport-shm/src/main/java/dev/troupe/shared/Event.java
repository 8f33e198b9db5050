package dev.troupe.shared;

import java.time.Duration;

/**
 * A named event shared by processes: {@code multiprocessing.Event} and Win32's named event. A manual-reset
 * event stays set, waking every waiter, until {@link #clear()}; an auto-reset event lets one waiter through per
 * {@link #set()} and clears itself.
 */
public final class Event extends SharedObject {
    static final String KIND = "event";
    private static final int SIGNALED = 0;
    private static final int AUTO_RESET = 4;
    private static final int WAITERS = 64;
    private static final int SIZE = 128;

    private Event(NamedSegment segment) {
        super(segment);
    }

    /**
     * Opens the manual-reset event with this name, creating it (clear) if no process has.
     *
     * @param name letters, digits, {@code . _ -}.
     * @return a handle.
     */
    public static Event open(String name) {
        return create(name, false);
    }

    /**
     * Opens the auto-reset event with this name, creating it (clear) if no process has.
     *
     * @param name letters, digits, {@code . _ -}.
     * @return a handle.
     */
    public static Event openAutoReset(String name) {
        return create(name, true);
    }

    private static Event create(String name, boolean autoReset) {
        Event e = new Event(NamedSegment.openOrCreate(KIND, name, SIZE, d -> d.putInt(AUTO_RESET, autoReset ? 1 : 0)));
        if ((e.data.getInt(AUTO_RESET) != 0) != autoReset) {
            throw new dev.troupe.TroupeException("event '" + name + "' exists as a "
                + (autoReset ? "manual" : "auto") + "-reset event");
        }
        return e;
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

    /** Sets the event: wakes all waiters (manual reset) or one (auto reset). */
    public void set() {
        checkOpen();
        data.putIntVolatile(SIGNALED, 1);
        if (data.getIntVolatile(WAITERS) > 0) {
            wake(SIGNALED, autoReset() ? 1 : Integer.MAX_VALUE);
        }
        Signals.bump();
    }

    /** Clears the event. */
    public void clear() {
        checkOpen();
        data.putIntVolatile(SIGNALED, 0);
    }

    /**
     * @return whether the event is set now.
     */
    public boolean isSet() {
        return data.getIntVolatile(SIGNALED) != 0;
    }

    /** Waits until the event is set. */
    public void await() {
        awaitNanos(Long.MAX_VALUE);
    }

    /**
     * Waits until the event is set or {@code timeout} passes.
     *
     * @param timeout how long to wait.
     * @return {@code true} when set, {@code false} on time-out.
     */
    public boolean await(Duration timeout) {
        return awaitNanos(timeout.toNanos());
    }

    private boolean awaitNanos(long nanos) {
        return awaitTake(nanos, SIGNALED, WAITERS);
    }

    @Override
    boolean worthSleeping(int signaled) {
        return signaled == 0;
    }

    private boolean autoReset() {
        return data.getInt(AUTO_RESET) != 0;
    }

    @Override
    int tryTake() {
        if (autoReset()) {
            return data.compareAndSetInt(SIGNALED, 1, 0) ? 1 : 0;
        }
        return data.getIntVolatile(SIGNALED) != 0 ? 1 : 0;
    }

    @Override
    void untake() {
        if (autoReset()) {
            set();
        }
    }
}
