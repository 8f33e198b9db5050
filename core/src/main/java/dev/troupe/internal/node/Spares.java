package dev.troupe.internal.node;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * INTERNAL API. Spare workers ({@code troupe.worker.spares}), in the spirit of Python's {@code forkserver}: worker
 * JVMs started ahead with the node's own launch (its JVM options, class path and transport, no options of their
 * own) and kept idle, so that a spawn or a new pool's worker takes one instead of starting a JVM. A spare runs
 * {@link WarmUpTask} while it waits. Each one taken (shortly after), or ended untaken, is replaced in the
 * background; after {@value #MAX_START_FAILURES} spares in a row fail to start, no more are started. An untaken
 * spare is not among the node's processes; it is stopped with the node. Thread-safe.
 */
final class Spares {
    private static final Logger LOG = LoggerFactory.getLogger(Spares.class);
    static final int MAX_START_FAILURES = 3;
    /** How long after a spare was taken its replacement starts. */
    static final long REPLACE_AFTER_MS = 100;

    private final NodeContext node;
    private final int count;
    /** Starts a worker with this spec and record (through the node's guardian). */
    private final BiConsumer<LaunchSpec, ProcessRecord> starter;
    /** Makes the task a spare runs first, while it waits ({@link WarmUpTask}). */
    private final java.util.function.Supplier<InFlightTask> warmUp;
    /** Whether a task class's code adds nothing to the class path of spares. */
    private final ClassValue<Boolean> fits = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> type) {
            WorkerLauncher launcher = WorkerLauncher.of(node);
            String mine = classpath;
            if (mine == null) {
                mine = launcher.classpath(List.of());
                classpath = mine;
            }
            return mine.equals(launcher.classpath(List.of(type)));
        }
    };
    /** The spares not taken, starting or ready, oldest first. */
    private final ConcurrentLinkedDeque<ProcessRecord> idle = new ConcurrentLinkedDeque<>();
    private final AtomicInteger failures = new AtomicInteger();
    private volatile boolean closed;
    /** The class path of spares (that of a launch with no task classes), once known. */
    private volatile String classpath;

    /**
     * @param count   how many to keep.
     * @param starter starts a worker.
     * @param warmUp  makes the task a spare runs while it waits.
     */
    Spares(NodeContext node, int count, BiConsumer<LaunchSpec, ProcessRecord> starter,
           java.util.function.Supplier<InFlightTask> warmUp) {
        this.node = node;
        this.warmUp = warmUp;
        this.count = count;
        this.starter = starter;
    }

    /** Starts the spares. */
    void start() {
        for (int i = 0; i < count; i++) {
            launchOne();
        }
    }

    private void launchOne() {
        if (closed || failures.get() >= MAX_START_FAILURES) {
            return;
        }
        ProcessRecord r = new ProcessRecord(node.nextWorkerId());
        r.spare = true;
        idle.add(r);
        r.started.whenComplete((v, e) -> {
            if (e == null) {
                failures.set(0);
            } else if (failures.incrementAndGet() == MAX_START_FAILURES && !closed) {
                LOG.warn("no more spare workers: {} in a row failed to start, the last with: {}",
                    MAX_START_FAILURES, e.getMessage());
            }
        });
        r.exited.whenComplete((code, e) -> {
            // Ended untaken (or never started): another takes its place.
            if (idle.remove(r)) {
                launchOne();
            }
        });
        starter.accept(new LaunchSpec(r.id, true, List.of(), List.of(), Map.of(), warmUp.get()), r);
    }

    /**
     * Takes a spare for a launch, and hands it over: the worker's events go to {@code owner} from now on, and it
     * runs {@code job}. A spare that is ready is taken first; else one still starting, which then starts for its
     * taker. A spare whose process or link has ended is never taken. The one taken is replaced.
     *
     * @param jvmOptions  the launch's own JVM options: a spare serves only launches with none.
     * @param taskClasses classes the worker must load: a spare serves only when they add nothing to its class path.
     * @param owner       see {@link ProcessActor.Claimed}.
     * @param job         see {@link ProcessActor.Claimed}.
     * @param pool        see {@link ProcessActor.Claimed}.
     * @return the spare's record, or {@code null} when none fits.
     */
    ProcessRecord take(List<String> jvmOptions, List<Class<?>> taskClasses, ActorRef<ProcessActor.Event> owner,
                       InFlightTask job, String pool) {
        if (closed || !jvmOptions.isEmpty() || idle.isEmpty()) {
            return null;
        }
        for (Class<?> c : taskClasses) {
            if (!fits.get(c)) {
                return null;
            }
        }
        ProcessActor.Claimed claim = new ProcessActor.Claimed(owner, job, pool);
        List<ProcessRecord> starting = new ArrayList<>();
        for (ProcessRecord r : idle) {
            if (!r.started.isDone()) {
                starting.add(r);
            } else if (ready(r) && claim(r, claim)) {
                return r;
            }
        }
        for (ProcessRecord r : starting) {
            if (!r.started.isDone() && r.actor != null && claim(r, claim)) {
                return r;
            }
        }
        return null;
    }

    private static boolean ready(ProcessRecord r) {
        Process p = r.process;
        WorkerConnection c = r.connection;
        return !r.started.isCompletedExceptionally() && r.state == dev.troupe.ProcessState.READY && p != null
            && p.isAlive() && c != null && c.link.isOpen();
    }

    private boolean claim(ProcessRecord r, ProcessActor.Claimed claim) {
        if (!r.spareClaim.compareAndSet(null, claim)) {
            return false;
        }
        idle.remove(r);
        r.actor.tell(claim);
        // The replacement starts a little later: a JVM starting takes the CPU that the worker just taken needs
        // for its first task.
        try {
            node.timer.schedule(this::launchOne, REPLACE_AFTER_MS, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            // the node is closing
        }
        return true;
    }

    /** The spares not taken, starting or ready. */
    List<ProcessRecord> idle() {
        return List.copyOf(idle);
    }

    /**
     * Starts no more spares, and waits (a few seconds at most) until those being started have a process, so that
     * the node's close stops them with the rest.
     */
    void close() {
        closed = true;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        for (ProcessRecord r : idle) {
            while (r.process == null && !r.exited.isDone() && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }
}
