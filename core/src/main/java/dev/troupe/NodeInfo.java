package dev.troupe;

import java.util.Objects;
import java.util.Set;

/**
 * A member of the cluster, as one node sees it at one moment. Immutable.
 *
 * @param id      the member's id, unique across restarts: its address and the incarnation number Pekko gives each
 *                start of a node, {@code host:port#incarnation}.
 * @param address where the member listens for other members, {@code host:port}.
 * @param status  where the member is in its membership, or {@link Status#UNREACHABLE} while it is unreachable.
 * @param labels  the member's labels ({@code troupe.cluster.labels}, Pekko's roles).
 * @param workers how many worker processes the member lends to pools of other members at once
 *                ({@code troupe.cluster.workers}).
 */
public record NodeInfo(String id, String address, Status status, Set<String> labels, int workers) {

    /**
     * @param id      the member's id.
     * @param address its address, {@code host:port}.
     * @param status  its status.
     * @param labels  its labels; copied.
     * @param workers how many workers it lends.
     * @throws NullPointerException when an argument is {@code null}.
     */
    public NodeInfo {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(status, "status");
        labels = Set.copyOf(labels);
    }

    /**
     * Where a member is in its membership: Pekko Cluster's member status, with reachability folded in.
     */
    public enum Status {
        /** Asked to join; not yet admitted by the cluster's leader. */
        JOINING,
        /** Admitted while some members were unreachable; becomes {@link #UP} once they are reachable or removed. */
        WEAKLY_UP,
        /** A full member. */
        UP,
        /** Leaving gracefully (also Pekko's preparing-for-shutdown states). */
        LEAVING,
        /** Done leaving; about to be removed. */
        EXITING,
        /** Downed (by the split-brain resolver or an operator); about to be removed. */
        DOWN,
        /** Removed: no longer a member. */
        REMOVED,
        /** A member some node's failure detector cannot reach; its membership status is not shown meanwhile. */
        UNREACHABLE
    }
}
