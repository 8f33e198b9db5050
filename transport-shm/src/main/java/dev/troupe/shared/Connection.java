package dev.troupe.shared;

import java.time.Duration;
import java.util.List;

/**
 * One end of a message channel between two processes: an end of a {@link Pipe}, or a connection of a named pipe
 * ({@link PipeServer#accept()}, {@link PipeServer#connect(String)}). Python's
 * {@code multiprocessing.connection.Connection}.
 *
 * <p>Values travel through the same codec as task inputs and results (strings, boxed numbers, {@code byte[]}, enums,
 * records, lists, sets, maps, protobuf messages, and {@code Serializable} values when Java serialization of values is
 * on); each {@link #send} is one message, received whole by one {@link #recv}. {@link #sendBytes} and
 * {@link #recvBytes} move raw bytes without the codec. Messages arrive in the order they were sent.
 *
 * <p>When the other end is closed, or its process exits or is killed, {@link #recv} returns the messages sent before
 * and then throws {@link ConnectionClosedException}, and {@link #send} throws it, instead of waiting forever. A
 * connection is also a {@link Waitable}: {@link Waits#any} and {@link #wait(List, Duration)} find the readable ones.
 *
 * <p>Thread-safe: concurrent senders and concurrent receivers are serialized. An end of a {@link Pipe} is used by one
 * process at a time.
 *
 * @param <T> the type of the values it carries; not checked on the way in (see {@link #recv(Class)}).
 */
public interface Connection<T> extends Waitable, AutoCloseable {
    /**
     * Sends a value.
     *
     * @param value the value, may be {@code null}.
     * @throws dev.troupe.CodecException       when no codec can encode it, or it is encoded larger than the
     *                                         connection's largest message; nothing is sent then.
     * @throws ConnectionClosedException       when the other end is gone.
     * @throws IllegalStateException           when this end is closed or cannot send (the reading end of a one-way
     *                                         pipe).
     */
    void send(T value);

    /**
     * Receives the next value, waiting as long as it takes.
     *
     * @return the value.
     * @throws ConnectionClosedException when the other end is gone and every message it sent has been received.
     * @throws dev.troupe.CodecException when the value cannot be decoded in this process (the message is consumed),
     *                                   or the next message was sent with {@link #sendBytes} (it is not consumed:
     *                                   read it with {@link #recvBytes()}).
     * @throws IllegalStateException     when this end is closed or cannot receive.
     */
    T recv();

    /**
     * Receives the next value and checks its type.
     *
     * @param type the type expected.
     * @param <V>  the type expected.
     * @return the value, {@code null} when {@code null} was sent.
     * @throws dev.troupe.CodecException when the value is of another type (naming both; the message is consumed), or as
     *                                   {@link #recv()}.
     * @throws ConnectionClosedException as {@link #recv()}.
     */
    <V extends T> V recv(Class<V> type);

    /**
     * Sends raw bytes as one message, without the codec.
     *
     * @param bytes the bytes.
     * @throws dev.troupe.CodecException when they are more than the connection's largest message.
     * @throws ConnectionClosedException when the other end is gone.
     */
    default void sendBytes(byte[] bytes) {
        sendBytes(bytes, 0, bytes.length);
    }

    /**
     * Sends part of an array as one message, without the codec.
     *
     * @param bytes  the array.
     * @param offset where the message starts.
     * @param length its length.
     * @throws dev.troupe.CodecException when it is more than the connection's largest message.
     * @throws ConnectionClosedException when the other end is gone.
     */
    void sendBytes(byte[] bytes, int offset, int length);

    /**
     * Receives the next message sent with {@link #sendBytes}, waiting as long as it takes.
     *
     * @return its bytes.
     * @throws ConnectionClosedException when the other end is gone and every message it sent has been received.
     * @throws dev.troupe.CodecException when the next message is a value sent with {@link #send} (it is not consumed:
     *                                   read it with {@link #recv()}).
     */
    byte[] recvBytes();

    /**
     * Whether a message can be received without waiting: one has arrived, or the other end is gone (then
     * {@link #recv} throws at once).
     *
     * @return {@code true} when {@link #recv} or {@link #recvBytes} would not wait.
     */
    default boolean poll() {
        return poll(Duration.ZERO);
    }

    /**
     * Waits until a message can be received without waiting, or the other end is gone, or {@code timeout} passes.
     *
     * @param timeout how long to wait; zero looks once.
     * @return {@code true} when {@link #recv} or {@link #recvBytes} would not wait.
     */
    boolean poll(Duration timeout);

    /**
     * @return whether {@link #close()} was called on this handle.
     */
    boolean isClosed();

    /**
     * Closes this end: the other end's {@code recv} throws {@link ConnectionClosedException} once it has received what
     * was sent before. Idempotent.
     */
    @Override
    void close();

    /**
     * Waits until at least one of the connections is readable (a message arrived, or its other end is gone), as
     * Python's {@code multiprocessing.connection.wait} does.
     *
     * @param connections the connections.
     * @param timeout     how long to wait.
     * @param <C>         the type of the connections.
     * @return the readable ones, in the order given; empty when the time ran out.
     */
    static <C extends Connection<?>> List<C> wait(List<C> connections, Duration timeout) {
        return Waits.ready(timeout, connections);
    }
}
