package dev.troupe.shared;

import static dev.troupe.shared.PipeDescriptor.ATTACHED;
import static dev.troupe.shared.PipeDescriptor.BYTES_FIRST;
import static dev.troupe.shared.PipeDescriptor.CLOSED;
import static dev.troupe.shared.PipeDescriptor.HANDED_OFF;
import static dev.troupe.shared.PipeDescriptor.LAST;
import static dev.troupe.shared.PipeDescriptor.MIDDLE;
import static dev.troupe.shared.PipeDescriptor.VALUE_FIRST;

import dev.troupe.CodecException;
import dev.troupe.TroupeException;
import dev.troupe.spi.support.ProcessConfig;
import dev.troupe.transport.shm.Futex;
import dev.troupe.transport.shm.ShmRing;
import java.io.IOException;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * One end of a {@link Pipe} as this process holds it: the segment, the ring it writes and the ring it reads, with
 * their positions. One per end and process, shared by every {@link ShmConnection} handle of that end in the process
 * (the rings are single-producer, single-consumer), and counted: the end closes when the last handle does.
 *
 * <p>Waiting (a reader for a message, a writer for room) spins for {@link #SPIN_NANOS}, then sleeps on
 * the ring's futex word a slice at a time, after raising the "sleeps" flag its peer reads after each write or read.
 * Between slices it looks at the other end's owner word: closed, or held by a process that no longer exists, ends
 * the wait with {@link ConnectionClosedException}.
 */
final class PipeEnd {
    private static final ThreadLocal<Futex> FUTEX = ThreadLocal.withInitial(Futex::new);
    private static final Map<String, PipeEnd> OPEN = new ConcurrentHashMap<>();
    static final long MY_START = startSeconds(ProcessHandle.current());
    /**
     * How long a reader waiting for a message, or a writer waiting for room, spins before it sleeps
     * ({@code troupe.shared.pipe.spin-micros}).
     */
    private static final long SPIN_NANOS = spinNanos();

    final NamedSegment segment;
    final UnsafeBuffer data;
    final String name;
    final int end;
    final boolean duplex;
    final int maxMessage;
    private final String description;
    private final ShmRing tx;
    private final ShmRing rx;
    private final int txRing;
    private final int rxRing;
    private final ReentrantLock sendLock = new ReentrantLock();
    private final ReentrantLock recvLock = new ReentrantLock();
    /** Handles of this process on the end; guarded by {@code this}. */
    private int refs;
    private volatile boolean released;
    private volatile boolean handedOff;
    /** Once the other end is known to be gone, why: it does not come back. */
    private volatile String gone;
    /** When the other end's process was last looked at; racy on purpose (a look too many costs nothing). */
    private long lastProcessCheck = System.nanoTime();

    private PipeEnd(NamedSegment segment, int end) {
        this.segment = segment;
        this.data = segment.data;
        this.name = segment.name;
        this.end = end;
        this.duplex = data.getInt(PipeDescriptor.DUPLEX) != 0;
        this.maxMessage = data.getInt(PipeDescriptor.MAX_MESSAGE);
        int ringBytes = data.getInt(PipeDescriptor.RING_BYTES);
        this.description = "end " + end + " of " + (duplex ? "" : "one-way ") + "pipe '" + name + "'";
        this.txRing = end;
        this.rxRing = 1 - end;
        this.tx = duplex || end == 1 ? ring(txRing, ringBytes) : null;
        this.rx = duplex || end == 0 ? ring(rxRing, ringBytes) : null;
    }

    private static long spinNanos() {
        long micros = ProcessConfig.get().getLong("troupe.shared.pipe.spin-micros");
        if (micros < 0) {
            throw new IllegalArgumentException("troupe.shared.pipe.spin-micros must not be negative, got " + micros);
        }
        return TimeUnit.MICROSECONDS.toNanos(micros);
    }

    private ShmRing ring(int ring, int ringBytes) {
        return new ShmRing(new UnsafeBuffer(data, PipeDescriptor.ringOffset(duplex, ring, ringBytes),
            ringBytes + ShmRing.TRAILER_BYTES));
    }

    // ------------------------------------------------------------------------------------------- opening

    /** Both ends of a new pipe, held by this process. */
    static PipeEnd[] create(NamedSegment segment) {
        PipeEnd[] ends = {new PipeEnd(segment, 0), new PipeEnd(segment, 1)};
        for (PipeEnd e : ends) {
            e.refs = 1;
            OPEN.put(key(segment.name, e.end), e);
        }
        return ends;
    }

    /**
     * Attaches this process to an end another process handed off (or returns this process's own, when it holds it
     * already): the end's owner word then names this process.
     */
    static PipeEnd attach(String name, int end) {
        if (end != 0 && end != 1) {
            throw new IllegalArgumentException("a pipe has ends 0 and 1, not " + end);
        }
        NamedSegment.pathOf(PipeDescriptor.KIND, name); // checks the name before anything touches the file system
        Futex.isAvailable(); // this process may have to wake the other end
        PipeEnd[] result = new PipeEnd[1];
        OPEN.compute(key(name, end), (k, held) -> {
            PipeEnd e = held != null && !held.handedOff && held.retain() ? held : open(name, end);
            result[0] = e;
            return e;
        });
        return result[0];
    }

    private static PipeEnd open(String name, int end) {
        int size = NamedSegment.sizeOf(PipeDescriptor.KIND, name);
        NamedSegment segment = NamedSegment.openExisting(PipeDescriptor.KIND, name, size);
        checkOwnedByThisUser(segment);
        UnsafeBuffer d = segment.data;
        int ringBytes = d.getInt(PipeDescriptor.RING_BYTES);
        int duplex = d.getInt(PipeDescriptor.DUPLEX);
        int maxMessage = d.getInt(PipeDescriptor.MAX_MESSAGE);
        if (d.getInt(PipeDescriptor.LAYOUT) != PipeDescriptor.LAYOUT_VERSION || (duplex != 0 && duplex != 1)
            || Integer.bitCount(ringBytes) != 1 || ringBytes < PipeDescriptor.MIN_RING_BYTES
            || ringBytes > PipeDescriptor.MAX_RING_BYTES || maxMessage < 1
            || PipeDescriptor.size(duplex == 1, ringBytes) != size) {
            throw new TroupeException("pipe '" + name + "' at " + segment.path + " has an unknown layout (layout "
                + d.getInt(PipeDescriptor.LAYOUT) + ", duplex " + duplex + ", ring " + ringBytes + " bytes, largest"
                + " message " + maxMessage + ", " + size + " bytes of data); this process speaks layout "
                + PipeDescriptor.LAYOUT_VERSION);
        }
        int at = PipeDescriptor.owner(end);
        while (true) {
            long word = d.getLongVolatile(at);
            int state = PipeDescriptor.state(word);
            int pid = PipeDescriptor.pid(word);
            String what = "end " + end + " of pipe '" + name + "'";
            if (state == CLOSED) {
                throw new IllegalStateException(what + " was closed");
            } else if (state == ATTACHED && pid != SharedObject.PID) {
                throw new IllegalStateException(what + (holderAlive(word)
                    ? " is in use by process " + pid + "; an end is used by one process at a time (close it there,"
                    + " or pass it on, before another process opens it)"
                    : " was held by process " + pid + ", which has exited"));
            } else if (state != ATTACHED && state != HANDED_OFF) {
                throw new TroupeException(what + " at " + segment.path + " has an unknown state " + state);
            }
            if (d.compareAndSetLong(at, word, PipeDescriptor.ownerWord(SharedObject.PID, ATTACHED, MY_START))) {
                break;
            }
        }
        PipeEnd e = new PipeEnd(segment, end);
        e.refs = 1;
        try {
            if (e.tx != null) {
                e.tx.resumeProducer();
            }
        } catch (IllegalStateException corrupt) {
            throw new TroupeException(e.description + " at " + segment.path + ": " + corrupt.getMessage(), corrupt);
        }
        return e;
    }

    private static void checkOwnedByThisUser(NamedSegment segment) {
        try {
            String owner = Files.getOwner(segment.path).getName();
            if (!owner.equals(System.getProperty("user.name"))) {
                throw new TroupeException("refusing to open pipe '" + segment.name + "' at " + segment.path
                    + ": it belongs to " + owner + ", not to this user");
            }
        } catch (UnsupportedOperationException | IOException e) {
            // no owners on this file system: the directory's permissions are all there is
        }
    }

    private static String key(String name, int end) {
        return name + "#" + end;
    }

    // ---------------------------------------------------------------------------------------- liveness

    static long startSeconds(ProcessHandle p) {
        return p.info().startInstant().map(Instant::getEpochSecond).orElse(0L) & 0x0FFF_FFFFL;
    }

    /** Whether the process an owner word names still runs (and is the same process, not a reuse of its pid). */
    static boolean holderAlive(long word) {
        int pid = PipeDescriptor.pid(word);
        if (pid == SharedObject.PID) {
            return true;
        }
        Optional<ProcessHandle> p = ProcessHandle.of(pid);
        if (p.isEmpty() || !p.get().isAlive()) {
            return false;
        }
        long recorded = PipeDescriptor.startSeconds(word);
        long actual = startSeconds(p.get());
        return recorded == 0 || actual == 0 || recorded == actual;
    }

    /** Why the other end is gone, or {@code null} while it is there (held, or handed off by a live process). */
    String peerGone() {
        return peerGone(true);
    }

    /**
     * As {@link #peerGone()}, but the holder's process (a look at {@code /proc}, tens of microseconds) is checked at
     * most once a {@linkplain SharedObject#SLICE_NANOS slice}, unless {@code always}: a waiter about to sleep must
     * not pay that on every round trip.
     */
    private String peerGone(boolean always) {
        String known = gone;
        if (known != null) {
            return known;
        }
        long word = data.getLongVolatile(PipeDescriptor.owner(1 - end));
        int state = PipeDescriptor.state(word);
        if (state == CLOSED) {
            return gone = "the other end of " + description + " was closed";
        }
        long now = System.nanoTime();
        if (!always && now - lastProcessCheck < SharedObject.SLICE_NANOS) {
            return null;
        }
        lastProcessCheck = now;
        if (!holderAlive(word)) {
            return gone = "the process holding the other end of " + description + " (pid " + PipeDescriptor.pid(word)
                + ") has exited";
        }
        return null;
    }

    private void checkUsable() {
        if (released) {
            throw new IllegalStateException(description + " is closed");
        }
        if (handedOff) {
            throw new IllegalStateException(description + " was passed to another process; it is used there now");
        }
    }

    // ---------------------------------------------------------------------------------------------- sending

    void send(int type, byte[] src, int offset, int length) {
        ConnectionCodec.checkSize(length, maxMessage, description);
        sendLock.lock();
        try {
            checkUsable();
            if (tx == null) {
                throw new IllegalStateException(description + " only receives: send on the other end");
            }
            String known = gone;
            if (known != null || PipeDescriptor.state(data.getLongVolatile(PipeDescriptor.owner(1 - end))) == CLOSED) {
                throw new ConnectionClosedException("cannot send: " + (known != null ? known : peerGone()));
            }
            int max = tx.maxMsgLength();
            if (length <= max) {
                int index = claim(type, length);
                tx.buffer().putBytes(index, src, offset, length);
                tx.commit(index);
            } else {
                int first = max - Integer.BYTES;
                int index = claim(type == ConnectionCodec.VALUE ? VALUE_FIRST : BYTES_FIRST, max);
                tx.buffer().putInt(index, length);
                tx.buffer().putBytes(index + Integer.BYTES, src, offset, first);
                tx.commit(index);
                int done = first;
                int fragments = 1;
                while (done < length) {
                    int n = Math.min(max, length - done);
                    index = claim(done + n == length ? LAST : MIDDLE, n);
                    tx.buffer().putBytes(index, src, offset + done, n);
                    tx.commit(index);
                    done += n;
                    if (++fragments % 4 == 0) {
                        wakeReader(); // let the reader start on a long message before the ring fills
                    }
                }
            }
            wakeReader();
        } finally {
            sendLock.unlock();
        }
    }

    /** Claims ring room, waiting while the ring is full and the reader is there. */
    private int claim(int type, int length) {
        int index = tx.tryClaim(type, length);
        if (index >= 0) {
            return index;
        }
        wakeReader();
        long spinUntil = System.nanoTime() + SPIN_NANOS;
        while (System.nanoTime() < spinUntil) {
            Thread.onSpinWait();
            if ((index = tx.tryClaim(type, length)) >= 0) {
                return index;
            }
        }
        int waiting = PipeDescriptor.producerWaiting(txRing);
        int seq = PipeDescriptor.spaceSeq(txRing);
        data.putIntVolatile(waiting, 1);
        try {
            while (true) {
                VarHandle.fullFence();
                int seen = data.getIntVolatile(seq);
                if ((index = tx.tryClaim(type, length)) >= 0) {
                    return index;
                }
                checkUsable();
                String why = peerGone(false);
                if (why != null) {
                    throw new ConnectionClosedException("cannot send " + length + " bytes: " + why);
                }
                FUTEX.get().await(segment.address(seq), seen, SharedObject.SLICE_NANOS);
            }
        } finally {
            data.putIntVolatile(waiting, 0);
        }
    }

    private void wakeReader() {
        VarHandle.fullFence();
        if (data.getIntVolatile(PipeDescriptor.consumerWaiting(txRing)) != 0) {
            int seq = PipeDescriptor.dataSeq(txRing);
            data.getAndAddInt(seq, 1);
            Futex.wake(segment.address(seq), Integer.MAX_VALUE);
        }
        if (data.getIntVolatile(PipeDescriptor.waitsWaiting(txRing)) != 0) {
            Signals.bump();
        }
    }

    // -------------------------------------------------------------------------------------------- receiving

    /**
     * Receives the next message of the wanted kind ({@link ConnectionCodec#VALUE} or {@link ConnectionCodec#BYTES}),
     * waiting as long as it takes.
     */
    byte[] receive(int wanted) {
        recvLock.lock();
        try {
            checkReceivable();
            awaitMessage(Long.MAX_VALUE);
            int type = rx.peekedType();
            int kind = type == ConnectionCodec.VALUE || type == VALUE_FIRST ? ConnectionCodec.VALUE
                : type == ConnectionCodec.BYTES || type == BYTES_FIRST ? ConnectionCodec.BYTES : 0;
            if (kind == 0) {
                throw corrupt("a message of type " + type + " where a message starts");
            }
            if (kind != wanted) {
                throw new CodecException("the next message on " + description + (kind == ConnectionCodec.BYTES
                    ? " was sent with sendBytes: receive it with recvBytes" : " is a value: receive it with recv")
                    + " (it is still there)");
            }
            if (type == kind) {
                byte[] whole = copyPeeked(0);
                consume();
                return whole;
            }
            return assemble();
        } finally {
            recvLock.unlock();
        }
    }

    private byte[] assemble() {
        int index = rx.peek();
        int chunk = rx.peekedLength() - Integer.BYTES;
        int total = rx.buffer().getInt(index);
        if (total > maxMessage || total <= chunk || chunk < 0) {
            throw corrupt("a message announced as " + total + " bytes (the limit is " + maxMessage + ")");
        }
        byte[] body = new byte[total];
        rx.buffer().getBytes(index + Integer.BYTES, body, 0, chunk);
        consume();
        int done = chunk;
        while (done < total) {
            try {
                index = awaitMessage(Long.MAX_VALUE);
            } catch (ConnectionClosedException gone) {
                throw new ConnectionClosedException(gone.getMessage() + " in the middle of a message of " + total
                    + " bytes (" + done + " received)");
            }
            int type = rx.peekedType();
            int n = rx.peekedLength();
            if ((type != MIDDLE && type != LAST) || n > total - done || (type == LAST) != (done + n == total)) {
                throw corrupt("a fragment of type " + type + " and " + n + " bytes at " + done + " of " + total);
            }
            rx.buffer().getBytes(index, body, done, n);
            done += n;
            consume();
        }
        return body;
    }

    private byte[] copyPeeked(int skip) {
        int index = rx.peek();
        byte[] bytes = new byte[rx.peekedLength() - skip];
        rx.buffer().getBytes(index + skip, bytes);
        return bytes;
    }

    private void consume() {
        rx.consumePeeked();
        VarHandle.fullFence();
        if (data.getIntVolatile(PipeDescriptor.producerWaiting(rxRing)) != 0) {
            int seq = PipeDescriptor.spaceSeq(rxRing);
            data.getAndAddInt(seq, 1);
            Futex.wake(segment.address(seq), Integer.MAX_VALUE);
        }
    }

    private TroupeException corrupt(String what) {
        return new TroupeException("corrupt pipe: " + what + " on " + description);
    }

    private void checkReceivable() {
        checkUsable();
        if (rx == null) {
            throw new IllegalStateException(description + " only sends: receive on the other end");
        }
    }

    /**
     * Waits for a whole message at the head of the ring: its body index, or -1 when {@code nanos} ran out.
     *
     * @throws ConnectionClosedException when the other end is gone and nothing more is in the ring.
     */
    private int awaitMessage(long nanos) {
        int index = peek();
        if (index >= 0 || nanos <= 0) {
            if (index < 0 && peerGone(false) != null) {
                index = peek();
                if (index < 0) {
                    throw new ConnectionClosedException(peerGone());
                }
            }
            return index;
        }
        long deadline = SharedObject.deadline(nanos);
        long spinUntil = System.nanoTime() + SPIN_NANOS;
        while (System.nanoTime() < spinUntil) {
            Thread.onSpinWait();
            if ((index = peek()) >= 0) {
                return index;
            }
        }
        int waiting = PipeDescriptor.consumerWaiting(rxRing);
        int seq = PipeDescriptor.dataSeq(rxRing);
        data.putIntVolatile(waiting, 1);
        try {
            while (true) {
                VarHandle.fullFence();
                int seen = data.getIntVolatile(seq);
                if ((index = peek()) >= 0) {
                    return index;
                }
                checkUsable();
                String why = peerGone(false);
                if (why != null) {
                    // What it committed before it went is still to be read.
                    if ((index = peek()) >= 0) {
                        return index;
                    }
                    throw new ConnectionClosedException(why);
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return -1;
                }
                FUTEX.get().await(segment.address(seq), seen, Math.min(left, SharedObject.SLICE_NANOS));
            }
        } finally {
            data.putIntVolatile(waiting, 0);
        }
    }

    private int peek() {
        try {
            return rx.peek();
        } catch (IllegalStateException e) {
            throw corrupt(e.getMessage());
        }
    }

    /** Whether a receive would not wait, waiting up to {@code nanos}. */
    boolean poll(long nanos) {
        recvLock.lock();
        try {
            checkReceivable();
            return awaitMessage(nanos) >= 0;
        } catch (ConnectionClosedException gone) {
            return true;
        } finally {
            recvLock.unlock();
        }
    }

    /** For {@link Waits}: readable now (a message, or the other end gone), without waiting. */
    boolean readable() {
        if (released || handedOff || rx == null) {
            return true; // recv fails at once
        }
        if (!recvLock.tryLock()) {
            return false; // another thread of this process is receiving
        }
        try {
            return peek() >= 0 || peerGone(false) != null;
        } finally {
            recvLock.unlock();
        }
    }

    void checkWaitable() {
        checkReceivable();
    }

    /** While a {@link Waits} sleeps on this end, the writer bumps {@link Signals} after each message. */
    void waitsWaiting(int delta) {
        if (rx != null) {
            data.getAndAddInt(PipeDescriptor.waitsWaiting(rxRing), delta);
        }
    }

    // ---------------------------------------------------------------------------------------------- closing

    /** Marks the end as passed to another process: this process's handles stop working, and closing them is local. */
    void handOff() {
        synchronized (this) {
            if (released) {
                throw new IllegalStateException(description + " is closed: it cannot be passed to another process");
            }
            if (handedOff) {
                return;
            }
            int at = PipeDescriptor.owner(end);
            long word = data.getLongVolatile(at);
            if (PipeDescriptor.state(word) == ATTACHED && PipeDescriptor.pid(word) == SharedObject.PID) {
                data.compareAndSetLong(at, word, PipeDescriptor.ownerWord(SharedObject.PID, HANDED_OFF, MY_START));
            }
            handedOff = true;
        }
        wakeAll();
    }

    /** Adds a handle, unless the end closed meanwhile. */
    private synchronized boolean retain() {
        if (released || refs == 0) {
            return false;
        }
        refs++;
        return true;
    }

    /** Drops one handle; the last one closes the end. */
    void release() {
        synchronized (this) {
            if (refs == 0 || --refs > 0) {
                return;
            }
        }
        OPEN.remove(key(name, end), this);
        closeEnd();
    }

    private void closeEnd() {
        synchronized (this) {
            if (released) {
                return;
            }
            released = true;
            if (!handedOff) {
                int at = PipeDescriptor.owner(end);
                long word = data.getLongVolatile(at);
                if (PipeDescriptor.state(word) == ATTACHED && PipeDescriptor.pid(word) == SharedObject.PID) {
                    data.compareAndSetLong(at, word, PipeDescriptor.ownerWord(SharedObject.PID, CLOSED, MY_START));
                }
            }
        }
        wakeAll();
        if (handedOff) {
            return;
        }
        if (peerGone() != null) {
            NamedSegment.unlink(PipeDescriptor.KIND, name); // both ends are gone: nobody can open it any more
            return;
        }
        // The other end is still held. Its process may end without closing it (a worker halts), so while this
        // process lives it removes the segment when that process exits; after, the next Pipe.create sweeps it.
        long word = data.getLongVolatile(PipeDescriptor.owner(1 - end));
        if (PipeDescriptor.state(word) == ATTACHED && PipeDescriptor.pid(word) != SharedObject.PID) {
            ProcessHandle.of(PipeDescriptor.pid(word)).ifPresent(p -> p.onExit().thenRun(() -> {
                long now = data.getLongVolatile(PipeDescriptor.owner(1 - end));
                if (PipeDescriptor.state(now) == CLOSED || !holderAlive(now)) {
                    NamedSegment.unlink(PipeDescriptor.KIND, name);
                }
            }));
        }
    }

    /** Wakes every thread of every process that may sleep on this pipe, so that it looks again. */
    private void wakeAll() {
        for (int ring = 0; ring < 2; ring++) {
            data.getAndAddInt(PipeDescriptor.dataSeq(ring), 1);
            Futex.wake(segment.address(PipeDescriptor.dataSeq(ring)), Integer.MAX_VALUE);
            data.getAndAddInt(PipeDescriptor.spaceSeq(ring), 1);
            Futex.wake(segment.address(PipeDescriptor.spaceSeq(ring)), Integer.MAX_VALUE);
        }
        Signals.bump();
    }

    boolean isReleased() {
        return released;
    }

    @Override
    public String toString() {
        return description;
    }
}
