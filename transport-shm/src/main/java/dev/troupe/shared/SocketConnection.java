package dev.troupe.shared;

import dev.troupe.CodecException;
import dev.troupe.TroupeException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A named-pipe connection: a connected Unix domain socket carrying frames of {@code [length][type][body]} (two
 * 32-bit big-endian integers, then the body). The socket is non-blocking; a caller that must wait selects on a
 * selector of its own, one for reading and one for writing. The peer's death closes the socket in the kernel, so a
 * waiting {@code recv} learns of it at once.
 */
final class SocketConnection<T> implements Connection<T>, WaitTarget {
    private static final int HEADER_BYTES = 8;
    private static final int BUFFER_BYTES = 64 * 1024;

    private final SocketChannel channel;
    private final String description;
    private final int maxMessage;
    private final Selector readSelector;
    private final Selector writeSelector;
    private final ReentrantLock readLock = new ReentrantLock();
    private final ReentrantLock writeLock = new ReentrantLock();
    /** Bytes read and not yet taken, ready for reading (position..limit); guarded by {@link #readLock}. */
    private ByteBuffer in = ByteBuffer.allocate(BUFFER_BYTES).flip();
    /** Guarded by {@link #readLock}. */
    private boolean eof;
    private volatile boolean closed;

    SocketConnection(SocketChannel channel, String description, int maxMessage) throws IOException {
        this.channel = channel;
        this.description = description;
        this.maxMessage = maxMessage;
        channel.configureBlocking(false);
        this.readSelector = Selector.open();
        this.writeSelector = Selector.open();
        channel.register(readSelector, SelectionKey.OP_READ);
        channel.register(writeSelector, SelectionKey.OP_WRITE);
    }

    // ---------------------------------------------------------------------------------------------- sending

    @Override
    public void send(T value) {
        byte[] bytes = ConnectionCodec.encode(value, maxMessage, description);
        write(ConnectionCodec.VALUE, bytes, 0, bytes.length);
    }

    @Override
    public void sendBytes(byte[] bytes, int offset, int length) {
        if (offset < 0 || length < 0 || offset > bytes.length - length) {
            throw new IndexOutOfBoundsException("offset " + offset + " and length " + length + " in an array of "
                + bytes.length);
        }
        ConnectionCodec.checkSize(length, maxMessage, description);
        write(ConnectionCodec.BYTES, bytes, offset, length);
    }

    private void write(int type, byte[] bytes, int offset, int length) {
        checkOpen();
        ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES).putInt(length).putInt(type).flip();
        ByteBuffer[] frame = {header, ByteBuffer.wrap(bytes, offset, length)};
        writeLock.lock();
        try {
            while (frame[1].hasRemaining() || header.hasRemaining()) {
                if (channel.write(frame) == 0) {
                    writeSelector.select(SharedObject.SLICE_NANOS / 1_000_000);
                    writeSelector.selectedKeys().clear();
                    checkOpen();
                }
            }
        } catch (IOException e) {
            throw new ConnectionClosedException("cannot send on " + description + ": " + e.getMessage(), e);
        } finally {
            writeLock.unlock();
        }
    }

    // -------------------------------------------------------------------------------------------- receiving

    @Override
    @SuppressWarnings("unchecked")
    public T recv() {
        return (T) ConnectionCodec.decode(receive(ConnectionCodec.VALUE), description);
    }

    @Override
    public <V extends T> V recv(Class<V> type) {
        return ConnectionCodec.cast(ConnectionCodec.decode(receive(ConnectionCodec.VALUE), description), type,
            description);
    }

    @Override
    public byte[] recvBytes() {
        return receive(ConnectionCodec.BYTES);
    }

    private byte[] receive(int wanted) {
        checkOpen();
        readLock.lock();
        try {
            awaitFrame(Long.MAX_VALUE);
            int length = in.getInt(in.position());
            int type = in.getInt(in.position() + 4);
            if (type != wanted) {
                throw new CodecException("the next message on " + description + (type == ConnectionCodec.BYTES
                    ? " was sent with sendBytes: receive it with recvBytes" : " is a value: receive it with recv")
                    + " (it is still there)");
            }
            byte[] body = new byte[length];
            in.position(in.position() + HEADER_BYTES);
            in.get(body);
            return body;
        } finally {
            readLock.unlock();
        }
    }

    /**
     * Reads until a whole frame is buffered: {@code true}, or {@code false} when {@code nanos} ran out.
     *
     * @throws ConnectionClosedException when the peer is gone and no whole frame is left.
     */
    private boolean awaitFrame(long nanos) {
        long deadline = SharedObject.deadline(nanos);
        try {
            while (true) {
                if (frameBuffered()) {
                    return true;
                }
                if (eof) {
                    throw new ConnectionClosedException("the other end of " + description + " is gone"
                        + (in.hasRemaining() ? " in the middle of a message" : ""));
                }
                if (fill() > 0) {
                    continue;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                readSelector.select(Math.max(1, Math.min(left, SharedObject.SLICE_NANOS) / 1_000_000));
                readSelector.selectedKeys().clear();
                checkOpen();
            }
        } catch (IOException e) {
            eof = true;
            throw new ConnectionClosedException("cannot receive on " + description + ": " + e.getMessage(), e);
        } catch (java.nio.channels.ClosedSelectorException e) {
            throw new IllegalStateException(description + " is closed");
        }
    }

    /** Whether a whole frame is buffered; checks its header. */
    private boolean frameBuffered() {
        if (in.remaining() < HEADER_BYTES) {
            return false;
        }
        int length = in.getInt(in.position());
        int type = in.getInt(in.position() + 4);
        if (length < 0 || length > maxMessage || (type != ConnectionCodec.VALUE && type != ConnectionCodec.BYTES)) {
            eof = true;
            close();
            throw new TroupeException("refused a frame of " + length + " bytes and type " + type + " on "
                + description + " (the limit is " + maxMessage + " bytes); the connection is closed");
        }
        return in.remaining() >= HEADER_BYTES + length;
    }

    /** Reads what the socket has without waiting; the number of bytes, -1 at the end. */
    private int fill() throws IOException {
        if (in.remaining() >= HEADER_BYTES) {
            int needed = HEADER_BYTES + in.getInt(in.position());
            if (in.capacity() < needed) {
                ByteBuffer bigger = ByteBuffer.allocate(needed);
                bigger.put(in);
                in = bigger.flip();
            }
        }
        in.compact();
        int n;
        try {
            n = channel.read(in);
        } finally {
            in.flip();
        }
        if (n < 0) {
            eof = true;
        }
        if (in.capacity() > BUFFER_BYTES && !in.hasRemaining()) {
            in = ByteBuffer.allocate(BUFFER_BYTES).flip(); // a large message has been taken: give its room back
        }
        return n;
    }

    @Override
    public boolean poll(Duration timeout) {
        checkOpen();
        readLock.lock();
        try {
            return awaitFrame(timeout.toNanos());
        } catch (ConnectionClosedException gone) {
            return true;
        } finally {
            readLock.unlock();
        }
    }

    // ------------------------------------------------------------------------------------------------ Waits

    @Override
    public int tryTake() {
        if (closed) {
            return 1;
        }
        if (!readLock.tryLock()) {
            return 0;
        }
        try {
            return awaitFrame(0) ? 1 : 0;
        } catch (TroupeException gone) { // the other end is gone, or sent a frame it may not
            return 1;
        } finally {
            readLock.unlock();
        }
    }

    @Override
    public void checkWaitable() {
        checkOpen();
    }

    @Override
    public SelectableChannel channel() {
        return channel;
    }

    // ---------------------------------------------------------------------------------------------- closing

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException(description + " is closed");
        }
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing: nothing more to do
        }
        readSelector.wakeup();
        writeSelector.wakeup();
        // The selectors are closed by the threads that use them, or left to the garbage collector.
        if (readLock.tryLock()) {
            try {
                readSelector.close();
            } catch (IOException ignored) {
                // closing
            } finally {
                readLock.unlock();
            }
        }
        if (writeLock.tryLock()) {
            try {
                writeSelector.close();
            } catch (IOException ignored) {
                // closing
            } finally {
                writeLock.unlock();
            }
        }
    }

    @Override
    public String toString() {
        return "Connection[" + description + (closed ? ", closed" : "") + "]";
    }
}
