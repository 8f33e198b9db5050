package dev.troupe.transport.shm;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import java.util.concurrent.locks.LockSupport;

/**
 * Sleeping on, and waking, a 32-bit word in shared memory: Linux {@code futex(2)} through a JNA direct mapping
 * of {@code syscall}, shared between processes (no {@code FUTEX_PRIVATE_FLAG}). Elsewhere, or when the native
 * call cannot be bound, {@link #await} is a short {@link LockSupport#parkNanos} and {@link #wake} does nothing,
 * so callers fall back to a bounded back-off.
 *
 * <p>One instance per waiting thread: it owns the native {@code timespec} it passes to the kernel.
 *
 * <p>INTERNAL API, public only for {@code dev.troupe.shared}.
 */
public final class Futex {
    private static final int FUTEX_WAIT = 0;
    private static final int FUTEX_WAKE = 1;
    /** The back-off when futexes are not available. */
    private static final long FALLBACK_PARK_NANOS = 200_000;

    private static final long SYS_FUTEX;
    private static final Throwable UNAVAILABILITY_CAUSE;

    static {
        long nr = -1;
        Throwable cause = null;
        String arch = System.getProperty("os.arch", "");
        if (!Platform.isLinux()) {
            cause = new UnsupportedOperationException("futex(2) exists on Linux only; waiting falls back to back-off");
        } else if (arch.equals("amd64") || arch.equals("x86_64")) {
            nr = 202;
        } else if (arch.equals("aarch64") || arch.equals("arm64")) {
            nr = 98;
        } else {
            cause = new UnsupportedOperationException("no futex syscall number known for " + arch);
        }
        if (cause == null) {
            try {
                Native.register(Futex.class, Platform.C_LIBRARY_NAME);
            } catch (Throwable t) {
                cause = t;
            }
        }
        SYS_FUTEX = nr;
        UNAVAILABILITY_CAUSE = cause;
    }

    private final Memory timespec = UNAVAILABILITY_CAUSE == null ? new Memory(16) : null;

    /** The {@code syscall(2)} wrapper of the C library; variadic, called with the futex arguments. */
    private static native long syscall(long number, long address, int op, int value, long timeout, long address2,
                                       int value3);

    /**
     * Whether waits sleep in the kernel.
     *
     * @return {@code true} on Linux with the syscall bound.
     */
    public static boolean isAvailable() {
        return UNAVAILABILITY_CAUSE == null;
    }

    /**
     * Why futexes are not used here.
     *
     * @return the cause, or {@code null}.
     */
    static Throwable unavailabilityCause() {
        return UNAVAILABILITY_CAUSE;
    }

    /**
     * Sleeps while the word at {@code address} holds {@code expected}, until woken or {@code timeoutNanos} pass.
     * Returns at once when the word holds something else; may also return spuriously, so callers re-check.
     *
     * @param address      the word's address in a shared mapping, 4-byte aligned.
     * @param expected     the value the caller last read.
     * @param timeoutNanos the longest sleep.
     */
    public void await(long address, int expected, long timeoutNanos) {
        if (UNAVAILABILITY_CAUSE != null) {
            LockSupport.parkNanos(Math.min(timeoutNanos, FALLBACK_PARK_NANOS));
            return;
        }
        timespec.setLong(0, timeoutNanos / 1_000_000_000L);
        timespec.setLong(8, timeoutNanos % 1_000_000_000L);
        syscall(SYS_FUTEX, address, FUTEX_WAIT, expected, Pointer.nativeValue(timespec), 0, 0);
    }

    /**
     * Wakes up to {@code count} threads, in any process, sleeping on the word at {@code address}.
     *
     * @param address the word's address.
     * @param count   how many to wake.
     */
    public static void wake(long address, int count) {
        if (UNAVAILABILITY_CAUSE == null) {
            syscall(SYS_FUTEX, address, FUTEX_WAKE, count, 0, 0, 0);
        }
    }
}
