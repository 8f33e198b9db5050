package dev.troupe;

/**
 * A node could not join its cluster: no seed node answered within {@code troupe.cluster.join-timeout}, or a seed
 * node refused it (another cluster's secret). The message names the seed nodes.
 */
public class ClusterJoinException extends TroupeException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed, naming the seed nodes.
     */
    public ClusterJoinException(String message) {
        super(message);
    }

    /**
     * @param message what failed, naming the seed nodes.
     * @param cause   the underlying error.
     */
    public ClusterJoinException(String message, Throwable cause) {
        super(message, cause);
    }
}
