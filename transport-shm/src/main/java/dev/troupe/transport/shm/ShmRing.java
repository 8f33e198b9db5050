package dev.troupe.transport.shm;

import org.agrona.BitUtil;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * INTERNAL API (public for the benchmarks, which time it against Agrona's ring). A single-producer,
 * single-consumer ring of typed messages over shared memory, in the record format of Agrona's
 * {@code OneToOneRingBuffer} (an 8-byte header of length and type, records aligned to 8 bytes, a padding record at
 * the end of a lap) but with no work for the consumer besides reading: the producer clears the header after each
 * record before it commits the record, so the consumer never zeroes what it has read.
 *
 * <p>Why not Agrona's ring itself: its reader zeroes every record it consumed, which leaves those cache lines
 * modified in the reader's core, and its writer stores a negative length before the real one, which the spinning
 * reader fetches in between. Both put extra cache-line transfers into every message. Timed raw (no envelopes)
 * against Agrona's ring in the same alternating blocks of {@code shm_pingpong_64B}, it took the same time in the
 * median (per-rep ratios 1.00, 1.03 and 0.87) and led Aeron IPC by 13 % in the fast vCPU placement; in the slow
 * one a single rep had it at 1.15x Agrona's and behind Aeron (BENCHMARKS.md, run 7). It also checks
 * every record it reads, and names the offset of one no producer of this protocol could have written.
 *
 * <p>The protocol. A record at position {@code p} is committed when its length (at {@code p}, written last with a
 * release store) is positive; a zero length means "nothing yet". Before committing a record, the producer writes a
 * zero length where the next record will start, so the consumer, having read a record, finds either a zero or the
 * next committed record there, never stale bytes of an earlier lap. The producer writes only where the consumer has
 * finished reading: the consumer publishes its position after each batch, and the producer re-reads it only when the
 * ring looks full from what it last saw. A fresh (zero-filled) ring is empty.
 *
 * <p>The two sides must not be used by more than one thread each at a time; the producer's and consumer's positions
 * are kept in this object, so each process holds one side.
 */
public final class ShmRing {
    /** Bytes after the records: the consumer's position, alone on its cache lines. */
    public static final int TRAILER_BYTES = 256;
    static final int HEADER_BYTES = 8;
    static final int ALIGNMENT = 8;
    static final int PADDING_TYPE = -1;
    private static final int HEAD_OFFSET_IN_TRAILER = 128;

    private final UnsafeBuffer buffer;
    private final int capacity;
    private final int mask;
    private final int headIndex;
    private final int maxMsgLength;

    // Producer side.
    private long tail;
    private long headCache;
    private int claimedIndex = -1;
    private int claimedLength;

    // Consumer side.
    private long head;

    /**
     * @param buffer the ring's memory: {@code capacity} bytes of records, then {@link #TRAILER_BYTES}.
     */
    public ShmRing(UnsafeBuffer buffer) {
        this.buffer = buffer;
        this.capacity = buffer.capacity() - TRAILER_BYTES;
        if (!BitUtil.isPowerOfTwo(capacity)) {
            throw new IllegalArgumentException("ring capacity must be a power of two: " + capacity);
        }
        this.mask = capacity - 1;
        this.headIndex = capacity + HEAD_OFFSET_IN_TRAILER;
        this.maxMsgLength = capacity / 8;
        this.head = buffer.getLongVolatile(headIndex);
    }

    /** The largest message this ring carries in one record. */
    public int maxMsgLength() {
        return maxMsgLength;
    }

    /** The ring's memory, for writing a claimed record's body. */
    public UnsafeBuffer buffer() {
        return buffer;
    }

    /**
     * Claims room for a message; its body is then written at the returned index, and {@link #commit} publishes it.
     *
     * @param type   the message type, at least 1.
     * @param length the body's length, 0 to {@link #maxMsgLength()}.
     * @return the index of the body in {@link #buffer()}, or -1 when the ring has no room now.
     */
    public int tryClaim(int type, int length) {
        if (type < 1 || length < 0 || length > maxMsgLength || claimedIndex >= 0) {
            throw new IllegalArgumentException("cannot claim type " + type + " of " + length + " bytes"
                + (claimedIndex >= 0 ? " with a claim outstanding" : ""));
        }
        int recordLength = length + HEADER_BYTES;
        int aligned = BitUtil.align(recordLength, ALIGNMENT);
        int index = (int) tail & mask;
        int toEnd = capacity - index;
        int padding = aligned > toEnd ? toEnd : 0;
        // Room for the padding, the record and the cleared header after it.
        long needed = tail + padding + aligned + HEADER_BYTES;
        if (needed - headCache > capacity) {
            headCache = buffer.getLongVolatile(headIndex);
            if (needed - headCache > capacity) {
                return -1;
            }
        }
        if (padding > 0) {
            buffer.putInt(0, 0);
            buffer.putInt(index + Integer.BYTES, PADDING_TYPE);
            buffer.putIntOrdered(index, padding);
            tail += padding;
            index = 0;
        }
        buffer.putInt((index + aligned) & mask, 0);
        buffer.putInt(index + Integer.BYTES, type);
        claimedIndex = index;
        claimedLength = recordLength;
        tail += aligned;
        return index + HEADER_BYTES;
    }

    /**
     * Publishes the record claimed last.
     *
     * @param bodyIndex what {@link #tryClaim} returned.
     */
    public void commit(int bodyIndex) {
        int index = bodyIndex - HEADER_BYTES;
        if (index != claimedIndex) {
            throw new IllegalStateException("commit of index " + bodyIndex + " that was not claimed");
        }
        claimedIndex = -1;
        buffer.putIntOrdered(index, claimedLength);
    }

    /**
     * Producer side: continues after the last committed record, for a ring that another process (or an earlier
     * {@code ShmRing} over the same memory) produced into. A record that was claimed but never committed is
     * written over.
     *
     * @throws IllegalStateException when the records between the consumer's position and the first empty header
     *                               are not records of this protocol.
     */
    public void resumeProducer() {
        long start = buffer.getLongVolatile(headIndex);
        long position = start;
        while (true) {
            int index = (int) position & mask;
            int recordLength = buffer.getIntVolatile(index);
            if (recordLength == 0) {
                break;
            }
            if (recordLength < HEADER_BYTES || recordLength > capacity - index || position - start > capacity) {
                throw new IllegalStateException("corrupt ring: a record of " + recordLength + " bytes at offset "
                    + index + " of " + capacity);
            }
            position += BitUtil.align(recordLength, ALIGNMENT);
        }
        tail = position;
        headCache = start;
        claimedIndex = -1;
    }

    /**
     * Consumer side: finds the next committed message without consuming it (padding before it is consumed).
     *
     * @return the index of its body in {@link #buffer()}, or -1 when none is committed; its type and length are then
     *         {@link #peekedType()} and {@link #peekedLength()} until {@link #consumePeeked()}.
     * @throws IllegalStateException when the ring holds a record no producer of this protocol writes.
     */
    public int peek() {
        while (true) {
            int index = (int) head & mask;
            int recordLength = buffer.getIntVolatile(index);
            if (recordLength == 0) {
                return -1;
            }
            if (recordLength < HEADER_BYTES || recordLength > capacity - index) {
                throw new IllegalStateException("corrupt ring: a record of " + recordLength + " bytes at offset "
                    + index + " of " + capacity);
            }
            if (buffer.getInt(index + Integer.BYTES) != PADDING_TYPE) {
                return index + HEADER_BYTES;
            }
            head += BitUtil.align(recordLength, ALIGNMENT);
            buffer.putLongOrdered(headIndex, head);
        }
    }

    /** The type of the message {@link #peek()} found. */
    public int peekedType() {
        return buffer.getInt(((int) head & mask) + Integer.BYTES);
    }

    /** The body length of the message {@link #peek()} found. */
    public int peekedLength() {
        return buffer.getInt((int) head & mask) - HEADER_BYTES;
    }

    /** Consumes the message {@link #peek()} found and hands its room back to the producer. */
    public void consumePeeked() {
        head += BitUtil.align(buffer.getInt((int) head & mask), ALIGNMENT);
        buffer.putLongOrdered(headIndex, head);
    }

    /**
     * Delivers up to {@code limit} committed messages to {@code handler}, then tells the producer their room is free.
     *
     * @param handler gets each message's type and body.
     * @param limit   the most messages to deliver.
     * @return how many were delivered.
     * @throws IllegalStateException when the ring holds a record no producer of this protocol writes.
     */
    public int read(MessageHandler handler, int limit) {
        long position = head;
        int delivered = 0;
        try {
            while (delivered < limit) {
                int index = (int) position & mask;
                int recordLength = buffer.getIntVolatile(index);
                if (recordLength == 0) {
                    break;
                }
                if (recordLength < HEADER_BYTES || recordLength > capacity - index) {
                    throw new IllegalStateException("corrupt ring: a record of " + recordLength + " bytes at offset "
                        + index + " of " + capacity);
                }
                position += BitUtil.align(recordLength, ALIGNMENT);
                int type = buffer.getInt(index + Integer.BYTES);
                if (type != PADDING_TYPE) {
                    delivered++;
                    handler.onMessage(type, buffer, index + HEADER_BYTES, recordLength - HEADER_BYTES);
                }
            }
        } finally {
            if (position != head) {
                head = position;
                buffer.putLongOrdered(headIndex, position);
            }
        }
        return delivered;
    }
}
