package dev.troupe;

/**
 * The cluster downed this node: its split-brain resolver found the node unreachable or on the losing side of a
 * network partition, or the other members had already removed it (a node paused for too long). A downed node
 * cannot rejoin: its {@link Troupe} is closed and its processes are stopped. Restart the node's program to join
 * again as a new member. The message says why the node was downed.
 */
public class ClusterDownedException extends TroupeException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message why the node was downed, naming it.
     */
    public ClusterDownedException(String message) {
        super(message);
    }

    /**
     * @param message why the node was downed, naming it.
     * @param cause   the first report of the downing, whose stack trace shows where it was noticed.
     */
    public ClusterDownedException(String message, Throwable cause) {
        super(message, cause);
    }
}
