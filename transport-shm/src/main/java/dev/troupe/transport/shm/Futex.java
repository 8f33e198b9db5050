package dev.troupe.transport.shm;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import com.typesafe.config.Config;
import dev.troupe.spi.support.ProcessConfig;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * Sleeping on, and waking, a 32-bit word in shared memory: Linux {@code futex(2)} through a JNA direct mapping
 * of {@code syscall}, shared between processes (no {@code FUTEX_PRIVATE_FLAG}).
 *
 * <p>Binding the call costs about 200 ms of CPU (JNA unpacks and loads its native library), which a worker must
 * not spend on its start-up path. So it is bound on a background thread after {@link #preload()}; until it is
 * ready, and where futexes do
 * not exist, {@link #await} is a short {@link LockSupport#parkNanos} and {@link #wake} does nothing. A link
 * tells its peer when its futexes are ready, and sleeps briefly while the peer's are not.
 *
 * <p>One instance per waiting thread: it owns the native {@code timespec} it passes to the kernel.
 *
 * <p>INTERNAL API, public only for {@code dev.troupe.shared}.
 */
public final class Futex {
    private static final int FUTEX_WAIT = 0;
    private static final int FUTEX_WAKE = 1;
    private static final String NO_FUTEX = "troupe.shm.no-futex";
    /** The sleep while futexes are not ready. */
    static final long FALLBACK_PARK_NANOS = 200_000;

    private static final CountDownLatch LOADED = new CountDownLatch(1);
    private static final AtomicBoolean LOAD_STARTED = new AtomicBoolean();
    private static volatile boolean ready;
    private static volatile Throwable unavailabilityCause;
    /** {@code troupe.shm.no-futex} as the transport's options gave it; {@code null}: read the process's config. */
    private static volatile Boolean turnedOff;

    private Object timespec;

    private static void load() {
        try {
            String arch = System.getProperty("os.arch", "");
            Boolean off = turnedOff;
            if (off == null) {
                // Named shared objects used on their own: no transport options, so the process's configuration.
                Config config = ProcessConfig.get();
                off = config.hasPath(NO_FUTEX) && config.getBoolean(NO_FUTEX);
            }
            if (off) {
                throw new UnsupportedOperationException("futexes turned off (troupe.shm.no-futex)");
            }
            if (!Platform.isLinux()) {
                throw new UnsupportedOperationException(
                    "futex(2) exists on Linux only; waiting falls back to back-off");
            }
            long nr;
            if (arch.equals("amd64") || arch.equals("x86_64")) {
                nr = 202;
            } else if (arch.equals("aarch64") || arch.equals("arm64")) {
                nr = 98;
            } else {
                throw new UnsupportedOperationException("no futex syscall number known for " + arch);
            }
            Syscall.bind(nr);
            ready = true;
        } catch (Throwable t) {
            unavailabilityCause = t;
        } finally {
            LOADED.countDown();
        }
    }

    /** The bound call, in its own class so that nothing touches JNA before the loader thread does. */
    private static final class Syscall {
        private static long number;

        static void bind(long nr) {
            Native.register(Syscall.class, Platform.C_LIBRARY_NAME);
            number = nr;
        }

        /** The C library's variadic {@code syscall(2)}, called with the futex arguments. */
        private static native long syscall(long number, long address, int op, int value, long timeout,
                                           long address2, int value3);

        static void await(Object timespec, long address, int expected, long timeoutNanos) {
            Memory ts = (Memory) timespec;
            ts.setLong(0, timeoutNanos / 1_000_000_000L);
            ts.setLong(8, timeoutNanos % 1_000_000_000L);
            syscall(number, address, FUTEX_WAIT, expected, Pointer.nativeValue(ts), 0, 0);
        }

        static void wake(long address, int count) {
            syscall(number, address, FUTEX_WAKE, count, 0, 0, 0);
        }
    }

    /**
     * Sets {@code troupe.shm.no-futex} from the shared-memory transport's options, before the binding starts; a
     * later call, or one after the binding started, has no effect. Without it the binding reads the setting from
     * {@link ProcessConfig}.
     *
     * @param off whether futexes are turned off.
     */
    static void configure(boolean off) {
        if (turnedOff == null && !LOAD_STARTED.get()) {
            turnedOff = off;
        }
    }

    /** Starts binding the call on a background thread, if that has not started; cheap to call again. */
    public static void preload() {
        if (!LOAD_STARTED.get() && LOAD_STARTED.compareAndSet(false, true)) {
            Thread loader = new Thread(Futex::load, "troupe-futex-loader");
            loader.setDaemon(true);
            loader.start();
        }
    }

    /**
     * @return whether {@link #preload()} was called.
     */
    public static boolean loadStarted() {
        return LOAD_STARTED.get();
    }

    /**
     * Whether waits sleep in the kernel now.
     *
     * @return {@code true} once the call is bound.
     */
    public static boolean isReady() {
        return ready;
    }

    /**
     * Whether futexes work here, waiting for the binding to finish.
     *
     * @return {@code true} on Linux with the call bound.
     */
    public static boolean isAvailable() {
        awaitLoaded();
        return ready;
    }

    /**
     * Why futexes are not used here, waiting for the binding to finish.
     *
     * @return the cause, or {@code null}.
     */
    static Throwable unavailabilityCause() {
        awaitLoaded();
        return unavailabilityCause;
    }

    private static void awaitLoaded() {
        preload();
        try {
            LOADED.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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
        if (!ready) {
            LockSupport.parkNanos(Math.min(timeoutNanos, FALLBACK_PARK_NANOS));
            return;
        }
        if (timespec == null) {
            timespec = new Memory(16);
        }
        Syscall.await(timespec, address, expected, timeoutNanos);
    }

    /**
     * Wakes up to {@code count} threads, in any process, sleeping on the word at {@code address}.
     *
     * @param address the word's address.
     * @param count   how many to wake.
     */
    public static void wake(long address, int count) {
        if (ready) {
            Syscall.wake(address, count);
        }
    }
}
