package dev.troupe.shared;

import java.nio.channels.SelectableChannel;

/**
 * What {@link Waits} asks of a {@link Waitable} that is not a {@link SharedObject}: whether it is signaled now, and
 * how to make sure that whoever signals it bumps {@link Signals} while a waiter sleeps.
 */
interface WaitTarget {
    /**
     * Takes the object if it is signaled: {@code 0} not signaled, {@code 1} taken (readiness that is only
     * observed, such as a readable connection or an exited process, is not consumed).
     */
    int tryTake();

    /** Gives back what {@link #tryTake()} took, for {@link Waits#all} when it cannot take every object. */
    default void untake() {
    }

    /** Throws when the object cannot be waited on now (closed, or the wrong kind of end). */
    default void checkWaitable() {
    }

    /** Called before a waiter first tries the object: from now on, whatever signals it should bump {@link Signals}. */
    default void beginWait() {
    }

    /** Called once the waiter is done; undoes {@link #beginWait()}. */
    default void endWait() {
    }

    /** A channel whose readability signals the object, for objects no other process can wake through
     * {@link Signals}; {@code null} for the others. */
    default SelectableChannel channel() {
        return null;
    }
}
