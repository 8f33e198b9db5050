package dev.troupe.internal.node;

import org.apache.pekko.actor.typed.ActorRef;

/**
 * INTERNAL API. A future whose {@code cancel} also stops the task: dropped if queued, interrupted if running. Its
 * callbacks run on the node's callback threads ({@link CallbackFuture}).
 */
final class TaskFuture<O> extends CallbackFuture<O> {
    private final ActorRef<PoolActor.Command> pool;
    private final long taskId;

    TaskFuture(ActorRef<PoolActor.Command> pool, long taskId, java.util.concurrent.Executor callbacks) {
        super(callbacks);
        this.pool = pool;
        this.taskId = taskId;
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        boolean cancelled = super.cancel(mayInterruptIfRunning);
        if (cancelled && mayInterruptIfRunning) {
            pool.tell(new PoolActor.Cancel(taskId));
        }
        return cancelled;
    }
}
