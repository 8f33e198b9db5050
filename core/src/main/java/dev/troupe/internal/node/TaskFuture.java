package dev.troupe.internal.node;

import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.ActorRef;

/** INTERNAL API. A future whose {@code cancel} also stops the task: dropped if queued, interrupted if running. */
final class TaskFuture<O> extends CompletableFuture<O> {
    private final ActorRef<PoolActor.Command> pool;
    private final long taskId;

    TaskFuture(ActorRef<PoolActor.Command> pool, long taskId) {
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

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
        return new CompletableFuture<>();
    }
}
