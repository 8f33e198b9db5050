package dev.troupe.shared;

/**
 * Where each field of a named queue lives in its segment's data area. A queue is a ring of records with two sides,
 * each under a robust lock of its own (the holder's pid, taken over when that process is dead): putters take
 * {@link #PUT_LOCK} and move the tail, getters take {@link #GET_LOCK} and move the head. A putter and a getter
 * never wait for each other's lock, and each side writes only its own lines, so a message costs the two processes
 * a few cache-line transfers rather than a lock passed back and forth.
 *
 * <p>Each side keeps its state twice, in two slots, and publishes a change by one store of its version (the slot
 * in use is {@code version & 1}): the put side's state is the tail and the number of puts ({@link #PUT_VERSION}),
 * the get side's the head, the number of gets and the number of messages marked done ({@link #GET_VERSION}). A
 * process killed at any moment before that store leaves its side's previous state, whole; one killed after it
 * has finished the operation. A putter reads the get side's published state to know the room left, a getter the
 * put side's to know what there is to take; both read the other side with a version check (a sequence lock).
 *
 * <p>A record is an 8-byte header (payload length, then the low 32 bits of the message's sequence number, a check)
 * followed by the payload, padded to 8 bytes; it may wrap around the end of the ring. A putter writes the record
 * before it publishes its new state, and a getter copies it out before it publishes its own, so a record is
 * neither read before it is whole nor overwritten before it was read.
 */
final class QueueDescriptor {
    /** int: the pid holding the put side's lock, 0 when free; also its futex word. */
    static final int PUT_LOCK = 0;
    /** int: 1 while a thread may sleep on {@link #PUT_LOCK}; cleared by the unlock that wakes them all. */
    static final int PUT_LOCK_WAITERS = 64;
    /** int: the pid holding the get side's lock, 0 when free; also its futex word. */
    static final int GET_LOCK = 128;
    /** int: 1 while a thread may sleep on {@link #GET_LOCK}. */
    static final int GET_LOCK_WAITERS = 192;
    /** long: the number of the put side's published state; its slots follow, in the same cache line. */
    static final int PUT_VERSION = 256;
    /** long: the number of the get side's published state; its slots follow, in the same cache line. */
    static final int GET_VERSION = 320;
    /** long, in a put state slot: bytes produced since creation (the write position). */
    static final int TAIL = 0;
    /** long, in a put state slot: messages ever put, the sequence number of the next message. */
    static final int PUTS = 8;
    /** long, in a get state slot: bytes consumed since creation (the read position). */
    static final int HEAD = 0;
    /** long, in a get state slot: messages ever taken, the sequence number of the next message to get. */
    static final int GETS = 8;
    /** long, in a get state slot: messages marked done ({@code JoinableQueue}). */
    static final int DONE = 16;
    /** int: the futex word of getters waiting for a message, moved on by a put that finds them sleeping. */
    static final int NOT_EMPTY = 384;
    /** int: 1 while a getter may sleep on {@link #NOT_EMPTY}; cleared by the put that wakes them all. */
    static final int GET_WAITERS = 388;
    /** int: the futex word of putters waiting for room, moved on by a get that finds them sleeping. */
    static final int NOT_FULL = 448;
    /** int: 1 while a putter may sleep on {@link #NOT_FULL}; cleared by the get that wakes them all. */
    static final int PUT_WAITERS = 452;
    /** int: the futex word of {@code join}, moved on when the unfinished count reaches zero and joiners sleep. */
    static final int ALL_DONE = 512;
    /** int: 1 while a joiner may sleep on {@link #ALL_DONE}. */
    static final int JOIN_WAITERS = 516;
    /** int: the most messages it holds, 0 for no bound other than bytes; fixed at creation. */
    static final int MAX_MESSAGES = 576;
    /** int: the ring's size in bytes; fixed at creation. */
    static final int CAPACITY = 580;
    /** Where the ring starts. */
    static final int RING = 1024;

    static final int RECORD_HEADER = 8;
    static final int ALIGNMENT = 8;
    static final int MIN_CAPACITY = 64;
    static final int MAX_CAPACITY = 1 << 30;
    static final int DEFAULT_CAPACITY = 1 << 20;

    private QueueDescriptor() {
    }

    /** The offset of the put side's state slot of a version. */
    static int putSlot(long version) {
        return PUT_VERSION + 8 + (int) (version & 1) * 16;
    }

    /** The offset of the get side's state slot of a version. */
    static int getSlot(long version) {
        return GET_VERSION + 8 + (int) (version & 1) * 24;
    }

    /** The bytes a record with a payload of {@code length} takes in the ring. */
    static long recordBytes(int length) {
        return RECORD_HEADER + (((long) length + ALIGNMENT - 1) & -ALIGNMENT);
    }
}
