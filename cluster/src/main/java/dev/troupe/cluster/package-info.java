/**
 * The cluster module: Troupe nodes on several machines forming one Pekko cluster (Cluster Typed on Artery TCP).
 * On the class path, with {@code troupe.cluster.seed-nodes} set, it makes every node a cluster member and provides
 * {@link dev.troupe.Cluster} through {@code Troupe.cluster()}; see this module's {@code reference.conf}.
 *
 * <p>What this module does so far: forms the cluster from configured seed nodes, shows membership and its events,
 * leaves gracefully, refuses nodes of another cluster at join ({@link dev.troupe.cluster.SecretIdChecker}), runs
 * Pekko's split-brain resolver (keep-majority), and with {@code troupe.cluster.tls} on, encrypts the traffic between
 * nodes with mutually authenticated TLS (Artery {@code tls-tcp}). A pool on a member spreads its workers over the
 * members ({@link dev.troupe.cluster.ClusterLending}, {@link dev.troupe.cluster.NodeAgent}). A node downed by the
 * cluster logs why and closes its Troupe; a long-lived node program learns of it from
 * {@link dev.troupe.cluster.ClusterExit#whenDowned} and exits with {@link dev.troupe.cluster.ClusterExit#DOWNED}.
 * {@code Troupe.queue} and {@code Troupe.topic} on a member give one queue or topic for the whole cluster
 * ({@link dev.troupe.cluster.ClusterMessaging}: queues hosted by the oldest member, topics over Pekko's typed
 * {@code Topic}).
 *
 * <p>Command lines (picocli, an optional dependency): {@link dev.troupe.cluster.NodeCommand} ({@code troupe node})
 * runs a node until SIGTERM and then leaves; {@link dev.troupe.cluster.StatusCommand} ({@code troupe status})
 * prints the members, their processes and their pools.
 *
 * <p>Serialization: membership comes from Pekko Cluster's own gossip and events, which Pekko serializes with its
 * own protobuf serializers; the node agents' and messaging actors' messages (lending workers, describing a node,
 * queue calls, topic messages) are the protobuf messages of {@code troupe_cluster.proto}, through
 * {@link dev.troupe.cluster.ClusterSerializer}. Java serialization stays off between nodes (Pekko's
 * {@code pekko.actor.allow-java-serialization = off}).
 */
package dev.troupe.cluster;
