package dev.troupe.internal.objects;

import dev.troupe.internal.codec.PayloadCodec;
import dev.troupe.spi.ObjectHandler;
import dev.troupe.wire.ObjectCall;
import dev.troupe.wire.ObjectReply;
import dev.troupe.wire.ObjectCall.Op;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * INTERNAL API. The node's own way to its {@link ObjectHost}, and the way its workers' calls go in. Calls on objects
 * a node extension serves (cluster-wide queues and topics) go to its {@link ObjectHandler} instead.
 */
public final class LocalObjects extends PendingCalls {
    private final ObjectHost host;
    private final String nodeId;
    private volatile ObjectHandler extension;
    /** The extension's topic subscriptions by id, with who made them. */
    private final Map<Long, Owned> subscriptions = new ConcurrentHashMap<>();
    /** Callers whose link closed, so that a subscription made while it closed ends too. */
    private final Map<Object, Boolean> closedCallers = java.util.Collections.synchronizedMap(new WeakHashMap<>());

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
        handle(this, call, reply);
    }

    /**
     * Applies a call of one caller (a worker's connection, or this node's own handles). The subscriptions to an
     * extension's topics belong to the caller that made them: another caller's receive or unsubscribe on one is
     * refused, and {@link #callerClosed} ends them.
     *
     * @param caller who calls; compared by identity.
     * @param call   the call.
     * @param reply  gets the reply, exactly once.
     */
    public void handle(Object caller, ObjectCall call, Consumer<ObjectReply> reply) {
        ObjectHandler h = extension;
        if (h == null || !h.handles(call.getObject())) {
            reply.accept(host.handle(call));
            return;
        }
        Op op = call.getOp();
        if (op == Op.QUEUE_RETURN && caller != this) {
            reply.accept(ObjectReply.newBuilder().setCallId(call.getCallId()).setError("QUEUE_RETURN is the node's"
                + " own operation; node " + nodeId + " refuses it from a worker").build());
            return;
        }
        if (op == Op.TOPIC_RECEIVE || op == Op.TOPIC_UNSUBSCRIBE) {
            Owned o = subscriptions.get(call.getIndex());
            if (o == null || o.caller != caller || !o.object.equals(call.getObject())) {
                reply.accept(ObjectReply.newBuilder().setCallId(call.getCallId()).setError("no subscription "
                    + call.getIndex() + " to " + call.getObject() + " of this caller on node " + nodeId
                    + ": it was closed, made by another process, or made on another topic").build());
                return;
            }
            if (op == Op.TOPIC_UNSUBSCRIBE) {
                subscriptions.remove(call.getIndex(), o);
            }
        }
        h.handle(call).whenComplete((r, e) -> {
            ObjectReply out = e == null ? r : ObjectReply.newBuilder().setCallId(call.getCallId())
                .setError("node " + nodeId + " failed to serve it: " + e).build();
            if (op == Op.TOPIC_SUBSCRIBE && out.getError().isEmpty()) {
                subscriptions.put(out.getVersion(), new Owned(caller, call.getObject()));
                if (closedCallers.containsKey(caller)) {
                    callerClosed(caller);
                }
            }
            reply.accept(out);
        });
    }

    /**
     * Ends what a caller owns at the extension (its topic subscriptions), once its link closed.
     *
     * @param caller the caller given to {@link #handle(Object, ObjectCall, Consumer)}.
     */
    public void callerClosed(Object caller) {
        closedCallers.put(caller, Boolean.TRUE);
        ObjectHandler h = extension;
        for (Map.Entry<Long, Owned> e : subscriptions.entrySet()) {
            Owned o = e.getValue();
            if (o.caller == caller && subscriptions.remove(e.getKey(), o) && h != null) {
                h.handle(ObjectCall.newBuilder().setObject(o.object).setOp(Op.TOPIC_UNSUBSCRIBE)
                    .setIndex(e.getKey()).build());
            }
        }
    }

    /** A subscription's caller and topic. */
    private record Owned(Object caller, String object) {
    }

    @Override
    public String where() {
        return "node " + nodeId;
    }
}
