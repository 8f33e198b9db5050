package dev.troupe.cluster;

import com.google.protobuf.ByteString;
import java.util.ArrayDeque;

/**
 * A cluster-wide queue's messages at its host: encoded messages in the order their puts completed, bounded by bytes
 * (each counted with 8 bytes of overhead, as in the shared-memory queue) and optionally by count. Not thread-safe:
 * only its host's {@link MessagingActor} touches it.
 */
final class HostedQueue {
    /** What each message costs beside its bytes. */
    static final int OVERHEAD = 8;

    final String name;
    final String type;
    final int maxMessages;
    final long capacity;
    private final ArrayDeque<ByteString> messages = new ArrayDeque<>();
    private long bytes;

    HostedQueue(String name, String type, int maxMessages, long capacity) {
        this.name = name;
        this.type = type;
        this.maxMessages = maxMessages;
        this.capacity = capacity;
    }

    /** Whether a message of this size fits now. */
    boolean fits(int size) {
        return bytes + size + OVERHEAD <= capacity && (maxMessages == 0 || messages.size() < maxMessages);
    }

    void add(ByteString message) {
        messages.addLast(message);
        bytes += message.size() + OVERHEAD;
    }

    /** Puts back a message that was taken but never reached its caller, before all others, past the bounds. */
    void addFirst(ByteString message) {
        messages.addFirst(message);
        bytes += message.size() + OVERHEAD;
    }

    /** The oldest message, removed, or {@code null}. */
    ByteString take() {
        ByteString m = messages.pollFirst();
        if (m != null) {
            bytes -= m.size() + OVERHEAD;
        }
        return m;
    }

    int size() {
        return messages.size();
    }
}
