package dev.troupe.bench;

import java.io.RandomAccessFile;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import dev.troupe.transport.shm.ShmRing;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * The raw ring ping-pongs, the limit of this machine for one process talking to another through shared memory: two
 * rings in one mapped file, no framing, no wake-ups; either Agrona's {@link OneToOneRingBuffer} or the shm
 * transport's own {@link ShmRing} without the envelopes the transport carries over it. {@code RingPeer FILE KIND}
 * echoes every {@link #PING} from ring 0 into ring 1 until a {@link #STOP} arrives. While pings come it
 * busy-spins; between the benchmark's blocks it backs off to sleep, so that it does not take a CPU from the
 * contender being timed.
 */
public final class RingPeer {
    static final int RING_BYTES = 64 * 1024;
    static final int PING = 1;
    static final int STOP = 2;
    static final String AGRONA = "agrona";
    static final String TROUPE = "troupe";

    /** One direction of a ring ping-pong. */
    interface Ring {
        boolean offer(int type, DirectBuffer src, int offset, int length);

        int poll(MessageHandler handler);
    }

    private RingPeer() {
    }

    /** Maps (creating if need be) the two rings of {@code kind} in {@code file}. */
    static Ring[] map(Path file, String kind) throws Exception {
        boolean agrona = kind.equals(AGRONA);
        int each = RING_BYTES + (agrona ? RingBufferDescriptor.TRAILER_LENGTH : ShmRing.TRAILER_BYTES);
        MappedByteBuffer m;
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(2L * each);
            m = raf.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, 2L * each);
        }
        Ring[] rings = new Ring[2];
        for (int r = 0; r < 2; r++) {
            UnsafeBuffer buffer = new UnsafeBuffer(m, r * each, each);
            if (agrona) {
                OneToOneRingBuffer ring = new OneToOneRingBuffer(buffer);
                rings[r] = new Ring() {
                    @Override
                    public boolean offer(int type, DirectBuffer src, int offset, int length) {
                        return ring.write(type, src, offset, length);
                    }

                    @Override
                    public int poll(MessageHandler handler) {
                        return ring.read(handler);
                    }
                };
            } else {
                ShmRing ring = new ShmRing(buffer);
                rings[r] = new Ring() {
                    @Override
                    public boolean offer(int type, DirectBuffer src, int offset, int length) {
                        int index = ring.tryClaim(type, length);
                        if (index < 0) {
                            return false;
                        }
                        ring.buffer().putBytes(index, src, offset, length);
                        ring.commit(index);
                        return true;
                    }

                    @Override
                    public int poll(MessageHandler handler) {
                        return ring.read(handler, Integer.MAX_VALUE);
                    }
                };
            }
        }
        return rings;
    }

    public static void main(String[] args) throws Exception {
        Ring[] rings = map(Path.of(args[0]), args[1]);
        Ring in = rings[0];
        Ring out = rings[1];
        boolean[] stop = {false};
        IdleStrategy idle = idleBetweenBlocks();
        MessageHandler echo = (type, buffer, index, length) -> {
            if (type == STOP) {
                stop[0] = true;
                return;
            }
            while (!out.offer(type, buffer, index, length)) {
                Thread.onSpinWait();
            }
        };
        while (!stop[0]) {
            idle.idle(in.poll(echo));
        }
    }

    /**
     * Spins while work comes, and sleeps up to 1 ms at a time once it stops. The spin is short (a thousand empty
     * polls, tens of microseconds): a peer that spun on for milliseconds after its block would hold one of this
     * machine's two CPUs while the next contender's block began, and put both ends of that one on the other.
     */
    static IdleStrategy idleBetweenBlocks() {
        return new BackoffIdleStrategy(1_000, 10, TimeUnit.MICROSECONDS.toNanos(1), TimeUnit.MILLISECONDS.toNanos(1));
    }
}
