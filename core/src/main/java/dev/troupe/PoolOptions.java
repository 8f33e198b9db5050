package dev.troupe;

import java.util.ArrayList;
import java.util.List;

/**
 * How a {@link Pool} is built. Fluent; each setter returns this object. Not thread-safe; the pool copies what
 * it needs when it is created.
 */
public final class PoolOptions {
    private int workers;
    private int window = 32;
    private int maxRetries = 3;
    private int chunkSize;
    private final List<String> jvmOptions = new ArrayList<>();
    private java.time.Duration taskTimeout;
    private Task<Void, ?> initializer;
    private int maxTasksPerChild;
    private ProgressListener progressListener;
    private boolean progressBar;
    private boolean acceptRemoteWorkers;
    private java.time.Duration cancelGrace = java.time.Duration.ofSeconds(2);
    private Placement placement = Placement.SPREAD;
    private final java.util.Set<String> nodeLabels = new java.util.LinkedHashSet<>();
    private int perNode;
    private int maxNodeFailovers = 3;

    private PoolOptions(int workers) {
        this.workers = workers;
    }

    /**
     * @param workers the number of worker processes this node starts for the pool; at least 1, or 0 for a pool
     *                that only uses remote workers ({@link #acceptRemoteWorkers(boolean)}).
     * @return options for a pool of that size.
     * @throws IllegalArgumentException when {@code workers < 0}.
     */
    public static PoolOptions workers(int workers) {
        return new PoolOptions(1).withWorkers(workers);
    }

    /**
     * @return options for a pool with one worker per available processor.
     */
    public static PoolOptions defaults() {
        return new PoolOptions(Runtime.getRuntime().availableProcessors());
    }

    /**
     * @param n the number of worker processes this node starts; at least 1, or 0 with
     *          {@link #acceptRemoteWorkers(boolean)}.
     * @return this.
     */
    public PoolOptions withWorkers(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("the number of workers must not be negative: " + n);
        }
        this.workers = n;
        return this;
    }

    /**
     * @param n how many chunks may be in flight on one worker at once, so round trips overlap; at least 1, 32
     *          by default. The pool keeps fewer in flight when chunks run long (about 2 ms of queued work per
     *          worker), so a slow chunk does not hold others back while another worker idles.
     * @return this.
     */
    public PoolOptions window(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("window must be at least 1: " + n);
        }
        this.window = n;
        return this;
    }

    /**
     * @param n how many times a task whose worker died is run again on another worker before it fails with
     *          {@link WorkerCrashedException}; 0 fails it at once.
     * @return this.
     */
    public PoolOptions maxRetries(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("maxRetries must not be negative: " + n);
        }
        this.maxRetries = n;
        return this;
    }

    /**
     * @param n inputs per chunk for {@link Pool#map}; 0 (the default) chooses as Python does:
     *          {@code ceil(inputs / (4 * workers))}.
     * @return this.
     */
    public PoolOptions chunkSize(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("chunkSize must not be negative: " + n);
        }
        this.chunkSize = n;
        return this;
    }

    /**
     * @param options JVM options for the workers, after the configured {@code troupe.worker.jvm-options}.
     * @return this.
     */
    public PoolOptions jvmOptions(String... options) {
        jvmOptions.addAll(List.of(options));
        return this;
    }

    /**
     * @param timeout how long one chunk may run; past it, its future fails with a
     *                {@link java.util.concurrent.TimeoutException} and its worker is replaced. {@code null} (the
     *                default) for no limit. Measured from when the chunk starts running, give or take one timeout.
     * @return this.
     */
    public PoolOptions taskTimeout(java.time.Duration timeout) {
        if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
            throw new IllegalArgumentException("taskTimeout must be positive: " + timeout);
        }
        this.taskTimeout = timeout;
        return this;
    }

    /**
     * @param grace how long a worker may take to stop a task after {@code future.cancel(true)} interrupted it,
     *              before the worker is killed and replaced.
     * @return this.
     */
    public PoolOptions cancelGrace(java.time.Duration grace) {
        this.cancelGrace = java.util.Objects.requireNonNull(grace, "grace");
        return this;
    }

    /**
     * @param init run once in each new worker before its first task, to open a per-worker resource (Python's
     *             {@code initializer}); its input is {@code null}. A worker whose initializer throws is replaced.
     * @return this.
     */
    public PoolOptions initializer(Task<Void, ?> init) {
        this.initializer = init;
        return this;
    }

    /**
     * @param n recycle a worker after it ran this many chunks (Python's {@code maxtasksperchild}); 0, the default,
     *          keeps workers for the pool's life.
     * @return this.
     */
    public PoolOptions maxTasksPerChild(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("maxTasksPerChild must not be negative: " + n);
        }
        this.maxTasksPerChild = n;
        return this;
    }

    /**
     * @param listener told about the progress of every {@code map} and {@code imap}; {@code null} for none.
     * @return this.
     */
    public PoolOptions progress(ProgressListener listener) {
        this.progressListener = listener;
        return this;
    }

    /**
     * @param show show the progress of every {@code map} on stderr: a bar (me.tongfei progressbar) when this JVM
     *             has a terminal, otherwise plain lines such as {@code map: 40/100 (40%)}, at most one a second and
     *             one at the end.
     * @return this.
     */
    public PoolOptions progressBar(boolean show) {
        this.progressBar = show;
        return this;
    }

    /**
     * @param accept also use the workers that dial in to this node over TCP ({@code troupe worker --connect},
     *               see {@code Troupe.remoteAddress()}), besides the {@link #workers()} this node starts. Each
     *               remote worker serves one such pool at a time, taken in turn; a remote worker that is lost is
     *               handled like a crashed one (its tasks are retried elsewhere) and not replaced.
     * @return this.
     */
    public PoolOptions acceptRemoteWorkers(boolean accept) {
        this.acceptRemoteWorkers = accept;
        return this;
    }

    /**
     * @param placement where the workers start on a clustered node: {@link Placement#SPREAD} over the members (the
     *                  default), {@link Placement#PACK} here first, or {@link Placement#LOCAL} here only. Workers on
     *                  another node are started by that node and dial this one over Troupe's TCP link; tasks and
     *                  results go straight between them. Ignored on a node that is not a cluster member.
     * @return this.
     */
    public PoolOptions placement(Placement placement) {
        this.placement = java.util.Objects.requireNonNull(placement, "placement");
        return this;
    }

    /**
     * @param labels the labels ({@code troupe.cluster.labels}) a member must have, every one, to get workers of this
     *               pool; none (the default) for every member. This node's own workers obey it too, unless no
     *               member matches, when the pool starts here.
     * @return this.
     */
    public PoolOptions nodeLabels(String... labels) {
        nodeLabels.clear();
        for (String l : labels) {
            nodeLabels.add(java.util.Objects.requireNonNull(l, "label"));
        }
        return this;
    }

    /**
     * @param n the most workers of this pool on one member, 0 (the default) for no limit. When every matching
     *          member is full, the rest start on this node.
     * @return this.
     */
    public PoolOptions perNode(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("perNode must not be negative: " + n);
        }
        this.perNode = n;
        return this;
    }

    /**
     * @param n how many times a task whose worker's node was lost runs again on another worker before it fails with
     *          a {@link NodeLostException}; 3 by default. These re-runs do not count against
     *          {@link #maxRetries(int)}. A task may so run more than once: make tasks idempotent where that matters.
     * @return this.
     */
    public PoolOptions maxNodeFailovers(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("maxNodeFailovers must not be negative: " + n);
        }
        this.maxNodeFailovers = n;
        return this;
    }

    /** @return where the workers start on a clustered node. */
    public Placement placement() {
        return placement;
    }

    /** @return the labels a member needs to get workers; empty for any. */
    public java.util.Set<String> nodeLabels() {
        return java.util.Set.copyOf(nodeLabels);
    }

    /** @return the most workers on one member; 0 for no limit. */
    public int perNode() {
        return perNode;
    }

    /** @return re-runs of a task after node losses. */
    public int maxNodeFailovers() {
        return maxNodeFailovers;
    }

    /** @return whether the pool uses remote workers. */
    public boolean acceptRemoteWorkers() {
        return acceptRemoteWorkers;
    }

    /** @return the initializer, or {@code null}. */
    public Task<Void, ?> initializer() {
        return initializer;
    }

    /** @return chunks a worker runs before it is recycled; 0 for never. */
    public int maxTasksPerChild() {
        return maxTasksPerChild;
    }

    /** @return the progress listener, or {@code null}. */
    public ProgressListener progress() {
        return progressListener;
    }

    /** @return whether {@code map} draws a progress bar. */
    public boolean progressBar() {
        return progressBar;
    }

    /** @return the per-chunk timeout, or {@code null}. */
    public java.time.Duration taskTimeout() {
        return taskTimeout;
    }

    /** @return the grace period after a cancel. */
    public java.time.Duration cancelGrace() {
        return cancelGrace;
    }

    /** @return the number of workers. */
    public int workers() {
        return workers;
    }

    /** @return chunks in flight per worker. */
    public int window() {
        return window;
    }

    /** @return retries of a task whose worker died. */
    public int maxRetries() {
        return maxRetries;
    }

    /** @return inputs per chunk, 0 for automatic. */
    public int chunkSize() {
        return chunkSize;
    }

    /** @return extra worker JVM options. */
    public List<String> jvmOptions() {
        return List.copyOf(jvmOptions);
    }
}
