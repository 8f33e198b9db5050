package dev.troupe.shared;

import java.io.ObjectStreamException;
import java.io.Serializable;
import java.time.Duration;

/**
 * A handle on one end of a {@link Pipe}. Serializable as the pipe's name and the end's number only: deserializing
 * it in another process opens the segment there and moves the end to that process ({@link PipeEnd#attach});
 * nothing else in the stream is trusted.
 */
final class ShmConnection<T> implements Connection<T>, WaitTarget, Serializable {
    private static final long serialVersionUID = 1L;

    private final transient PipeEnd end;
    private volatile boolean closed;

    ShmConnection(PipeEnd end) {
        this.end = end;
    }

    private PipeEnd end() {
        if (closed) {
            throw new IllegalStateException(end + " is closed");
        }
        return end;
    }

    @Override
    public void send(T value) {
        PipeEnd e = end();
        byte[] bytes = ConnectionCodec.encode(value, e.maxMessage, e);
        e.send(ConnectionCodec.VALUE, bytes, 0, bytes.length);
    }

    @Override
    @SuppressWarnings("unchecked")
    public T recv() {
        PipeEnd e = end();
        return (T) ConnectionCodec.decode(e.receive(ConnectionCodec.VALUE), e);
    }

    @Override
    public <V extends T> V recv(Class<V> type) {
        PipeEnd e = end();
        return ConnectionCodec.cast(ConnectionCodec.decode(e.receive(ConnectionCodec.VALUE), e), type, e);
    }

    @Override
    public void sendBytes(byte[] bytes, int offset, int length) {
        if (offset < 0 || length < 0 || offset > bytes.length - length) {
            throw new IndexOutOfBoundsException("offset " + offset + " and length " + length + " in an array of "
                + bytes.length);
        }
        end().send(ConnectionCodec.BYTES, bytes, offset, length);
    }

    @Override
    public byte[] recvBytes() {
        return end().receive(ConnectionCodec.BYTES);
    }

    @Override
    public boolean poll(Duration timeout) {
        return end().poll(timeout.toNanos());
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
        end.release();
    }

    // ------------------------------------------------------------------------------------------------ Waits

    @Override
    public int tryTake() {
        return closed || end.readable() ? 1 : 0;
    }

    @Override
    public void checkWaitable() {
        end().checkWaitable();
    }

    @Override
    public void beginWait() {
        end.waitsWaiting(1);
    }

    @Override
    public void endWait() {
        end.waitsWaiting(-1);
    }

    // -------------------------------------------------------------------------------------- serialization

    private Object writeReplace() throws ObjectStreamException {
        end().handOff();
        return new Handle(end.name, end.end);
    }

    /** What a serialized end is: the pipe's name and the end's number, checked again when it is opened. */
    private record Handle(String name, int end) implements Serializable {
        private static final long serialVersionUID = 1L;

        private Object readResolve() throws ObjectStreamException {
            return new ShmConnection<>(PipeEnd.attach(name, end));
        }
    }

    @Override
    public String toString() {
        return "Connection[" + end + (closed ? ", closed" : "") + "]";
    }
}
