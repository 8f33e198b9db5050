package dev.troupe.internal.objects;

import dev.troupe.internal.codec.PayloadCodec;
import dev.troupe.wire.ObjectCall;
import dev.troupe.wire.ObjectReply;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * INTERNAL API. The node's own way to its {@link ObjectHost}, and the way its workers' calls go in.
 */
public final class LocalObjects extends PendingCalls {
    private final ActorRef<ObjectHost.Call> host;
    private final String nodeId;

    /**
     * @param host   the host actor.
     * @param codec  the node's codec.
     * @param loader the node's class loader.
     * @param nodeId names the node in messages.
     */
    public LocalObjects(ActorRef<ObjectHost.Call> host, PayloadCodec codec, ClassLoader loader, String nodeId) {
        super(codec, loader);
        this.host = host;
        this.nodeId = nodeId;
    }

    @Override
    protected void send(ObjectCall call) {
        host.tell(new ObjectHost.Call(call, this::complete));
    }

    /**
     * Hands a worker's call to the host.
     *
     * @param call  the call.
     * @param reply takes the reply, on the host's thread.
     */
    public void forward(ObjectCall call, Consumer<ObjectReply> reply) {
        host.tell(new ObjectHost.Call(call, reply));
    }

    @Override
    public String where() {
        return "node " + nodeId;
    }
}
