package dev.troupe;

import com.google.protobuf.ByteString;
import dev.troupe.internal.objects.ObjectBackend;
import dev.troupe.internal.objects.ObjectBackends;
import dev.troupe.wire.ObjectCall;
import dev.troupe.wire.ObjectReply;
import java.io.Serializable;

/**
 * What {@link ManagedMap} and {@link ManagedList} share: a name, and the way to their node. A handle serializes as
 * its kind and name only; read in a worker, it reaches the worker's node.
 */
abstract class ManagedObject implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The object's id at the host: its kind and name. */
    final String object;
    private transient ObjectBackend backend;

    ManagedObject(String object, ObjectBackend backend) {
        this.object = object;
        this.backend = backend;
    }

    /**
     * @return the name it was opened with.
     */
    public final String name() {
        return object.substring(object.indexOf(':') + 1);
    }

    /** The node's own handles go to its host; a handle read in a worker goes over the worker's current link. */
    final ObjectBackend backend() {
        ObjectBackend b = backend;
        if (b == null) {
            b = ObjectBackends.worker();
            if (b == null) {
                throw new IllegalStateException(this + " was deserialized outside a Troupe worker: get managed"
                    + " objects from Troupe.manager() on the node, and pass them to tasks");
            }
        }
        return b;
    }

    final ObjectReply call(ObjectCall.Op op) {
        return backend().call(ObjectCall.newBuilder().setObject(object).setOp(op));
    }

    final ObjectCall.Builder op(ObjectCall.Op op) {
        return ObjectCall.newBuilder().setObject(object).setOp(op);
    }

    final ObjectReply call(ObjectCall.Builder call) {
        return backend().call(call);
    }

    final ByteString encode(Object value, String what) {
        if (value == null) {
            throw new NullPointerException(what + " of " + this + " must not be null");
        }
        return backend().codec().encode(value).toByteString();
    }

    @SuppressWarnings("unchecked")
    final <T> T decode(ByteString bytes) {
        return (T) backend().codec().decode(parse(bytes), backend().loader());
    }

    private static dev.troupe.wire.Payload parse(ByteString bytes) {
        try {
            return dev.troupe.wire.Payload.parseFrom(bytes);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new CodecException("a managed object held " + bytes.size() + " bytes that are not a value: "
                + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return object.startsWith("ns:") ? "namespace '" + name() + "'" : object.replaceFirst(":", " '") + "'";
    }
}
