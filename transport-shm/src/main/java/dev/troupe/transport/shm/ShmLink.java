package dev.troupe.transport.shm;

import dev.troupe.spi.Link;
import dev.troupe.spi.LinkClosedException;
import dev.troupe.spi.LinkHandler;
import dev.troupe.wire.Envelope;
import dev.troupe.wire.FrameCodec;
import dev.troupe.wire.MalformedFrameException;
import java.io.IOException;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A link over a {@link Segment}: this side produces into one ring and consumes the other.
 *
 * <p>Sending: senders take a lock (the rings are single-producer), encode the envelope into a reused array,
 * claim ring space and copy it in; {@link #sendFrame} copies bytes that are already an envelope straight in. An
 * envelope larger than the ring's largest message is sent as fragments and reassembled ({@link FragmentAssembler}).
 * After a write the sender wakes the consumer only when the consumer said it sleeps, so a busy link makes no system
 * call per message. A full ring makes the sender wait (spin, then sleep on the ring's space futex, a
 * {@link ShmIdleStrategy}): a fast sender is slowed, not buffered in the heap.
 *
 * <p>Receiving: one thread per link reads the ring. It hands each whole message to the handler's
 * {@link LinkHandler#onFrame} as a read-only view of the ring's memory, which stays valid until the handler returns
 * (the ring's room is handed back after); reassembled messages are parsed once and go to
 * {@link LinkHandler#onEnvelope}. When it finds nothing it spins briefly, yields, and then
 * sleeps on the ring's data futex with a time-out ({@link ShmIdleStrategy}); between sleeps it looks at the peer's
 * closed flag, and every 100 ms it checks the peer: a peer whose process is gone,
 * or whose heartbeat counter (bumped by {@link Heartbeats}) has not moved for {@link ShmSettings#staleNanos()},
 * fails the link with a cause that says which.
 */
final class ShmLink implements Link {
    /** Lazy: a worker JVM should not pay for initializing logging on its start-up path. */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(ShmLink.class);
    }

    static final int WHOLE = 1;
    static final int FIRST = 2;
    static final int MIDDLE = 3;
    static final int LAST = 4;

    private static final int READ_LIMIT = 64;
    /** An idle reader reads the clock every this many spins (a power of two). */
    private static final int CHECK_EVERY_SPINS = 32;
    private static final long IDLE_SLEEP_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long SPACE_SLEEP_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final long HEARTBEAT_EVERY_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long PEER_FUTEX_GRACE_NANOS = TimeUnit.SECONDS.toNanos(2);
    private static final long FUTEX_LOAD_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(300);
    private static final long FALLBACK_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private final Segment segment;
    private final boolean server;
    private final String description;
    private final int maxFrameBytes;
    private final ShmSettings shm;
    private final ShmRing tx;
    private final ShmRing rx;
    private final int txIndex;
    private final int rxIndex;
    private final int myHeartbeat;
    private final int peerHeartbeat;
    private final int myClosed;
    private final int peerClosed;
    private final int myFutexReady;
    private final int peerFutexReady;
    private final long createdNanos = System.nanoTime();
    /** Heartbeat thread only. */
    private boolean futexAnnounced;
    private final long peerPid;
    private final Optional<ProcessHandle> peer;

    private final CompletableFuture<Void> closeFuture = new CompletableFuture<>();
    private final AtomicBoolean started = new AtomicBoolean();
    private final Object closeMonitor = new Object();
    private volatile boolean closed;
    private volatile Throwable closeCause;
    /** Guarded by {@link #closeMonitor} and {@link #sendLock}: set once the mapping is gone. */
    private boolean unmapped;

    private final ReentrantLock sendLock = new ReentrantLock();
    /** How a sender waits for room in a full ring: spins, then sleeps; guarded by {@link #sendLock}. */
    private final ShmIdleStrategy spaceIdle;
    /** The claim a waiting sender makes; guarded by {@link #sendLock}. */
    private int claimType;
    private int claimLength;
    /** What the space strategy's last look before sleeping claimed, or -1; guarded by {@link #sendLock}. */
    private int lateClaim = -1;
    /** Guarded by {@link #sendLock}. */
    private final byte[] sendScratch = new byte[16 * 1024];

    ShmLink(Segment segment, boolean server, long peerPid, String description, int maxFrameBytes, ShmSettings shm) {
        this.segment = segment;
        this.server = server;
        this.description = description;
        this.maxFrameBytes = maxFrameBytes;
        this.shm = shm;
        this.txIndex = server ? 0 : 1;
        this.rxIndex = server ? 1 : 0;
        this.tx = segment.rings[txIndex];
        this.rx = segment.rings[rxIndex];
        this.myHeartbeat = server ? Segment.SERVER_HEARTBEAT_OFFSET : Segment.CLIENT_HEARTBEAT_OFFSET;
        this.peerHeartbeat = server ? Segment.CLIENT_HEARTBEAT_OFFSET : Segment.SERVER_HEARTBEAT_OFFSET;
        this.myClosed = server ? Segment.SERVER_CLOSED_OFFSET : Segment.CLIENT_CLOSED_OFFSET;
        this.peerClosed = server ? Segment.CLIENT_CLOSED_OFFSET : Segment.SERVER_CLOSED_OFFSET;
        this.myFutexReady = server ? Segment.SERVER_FUTEX_READY_OFFSET : Segment.CLIENT_FUTEX_READY_OFFSET;
        this.peerFutexReady = server ? Segment.CLIENT_FUTEX_READY_OFFSET : Segment.SERVER_FUTEX_READY_OFFSET;
        this.peerPid = peerPid;
        this.peer = ProcessHandle.of(peerPid);
        // A sender waiting for room spins, then sleeps: no yield phase, and the clock read on every round.
        this.spaceIdle = new ShmIdleStrategy(shm.spinNanos(), 0, 1, segment, Segment.spaceSeqOffset(txIndex),
            Segment.producerWaitingOffset(txIndex), () -> (lateClaim = tx.tryClaim(claimType, claimLength)) < 0,
            () -> sleepNanos(SPACE_SLEEP_NANOS));
        Heartbeats.register(this);
    }

    @Override
    public void start(LinkHandler handler) {
        Objects.requireNonNull(handler, "handler");
        if (!started.compareAndSet(false, true)) {
            if (closed) {
                handler.onClosed(this, closeCause); // closed before it started: the mapping is gone already
                return;
            }
            throw new IllegalStateException("link already started: " + description);
        }
        Thread reader = new Thread(() -> readLoop(handler), "troupe-shm-reader");
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Bumps this side's heartbeat counter; called by {@link Heartbeats} on its own thread, so a reader held up
     * by a slow handler does not look dead to the peer. Also starts binding futexes once the link is 300 ms old
     * (after a worker's start-up) and tells the peer when they are bound.
     */
    void beat() {
        synchronized (closeMonitor) {
            if (!unmapped) {
                segment.header.getAndAddLong(myHeartbeat, 1);
                if (!futexAnnounced) {
                    if (Futex.isReady()) {
                        segment.header.putIntVolatile(myFutexReady, 1);
                        futexAnnounced = true;
                    } else if (System.nanoTime() - createdNanos > FUTEX_LOAD_DELAY_NANOS) {
                        Futex.preload(); // after start-up, so that binding it does not slow the first tasks
                    }
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------------- receiving

    private void readLoop(LinkHandler handler) {
        Receiver receiver = new Receiver(handler);
        UnsafeBuffer h = segment.header;
        // Re-checks by reading: it sees only committed messages, so a peer paused between claiming and committing
        // does not keep this thread from sleeping (its commit will wake it).
        ShmIdleStrategy idle = new ShmIdleStrategy(shm.spinNanos(), shm.yieldNanos(), CHECK_EVERY_SPINS, segment,
            Segment.dataSeqOffset(rxIndex), Segment.consumerWaitingOffset(rxIndex),
            () -> (receiver.lateMessages = rx.read(receiver, READ_LIMIT)) == 0 && !closed
                && h.getIntVolatile(peerClosed) == 0,
            () -> sleepNanos(IDLE_SLEEP_NANOS));
        long lastPeerBeat = h.getLongVolatile(peerHeartbeat);
        long peerBeatChanged = System.nanoTime();
        long lastCheck = peerBeatChanged;
        try {
            while (!closed) {
                int n = rx.read(receiver, READ_LIMIT);
                if (receiver.error != null) {
                    throw receiver.error;
                }
                if (n > 0) {
                    idle.reset();
                    wakeProducerOf(rxIndex);
                    continue;
                }
                idle.idle();
                if (!idle.sleeping()) {
                    continue;
                }
                // Between sleeps: what the last look before sleeping found, the peer's closed flag, its liveness.
                if (receiver.lateMessages > 0) {
                    if (receiver.error != null) {
                        throw receiver.error;
                    }
                    idle.reset();
                    wakeProducerOf(rxIndex);
                    continue;
                }
                if (h.getIntVolatile(peerClosed) != 0) {
                    // Its last committed messages came before the flag: one more read drains them. A message it
                    // claimed but never committed is dropped, not waited for.
                    int last = rx.read(receiver, READ_LIMIT);
                    if (receiver.error != null) {
                        throw receiver.error;
                    }
                    if (last == 0) {
                        throw new LinkClosedException("peer closed " + description);
                    }
                    continue;
                }
                long now = System.nanoTime();
                if (now - lastCheck > HEARTBEAT_EVERY_NANOS) {
                    lastCheck = now;
                    long beat = h.getLongVolatile(peerHeartbeat);
                    if (beat != lastPeerBeat) {
                        lastPeerBeat = beat;
                        peerBeatChanged = now;
                    } else if (now - peerBeatChanged > shm.staleNanos()) {
                        throw new LinkClosedException("peer (pid " + peerPid + ") on " + description
                            + " has not updated its heartbeat for " + TimeUnit.NANOSECONDS.toMillis(
                            now - peerBeatChanged) + " ms");
                    }
                    checkPeerAlive();
                }
            }
        } catch (Throwable e) {
            // Errors too: the mapping is released below, so the link must read as closed to every sender.
            if (!closed) {
                close(e);
            }
        } finally {
            try {
                handler.onClosed(this, closeCause);
            } catch (RuntimeException e) {
                Log.LOG.error("link handler failed while closing {}", description, e);
            }
            release();
        }
    }

    /**
     * How long to sleep on a futex: {@code wanted} once the peer can wake us; while it cannot (its futex binding
     * is still loading, or futexes do not exist here), briefly at first and with a bounded back-off later.
     */
    private long sleepNanos(long wanted) {
        if (segment.header.getIntVolatile(peerFutexReady) != 0) {
            return wanted;
        }
        return System.nanoTime() - createdNanos < PEER_FUTEX_GRACE_NANOS ? Futex.FALLBACK_PARK_NANOS
            : Math.min(wanted, FALLBACK_BACKOFF_NANOS);
    }

    private void checkPeerAlive() throws LinkClosedException {
        if (peer.isEmpty() || !peer.get().isAlive()) {
            throw new LinkClosedException("peer process " + peerPid + " of " + description + " has exited");
        }
    }

    /** Delivers whole messages and reassembles fragmented ones. */
    private final class Receiver implements MessageHandler {
        private final LinkHandler handler;
        /** A read-only view of the ring's memory, positioned on each whole message in turn. */
        private final ByteBuffer view;
        private final int viewBase;
        private final FragmentAssembler fragments = new FragmentAssembler(maxFrameBytes, description);
        IOException error;
        /** How many messages the idle strategy's last look before sleeping read. */
        int lateMessages;

        Receiver(LinkHandler handler) {
            this.handler = handler;
            this.view = rx.buffer().byteBuffer().asReadOnlyBuffer();
            this.viewBase = rx.buffer().wrapAdjustment();
        }

        @Override
        public void onMessage(int type, MutableDirectBuffer buffer, int index, int length) {
            if (error != null || closed) {
                return;
            }
            try {
                if (type == WHOLE) {
                    if (fragments.inProgress()) {
                        throw new MalformedFrameException("a whole message arrived inside a fragmented one on "
                            + description);
                    }
                    // The handler reads the message where it lies; the ring's room is handed back only after.
                    int start = viewBase + index;
                    view.limit(start + length).position(start);
                    handler.onFrame(ShmLink.this, view);
                } else if (type == FIRST || type == MIDDLE || type == LAST) {
                    byte[] body = fragments.onFragment(type, buffer, index, length);
                    if (body != null) {
                        // The envelope's values are views of the reassembled array: no second copy.
                        handler.onEnvelope(ShmLink.this, FrameCodec.decodeOwnedBody(body, 0, body.length,
                            description));
                    }
                } else {
                    throw new MalformedFrameException("unknown message type " + type + " on " + description);
                }
            } catch (MalformedFrameException e) {
                error = e;
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ sending

    @Override
    public boolean send(Envelope envelope) {
        return sendAll(List.of(envelope));
    }

    @Override
    public boolean sendAll(List<Envelope> envelopes) {
        int[] sizes = new int[envelopes.size()];
        for (int i = 0; i < sizes.length; i++) {
            sizes[i] = checkSize(envelopes.get(i));
        }
        sendLock.lock();
        try {
            if (closed || unmapped) {
                return false;
            }
            for (int i = 0; i < sizes.length; i++) {
                write(envelopes.get(i), sizes[i]);
                if (sizes[i] > tx.maxMsgLength()) {
                    wakeConsumer();
                }
            }
            wakeConsumer();
        } catch (ClosedWhileSending e) {
            return false;
        } finally {
            sendLock.unlock();
        }
        return !closed;
    }

    @Override
    public boolean sendFrame(ByteBuffer body) {
        int size = checkSize(body.remaining());
        sendLock.lock();
        try {
            if (closed || unmapped) {
                return false;
            }
            if (size <= tx.maxMsgLength()) {
                int index = claim(WHOLE, Math.max(size, 1));
                tx.buffer().putBytes(index, body, body.position(), size);
                tx.commit(index);
            } else {
                writeFragments(new UnsafeBuffer(body, body.position(), size));
            }
            wakeConsumer();
        } catch (ClosedWhileSending e) {
            return false;
        } finally {
            sendLock.unlock();
        }
        return !closed;
    }

    private int checkSize(Envelope envelope) {
        return checkSize(FrameCodec.bodySize(envelope));
    }

    private int checkSize(int size) {
        return FrameCodec.checkBodySize(size, maxFrameBytes);
    }

    /** Writes one envelope; the caller holds the send lock and has checked the link is open. */
    private void write(Envelope envelope, int size) {
        if (size <= tx.maxMsgLength()) {
            // Encoding into a reused heap array and copying is cheaper than a direct-buffer encoder per message.
            byte[] scratch = size <= sendScratch.length ? sendScratch : new byte[size];
            FrameCodec.writeBody(envelope, scratch, 0, size);
            int index = claim(WHOLE, Math.max(size, 1));
            tx.buffer().putBytes(index, scratch, 0, size);
            tx.commit(index);
            return;
        }
        writeFragments(new UnsafeBuffer(envelope.toByteArray()));
    }

    /** Writes a message larger than a ring record as fragments; the caller holds the send lock. */
    private void writeFragments(UnsafeBuffer src) {
        int length = src.capacity();
        int max = tx.maxMsgLength();
        int first = max - Integer.BYTES;
        int index = claim(FIRST, max);
        tx.buffer().putInt(index, length);
        tx.buffer().putBytes(index + Integer.BYTES, src, 0, first);
        tx.commit(index);
        int offset = first;
        while (offset < length) {
            int n = Math.min(max, length - offset);
            int type = offset + n == length ? LAST : MIDDLE;
            index = claim(type, n);
            tx.buffer().putBytes(index, src, offset, n);
            tx.commit(index);
            offset += n;
            if ((offset / max) % 8 == 0) {
                wakeConsumer(); // let the reader start on a long message before the ring fills
            }
        }
    }

    /** Claims ring space, waiting while the ring is full; throws {@link ClosedWhileSending} when the link closes. */
    private int claim(int type, int length) {
        int index = tx.tryClaim(type, length);
        if (index >= 0) {
            return index;
        }
        wakeConsumer();
        claimType = type;
        claimLength = length;
        spaceIdle.reset();
        while (true) {
            if (closed) {
                throw new ClosedWhileSending();
            }
            spaceIdle.idle();
            if (spaceIdle.sleeping()) {
                if (lateClaim >= 0) {
                    return lateClaim;
                }
                if (segment.header.getIntVolatile(peerClosed) != 0 || peer.isEmpty() || !peer.get().isAlive()) {
                    close(new LinkClosedException("peer process " + peerPid + " of " + description
                        + " stopped reading while a message of " + length + " bytes waited for room"));
                    throw new ClosedWhileSending();
                }
            }
            index = tx.tryClaim(type, length);
            if (index >= 0) {
                return index;
            }
        }
    }

    /** Wakes the peer's reader if it said it sleeps; a full fence orders our writes before reading its flag. */
    private void wakeConsumer() {
        VarHandle.fullFence();
        UnsafeBuffer h = segment.header;
        if (h.getIntVolatile(Segment.consumerWaitingOffset(txIndex)) != 0) {
            int seq = Segment.dataSeqOffset(txIndex);
            h.getAndAddInt(seq, 1);
            Futex.wake(segment.address(seq), 1);
        }
    }

    /** After reading ring {@code ring}, wakes its producer if it sleeps waiting for room. */
    private void wakeProducerOf(int ring) {
        VarHandle.fullFence();
        UnsafeBuffer h = segment.header;
        if (h.getIntVolatile(Segment.producerWaitingOffset(ring)) != 0) {
            int seq = Segment.spaceSeqOffset(ring);
            h.getAndAddInt(seq, 1);
            Futex.wake(segment.address(seq), 1);
        }
    }

    /** Thrown inside a send when the link closes while the sender waits for room. */
    private static final class ClosedWhileSending extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ClosedWhileSending() {
            super(null, null, false, false);
        }
    }

    // ------------------------------------------------------------------------------------------------ closing

    @Override
    public void close() {
        close(null);
    }

    @Override
    public void close(Throwable cause) {
        synchronized (closeMonitor) {
            if (closed) {
                return;
            }
            // The cause is visible before the flag, so the reader never reports a close without its cause.
            closeCause = cause;
            closed = true;
            if (!unmapped) {
                UnsafeBuffer h = segment.header;
                h.putIntVolatile(myClosed, 1);
                // Wake everyone who may sleep on this segment: the peer's reader and producer, and our own.
                for (int ring = 0; ring < 2; ring++) {
                    h.getAndAddInt(Segment.dataSeqOffset(ring), 1);
                    Futex.wake(segment.address(Segment.dataSeqOffset(ring)), Integer.MAX_VALUE);
                    h.getAndAddInt(Segment.spaceSeqOffset(ring), 1);
                    Futex.wake(segment.address(Segment.spaceSeqOffset(ring)), Integer.MAX_VALUE);
                }
            }
        }
        if (started.compareAndSet(false, true)) {
            release(); // no reader thread will
        }
        if (cause == null) {
            closeFuture.complete(null);
        } else {
            closeFuture.completeExceptionally(cause);
        }
    }

    /** Unmaps the segment once no thread can touch it: the reader has ended and no sender holds the lock. */
    private void release() {
        sendLock.lock();
        try {
            synchronized (closeMonitor) {
                if (!unmapped) {
                    unmapped = true;
                    segment.unmap();
                }
            }
            Heartbeats.unregister(this);
        } finally {
            sendLock.unlock();
        }
    }

    @Override
    public boolean isOpen() {
        return !closed;
    }

    @Override
    public CompletableFuture<Void> closeFuture() {
        return closeFuture;
    }

    @Override
    public String description() {
        return description;
    }

    /** The peer's pid, as written in the segment's header. */
    long peerPid() {
        return peerPid;
    }

    /** The ring's capacity in bytes, for tests and diagnostics. */
    int ringCapacity() {
        return segment.ringCapacity;
    }

    /** The ring this side writes, for tests that need to break the protocol on purpose. */
    ShmRing txRing() {
        return tx;
    }

    /** The largest message a ring carries whole; larger ones are fragmented. */
    int maxWholeMessage() {
        return tx.maxMsgLength();
    }

    @Override
    public String toString() {
        return "ShmLink[" + description + (server ? ", server" : ", client") + (closed ? ", closed" : "") + "]";
    }
}
