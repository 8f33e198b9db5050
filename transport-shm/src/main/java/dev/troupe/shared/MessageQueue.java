package dev.troupe.shared;

import static dev.troupe.shared.QueueDescriptor.ALL_DONE;
import static dev.troupe.shared.QueueDescriptor.CAPACITY;
import static dev.troupe.shared.QueueDescriptor.DONE;
import static dev.troupe.shared.QueueDescriptor.GETS;
import static dev.troupe.shared.QueueDescriptor.GET_LOCK;
import static dev.troupe.shared.QueueDescriptor.GET_LOCK_WAITERS;
import static dev.troupe.shared.QueueDescriptor.GET_VERSION;
import static dev.troupe.shared.QueueDescriptor.GET_WAITERS;
import static dev.troupe.shared.QueueDescriptor.HEAD;
import static dev.troupe.shared.QueueDescriptor.JOIN_WAITERS;
import static dev.troupe.shared.QueueDescriptor.MAX_MESSAGES;
import static dev.troupe.shared.QueueDescriptor.NOT_EMPTY;
import static dev.troupe.shared.QueueDescriptor.NOT_FULL;
import static dev.troupe.shared.QueueDescriptor.PUTS;
import static dev.troupe.shared.QueueDescriptor.PUT_LOCK;
import static dev.troupe.shared.QueueDescriptor.PUT_LOCK_WAITERS;
import static dev.troupe.shared.QueueDescriptor.PUT_VERSION;
import static dev.troupe.shared.QueueDescriptor.PUT_WAITERS;
import static dev.troupe.shared.QueueDescriptor.RECORD_HEADER;
import static dev.troupe.shared.QueueDescriptor.RING;
import static dev.troupe.shared.QueueDescriptor.TAIL;

import dev.troupe.TroupeException;
import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.util.concurrent.TimeUnit;

/**
 * What {@link SimpleQueue}, {@link Queue} and {@link JoinableQueue} share: a ring of encoded messages in a named
 * segment, laid out as {@link QueueDescriptor} says. Thread-safe; any number of processes and threads put and get.
 *
 * <p>Crash safety: every change is made under its side's robust lock (puts under one, gets and task-done marks
 * under the other) and published by one store of that side's version word, so a process killed at any moment
 * leaves either the state before its operation or the one after it, and a lock it held is taken over by the next
 * process that needs it (within about 10 ms of its death).
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
    /**
     * What this handle last read of the get side (its head and gets) and of the put side (its tail and puts).
     * Both sides only move forward, so these are behind the truth: a put that fits by them fits, and a message
     * they show is there. Each pair is used under its side's lock, which also orders its use across threads.
     */
    private transient long knownHead;
    private transient long knownGets;
    private transient long knownTail;
    private transient long knownPuts;

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
        long record = QueueDescriptor.recordBytes(message.length);
        long deadline = 0;
        long spinUntil = 0;
        while (true) {
            long seen = data.getLongVolatile(GET_VERSION);
            if (tryPut(message, record)) {
                signal(NOT_EMPTY, GET_WAITERS);
                Signals.bump();
                return true;
            }
            if (spinUntil == 0) { // the clock is read only when the queue is full: it costs as much as a put
                deadline = deadline(nanos);
                spinUntil = System.nanoTime() + SPIN_NANOS;
            }
            if (!await(NOT_FULL, PUT_WAITERS, GET_VERSION, record, seen, deadline, spinUntil, "put")) {
                return false;
            }
        }
    }

    private boolean tryPut(byte[] message, long record) {
        lock(PUT_LOCK, PUT_LOCK_WAITERS);
        try {
            long version = data.getLongVolatile(PUT_VERSION);
            int from = QueueDescriptor.putSlot(version);
            long tail = data.getLong(from + TAIL);
            long puts = data.getLong(from + PUTS);
            if (!fits(tail, puts, record)) {
                readGetSide();
                if (!fits(tail, puts, record)) {
                    return false;
                }
            }
            int at = (int) (tail % capacity);
            data.putInt(RING + at, message.length);
            data.putInt(RING + at + 4, (int) puts); // the message's sequence number, as a check
            copyIn((int) ((tail + RECORD_HEADER) % capacity), message);
            int to = QueueDescriptor.putSlot(version + 1);
            data.putLong(to + TAIL, tail + record);
            data.putLong(to + PUTS, puts + 1);
            // The put happens here, or not at all. An ordered store: the unlock's full fence follows it, before
            // signal() reads the getters' flag.
            data.putLongOrdered(PUT_VERSION, version + 1);
            return true;
        } finally {
            unlock(PUT_LOCK, PUT_LOCK_WAITERS);
        }
    }

    /** Whether a record fits by what this process last read of the get side (behind the truth, so never wrongly). */
    private boolean fits(long tail, long puts, long record) {
        return tail - knownHead + record <= capacity && (maxMessages == 0 || puts - knownGets < maxMessages);
    }

    /**
     * Takes an encoded message, waiting up to {@code nanos} for one.
     *
     * @return the message, or {@code null} when the time ran out.
     */
    final byte[] getBytes(long nanos) throws InterruptedException {
        checkOpen();
        long deadline = 0;
        long spinUntil = 0;
        while (true) {
            long seen = data.getLongVolatile(PUT_VERSION);
            byte[] message = tryGet();
            if (message != null) {
                signal(NOT_FULL, PUT_WAITERS);
                return message;
            }
            if (spinUntil == 0) {
                deadline = deadline(nanos);
                spinUntil = System.nanoTime() + SPIN_NANOS;
            }
            if (!await(NOT_EMPTY, GET_WAITERS, PUT_VERSION, 0, seen, deadline, spinUntil, "get")) {
                return null;
            }
        }
    }

    private byte[] tryGet() {
        lock(GET_LOCK, GET_LOCK_WAITERS);
        try {
            long version = data.getLongVolatile(GET_VERSION);
            int from = QueueDescriptor.getSlot(version);
            long head = data.getLong(from + HEAD);
            long gets = data.getLong(from + GETS);
            if (knownPuts <= gets) {
                readPutSide();
                if (knownPuts <= gets) {
                    return null;
                }
            }
            int at = (int) (head % capacity);
            int length = data.getInt(RING + at);
            int sequence = data.getInt(RING + at + 4);
            if (length < 0 || QueueDescriptor.recordBytes(length) > knownTail - head || sequence != (int) gets) {
                throw new TroupeException(description + " is corrupt at byte " + head + ": a record of " + length
                    + " bytes numbered " + sequence + " where message " + gets + " was expected");
            }
            byte[] message = new byte[length];
            copyOut((int) ((head + RECORD_HEADER) % capacity), message);
            int to = QueueDescriptor.getSlot(version + 1);
            data.putLong(to + HEAD, head + QueueDescriptor.recordBytes(length));
            data.putLong(to + GETS, gets + 1);
            data.putLong(to + DONE, data.getLong(from + DONE));
            data.putLongOrdered(GET_VERSION, version + 1); // the get happens here, or not at all (see tryPut)
            return message;
        } finally {
            unlock(GET_LOCK, GET_LOCK_WAITERS);
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
     * Waits until the other side's state moves on from version {@code seen} (the word at {@code versionAt}), or
     * until the condition that the futex {@code word} stands for may hold: spins on the version until
     * {@code spinUntil}, then raises the {@code sleepers} flag and sleeps on the word for at most a slice.
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
    private boolean await(int word, int sleepers, int versionAt, long record, long seen, long deadline,
                          long spinUntil, String what) throws InterruptedException {
        while (true) {
            checkWaiting(what);
            if (data.getLongVolatile(versionAt) != seen) {
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

    /**
     * Whether the condition of a futex word may hold in the published state. Each side is read so that the answer
     * errs towards "yes" (then the caller just tries again), never towards a sleep that nothing would end.
     */
    private boolean mayProceed(int word, long record) {
        if (word == NOT_EMPTY) {
            return countNow() > 0;
        } else if (word == ALL_DONE) {
            return unfinishedNow() == 0;
        }
        long tail = readSide(PUT_VERSION, true, TAIL);
        long puts = readSide(PUT_VERSION, true, PUTS);
        long head = readSide(GET_VERSION, false, HEAD);
        long gets = readSide(GET_VERSION, false, GETS);
        return tail - head + record <= capacity && (maxMessages == 0 || puts - gets < maxMessages);
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

    // ---- the robust locks

    private void lock(int lock, int waiters) {
        if (data.compareAndSetInt(lock, 0, PID)) {
            return;
        }
        int spins = 0;
        int lastHolder = 0;
        long holderSince = 0;
        while (true) {
            int holder = data.getIntVolatile(lock);
            if (holder == 0) {
                if (data.compareAndSetInt(lock, 0, PID)) {
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
                if (data.compareAndSetInt(lock, holder, PID)) {
                    return;
                }
                continue;
            }
            // A flag, not a count: a sleeper killed in its sleep must not leave every later unlock a system call.
            data.putIntVolatile(waiters, 1);
            sleepOn(lock, holder, LOCK_SLEEP_NANOS);
        }
    }

    /** Frees a lock with a full fence, which also orders a state just published before any flag read after it. */
    private void unlock(int lock, int waiters) {
        data.putIntVolatile(lock, 0);
        if (data.getIntVolatile(waiters) != 0 && data.compareAndSetInt(waiters, 1, 0)) {
            wake(lock, Integer.MAX_VALUE); // those that find it taken again raise the flag again
        }
    }

    // ---- state read without the lock

    /** Reads a long of one side's published state consistently, without its lock (a sequence lock's read). */
    private long readSide(int versionAt, boolean putSide, int field) {
        while (true) {
            long version = data.getLongVolatile(versionAt);
            int slot = putSide ? QueueDescriptor.putSlot(version) : QueueDescriptor.getSlot(version);
            long value = data.getLongVolatile(slot + field);
            if (data.getLongVolatile(versionAt) == version) {
                return value;
            }
        }
    }

    /** Reads the put side's tail and puts together into {@link #knownTail} and {@link #knownPuts}. */
    private void readPutSide() {
        while (true) {
            long version = data.getLongVolatile(PUT_VERSION);
            int slot = QueueDescriptor.putSlot(version);
            long tail = data.getLongVolatile(slot + TAIL);
            long puts = data.getLongVolatile(slot + PUTS);
            if (data.getLongVolatile(PUT_VERSION) == version) {
                knownTail = tail;
                knownPuts = puts;
                return;
            }
        }
    }

    /** Reads the get side's head and gets together into {@link #knownHead} and {@link #knownGets}. */
    private void readGetSide() {
        while (true) {
            long version = data.getLongVolatile(GET_VERSION);
            int slot = QueueDescriptor.getSlot(version);
            long head = data.getLongVolatile(slot + HEAD);
            long gets = data.getLongVolatile(slot + GETS);
            if (data.getLongVolatile(GET_VERSION) == version) {
                knownHead = head;
                knownGets = gets;
                return;
            }
        }
    }

    /** The messages in the queue now: the gets read before the puts, so never less than at some moment. */
    final long countNow() {
        long gets = readSide(GET_VERSION, false, GETS);
        long puts = readSide(PUT_VERSION, true, PUTS);
        return Math.max(0, puts - gets);
    }

    final int sizeNow() {
        return (int) Math.min(Integer.MAX_VALUE, countNow());
    }

    /**
     * The messages put and not yet marked done: the done count read before the puts, so a zero means that at some
     * moment every message put had been marked done.
     */
    final long unfinishedNow() {
        long done = readSide(GET_VERSION, false, DONE);
        long puts = readSide(PUT_VERSION, true, PUTS);
        return Math.max(0, puts - done);
    }

    // ---- task accounting (JoinableQueue)

    final void markDone() {
        lock(GET_LOCK, GET_LOCK_WAITERS);
        long left;
        try {
            long version = data.getLongVolatile(GET_VERSION);
            int from = QueueDescriptor.getSlot(version);
            long done = data.getLong(from + DONE);
            readPutSide();
            if (done >= knownPuts) {
                throw new IllegalStateException("taskDone() called on " + description
                    + " more times than messages were put");
            }
            int to = QueueDescriptor.getSlot(version + 1);
            data.putLong(to + HEAD, data.getLong(from + HEAD));
            data.putLong(to + GETS, data.getLong(from + GETS));
            data.putLong(to + DONE, done + 1);
            data.putLongVolatile(GET_VERSION, version + 1);
            left = knownPuts - done - 1;
        } finally {
            unlock(GET_LOCK, GET_LOCK_WAITERS);
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
            long seen = data.getLongVolatile(GET_VERSION);
            if (unfinishedNow() == 0) {
                return true;
            }
            if (!await(ALL_DONE, JOIN_WAITERS, GET_VERSION, 0, seen, deadline, spinUntil, "join")) {
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
        return countNow() > 0 ? 1 : 0;
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
