package dev.troupe.transport.shm;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import org.agrona.BitUtil;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The memory-mapped file behind one link: a header page, then two {@link ShmRing}s, ring 0 carrying the server's
 * messages to the client and ring 1 the client's to the server.
 *
 * <p>The header holds, each word on its own cache line: a magic number and version, the ring capacity, both
 * pids, both heartbeat counters, both closed flags, both "futex ready" flags, and per ring two futex words with
 * their "someone sleeps here" flags: {@code dataSeq}/{@code consumerWaiting} (the consumer sleeps until data
 * arrives) and {@code spaceSeq}/{@code producerWaiting} (the producer sleeps until the ring has room).
 */
final class Segment {
    static final long MAGIC = 0x54524f5550455348L; // "TROUPESH"
    /** 2: rings in {@link ShmRing}'s format (1 was Agrona's {@code OneToOneRingBuffer}). */
    static final int VERSION = 2;

    static final int HEADER_BYTES = 4096;
    private static final int LINE = 64;
    static final int MAGIC_OFFSET = 0;
    static final int VERSION_OFFSET = 8;
    static final int CAPACITY_OFFSET = 12;
    static final int SERVER_PID_OFFSET = LINE;
    static final int CLIENT_PID_OFFSET = 2 * LINE;
    static final int SERVER_HEARTBEAT_OFFSET = 3 * LINE;
    static final int CLIENT_HEARTBEAT_OFFSET = 4 * LINE;
    static final int SERVER_CLOSED_OFFSET = 5 * LINE;
    static final int CLIENT_CLOSED_OFFSET = 6 * LINE;
    /** Set once that side's futex calls are bound: until then it cannot wake the other, which sleeps briefly. */
    static final int SERVER_FUTEX_READY_OFFSET = 7 * LINE;
    static final int CLIENT_FUTEX_READY_OFFSET = 7 * LINE + 32;
    private static final int RING_WORDS_OFFSET = 8 * LINE;
    private static final int RING_WORDS_BYTES = 4 * LINE;

    /** The smallest and largest ring a link may ask for. */
    static final int MIN_RING_BYTES = 64 * 1024;
    static final int MAX_RING_BYTES = 256 * 1024 * 1024;

    final MappedByteBuffer mapped;
    final UnsafeBuffer header;
    final int ringCapacity;
    final ShmRing[] rings = new ShmRing[2];

    private Segment(MappedByteBuffer mapped, int ringCapacity) {
        this.mapped = mapped;
        this.ringCapacity = ringCapacity;
        this.header = new UnsafeBuffer(mapped, 0, HEADER_BYTES);
        int ringBytes = ringCapacity + ShmRing.TRAILER_BYTES;
        for (int r = 0; r < 2; r++) {
            rings[r] = new ShmRing(new UnsafeBuffer(mapped, HEADER_BYTES + r * ringBytes, ringBytes));
        }
    }

    /** The total file size for rings of the given capacity. */
    static long fileBytes(int ringCapacity) {
        return HEADER_BYTES + 2L * (ringCapacity + ShmRing.TRAILER_BYTES);
    }

    /**
     * Creates the file owner-only (it must not exist yet), sizes and maps it, and writes the header.
     *
     * @param path         where.
     * @param ringCapacity bytes per ring, a power of two.
     * @param serverPid    the creating process.
     * @return the mapped segment.
     * @throws IOException when the file cannot be created or mapped.
     */
    static Segment create(Path path, int ringCapacity, long serverPid) throws IOException {
        if (!BitUtil.isPowerOfTwo(ringCapacity) || ringCapacity < MIN_RING_BYTES || ringCapacity > MAX_RING_BYTES) {
            throw new IllegalArgumentException("ring size must be a power of two in " + MIN_RING_BYTES + ".."
                + MAX_RING_BYTES + " bytes: " + ringCapacity);
        }
        EnumSet<StandardOpenOption> options = EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
            StandardOpenOption.WRITE);
        long size = fileBytes(ringCapacity);
        MappedByteBuffer mapped;
        try (FileChannel ch = FileSystems.getDefault().supportedFileAttributeViews().contains("posix")
            ? FileChannel.open(path, options, PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rw-------")))
            : FileChannel.open(path, options)) {
            FileSpace.reserve(path, ch, size, "the shared-memory link's segment");
            mapped = ch.map(FileChannel.MapMode.READ_WRITE, 0, size);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(path);
            throw e;
        }
        Segment s = new Segment(mapped, ringCapacity);
        s.header.putInt(CAPACITY_OFFSET, ringCapacity);
        s.header.putInt(VERSION_OFFSET, VERSION);
        s.header.putLong(SERVER_PID_OFFSET, serverPid);
        s.header.putLongVolatile(MAGIC_OFFSET, MAGIC);
        return s;
    }

    /**
     * Maps a segment the server created and checks its header.
     *
     * @param path      the file.
     * @param clientPid this process, written into the header.
     * @return the mapped segment.
     * @throws IOException when the file cannot be mapped or is not a segment of this version.
     */
    static Segment open(Path path, long clientPid) throws IOException {
        MappedByteBuffer mapped;
        long size;
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            size = ch.size();
            if (size < HEADER_BYTES) {
                throw new IOException(
                    "shared-memory segment " + path + " is " + size + " bytes, too small for a header");
            }
            mapped = ch.map(FileChannel.MapMode.READ_WRITE, 0, size);
        }
        UnsafeBuffer h = new UnsafeBuffer(mapped, 0, HEADER_BYTES);
        long magic = h.getLongVolatile(MAGIC_OFFSET);
        int version = h.getInt(VERSION_OFFSET);
        int capacity = h.getInt(CAPACITY_OFFSET);
        if (magic != MAGIC || version != VERSION || !BitUtil.isPowerOfTwo(capacity) || capacity < MIN_RING_BYTES
            || capacity > MAX_RING_BYTES || fileBytes(capacity) != size) {
            IoUtil.unmap(mapped);
            throw new IOException("shared-memory segment " + path + " has an unknown layout (magic "
                + Long.toHexString(magic) + ", version " + version + ", ring " + capacity + " bytes, file " + size
                + " bytes); this side speaks version " + VERSION);
        }
        Segment s = new Segment(mapped, capacity);
        s.header.putLongVolatile(CLIENT_PID_OFFSET, clientPid);
        return s;
    }

    static int dataSeqOffset(int ring) {
        return RING_WORDS_OFFSET + ring * RING_WORDS_BYTES;
    }

    static int consumerWaitingOffset(int ring) {
        return dataSeqOffset(ring) + LINE;
    }

    static int spaceSeqOffset(int ring) {
        return dataSeqOffset(ring) + 2 * LINE;
    }

    static int producerWaitingOffset(int ring) {
        return dataSeqOffset(ring) + 3 * LINE;
    }

    /** The absolute address of a header word, for the futex calls. */
    long address(int offset) {
        return header.addressOffset() + offset;
    }

    void unmap() {
        IoUtil.unmap(mapped);
    }
}
