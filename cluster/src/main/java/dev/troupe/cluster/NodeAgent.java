package dev.troupe.cluster;

import dev.troupe.spi.NodeExtension;
import dev.troupe.spi.WorkerLending;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * A node's agent in the cluster, registered with the Receptionist under {@link #KEY}. As a lender it starts worker
 * processes for pools of other nodes (up to {@code troupe.cluster.workers} at once), reports their start and exit
 * to the pool's node, kills them when asked, when that node leaves the cluster, or when this node closes. As an
 * origin it hands the lenders' reports to {@link ClusterLending}.
 */
final class NodeAgent {
    /** The agent's name: a system actor, so at {@code /system/troupe-node-agent} on every node. */
    static final String NAME = "troupe-node-agent";
    /** The key every node's agent is registered under. */
    static final ServiceKey<Command> KEY = ServiceKey.create(Command.class, "troupe-node-agent");

    /** What the agent accepts. */
    interface Command {
    }

    /** The messages that cross nodes, bound to {@link ClusterSerializer}. */
    interface Message extends Command {
    }

    /** Start a worker for a pool of {@code origin}'s node. */
    record Lend(String pool, String workerId, byte[] token, String connect, List<String> jvmOptions,
                ActorRef<Command> origin) implements Message {
        Lend {
            token = token.clone();
            jvmOptions = List.copyOf(jvmOptions);
        }

        @Override
        public byte[] token() {
            return token.clone();
        }
    }

    /** Kill a worker lent to {@code origin}'s node. */
    record Kill(String workerId, ActorRef<Command> origin) implements Message {
    }

    /** To the origin: the worker's process started. */
    record Started(String workerId, long pid, String host) implements Message {
    }

    /** To the origin: the worker was not started. */
    record NotStarted(String workerId, String reason) implements Message {
    }

    /** To the origin: the worker's process exited; negative for a signal. */
    record Exited(String workerId, int exitCode) implements Message {
    }

    /** To the origin: this node is leaving; stop the worker once its tasks are done. */
    record Retire(String workerId, String reason) implements Message {
    }

    /**
     * This node is about to leave: lend no more, ask each origin to retire the workers lent to it, and complete
     * {@code drained} once they have all exited. Local only.
     */
    record Drain(java.util.concurrent.CompletableFuture<Void> drained) implements Command {
    }

    /** A member left the cluster: the workers lent to it go. Local only. */
    record MemberGone(String address) implements Command {
    }

    private record ChildExited(Key key, int exitCode) implements Command {
    }

    private record Listed(Receptionist.Listing listing) implements Command {
    }

    private record Key(ActorRef<Command> origin, String workerId) {
    }

    private record Child(Process process, String pool) {
    }

    private final ActorContext<Command> context;
    private final NodeExtension.Context node;
    private final ClusterSettings settings;
    private final ClusterLending lending;
    private final String host;
    private final Map<Key, Child> children = new HashMap<>();
    private final List<java.util.concurrent.CompletableFuture<Void>> drains = new java.util.ArrayList<>();
    private boolean draining;

    private NodeAgent(ActorContext<Command> context, NodeExtension.Context node, ClusterSettings settings,
                      ClusterLending lending, String host) {
        this.context = context;
        this.node = node;
        this.settings = settings;
        this.lending = lending;
        this.host = host;
    }

    static Behavior<Command> create(NodeExtension.Context node, ClusterSettings settings, ClusterLending lending,
                                    String host) {
        return Behaviors.setup(ctx -> {
            ctx.getSystem().receptionist().tell(Receptionist.register(KEY, ctx.getSelf()));
            ctx.getSystem().receptionist().tell(Receptionist.subscribe(KEY,
                ctx.messageAdapter(Receptionist.Listing.class, Listed::new)));
            lending.attach(ctx.getSelf());
            return new NodeAgent(ctx, node, settings, lending, host).behavior();
        });
    }

    private Behavior<Command> behavior() {
        return Behaviors.receive(Command.class)
            .onMessage(Lend.class, this::onLend)
            .onMessage(Kill.class, this::onKill)
            .onMessage(ChildExited.class, this::onChildExited)
            .onMessage(MemberGone.class, this::onMemberGone)
            .onMessage(Drain.class, this::onDrain)
            .onMessage(Retire.class, m -> {
                lending.retire(m.workerId(), m.reason());
                return Behaviors.same();
            })
            .onMessage(Listed.class, m -> {
                lending.listed(m.listing());
                return Behaviors.same();
            })
            .onMessage(Started.class, m -> {
                lending.started(m.workerId(), m.pid(), m.host());
                return Behaviors.same();
            })
            .onMessage(NotStarted.class, m -> {
                lending.notStarted(m.workerId(), m.reason());
                return Behaviors.same();
            })
            .onMessage(Exited.class, m -> {
                lending.exited(m.workerId(), m.exitCode());
                return Behaviors.same();
            })
            .onSignal(PostStop.class, s -> {
                for (Child c : children.values()) {
                    c.process().destroyForcibly();
                }
                children.clear();
                return Behaviors.same();
            })
            .build();
    }

    private Behavior<Command> onLend(Lend m) {
        Key key = new Key(m.origin(), m.workerId());
        if (draining) {
            m.origin().tell(new NotStarted(m.workerId(), "node " + host + " is leaving the cluster"));
            return Behaviors.same();
        }
        if (children.size() >= settings.workers) {
            m.origin().tell(new NotStarted(m.workerId(), "node " + host + " lends at most " + settings.workers
                + " worker(s) at once (troupe.cluster.workers) and all are lent"));
            return Behaviors.same();
        }
        Process process;
        try {
            process = node.startLentWorker(new WorkerLending.LendRequest(m.pool(), m.workerId(), m.token(),
                m.connect(), m.jvmOptions()), settings.lentWorkerTransportOptions(), Map.of());
        } catch (Exception e) {
            context.getLog().warn("cannot start worker {} for pool {} of {}: {}", m.workerId(), m.pool(),
                m.origin().path().address(), e.toString());
            m.origin().tell(new NotStarted(m.workerId(), "node " + host + " cannot start it: " + e.getMessage()));
            return Behaviors.same();
        }
        children.put(key, new Child(process, m.pool()));
        context.getLog().info("started worker {} (pid {}) for pool {} of {}", m.workerId(), process.pid(), m.pool(),
            m.origin().path().address());
        m.origin().tell(new Started(m.workerId(), process.pid(), host));
        ActorRef<Command> self = context.getSelf();
        process.onExit().whenComplete((p, e) -> self.tell(new ChildExited(key, exitCode(process))));
        return Behaviors.same();
    }

    private Behavior<Command> onKill(Kill m) {
        Child c = children.get(new Key(m.origin(), m.workerId()));
        if (c != null) {
            c.process().destroyForcibly();
        }
        return Behaviors.same();
    }

    private Behavior<Command> onChildExited(ChildExited m) {
        if (children.remove(m.key()) != null) {
            m.key().origin().tell(new Exited(m.key().workerId(), m.exitCode()));
        }
        if (draining && children.isEmpty()) {
            drains.forEach(d -> d.complete(null));
            drains.clear();
        }
        return Behaviors.same();
    }

    private Behavior<Command> onDrain(Drain m) {
        draining = true;
        if (children.isEmpty()) {
            m.drained().complete(null);
            return Behaviors.same();
        }
        drains.add(m.drained());
        context.getLog().info("leaving: asking the pools of other nodes to finish with the {} worker(s) this node"
            + " lends them", children.size());
        for (Key k : children.keySet()) {
            k.origin().tell(new Retire(k.workerId(), "node " + host + " is leaving the cluster"));
        }
        return Behaviors.same();
    }

    private Behavior<Command> onMemberGone(MemberGone m) {
        for (Map.Entry<Key, Child> e : children.entrySet()) {
            if (PekkoCluster.hostPort(e.getKey().origin().path().address()).equals(m.address())) {
                context.getLog().info("killing worker {} (pid {}) of pool {}: its node {} left the cluster",
                    e.getKey().workerId(), e.getValue().process().pid(), e.getValue().pool(), m.address());
                e.getValue().process().destroyForcibly();
            }
        }
        return Behaviors.same();
    }

    /** A process's exit code as Troupe reports it: a signal's death as minus the signal number. */
    static int exitCode(Process p) {
        int raw = p.exitValue();
        return raw > 128 && raw < 128 + 65 ? -(raw - 128) : raw;
    }
}
