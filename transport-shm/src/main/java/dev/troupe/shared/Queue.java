package dev.troupe.shared;

import dev.troupe.NamedQueue;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;

/**
 * A named, bounded queue of messages between processes: Python's {@code multiprocessing.Queue}. Any process of
 * this user on this machine opens it by name; a handle passed to a task (as its input, or captured by it) opens the
 * same queue in the worker. Many processes put and get at once; each message is taken by exactly one get, in the
 * order the puts completed.
 *
 * <p>Messages go through the codecs of task values (strings, boxed numbers, {@code byte[]}, enums, records,
 * collections, protobuf messages, {@code Serializable} values) into a ring of {@link #capacityBytes()} bytes. The
 * queue is full when the next message does not fit in the ring or it holds {@link #maxMessages()} messages: then
 * {@link #put(Object)} waits, {@link #put(Object, Duration)} waits at most its time-out and {@link #offer} does not
 * wait. A message larger than {@link #maxMessageBytes()} is refused with {@link IllegalArgumentException}; it is
 * not split.
 *
 * <p><b>When a process dies.</b> A process killed at any moment, even in the middle of a put or a get, leaves the
 * queue usable by the others (a lock it held is taken over within about 10 ms). A message whose put returned stays
 * in the queue until a get takes it: it is never lost while the queue exists. A put cut short by the death of its
 * process is either wholly in the queue or not at all. A message is taken by one get only; if that get's process
 * dies before the caller has used the message, the message goes with it.
 *
 * <p>Thread-safe. {@link Waits#any} reports it signaled while it holds a message, without taking one.
 * {@link #close()} closes this handle only, waking its blocked callers.
 *
 * @param <T> the type of the messages.
 */
public class Queue<T> extends MessageQueue<T> implements NamedQueue<T> {
    private static final long serialVersionUID = 1L;

    Queue(Flavor flavor, NamedSegment segment, Class<T> type) {
        super(flavor, segment, type);
    }

    /**
     * Opens the queue with this name, creating it (empty, 1 MiB, bounded by bytes only) if no process has.
     *
     * @param name letters, digits, {@code . _ -}.
     * @param type the messages' class; a message of another class is refused on put and reported on get.
     * @param <T>  the messages' type.
     * @return a handle; close it when done.
     * @throws dev.troupe.TroupeException when it exists with other parameters, or belongs to another user.
     */
    public static <T> Queue<T> open(String name, Class<T> type) {
        return open(name, type, 0, QueueDescriptor.DEFAULT_CAPACITY);
    }

    /**
     * Opens the queue with this name, creating it (empty, 1 MiB) if no process has.
     *
     * @param name        letters, digits, {@code . _ -}.
     * @param type        the messages' class.
     * @param maxMessages the most messages it holds, or 0 for no bound but its bytes (Python's {@code maxsize}).
     * @param <T>         the messages' type.
     * @return a handle; close it when done.
     * @throws dev.troupe.TroupeException when it exists with other parameters, or belongs to another user.
     */
    public static <T> Queue<T> open(String name, Class<T> type, int maxMessages) {
        return open(name, type, maxMessages, QueueDescriptor.DEFAULT_CAPACITY);
    }

    /**
     * Opens the queue with this name, creating it (empty) if no process has.
     *
     * @param name          letters, digits, {@code . _ -}.
     * @param type          the messages' class.
     * @param maxMessages   the most messages it holds, or 0 for no bound but its bytes.
     * @param capacityBytes the ring's size: a multiple of 8 from 64 bytes to 1 GiB; each message takes its encoded
     *                      size plus 8, rounded up to 8.
     * @param <T>           the messages' type.
     * @return a handle; close it when done.
     * @throws dev.troupe.TroupeException when it exists with other parameters, or belongs to another user.
     */
    public static <T> Queue<T> open(String name, Class<T> type, int maxMessages, int capacityBytes) {
        return new Queue<>(Flavor.PLAIN, openSegment(Flavor.PLAIN, name, type, maxMessages, capacityBytes, false),
            type);
    }

    /**
     * Removes the name; processes that have the queue open keep using it, new opens create a fresh one.
     *
     * @param name the name.
     * @return whether it existed.
     */
    public static boolean unlink(String name) {
        return NamedSegment.unlink(Flavor.PLAIN.kind, name);
    }

    /**
     * @return the most messages it holds, 0 when only its bytes bound it.
     */
    public int maxMessages() {
        return maxMessages;
    }

    /**
     * Puts a message, waiting while the queue is full.
     *
     * @param value the message, not {@code null}.
     * @throws IllegalArgumentException when its encoding is larger than {@link #maxMessageBytes()}.
     * @throws ClassCastException when it is not a {@link #type()}.
     * @throws dev.troupe.CodecException when no codec can encode it.
     * @throws IllegalStateException when this handle is or gets closed.
     * @throws InterruptedException when the thread is interrupted while waiting.
     */
    public void put(T value) throws InterruptedException {
        putBytes(encode(value), Long.MAX_VALUE);
    }

    /**
     * Puts a message, waiting at most {@code timeout} for room.
     *
     * @param value   the message, not {@code null}.
     * @param timeout how long to wait; zero does not wait.
     * @return {@code true} when put, {@code false} when the queue stayed full.
     * @throws IllegalArgumentException when its encoding is larger than {@link #maxMessageBytes()}.
     * @throws dev.troupe.CodecException when no codec can encode it.
     * @throws IllegalStateException when this handle is or gets closed.
     * @throws InterruptedException when the thread is interrupted while waiting.
     */
    public boolean put(T value, Duration timeout) throws InterruptedException {
        return putBytes(encode(value), timeout.toNanos());
    }

    /**
     * Puts a message if there is room now.
     *
     * @param value the message, not {@code null}.
     * @return {@code true} when put, {@code false} when the queue is full.
     * @throws IllegalArgumentException when its encoding is larger than {@link #maxMessageBytes()}.
     * @throws dev.troupe.CodecException when no codec can encode it.
     * @throws IllegalStateException when this handle is closed.
     */
    public boolean offer(T value) {
        try {
            return putBytes(encode(value), 0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // not waiting: only an interrupt that was already pending
            return false;
        }
    }

    /**
     * Takes the oldest message, waiting until there is one.
     *
     * @return the message.
     * @throws dev.troupe.CodecException when the message cannot be decoded here or is not a {@link #type()}; it
     *                                   is removed from the queue all the same.
     * @throws IllegalStateException when this handle is or gets closed.
     * @throws InterruptedException when the thread is interrupted while waiting.
     */
    public T get() throws InterruptedException {
        return decode(getBytes(Long.MAX_VALUE));
    }

    /**
     * Takes the oldest message, waiting at most {@code timeout} for one.
     *
     * @param timeout how long to wait; zero does not wait.
     * @return the message, or {@code null} when the queue stayed empty (messages are never {@code null}).
     * @throws dev.troupe.CodecException when the message cannot be decoded here or is not a {@link #type()}.
     * @throws IllegalStateException when this handle is or gets closed.
     * @throws InterruptedException when the thread is interrupted while waiting.
     */
    public T get(Duration timeout) throws InterruptedException {
        byte[] message = getBytes(timeout.toNanos());
        return message == null ? null : decode(message);
    }

    /**
     * Takes the oldest message if there is one.
     *
     * @return the message, or {@code null} when the queue is empty.
     * @throws dev.troupe.CodecException when the message cannot be decoded here or is not a {@link #type()}.
     * @throws IllegalStateException when this handle is closed.
     */
    public T poll() {
        byte[] message;
        try {
            message = getBytes(0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
        return message == null ? null : decode(message);
    }

    /**
     * @return how many messages it holds now (others may change it at once).
     */
    public int size() {
        return sizeNow();
    }

    /**
     * @return whether it holds no message now.
     */
    public boolean isEmpty() {
        return countNow() == 0;
    }

    /**
     * A {@link BlockingQueue} over this handle, for code that expects one. {@code put}, {@code take},
     * {@code offer}, {@code poll} (with and without time-outs), {@code add}, {@code remove()}, {@code size},
     * {@code isEmpty}, {@code clear}, {@code drainTo} and {@code remainingCapacity} work across processes. What
     * needs to see or remove messages in the middle of the queue ({@code peek}, {@code element},
     * {@code iterator}, {@code contains}, {@code remove(Object)}, {@code toArray}) throws
     * {@link UnsupportedOperationException}.
     *
     * @return the view; closing this handle closes it.
     */
    public BlockingQueue<T> asBlockingQueue() {
        return new QueueView<>(this);
    }
}
