package dev.troupe.shared;

import java.nio.ByteBuffer;

/**
 * A named block of raw shared memory: Python's {@code multiprocessing.shared_memory.SharedMemory}. One process
 * {@linkplain #create creates} it with a size, others {@linkplain #open open} it by name, and all see the same
 * bytes through {@link #buffer()}. It outlives its handles until {@link #unlink()}.
 */
public final class SharedMemory extends SharedObject {
    static final String KIND = "memory";

    private SharedMemory(NamedSegment segment) {
        super(segment);
    }

    /**
     * Creates a block, or opens the existing one of this name if it has the same size.
     *
     * @param name letters, digits, {@code . _ -}.
     * @param size its size in bytes (zero-filled when new).
     * @return a handle.
     */
    public static SharedMemory create(String name, int size) {
        if (size <= 0 || size > Integer.MAX_VALUE - NamedSegment.HEADER_BYTES) {
            throw new IllegalArgumentException("size out of range: " + size);
        }
        return new SharedMemory(NamedSegment.openOrCreate(KIND, name, size, d -> { }));
    }

    /**
     * Opens an existing block.
     *
     * @param name its name.
     * @return a handle.
     * @throws dev.troupe.TroupeException when there is no such block.
     */
    public static SharedMemory open(String name) {
        return new SharedMemory(NamedSegment.openExisting(KIND, name, NamedSegment.sizeOf(KIND, name)));
    }

    /**
     * A view of the bytes: position 0, limit and capacity {@link #size()}, native byte order unless changed.
     * Each call returns a fresh view over the same memory.
     *
     * @return the buffer.
     */
    public ByteBuffer buffer() {
        checkOpen();
        return segment.mapped().slice(NamedSegment.HEADER_BYTES, size()).order(java.nio.ByteOrder.nativeOrder());
    }

    /** @return the size in bytes. */
    public int size() {
        return data.capacity();
    }

    /**
     * Removes the name, as {@code SharedMemory.unlink()} does; handles already open keep working.
     *
     * @return whether it existed.
     */
    public boolean unlink() {
        return NamedSegment.unlink(KIND, segment.name);
    }

    @Override
    int tryTake() {
        throw new UnsupportedOperationException("shared memory cannot be waited on with Waits: " + this);
    }

    @Override
    void untake() {
        throw new UnsupportedOperationException();
    }
}
