package dev.troupe.cluster;

import dev.troupe.spi.NodeExtension;
import dev.troupe.spi.NodeSnapshot;
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
 * origin it hands the lenders' reports to {@link ClusterLending}. To anyone who asks ({@code troupe status}) it
 * describes its node's processes and pools.
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

    /** Describe this node's processes and pools to {@code replyTo} ({@code troupe status}). */
    record Describe(ActorRef<Description> replyTo) implements Message {
    }

    /**
     * What a node runs, the answer to {@link Describe}.
     *
     * @param node      the node's {@code host:port}.
     * @param processes its processes, and the workers of its pools that other nodes run ({@link ProcessRow#BORROWED}).
     * @param pools     its pools.
     */
    record Description(String node, List<ProcessRow> processes, List<PoolRow> pools) implements Message {
        Description {
            processes = List.copyOf(processes);
            pools = List.copyOf(pools);
        }
    }

    /**
     * One process in a {@link Description}.
     *
     * @param id        the worker's id on the node whose pool (or spawn) it serves.
     * @param pid       its process id on the host that runs it; -1 while not known.
     * @param role      {@link #WORKER}, {@link #LENT}, {@link #REMOTE}, {@link #SPAWNED}, {@link #EXEC} or
     *                  {@link #BORROWED}.
     * @param pool      the pool's name; empty for none.
     * @param peer      for {@link #LENT}, the {@code host:port} of the node it is lent to; for {@link #BORROWED}, the
     *                  id of the node that runs it; else empty.
     * @param state     a {@link dev.troupe.ProcessState} name, or {@link #RUNNING} for a lent worker (its state is
     *                  known to the node it is lent to).
     * @param cpuMillis user plus system CPU time; -1 when not known.
     * @param rssBytes  resident memory; -1 when not known.
     * @param host      where a remote worker runs; empty for the node's own host.
     */
    record ProcessRow(String id, long pid, String role, String pool, String peer, String state, long cpuMillis,
                      long rssBytes, String host) {
        /** A worker of one of the node's pools, run by the node. */
        static final String WORKER = "worker";
        /** A worker the node runs for a pool of another node. */
        static final String LENT = "lent";
        /** A worker of one of the node's pools that dialled in from its own host. */
        static final String REMOTE = "remote";
        /** A worker the node's program spawned. */
        static final String SPAWNED = "spawned";
        /** An executable the node's program started. */
        static final String EXEC = "exec";
        /** A worker of one of the node's pools (or a spawn) that another node runs: that node lists its figures. */
        static final String BORROWED = "borrowed";
        /** The state of a lent worker as its lender sees it: alive. */
        static final String RUNNING = "RUNNING";
    }

    /**
     * One pool in a {@link Description}.
     *
     * @param name      its name on its node.
     * @param placement its placement ({@link dev.troupe.Placement} name).
     * @param workers   its workers now, on its node and others.
     * @param lent      how many of those other nodes run.
     * @param inFlight  the tasks sent to its workers and not yet answered.
     */
    record PoolRow(String name, String placement, int workers, int lent, int inFlight) {
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
            .onMessage(Describe.class, this::onDescribe)
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

    /**
     * Answers off the actor's thread: reading each process's figures from the operating system is file I/O, so it
     * runs on Pekko's blocking-IO dispatcher. The lent workers are taken here, on the actor's thread.
     */
    private Behavior<Command> onDescribe(Describe m) {
        List<ProcessRow> lent = new java.util.ArrayList<>();
        for (Map.Entry<Key, Child> e : children.entrySet()) {
            Process p = e.getValue().process();
            if (p.isAlive()) {
                lent.add(new ProcessRow(e.getKey().workerId(), p.pid(), ProcessRow.LENT, e.getValue().pool(),
                    PekkoCluster.hostPort(e.getKey().origin().path().address()), ProcessRow.RUNNING, -1, -1, ""));
            }
        }
        String self = PekkoCluster.hostPort(context.getSystem().address());
        java.util.concurrent.Executor blocking = context.getSystem().dispatchers()
            .lookup(org.apache.pekko.actor.typed.DispatcherSelector.blocking());
        org.slf4j.Logger log = context.getLog();
        java.util.concurrent.CompletableFuture.supplyAsync(() -> describe(self, lent), blocking)
            .whenComplete((d, e) -> {
                if (e != null) {
                    log.warn("cannot describe this node's processes: {}", e.toString());
                } else {
                    m.replyTo().tell(d);
                }
            });
        return Behaviors.same();
    }

    private Description describe(String self, List<ProcessRow> lent) {
        NodeSnapshot snapshot = node.snapshot();
        List<ProcessRow> rows = new java.util.ArrayList<>();
        for (NodeSnapshot.ProcessEntry e : snapshot.processes()) {
            String role = switch (e.role()) {
                case POOL_WORKER -> ProcessRow.WORKER;
                case LENT -> ProcessRow.BORROWED;
                case REMOTE -> ProcessRow.REMOTE;
                case SPAWNED -> e.lender() != null ? ProcessRow.BORROWED : ProcessRow.SPAWNED;
                case EXECUTABLE -> ProcessRow.EXEC;
            };
            dev.troupe.ProcessStats st = e.stats();
            rows.add(new ProcessRow(e.id(), e.pid(), role, e.pool() == null ? "" : e.pool(),
                e.lender() == null ? "" : e.lender(), e.state().name(), st == null ? -1 : st.cpuTime().toMillis(),
                st == null ? -1 : st.residentMemoryBytes(), e.host().equals("localhost") ? "" : e.host()));
        }
        for (ProcessRow r : lent) {
            java.util.Optional<dev.troupe.ProcessStats> st = node.processStats(r.pid());
            rows.add(new ProcessRow(r.id(), r.pid(), r.role(), r.pool(), r.peer(), r.state(),
                st.map(s -> s.cpuTime().toMillis()).orElse(-1L), st.map(s -> s.residentMemoryBytes()).orElse(-1L),
                r.host()));
        }
        List<PoolRow> pools = new java.util.ArrayList<>();
        for (NodeSnapshot.PoolEntry p : snapshot.pools()) {
            pools.add(new PoolRow(p.name(), p.placement().name(), p.workers(), p.lent(), p.inFlight()));
        }
        return new Description(self, rows, pools);
    }

    /** A process's exit code as Troupe reports it: a signal's death as minus the signal number. */
    static int exitCode(Process p) {
        int raw = p.exitValue();
        return raw > 128 && raw < 128 + 65 ? -(raw - 128) : raw;
    }
}
