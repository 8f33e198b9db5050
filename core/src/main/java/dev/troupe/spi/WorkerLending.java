package dev.troupe.spi;

import dev.troupe.Placement;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * How a node's pools get workers on other nodes: a service a node extension (the cluster module) provides through
 * {@link NodeExtension.Handle#service}. The node asks it where to start each pool's workers and, for a worker on
 * another node, asks that node to start it. The lent worker dials this node's remote-worker address over TCP
 * ({@code troupe.tcp.listen}), proves itself with its launch token, and from then on is one of the pool's workers
 * like a local one. Thread-safe; calls must not block.
 */
public interface WorkerLending {

    /**
     * @return this node's id, as {@link #place} names it.
     */
    String selfId();

    /**
     * Chooses the nodes of new workers of a pool.
     *
     * @param request the pool's wishes.
     * @param count   how many workers to place.
     * @param current how many workers the pool has on each node now, by node id (this node under {@link #selfId()}).
     * @return one node id per worker, {@code count} of them; {@link #selfId()} for a worker this node starts.
     */
    List<String> place(PlacementRequest request, int count, Map<String, Integer> current);

    /**
     * Asks a node to start a worker that dials this node. What follows is told to {@code listener}, from any thread:
     * {@link LendListener#started} or {@link LendListener#failed}, later {@link LendListener#exited} or
     * {@link LendListener#lost}.
     *
     * @param node     the node's id, one {@link #place} returned.
     * @param request  the worker to start.
     * @param listener told what becomes of it.
     */
    void lend(String node, LendRequest request, LendListener listener);

    /**
     * Asks the node that started a lent worker to kill it (SIGKILL). Does nothing when the node or the worker is
     * gone.
     *
     * @param node     the node's id.
     * @param workerId the worker's id.
     */
    void kill(String node, String workerId);

    /**
     * This node is done with a lent worker (it exited or was lost): what is kept about it can go, and its listener
     * hears nothing more.
     *
     * @param workerId the worker's id.
     */
    void forget(String workerId);

    /**
     * A pool's placement wishes.
     *
     * @param pool      the pool's name, for logs.
     * @param placement the strategy; never {@link Placement#LOCAL} (such pools do not ask).
     * @param labels    the labels a node must have; empty for any.
     * @param perNode   the most workers on one node; 0 for no limit.
     * @param avoid     nodes not to use now (the pool just lost workers there, before the cluster may know why).
     */
    record PlacementRequest(String pool, Placement placement, Set<String> labels, int perNode, Set<String> avoid) {
        /**
         * @param pool      the pool's name.
         * @param placement the strategy.
         * @param labels    the labels; copied.
         * @param perNode   the most workers on one node.
         * @param avoid     the nodes to avoid; copied.
         */
        public PlacementRequest {
            Objects.requireNonNull(pool, "pool");
            Objects.requireNonNull(placement, "placement");
            labels = Set.copyOf(labels);
            avoid = Set.copyOf(avoid);
        }
    }

    /**
     * A worker to start on another node.
     *
     * @param pool       the pool's name, for logs.
     * @param workerId   the worker's id on this node.
     * @param token      the launch token the worker proves itself with; 32 random bytes.
     * @param connect    this node's remote-worker address, {@code tcp://host:port}.
     * @param jvmOptions the pool's JVM options.
     */
    record LendRequest(String pool, String workerId, byte[] token, String connect, List<String> jvmOptions) {
        /**
         * @param pool       the pool's name.
         * @param workerId   the worker's id.
         * @param token      the token; copied.
         * @param connect    the address to dial.
         * @param jvmOptions the options; copied.
         */
        public LendRequest {
            Objects.requireNonNull(pool, "pool");
            Objects.requireNonNull(workerId, "workerId");
            Objects.requireNonNull(connect, "connect");
            token = token.clone();
            jvmOptions = List.copyOf(jvmOptions);
        }

        /**
         * @return a copy of the launch token.
         */
        @Override
        public byte[] token() {
            return token.clone();
        }
    }

    /**
     * What becomes of a lent worker. Called from any thread, at most once each, in this order: {@code started} or
     * {@code failed}; then {@code retire} perhaps; then {@code exited} or {@code lost}. {@code suspended} may come
     * any number of times, alternating {@code true} and {@code false}, before {@code exited} or {@code lost}.
     */
    interface LendListener {
        /**
         * The node started the worker's process.
         *
         * @param pid  its process id on that node.
         * @param host that node's host name.
         */
        void started(long pid, String host);

        /**
         * The node is leaving the cluster: give the worker no more tasks, let it finish those it has, then stop it.
         *
         * @param reason why, for the pool's log.
         */
        void retire(String reason);

        /**
         * The node could not or would not start the worker (no free capacity, a launch error).
         *
         * @param reason why, for the pool's log.
         */
        void failed(String reason);

        /**
         * The node saw the worker's process exit.
         *
         * @param exitCode its exit code; negative for a signal, as {@link dev.troupe.ManagedProcess#exitCode()}.
         */
        void exited(int exitCode);

        /**
         * The node is gone from the cluster (downed, left, restarted); whatever ran there is lost.
         *
         * @param reason why, naming the node.
         */
        void lost(String reason);

        /**
         * The worker's node became unreachable ({@code true}) while still a member, or reachable again
         * ({@code false}). While it is unreachable the pool gives the worker no new tasks; those it has stay with it
         * (they run again elsewhere only if the node is then lost). Does nothing by default.
         *
         * @param suspended whether the node is unreachable now.
         */
        default void suspended(boolean suspended) {
        }
    }
}
