package dev.troupe.internal.node;

import com.google.protobuf.ByteString;
import dev.troupe.ManagedProcess;
import dev.troupe.Pool;
import dev.troupe.PoolOptions;
import dev.troupe.Task;
import dev.troupe.TroupeException;
import dev.troupe.WorkerStartException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.RandomAccess;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Props;

/**
 * INTERNAL API. The user's side of a pool: encodes work on the caller's thread and hands it to the
 * {@link PoolActor}, or, for a single task while a worker is idle, writes it to that worker itself
 * ({@link FastLane}).
 */
final class PoolImpl implements Pool {
    private static final AtomicInteger POOL_IDS = new AtomicInteger();
    /** How many encoded input bytes {@link #mapAsync} gathers before it hands chunks to the pool. */
    private static final long ENQUEUE_BATCH_BYTES = 64 * 1024;
    /** How pools' names (and their actors' names) begin. */
    private static final String POOL_NAME_PREFIX = "pool-";

    private final Node node;
    private final NodeContext context;
    private final PoolOptions options;
    private final ActorRef<PoolActor.Command> actor;
    private final FastLane lane;
    private final List<ProcessRecord> firstWorkers;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();

    PoolImpl(Node node, PoolOptions options) {
        this.node = node;
        this.context = node.context();
        this.options = options;
        if (options.workers() == 0 && !options.acceptRemoteWorkers()) {
            throw new IllegalArgumentException("a pool needs at least one worker, or acceptRemoteWorkers(true)");
        }
        if (options.acceptRemoteWorkers() && context.remoteServer == null) {
            throw new IllegalStateException("this node takes no remote workers: set troupe.tcp.listen (HOST:PORT) and"
                + " a secret (troupe.tcp.secret-file or TROUPE_SECRET), with troupe-transport-tcp on the class path");
        }
        String name = POOL_NAME_PREFIX + POOL_IDS.incrementAndGet();
        CompletableFuture<List<ProcessRecord>> initial = new CompletableFuture<>();
        TaskFunction init = options.initializer() == null ? null : node.functions().of(options.initializer());
        if (init != null) {
            WorkerConnection.checkDefinitionFits(init, "the pool's initializer", context.settings.maxFrameBytes);
        }
        PoolActor.Spec spec = new PoolActor.Spec(name, options.workers(), options.window(), options.maxRetries(),
            options.jvmOptions(), options.taskTimeout(), options.cancelGrace(), init, options.maxTasksPerChild(),
            options.acceptRemoteWorkers(), options.placement(), options.nodeLabels(), options.perNode(),
            options.maxNodeFailovers());
        this.lane = new FastLane();
        this.actor = node.system().systemActorOf(PoolActor.create(context, spec, lane, initial), name, Props.empty());
        lane.bind(actor);
        try {
            firstWorkers = initial.get(30, TimeUnit.SECONDS);
            for (ProcessRecord r : firstWorkers) {
                if (r.lentTo == null) {
                    r.started.get(context.settings.startTimeout.plusSeconds(5).toMillis(), TimeUnit.MILLISECONDS);
                }
            }
            for (ProcessRecord r : firstWorkers) {
                if (r.lentTo != null) {
                    // A worker another node lends is waited for too, but one that cannot start is replaced here by
                    // the pool, not a failure of the pool.
                    r.started.handle((v, e) -> null)
                        .get(context.settings.startTimeout.plusSeconds(5).toMillis(), TimeUnit.MILLISECONDS);
                }
            }
        } catch (ExecutionException e) {
            terminate();
            throw new WorkerStartException("pool workers cannot start: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            terminate();
            throw new WorkerStartException("pool workers did not start in time", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            terminate();
            throw new WorkerStartException("interrupted while starting pool workers", e);
        }
        node.registerPool(this);
    }

    @Override
    public <I, O> CompletableFuture<O> submit(Task<I, O> task, I input) {
        checkOpen();
        TaskFunction f = node.functions().of(task);
        long taskId = context.nextTaskId();
        long start = System.nanoTime();
        TaskFuture<O> future = new TaskFuture<>(actor, taskId, context.callbacks);
        InFlightTask t = new InFlightTask(taskId, f, WorkerConnection.checkInputsFit(
            context.codec.encodeList(Collections.singletonList(input)), 1, context.settings.maxFrameBytes), 1,
            FutureSink.single(future));
        // An idle worker takes it from this thread; otherwise the actor queues it.
        if (lane.trySubmit(t)) {
            future.wentOnLane(lane, start);
        } else {
            lane.enqueue(List.of(t));
        }
        return future;
    }

    @Override
    public <I, O> List<O> map(Task<I, O> task, Iterable<I> inputs) {
        try {
            return mapAsync(task, inputs).join();
        } catch (CompletionException e) {
            // The first failure fails the map; chunks still queued are dropped by the actor (their sinks are done).
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException) {
                throw (RuntimeException) cause;
            }
            throw new TroupeException("map failed: " + cause, cause);
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public <I, O> CompletableFuture<List<O>> mapAsync(Task<I, O> task, Iterable<I> inputs) {
        checkOpen();
        List<I> all;
        if (inputs instanceof List && inputs instanceof RandomAccess) {
            all = (List<I>) inputs; // every chunk is encoded before this returns: no copy needed
        } else if (inputs instanceof Collection) {
            all = new ArrayList<>((Collection<I>) inputs);
        } else {
            all = new ArrayList<>();
            inputs.forEach(all::add);
        }
        if (all.isEmpty()) {
            return CompletableFuture.completedFuture(new ArrayList<>());
        }
        int chunk = options.chunkSize() > 0 ? options.chunkSize()
            : (all.size() + 4 * parallelism() - 1) / (4 * parallelism());
        TaskFunction f = node.functions().of(task);
        // Chunks fill disjoint ranges from the link threads; each one's writes happen before its decrement of
        // {@code remaining}, and the last decrement completes {@code done}, so the reader sees every slot.
        Object[] results = new Object[all.size()];
        // Its stages, and so the callbacks on the future returned, run on the node's callback threads.
        CompletableFuture<Void> done = new CallbackFuture<>(context.callbacks);
        AtomicInteger remaining = new AtomicInteger((all.size() + chunk - 1) / chunk);
        Progress progress = Progress.start(options, all.size());
        // Chunks go to the pool as they are encoded, in batches of about ENQUEUE_BATCH_BYTES (the first one alone),
        // so the workers start on the first chunk while this thread encodes the rest.
        List<InFlightTask> tasks = new ArrayList<>();
        long batchBytes = ENQUEUE_BATCH_BYTES;
        try {
            for (int from = 0; from < all.size(); from += chunk) {
                List<I> slice = all.subList(from, Math.min(all.size(), from + chunk));
                ByteString encoded = WorkerConnection.checkInputsFit(context.codec.encodeList(slice), slice.size(),
                    context.settings.maxFrameBytes);
                tasks.add(new InFlightTask(context.nextTaskId(), f, encoded, slice.size(),
                    new ChunkSink(results, from, remaining, done, progress)));
                batchBytes += encoded.size();
                if (batchBytes >= ENQUEUE_BATCH_BYTES) {
                    lane.enqueue(tasks);
                    tasks = new ArrayList<>();
                    batchBytes = 0;
                }
            }
        } catch (RuntimeException e) {
            // The chunks already sent run on; fail the map for the caller with the encoding error.
            done.completeExceptionally(e);
            progress.close();
            throw e;
        }
        if (!tasks.isEmpty()) {
            lane.enqueue(tasks);
        }
        return done.whenComplete((v, e) -> progress.close())
            .thenApply(v -> new ArrayList<>((List<O>) Arrays.asList(results)));
    }

    @Override
    public boolean awaitTermination(java.time.Duration timeout) throws InterruptedException {
        try {
            stopped.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            return true;
        }
    }

    @Override
    public <I, O> Iterator<O> imap(Task<I, O> task, Iterable<I> inputs) {
        checkOpen();
        return lazyMap(task, inputs, true);
    }

    @Override
    public <I, O> Iterator<O> imapUnordered(Task<I, O> task, Iterable<I> inputs) {
        checkOpen();
        return lazyMap(task, inputs, false);
    }

    private <I, O> Iterator<O> lazyMap(Task<I, O> task, Iterable<I> inputs, boolean ordered) {
        return new LazyMap<>(context, lane, node.functions().of(task), inputs.iterator(), ordered,
            Math.max(1, options.chunkSize()), 2 * parallelism() * options.window(), options.progress());
    }

    @Override
    public int size() {
        return options.acceptRemoteWorkers() ? workers().size() : options.workers();
    }

    /** The workers to share work among: those it has now when remote ones come and go, and at least 1. */
    private int parallelism() {
        return Math.max(1, size());
    }

    @Override
    public List<ManagedProcess> workers() {
        List<ManagedProcess> out = new ArrayList<>();
        for (ProcessRecord r : context.processes.values()) {
            if (r.actor != null && r.actor.path().parent().equals(actor.path())) {
                out.add(new ProcessHandleImpl(r));
            }
        }
        return out;
    }

    /** The pool's name on this node: its actor's. */
    String name() {
        return actor.path().name();
    }

    PoolOptions options() {
        return options;
    }

    /**
     * The name of the pool whose worker {@code r} is, or {@code null} for a process of no pool: pool actors are
     * system actors named {@code pool-N}, the parents of their workers' actors (but for spare workers it took).
     */
    static String poolOf(ProcessRecord r) {
        String taken = r.pool;
        if (taken != null) {
            // a spare worker the pool took
            return taken;
        }
        ActorRef<ProcessActor.Command> a = r.actor;
        if (a == null) {
            return null;
        }
        org.apache.pekko.actor.ActorPath parent = a.path().parent();
        return parent.name().startsWith(POOL_NAME_PREFIX) && parent.parent().name().equals("system")
            ? parent.name() : null;
    }

    @Override
    public void close() {
        stop(false);
    }

    @Override
    public void terminate() {
        stop(true);
    }

    private void stop(boolean terminate) {
        if (closed.compareAndSet(false, true) || terminate) {
            actor.tell(new PoolActor.Close(terminate, stopped));
        }
        try {
            stopped.get(context.settings.stopGrace.plusSeconds(terminate ? 10 : 3600).toMillis(),
                TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            throw new TroupeException("pool did not stop in time", e);
        }
        node.unregisterPool(this);
    }

    private void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("this pool is closed");
        }
    }
}
