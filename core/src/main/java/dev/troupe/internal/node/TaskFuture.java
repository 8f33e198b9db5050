package dev.troupe.internal.node;

import dev.troupe.internal.BriefPoll;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * INTERNAL API. A future whose {@code cancel} also stops the task: dropped if queued, interrupted if running. Its
 * callbacks run on the node's callback threads ({@link CallbackFuture}).
 *
 * <p>A task written to an idle worker ({@link FastLane}) is usually answered within tens of microseconds, about the
 * cost of parking the waiting thread and waking it again on a busy machine. So {@code get} and {@code join} on such a
 * task first poll for up to {@link #WAIT_POLL_NANOS}, yielding the CPU between polls (a plain spin would keep the
 * worker and the link's reader off a shared CPU), and park only after. Only while the pool's recent lane round trips
 * fit in that time ({@link FastLane#pollPaysOff}): where they do not (TCP links whose event loops block), polling
 * would only take CPU from the threads that carry the answer.
 */
final class TaskFuture<O> extends CallbackFuture<O> {
    /** How long a waiter polls a task on the lane before it parks. */
    static final long WAIT_POLL_NANOS = BriefPoll.POLL_NANOS;

    private final ActorRef<PoolActor.Command> pool;
    private final long taskId;
    /** The lane it went on (to an idle worker, from the caller's thread), or {@code null}. */
    private volatile FastLane lane;
    /** When it went on the lane. */
    private volatile long laneStartNanos;

    TaskFuture(ActorRef<PoolActor.Command> pool, long taskId, java.util.concurrent.Executor callbacks) {
        super(callbacks);
        this.pool = pool;
        this.taskId = taskId;
    }

    /** The task was written to an idle worker at {@code startNanos}: waiters may poll briefly before they park. */
    void wentOnLane(FastLane on, long startNanos) {
        laneStartNanos = startNanos;
        lane = on;
    }

    private void pollBriefly() {
        FastLane l = lane;
        if (l == null) {
            return;
        }
        if (!isDone()) {
            if (!l.pollPaysOff()) {
                l.roundTrip(Long.MAX_VALUE); // not polled: counts as late, so that a probe comes round
                return;
            }
            BriefPoll.await(this, WAIT_POLL_NANOS);
        }
        l.roundTrip(isDone() ? System.nanoTime() - laneStartNanos : Long.MAX_VALUE);
    }

    @Override
    public O get() throws InterruptedException, ExecutionException {
        pollBriefly();
        return super.get();
    }

    @Override
    public O get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
        pollBriefly();
        return super.get(timeout, unit);
    }

    @Override
    public O join() {
        pollBriefly();
        return super.join();
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
