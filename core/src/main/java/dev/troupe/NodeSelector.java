package dev.troupe;

import java.util.Objects;
import java.util.Set;

/**
 * Which cluster member a process runs on ({@link SpawnOptions#on(NodeSelector)}): one member by id, or any member
 * with some labels. Immutable.
 */
public final class NodeSelector {
    private final String nodeId;
    private final Set<String> labels;

    private NodeSelector(String nodeId, Set<String> labels) {
        this.nodeId = nodeId;
        this.labels = Set.copyOf(labels);
    }

    /**
     * @param nodeId a member's id ({@link NodeInfo#id()}).
     * @return that member.
     */
    public static NodeSelector id(String nodeId) {
        return new NodeSelector(Objects.requireNonNull(nodeId, "nodeId"), Set.of());
    }

    /**
     * @param labels labels ({@code troupe.cluster.labels}) the member must have, every one.
     * @return the members that have them; of those, the one with the fewest of this node's processes, this node
     *     first.
     */
    public static NodeSelector labels(String... labels) {
        return new NodeSelector(null, Set.of(labels));
    }

    /**
     * @return a member's id when the selector names one, else {@code null}.
     */
    public String nodeId() {
        return nodeId;
    }

    /**
     * @return the labels a member must have; empty for any.
     */
    public Set<String> labels() {
        return labels;
    }

    @Override
    public String toString() {
        return nodeId != null ? "node " + nodeId : labels.isEmpty() ? "any node" : "a node labelled " + labels;
    }
}
