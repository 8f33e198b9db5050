package dev.troupe;

import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * The cluster a node belongs to, from {@link Troupe#cluster()}: its members as this node sees them, membership
 * events, and a graceful leave. Provided by the module {@code dev.troupe:troupe-cluster}; this type lets code
 * compile against {@code troupe-core} alone.
 *
 * <p>Membership is Pekko Cluster's: each node learns of the others by gossip, so two nodes may briefly disagree.
 * Thread-safe.
 *
 * <p>When the cluster downs this node (its split-brain resolver, or the other members after a long pause), the node
 * logs why at WARN, reports {@link ClusterEvent.NodeRemoved} of itself with reason
 * {@link ClusterEvent.RemovalReason#DOWNED}, and closes its {@link Troupe}, stopping its processes; from then on
 * {@link #awaitMembers} and {@link #leave()} throw {@link ClusterDownedException}.
 */
public interface Cluster {

    /**
     * This node as the cluster sees it.
     *
     * @return this node's entry.
     */
    NodeInfo self();

    /**
     * The members this node knows of, this node included, ordered by address. A member that has been removed is no
     * longer listed.
     *
     * @return a snapshot.
     */
    List<NodeInfo> nodes();

    /**
     * Calls {@code listener} with each membership event from now on: {@link ClusterEvent.NodeUp},
     * {@link ClusterEvent.NodeUnreachable}, {@link ClusterEvent.NodeReachable}, {@link ClusterEvent.NodeRemoved}.
     * Earlier events are not replayed: read {@link #nodes()} for the present state. Listeners are called one at a
     * time, in the order the events happen, on a Troupe thread; they must return quickly. An exception a listener
     * throws is logged and does not stop the delivery.
     *
     * @param listener the listener.
     * @return a registration; close it to stop the calls.
     */
    Registration onEvent(Consumer<ClusterEvent> listener);

    /**
     * Waits until at least {@code count} members are {@link NodeInfo.Status#UP} and reachable, as this node sees
     * them.
     *
     * @param count   the number of members to wait for, this node included.
     * @param timeout how long to wait at most.
     * @return {@code true} when they are, {@code false} when the time-out passed first or the node left the cluster.
     * @throws ClusterDownedException when the cluster downed this node (before or while waiting); its Troupe is
     *                                closed.
     * @throws InterruptedException   when the calling thread is interrupted while waiting.
     */
    boolean awaitMembers(int count, Duration timeout) throws InterruptedException;

    /**
     * Leaves the cluster gracefully (Pekko's Leaving, Exiting, Removed; the other members see
     * {@link ClusterEvent.RemovalReason#LEFT}) and then closes this node's {@link Troupe}: a node that is no longer
     * a member cannot run its actors. Waits at most {@code troupe.cluster.leave-timeout}.
     *
     * @return {@code true} once this node is removed and its Troupe closed, {@code false} when the time-out passed
     *     first (the node keeps leaving in the background).
     * @throws ClusterDownedException when the cluster downed this node before it could leave; its Troupe is closed.
     * @throws InterruptedException   when the calling thread is interrupted while waiting.
     */
    boolean leave() throws InterruptedException;

    /**
     * A listener's registration from {@link #onEvent}.
     */
    interface Registration extends AutoCloseable {

        /**
         * Stops the calls to the listener. Idempotent.
         */
        @Override
        void close();
    }
}
