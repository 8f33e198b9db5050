package dev.troupe;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A pool of worker processes: Python's {@code multiprocessing.Pool} / {@code ProcessPoolExecutor}. A worker
 * killed mid-task is replaced and its task run again (up to {@link PoolOptions#maxRetries(int)}), so nothing
 * hangs and nothing is silently lost. Thread-safe.
 */
public interface Pool extends AutoCloseable {

    /**
     * Runs {@code task} on {@code input} in some worker: Python's {@code apply_async} / {@code submit}.
     *
     * @param task  the task.
     * @param input its input.
     * @param <I>   input type.
     * @param <O>   output type.
     * @return completes with the output, or with a {@link RemoteTaskException}, a {@link WorkerCrashedException}
     *     (retries used up) or a {@link java.util.concurrent.CancellationException} (pool terminated).
     * @throws CodecException        when the task or input cannot be sent.
     * @throws IllegalStateException when the pool is closed.
     */
    <I, O> CompletableFuture<O> submit(Task<I, O> task, I input);

    /**
     * Runs {@code task} on every input, in chunks, and returns the outputs in input order: Python's
     * {@code Pool.map}. Blocks until done.
     *
     * @param task   the task.
     * @param inputs the inputs.
     * @param <I>    input type.
     * @param <O>    output type.
     * @return the outputs, in input order.
     * @throws RemoteTaskException    when the task threw for some input.
     * @throws WorkerCrashedException when a worker died more often than the retry budget allows.
     * @throws IllegalStateException  when the pool is closed.
     */
    <I, O> List<O> map(Task<I, O> task, Iterable<I> inputs);

    /**
     * @return the number of workers the pool keeps.
     */
    int size();

    /**
     * @return the pool's live worker processes.
     */
    List<ManagedProcess> workers();

    /**
     * Accepts no more work, lets queued work finish, then stops the workers and waits for them to exit.
     * Idempotent.
     */
    @Override
    void close();

    /**
     * Stops now: queued and running tasks fail with {@link java.util.concurrent.CancellationException} and the
     * workers are killed. Waits for them to exit. Idempotent.
     */
    void terminate();
}
