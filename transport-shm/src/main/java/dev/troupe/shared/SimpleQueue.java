package dev.troupe.shared;

/**
 * A named queue of messages between processes with only the essentials, as Python's
 * {@code multiprocessing.SimpleQueue}: {@link #put}, {@link #get}, {@link #isEmpty}. Any process of this user on
 * this machine opens it by name; a handle passed to a task (as its input, or captured by it) opens the same queue
 * in the worker. Many processes put and get at once; each message is taken by one get. Messages go through the
 * codecs of task values (strings, boxed numbers, {@code byte[]}, enums, records, collections, protobuf messages,
 * {@code Serializable} values) and are kept in a ring of a fixed number of bytes: {@code put} waits while it is
 * full. {@link Queue} adds time-outs, a message bound and a {@code BlockingQueue} view.
 *
 * <p>A process killed at any moment, even in the middle of a put or a get, leaves the queue usable: a message
 * whose put returned stays in the queue until a get takes it; a put cut short is either wholly in the queue or not
 * at all; a get cut short either leaves the message or takes it with the dying process.
 *
 * <p>Thread-safe. {@link Waits#any} reports it signaled while it holds a message, without taking one.
 *
 * @param <T> the type of the messages.
 */
public final class SimpleQueue<T> extends MessageQueue<T> {
    private static final long serialVersionUID = 1L;

    SimpleQueue(NamedSegment segment, Class<T> type) {
        super(Flavor.SIMPLE, segment, type);
    }

    /**
     * Opens the simple queue with this name, creating it (empty, 1 MiB) if no process has.
     *
     * @param name letters, digits, {@code . _ -}.
     * @param type the messages' class; a message of another class is refused on put and reported on get.
     * @param <T>  the messages' type.
     * @return a handle; close it when done.
     * @throws dev.troupe.TroupeException when it exists with another capacity, or belongs to another user.
     */
    public static <T> SimpleQueue<T> open(String name, Class<T> type) {
        return open(name, type, QueueDescriptor.DEFAULT_CAPACITY);
    }

    /**
     * Opens the simple queue with this name, creating it (empty) if no process has.
     *
     * @param name          letters, digits, {@code . _ -}.
     * @param type          the messages' class.
     * @param capacityBytes the ring's size: a multiple of 8 from 64 bytes to 1 GiB; each message takes its encoded
     *                      size plus 8, rounded up to 8.
     * @param <T>           the messages' type.
     * @return a handle; close it when done.
     * @throws dev.troupe.TroupeException when it exists with another capacity, or belongs to another user.
     */
    public static <T> SimpleQueue<T> open(String name, Class<T> type, int capacityBytes) {
        return new SimpleQueue<>(openSegment(Flavor.SIMPLE, name, type, 0, capacityBytes, false), type);
    }

    /**
     * Removes the name; processes that have the queue open keep using it, new opens create a fresh one.
     *
     * @param name the name.
     * @return whether it existed.
     */
    public static boolean unlink(String name) {
        return NamedSegment.unlink(Flavor.SIMPLE.kind, name);
    }

    /**
     * Puts a message, waiting while the queue is full.
     *
     * @param value the message, not {@code null}.
     * @throws IllegalArgumentException when its encoding is larger than {@link #maxMessageBytes()}.
     * @throws dev.troupe.CodecException when no codec can encode it.
     * @throws IllegalStateException when this handle is or gets closed.
     * @throws InterruptedException when the thread is interrupted while waiting.
     */
    public void put(T value) throws InterruptedException {
        putBytes(encode(value), Long.MAX_VALUE);
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
     * @return whether it holds no message now.
     */
    public boolean isEmpty() {
        return countNow() == 0;
    }
}
