package dev.troupe;

/**
 * Where a pool on a clustered node starts its workers ({@link PoolOptions#placement(Placement)}), as Ray's
 * placement strategies do. On a node that is not a cluster member every pool is {@link #LOCAL}.
 */
public enum Placement {
    /**
     * Over every member that matches the pool's labels, in turn, this node first: with 3 members and 6 workers,
     * 2 on each. The default on a clustered node.
     */
    SPREAD,
    /** On this node first, up to {@link PoolOptions#perNode(int)} workers (all of them when 0), then on others. */
    PACK,
    /** On this node only, as on a node without a cluster. */
    LOCAL
}
