package dev.troupe.internal.node;

import java.util.List;

/**
 * INTERNAL API. Where the outcome of one {@link InFlightTask} goes. Implementations are thread-safe: the
 * outcome may be delivered from a link thread or an actor, and only the first delivery counts.
 */
interface TaskSink {

    /**
     * @param outputs the decoded outputs, one per input, in order.
     */
    void succeed(List<Object> outputs);

    /**
     * @param error why the task failed.
     */
    void fail(Throwable error);

    /**
     * @return {@code true} once an outcome was delivered or the caller gave up (cancelled).
     */
    boolean isDone();
}
