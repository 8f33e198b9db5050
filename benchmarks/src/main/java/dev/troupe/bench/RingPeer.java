package dev.troupe.bench;

import java.io.RandomAccessFile;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * The raw Agrona ring ping-pong, the limit of this machine for one process talking to another through shared
 * memory: two {@link OneToOneRingBuffer}s in one mapped file, both sides busy-spinning, no framing, no wake-ups.
 * {@code RingPeer FILE N} echoes N messages from ring 0 into ring 1, then exits.
 */
public final class RingPeer {
    static final int RING_BYTES = 64 * 1024;

    private RingPeer() {
    }

    static OneToOneRingBuffer[] map(Path file) throws Exception {
        int each = RING_BYTES + RingBufferDescriptor.TRAILER_LENGTH;
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(2L * each);
            MappedByteBuffer m = raf.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, 2L * each);
            return new OneToOneRingBuffer[] {
                new OneToOneRingBuffer(new UnsafeBuffer(m, 0, each)),
                new OneToOneRingBuffer(new UnsafeBuffer(m, each, each))};
        }
    }

    public static void main(String[] args) throws Exception {
        OneToOneRingBuffer[] rings = map(Path.of(args[0]));
        long n = Long.parseLong(args[1]);
        OneToOneRingBuffer in = rings[0];
        OneToOneRingBuffer out = rings[1];
        long[] echoed = {0};
        while (echoed[0] < n) {
            int read = in.read((type, buffer, index, length) -> {
                while (!out.write(type, buffer, index, length)) {
                    Thread.onSpinWait();
                }
                echoed[0]++;
            });
            if (read == 0) {
                Thread.onSpinWait();
            }
        }
    }
}
