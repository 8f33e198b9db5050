package dev.troupe.shared;

import static dev.troupe.shared.QueueDescriptor.ALL_DONE;
import static dev.troupe.shared.QueueDescriptor.CAPACITY;
import static dev.troupe.shared.QueueDescriptor.COUNT;
import static dev.troupe.shared.QueueDescriptor.GETS;
import static dev.troupe.shared.QueueDescriptor.GET_WAITERS;
import static dev.troupe.shared.QueueDescriptor.HEAD;
import static dev.troupe.shared.QueueDescriptor.JOIN_WAITERS;
import static dev.troupe.shared.QueueDescriptor.LOCK;
import static dev.troupe.shared.QueueDescriptor.LOCK_WAITERS;
import static dev.troupe.shared.QueueDescriptor.MAX_MESSAGES;
import static dev.troupe.shared.QueueDescriptor.NOT_EMPTY;
import static dev.troupe.shared.QueueDescriptor.NOT_FULL;
import static dev.troupe.shared.QueueDescriptor.PUT_WAITERS;
import static dev.troupe.shared.QueueDescriptor.RECORD_HEADER;
import static dev.troupe.shared.QueueDescriptor.RING;
import static dev.troupe.shared.QueueDescriptor.TAIL;
import static dev.troupe.shared.QueueDescriptor.UNFINISHED;
import static dev.troupe.shared.QueueDescriptor.VERSION;

import dev.troupe.TroupeException;
import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.util.concurrent.TimeUnit;

/**
 * What {@link SimpleQueue}, {@link Queue} and {@link JoinableQueue} share: a ring of encoded messages in a named
 * segment, laid out as {@link QueueDescriptor} says. Thread-safe; any number of processes and threads put and get.
 *
 * <p>Crash safety: every change is made under the segment's robust lock and published by one store of the
 * version word, so a process killed at any moment leaves either the state before its operation or the one after
 * it, and a lock it held is taken over by the next process that needs it (within about 10 ms of its death).
 *
 * @param <T> the type of the messages.
 */
abstract class MessageQueue<T> extends SharedObject implements Serializable {
    private static final long serialVersionUID = 1L;
    /** How long a waiter for the lock spins before it sleeps. */
    private static final int LOCK_SPINS = 200;
    /** How long the lock must stay with one pid before its holder's liveness is checked. */
    private static final long HOLDER_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    /** The longest sleep on the lock's futex, so that a holder's death is noticed. */
    private static final long LOCK_SLEEP_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    /** Which class opened it, so that a handle passed to another process reopens the same kind. */
    enum Flavor {
        SIMPLE("simplequeue", "SimpleQueue"), PLAIN("queue", "Queue"), JOINABLE("joinablequeue", "JoinableQueue");

        final String kind;
        final String className;

        Flavor(String kind, String className) {
            this.kind = kind;
            this.className = className;
        }
    }

    final transient Flavor flavor;
    final transient Class<T> type;
    final transient int capacity;
    final transient int maxMessages;
    private final transient String description;

    MessageQueue(Flavor flavor, NamedSegment segment, Class<T> type) {
        super(segment);
        this.flavor = flavor;
        this.type = type;
        this.capacity = data.getInt(CAPACITY);
        this.maxMessages = data.getInt(MAX_MESSAGES);
        this.description = flavor.className + " '" + segment.name + "'";
    }

    /**
     * Opens (creating if absent) or, when {@code mustExist}, opens an existing queue's segment, and checks that it
     * has the parameters asked for and belongs to this user.
     */
    static NamedSegment openSegment(Flavor flavor, String name, Class<?> type, int maxMessages, int capacity,
                                    boolean mustExist) {
        if (type == null) {
            throw new NullPointerException("type");
        }
        if (type.isPrimitive()) {
            throw new IllegalArgumentException("a queue's type must be a class, not the primitive " + type
                + ": use its boxed class");
        }
        if (maxMessages < 0) {
            throw new IllegalArgumentException("maxMessages must be 0 (no bound) or positive, got " + maxMessages);
        }
        if (capacity < QueueDescriptor.MIN_CAPACITY || capacity > QueueDescriptor.MAX_CAPACITY
            || capacity % QueueDescriptor.ALIGNMENT != 0) {
            throw new IllegalArgumentException("capacityBytes must be a multiple of 8 from "
                + QueueDescriptor.MIN_CAPACITY + " to " + QueueDescriptor.MAX_CAPACITY + ", got " + capacity);
        }
        int size = RING + capacity;
        NamedSegment segment;
        try {
            segment = mustExist ? NamedSegment.openExisting(flavor.kind, name, size)
                : NamedSegment.openOrCreate(flavor.kind, name, size, d -> {
                    d.putInt(CAPACITY, capacity);
                    d.putInt(MAX_MESSAGES, maxMessages);
                });
        } catch (TroupeException e) {
            if (e.getMessage() != null && e.getMessage().contains("created with other parameters")) {
                int stored = NamedSegment.sizeOf(flavor.kind, name) - RING;
                throw new TroupeException(flavor.className + " '" + name + "' exists with a capacity of " + stored
                    + " bytes, not " + capacity + " (opened with other parameters)", e);
            }
            throw e;
        }
        ProcessCodec.checkOwner(segment, flavor.className + " '" + segment.name + "'");
        int storedMax = segment.data.getInt(MAX_MESSAGES);
        if (storedMax != maxMessages) {
            throw new TroupeException(flavor.className + " '" + name + "' exists with maxMessages " + storedMax
                + ", not " + maxMessages + " (opened with other parameters)");
        }
        return segment;
    }

    /**
     * @return the type of the messages.
     */
    public Class<T> type() {
        return type;
    }

    /**
     * @return the ring's size in bytes: the most bytes of messages (each with an 8-byte header, padded to 8) it
     *         holds at once.
     */
    public int capacityBytes() {
        return capacity;
    }

    /**
     * @return the largest encoded message it takes: its capacity less the 8-byte record header.
     */
    public int maxMessageBytes() {
        return capacity - RECORD_HEADER;
    }

    // ---- put and get

    /** Encodes a value, refusing one of the wrong type, {@code null}, or too large for the ring. */
    final byte[] encode(T value) {
        return ProcessCodec.encodeMessage(value, type, description, capacity, maxMessageBytes());
    }

    final T decode(byte[] bytes) {
        return ProcessCodec.decodeMessage(bytes, type, description, "the message is removed from the queue");
    }

    /**
     * Puts an encoded message, waiting up to {@code nanos} for room.
     *
     * @return {@code false} when the time ran out.
     */
    final boolean putBytes(byte[] message, long nanos) throws InterruptedException {
        checkOpen();
        long deadline = deadline(nanos);
        long spinUntil = System.nanoTime() + SPIN_NANOS;
        long record = QueueDescriptor.recordBytes(message.length);
        while (true) {
            long seen = data.getLongVolatile(VERSION);
            if (tryPut(message)) {
                signal(NOT_EMPTY, GET_WAITERS);
                Signals.bump();
                return true;
            }
            if (!await(NOT_FULL, PUT_WAITERS, record, seen, deadline, spinUntil, "put")) {
                return false;
            }
        }
    }

    private boolean tryPut(byte[] message) {
        long record = QueueDescriptor.recordBytes(message.length);
        lock();
        try {
            long version = data.getLongVolatile(VERSION);
            int from = QueueDescriptor.slot(version);
            long head = data.getLong(from + HEAD);
            long tail = data.getLong(from + TAIL);
            long count = data.getLong(from + COUNT);
            if (tail - head + record > capacity || (maxMessages > 0 && count >= maxMessages)) {
                return false;
            }
            long gets = data.getLong(from + GETS);
            int at = (int) (tail % capacity);
            data.putInt(RING + at, message.length);
            data.putInt(RING + at + 4, (int) (gets + count)); // the message's sequence number, as a check
            copyIn((int) ((tail + RECORD_HEADER) % capacity), message);
            int to = QueueDescriptor.slot(version + 1);
            data.putLong(to + HEAD, head);
            data.putLong(to + TAIL, tail + record);
            data.putLong(to + COUNT, count + 1);
            data.putLong(to + UNFINISHED, data.getLong(from + UNFINISHED) + 1);
            data.putLong(to + GETS, gets);
            data.putLongVolatile(VERSION, version + 1); // the put happens here, or not at all
            return true;
        } finally {
            unlock();
        }
    }

    /**
     * Takes an encoded message, waiting up to {@code nanos} for one.
     *
     * @return the message, or {@code null} when the time ran out.
     */
    final byte[] getBytes(long nanos) throws InterruptedException {
        checkOpen();
        long deadline = deadline(nanos);
        long spinUntil = System.nanoTime() + SPIN_NANOS;
        while (true) {
            long seen = data.getLongVolatile(VERSION);
            byte[] message = snapshotCount() > 0 ? tryGet() : null;
            if (message != null) {
                signal(NOT_FULL, PUT_WAITERS);
                return message;
            }
            if (!await(NOT_EMPTY, GET_WAITERS, 0, seen, deadline, spinUntil, "get")) {
                return null;
            }
        }
    }

    private byte[] tryGet() {
        lock();
        try {
            long version = data.getLongVolatile(VERSION);
            int from = QueueDescriptor.slot(version);
            long count = data.getLong(from + COUNT);
            if (count == 0) {
                return null;
            }
            long head = data.getLong(from + HEAD);
            long tail = data.getLong(from + TAIL);
            long gets = data.getLong(from + GETS);
            int at = (int) (head % capacity);
            int length = data.getInt(RING + at);
            int sequence = data.getInt(RING + at + 4);
            if (length < 0 || QueueDescriptor.recordBytes(length) > tail - head || sequence != (int) gets) {
                throw new TroupeException(description + " is corrupt at byte " + head + ": a record of " + length
                    + " bytes numbered " + sequence + " where message " + gets + " was expected");
            }
            byte[] message = new byte[length];
            copyOut((int) ((head + RECORD_HEADER) % capacity), message);
            int to = QueueDescriptor.slot(version + 1);
            data.putLong(to + HEAD, head + QueueDescriptor.recordBytes(length));
            data.putLong(to + TAIL, tail);
            data.putLong(to + COUNT, count - 1);
            data.putLong(to + UNFINISHED, data.getLong(from + UNFINISHED));
            data.putLong(to + GETS, gets + 1);
            data.putLongVolatile(VERSION, version + 1); // the get happens here, or not at all
            return message;
        } finally {
            unlock();
        }
    }

    private void copyIn(int at, byte[] message) {
        int first = Math.min(message.length, capacity - at);
        data.putBytes(RING + at, message, 0, first);
        if (first < message.length) {
            data.putBytes(RING, message, first, message.length - first);
        }
    }

    private void copyOut(int at, byte[] message) {
        int first = Math.min(message.length, capacity - at);
        data.getBytes(RING + at, message, 0, first);
        if (first < message.length) {
            data.getBytes(RING, message, first, message.length - first);
        }
    }

    /**
     * Waits until the queue's state moves on from version {@code seen}, or until the condition that the futex
     * {@code word} stands for may hold: spins on the version until {@code spinUntil}, then raises the
     * {@code sleepers} flag and sleeps on the word for at most a slice.
     *
     * <p>No wake-up is lost: the sleeper raises the flag, reads the word, checks the condition and sleeps only if
     * the word still holds what it read; an operation that makes the condition true publishes its state first, then
     * reads the flag, and moves the word on and wakes when it is raised. Either the sleeper sees the new state or
     * the waker sees the flag. Operations that find the flag down cost no atomic update of the word.
     *
     * @param record for a put, the bytes its record needs.
     * @return {@code true} to try again, {@code false} when the deadline passed.
     * @throws IllegalStateException when this handle was closed.
     */
    private boolean await(int word, int sleepers, long record, long seen, long deadline, long spinUntil,
                          String what) throws InterruptedException {
        while (true) {
            checkWaiting(what);
            if (data.getLongVolatile(VERSION) != seen) {
                return true;
            }
            long now = System.nanoTime();
            long left = deadline - now;
            if (left <= 0) {
                return false;
            }
            if (now < spinUntil) {
                Thread.onSpinWait();
                continue;
            }
            data.putIntVolatile(sleepers, 1);
            int value = data.getIntVolatile(word);
            checkWaiting(what); // close() sets its flag before it moves the word on
            if (mayProceed(word, record)) {
                return true;
            }
            sleepOn(word, value, left);
            return true;
        }
    }

    private void checkWaiting(String what) throws InterruptedException {
        if (isClosed()) {
            throw new IllegalStateException(description + " was closed while waiting to " + what);
        }
        if (Thread.interrupted()) {
            throw new InterruptedException("interrupted while waiting to " + what + " on " + description);
        }
    }

    /** Whether the condition of a futex word holds in the published state. */
    private boolean mayProceed(int word, long record) {
        if (word == NOT_EMPTY) {
            return snapshotCount() > 0;
        } else if (word == ALL_DONE) {
            return snapshot(UNFINISHED) == 0;
        }
        while (true) {
            long version = data.getLongVolatile(VERSION);
            int slot = QueueDescriptor.slot(version);
            long used = data.getLongVolatile(slot + TAIL) - data.getLongVolatile(slot + HEAD);
            long count = data.getLongVolatile(slot + COUNT);
            if (data.getLongVolatile(VERSION) == version) {
                return used + record <= capacity && (maxMessages == 0 || count < maxMessages);
            }
        }
    }

    /**
     * After an operation that may let sleepers on the futex {@code word} proceed: if their flag is raised, lowers
     * it, moves the word on and wakes them all (one system call for a stream of operations facing a sleeping peer).
     * A sleeper that wakes and must sleep again raises the flag again.
     */
    private void signal(int word, int sleepers) {
        if (data.getIntVolatile(sleepers) != 0 && data.compareAndSetInt(sleepers, 1, 0)) {
            data.getAndAddInt(word, 1);
            wake(word, Integer.MAX_VALUE);
        }
    }

    // ---- the robust lock

    private void lock() {
        if (data.compareAndSetInt(LOCK, 0, PID)) {
            return;
        }
        int spins = 0;
        int lastHolder = 0;
        long holderSince = 0;
        while (true) {
            int holder = data.getIntVolatile(LOCK);
            if (holder == 0) {
                if (data.compareAndSetInt(LOCK, 0, PID)) {
                    return;
                }
                continue;
            }
            if (spins < LOCK_SPINS) {
                spins++;
                Thread.onSpinWait();
                continue;
            }
            long now = System.nanoTime();
            if (holder != lastHolder) {
                lastHolder = holder;
                holderSince = now;
            } else if (now - holderSince > HOLDER_CHECK_NANOS && holder != PID && !alive(holder)) {
                // Its holder died: the published state is whole (see QueueDescriptor), so just take it over.
                if (data.compareAndSetInt(LOCK, holder, PID)) {
                    return;
                }
                continue;
            }
            // A flag, not a count: a sleeper killed in its sleep must not leave every later unlock a system call.
            data.putIntVolatile(LOCK_WAITERS, 1);
            sleepOn(LOCK, holder, LOCK_SLEEP_NANOS);
        }
    }

    private void unlock() {
        data.putIntVolatile(LOCK, 0);
        if (data.getIntVolatile(LOCK_WAITERS) != 0 && data.compareAndSetInt(LOCK_WAITERS, 1, 0)) {
            wake(LOCK, Integer.MAX_VALUE); // those that find it taken again raise the flag again
        }
    }

    // ---- state read without the lock

    /** Reads a long of the published state consistently, without the lock. */
    final long snapshot(int field) {
        while (true) {
            long version = data.getLongVolatile(VERSION);
            long value = data.getLongVolatile(QueueDescriptor.slot(version) + field);
            if (data.getLongVolatile(VERSION) == version) {
                return value;
            }
        }
    }

    final long snapshotCount() {
        return snapshot(COUNT);
    }

    final int sizeNow() {
        return (int) Math.min(Integer.MAX_VALUE, snapshotCount());
    }

    // ---- task accounting (JoinableQueue)

    final void markDone() {
        lock();
        long left;
        try {
            long version = data.getLongVolatile(VERSION);
            int from = QueueDescriptor.slot(version);
            long unfinished = data.getLong(from + UNFINISHED);
            if (unfinished <= 0) {
                throw new IllegalStateException("taskDone() called on " + description
                    + " more times than messages were put");
            }
            int to = QueueDescriptor.slot(version + 1);
            data.putLong(to + HEAD, data.getLong(from + HEAD));
            data.putLong(to + TAIL, data.getLong(from + TAIL));
            data.putLong(to + COUNT, data.getLong(from + COUNT));
            data.putLong(to + UNFINISHED, unfinished - 1);
            data.putLong(to + GETS, data.getLong(from + GETS));
            data.putLongVolatile(VERSION, version + 1);
            left = unfinished - 1;
        } finally {
            unlock();
        }
        if (left == 0) {
            signal(ALL_DONE, JOIN_WAITERS);
        }
    }

    final boolean awaitAllDone(long nanos) throws InterruptedException {
        checkOpen();
        long deadline = deadline(nanos);
        long spinUntil = System.nanoTime() + SPIN_NANOS;
        while (true) {
            long seen = data.getLongVolatile(VERSION);
            if (snapshot(UNFINISHED) == 0) {
                return true;
            }
            if (!await(ALL_DONE, JOIN_WAITERS, 0, seen, deadline, spinUntil, "join")) {
                return false;
            }
        }
    }

    // ---- handle life

    /**
     * Stops using this handle and wakes its callers blocked in a put, get or join, which throw
     * {@link IllegalStateException}. The queue and its messages stay for other handles and processes.
     */
    @Override
    public void close() {
        super.close();
        // Moving the words on makes a caller about to sleep with the old value return at once.
        for (int word : new int[] {NOT_EMPTY, NOT_FULL, ALL_DONE}) {
            data.getAndAddInt(word, 1);
            wake(word, Integer.MAX_VALUE);
        }
    }

    /** Reports a non-empty queue as signaled for {@link Waits}, without taking a message. */
    @Override
    int tryTake() {
        return snapshotCount() > 0 ? 1 : 0;
    }

    @Override
    void untake() {
        // nothing was taken
    }

    @Override
    public String toString() {
        return description;
    }

    // ---- passing a handle to another process

    /** A handle travels as its flavor, name, type and parameters, and is reopened by name on arrival. */
    final Object writeReplace() {
        return new Ref(flavor.name(), segment.name, type, maxMessages, capacity);
    }

    private void readObject(ObjectInputStream in) throws InvalidObjectException {
        throw new InvalidObjectException("a queue handle is read only through its serialized reference");
    }

    /** What a handle is serialized as: nothing but what reopening it by name needs, all checked on arrival. */
    private static final class Ref implements Serializable {
        private static final long serialVersionUID = 1L;
        private final String flavor;
        private final String name;
        private final Class<?> type;
        private final int maxMessages;
        private final int capacity;

        Ref(String flavor, String name, Class<?> type, int maxMessages, int capacity) {
            this.flavor = flavor;
            this.name = name;
            this.type = type;
            this.maxMessages = maxMessages;
            this.capacity = capacity;
        }

        @SuppressWarnings("unchecked")
        private Object readResolve() throws InvalidObjectException {
            Flavor f;
            try {
                f = Flavor.valueOf(String.valueOf(flavor));
            } catch (IllegalArgumentException e) {
                throw new InvalidObjectException("unknown queue flavor " + flavor);
            }
            try {
                NamedSegment segment = openSegment(f, name, type, maxMessages, capacity, true);
                Class<Object> t = (Class<Object>) type;
                switch (f) {
                    case SIMPLE:
                        return new SimpleQueue<>(segment, t);
                    case JOINABLE:
                        return new JoinableQueue<>(segment, t);
                    default:
                        return new Queue<>(Flavor.PLAIN, segment, t);
                }
            } catch (RuntimeException e) {
                InvalidObjectException refused = new InvalidObjectException("cannot reopen " + f.className + " '"
                    + name + "' here: " + e.getMessage());
                refused.initCause(e);
                throw refused;
            }
        }
    }
}
