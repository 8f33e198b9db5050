package dev.troupe.internal.node;

import dev.troupe.internal.codec.PayloadCodec;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * INTERNAL API. The node-wide services actors and handles share. Thread-safe.
 */
final class NodeContext {
    /** How the ids of executables ({@code Troupe.exec}) begin; workers' ids begin otherwise. */
    static final String EXEC_ID_PREFIX = "x-";
    final NodeSettings settings;
    final NodeServer server;
    final PayloadCodec codec;
    final RunDirectory runDirectory;
    final ScheduledExecutorService timer;
    final String nodeId;
    final ClassLoader loader;
    final Map<String, ProcessRecord> processes = new ConcurrentHashMap<>();
    /**
     * Decodes results that carry Java-serialized values, off the links' threads: reading such a value may take
     * long (up to {@code troupe.serialization.max-decode-time}, or for ever in a class's own code), and a link's
     * thread also reads that worker's other results. At most one thread per core; when all are busy, the link's
     * thread decodes the result itself.
     */
    final ExecutorService decoder = decoderPool();
    /**
     * Runs the callbacks users register on the futures of tasks ({@link CallbackFuture}), off the links' threads:
     * threads made on demand and kept for a minute; when {@value #MAX_CALLBACK_THREADS} are busy (callbacks that
     * block), the link's thread runs the callback itself.
     */
    final ExecutorService callbacks = callbackPool();
    static final int MAX_CALLBACK_THREADS = 64;
    /** The server remote workers dial in to, or {@code null} when this node takes none. */
    volatile NodeServer remoteServer;
    final RemoteWorkers remoteWorkers;
    /** Where pools get workers on other nodes (a cluster member's), or {@code null}. */
    volatile dev.troupe.spi.WorkerLending lending;
    /** The maps and lists of {@link dev.troupe.Manager}; set right after the actor system starts. */
    volatile dev.troupe.internal.objects.LocalObjects objects;
    /** The class-data archives workers start from; set when the node starts. */
    volatile ClassDataArchive classData;
    /** The spare workers, or {@code null} when the node keeps none ({@code troupe.worker.spares = 0}). */
    volatile Spares spares;
    private final AtomicLong workerIds = new AtomicLong();
    private final AtomicLong execIds = new AtomicLong();
    private final AtomicLong taskIds = new AtomicLong();

    NodeContext(NodeSettings settings, NodeServer server, PayloadCodec codec, RunDirectory runDirectory,
                ScheduledExecutorService timer, String nodeId, ClassLoader loader) {
        this.settings = settings;
        this.server = server;
        this.codec = codec;
        this.runDirectory = runDirectory;
        this.timer = timer;
        this.nodeId = nodeId;
        this.loader = loader;
        this.remoteWorkers = new RemoteWorkers(settings, nodeId);
    }

    private static ExecutorService decoderPool() {
        AtomicLong ids = new AtomicLong();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(0, Math.max(2, Runtime.getRuntime().availableProcessors()),
            30, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
                Thread t = new Thread(r, "troupe-decode-" + ids.incrementAndGet());
                t.setDaemon(true);
                return t;
            }, NodeContext::runHere);
        return pool;
    }

    private static ExecutorService callbackPool() {
        AtomicLong ids = new AtomicLong();
        return new ThreadPoolExecutor(0, MAX_CALLBACK_THREADS, 60, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
            Thread t = new Thread(r, "troupe-callback-" + ids.incrementAndGet());
            t.setDaemon(true);
            return t;
        }, NodeContext::runHere);
    }

    /** When every thread is busy, or the pool was shut down with the node: the submitting thread runs it. */
    private static void runHere(Runnable r, ThreadPoolExecutor pool) {
        r.run();
    }

    String nextRemoteId() {
        return "r-" + workerIds.incrementAndGet();
    }

    String nextWorkerId() {
        return "w-" + workerIds.incrementAndGet();
    }

    String nextExecId() {
        return EXEC_ID_PREFIX + execIds.incrementAndGet();
    }

    long nextTaskId() {
        return taskIds.incrementAndGet();
    }
}
