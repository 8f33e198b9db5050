package dev.troupe.internal.node;

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
import java.util.List;
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
 * {@link PoolActor}.
 */
final class PoolImpl implements Pool {
    private static final AtomicInteger POOL_IDS = new AtomicInteger();

    private final Node node;
    private final NodeContext context;
    private final PoolOptions options;
    private final ActorRef<PoolActor.Command> actor;
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
        String name = "pool-" + POOL_IDS.incrementAndGet();
        CompletableFuture<List<ProcessRecord>> initial = new CompletableFuture<>();
        TaskFunction init = options.initializer() == null ? null : node.functions().of(options.initializer());
        PoolActor.Spec spec = new PoolActor.Spec(name, options.workers(), options.window(), options.maxRetries(),
            options.jvmOptions(), options.taskTimeout(), options.cancelGrace(), init, options.maxTasksPerChild(),
            options.acceptRemoteWorkers());
        this.actor = node.system().systemActorOf(PoolActor.create(context, spec, initial), name, Props.empty());
        try {
            firstWorkers = initial.get(30, TimeUnit.SECONDS);
            for (ProcessRecord r : firstWorkers) {
                r.started.get(context.settings.startTimeout.plusSeconds(5).toMillis(), TimeUnit.MILLISECONDS);
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
        CompletableFuture<O> future = new TaskFuture<>(actor, taskId);
        InFlightTask t = new InFlightTask(taskId, f,
            context.codec.encodeList(Collections.singletonList(input)), 1, FutureSink.single(future));
        actor.tell(new PoolActor.Enqueue(List.of(t)));
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
        if (inputs instanceof Collection) {
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
        CompletableFuture<Void> done = new CompletableFuture<>();
        AtomicInteger remaining = new AtomicInteger((all.size() + chunk - 1) / chunk);
        Progress progress = Progress.start(options, all.size());
        List<InFlightTask> tasks = new ArrayList<>();
        for (int from = 0; from < all.size(); from += chunk) {
            List<I> slice = all.subList(from, Math.min(all.size(), from + chunk));
            tasks.add(new InFlightTask(context.nextTaskId(), f, context.codec.encodeList(slice), slice.size(),
                new ChunkSink(results, from, remaining, done, progress)));
        }
        actor.tell(new PoolActor.Enqueue(tasks));
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

    /** Reports how many inputs of one call are done, to the listener and the progress bar. */
    private static final class Progress implements AutoCloseable {
        private static final Progress NONE = new Progress(null, null, 0);
        private final dev.troupe.ProgressListener listener;
        private final me.tongfei.progressbar.ProgressBar bar;
        private final long total;
        private final java.util.concurrent.atomic.AtomicLong done = new java.util.concurrent.atomic.AtomicLong();

        private Progress(dev.troupe.ProgressListener listener, me.tongfei.progressbar.ProgressBar bar, long total) {
            this.listener = listener;
            this.bar = bar;
            this.total = total;
        }

        static Progress start(PoolOptions options, long total) {
            if (options.progress() == null && !options.progressBar()) {
                return NONE;
            }
            me.tongfei.progressbar.ProgressBar bar = options.progressBar()
                ? new me.tongfei.progressbar.ProgressBarBuilder().setTaskName("map").setInitialMax(total)
                    .continuousUpdate().build()
                : null;
            return new Progress(options.progress(), bar, total);
        }

        void add(int n) {
            if (this == NONE) {
                return;
            }
            long now = done.addAndGet(n);
            if (bar != null) {
                bar.stepBy(n);
            }
            if (listener != null) {
                listener.onProgress(now, total);
            }
        }

        @Override
        public void close() {
            if (bar != null) {
                bar.close();
            }
        }
    }

    @Override
    public <I, O> java.util.Iterator<O> imap(Task<I, O> task, Iterable<I> inputs) {
        checkOpen();
        return new LazyMap<>(node.functions().of(task), inputs.iterator(), true);
    }

    @Override
    public <I, O> java.util.Iterator<O> imapUnordered(Task<I, O> task, Iterable<I> inputs) {
        checkOpen();
        return new LazyMap<>(node.functions().of(task), inputs.iterator(), false);
    }

    /**
     * The iterator behind {@code imap}: the consuming thread reads inputs and submits chunks while fewer than
     * {@code 2 * workers * window} are outstanding, so inputs and outputs held at once stay bounded.
     */
    private final class LazyMap<I, O> implements java.util.Iterator<O> {
        private final TaskFunction function;
        private final java.util.Iterator<I> source;
        private final boolean ordered;
        private final int chunk = Math.max(1, options.chunkSize());
        private final int maxOutstanding = 2 * parallelism() * options.window();
        private final java.util.ArrayDeque<CompletableFuture<List<Object>>> inOrder = new java.util.ArrayDeque<>();
        private final java.util.concurrent.LinkedBlockingQueue<CompletableFuture<List<Object>>> completed =
            new java.util.concurrent.LinkedBlockingQueue<>();
        private final java.util.ArrayDeque<Object> ready = new java.util.ArrayDeque<>();
        private int outstanding;
        private final dev.troupe.ProgressListener listener = options.progress();
        private final java.util.concurrent.atomic.AtomicLong doneCount = new java.util.concurrent.atomic.AtomicLong();

        LazyMap(TaskFunction function, java.util.Iterator<I> source, boolean ordered) {
            this.function = function;
            this.source = source;
            this.ordered = ordered;
        }

        private void topUp() {
            while (outstanding < maxOutstanding && source.hasNext()) {
                List<Object> slice = new ArrayList<>(chunk);
                while (slice.size() < chunk && source.hasNext()) {
                    slice.add(source.next());
                }
                CompletableFuture<List<Object>> f = new CompletableFuture<>();
                f.whenComplete((v, e) -> {
                    if (v != null && listener != null) {
                        listener.onProgress(doneCount.addAndGet(v.size()), -1);
                    }
                    completed.add(f);
                });
                InFlightTask t = new InFlightTask(context.nextTaskId(), function, context.codec.encodeList(slice),
                    slice.size(), new FutureSink<>(f, outputs -> outputs));
                inOrder.add(f);
                outstanding++;
                actor.tell(new PoolActor.Enqueue(List.of(t)));
            }
        }

        @Override
        public boolean hasNext() {
            while (ready.isEmpty()) {
                topUp();
                if (outstanding == 0) {
                    return false;
                }
                CompletableFuture<List<Object>> next;
                if (ordered) {
                    next = inOrder.poll();
                } else {
                    try {
                        next = completed.take();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new TroupeException("interrupted while waiting for imap results", e);
                    }
                    inOrder.remove(next);
                }
                outstanding--;
                try {
                    ready.addAll(next.join());
                } catch (CompletionException e) {
                    for (CompletableFuture<List<Object>> f : inOrder) {
                        f.cancel(false);
                    }
                    Throwable cause = e.getCause();
                    throw cause instanceof RuntimeException ? (RuntimeException) cause
                        : new TroupeException("imap failed: " + cause, cause);
                }
            }
            return true;
        }

        @Override
        @SuppressWarnings("unchecked")
        public O next() {
            if (!hasNext()) {
                throw new java.util.NoSuchElementException();
            }
            return (O) ready.poll();
        }
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

    /** A future whose {@code cancel} also stops the task: dropped if queued, interrupted if running. */
    private static final class TaskFuture<O> extends CompletableFuture<O> {
        private final ActorRef<PoolActor.Command> pool;
        private final long taskId;

        TaskFuture(ActorRef<PoolActor.Command> pool, long taskId) {
            this.pool = pool;
            this.taskId = taskId;
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            boolean cancelled = super.cancel(mayInterruptIfRunning);
            if (cancelled && mayInterruptIfRunning) {
                pool.tell(new PoolActor.Cancel(taskId));
            }
            return cancelled;
        }

        @Override
        public <U> CompletableFuture<U> newIncompleteFuture() {
            return new CompletableFuture<>();
        }
    }

    /** Completes a future with what {@code outputs} maps to: the single output, or the whole chunk. */
    private static final class FutureSink<T> implements TaskSink {
        private final CompletableFuture<T> future;
        private final java.util.function.Function<List<Object>, T> outcome;

        FutureSink(CompletableFuture<T> future, java.util.function.Function<List<Object>, T> outcome) {
            this.future = future;
            this.outcome = outcome;
        }

        @SuppressWarnings("unchecked")
        static <O> FutureSink<O> single(CompletableFuture<O> future) {
            return new FutureSink<>(future, outputs -> (O) outputs.get(0));
        }

        @Override
        public void succeed(List<Object> outputs) {
            future.complete(outcome.apply(outputs));
        }

        @Override
        public void fail(Throwable error) {
            future.completeExceptionally(error);
        }

        @Override
        public boolean isDone() {
            return future.isDone();
        }
    }

    /** Writes a chunk's outputs into the map's result array; the last chunk completes the map. */
    private static final class ChunkSink implements TaskSink {
        private final Object[] results;
        private final int offset;
        private final AtomicInteger remaining;
        private final CompletableFuture<Void> done;
        private final Progress progress;

        ChunkSink(Object[] results, int offset, AtomicInteger remaining,
                  CompletableFuture<Void> done, Progress progress) {
            this.results = results;
            this.offset = offset;
            this.remaining = remaining;
            this.done = done;
            this.progress = progress;
        }

        @Override
        public void succeed(List<Object> outputs) {
            for (int i = 0; i < outputs.size(); i++) {
                results[offset + i] = outputs.get(i);
            }
            progress.add(outputs.size());
            if (remaining.decrementAndGet() == 0) {
                done.complete(null);
            }
        }

        @Override
        public void fail(Throwable error) {
            done.completeExceptionally(error);
        }

        @Override
        public boolean isDone() {
            return done.isDone();
        }
    }
}
