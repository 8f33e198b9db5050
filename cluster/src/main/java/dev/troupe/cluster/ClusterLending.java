package dev.troupe.cluster;

import dev.troupe.ClusterEvent;
import dev.troupe.NodeInfo;
import dev.troupe.Placement;
import dev.troupe.spi.WorkerLending;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's side of {@link WorkerLending}: places a pool's workers over the members, asks their
 * {@link NodeAgent}s to start them, and tells each lent worker's pool what became of it, including the loss of
 * its node. Thread-safe.
 */
final class ClusterLending implements WorkerLending {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterLending.class);

    /** A worker asked of a node, until it exits or its node goes. */
    private record Lease(String node, LendListener listener) {
    }

    private final org.apache.pekko.cluster.Cluster cluster;
    /** The agents the Receptionist lists, by their node's {@code host:port}. */
    private final Map<String, ActorRef<NodeAgent.Command>> agents = new ConcurrentHashMap<>();
    private final Map<String, Lease> leases = new ConcurrentHashMap<>();
    private volatile ActorRef<NodeAgent.Command> self;
    private final org.apache.pekko.actor.typed.ActorRefResolver resolver;
    private final long frameLimit;

    ClusterLending(org.apache.pekko.cluster.Cluster cluster, org.apache.pekko.actor.typed.ActorSystem<?> system) {
        this.cluster = cluster;
        this.resolver = org.apache.pekko.actor.typed.ActorRefResolver.get(system);
        this.frameLimit = system.settings().config().getBytes("pekko.remote.artery.advanced.maximum-frame-size");
    }

    /** This node's agent, once it runs. */
    void attach(ActorRef<NodeAgent.Command> agent) {
        this.self = agent;
    }

    /** The Receptionist's current list of agents. */
    void listed(Receptionist.Listing listing) {
        Map<String, ActorRef<NodeAgent.Command>> now = new HashMap<>();
        for (ActorRef<NodeAgent.Command> ref : listing.getServiceInstances(NodeAgent.KEY)) {
            now.put(PekkoCluster.hostPort(ref.path().address()), ref);
        }
        agents.keySet().retainAll(now.keySet());
        agents.putAll(now);
    }

    @Override
    public String selfId() {
        return PekkoCluster.info(cluster.selfMember(), false).id();
    }

    @Override
    public List<String> place(PlacementRequest request, int count, Map<String, Integer> current) {
        String selfId = selfId();
        Set<Member> unreachable = cluster.state().getUnreachable();
        List<NodeInfo> candidates = new ArrayList<>();
        for (Member m : cluster.state().getMembers()) {
            NodeInfo info = PekkoCluster.info(m, false);
            boolean isSelf = info.id().equals(selfId);
            if (m.status() != MemberStatus.up() || unreachable.contains(m) || request.avoid().contains(info.id())
                || !info.labels().containsAll(request.labels())) {
                continue;
            }
            if (isSelf || info.workers() > 0) {
                candidates.add(info);
            }
        }
        return plan(candidates, selfId, request, count, current);
    }

    /**
     * The placement itself, on a snapshot of the members: this node first, then the others in id order, so the
     * same membership gives the same plan. SPREAD puts each worker on the candidate with the fewest of the pool's
     * workers; PACK on the first with room. Room: {@code perNode}, and for another node its lending capacity.
     * With no candidate left, a worker goes to this node.
     *
     * @param candidates the Up members that match the request, this node among them when it matches.
     * @return one node id per worker.
     */
    static List<String> plan(List<NodeInfo> candidates, String selfId, PlacementRequest request, int count,
                             Map<String, Integer> current) {
        List<NodeInfo> ordered = new ArrayList<>(candidates);
        ordered.sort(Comparator.comparing((NodeInfo n) -> !n.id().equals(selfId)).thenComparing(NodeInfo::id));
        Map<String, Integer> counts = new HashMap<>(current);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            NodeInfo chosen = null;
            for (NodeInfo n : ordered) {
                int have = counts.getOrDefault(n.id(), 0);
                int limit = request.perNode() > 0 ? request.perNode() : Integer.MAX_VALUE;
                if (!n.id().equals(selfId)) {
                    limit = Math.min(limit, n.workers());
                }
                if (have >= limit) {
                    continue;
                }
                if (request.placement() == Placement.PACK) {
                    chosen = n;
                    break;
                }
                if (chosen == null || have < counts.getOrDefault(chosen.id(), 0)) {
                    chosen = n;
                }
            }
            String target = chosen == null ? selfId : chosen.id();
            counts.merge(target, 1, Integer::sum);
            out.add(target);
        }
        return out;
    }

    /**
     * A member's agent: as the Receptionist lists it, or, before the listing has spread to this node (it spreads by
     * gossip, in seconds), at its well-known path, which every Troupe member has (its role says it is one).
     */
    ActorRef<NodeAgent.Command> agentOf(String node) {
        String address = addressOf(node);
        ActorRef<NodeAgent.Command> agent = agents.get(address);
        if (agent == null && resolver != null) {
            agent = resolver.resolveActorRef("pekko://" + dev.troupe.spi.NodeExtension.ACTOR_SYSTEM_NAME + "@"
                + address + "/system/" + NodeAgent.NAME);
        }
        return agent;
    }

    /**
     * Why a request cannot cross the cluster as one message, or {@code null} when it can: Artery drops a message
     * larger than its frame limit with only a log line on the sending side, so the pool is told here instead.
     *
     * @param request    the worker to lend.
     * @param frameLimit Artery's {@code maximum-frame-size}, in bytes.
     * @return the reason, naming the size and the limit, or {@code null}.
     */
    static String tooLarge(LendRequest request, long frameLimit) {
        long size = 256L + request.pool().length() + request.workerId().length() + request.connect().length()
            + request.token().length;
        for (String option : request.jvmOptions()) {
            size += option.length() * 3L + 2;
        }
        // Room for the envelope, the actor reference and the manifest.
        return size + 1024 > frameLimit ? "the request to start it is about " + size + " bytes (mostly the pool's JVM"
            + " options), more than the cluster's message limit of " + frameLimit + " bytes"
            + " (pekko.remote.artery.advanced.maximum-frame-size)" : null;
    }

    @Override
    public void lend(String node, LendRequest request, LendListener listener) {
        String tooLarge = tooLarge(request, frameLimit);
        if (tooLarge != null) {
            listener.failed(tooLarge);
            return;
        }
        ActorRef<NodeAgent.Command> agent = agentOf(node);
        ActorRef<NodeAgent.Command> origin = self;
        if (agent == null || origin == null || !isMember(node)) {
            listener.failed("node " + node + " is not an Up member of the cluster with a Troupe agent");
            return;
        }
        leases.put(request.workerId(), new Lease(node, listener));
        agent.tell(new NodeAgent.Lend(request.pool(), request.workerId(), request.token(),
            advertised(request.connect()), request.jvmOptions(), origin));
    }

    @Override
    public void kill(String node, String workerId) {
        ActorRef<NodeAgent.Command> agent = agentOf(node);
        ActorRef<NodeAgent.Command> origin = self;
        if (agent != null && origin != null) {
            agent.tell(new NodeAgent.Kill(workerId, origin));
        }
    }

    @Override
    public void forget(String workerId) {
        leases.remove(workerId);
    }

    void started(String workerId, long pid, String host) {
        Lease l = leases.get(workerId);
        if (l != null) {
            l.listener().started(pid, host);
        }
    }

    void notStarted(String workerId, String reason) {
        Lease l = leases.remove(workerId);
        if (l != null) {
            l.listener().failed(reason);
        }
    }

    void retire(String workerId, String reason) {
        Lease l = leases.get(workerId);
        if (l != null) {
            l.listener().retire(reason);
        }
    }

    void exited(String workerId, int exitCode) {
        Lease l = leases.remove(workerId);
        if (l != null) {
            l.listener().exited(exitCode);
        }
    }

    /**
     * A member became unreachable, or reachable again, while still a member: the pools here give the workers it runs
     * for them no new tasks while it is unreachable (B.3 of the design: those in flight stay; a removal re-runs them).
     */
    void reachability(NodeInfo node, boolean reachable) {
        int n = 0;
        for (Lease l : leases.values()) {
            if (l.node().equals(node.id())) {
                l.listener().suspended(!reachable);
                n++;
            }
        }
        if (n > 0) {
            LOG.info("node {} is {}: {} worker(s) it runs for this node's pools {}", node.id(),
                reachable ? "reachable again" : "unreachable", n, reachable ? "take tasks again" : "get no new tasks");
        }
    }

    /** A member was removed: its leases are lost, and the workers this node lent to it go. */
    void removed(NodeInfo node, ClusterEvent.RemovalReason reason) {
        String how = reason == ClusterEvent.RemovalReason.LEFT ? "it left"
            : "downed: unreachable or on the minority side of a partition";
        String why = "node " + node.id() + " was removed from the cluster (" + how + ")";
        int lost = 0;
        for (Map.Entry<String, Lease> e : leases.entrySet()) {
            if (e.getValue().node().equals(node.id()) && leases.remove(e.getKey(), e.getValue())) {
                e.getValue().listener().lost(why);
                lost++;
            }
        }
        if (lost > 0) {
            LOG.warn("{}: {} worker(s) it ran for this node's pools are lost", why, lost);
        }
        ActorRef<NodeAgent.Command> agent = self;
        if (agent != null) {
            agent.tell(new NodeAgent.MemberGone(node.address()));
        }
    }

    private boolean isMember(String node) {
        for (Member m : cluster.state().getMembers()) {
            if (PekkoCluster.info(m, false).id().equals(node)) {
                return m.status() == MemberStatus.up() || m.status() == MemberStatus.weaklyUp();
            }
        }
        return false;
    }

    /** The address a lender's worker dials: a wildcard listen address becomes this member's host. */
    private String advertised(String connect) {
        String prefix = "tcp://";
        String rest = connect.startsWith(prefix) ? connect.substring(prefix.length()) : connect;
        int colon = rest.lastIndexOf(':');
        String host = colon < 0 ? rest : rest.substring(0, colon);
        if (host.equals("0.0.0.0") || host.equals("[::]") || host.equals("::")) {
            String own = cluster.selfMember().address().getHost().orElse("127.0.0.1");
            return prefix + (own.indexOf(':') >= 0 ? "[" + own + "]" : own) + rest.substring(colon);
        }
        return connect;
    }

    private static String addressOf(String nodeId) {
        int hash = nodeId.lastIndexOf('#');
        return hash < 0 ? nodeId : nodeId.substring(0, hash);
    }
}
