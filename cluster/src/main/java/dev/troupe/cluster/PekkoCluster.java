package dev.troupe.cluster;

import dev.troupe.Cluster;
import dev.troupe.ClusterEvent;
import dev.troupe.ClusterJoinException;
import dev.troupe.NodeInfo;
import dev.troupe.spi.NodeExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ClusterEvent.MemberEvent;
import org.apache.pekko.cluster.ClusterEvent.MemberRemoved;
import org.apache.pekko.cluster.ClusterEvent.MemberUp;
import org.apache.pekko.cluster.ClusterEvent.MemberWeaklyUp;
import org.apache.pekko.cluster.ClusterEvent.ReachabilityEvent;
import org.apache.pekko.cluster.ClusterEvent.ReachableMember;
import org.apache.pekko.cluster.ClusterEvent.UnreachableMember;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Subscribe;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's membership of a Pekko cluster, behind {@link Cluster}: the view comes from Pekko Cluster's own state
 * and events; this class sends no messages of its own. Thread-safe.
 */
final class PekkoCluster implements Cluster, NodeExtension.Handle {
    private static final Logger LOG = LoggerFactory.getLogger(PekkoCluster.class);
    /** How long after the join time-out a node that joined may still take to become a member. */
    private static final Duration UP_GRACE = Duration.ofSeconds(15);

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

    private PekkoCluster(NodeExtension.Context node, ClusterSettings settings) {
        this.node = node;
        this.settings = settings;
        this.system = node.system();
        this.cluster = org.apache.pekko.cluster.Cluster.get(system.classicSystem());
        this.terminated = system.getWhenTerminated().toCompletableFuture().thenApply(done -> (Void) null);
    }

    /**
     * Joins the cluster and returns once this node is a member.
     *
     * @throws ClusterJoinException naming the seeds, when the node cannot join within the join time-out.
     */
    static PekkoCluster start(NodeExtension.Context node, ClusterSettings settings) throws InterruptedException {
        PekkoCluster c = new PekkoCluster(node, settings);
        c.system.systemActorOf(c.events(), "troupe-cluster-events", Props.empty());
        if (settings.seeds.isEmpty()) {
            // No seeds: this node starts a cluster of its own, which others join by listing it.
            c.cluster.join(c.cluster.selfAddress());
        }
        c.awaitJoined();
        c.terminated.whenComplete((done, error) -> c.onTerminated());
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
                    + " ms): the seed nodes are unreachable or not running, or refused it (another cluster's"
                    + " secret)";
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
        if (closing.get()) {
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
            long up = nodes().stream().filter(n -> n.status() == NodeInfo.Status.UP).count();
            if (up >= count) {
                if (up == 2 && warnedTwoMembers.compareAndSet(false, true)) {
                    warnTwoMembers();
                }
                return true;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0 || terminated.isDone()) {
                return false;
            }
            synchronized (changed) {
                // Woken by each membership event; the bound covers a change the read view shows a little later.
                changed.wait(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), 100)));
            }
        }
    }

    static void warnTwoMembers() {
        LOG.warn("a Troupe cluster of 2 nodes cannot survive a network split between them: the split-brain"
            + " resolver (keep-majority) then downs both sides. Run 3 or more nodes");
    }

    @Override
    public boolean leave() throws InterruptedException {
        long deadline = System.nanoTime() + settings.leaveTimeout.toNanos();
        cluster.leave(cluster.selfAddress());
        try {
            // A member removed after leaving stops its actor system; the node then closes.
            terminated.get(settings.leaveTimeout.toMillis(), TimeUnit.MILLISECONDS);
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
     */
    CompletableFuture<StopReason> whenStopped() {
        return terminated.handle((done, error) -> {
            CoordinatedShutdown.Reason reason = shutdownReason();
            if (CoordinatedShutdown.clusterDowningReason().equals(reason)) {
                return StopReason.DOWNED;
            }
            return CoordinatedShutdown.clusterLeavingReason().equals(reason) ? StopReason.LEFT : StopReason.OTHER;
        });
    }

    @Override
    public <T> Optional<T> service(Class<T> type) {
        return type == Cluster.class ? Optional.of(type.cast(this)) : Optional.empty();
    }

    @Override
    public void close() {
        closing.set(true);
        listeners.clear();
    }

    private Behavior<Object> events() {
        return Behaviors.setup(ctx -> {
            org.apache.pekko.cluster.typed.Cluster typed = org.apache.pekko.cluster.typed.Cluster.get(system);
            typed.subscriptions().tell(new Subscribe<>(ctx.getSelf().<MemberEvent>narrow(), MemberEvent.class));
            typed.subscriptions().tell(new Subscribe<>(ctx.getSelf().<ReachabilityEvent>narrow(),
                ReachabilityEvent.class));
            return Behaviors.receive(Object.class)
                .onAnyMessage(event -> {
                    onClusterEvent(event);
                    return Behaviors.same();
                })
                .build();
        });
    }

    /** Runs on the event actor: one event at a time, in order. */
    private void onClusterEvent(Object event) {
        if (event instanceof MemberUp up) {
            if (isSelf(up.member())) {
                selfUp.complete(null);
            }
            publish(new ClusterEvent.NodeUp(info(up.member(), false)));
        } else if (event instanceof MemberWeaklyUp weaklyUp) {
            if (isSelf(weaklyUp.member())) {
                selfUp.complete(null);
            }
        } else if (event instanceof MemberRemoved removed
            && (isSelf(removed.member()) || !cluster.isTerminated())) {
            // Once this node's cluster has shut down, Pekko reports every other member removed as it forgets them;
            // they are not, and only this node's own removal is news.
            ClusterEvent.RemovalReason reason = removed.previousStatus() == MemberStatus.exiting()
                || removed.previousStatus() == MemberStatus.leaving()
                ? ClusterEvent.RemovalReason.LEFT : ClusterEvent.RemovalReason.DOWNED;
            publish(new ClusterEvent.NodeRemoved(info(removed.member(), false), reason));
        } else if (event instanceof UnreachableMember unreachable) {
            publish(new ClusterEvent.NodeUnreachable(info(unreachable.member(), true)));
        } else if (event instanceof ReachableMember reachable) {
            publish(new ClusterEvent.NodeReachable(info(reachable.member(), false)));
        }
        synchronized (changed) {
            changed.notifyAll();
        }
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
            if (!role.startsWith("dc-")) {
                labels.add(role);
            }
        }
        String id = hostPort + "#" + Long.toUnsignedString(m.uniqueAddress().longUid());
        return new NodeInfo(id, hostPort, status(m.status(), unreachable), labels);
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
        org.apache.pekko.actor.Address a = m.address();
        String host = a.getHost().orElse("?");
        return (host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host) + ":"
            + a.getPort().map(String::valueOf).orElse("?");
    }
}
