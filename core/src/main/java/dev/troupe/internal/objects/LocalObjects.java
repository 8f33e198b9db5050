package dev.troupe.internal.objects;

import dev.troupe.internal.codec.PayloadCodec;
import dev.troupe.wire.ObjectCall;
import dev.troupe.wire.ObjectReply;

/**
 * INTERNAL API. The node's own way to its {@link ObjectHost}, and the way its workers' calls go in.
 */
public final class LocalObjects extends PendingCalls {
    private final ObjectHost host;
    private final String nodeId;

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

    @Override
    protected void send(ObjectCall call) {
        complete(host.handle(call));
    }

    /**
     * Applies a worker's call.
     *
     * @param call the call.
     * @return its reply.
     */
    public ObjectReply handle(ObjectCall call) {
        return host.handle(call);
    }

    @Override
    public String where() {
        return "node " + nodeId;
    }
}
