package dev.troupe;

/**
 * A change in the cluster's membership, delivered to the listeners of {@link Cluster#onEvent}.
 */
public sealed interface ClusterEvent {

    /**
     * @return the member the event is about, as it is after the event.
     */
    NodeInfo node();

    /**
     * A member became {@link NodeInfo.Status#UP}.
     *
     * @param node the member.
     */
    record NodeUp(NodeInfo node) implements ClusterEvent {
    }

    /**
     * A member became unreachable from some node. It is downed and removed if it stays so (split-brain
     * resolution), or becomes reachable again.
     *
     * @param node the member.
     */
    record NodeUnreachable(NodeInfo node) implements ClusterEvent {
    }

    /**
     * A member that was unreachable is reachable again.
     *
     * @param node the member.
     */
    record NodeReachable(NodeInfo node) implements ClusterEvent {
    }

    /**
     * A member was removed from the cluster.
     *
     * @param node   the member, {@link NodeInfo.Status#REMOVED}.
     * @param reason why.
     */
    record NodeRemoved(NodeInfo node, RemovalReason reason) implements ClusterEvent {
    }

    /**
     * Why a member was removed.
     */
    enum RemovalReason {
        /** It left gracefully ({@link Cluster#leave()}, or its Troupe was closed). */
        LEFT,
        /** It was downed: by the split-brain resolver when unreachable, by an operator, or replaced by a new
         *  incarnation at the same address. */
        DOWNED
    }
}
