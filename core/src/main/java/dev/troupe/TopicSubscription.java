package dev.troupe;

import java.time.Duration;

/**
 * One subscriber of a {@link NamedTopic}: the messages published after it subscribed, in order per publisher.
 * Bounded: when it falls too far behind, its oldest unread messages are dropped and {@link #lost()} counts them.
 * Thread-safe; threads that share it each get different messages.
 *
 * @param <T> the type of the messages.
 */
public interface TopicSubscription<T> extends AutoCloseable {

    /**
     * Takes the next message if there is one.
     *
     * @return the message, or {@code null}.
     * @throws CodecException        when the message cannot be decoded here or is not of the topic's type; it is
     *                               skipped.
     * @throws IllegalStateException when this subscription or its topic handle is closed.
     */
    T poll();

    /**
     * Takes the next message, waiting as long as it takes.
     *
     * @return the message.
     * @throws InterruptedException when the thread is interrupted while it waits.
     * @throws CodecException       as {@link #poll()}; so does {@link IllegalStateException}.
     */
    T receive() throws InterruptedException;

    /**
     * Takes the next message, waiting at most {@code timeout}.
     *
     * @param timeout how long to wait; zero polls once.
     * @return the message, or {@code null} when none came in time.
     * @throws InterruptedException when the thread is interrupted while it waits.
     * @throws CodecException       as {@link #poll()}; so does {@link IllegalStateException}.
     */
    T receive(Duration timeout) throws InterruptedException;

    /**
     * @return how many messages this subscriber lost because it fell too far behind.
     */
    long lost();

    /** Stops this subscription; the topic and other subscriptions are not affected. */
    @Override
    void close();
}
