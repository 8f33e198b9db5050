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
     *     (retries used up), a {@link java.util.concurrent.CancellationException} (pool terminated) or a
     *     {@link CodecException} (the task, with what it captures, is over {@code troupe.max-frame-size}).
     * @throws CodecException        when the task or input cannot be sent, or the input encodes to more than
     *                               {@code troupe.max-frame-size}.
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
     * @throws CodecException         when an input cannot be sent, or a chunk of inputs encodes to more than
     *                                {@code troupe.max-frame-size}.
     * @throws RemoteTaskException    when the task threw for some input.
     * @throws WorkerCrashedException when a worker died more often than the retry budget allows.
     * @throws IllegalStateException  when the pool is closed.
     */
    <I, O> List<O> map(Task<I, O> task, Iterable<I> inputs);

    /**
     * As {@link #map}, without blocking: Python's {@code map_async}.
     *
     * @param task   the task.
     * @param inputs the inputs, read at once.
     * @param <I>    input type.
     * @param <O>    output type.
     * @return completes with the outputs in input order, or with the first failure.
     */
    <I, O> CompletableFuture<List<O>> mapAsync(Task<I, O> task, Iterable<I> inputs);

    /**
     * Runs {@code task} on {@code input} and waits: Python's {@code Pool.apply}.
     *
     * @param task  the task.
     * @param input its input.
     * @param <I>   input type.
     * @param <O>   output type.
     * @return the output.
     * @throws RemoteTaskException    when the task threw.
     * @throws WorkerCrashedException when its worker died more often than the retry budget allows.
     */
    default <I, O> O apply(Task<I, O> task, I input) {
        try {
            return submit(task, input).join();
        } catch (java.util.concurrent.CompletionException e) {
            Throwable cause = e.getCause();
            throw cause instanceof RuntimeException ? (RuntimeException) cause : new TroupeException(cause.toString(),
                cause);
        }
    }

    /**
     * Submits {@code task} once per input, each as its own task: {@code ExecutorService.invokeAll}.
     *
     * @param task   the task.
     * @param inputs the inputs.
     * @param <I>    input type.
     * @param <O>    output type.
     * @return one future per input, in input order.
     */
    default <I, O> List<CompletableFuture<O>> invokeAll(Task<I, O> task, Iterable<I> inputs) {
        List<CompletableFuture<O>> out = new java.util.ArrayList<>();
        for (I input : inputs) {
            out.add(submit(task, input));
        }
        return out;
    }

    /**
     * Waits until the pool has stopped after {@link #close()} or {@link #terminate()} was called.
     *
     * @param timeout how long to wait at most.
     * @return {@code true} when the pool has stopped.
     * @throws InterruptedException when interrupted.
     */
    boolean awaitTermination(java.time.Duration timeout) throws InterruptedException;

    /**
     * Lazily runs {@code task} over {@code inputs}, in input order: Python's {@code Pool.imap}. Inputs are read
     * on the consuming thread as results are taken, with a bounded look-ahead (a few chunks per worker), so an
     * endless iterator works and memory stays bounded however slow the consumer is.
     *
     * @param task   the task.
     * @param inputs the inputs; read only by the thread that consumes the returned iterator.
     * @param <I>    input type.
     * @param <O>    output type.
     * @return the outputs in input order; {@code next()} throws {@link RemoteTaskException} or
     *     {@link WorkerCrashedException} when the task for that input failed.
     */
    <I, O> java.util.Iterator<O> imap(Task<I, O> task, Iterable<I> inputs);

    /**
     * As {@link #imap}, but outputs come in completion order: Python's {@code Pool.imap_unordered}.
     *
     * @param task   the task.
     * @param inputs the inputs.
     * @param <I>    input type.
     * @param <O>    output type.
     * @return the outputs in completion order.
     */
    <I, O> java.util.Iterator<O> imapUnordered(Task<I, O> task, Iterable<I> inputs);

    /**
     * {@link #imap} as a sequential stream.
     *
     * @param task   the task.
     * @param inputs the inputs.
     * @param <I>    input type.
     * @param <O>    output type.
     * @return the outputs in input order.
     */
    default <I, O> java.util.stream.Stream<O> imapStream(Task<I, O> task, Iterable<I> inputs) {
        return java.util.stream.StreamSupport.stream(java.util.Spliterators.spliteratorUnknownSize(
            imap(task, inputs), java.util.Spliterator.ORDERED), false);
    }

    /**
     * {@link #imapUnordered} as a sequential stream.
     *
     * @param task   the task.
     * @param inputs the inputs.
     * @param <I>    input type.
     * @param <O>    output type.
     * @return the outputs in completion order.
     */
    default <I, O> java.util.stream.Stream<O> imapUnorderedStream(Task<I, O> task, Iterable<I> inputs) {
        return java.util.stream.StreamSupport.stream(java.util.Spliterators.spliteratorUnknownSize(
            imapUnordered(task, inputs), 0), false);
    }

    /**
     * @return the number of workers the pool keeps; for a pool that accepts remote workers, the number it has now.
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
