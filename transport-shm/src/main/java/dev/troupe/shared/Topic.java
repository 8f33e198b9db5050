package dev.troupe.shared;

import static dev.troupe.shared.TopicDescriptor.CAPACITY;
import static dev.troupe.shared.TopicDescriptor.HEAD;
import static dev.troupe.shared.TopicDescriptor.LENGTH;
import static dev.troupe.shared.TopicDescriptor.MESSAGE_TYPE;
import static dev.troupe.shared.TopicDescriptor.NEXT_SEQ;
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

import dev.troupe.CodecException;
import dev.troupe.NamedTopic;
import dev.troupe.TroupeException;
import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.nio.file.NoSuchFileException;

/**
 * A named topic: publish/subscribe between processes, the analog of a Win32 mailslot with many readers. Any
 * number of processes of this user on this machine publish to it and subscribe to it by name. Every subscriber
 * gets every message published after it subscribed, in the order the publishes completed (so in order per
 * publisher), unless it falls behind.
 *
 * <p><b>Overflow policy: drop oldest.</b> Messages live in a ring of {@link #capacityBytes()} bytes in shared
 * memory, the same for every subscriber: memory stays bounded whatever the subscribers do, and a publisher is
 * never slowed by a subscriber. A subscriber that falls more than the ring behind loses the oldest messages it
 * has not read: it continues with the oldest message still in the ring, and {@link Subscription#lost()} says how
 * many it lost. Subscribers that keep up lose nothing.
 *
 * <p>Messages go through the codecs of task values (strings, boxed numbers, {@code byte[]}, enums, records,
 * lists, sets, maps, protobuf messages, and {@code Serializable} values when allowed); an encoded message may take
 * at most {@link #maxMessageBytes()} bytes (an eighth of the ring, less a 16-byte header).
 *
 * <p>Crash safety: publishers take a robust lock embedded in the topic, so a publisher killed at any moment
 * leaves the lock to the next one; a message it had not finished is never seen, and the bytes it wrote are
 * treated as overwritten. Subscribers write nothing shared: one killed costs nothing.
 *
 * <p>Thread-safe: a handle may be shared by threads that publish and subscribe. A handle passed to a task (as its
 * input, or captured by it) opens the same topic in the worker.
 *
 * @param <T> the type of the messages.
 */
public final class Topic<T> extends SharedObject implements NamedTopic<T>, Serializable {
    private static final long serialVersionUID = 1L;
    static final String KIND = "topic";
    /** The ring size of {@link #open(String, Class)} when it creates the topic. */
    public static final int DEFAULT_CAPACITY = 1 << 20;

    private final transient Lock lock;
    private final transient Class<T> type;
    final transient int capacity;
    final transient int mask;
    private final transient int maxMessage;
    private final transient String description;

    private Topic(NamedSegment segment, Class<T> type) {
        super(segment);
        this.lock = new Lock(segment);
        this.type = type;
        this.capacity = data.getInt(CAPACITY);
        this.mask = capacity - 1;
        this.maxMessage = TopicDescriptor.maxMessageBytes(capacity);
        this.description = "topic '" + segment.name + "'";
    }

    /**
     * Opens the topic with this name, creating it with a ring of {@code capacityBytes} if no process has.
     *
     * @param name          letters, digits, {@code . _ -}.
     * @param type          the type of the messages (a class, boxed for numbers).
     * @param capacityBytes the ring's size: a power of two from 1 KiB to 1 GiB; an existing topic must have it.
     * @param <T>           the type of the messages.
     * @return a handle; close it when done.
     * @throws IllegalArgumentException for a bad name, type or capacity.
     * @throws TroupeException          when the topic exists with another capacity, or its file is not this user's.
     */
    public static <T> Topic<T> open(String name, Class<T> type, int capacityBytes) {
        checkType(type);
        if (Integer.bitCount(capacityBytes) != 1 || capacityBytes < TopicDescriptor.MIN_CAPACITY
            || capacityBytes > TopicDescriptor.MAX_CAPACITY) {
            throw new IllegalArgumentException("a topic's capacityBytes must be a power of two from "
                + TopicDescriptor.MIN_CAPACITY + " to " + TopicDescriptor.MAX_CAPACITY + ", got " + capacityBytes);
        }
        NamedSegment segment;
        try {
            segment = NamedSegment.openOrCreate(KIND, name, RING + capacityBytes, d -> initialize(d, capacityBytes));
        } catch (TroupeException e) {
            if (e.getMessage() != null && e.getMessage().contains("created with other parameters")) {
                int stored = NamedSegment.sizeOf(KIND, name) - RING;
                throw new TroupeException("topic '" + name + "' exists with a capacity of " + stored + " bytes, not "
                    + capacityBytes + " (opened with other parameters)", e);
            }
            throw e;
        }
        return new Topic<>(owned(segment), type);
    }

    /**
     * Opens the topic with this name whatever its capacity, creating it with {@link #DEFAULT_CAPACITY} if no process
     * has.
     *
     * @param name letters, digits, {@code . _ -}.
     * @param type the type of the messages.
     * @param <T>  the type of the messages.
     * @return a handle; close it when done.
     * @throws IllegalArgumentException for a bad name or type.
     * @throws TroupeException          when the topic's file is not this user's.
     */
    public static <T> Topic<T> open(String name, Class<T> type) {
        checkType(type);
        try {
            return new Topic<>(owned(NamedSegment.openExisting(KIND, name, -1)), type);
        } catch (TroupeException e) {
            if (e.getCause() instanceof NoSuchFileException) {
                return open(name, type, DEFAULT_CAPACITY);
            }
            throw e;
        }
    }

    private static void initialize(org.agrona.concurrent.UnsafeBuffer d, int capacity) {
        d.putInt(CAPACITY, capacity);
    }

    private static void checkType(Class<?> type) {
        if (type == null) {
            throw new NullPointerException("type");
        }
        if (type.isPrimitive()) {
            throw new IllegalArgumentException("a topic's type must be a class, not the primitive " + type
                + ": use its boxed class");
        }
    }

    /**
     * Removes the name. Processes that have the topic open keep using it; new opens create a fresh one.
     *
     * @param name the name.
     * @return whether it existed.
     */
    public static boolean unlink(String name) {
        return NamedSegment.unlink(KIND, name);
    }

    /**
     * @return the type of the messages.
     */
    public Class<T> type() {
        return type;
    }

    /**
     * @return the ring's size in bytes, shared by all subscribers.
     */
    public int capacityBytes() {
        return capacity;
    }

    /**
     * @return the largest encoded message it takes, in bytes.
     */
    public int maxMessageBytes() {
        return maxMessage;
    }

    /**
     * Publishes a message to every current subscriber. Never waits for subscribers; it waits only for another
     * publisher's copy into the ring (or, when a publisher died holding the lock, takes the lock over).
     *
     * @param value the message, not {@code null}.
     * @throws NullPointerException     for {@code null}.
     * @throws ClassCastException       when it is not a {@link #type()}.
     * @throws CodecException           when no codec can encode it.
     * @throws IllegalArgumentException when its encoding is larger than {@link #maxMessageBytes()}; the message
     *                                  names both sizes.
     * @throws IllegalStateException    when this handle is closed.
     */
    public void publish(T value) {
        checkOpen();
        byte[] message = encode(value);
        lock.acquireNanos(Long.MAX_VALUE);
        try {
            write(message);
        } finally {
            lock.release();
        }
        if (data.getIntVolatile(WAITERS) > 0) {
            data.getAndAddInt(NOTIFY, 1);
            wake(NOTIFY, Integer.MAX_VALUE);
        }
        Signals.bump();
    }

    /** Appends one record; called with the lock held. */
    private void write(byte[] message) {
        long tail = data.getLongVolatile(TAIL);
        int at = (int) (tail & mask);
        int record = recordBytes(message.length);
        int toEnd = capacity - at;
        boolean pad = toEnd < record;
        long start = pad ? tail + toEnd : tail;
        long newTail = start + record;
        // A publisher that died mid-write may have raised the intent further: keep it, its bytes are garbage.
        long intent = Math.max(data.getLongVolatile(TAIL_INTENT), newTail);
        long head = data.getLongVolatile(HEAD);
        while (head + capacity < intent) {
            int length = data.getInt(RING + (int) (head & mask) + LENGTH);
            if (length < 0 || length > capacity) {
                head = start; // cannot happen with an intact ring; lapped subscribers then resume at this message
                break;
            }
            head += recordBytes(length);
        }
        data.putLongVolatile(TAIL_INTENT, intent); // before any byte is overwritten
        data.putLongVolatile(HEAD, head);
        if (pad) {
            data.putInt(RING + at + LENGTH, toEnd - RECORD_HEADER);
            data.putInt(RING + at + TYPE, PADDING_TYPE);
            data.putLong(RING + at + SEQUENCE, -1);
        }
        int s = RING + (int) (start & mask);
        long sequence = data.getLong(NEXT_SEQ);
        data.putInt(s + LENGTH, message.length);
        data.putInt(s + TYPE, MESSAGE_TYPE);
        data.putLong(s + SEQUENCE, sequence);
        data.putBytes(s + RECORD_HEADER, message);
        data.putLong(NEXT_SEQ, sequence + 1);
        data.putLongVolatile(TAIL, newTail); // the publish happens here, or not at all
    }

    /**
     * Subscribes: the subscription gets every message published from now on.
     *
     * @return a new subscription; close it when done.
     * @throws IllegalStateException when this handle is closed.
     */
    public Subscription<T> subscribe() {
        checkOpen();
        lock.acquireNanos(Long.MAX_VALUE); // the tail and the next sequence number, read together
        try {
            return new Subscription<>(this, data.getLongVolatile(TAIL), data.getLong(NEXT_SEQ));
        } finally {
            lock.release();
        }
    }

    /**
     * @return how many messages were published to this topic since it was created.
     */
    public long published() {
        return data.getLongVolatile(NEXT_SEQ);
    }

    private static NamedSegment owned(NamedSegment segment) {
        ProcessCodec.checkOwner(segment, "topic '" + segment.name + "'");
        return segment;
    }

    byte[] encode(T value) {
        return ProcessCodec.encodeMessage(value, type, description, capacity, maxMessage);
    }

    T decode(byte[] bytes) {
        return ProcessCodec.decodeMessage(bytes, type, description, "the subscription skips it");
    }

    String description() {
        return description;
    }

    @Override
    int tryTake() {
        throw new UnsupportedOperationException("a topic cannot be waited on with Waits: " + this);
    }

    @Override
    void untake() {
        throw new UnsupportedOperationException();
    }

    // ---- passing a handle to another process

    /** A handle travels as its name, type and capacity, and is reopened by name on arrival. */
    private Object writeReplace() {
        return new Ref(segment.name, type, capacity);
    }

    private void readObject(ObjectInputStream in) throws InvalidObjectException {
        throw new InvalidObjectException("a topic handle is read only through its serialized reference");
    }

    /** What a handle is serialized as: what reopening it by name needs, all checked on arrival. */
    private static final class Ref implements Serializable {
        private static final long serialVersionUID = 1L;
        private final String name;
        private final Class<?> type;
        private final int capacity;

        Ref(String name, Class<?> type, int capacity) {
            this.name = name;
            this.type = type;
            this.capacity = capacity;
        }

        private Object readResolve() throws InvalidObjectException {
            try {
                return open(name, type, capacity);
            } catch (RuntimeException e) {
                InvalidObjectException refused = new InvalidObjectException("cannot reopen topic '" + name
                    + "' here: " + e.getMessage());
                refused.initCause(e);
                throw refused;
            }
        }
    }
}
