package dev.troupe.shared;

import dev.troupe.ManagedProcess;
import dev.troupe.WorkerProcess;
import dev.troupe.transport.shm.Futex;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Waiting on several objects at once, as Win32's {@code WaitForMultipleObjects} does. What can be waited on, and
 * what "signaled" means for it:
 * <ul>
 * <li>a {@link Lock}: acquired; a {@link Semaphore}: a permit taken; an {@link Event}: set (an auto-reset event is
 * cleared by the wait that sees it) — these are taken by the wait;</li>
 * <li>a {@link Queue} (and its kin): readable, it holds a message; the wait takes none, so another reader may get it
 * first: follow with a get that does not block forever;</li>
 * <li>a {@link Connection}: readable (a message arrived, or its other end is gone); a process
 * ({@link #exited(ProcessHandle)}, {@link #exited(ManagedProcess)}): exited — these are only observed.</li>
 * </ul>
 * Shared objects and pipes wake a sleeping waiter at once through one futex word every process shares
 * ({@link Signals}); a named-pipe connection wakes it through a selector; every waiter also looks again every 100 ms,
 * which is how it notices a process that exited without anyone telling.
 */
public final class Waits {
    private static final ThreadLocal<Futex> FUTEX = ThreadLocal.withInitial(Futex::new);

    private Waits() {
    }

    /**
     * Waits until one of the objects is signaled and takes it.
     *
     * @param timeout how long to wait.
     * @param objects the objects, checked in order, so an earlier one wins a tie.
     * @return the index of the object signaled (taken, when it is taken by a wait), or -1 when the time ran out
     *         (nothing is taken then). For a lock, {@link Lock#abandoned()} tells whether its holder had died.
     * @throws IllegalArgumentException when an object cannot be waited on (a condition, a barrier, another class).
     * @throws IllegalStateException    when an object is closed, or is a connection that cannot receive.
     */
    public static int any(Duration timeout, Waitable... objects) {
        WaitTarget[] targets = targets(objects);
        int[] found = {-1};
        wait(timeout, targets, () -> {
            for (int i = 0; i < targets.length; i++) {
                if (targets[i].tryTake() != 0) {
                    found[0] = i;
                    return true;
                }
            }
            return false;
        });
        return found[0];
    }

    /**
     * Waits until every object can be taken at once, and takes them all; never holds some while waiting for
     * others, so two callers waiting on overlapping sets cannot deadlock.
     *
     * @param timeout how long to wait.
     * @param objects the objects.
     * @return {@code true} when all were signaled (and taken), {@code false} when the time ran out (none is taken
     *         then).
     * @throws IllegalArgumentException as {@link #any}.
     * @throws IllegalStateException    as {@link #any}.
     */
    public static boolean all(Duration timeout, Waitable... objects) {
        WaitTarget[] targets = targets(objects);
        return wait(timeout, targets, () -> {
            int taken = 0;
            while (taken < targets.length && targets[taken].tryTake() != 0) {
                taken++;
            }
            if (taken == targets.length) {
                return true;
            }
            // Our own give-back bumps the generation, which costs at most one extra round.
            for (int i = taken - 1; i >= 0; i--) {
                targets[i].untake();
            }
            return false;
        });
    }

    /**
     * The objects of a list that are signaled, waiting until at least one is: what
     * {@link Connection#wait(List, Duration)} does.
     *
     * @param timeout how long to wait.
     * @param objects the objects.
     * @param <W>     their type.
     * @return the signaled ones (taken, for objects a wait takes), in list order; empty when the time ran out.
     */
    static <W extends Waitable> List<W> ready(Duration timeout, List<W> objects) {
        WaitTarget[] targets = targets(objects.toArray(new Waitable[0]));
        List<W> ready = new ArrayList<>();
        wait(timeout, targets, () -> {
            for (int i = 0; i < targets.length; i++) {
                if (targets[i].tryTake() != 0) {
                    ready.add(objects.get(i));
                }
            }
            return !ready.isEmpty();
        });
        return ready;
    }

    /**
     * A process to wait for: signaled once it has exited.
     *
     * @param process any process of this machine.
     * @return something {@link #any} and {@link #all} wait on.
     */
    public static Waitable exited(ProcessHandle process) {
        Objects.requireNonNull(process, "process");
        return new Exited(process.toString(), process::isAlive, process);
    }

    /**
     * A worker process to wait for: signaled once it has exited.
     *
     * @param process a process of a {@code Troupe}, such as one {@code troupe.spawn} returned.
     * @return something {@link #any} and {@link #all} wait on.
     */
    public static Waitable exited(ManagedProcess process) {
        Objects.requireNonNull(process, "process");
        ProcessHandle local = process.pid() > 0 ? ProcessHandle.of(process.pid()).orElse(null) : null;
        Exited e = new Exited(process.toString(), process::isAlive, local);
        if (process instanceof WorkerProcess) {
            e.alsoWakeOn = (WorkerProcess<?>) process;
        }
        return e;
    }

    /** One condition over all the targets, re-evaluated after each wake-up. */
    private interface Round {
        boolean done();
    }

    private static boolean wait(Duration timeout, WaitTarget[] targets, Round round) {
        long deadline = SharedObject.deadline(timeout.toNanos());
        Futex futex = FUTEX.get();
        List<SelectableChannel> channels = new ArrayList<>();
        int begun = 0;
        Signals.enter();
        ChannelWatch watch = null;
        try {
            for (WaitTarget t : targets) {
                t.beginWait();
                begun++;
                if (t.channel() != null) {
                    channels.add(t.channel());
                }
            }
            while (true) {
                int seen = Signals.generation();
                if (round.done()) {
                    return true;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                if (!channels.isEmpty()) {
                    if (watch == null) {
                        watch = new ChannelWatch(channels);
                    }
                    watch.arm();
                }
                Signals.await(futex, seen, Math.min(left, SharedObject.SLICE_NANOS));
            }
        } finally {
            if (watch != null) {
                watch.close();
            }
            for (int i = 0; i < begun; i++) {
                targets[i].endWait();
            }
            Signals.exit();
        }
    }

    private static WaitTarget[] targets(Waitable[] objects) {
        if (objects.length == 0) {
            throw new IllegalArgumentException("nothing to wait for");
        }
        WaitTarget[] targets = new WaitTarget[objects.length];
        for (int i = 0; i < objects.length; i++) {
            Waitable w = Objects.requireNonNull(objects[i], "object to wait for");
            if (w instanceof SharedObject) {
                SharedObject o = (SharedObject) w;
                o.checkOpen();
                if (o instanceof Condition || o instanceof Barrier) {
                    throw new IllegalArgumentException(o + " cannot be waited on with Waits");
                }
                targets[i] = new WaitTarget() {
                    @Override
                    public int tryTake() {
                        return o.tryTake();
                    }

                    @Override
                    public void untake() {
                        o.untake();
                    }
                };
            } else if (w instanceof WaitTarget) {
                targets[i] = (WaitTarget) w;
                targets[i].checkWaitable();
            } else {
                throw new IllegalArgumentException(w.getClass().getName() + " cannot be waited on with Waits");
            }
        }
        return targets;
    }

    /** A process: signaled once it is no longer alive; its exit bumps {@link Signals} while someone waits. */
    private static final class Exited implements Waitable, WaitTarget {
        private final String description;
        private final java.util.function.BooleanSupplier alive;
        private final ProcessHandle local;
        WorkerProcess<?> alsoWakeOn;

        Exited(String description, java.util.function.BooleanSupplier alive, ProcessHandle local) {
            this.description = description;
            this.alive = alive;
            this.local = local;
        }

        @Override
        public int tryTake() {
            return alive.getAsBoolean() ? 0 : 1;
        }

        @Override
        public void beginWait() {
            if (local != null && local.pid() != SharedObject.PID) {
                local.onExit().thenRun(Signals::bump);
            }
            if (alsoWakeOn != null) {
                alsoWakeOn.result().whenComplete((r, e) -> Signals.bump());
            }
        }

        @Override
        public String toString() {
            return "exit of " + description;
        }
    }

    /**
     * Channels no other process can signal through the futex: a helper thread selects them while the waiter
     * sleeps, and bumps {@link Signals} when one becomes readable.
     */
    private static final class ChannelWatch implements AutoCloseable {
        private final Selector selector;
        private final Thread thread;
        private boolean armed;
        private boolean closed;

        ChannelWatch(List<SelectableChannel> channels) {
            try {
                selector = Selector.open();
                for (SelectableChannel c : channels) {
                    c.register(selector, SelectionKey.OP_READ);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot watch " + channels.size() + " connections: " + e, e);
            }
            thread = new Thread(this::run, "troupe-waits-select");
            thread.setDaemon(true);
            thread.start();
        }

        synchronized void arm() {
            armed = true;
            notifyAll();
        }

        private void run() {
            try {
                while (true) {
                    synchronized (this) {
                        while (!armed && !closed) {
                            wait();
                        }
                        if (closed) {
                            return;
                        }
                        armed = false;
                    }
                    if (selector.select() > 0) {
                        selector.selectedKeys().clear();
                        Signals.bump();
                    }
                }
            } catch (IOException | InterruptedException | java.nio.channels.ClosedSelectorException e) {
                Signals.bump(); // let the waiter look again, and poll from now on
            }
        }

        @Override
        public void close() {
            synchronized (this) {
                closed = true;
                notifyAll();
            }
            selector.wakeup();
            try {
                thread.join(1000);
                selector.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException ignored) {
                // nothing more to do on the way out
            }
        }
    }
}
