package dev.troupe.internal.node;

import dev.troupe.WorkerProcess;
import java.util.concurrent.CompletableFuture;

/**
 * INTERNAL API. The handle of a spawned worker: a process handle plus the task's result.
 */
final class WorkerHandle<O> extends ProcessHandleImpl implements WorkerProcess<O> {
    private final CompletableFuture<O> result;

    WorkerHandle(ProcessRecord record, CompletableFuture<O> result) {
        super(record);
        this.result = result;
    }

    @Override
    public CompletableFuture<O> result() {
        return result;
    }
}
