package dev.troupe.internal.node;

import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * INTERNAL API. A pool's way around its actor for the common case: a task submitted while one of the pool's workers
 * is idle and nothing waits in the pool's queue is written to that worker's link on the caller's thread, and its
 * result does not visit the actor either. Everything else stays the {@link PoolActor}'s: queueing when no worker is
 * idle, retries, a worker's death, cancellation, closing. On two cores each actor hop is a thread wake-up, about as
 * long as the rest of a small task's round trip.
 *
 * <p>How the two agree, with no lock between them:
 * <ul>
 *   <li>A caller claims a worker by moving its load from 0 to 1 ({@link WorkerConnection#tryClaimIdle}); the actor
 *       adds to a worker's load without a claim, up to its window. Either way the load counts tasks in flight.</li>
 *   <li>{@link #backlog} counts the tasks handed to the actor and not yet written to a worker (in the lane's inbox
 *       or the actor's queue). The caller takes the lane only while it is 0, so a task never overtakes one
 *       submitted before it.</li>
 *   <li>A worker's link thread, once a task leaves it, lowers the load and then reads {@link #backlog} and the
 *       worker's lane flag; the actor raises the backlog (or lowers the flag) and then reads the load. Each side
 *       writes before it reads, so at least one of them sees the other: either the link thread tells the actor that
 *       the worker has room, or the actor sees the room itself.</li>
 *   <li>The actor opens a worker's lane once it is ready and closes it before it retires, stops or closes the pool;
 *       a caller that claimed a worker whose lane closed meanwhile gives the claim back and takes the actor's way.</li>
 * </ul>
 *
 * <p>Thread-safe. Pools with a task time-out or {@code maxTasksPerChild} never open the lane: their actor keeps
 * a clock or a count on every task.
 */
final class FastLane {
    /** Set once, by the pool's constructor, before any caller can reach this lane. */
    private ActorRef<PoolActor.Command> actor;
    /** Tasks handed to the actor and not yet written to a worker; written by callers (up) and the actor. */
    final AtomicInteger backlog = new AtomicInteger();
    /** The workers a caller may claim, the least recently published first; written by the actor only. */
    private volatile WorkerConnection[] workers = new WorkerConnection[0];

    /**
     * Lane tasks in a row whose answer came later than a waiter's poll lasts; written without a lock by waiting
     * callers (a lost update only delays the switch).
     */
    private volatile int missedPolls;

    /**
     * Whether a waiter on a lane task should poll before it parks: answers have been coming within the poll. After
     * 8 late ones in a row, one wait in 64 still polls, to notice when the link is fast again.
     */
    boolean pollPaysOff() {
        int missed = missedPolls;
        return missed < 8 || (missed & 63) == 0;
    }

    /** A waiter saw its lane task answered {@code nanos} after it was submitted. */
    void roundTrip(long nanos) {
        missedPolls = nanos <= TaskFuture.WAIT_POLL_NANOS ? 0 : missedPolls + 1;
    }

    /** The actor that owns the pool; before any task is enqueued. */
    void bind(ActorRef<PoolActor.Command> poolActor) {
        this.actor = poolActor;
    }

    /** Tasks handed to the actor that it has not taken yet, in the order they were handed over. */
    private final ConcurrentLinkedQueue<InFlightTask> inbox = new ConcurrentLinkedQueue<>();
    /**
     * Whether a {@link PoolActor.Drain} is on its way to the actor, which then takes everything in the inbox and
     * dispatches.
     */
    private final AtomicBoolean drainAsked = new AtomicBoolean();

    /**
     * Hands tasks to the pool's actor, counted in the backlog first. A burst of submits costs one actor message: the
     * first rings, the others join the inbox the actor drains in one go and writes to each worker together.
     */
    void enqueue(List<InFlightTask> tasks) {
        backlog.addAndGet(tasks.size());
        inbox.addAll(tasks);
        if (drainAsked.compareAndSet(false, true)) {
            actor.tell(PoolActor.Drain.INSTANCE);
        }
    }

    /**
     * Asks the actor to give its queued tasks to workers that have room again: a worker's link thread calls it after a
     * task left that worker while the backlog was not empty. One message however many workers freed a slot meanwhile.
     */
    void askDispatch() {
        if (drainAsked.compareAndSet(false, true)) {
            actor.tell(PoolActor.Drain.INSTANCE);
        }
    }

    /**
     * Takes what was handed over; called by the actor on {@link PoolActor.Drain}, before it dispatches. The flag
     * goes down before the inbox is read, so a task added after the read rings again.
     */
    void drainTo(java.util.Collection<InFlightTask> to) {
        drainAsked.set(false);
        InFlightTask t;
        while ((t = inbox.poll()) != null) {
            to.add(t);
        }
    }

    /**
     * Writes {@code task} to an idle worker on this thread, when one is idle and nothing is queued.
     *
     * @return {@code false} when it was not written: the caller enqueues it.
     */
    boolean trySubmit(InFlightTask task) {
        if (backlog.get() != 0) {
            return false;
        }
        for (WorkerConnection c : workers) {
            if (c.tryClaimIdle()) {
                return c.submitClaimed(task);
            }
        }
        return false;
    }

    /** Sets the workers callers may claim; called by the actor whenever its set of open workers changes. */
    void publish(List<WorkerConnection> open) {
        workers = open.toArray(new WorkerConnection[0]);
    }
}
