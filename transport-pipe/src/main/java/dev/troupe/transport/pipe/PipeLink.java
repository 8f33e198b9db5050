package dev.troupe.transport.pipe;

import dev.troupe.wire.Envelope;
import dev.troupe.wire.FrameCodec;
import dev.troupe.spi.Link;
import dev.troupe.spi.LinkClosedException;
import dev.troupe.spi.LinkHandler;
import dev.troupe.spi.TransportSettings;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A link over a connected, blocking Unix domain socket.
 *
 * <p>Reading: one thread per link reads into a heap buffer and parses every complete frame it holds.
 * Writing: the sending thread writes itself (no thread hop on an idle link); senders that find another
 * sender writing leave their frame in a queue that the writer drains before it lets go, so frames sent
 * together go out in one system call. Past {@link TransportSettings#maxPendingWriteBytes()} queued bytes a
 * sender waits for the writer instead of queueing more.
 */
final class PipeLink implements Link {
    /** Lazy: a worker JVM should not pay for initializing logging on its start-up path. */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(PipeLink.class);
    }

    private static final int READ_BUFFER_BYTES = 64 * 1024;
    private static final int WRITE_BUFFER_BYTES = 64 * 1024;

    private final SocketChannel channel;
    private final String description;
    private final int maxFrameBytes;
    private final int maxPendingWriteBytes;
    private final CompletableFuture<Void> closeFuture = new CompletableFuture<>();
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile Throwable closeCause;

    private final ReentrantLock writeLock = new ReentrantLock();
    private final ConcurrentLinkedQueue<byte[]> pending = new ConcurrentLinkedQueue<>();
    private final AtomicLong pendingBytes = new AtomicLong();
    private final ByteBuffer writeBuffer = ByteBuffer.allocateDirect(WRITE_BUFFER_BYTES);

    PipeLink(SocketChannel channel, String description, TransportSettings settings) {
        this.channel = channel;
        this.description = description;
        this.maxFrameBytes = settings.maxFrameBytes();
        this.maxPendingWriteBytes = settings.maxPendingWriteBytes();
    }

    @Override
    public void start(LinkHandler handler) {
        Objects.requireNonNull(handler, "handler");
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("link already started: " + description);
        }
        Thread reader = new Thread(() -> readLoop(handler), "troupe-pipe-reader");
        reader.setDaemon(true);
        reader.start();
    }

    private void readLoop(LinkHandler handler) {
        ByteBuffer buffer = ByteBuffer.allocate(READ_BUFFER_BYTES);
        try {
            while (true) {
                if (channel.read(buffer) < 0) {
                    throw new LinkClosedException("peer closed " + description);
                }
                buffer.flip();
                while (buffer.remaining() >= FrameCodec.HEADER_BYTES) {
                    int length = FrameCodec.peekBodyLength(buffer, maxFrameBytes, description);
                    int frame = FrameCodec.HEADER_BYTES + length;
                    if (buffer.remaining() < frame) {
                        if (buffer.capacity() < frame) {
                            buffer = grow(buffer, frame);
                        }
                        break;
                    }
                    Envelope envelope = FrameCodec.decodeBody(buffer.array(),
                        buffer.arrayOffset() + buffer.position() + FrameCodec.HEADER_BYTES, length, description);
                    buffer.position(buffer.position() + frame);
                    handler.onEnvelope(this, envelope);
                }
                buffer = shrinkAndCompact(buffer);
            }
        } catch (IOException | RuntimeException e) {
            if (!closed.get()) {
                close(e);
            }
        } finally {
            try {
                handler.onClosed(this, closeCause);
            } catch (RuntimeException e) {
                Log.LOG.error("link handler failed while closing {}", description, e);
            }
        }
    }

    private static ByteBuffer grow(ByteBuffer buffer, int needed) {
        ByteBuffer bigger = ByteBuffer.allocate(needed);
        bigger.put(buffer);
        bigger.flip();
        return bigger;
    }

    private static ByteBuffer shrinkAndCompact(ByteBuffer buffer) {
        if (buffer.capacity() > READ_BUFFER_BYTES && buffer.remaining() <= READ_BUFFER_BYTES / 2) {
            ByteBuffer smaller = ByteBuffer.allocate(READ_BUFFER_BYTES);
            smaller.put(buffer);
            return smaller;
        }
        return buffer.compact();
    }

    @Override
    public boolean send(Envelope envelope) {
        if (closed.get()) {
            return false;
        }
        byte[] frame = FrameCodec.encode(envelope, maxFrameBytes);
        if (pendingBytes.get() + frame.length > maxPendingWriteBytes) {
            writeLock.lock();
            try {
                enqueue(frame);
                drainLocked();
            } finally {
                writeLock.unlock();
            }
        } else {
            enqueue(frame);
        }
        // Whoever holds the lock drains what it finds; re-check after it lets go so no frame is stranded.
        while (!pending.isEmpty() && writeLock.tryLock()) {
            try {
                drainLocked();
            } finally {
                writeLock.unlock();
            }
        }
        return !closed.get();
    }

    @Override
    public boolean sendAll(java.util.List<Envelope> envelopes) {
        if (closed.get()) {
            return false;
        }
        byte[][] frames = new byte[envelopes.size()][];
        for (int i = 0; i < frames.length; i++) {
            frames[i] = FrameCodec.encode(envelopes.get(i), maxFrameBytes);
        }
        writeLock.lock();
        try {
            for (byte[] f : frames) {
                enqueue(f);
            }
            drainLocked();
        } finally {
            writeLock.unlock();
        }
        while (!pending.isEmpty() && writeLock.tryLock()) {
            try {
                drainLocked();
            } finally {
                writeLock.unlock();
            }
        }
        return !closed.get();
    }

    private void enqueue(byte[] frame) {
        pendingBytes.addAndGet(frame.length);
        pending.add(frame);
    }

    private void drainLocked() {
        try {
            byte[] frame;
            while ((frame = pending.poll()) != null) {
                pendingBytes.addAndGet(-frame.length);
                if (frame.length > writeBuffer.remaining()) {
                    flushLocked();
                    if (frame.length > writeBuffer.capacity()) {
                        writeFully(ByteBuffer.wrap(frame));
                        continue;
                    }
                }
                writeBuffer.put(frame);
            }
            flushLocked();
        } catch (IOException e) {
            pending.clear();
            pendingBytes.set(0);
            writeBuffer.clear();
            close(closed.get() ? null : new LinkClosedException("cannot write to " + description + ": " + e));
        }
    }

    private void flushLocked() throws IOException {
        writeBuffer.flip();
        writeFully(writeBuffer);
        writeBuffer.clear();
    }

    private void writeFully(ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    @Override
    public void close() {
        close(null);
    }

    @Override
    public void close(Throwable cause) {
        synchronized (closed) {
            if (closed.get()) {
                return;
            }
            // The cause is visible before the flag, so the reader never reports a close without its cause.
            closeCause = cause;
            closed.set(true);
        }
        try {
            channel.close();
        } catch (IOException e) {
            Log.LOG.debug("closing {}", description, e);
        }
        if (cause == null) {
            closeFuture.complete(null);
        } else {
            closeFuture.completeExceptionally(cause);
        }
    }

    @Override
    public boolean isOpen() {
        return !closed.get();
    }

    @Override
    public CompletableFuture<Void> closeFuture() {
        return closeFuture;
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public String toString() {
        return "PipeLink[" + description + (closed.get() ? ", closed" : "") + "]";
    }
}
