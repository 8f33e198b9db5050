package dev.troupe.shared;

import dev.troupe.spi.support.ProcessConfig;
import dev.troupe.transport.shm.Futex;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An anonymous pipe between two processes, Python's {@code multiprocessing.Pipe()}: two {@link Connection} ends over
 * a shared-memory segment, one ring per direction. Create it, keep one end, and pass the other to a child (as the
 * input of {@code troupe.spawn}, or captured by the task): the end moves to the process that receives it.
 *
 * <pre>{@code
 * try (Pipe<String> pipe = Pipe.create()) {
 *     WorkerProcess<Integer> child = troupe.spawn(Child::echo, pipe.second());
 *     pipe.first().send("hello");
 *     String reply = pipe.first().recv();
 * }
 * }</pre>
 *
 * <p>Rules of the ends. An end is used by one process at a time: passing it to another process moves it there, and
 * this process's handle stops working (closing it is then harmless, as Python's idiom of closing the child's end in
 * the parent expects). A second process cannot open an end that a live process holds. When an end is closed, or the
 * process holding it exits or is killed, the other end's {@code recv} returns what was sent before and then throws
 * {@link ConnectionClosedException} within about 100 ms. An end handed to a process that dies before it opens the end
 * still counts as held by the process that passed it: wait with {@link Waits#any} on the connection and the
 * process together to notice that too.
 *
 * <p>The segment is owner-only (0600 in this user's 0700 directory, see {@code troupe.shared.directory}) and
 * removed when both ends are closed or gone (the segment of a pipe whose last holder was killed is removed by the
 * next process that creates a pipe, at most a minute later). Sizes come from {@code troupe.shared.pipe} (ring bytes
 * per direction, largest message). Thread-safe.
 *
 * @param <T> the type of the values it carries.
 */
public final class Pipe<T> implements AutoCloseable {
    private static final AtomicInteger SEQUENCE = new AtomicInteger();
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final long SWEEP_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);
    private static final AtomicLong LAST_SWEEP = new AtomicLong();

    private final Connection<T> first;
    private final Connection<T> second;
    private final boolean duplex;

    private Pipe(Connection<T> first, Connection<T> second, boolean duplex) {
        this.first = first;
        this.second = second;
        this.duplex = duplex;
    }

    /**
     * Creates a duplex pipe: both ends send and receive.
     *
     * @param <T> the type of the values.
     * @return the pipe.
     */
    public static <T> Pipe<T> create() {
        return create(true);
    }

    /**
     * Creates a pipe, Python's {@code Pipe(duplex)}.
     *
     * @param duplex {@code true}: both ends send and receive; {@code false}: {@link #first()} only receives and
     *               {@link #second()} only sends, as Python's {@code Pipe(duplex=False)} returns them.
     * @param <T>    the type of the values.
     * @return the pipe.
     * @throws dev.troupe.TroupeException when the segment cannot be created.
     */
    public static <T> Pipe<T> create(boolean duplex) {
        long ring = ProcessConfig.get().getBytes("troupe.shared.pipe.ring-bytes");
        if (Long.bitCount(ring) != 1 || ring < PipeDescriptor.MIN_RING_BYTES || ring > PipeDescriptor.MAX_RING_BYTES) {
            throw new IllegalArgumentException("troupe.shared.pipe.ring-bytes must be a power of two from 4KiB to"
                + " 256MiB, got " + ring);
        }
        int ringBytes = (int) ring;
        int maxMessage = ConnectionCodec.configuredMaxMessage();
        Futex.isAvailable(); // a process that may wake a sleeper must have futexes bound
        String name = "p" + SharedObject.PID + "-" + SEQUENCE.incrementAndGet() + "-"
            + Long.toHexString(RANDOM.nextLong() & Long.MAX_VALUE);
        long owner = PipeDescriptor.ownerWord(SharedObject.PID, PipeDescriptor.ATTACHED, PipeEnd.MY_START);
        NamedSegment segment = NamedSegment.openOrCreate(PipeDescriptor.KIND, name,
            PipeDescriptor.size(duplex, ringBytes), d -> {
                d.putInt(PipeDescriptor.LAYOUT, PipeDescriptor.LAYOUT_VERSION);
                d.putInt(PipeDescriptor.DUPLEX, duplex ? 1 : 0);
                d.putInt(PipeDescriptor.RING_BYTES, ringBytes);
                d.putInt(PipeDescriptor.MAX_MESSAGE, maxMessage);
                d.putInt(PipeDescriptor.CREATOR, SharedObject.PID);
                d.putLong(PipeDescriptor.owner(0), owner);
                d.putLong(PipeDescriptor.owner(1), owner);
            });
        PipeEnd[] ends = PipeEnd.create(segment);
        sweep();
        return new Pipe<>(new ShmConnection<>(ends[0]), new ShmConnection<>(ends[1]), duplex);
    }

    /**
     * Removes the segments of pipes whose ends are both closed or held by processes that are gone (a pipe whose
     * last holder was killed cannot remove its own); at most once a minute, when a pipe is created.
     */
    private static void sweep() {
        long now = System.nanoTime();
        long last = LAST_SWEEP.get();
        if ((last != 0 && now - last < SWEEP_EVERY_NANOS) || !LAST_SWEEP.compareAndSet(last, now | 1)) {
            return;
        }
        String prefix = PipeDescriptor.KIND + ".";
        try (DirectoryStream<Path> files = Files.newDirectoryStream(NamedSegment.directory(), prefix + "*")) {
            for (Path file : files) {
                String name = file.getFileName().toString().substring(prefix.length());
                try {
                    NamedSegment s = NamedSegment.openExisting(PipeDescriptor.KIND, name,
                        NamedSegment.sizeOf(PipeDescriptor.KIND, name));
                    if (gone(s.data.getLongVolatile(PipeDescriptor.owner(0)))
                        && gone(s.data.getLongVolatile(PipeDescriptor.owner(1)))) {
                        NamedSegment.unlink(PipeDescriptor.KIND, name);
                    }
                } catch (RuntimeException e) {
                    // removed meanwhile, or not a pipe this version knows: leave it
                }
            }
        } catch (IOException | RuntimeException e) {
            // sweeping is housekeeping: a pipe that works matters more
        }
    }

    private static boolean gone(long owner) {
        return PipeDescriptor.state(owner) == PipeDescriptor.CLOSED || !PipeEnd.holderAlive(owner);
    }

    /**
     * @return the first end; it only receives when the pipe is one-way.
     */
    public Connection<T> first() {
        return first;
    }

    /**
     * @return the second end; it only sends when the pipe is one-way.
     */
    public Connection<T> second() {
        return second;
    }

    /**
     * @return whether both ends send and receive.
     */
    public boolean isDuplex() {
        return duplex;
    }

    /** Closes this process's handles on both ends; an end already passed to another process is not affected. */
    @Override
    public void close() {
        first.close();
        second.close();
    }

    @Override
    public String toString() {
        return "Pipe[" + first + ", " + second + "]";
    }
}
