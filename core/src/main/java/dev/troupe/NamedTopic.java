package dev.troupe;

/**
 * A named topic, publish/subscribe (a Win32 mailslot with many readers), opened with
 * {@link Troupe#topic(String, Class)}. On a standalone node it is the machine's shared-memory topic of that name
 * ({@code dev.troupe.shared.Topic}, from {@code troupe-transport-shm}); on a clustered node it is one topic for the
 * whole cluster. Either way every subscriber gets every message published after it subscribed, in order per
 * publisher, unless it falls behind: subscribers are bounded and drop their oldest unread messages
 * ({@link TopicSubscription#lost()} counts them); a publisher is never slowed by a subscriber.
 *
 * <p>Thread-safe. {@link #close()} closes this handle only.
 *
 * @param <T> the type of the messages.
 */
public interface NamedTopic<T> extends AutoCloseable {

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
     * Publishes a message to every current subscriber.
     *
     * @param value the message, not {@code null}.
     * @throws NullPointerException     for {@code null}.
     * @throws ClassCastException       when it is not a {@link #type()}.
     * @throws CodecException           when no codec can encode it.
     * @throws IllegalArgumentException when its encoding is larger than {@link #maxMessageBytes()}.
     * @throws IllegalStateException    when this handle is closed.
     * @throws TroupeException          when a clustered topic's node cannot be reached.
     */
    void publish(T value);

    /**
     * Subscribes: the subscription gets every message published from now on.
     *
     * @return a new subscription; close it when done.
     * @throws IllegalStateException when this handle is closed.
     */
    TopicSubscription<T> subscribe();

    /** Stops using this handle; the topic and other handles are not affected. */
    @Override
    void close();
}
