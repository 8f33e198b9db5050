package dev.troupe.internal.objects;

import dev.troupe.internal.codec.PayloadCodec;
import dev.troupe.wire.ObjectCall;
import dev.troupe.wire.ObjectReply;

/**
 * INTERNAL API. Where a {@link dev.troupe.Manager}'s handles send their calls: the node's host directly, or, in a
 * worker, over the worker's link to its node. Thread-safe.
 */
public interface ObjectBackend {
    /**
     * Makes one call and waits for its reply.
     *
     * @param call the call; its id is set here.
     * @return the reply, never one with an error (that is thrown).
     * @throws dev.troupe.TroupeException when the host refused the call, did not answer in time, or cannot be
     *                                    reached.
     */
    ObjectReply call(ObjectCall.Builder call);

    /**
     * @return the codec of this process's values.
     */
    PayloadCodec codec();

    /**
     * @return the class loader values decode with.
     */
    ClassLoader loader();

    /**
     * @return what the objects are hosted by, for messages.
     */
    String where();
}
