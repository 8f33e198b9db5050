package dev.troupe.bench;

import java.io.RandomAccessFile;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * The raw Agrona ring ping-pong, the limit of this machine for one process talking to another through shared
 * memory: two {@link OneToOneRingBuffer}s in one mapped file, no framing, no wake-ups. {@code RingPeer FILE} echoes
 * every {@link #PING} from ring 0 into ring 1 until a {@link #STOP} arrives. While pings come it busy-spins; between
 * the benchmark's blocks it backs off to sleep, so that it does not take a CPU from the contender being timed.
 */
public final class RingPeer {
    static final int RING_BYTES = 64 * 1024;
    static final int PING = 1;
    static final int STOP = 2;

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
        OneToOneRingBuffer in = rings[0];
        OneToOneRingBuffer out = rings[1];
        boolean[] stop = {false};
        IdleStrategy idle = idleBetweenBlocks();
        while (!stop[0]) {
            idle.idle(in.read((type, buffer, index, length) -> {
                if (type == STOP) {
                    stop[0] = true;
                    return;
                }
                while (!out.write(type, buffer, index, length)) {
                    Thread.onSpinWait();
                }
            }));
        }
    }

    /** Spins (a few milliseconds) while work comes, and sleeps up to 1 ms at a time once it stops. */
    static IdleStrategy idleBetweenBlocks() {
        return new BackoffIdleStrategy(100_000, 10, TimeUnit.MICROSECONDS.toNanos(1), TimeUnit.MILLISECONDS.toNanos(1));
    }
}
