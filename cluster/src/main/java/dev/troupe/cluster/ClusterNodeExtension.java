package dev.troupe.cluster;

import com.typesafe.config.Config;
import dev.troupe.spi.NodeExtension;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a Troupe node a member of a Pekko cluster when {@code troupe.cluster.seed-nodes} is set or
 * {@code troupe.cluster.enabled = on}: Artery TCP on {@code troupe.cluster.bind} (mutually authenticated TLS with
 * {@code troupe.cluster.tls}), the seed nodes joined, the split-brain resolver on, nodes of another cluster (another
 * secret) refused at join. The node then offers {@link dev.troupe.Cluster} through {@code Troupe.cluster()}.
 * Registered in {@code META-INF/services/dev.troupe.spi.NodeExtension}; users do not call it.
 */
public final class ClusterNodeExtension implements NodeExtension {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterNodeExtension.class);

    /** Made by {@link java.util.ServiceLoader}. */
    public ClusterNodeExtension() {
    }

    /**
     * @return {@code cluster}.
     */
    @Override
    public String name() {
        return "cluster";
    }

    /**
     * @param config the node's configuration.
     * @return the Pekko settings of a cluster member, or empty when the node is not to be clustered.
     * @throws IllegalArgumentException when a {@code troupe.cluster} setting is invalid, no secret is set, a TLS
     *                                  file is missing, unreadable, not owner-only (the key) or not in a form Pekko
     *                                  reads, or the node would talk off loopback in the clear.
     */
    @Override
    public Optional<Config> configure(Config config) {
        ClusterSettings settings = ClusterSettings.of(config);
        if (!settings.active) {
            return Optional.empty();
        }
        settings.requireSafeBind();
        for (String warning : settings.tls.check()) {
            LOG.warn(warning);
        }
        if (!settings.tls.enabled && !settings.bind.isLoopback()) {
            LOG.warn("cluster traffic on {} is not encrypted ({}.insecure = on): keep it on a trusted network",
                settings.bind, ClusterSettings.PATH);
        }
        if (settings.seeds.size() == 2) {
            PekkoCluster.warnTwoMembers();
        }
        return Optional.of(settings.pekkoSettings(ClusterSecret.secretId(settings), config));
    }

    /**
     * Joins the cluster; returns once this node is a member.
     *
     * @param context the node.
     * @return the membership, which provides {@link dev.troupe.Cluster}.
     * @throws dev.troupe.ClusterJoinException when the node cannot join within {@code troupe.cluster.join-timeout}.
     * @throws InterruptedException            when the starting thread is interrupted.
     */
    @Override
    public Handle start(Context context) throws InterruptedException {
        return PekkoCluster.start(context, ClusterSettings.of(context.config()));
    }
}
