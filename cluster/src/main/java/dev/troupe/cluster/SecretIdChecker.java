package dev.troupe.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.util.List;
import org.apache.pekko.cluster.ConfigValidation;
import org.apache.pekko.cluster.Invalid;
import org.apache.pekko.cluster.JoinConfigCompatChecker;
import org.apache.pekko.cluster.Valid;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Refuses a node of another cluster at join: a joining node's {@code troupe.cluster.secret-id} (the digest of its
 * cluster secret) must equal the cluster's. Pekko runs it on both sides of a join (configured under
 * {@code pekko.cluster.configuration-compatibility-check.checkers}); a refused node stops and its start fails.
 *
 * <p>This guards against misconfiguration (two clusters sharing seed addresses), not against an attacker: the
 * digest travels in the clear and proves nothing. Stateless and thread-safe.
 */
public final class SecretIdChecker extends JoinConfigCompatChecker {

    /** Made by Pekko through reflection. */
    public SecretIdChecker() {
    }

    /**
     * @return the settings a joining node sends for this check: {@code troupe.cluster.secret-id}.
     */
    @Override
    public Seq<String> requiredKeys() {
        return CollectionConverters.asScala(List.of(ClusterSettings.SECRET_ID_PATH)).toList();
    }

    /**
     * @param toCheck      the other side's settings ({@link #requiredKeys()} only).
     * @param actualConfig this node's settings.
     * @return valid when both carry the same secret id.
     */
    @Override
    public ConfigValidation check(Config toCheck, Config actualConfig) {
        String theirs = secretId(toCheck);
        String ours = secretId(actualConfig);
        if (theirs == null) {
            return invalid(ClusterSettings.SECRET_ID_PATH + " is missing on the other node: it is not a Troupe"
                + " cluster node");
        }
        if (ours == null || !ours.equals(theirs)) {
            return invalid(ClusterSettings.SECRET_ID_PATH + " differs: the nodes have different cluster secrets"
                + " (troupe.cluster.secret-file / secret-env), so they belong to different clusters");
        }
        return Valid.getInstance();
    }

    private static String secretId(Config c) {
        try {
            return c.hasPath(ClusterSettings.SECRET_ID_PATH) ? c.getString(ClusterSettings.SECRET_ID_PATH) : null;
        } catch (ConfigException e) {
            return null;
        }
    }

    private static Invalid invalid(String message) {
        return new Invalid(CollectionConverters.asScala(List.of(message)).toList());
    }
}
