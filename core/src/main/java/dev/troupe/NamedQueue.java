package dev.troupe;

import java.time.Duration;

/**
 * A named, bounded queue of messages: Python's {@code multiprocessing.Queue}, opened with
 * {@link Troupe#queue(String, Class)}. On a standalone node it is the machine's shared-memory queue of that name
 * ({@code dev.troupe.shared.Queue}, from {@code troupe-transport-shm}); on a clustered node it is one queue for the
 * whole cluster, hosted by one member. The same code runs on both: each message is taken by exactly one get, in the
 * order the puts completed.
 *
 * <p>A handle passed to a task (as its input, or captured by it) opens the same queue in the worker. Messages go
 * through the codecs of task values. Thread-safe. {@link #close()} closes this handle only; the queue and its
 * messages stay.
 *
 * @param <T> the type of the messages.
 */
public interface NamedQueue<T> extends AutoCloseable {

    /**
     * @return the name it was opened by.
     */
    String name();

    /**
     * @return the type of the messages.
     */
    Class<T> type();

    /**
     * @return the largest encoded message it takes, in bytes.
     */
    int maxMessageBytes();

    /**
     * Puts a message, waiting while the queue is full.
     *
     * @param value the message, not {@code null}.
     * @throws IllegalArgumentException when its encoding is larger than {@link #maxMessageBytes()}.
     * @throws ClassCastException       when it is not a {@link #type()}.
     * @throws CodecException           when no codec can encode it.
     * @throws IllegalStateException    when this handle is or gets closed.
     * @throws TroupeException          when a clustered queue's host cannot be reached.
     * @throws InterruptedException     when the thread is interrupted while waiting.
     */
    void put(T value) throws InterruptedException;

    /**
     * Puts a message, waiting at most {@code timeout} for room.
     *
     * @param value   the message, not {@code null}.
     * @param timeout how long to wait; zero does not wait.
     * @return {@code true} when put, {@code false} when the queue stayed full.
     * @throws IllegalArgumentException as {@link #put(Object)}; so do the other exceptions.
     * @throws InterruptedException     when the thread is interrupted while waiting.
     */
    boolean put(T value, Duration timeout) throws InterruptedException;

    /**
     * Puts a message if there is room now.
     *
     * @param value the message, not {@code null}.
     * @return {@code true} when put, {@code false} when the queue is full.
     * @throws IllegalArgumentException as {@link #put(Object)}; so do the other exceptions.
     */
    boolean offer(T value);

    /**
     * Takes the oldest message, waiting until there is one.
     *
     * @return the message.
     * @throws CodecException        when the message cannot be decoded here or is not a {@link #type()}; it is
     *                               removed from the queue all the same.
     * @throws IllegalStateException when this handle is or gets closed.
     * @throws TroupeException       when a clustered queue's host cannot be reached.
     * @throws InterruptedException  when the thread is interrupted while waiting.
     */
    T get() throws InterruptedException;

    /**
     * Takes the oldest message, waiting at most {@code timeout} for one.
     *
     * @param timeout how long to wait; zero does not wait.
     * @return the message, or {@code null} when the queue stayed empty.
     * @throws CodecException       as {@link #get()}; so do the other exceptions.
     * @throws InterruptedException when the thread is interrupted while waiting.
     */
    T get(Duration timeout) throws InterruptedException;

    /**
     * Takes the oldest message if there is one.
     *
     * @return the message, or {@code null} when the queue is empty.
     * @throws CodecException as {@link #get()}; so do the other exceptions.
     */
    T poll();

    /**
     * @return how many messages it holds now (others may change it at once).
     */
    int size();

    /**
     * @return whether it holds no message now.
     */
    boolean isEmpty();

    /** Stops using this handle, waking its blocked callers; the queue and other handles are not affected. */
    @Override
    void close();
}
