package dev.troupe.cluster;

import dev.troupe.Cluster;
import dev.troupe.ClusterDownedException;
import dev.troupe.Troupe;
import java.util.concurrent.CompletionStage;

/**
 * How a program that runs a long-lived cluster node (the {@code troupe node} command, or a service of one's own)
 * learns that the cluster downed its node, and the exit status it then ends with:
 * <pre>{@code
 * Troupe troupe = Troupe.local(config);
 * ClusterExit.whenDowned(troupe).thenAccept(downed -> {
 *     System.err.println(downed.getMessage());
 *     System.exit(ClusterExit.DOWNED);
 * });
 * }</pre>
 */
public final class ClusterExit {

    /**
     * The exit status of a node program whose node the cluster downed: 75, {@code EX_TEMPFAIL} of BSD's
     * {@code sysexits.h} (a temporary failure: try again). The node's Troupe is closed and its processes are stopped;
     * a supervisor (systemd {@code Restart=on-failure}, Kubernetes) that restarts the program makes it join again as
     * a new member. Distinct from 0 (the node left or was stopped on purpose) and from the exit statuses of Troupe's
     * worker processes (70 and 71).
     */
    public static final int DOWNED = 75;

    private ClusterExit() {
    }

    /**
     * Completes once the cluster has downed this node and the node's Troupe is closed (its pools failed the work they
     * held, its processes stopped). It completes normally, with the {@link ClusterDownedException} saying why, which
     * {@link Cluster#awaitMembers} and {@link Cluster#leave()} also throw from then on. It never completes when the
     * node leaves the cluster or its Troupe is closed by the program.
     *
     * @param troupe a node that is a cluster member.
     * @return the completion; its callbacks run on the thread that closed the node.
     * @throws IllegalStateException    when {@code troupe} is not a cluster member.
     * @throws IllegalArgumentException when its cluster is not this module's.
     */
    public static CompletionStage<ClusterDownedException> whenDowned(Troupe troupe) {
        Cluster cluster = troupe.cluster();
        if (!(cluster instanceof PekkoCluster pekko)) {
            throw new IllegalArgumentException("this node's cluster (" + cluster.getClass().getName() + ") is not"
                + " troupe-cluster's");
        }
        return pekko.whenDowned();
    }
}
