package dev.troupe.shared;

/**
 * The layout of a {@link Topic}'s segment: where each byte lives.
 *
 * <pre>
 *   0  the embedded robust {@link Lock} that publishers take (128 bytes: its state, owner, waiters)
 * 128  TAIL_INTENT  long  the highest position any publisher has started to write up to; never decreases
 * 136  TAIL         long  the end of the last complete record: subscribers read below it
 * 144  HEAD         long  the start of the oldest record no publisher has begun to overwrite
 * 152  NEXT_SEQ     long  the sequence number the next message gets
 * 160  CAPACITY     int   the ring's size in bytes, a power of two
 * 192  NOTIFY       int   the futex word subscribers sleep on; publishers move it on when WAITERS is not 0
 * 196  WAITERS      int   how many subscribers sleep or are about to
 * 256  the ring: records of a 16-byte header (int length, int type, long sequence) and the message, each padded
 *      to 16 bytes; a record never wraps: a padding record fills the end of the ring instead.
 * </pre>
 *
 * <p>Positions are byte counts since the topic was created; a position's place in the ring is
 * {@code position & (CAPACITY - 1)}. A record at position {@code p} is intact while
 * {@code p + CAPACITY >= TAIL_INTENT}: a publisher raises TAIL_INTENT before it writes a byte, so a subscriber that
 * checks it after copying a record knows whether the copy is whole.
 */
final class TopicDescriptor {
    static final int TAIL_INTENT = 128;
    static final int TAIL = 136;
    static final int HEAD = 144;
    static final int NEXT_SEQ = 152;
    static final int CAPACITY = 160;
    static final int NOTIFY = 192;
    static final int WAITERS = 196;
    static final int RING = 256;

    static final int RECORD_HEADER = 16;
    static final int LENGTH = 0;
    static final int TYPE = 4;
    static final int SEQUENCE = 8;
    static final int ALIGNMENT = 16;
    static final int MESSAGE_TYPE = 1;
    static final int PADDING_TYPE = 2;

    static final int MIN_CAPACITY = 1024;
    static final int MAX_CAPACITY = 1 << 30;
    /** A message's record may fill at most this fraction of the ring, so that a subscriber sees several at once. */
    static final int MAX_RECORD_FRACTION = 8;

    private TopicDescriptor() {
    }

    /** The bytes a record with a message of {@code length} bytes takes in the ring. */
    static int recordBytes(int length) {
        return (RECORD_HEADER + length + ALIGNMENT - 1) & -ALIGNMENT;
    }

    /** The largest message a ring of {@code capacity} bytes takes. */
    static int maxMessageBytes(int capacity) {
        return capacity / MAX_RECORD_FRACTION - RECORD_HEADER;
    }
}
