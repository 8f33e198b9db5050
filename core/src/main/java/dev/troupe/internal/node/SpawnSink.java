package dev.troupe.internal.node;

import dev.troupe.RemoteTaskException;
import dev.troupe.internal.WorkerLaunch;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * INTERNAL API. The outcome of a spawned worker's one task: completes the user's future and tells the worker to
 * exit (code 0 after success, 1 after the task threw, as Python's {@code Process} does).
 */
final class SpawnSink<O> implements TaskSink {
    private volatile ProcessRecord record;
    private final CompletableFuture<O> result;
    /** A shutdown asked for before the worker was named ({@link #bind}); guarded by {@code this}. */
    private int pendingCode;
    private String pendingReason;

    SpawnSink(ProcessRecord record, CompletableFuture<O> result) {
        this.record = record;
        this.result = result;
    }

    /** A sink whose worker is not known yet (a spare about to be taken): see {@link #bind}. */
    SpawnSink(CompletableFuture<O> result) {
        this(null, result);
    }

    /** Names the worker; a shutdown asked for before is sent now. */
    void bind(ProcessRecord worker) {
        int code;
        String reason;
        synchronized (this) {
            record = worker;
            if (pendingReason == null) {
                return;
            }
            code = pendingCode;
            reason = pendingReason;
        }
        shutdown(code, reason);
    }

    @Override
    @SuppressWarnings("unchecked")
    public void succeed(List<Object> outputs) {
        shutdown(0, "task done");
        result.complete((O) outputs.get(0));
    }

    @Override
    public void fail(Throwable error) {
        shutdown(error instanceof RemoteTaskException ? WorkerLaunch.EXIT_TASK_FAILED : 0, "task failed");
        result.completeExceptionally(error);
    }

    private void shutdown(int code, String reason) {
        ProcessRecord r;
        synchronized (this) {
            r = record;
            if (r == null) {
                // The task finished before its spare worker was named here: bind sends this.
                pendingCode = code;
                pendingReason = reason;
                return;
            }
        }
        WorkerConnection c = r.connection;
        if (c != null && c.link.isOpen()) {
            c.shutdown(code, reason);
        }
    }

    @Override
    public boolean isDone() {
        return result.isDone();
    }
}
