package dev.troupe.internal.objects;

import dev.troupe.NamedTopic;
import dev.troupe.TopicSubscription;
import dev.troupe.wire.ObjectCall;
import dev.troupe.wire.ObjectCall.Op;
import dev.troupe.wire.ObjectReply;
import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.io.Serializable;

/**
 * INTERNAL API. A handle of a cluster-wide topic: a publish is a call to the node (over the worker's link, in a
 * worker), which publishes it to every member; a subscription lives at that node, which keeps its unread messages
 * (bounded, dropping the oldest). Thread-safe.
 *
 * @param <T> the type of the messages.
 */
public final class ObjectTopic<T> implements NamedTopic<T>, Serializable {
    /** The object prefix of cluster-wide topics in {@link ObjectCall}s. */
    public static final String KIND = "ctopic:";
    private static final long serialVersionUID = 1L;

    private final String name;
    private final Class<T> type;
    private final int maxMessageBytes;
    private final transient String object;
    private transient ObjectBackend backend;
    private transient volatile boolean closed;

    ObjectTopic(String name, Class<T> type, int maxMessageBytes, ObjectBackend backend) {
        this.name = name;
        this.type = type;
        this.maxMessageBytes = maxMessageBytes;
        this.object = KIND + name;
        this.backend = backend;
    }

    /**
     * Opens the topic, checking its type against the one it was first opened with in the cluster.
     *
     * @param backend the node's objects.
     * @param name    the name.
     * @param type    the messages' class.
     * @param <T>     the type.
     * @return the handle.
     * @throws dev.troupe.TroupeException when it was opened with another type.
     */
    public static <T> ObjectTopic<T> open(ObjectBackend backend, String name, Class<T> type) {
        Messages.checkName(name, "topic");
        Messages.checkType(type, "topic");
        ObjectReply r = backend.call(ObjectCall.newBuilder().setObject(KIND + name).setOp(Op.TOPIC_OPEN)
            .setType(type.getName()));
        return new ObjectTopic<>(name, type, (int) r.getCount(), backend);
    }

    ObjectBackend backend() {
        ObjectBackend b = backend;
        if (b == null) {
            b = ObjectBackends.worker();
            if (b == null) {
                throw new IllegalStateException(this + " was deserialized outside a Troupe worker: open it with"
                    + " Troupe.topic on the node, and pass it to tasks");
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
    public void publish(T value) {
        checkOpen();
        backend().call(call(Op.TOPIC_PUBLISH).setValue(Messages.encode(backend(), value, type, maxMessageBytes,
            toString())));
    }

    @Override
    public TopicSubscription<T> subscribe() {
        checkOpen();
        ObjectReply r = backend().call(call(Op.TOPIC_SUBSCRIBE).setType(type.getName()));
        return new ObjectSubscription<>(this, r.getVersion());
    }

    ObjectCall.Builder call(Op op) {
        return ObjectCall.newBuilder().setObject(object).setOp(op);
    }

    void checkOpen() {
        if (closed) {
            throw new IllegalStateException(this + " is closed");
        }
    }

    boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        closed = true;
    }

    @Override
    public String toString() {
        return "cluster topic '" + name + "'";
    }

    private Object writeReplace() {
        return new ObjectRef("topic", name, type, maxMessageBytes);
    }

    private void readObject(ObjectInputStream in) throws InvalidObjectException {
        throw new InvalidObjectException("a topic handle is read only through its serialized reference");
    }
}
