package dev.troupe.internal.objects;

import dev.troupe.internal.codec.PayloadCodec;
import dev.troupe.spi.ObjectHandler;
import dev.troupe.wire.ObjectCall;
import dev.troupe.wire.ObjectReply;
import java.util.function.Consumer;

/**
 * INTERNAL API. The node's own way to its {@link ObjectHost}, and the way its workers' calls go in. Calls on objects
 * a node extension serves (cluster-wide queues and topics) go to its {@link ObjectHandler} instead.
 */
public final class LocalObjects extends PendingCalls {
    private final ObjectHost host;
    private final String nodeId;
    private volatile ObjectHandler extension;

    /**
     * @param host   the host.
     * @param codec  the node's codec.
     * @param loader the node's class loader.
     * @param nodeId names the node in messages.
     */
    public LocalObjects(ObjectHost host, PayloadCodec codec, ClassLoader loader, String nodeId) {
        super(codec, loader);
        this.host = host;
        this.nodeId = nodeId;
    }

    /**
     * Routes the calls on the objects {@code handler} serves to it, once the extension that offers it started.
     *
     * @param handler the handler, or {@code null} for none.
     */
    public void extend(ObjectHandler handler) {
        this.extension = handler;
    }

    /**
     * @return the extension's handler, or {@code null} when no extension serves objects on this node.
     */
    public ObjectHandler extension() {
        return extension;
    }

    @Override
    protected void send(ObjectCall call) {
        handle(call, this::complete);
    }

    /**
     * Applies a worker's call on the node's own objects.
     *
     * @param call the call.
     * @return its reply.
     */
    public ObjectReply handle(ObjectCall call) {
        return host.handle(call);
    }

    /**
     * Applies a call, on the node's own objects at once or, for an object an extension serves, when the extension
     * answers (perhaps on another thread).
     *
     * @param call  the call.
     * @param reply gets the reply, exactly once.
     */
    public void handle(ObjectCall call, Consumer<ObjectReply> reply) {
        ObjectHandler h = extension;
        if (h == null || !h.handles(call.getObject())) {
            reply.accept(host.handle(call));
            return;
        }
        h.handle(call).whenComplete((r, e) -> reply.accept(e == null ? r : ObjectReply.newBuilder()
            .setCallId(call.getCallId()).setError("node " + nodeId + " failed to serve it: " + e).build()));
    }

    @Override
    public String where() {
        return "node " + nodeId;
    }
}
