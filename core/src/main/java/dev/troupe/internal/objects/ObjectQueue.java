package dev.troupe.internal.objects;

import com.google.protobuf.ByteString;
import dev.troupe.NamedQueue;
import dev.troupe.wire.ObjectCall;
import dev.troupe.wire.ObjectCall.Op;
import dev.troupe.wire.ObjectReply;
import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.time.Duration;

/**
 * INTERNAL API. A handle of a cluster-wide queue: every operation is a call to the node (over the worker's link, in a
 * worker), which forwards it to the queue's host. A call waits at most {@link Messages#WAIT_SLICE_NANOS} at the host;
 * longer waits are made of several calls, so a closed handle wakes its callers within that. Thread-safe.
 *
 * @param <T> the type of the messages.
 */
public final class ObjectQueue<T> implements NamedQueue<T>, Serializable {
    /** The object prefix of cluster-wide queues in {@link ObjectCall}s. */
    public static final String KIND = "cqueue:";
    private static final long serialVersionUID = 1L;

    private final String name;
    private final Class<T> type;
    private final int maxMessageBytes;
    private final transient String object;
    private transient ObjectBackend backend;
    private transient volatile boolean closed;

    ObjectQueue(String name, Class<T> type, int maxMessageBytes, ObjectBackend backend) {
        this.name = name;
        this.type = type;
        this.maxMessageBytes = maxMessageBytes;
        this.object = KIND + name;
        this.backend = backend;
    }

    /**
     * Opens the queue at its host, creating it there when absent, and checks its type and bounds.
     *
     * @param backend       the node's objects.
     * @param name          the name.
     * @param type          the messages' class.
     * @param maxMessages   the most messages, 0 for no bound but bytes.
     * @param capacityBytes the most bytes, 0 for the default.
     * @param <T>           the type.
     * @return the handle.
     * @throws dev.troupe.TroupeException when it exists with other parameters or another type, or the host cannot
     *                                    be reached.
     */
    public static <T> ObjectQueue<T> open(ObjectBackend backend, String name, Class<T> type, int maxMessages,
                                          int capacityBytes) {
        Messages.checkName(name, "queue");
        Messages.checkType(type, "queue");
        if (maxMessages < 0 || capacityBytes < 0) {
            throw new IllegalArgumentException("maxMessages and capacityBytes must not be negative, got "
                + maxMessages + " and " + capacityBytes);
        }
        ObjectReply r = backend.call(ObjectCall.newBuilder().setObject(KIND + name).setOp(Op.QUEUE_OPEN)
            .setType(type.getName()).setMaxMessages(maxMessages).setCapacity(capacityBytes));
        return new ObjectQueue<>(name, type, (int) r.getCount(), backend);
    }

    private ObjectBackend backend() {
        ObjectBackend b = backend;
        if (b == null) {
            b = ObjectBackends.worker();
            if (b == null) {
                throw new IllegalStateException(this + " was deserialized outside a Troupe worker: open it with"
                    + " Troupe.queue on the node, and pass it to tasks");
            }
            backend = b;
        }
        return b;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Class<T> type() {
        return type;
    }

    @Override
    public int maxMessageBytes() {
        return maxMessageBytes;
    }

    @Override
    public void put(T value) throws InterruptedException {
        putNanos(value, Long.MAX_VALUE);
    }

    @Override
    public boolean put(T value, Duration timeout) throws InterruptedException {
        return putNanos(value, timeout.toNanos());
    }

    @Override
    public boolean offer(T value) {
        try {
            return putNanos(value, 0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private boolean putNanos(T value, long nanos) throws InterruptedException {
        checkOpen();
        ByteString message = Messages.encode(backend(), value, type, maxMessageBytes, toString());
        long deadline = Messages.deadline(nanos);
        while (true) {
            long wait = Math.max(0, Math.min(Messages.WAIT_SLICE_NANOS, deadline - System.nanoTime()));
            ObjectReply r = Messages.callInterruptibly(backend(), call(Op.QUEUE_PUT).setValue(message)
                .setTimeoutNanos(wait));
            if (r.getApplied()) {
                return true;
            }
            checkOpen("put");
            if (deadline - System.nanoTime() <= 0) {
                return false;
            }
        }
    }

    @Override
    public T get() throws InterruptedException {
        return getNanos(Long.MAX_VALUE);
    }

    @Override
    public T get(Duration timeout) throws InterruptedException {
        return getNanos(timeout.toNanos());
    }

    @Override
    public T poll() {
        try {
            return getNanos(0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private T getNanos(long nanos) throws InterruptedException {
        checkOpen();
        long deadline = Messages.deadline(nanos);
        while (true) {
            long wait = Math.max(0, Math.min(Messages.WAIT_SLICE_NANOS, deadline - System.nanoTime()));
            // Names this wait at the host, so that an interrupted caller can take it back there.
            ByteString key = ByteString.copyFrom(java.nio.ByteBuffer.allocate(16)
                .putLong(java.util.concurrent.ThreadLocalRandom.current().nextLong())
                .putLong(System.nanoTime()).array());
            ObjectReply r;
            try {
                r = Messages.callInterruptibly(backend(), call(Op.QUEUE_GET).setTimeoutNanos(wait).setKey(key));
            } catch (InterruptedException e) {
                if (wait > 0) {
                    cancelGet(key);
                }
                throw e;
            }
            if (r.getFound()) {
                return Messages.decode(backend(), r.getValue(), type, toString(), "the message is removed from the"
                    + " queue");
            }
            checkOpen("get");
            if (deadline - System.nanoTime() <= 0) {
                return null;
            }
        }
    }

    /**
     * Drops this caller's parked get at the host, so that a message put from now on is not handed to a get nobody
     * waits for. A message the host handed to it before the cancel arrived is still lost (see the README).
     */
    private void cancelGet(ByteString key) {
        try {
            backend().call(call(Op.QUEUE_CANCEL).setKey(key));
        } catch (RuntimeException e) {
            // The host cannot be reached: its parked get expires within a second on its own.
        }
    }

    @Override
    public int size() {
        checkOpen();
        return (int) Math.min(Integer.MAX_VALUE, backend().call(call(Op.QUEUE_SIZE)).getCount());
    }

    @Override
    public boolean isEmpty() {
        return size() == 0;
    }

    private ObjectCall.Builder call(Op op) {
        return ObjectCall.newBuilder().setObject(object).setOp(op);
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException(this + " is closed");
        }
    }

    private void checkOpen(String what) {
        if (closed) {
            throw new IllegalStateException(this + " was closed while waiting to " + what);
        }
    }

    /** Stops using this handle; its blocked callers throw {@link IllegalStateException} within about a second. */
    @Override
    public void close() {
        closed = true;
    }

    @Override
    public String toString() {
        return "cluster queue '" + name + "'";
    }

    private Object writeReplace() {
        return new ObjectRef("queue", name, type, maxMessageBytes);
    }

    private void readObject(ObjectInputStream in) throws InvalidObjectException {
        throw new InvalidObjectException("a queue handle is read only through its serialized reference");
    }
}
