package dev.troupe.shared;

import dev.troupe.transport.shm.ShmRing;

/**
 * Where each word of a {@link Pipe}'s segment lives, as offsets into the data of its {@link NamedSegment} (kind
 * {@value #KIND}). Each group of words has its own cache line.
 *
 * <pre>
 *    0  layout version, duplex (0/1), ring bytes, largest message, creator's pid
 *   64  end 0's owner word; 128: end 1's (see {@link #ownerWord})
 *  256  ring 0's futex words: data sequence, +64 "the reader sleeps" and +68 "a Waits sleeps",
 *       +128 space sequence, +192 "the writer sleeps"; 512: ring 1's
 * 1024  the rings, each {@code ring bytes + ShmRing.TRAILER_BYTES}: ring N is written by end N; a one-way pipe
 *       has ring 1 only (end 1 writes, end 0 reads)
 * </pre>
 */
final class PipeDescriptor {
    static final String KIND = "pipe";
    static final int LAYOUT_VERSION = 1;

    static final int LAYOUT = 0;
    static final int DUPLEX = 4;
    static final int RING_BYTES = 8;
    static final int MAX_MESSAGE = 12;
    static final int CREATOR = 16;
    private static final int OWNERS = 64;
    private static final int RING_WORDS = 256;
    static final int RINGS = 1024;

    static final int MIN_RING_BYTES = 4 * 1024;
    static final int MAX_RING_BYTES = 256 * 1024 * 1024;

    /** End states in the owner word. */
    static final int ATTACHED = 1;
    static final int HANDED_OFF = 2;
    static final int CLOSED = 3;

    /** Message types: whole messages are {@link ConnectionCodec#VALUE} and {@link ConnectionCodec#BYTES}. */
    static final int VALUE_FIRST = 3;
    static final int BYTES_FIRST = 4;
    static final int MIDDLE = 5;
    static final int LAST = 6;

    private PipeDescriptor() {
    }

    static int owner(int end) {
        return OWNERS + end * 64;
    }

    static int dataSeq(int ring) {
        return RING_WORDS + ring * 256;
    }

    static int consumerWaiting(int ring) {
        return dataSeq(ring) + 64;
    }

    static int waitsWaiting(int ring) {
        return dataSeq(ring) + 68;
    }

    static int spaceSeq(int ring) {
        return dataSeq(ring) + 128;
    }

    static int producerWaiting(int ring) {
        return dataSeq(ring) + 192;
    }

    static int ringOffset(boolean duplex, int ring, int ringBytes) {
        return RINGS + (duplex ? ring : 0) * (ringBytes + ShmRing.TRAILER_BYTES);
    }

    static int size(boolean duplex, int ringBytes) {
        return RINGS + (duplex ? 2 : 1) * (ringBytes + ShmRing.TRAILER_BYTES);
    }

    /**
     * The owner word of an end: the pid of the process that holds it (or handed it off), its state, and the low 28
     * bits of that process's start time in seconds, so that a reused pid is not taken for the holder.
     */
    static long ownerWord(int pid, int state, long startSeconds) {
        return ((long) pid << 32) | ((long) state << 28) | (startSeconds & 0x0FFF_FFFFL);
    }

    static int pid(long word) {
        return (int) (word >>> 32);
    }

    static int state(long word) {
        return (int) (word >>> 28) & 0xF;
    }

    static long startSeconds(long word) {
        return word & 0x0FFF_FFFFL;
    }
}
