package dev.troupe.shared;

import dev.troupe.NamedQueue;
import dev.troupe.NamedTopic;
import dev.troupe.spi.MessagingProvider;

/**
 * The machine-local queues and topics of {@code Troupe.queue} and {@code Troupe.topic} on a node that is not in a
 * cluster: {@link Queue} and {@link Topic} in shared memory. Registered in
 * {@code META-INF/services/dev.troupe.spi.MessagingProvider}; users do not call it. Thread-safe.
 */
public final class ShmMessagingProvider implements MessagingProvider {

    /** Made by {@link java.util.ServiceLoader}. */
    public ShmMessagingProvider() {
    }

    /**
     * Opens {@link Queue#open(String, Class, int, int)}, with {@code capacityBytes} 0 meaning 1 MiB.
     */
    @Override
    public <T> NamedQueue<T> queue(String name, Class<T> type, int maxMessages, int capacityBytes) {
        return Queue.open(name, type, maxMessages, capacityBytes == 0 ? QueueDescriptor.DEFAULT_CAPACITY
            : capacityBytes);
    }

    /**
     * Opens {@link Topic#open(String, Class)}.
     */
    @Override
    public <T> NamedTopic<T> topic(String name, Class<T> type) {
        return Topic.open(name, type);
    }
}
