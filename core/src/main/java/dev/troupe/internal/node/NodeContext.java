package dev.troupe.internal.node;

import dev.troupe.internal.codec.PayloadCodec;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
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
    /** The server remote workers dial in to, or {@code null} when this node takes none. */
    volatile NodeServer remoteServer;
    final RemoteWorkers remoteWorkers;
    /** Where pools get workers on other nodes (a cluster member's), or {@code null}. */
    volatile dev.troupe.spi.WorkerLending lending;
    /** The maps and lists of {@link dev.troupe.Manager}; set right after the actor system starts. */
    volatile dev.troupe.internal.objects.LocalObjects objects;
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
