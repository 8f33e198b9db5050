package dev.troupe.shared;

import dev.troupe.spi.support.ProcessConfig;
import dev.troupe.transport.shm.Futex;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A named object in shared memory that any process of this user on this machine opens by name, like Win32's
 * named kernel objects. Thread-safe. {@link #close()} only stops this handle; the object lives on until
 * {@code unlink}ed, as a POSIX shared-memory object does.
 */
public abstract class SharedObject implements Waitable, AutoCloseable {
    /** How long a blocked waiter sleeps before it re-checks, for example for a lock holder that died. */
    static final long SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final ThreadLocal<Futex> FUTEX = ThreadLocal.withInitial(Futex::new);
    static final int PID = (int) ProcessHandle.current().pid();
    /**
     * How long a waiter spins before it sleeps ({@code troupe.shared.spin-micros}, default 10): a hand-off between
     * two busy processes then costs no system call. Read from {@link ProcessConfig} when the first object opens.
     */
    static final long SPIN_NANOS = TimeUnit.MICROSECONDS.toNanos(spinMicros());

    private static long spinMicros() {
        long micros = ProcessConfig.get().getLong("troupe.shared.spin-micros");
        if (micros < 0) {
            throw new IllegalArgumentException("troupe.shared.spin-micros must not be negative, got " + micros);
        }
        return micros;
    }

    final NamedSegment segment;
    final UnsafeBuffer data;
    private volatile boolean closed;

    SharedObject(NamedSegment segment) {
        // Every process that may wake a waiter must have futexes bound: the first object opened waits for that.
        Futex.isAvailable();
        this.segment = segment;
        this.data = segment.data;
    }

    /**
     * @return the name it was opened by.
     */
    public String name() {
        return segment.name;
    }

    /** Stops using this handle; other handles and processes are not affected. */
    @Override
    public void close() {
        closed = true;
    }

    boolean isClosed() {
        return closed;
    }

    void checkOpen() {
        if (closed) {
            throw new IllegalStateException(segment + " is closed");
        }
    }

    /**
     * The wait of locks, semaphores and events: try to take the object, spin for {@link #SPIN_NANOS}, then sleep
     * on its futex {@code word} (counted in {@code waiters}, so that releasers know to wake) a slice at a time.
     *
     * @return {@code true} when taken, {@code false} when {@code nanos} ran out.
     */
    final boolean awaitTake(long nanos, int word, int waiters) {
        checkOpen();
        long deadline = deadline(nanos);
        long spinUntil = System.nanoTime() + SPIN_NANOS;
        while (true) {
            if (tryTake() != 0) {
                return true;
            }
            long now = System.nanoTime();
            long left = deadline - now;
            if (left <= 0) {
                return false;
            }
            if (now < spinUntil) {
                Thread.onSpinWait();
                continue;
            }
            int seen = data.getIntVolatile(word);
            if (!worthSleeping(seen)) {
                continue; // it changed since the try: try again at once
            }
            data.getAndAddInt(waiters, 1);
            sleepOn(word, seen, left);
            data.getAndAddInt(waiters, -1);
        }
    }

    /** Whether a waiter that read {@code value} in its futex word should sleep rather than try again. */
    boolean worthSleeping(int value) {
        return true;
    }

    /** Sleeps while the word at {@code offset} holds {@code expected}, at most {@code nanos} (and one slice). */
    void sleepOn(int offset, int expected, long nanos) {
        FUTEX.get().await(segment.address(offset), expected, Math.max(1, Math.min(nanos, SLICE_NANOS)));
    }

    void wake(int offset, int count) {
        Futex.wake(segment.address(offset), count);
    }

    /**
     * Takes the object without waiting, for {@link Waits}: {@code 0} not available, {@code 1} taken, {@code 2}
     * taken from an owner that died holding it.
     */
    abstract int tryTake();

    /** Gives back what {@link #tryTake()} took, for {@link Waits#all} when it cannot take every object. */
    abstract void untake();

    static boolean alive(int pid) {
        return pid == PID || ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    static long deadline(long nanos) {
        long now = System.nanoTime();
        return nanos >= Long.MAX_VALUE - now ? Long.MAX_VALUE : now + nanos;
    }

    @Override
    public String toString() {
        return segment.toString();
    }
}
