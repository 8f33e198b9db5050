package dev.troupe.shared;

/**
 * Where each field of a named queue lives in its segment's data area. A queue is a ring of records guarded by a
 * robust lock: the holder's pid in {@link #LOCK}, taken over when that process is dead. The queue's state (read
 * and write positions, message count, unfinished count) is kept twice, in {@link #STATE_0} and {@link #STATE_1};
 * a put or get writes the new state into the slot not in use and then publishes it with one store of
 * {@link #VERSION} (the slot in use is {@code VERSION & 1}). A process killed at any moment before that store
 * leaves the previous state, whole; one killed after it has finished the operation.
 *
 * <p>A record is an 8-byte header (payload length, then the low 32 bits of the message's sequence number, a check)
 * followed by the payload, padded to 8 bytes; it may wrap around the end of the ring.
 */
final class QueueDescriptor {
    /** int: the pid holding the lock, 0 when free; also the lock's futex word. */
    static final int LOCK = 0;
    /** int: 1 while a thread may sleep on {@link #LOCK}; cleared by the unlock that wakes them all. */
    static final int LOCK_WAITERS = 64;
    /** long: the number of the published state; {@code VERSION & 1} is its slot. */
    static final int VERSION = 128;
    static final int STATE_0 = 192;
    static final int STATE_1 = 256;
    /** long, in a state slot: bytes consumed since creation (the read position). */
    static final int HEAD = 0;
    /** long, in a state slot: bytes produced since creation (the write position). */
    static final int TAIL = 8;
    /** long, in a state slot: messages in the queue. */
    static final int COUNT = 16;
    /** long, in a state slot: messages put and not yet marked done ({@code JoinableQueue}). */
    static final int UNFINISHED = 24;
    /** long, in a state slot: messages ever taken, the sequence number of the next message to get. */
    static final int GETS = 32;
    /** int: the futex word of getters waiting for a message, moved on by a put that finds them sleeping. */
    static final int NOT_EMPTY = 320;
    /** int: 1 while a getter may sleep on {@link #NOT_EMPTY}; cleared by the put that wakes them all. */
    static final int GET_WAITERS = 324;
    /** int: the futex word of putters waiting for room, moved on by a get that finds them sleeping. */
    static final int NOT_FULL = 384;
    /** int: 1 while a putter may sleep on {@link #NOT_FULL}; cleared by the get that wakes them all. */
    static final int PUT_WAITERS = 388;
    /** int: the futex word of {@code join}, moved on when the unfinished count reaches zero and joiners sleep. */
    static final int ALL_DONE = 448;
    /** int: 1 while a joiner may sleep on {@link #ALL_DONE}. */
    static final int JOIN_WAITERS = 452;
    /** int: the most messages it holds, 0 for no bound other than bytes; fixed at creation. */
    static final int MAX_MESSAGES = 512;
    /** int: the ring's size in bytes; fixed at creation. */
    static final int CAPACITY = 516;
    /** Where the ring starts. */
    static final int RING = 1024;

    static final int RECORD_HEADER = 8;
    static final int ALIGNMENT = 8;
    static final int MIN_CAPACITY = 64;
    static final int MAX_CAPACITY = 1 << 30;
    static final int DEFAULT_CAPACITY = 1 << 20;

    private QueueDescriptor() {
    }

    /** The offset of the state slot of a version. */
    static int slot(long version) {
        return (version & 1) == 0 ? STATE_0 : STATE_1;
    }

    /** The bytes a record with a payload of {@code length} takes in the ring. */
    static long recordBytes(int length) {
        return RECORD_HEADER + (((long) length + ALIGNMENT - 1) & -ALIGNMENT);
    }
}
