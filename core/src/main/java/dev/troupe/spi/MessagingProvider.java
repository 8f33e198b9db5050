package dev.troupe.spi;

import dev.troupe.NamedQueue;
import dev.troupe.NamedTopic;

/**
 * Makes the machine-local queues and topics that {@link dev.troupe.Troupe#queue} and {@link dev.troupe.Troupe#topic}
 * return on a node that is not in a cluster. Registered in {@code META-INF/services/dev.troupe.spi.MessagingProvider}
 * and found with {@link java.util.ServiceLoader}; {@code troupe-transport-shm} provides the shared-memory ones.
 * Thread-safe.
 */
public interface MessagingProvider {

    /**
     * Opens (creating if absent) the machine's queue of this name.
     *
     * @param name          letters, digits, {@code . _ -}.
     * @param type          the messages' class.
     * @param maxMessages   the most messages it holds, 0 for no bound but its bytes.
     * @param capacityBytes the most bytes of messages it holds, or 0 for the provider's default.
     * @param <T>           the messages' type.
     * @return a handle.
     * @throws dev.troupe.TroupeException when it exists with other parameters or is another user's.
     */
    <T> NamedQueue<T> queue(String name, Class<T> type, int maxMessages, int capacityBytes);

    /**
     * Opens (creating if absent) the machine's topic of this name.
     *
     * @param name letters, digits, {@code . _ -}.
     * @param type the messages' class.
     * @param <T>  the messages' type.
     * @return a handle.
     * @throws dev.troupe.TroupeException when it is another user's.
     */
    <T> NamedTopic<T> topic(String name, Class<T> type);
}
