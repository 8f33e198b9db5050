package dev.troupe.spi;

import dev.troupe.wire.ObjectCall;
import dev.troupe.wire.ObjectReply;
import java.util.concurrent.CompletionStage;

/**
 * Serves the calls on objects a node extension hosts beside the node's own managed maps and lists: the cluster-wide
 * queues ({@code "cqueue:"} objects) and topics ({@code "ctopic:"}) of {@code troupe-cluster}. A started extension
 * offers it through {@link NodeExtension.Handle#service}; the node then routes the calls of its own handles and of its
 * workers whose object it {@link #handles} here instead of to its own host.
 *
 * <p>Thread-safe: called from the node's link threads and from user threads at once. It must not block; a call that
 * waits (a get on an empty queue) completes its stage later.
 */
public interface ObjectHandler {

    /**
     * @param object the object of a call, such as {@code "cqueue:jobs"}.
     * @return whether this handler serves it.
     */
    boolean handles(String object);

    /**
     * Serves a call.
     *
     * @param call the call.
     * @return completes with the reply: the outcome, or an error reason (then nothing changed). It must complete,
     *     within the call's {@code timeout_nanos} and a margin at most, also when the host cannot be reached.
     */
    CompletionStage<ObjectReply> handle(ObjectCall call);
}
