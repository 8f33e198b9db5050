package dev.troupe;

import java.util.concurrent.CompletableFuture;

/**
 * A worker JVM started by {@link Troupe#spawn} to run one task, then exit: the analog of Python's
 * {@code multiprocessing.Process(target=...)}. Thread-safe.
 *
 * @param <O> the task's output type.
 */
public interface WorkerProcess<O> extends ManagedProcess {

    /**
     * The task's outcome. Completes with the output; or exceptionally with a {@link RemoteTaskException} when
     * the task threw, a {@link WorkerCrashedException} when the process died first (naming pid and signal), or
     * a {@link CodecException} when the output could not cross back.
     *
     * @return the future; the same instance on every call.
     */
    CompletableFuture<O> result();
}
