package dev.troupe.shared;

import java.time.Duration;

/**
 * A {@link Queue} that counts unfinished messages, as Python's {@code multiprocessing.JoinableQueue}: each put adds
 * one, each {@link #taskDone()} takes one away, and {@link #join()} waits until the count is zero. The count lives
 * in the shared segment, so producers, consumers and joiners may be different processes. A consumer that dies
 * between its get and its {@code taskDone} leaves the count above zero: {@link #join(Duration)} then times out.
 *
 * @param <T> the type of the messages.
 */
public final class JoinableQueue<T> extends Queue<T> {
    private static final long serialVersionUID = 1L;

    JoinableQueue(NamedSegment segment, Class<T> type) {
        super(Flavor.JOINABLE, segment, type);
    }

    /**
     * Opens the joinable queue with this name, creating it (empty, 1 MiB, bounded by bytes only) if no process
     * has.
     *
     * @param name letters, digits, {@code . _ -}.
     * @param type the messages' class.
     * @param <T>  the messages' type.
     * @return a handle; close it when done.
     * @throws dev.troupe.TroupeException when it exists with other parameters, or belongs to another user.
     */
    public static <T> JoinableQueue<T> open(String name, Class<T> type) {
        return open(name, type, 0, QueueDescriptor.DEFAULT_CAPACITY);
    }

    /**
     * Opens the joinable queue with this name, creating it (empty) if no process has.
     *
     * @param name          letters, digits, {@code . _ -}.
     * @param type          the messages' class.
     * @param maxMessages   the most messages it holds, or 0 for no bound but its bytes.
     * @param capacityBytes the ring's size: a multiple of 8 from 64 bytes to 1 GiB.
     * @param <T>           the messages' type.
     * @return a handle; close it when done.
     * @throws dev.troupe.TroupeException when it exists with other parameters, or belongs to another user.
     */
    public static <T> JoinableQueue<T> open(String name, Class<T> type, int maxMessages, int capacityBytes) {
        return new JoinableQueue<>(openSegment(Flavor.JOINABLE, name, type, maxMessages, capacityBytes, false), type);
    }

    /**
     * Removes the name; processes that have the queue open keep using it, new opens create a fresh one.
     *
     * @param name the name.
     * @return whether it existed.
     */
    public static boolean unlink(String name) {
        return NamedSegment.unlink(Flavor.JOINABLE.kind, name);
    }

    /**
     * Says that the work on one message taken from the queue is finished.
     *
     * @throws IllegalStateException when called more times than messages were put.
     */
    public void taskDone() {
        checkOpen();
        markDone();
    }

    /**
     * @return how many messages were put and not yet marked done.
     */
    public long unfinished() {
        return unfinishedNow();
    }

    /**
     * Waits until every message put so far has been marked done.
     *
     * @throws IllegalStateException when this handle is or gets closed.
     * @throws InterruptedException when the thread is interrupted while waiting.
     */
    public void join() throws InterruptedException {
        awaitAllDone(Long.MAX_VALUE);
    }

    /**
     * Waits at most {@code timeout} until every message put so far has been marked done.
     *
     * @param timeout how long to wait.
     * @return {@code true} when all are done, {@code false} when the time ran out.
     * @throws IllegalStateException when this handle is or gets closed.
     * @throws InterruptedException when the thread is interrupted while waiting.
     */
    public boolean join(Duration timeout) throws InterruptedException {
        return awaitAllDone(timeout.toNanos());
    }
}
