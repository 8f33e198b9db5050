package dev.troupe.internal.objects;

import dev.troupe.internal.codec.PayloadCodec;
import dev.troupe.spi.Link;
import dev.troupe.wire.Envelope;
import dev.troupe.wire.ObjectCall;

/**
 * INTERNAL API. A worker's way to its node's managed objects: calls go over the worker's link, and the worker
 * runtime hands the replies to {@link #complete}.
 */
public final class LinkObjects extends PendingCalls {
    private final Link link;

    /**
     * @param link   the worker's link to its node.
     * @param codec  the worker's codec.
     * @param loader the worker's class loader.
     */
    public LinkObjects(Link link, PayloadCodec codec, ClassLoader loader) {
        super(codec, loader);
        this.link = link;
    }

    @Override
    protected void send(ObjectCall call) {
        link.send(Envelope.newBuilder().setObjectCall(call).build());
    }

    @Override
    public String where() {
        return "the node at " + link.description();
    }
}
