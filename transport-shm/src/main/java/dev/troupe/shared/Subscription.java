package dev.troupe.shared;

import static dev.troupe.shared.TopicDescriptor.HEAD;
import static dev.troupe.shared.TopicDescriptor.LENGTH;
import static dev.troupe.shared.TopicDescriptor.MESSAGE_TYPE;
import static dev.troupe.shared.TopicDescriptor.NOTIFY;
import static dev.troupe.shared.TopicDescriptor.PADDING_TYPE;
import static dev.troupe.shared.TopicDescriptor.RECORD_HEADER;
import static dev.troupe.shared.TopicDescriptor.RING;
import static dev.troupe.shared.TopicDescriptor.SEQUENCE;
import static dev.troupe.shared.TopicDescriptor.TAIL;
import static dev.troupe.shared.TopicDescriptor.TAIL_INTENT;
import static dev.troupe.shared.TopicDescriptor.TYPE;
import static dev.troupe.shared.TopicDescriptor.WAITERS;
import static dev.troupe.shared.TopicDescriptor.recordBytes;

import dev.troupe.TopicSubscription;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * One subscriber's place in a {@link Topic}: it reads every message published after {@link Topic#subscribe()},
 * in order, from the topic's shared ring. Reading writes nothing shared, so subscribers never slow publishers or
 * each other.
 *
 * <p>When this subscriber falls more than the ring behind, the oldest messages it has not read are overwritten:
 * it continues with the oldest message still in the ring, and {@link #lost()} counts what it missed (drop oldest).
 *
 * <p>Its methods are synchronized: threads may share a subscription, each message going to one of them.
 *
 * @param <T> the type of the messages.
 */
public final class Subscription<T> implements TopicSubscription<T> {
    /** How many times a read that found its record overwritten starts again from the oldest record in one call. */
    private static final int MAX_RESYNCS = 16;

    private final Topic<T> topic;
    private final UnsafeBuffer data;
    private final int capacity;
    private final int mask;
    private long cursor;
    private long nextSequence;
    private long lost;
    private long received;
    private boolean closed;

    Subscription(Topic<T> topic, long cursor, long nextSequence) {
        this.topic = topic;
        this.data = topic.data;
        this.capacity = topic.capacity;
        this.mask = topic.mask;
        this.cursor = cursor;
        this.nextSequence = nextSequence;
    }

    /**
     * @return the topic.
     */
    public Topic<T> topic() {
        return topic;
    }

    /**
     * Takes the next message if there is one.
     *
     * @return the message, or {@code null} when none was published since the last one taken.
     * @throws dev.troupe.CodecException when the message cannot be decoded here or is not a {@link Topic#type()};
     *                                   it is skipped, and the next call goes on with the one after it.
     * @throws IllegalStateException     when this subscription or its topic handle is closed.
     */
    public synchronized T poll() {
        checkOpen();
        byte[] bytes = next();
        return bytes == null ? null : topic.decode(bytes);
    }

    /**
     * Takes the next message, waiting for one as long as it takes.
     *
     * @return the message.
     * @throws InterruptedException      when the thread is interrupted while it waits.
     * @throws dev.troupe.CodecException as {@link #poll()}.
     * @throws IllegalStateException     when this subscription or its topic handle is closed.
     */
    public T receive() throws InterruptedException {
        return receiveNanos(Long.MAX_VALUE);
    }

    /**
     * Takes the next message, waiting for one up to {@code timeout}: spins briefly
     * ({@code troupe.shared.spin-micros}), then sleeps on the topic's futex.
     *
     * @param timeout how long to wait; zero polls once.
     * @return the message, or {@code null} when none came in time.
     * @throws InterruptedException      when the thread is interrupted while it waits.
     * @throws dev.troupe.CodecException as {@link #poll()}.
     * @throws IllegalStateException     when this subscription or its topic handle is closed.
     */
    public T receive(Duration timeout) throws InterruptedException {
        return receiveNanos(timeout.toNanos());
    }

    private synchronized T receiveNanos(long nanos) throws InterruptedException {
        long deadline = SharedObject.deadline(nanos);
        long spinUntil = System.nanoTime() + SharedObject.SPIN_NANOS;
        while (true) {
            T value = poll();
            if (value != null) {
                return value;
            }
            long now = System.nanoTime();
            long left = deadline - now;
            if (left <= 0) {
                return null;
            }
            if (Thread.interrupted()) {
                throw new InterruptedException("interrupted while waiting for a message of " + topic.description());
            }
            if (now < spinUntil) {
                Thread.onSpinWait();
                continue;
            }
            int seen = data.getIntVolatile(NOTIFY);
            data.getAndAddInt(WAITERS, 1);
            try {
                // Announced before this check: a publish after it moves NOTIFY on, so the sleep returns at once.
                if (data.getLongVolatile(TAIL) <= cursor) {
                    topic.sleepOn(NOTIFY, seen, left);
                } else {
                    Thread.onSpinWait();
                }
            } finally {
                data.getAndAddInt(WAITERS, -1);
            }
        }
    }

    /** The next message's bytes, or {@code null}; counts what was overwritten before it could be read. */
    private byte[] next() {
        int resyncs = 0;
        while (true) {
            if (cursor >= data.getLongVolatile(TAIL)) {
                return null;
            }
            int offset = (int) (cursor & mask);
            int at = RING + offset;
            int length = data.getInt(at + LENGTH);
            int type = data.getInt(at + TYPE);
            long sequence = data.getLong(at + SEQUENCE);
            byte[] copy = null;
            // A header being overwritten may hold anything: copy only what lies inside the ring.
            if (type == MESSAGE_TYPE && length >= 0 && length <= topic.maxMessageBytes()
                && offset + RECORD_HEADER + length <= capacity) {
                copy = new byte[length];
                data.getBytes(at + RECORD_HEADER, copy);
            }
            VarHandle.acquireFence(); // the copy above happens before the check below
            boolean intact = cursor + capacity >= data.getLongVolatile(TAIL_INTENT);
            if (intact && type == PADDING_TYPE) {
                cursor += recordBytes(length);
                continue;
            }
            if (!intact || copy == null) {
                // Overwritten while unread: go on from the oldest record still in the ring.
                long head = data.getLongVolatile(HEAD);
                if (head <= cursor || ++resyncs > MAX_RESYNCS) {
                    return null; // a publisher is moving the head (or died doing so): the next one fixes it
                }
                cursor = head;
                continue;
            }
            cursor += recordBytes(length);
            if (sequence > nextSequence) {
                lost += sequence - nextSequence;
            }
            nextSequence = sequence + 1;
            received++;
            return copy;
        }
    }

    /**
     * @return how many messages this subscriber lost because they were overwritten before it read them.
     */
    public synchronized long lost() {
        return lost;
    }

    /**
     * @return how many messages this subscriber has taken (including ones that failed to decode).
     */
    public synchronized long received() {
        return received;
    }

    /**
     * @return how many messages were published since this subscriber's last one and are still to be read or lost.
     */
    public synchronized long backlog() {
        return Math.max(0, topic.published() - nextSequence);
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("this subscription to " + topic.description() + " is closed");
        }
        topic.checkOpen();
    }

    /** Stops this subscription; the topic and other subscriptions are not affected. */
    @Override
    public synchronized void close() {
        closed = true;
    }
}
