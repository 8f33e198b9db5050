package dev.troupe;

/**
 * A task ran on a worker of another cluster node that was lost (downed, left, or unreachable over the task's
 * link), and it was run again elsewhere as often as {@link PoolOptions#maxNodeFailovers(int)} allows. Such
 * re-runs do not use up the task's own retries ({@link PoolOptions#maxRetries(int)}): the node failed, not the
 * task.
 */
public class NodeLostException extends TroupeException {
    private static final long serialVersionUID = 1L;

    /** The lost node's id. */
    private final String node;

    /**
     * @param message what was lost, where and why.
     * @param node    the lost node's id ({@link NodeInfo#id()}).
     */
    public NodeLostException(String message, String node) {
        super(message);
        this.node = node;
    }

    /**
     * @return the id of the node that was lost last.
     */
    public String node() {
        return node;
    }
}
