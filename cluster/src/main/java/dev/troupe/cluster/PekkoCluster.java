package dev.troupe.cluster;

import dev.troupe.Cluster;
import dev.troupe.ClusterDownedException;
import dev.troupe.ClusterEvent;
import dev.troupe.ClusterJoinException;
import dev.troupe.NodeInfo;
import dev.troupe.spi.NodeExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.eventstream.EventStream;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ClusterEvent.MemberDowned;
import org.apache.pekko.cluster.ClusterEvent.MemberEvent;
import org.apache.pekko.cluster.ClusterEvent.MemberRemoved;
import org.apache.pekko.cluster.ClusterEvent.MemberUp;
import org.apache.pekko.cluster.ClusterEvent.MemberWeaklyUp;
import org.apache.pekko.cluster.ClusterEvent.ReachabilityEvent;
import org.apache.pekko.cluster.ClusterEvent.ReachableMember;
import org.apache.pekko.cluster.ClusterEvent.UnreachableMember;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.UniqueAddress;
import org.apache.pekko.cluster.typed.Subscribe;
import org.apache.pekko.remote.artery.ThisActorSystemQuarantinedEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's membership of a Pekko cluster, behind {@link Cluster}: the view comes from Pekko Cluster's own state
 * and events; this class sends no messages of its own. Thread-safe.
 *
 * <p>A downed node: Pekko shuts down this node's cluster membership (its own split-brain resolver downed it, or the
 * others had removed it and quarantine it). This class then logs why, closes the node's Troupe (its pools fail the
 * work they hold, its processes stop) and so, last, the actor system. Pekko's own reaction, stopping the actor system
 * at once ({@code run-coordinated-shutdown-when-down}), is off ({@link ClusterSettings#pekkoSettings}), because it
 * would stop the pools' actors under callers still waiting for them.
 */
final class PekkoCluster implements Cluster, NodeExtension.Handle {
    private static final Logger LOG = LoggerFactory.getLogger(PekkoCluster.class);
    /** How long after the join time-out a node that joined may still take to become a member. */
    private static final Duration UP_GRACE = Duration.ofSeconds(15);
    /** How long a cluster must have two members for the warning that two cannot survive the loss of one. */
    private static final Duration TWO_MEMBERS_CHECK = Duration.ofSeconds(5);

    private final NodeExtension.Context node;
    private final ClusterSettings settings;
    private final ActorSystem<?> system;
    private final org.apache.pekko.cluster.Cluster cluster;
    private final List<Consumer<ClusterEvent>> listeners = new CopyOnWriteArrayList<>();
    /** Completes when this node is Up (or weakly up). */
    private final CompletableFuture<Void> selfUp = new CompletableFuture<>();
    private final CompletableFuture<Void> terminated;
    /** Notified on every membership change, for {@link #awaitMembers}. */
    private final Object changed = new Object();
    /** Set when the node closes on purpose, so that the end of the actor system is not taken for a downing. */
    private final AtomicBoolean closing = new AtomicBoolean();
    private final AtomicBoolean warnedTwoMembers = new AtomicBoolean();
    private final ClusterLending lending;
    /** The cluster-wide queues and topics; made before this node joins, so its topic subscription is early. */
    private volatile ClusterMessaging messaging;
    private volatile org.apache.pekko.actor.typed.ActorRef<NodeAgent.Command> agent;
    /** Set once this node's own removal is handled. */
    private final AtomicBoolean selfRemoved = new AtomicBoolean();
    /** Set when the cluster downed this node; what {@link #awaitMembers} and {@link #leave} then throw. */
    private volatile ClusterDownedException downed;
    /** Completes once the cluster downed this node and its Troupe is closed. */
    private final CompletableFuture<ClusterDownedException> downedAndClosed = new CompletableFuture<>();
    // The event actor's own state, for the warnings and for why this node was downed.
    /** The members as the events told them. */
    private final Map<UniqueAddress, Member> members = new HashMap<>();
    private final Set<UniqueAddress> unreachable = new HashSet<>();
    /** The members this node could not reach when it was marked down; null until then. */
    private String unreachableWhenDowned;
    /** The first member that quarantined this node (it will not talk to this incarnation again), or null. */
    private String quarantinedBy;
    /** Whether listeners were told of this node's own removal. */
    private boolean selfRemovalPublished;

    private PekkoCluster(NodeExtension.Context node, ClusterSettings settings) {
        this.node = node;
        this.settings = settings;
        this.system = node.system();
        this.cluster = org.apache.pekko.cluster.Cluster.get(system.classicSystem());
        this.terminated = system.getWhenTerminated().toCompletableFuture().thenApply(done -> (Void) null);
        this.lending = new ClusterLending(cluster, system);
    }

    /**
     * Joins the cluster and returns once this node is a member.
     *
     * @throws ClusterJoinException naming the seeds, when the node cannot join within the join time-out.
     */
    static PekkoCluster start(NodeExtension.Context node, ClusterSettings settings) throws InterruptedException {
        PekkoCluster c = new PekkoCluster(node, settings);
        ActorRef<Object> events = c.system.systemActorOf(c.events(), "troupe-cluster-events", Props.empty());
        if (settings.seeds.isEmpty()) {
            // No seeds: this node starts a cluster of its own, which others join by listing it.
            c.cluster.join(c.cluster.selfAddress());
        }
        // The agent runs before this node is a member, so that a pool of another node finds it once it is Up.
        c.agent = c.system.systemActorOf(NodeAgent.create(node, settings, c.lending,
            c.cluster.selfAddress().getHost().orElse("?")), NodeAgent.NAME, Props.empty());
        c.messaging = new ClusterMessaging(c.system, c.cluster, node.config());
        c.awaitJoined();
        c.terminated.whenComplete((done, error) -> c.onTerminated());
        // Run when Pekko shuts down this node's membership, for whatever reason; handled on the event actor, after
        // the events that came before it.
        c.cluster.registerOnMemberRemoved(() -> events.tell(SelfRemoved.INSTANCE));
        return c;
    }

    private void awaitJoined() throws InterruptedException {
        Duration limit = settings.joinTimeout.plus(UP_GRACE);
        try {
            CompletableFuture.anyOf(selfUp, terminated).get(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new ClusterJoinException(joinFailure("the actor system failed: " + e.getCause()), e.getCause());
        } catch (TimeoutException e) {
            throw new ClusterJoinException(joinFailure("it was not admitted as a member within "
                + limit.toSeconds() + " s (troupe.cluster.join-timeout plus " + UP_GRACE.toSeconds() + " s)"));
        }
        if (!selfUp.isDone()) {
            CoordinatedShutdown.Reason reason = shutdownReason();
            String why;
            if (CoordinatedShutdown.incompatibleConfigurationDetectedReason().equals(reason)) {
                why = "a seed node refused it because their configurations do not match; most likely the nodes"
                    + " have different cluster secrets (troupe.cluster.secret-file / secret-env), and the seed"
                    + " node's log names the setting";
            } else if (CoordinatedShutdown.clusterJoinUnsuccessfulReason().equals(reason)) {
                why = "no seed node admitted it within troupe.cluster.join-timeout (" + settings.joinTimeout.toMillis()
                    + " ms): the seed nodes are unreachable or not running, or refused it ("
                    + (settings.tls.enabled
                        ? "its TLS certificate is not signed by the CA they trust, or they do not run TLS; or another"
                            + " cluster's secret"
                        : "another cluster's secret, or they run TLS (troupe.cluster.tls) and this node does not")
                    + ")";
            } else {
                why = "its actor system stopped while joining (" + describe(reason) + ")";
            }
            throw new ClusterJoinException(joinFailure(why));
        }
        LOG.info("this node {} is a member of the Troupe cluster{}", hostPort(cluster.selfMember()),
            settings.seeds.isEmpty() ? " (a new cluster, no seed nodes)" : " (seed nodes " + settings.seedList() + ")");
    }

    private String joinFailure(String why) {
        return "this Troupe node (" + settings.bind + ") could not join the cluster at seed nodes ["
            + (settings.seeds.isEmpty() ? "none: a new cluster" : settings.seedList()) + "]: " + why;
    }

    private CoordinatedShutdown.Reason shutdownReason() {
        return CoordinatedShutdown.get(system.classicSystem()).getShutdownReason().orElse(null);
    }

    private static String describe(CoordinatedShutdown.Reason reason) {
        return reason == null ? "no reason given" : reason.toString();
    }

    /** The actor system ended: when not closing on purpose, this node was downed or left; the node closes. */
    private void onTerminated() {
        synchronized (changed) {
            changed.notifyAll();
        }
        if (closing.get() || downed != null) {
            return;
        }
        CoordinatedShutdown.Reason reason = shutdownReason();
        String why;
        if (CoordinatedShutdown.clusterLeavingReason().equals(reason)) {
            why = "this node left the cluster";
            LOG.info("{}; closing its Troupe", why);
        } else if (CoordinatedShutdown.clusterDowningReason().equals(reason)) {
            why = "this node was downed by the cluster (its split-brain resolver or an operator found it unreachable"
                + " or on the minority side of a partition)";
            LOG.warn("{}; closing its Troupe and stopping its processes", why);
        } else {
            why = "the node's actor system stopped (" + describe(reason) + ")";
            LOG.warn("{}; closing its Troupe and stopping its processes", why);
        }
        node.closeNode(why);
    }

    @Override
    public NodeInfo self() {
        Member self = cluster.selfMember();
        return info(self, cluster.state().getUnreachable().contains(self));
    }

    @Override
    public List<NodeInfo> nodes() {
        org.apache.pekko.cluster.ClusterEvent.CurrentClusterState state = cluster.state();
        Set<Member> unreachable = state.getUnreachable();
        List<NodeInfo> out = new ArrayList<>();
        for (Member m : state.getMembers()) {
            out.add(info(m, unreachable.contains(m)));
        }
        return out;
    }

    @Override
    public Registration onEvent(Consumer<ClusterEvent> listener) {
        if (listener == null) {
            throw new NullPointerException("listener");
        }
        // Wrapped so that one listener added twice can be removed once.
        Consumer<ClusterEvent> entry = listener::accept;
        listeners.add(entry);
        return () -> listeners.remove(entry);
    }

    @Override
    public boolean awaitMembers(int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            throwIfDowned();
            long up = nodes().stream().filter(n -> n.status() == NodeInfo.Status.UP).count();
            if (up >= count) {
                if (up == 2 && warnedTwoMembers.compareAndSet(false, true)) {
                    warnTwoMembers();
                }
                return true;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0 || terminated.isDone()) {
                throwIfDowned();
                return false;
            }
            synchronized (changed) {
                // Woken by each membership event; the bound covers a change the read view shows a little later.
                changed.wait(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), 100)));
            }
        }
    }

    static void warnTwoMembers() {
        LOG.warn("a Troupe cluster of 2 nodes cannot survive the loss of either: when the two cannot reach each other,"
            + " the split-brain resolver (keep-majority, two equal halves) keeps only the node with the lowest address"
            + " and downs the other, so when the node with the lowest address fails the other downs itself too. Run"
            + " 3 or more nodes");
    }

    @Override
    public boolean leave() throws InterruptedException {
        throwIfDowned();
        long deadline = System.nanoTime() + settings.leaveTimeout.toNanos();
        drainLentWorkers(settings.leaveTimeout.dividedBy(2));
        cluster.leave(cluster.selfAddress());
        try {
            // A member removed after leaving stops its actor system; the node then closes.
            terminated.get(settings.leaveTimeout.toMillis(), TimeUnit.MILLISECONDS);
            throwIfDowned();
            long left = Math.max(1, deadline - System.nanoTime());
            node.closeNode("this node left the cluster").toCompletableFuture().get(left, TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException e) {
            LOG.warn("this node did not leave the cluster within troupe.cluster.leave-timeout ({} ms); it keeps"
                + " leaving", settings.leaveTimeout.toMillis());
            return false;
        } catch (ExecutionException e) {
            LOG.warn("leaving the cluster failed: {}", e.getCause().toString());
            return false;
        }
    }

    /**
     * Before leaving: the pools of other nodes finish with the workers this node lends them (they give them no more
     * tasks, wait for those in flight, then stop them), so no task is lost or run twice by the leave. Bounded.
     */
    private void drainLentWorkers(Duration limit) throws InterruptedException {
        org.apache.pekko.actor.typed.ActorRef<NodeAgent.Command> a = agent;
        if (a == null) {
            return;
        }
        CompletableFuture<Void> drained = new CompletableFuture<>();
        a.tell(new NodeAgent.Drain(drained));
        try {
            drained.get(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            LOG.warn("the workers this node lends were not all done within {} ms; leaving anyway (their tasks run"
                + " again elsewhere)", limit.toMillis());
        } catch (ExecutionException e) {
            LOG.warn("draining the workers this node lends failed: {}", e.getCause().toString());
        }
    }

    /** Throws a new exception (with the caller's stack) when the cluster downed this node. */
    private void throwIfDowned() {
        ClusterDownedException d = downed;
        if (d != null) {
            throw new ClusterDownedException(d.getMessage(), d);
        }
    }

    /**
     * Completes once the cluster downed this node and its Troupe is closed, with what {@link #awaitMembers} then
     * throws; never when the node leaves or is closed.
     */
    CompletionStage<ClusterDownedException> whenDowned() {
        return downedAndClosed.minimalCompletionStage();
    }

    /** Why this node's actor system stopped: see {@link #whenStopped()}. */
    enum StopReason {
        /** It left the cluster: {@link #leave()} here, or a leave asked by another member. */
        LEFT,
        /** The cluster downed it (split-brain resolver or an operator). */
        DOWNED,
        /** Anything else: its Troupe was closed, or the actor system failed. */
        OTHER
    }

    /**
     * Completes once this node's actor system has stopped, with why. The node's Troupe is then closing or closed.
     * A node the cluster downs closes its Troupe first: {@link #whenDowned()} tells that case.
     */
    CompletableFuture<StopReason> whenStopped() {
        return terminated.handle((done, error) -> {
            CoordinatedShutdown.Reason reason = shutdownReason();
            if (CoordinatedShutdown.clusterDowningReason().equals(reason) || downed != null) {
                return StopReason.DOWNED;
            }
            return CoordinatedShutdown.clusterLeavingReason().equals(reason) ? StopReason.LEFT : StopReason.OTHER;
        });
    }

    /**
     * Asks a member's agent what its node runs ({@code troupe status}).
     *
     * @param node    the member.
     * @param timeout how long to wait for its answer.
     * @return completes with its description, or fails with a {@link TimeoutException} when it does not answer in
     *     time.
     */
    CompletionStage<NodeAgent.Description> describe(NodeInfo node, Duration timeout) {
        ActorRef<NodeAgent.Command> a = lending.agentOf(node.id());
        if (a == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("no Troupe agent known for " + node.id()));
        }
        return org.apache.pekko.actor.typed.javadsl.AskPattern.ask(a, NodeAgent.Describe::new, timeout,
            system.scheduler());
    }

    @Override
    public <T> Optional<T> service(Class<T> type) {
        if (type == Cluster.class) {
            return Optional.of(type.cast(this));
        }
        if (type == dev.troupe.spi.ObjectHandler.class && messaging != null) {
            return Optional.of(type.cast(messaging));
        }
        return type == dev.troupe.spi.WorkerLending.class ? Optional.of(type.cast(lending)) : Optional.empty();
    }

    @Override
    public void close() {
        closing.set(true);
        listeners.clear();
        ClusterMessaging m = messaging;
        if (m != null) {
            m.close();
        }
    }

    /** Pekko ran this node's on-member-removed callbacks: its membership is over. */
    private enum SelfRemoved {
        INSTANCE
    }

    /** Time to warn if the cluster still has two members. */
    private enum TwoMembersCheck {
        INSTANCE
    }

    private Behavior<Object> events() {
        return Behaviors.setup(ctx -> {
            org.apache.pekko.cluster.typed.Cluster typed = org.apache.pekko.cluster.typed.Cluster.get(system);
            typed.subscriptions().tell(new Subscribe<>(ctx.getSelf().<MemberEvent>narrow(), MemberEvent.class));
            typed.subscriptions().tell(new Subscribe<>(ctx.getSelf().<ReachabilityEvent>narrow(),
                ReachabilityEvent.class));
            system.eventStream().tell(new EventStream.Subscribe<>(ThisActorSystemQuarantinedEvent.class,
                ctx.getSelf().<ThisActorSystemQuarantinedEvent>narrow()));
            return Behaviors.receive(Object.class)
                .onAnyMessage(event -> {
                    onClusterEvent(ctx, event);
                    return Behaviors.same();
                })
                .build();
        });
    }

    /** Runs on the event actor: one event at a time, in order; the only user of the actor's own state. */
    private void onClusterEvent(ActorContext<Object> ctx, Object event) {
        if (event instanceof MemberEvent e) {
            if (e instanceof MemberRemoved) {
                members.remove(e.member().uniqueAddress());
                unreachable.remove(e.member().uniqueAddress());
            } else {
                members.put(e.member().uniqueAddress(), e.member());
            }
        }
        if (event instanceof MemberUp up) {
            if (isSelf(up.member())) {
                selfUp.complete(null);
            }
            publish(new ClusterEvent.NodeUp(info(up.member(), false)));
            if (members.size() == 2) {
                // Not at once: the first two members of a larger cluster are Up before the others join.
                ctx.scheduleOnce(TWO_MEMBERS_CHECK, ctx.getSelf(), TwoMembersCheck.INSTANCE);
            }
        } else if (event instanceof MemberWeaklyUp weaklyUp) {
            if (isSelf(weaklyUp.member())) {
                selfUp.complete(null);
            }
        } else if (event instanceof MemberDowned down) {
            if (isSelf(down.member())) {
                unreachableWhenDowned = describeUnreachable();
            }
        } else if (event instanceof MemberRemoved removed) {
            onMemberRemoved(removed);
        } else if (event instanceof UnreachableMember u) {
            unreachable.add(u.member().uniqueAddress());
            if (!isSelf(u.member())) {
                lending.reachability(info(u.member(), true), false);
            }
            publish(new ClusterEvent.NodeUnreachable(info(u.member(), true)));
        } else if (event instanceof ReachableMember reachable) {
            unreachable.remove(reachable.member().uniqueAddress());
            if (!isSelf(reachable.member())) {
                lending.reachability(info(reachable.member(), false), true);
            }
            publish(new ClusterEvent.NodeReachable(info(reachable.member(), false)));
        } else if (event instanceof ThisActorSystemQuarantinedEvent q) {
            if (quarantinedBy == null) {
                quarantinedBy = hostPort(q.remoteAddress().address());
            }
        } else if (event == SelfRemoved.INSTANCE) {
            onSelfRemoved();
        } else if (event == TwoMembersCheck.INSTANCE) {
            if (members.size() == 2 && members.values().stream().allMatch(m -> m.status() == MemberStatus.up())
                && warnedTwoMembers.compareAndSet(false, true)) {
                warnTwoMembers();
            }
        }
        synchronized (changed) {
            changed.notifyAll();
        }
    }

    private void onMemberRemoved(MemberRemoved removed) {
        boolean self = isSelf(removed.member());
        if (!self && cluster.isTerminated()) {
            // This node's membership ended and Pekko reports every member removed from its view: the others were
            // not removed from the cluster, so this is not theirs to report.
            return;
        }
        ClusterEvent.RemovalReason reason = removed.previousStatus() == MemberStatus.exiting()
            || removed.previousStatus() == MemberStatus.leaving()
            ? ClusterEvent.RemovalReason.LEFT : ClusterEvent.RemovalReason.DOWNED;
        if (!self) {
            lending.removed(info(removed.member(), false), reason);
        }
        if (!self || !selfRemovalPublished) {
            selfRemovalPublished |= self;
            publish(new ClusterEvent.NodeRemoved(info(removed.member(), false), reason));
        }
        if (self) {
            onSelfRemoved();
        }
    }

    /**
     * This node's membership is over. When it neither closes nor leaves (Pekko runs its coordinated shutdown for
     * those), the cluster downed it: say why, and close the node.
     */
    private void onSelfRemoved() {
        if (closing.get() || shutdownReason() != null || !selfRemoved.compareAndSet(false, true)) {
            return;
        }
        String self = hostPort(cluster.selfAddress());
        String why = whyDowned();
        ClusterDownedException e = new ClusterDownedException("this Troupe node (" + self + ") was downed by the"
            + " cluster: " + why + ". Its Troupe is closed; restart the node to join again as a new member");
        downed = e;
        LOG.warn("this node {} was downed by the cluster: {}; closing its Troupe and stopping its processes", self,
            why);
        if (!selfRemovalPublished) {
            // Before the close, which ends the calls to listeners; Pekko's own report of it may come later.
            selfRemovalPublished = true;
            NodeInfo me = info(cluster.selfMember(), false);
            publish(new ClusterEvent.NodeRemoved(new NodeInfo(me.id(), me.address(), NodeInfo.Status.REMOVED,
                me.labels(), me.workers()), ClusterEvent.RemovalReason.DOWNED));
        }
        node.closeNode("downed by the cluster: " + why).whenComplete((done, error) -> downedAndClosed.complete(e));
    }

    /** Why this node was downed, as far as it can tell, for its log and {@link ClusterDownedException}. */
    private String whyDowned() {
        String q = quarantinedBy;
        if (q != null) {
            return "member " + q + " quarantined it: the other members had removed it while it did not answer"
                + " (paused, overloaded or cut off from them) and do not talk to it again";
        }
        String unreachableThen = unreachableWhenDowned;
        String resolver = downingStrategy();
        if (unreachableThen != null && !unreachableThen.isEmpty()) {
            String rule = resolver.contains("keep-majority") ? ", which downs the side of a network partition"
                + " without a majority of the members (of two equal sides, the side without the member with the"
                + " lowest address)" : "";
            return "it was marked down while it could not reach " + unreachableThen + "; downed by " + resolver
                + rule;
        }
        if (unreachableThen != null) {
            return "it was marked down (by " + resolver + " on another member, or by an operator)";
        }
        return "its membership ended without a leave (downed by " + resolver + ", or by an operator)";
    }

    /** The members this node cannot reach now, with how many members there are, for the log. */
    private String describeUnreachable() {
        Set<String> out = new TreeSet<>();
        for (UniqueAddress u : unreachable) {
            Member m = members.get(u);
            if (m != null) {
                out.add(hostPort(m));
            }
        }
        return out.isEmpty() ? "" : out.size() + " of " + members.size() + " members (" + String.join(", ", out) + ")";
    }

    /** The downing provider in use, as the log names it. */
    private String downingStrategy() {
        String provider = "pekko.cluster.downing-provider-class";
        String strategy = "pekko.cluster.split-brain-resolver.active-strategy";
        com.typesafe.config.Config config = system.settings().config();
        if (config.hasPath(provider) && ClusterSettings.SBR_PROVIDER.equals(config.getString(provider))) {
            return "the split-brain resolver (" + (config.hasPath(strategy) ? config.getString(strategy) : "?") + ")";
        }
        return "the downing provider " + (config.hasPath(provider) ? config.getString(provider) : "(none)");
    }

    private boolean isSelf(Member m) {
        return m.uniqueAddress().equals(cluster.selfUniqueAddress());
    }

    private void publish(ClusterEvent event) {
        for (Consumer<ClusterEvent> l : listeners) {
            try {
                l.accept(event);
            } catch (RuntimeException e) {
                LOG.warn("a cluster event listener failed on {}: {}", event, e.toString(), e);
            }
        }
    }

    /** A member as the API shows it. */
    static NodeInfo info(Member m, boolean unreachable) {
        String hostPort = hostPort(m);
        Set<String> labels = new LinkedHashSet<>();
        for (String role : m.getRoles()) {
            if (!role.startsWith("dc-") && !role.startsWith(ClusterSettings.OWN_ROLE_PREFIX)) {
                labels.add(role);
            }
        }
        String id = hostPort + "#" + Long.toUnsignedString(m.uniqueAddress().longUid());
        return new NodeInfo(id, hostPort, status(m.status(), unreachable), labels,
            ClusterSettings.workersOf(m.getRoles()));
    }

    static NodeInfo.Status status(MemberStatus s, boolean unreachable) {
        NodeInfo.Status status;
        if (s == MemberStatus.joining()) {
            status = NodeInfo.Status.JOINING;
        } else if (s == MemberStatus.weaklyUp()) {
            status = NodeInfo.Status.WEAKLY_UP;
        } else if (s == MemberStatus.up()) {
            status = NodeInfo.Status.UP;
        } else if (s == MemberStatus.exiting()) {
            status = NodeInfo.Status.EXITING;
        } else if (s == MemberStatus.down()) {
            status = NodeInfo.Status.DOWN;
        } else if (s == MemberStatus.removed()) {
            status = NodeInfo.Status.REMOVED;
        } else {
            // Leaving, and the states of a full-cluster shutdown.
            status = NodeInfo.Status.LEAVING;
        }
        boolean gone = status == NodeInfo.Status.DOWN || status == NodeInfo.Status.REMOVED;
        return unreachable && !gone ? NodeInfo.Status.UNREACHABLE : status;
    }

    /** A member's {@code host:port}. */
    private static String hostPort(Member m) {
        return hostPort(m.address());
    }

    /** An address's {@code host:port}, an IPv6 host in brackets: how members and agents are named here. */
    static String hostPort(org.apache.pekko.actor.Address a) {
        String host = a.getHost().orElse("?");
        return (host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host) + ":"
            + a.getPort().map(String::valueOf).orElse("?");
    }
}
