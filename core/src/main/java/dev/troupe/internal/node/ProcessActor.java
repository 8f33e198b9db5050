package dev.troupe.internal.node;

import dev.troupe.ManagedProcess;
import dev.troupe.ProcessState;
import dev.troupe.WorkerCrashedException;
import dev.troupe.WorkerStartException;
import dev.troupe.wire.WireProtocol;
import dev.troupe.wire.Envelope;
import dev.troupe.wire.Hello;
import dev.troupe.wire.Welcome;
import dev.troupe.spi.LinkClosedException;
import dev.troupe.wire.MalformedFrameException;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.slf4j.Logger;

/**
 * INTERNAL API. Represents one operating-system process: launches it, owns its link (for a worker), watches
 * it, and reports its end. States: starting, ready (busy while tasks are in flight), stopping, exited.
 *
 * <p>The link's data path does not pass through this actor: results complete their callers on the link's
 * thread (see {@link WorkerConnection}). What reaches the actor are the lifecycle events: the handshake, the
 * link's end, the process's exit, and timers.
 */
final class ProcessActor {

    /** What the actor accepts. */
    interface Command {
    }

    /** Ask the process to stop: a worker finishes its current task and exits; an executable gets SIGTERM. */
    record Stop(String reason) implements Command {
    }

    private record Connected(NodeServer.Handshake handshake, Hello hello) implements Command {
    }

    /**
     * A spare worker was taken ({@link Spares#take}): it now belongs to {@code owner} (a pool's, or {@code null}
     * for a spawned worker), runs {@code job} if not {@code null} (a spawned worker's one task), and counts as a
     * worker of {@code pool} if not {@code null}. Stored in the record first, so that the actor honours it even
     * when the process ends before this message arrives.
     */
    record Claimed(ActorRef<Event> owner, InFlightTask job, String pool) implements Command {
    }

    private record LinkClosed(Throwable cause) implements Command {
    }

    private record Exited(int rawExitCode) implements Command {
    }

    private enum Tick implements Command { INSTANCE }

    /** A lent worker's node started its process. */
    private record LentStarted(long pid, String host) implements Command {
    }

    /** A lent worker's node could not start it. */
    private record LentFailed(String reason) implements Command {
    }

    /** A lent worker's node saw its process exit. */
    private record LentExited(int exitCode) implements Command {
    }

    /** A lent worker's node is leaving: the worker is to finish its tasks and stop. */
    private record Retire(String reason) implements Command {
    }

    /** A lent worker's node is gone. */
    private record NodeLost(String reason) implements Command {
    }

    /** A lent worker's node became unreachable ({@code true}) or reachable again. */
    private record LentSuspended(boolean suspended) implements Command {
    }

    private enum LinkLostGraceOver implements Command { INSTANCE }

    private enum StartTimedOut implements Command { INSTANCE }

    private enum ForceKill implements Command { INSTANCE }

    private enum ReaderDrainTimedOut implements Command { INSTANCE }

    /** What the actor tells its owner (a pool) about its worker. */
    interface Event {
    }

    /** The worker completed its handshake and takes tasks. */
    record WorkerReady(ProcessRecord record, WorkerConnection connection) implements Event {
    }

    /** The worker is to get no more tasks and stop once those it has are done. */
    record WorkerRetiring(ProcessRecord record, WorkerConnection connection, String reason) implements Event {
    }

    /**
     * A lent worker's node became unreachable ({@code suspended}) or reachable again: no new tasks for the worker
     * while it is; those it has stay.
     */
    record WorkerSuspended(ProcessRecord record, boolean suspended) implements Event {
    }

    /** A task left the worker with an outcome; its slot is free. Sent from the link's thread. */
    record TaskFinished(WorkerConnection connection, InFlightTask task) implements Event {
    }

    /**
     * The process exited (or never started). {@code orphans} are the tasks it held, the one running first; the
     * owner now decides their fate.
     */
    record WorkerExited(ProcessRecord record, Integer exitCode, String description, boolean wasReady,
                        Throwable startFailure, List<InFlightTask> orphans, String nodeLost) implements Event {
    }

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Duration LINK_LOST_GRACE = Duration.ofSeconds(1);
    /**
     * The same for a class-data training run ({@link ClassDataArchive}), whose JVM writes the archive after its link
     * is gone: seconds on a busy machine.
     */
    private static final Duration TRAINING_EXIT_GRACE = Duration.ofSeconds(60);
    /**
     * How long a pool's lent worker's node has to report the worker's exit once its link ended (a report crosses the
     * cluster in about a millisecond on a LAN); past it the node is taken for lost and the worker's tasks run again
     * elsewhere. Short, because it is the whole delay of a node-loss failover after a SIGKILL.
     */
    private static final Duration LENT_EXIT_GRACE = Duration.ofMillis(250);
    /** The same for a spawned process on another node, whose exit code its caller reads: no failover waits on it. */
    private static final Duration LENT_SPAWN_EXIT_GRACE = Duration.ofSeconds(3);

    private final ActorContext<Command> context;
    private final TimerScheduler<Command> timers;
    private final NodeContext node;
    private final LaunchSpec spec;
    private final ProcessRecord record;
    /** Whoever hears of the worker; changes once when a spare is taken (read by the link's thread). */
    private volatile ActorRef<Event> owner;
    /** The one task of a spawned worker that was a spare; {@code null} otherwise. */
    private InFlightTask claimedJob;
    private boolean claimHandled;
    private final Logger log;
    private OutputPump stderr;
    private WorkerConnection connection;
    private Throwable linkCause;
    private boolean linkClosed;
    private Integer pendingExit;
    private boolean stopRequested;
    /** The command the process was started with (for error messages). */
    private List<String> command = List.of();
    /** For a lent worker: why its node was lost, once it was. */
    private String nodeLostReason;

    private ProcessActor(ActorContext<Command> context, TimerScheduler<Command> timers, NodeContext node,
                         LaunchSpec spec, ProcessRecord record, ActorRef<Event> owner) {
        this.context = context;
        this.timers = timers;
        this.node = node;
        this.spec = spec;
        this.record = record;
        this.owner = owner;
        this.log = context.getLog();
    }

    /**
     * Spawns a process actor as a child of {@code parent} on the process dispatcher.
     *
     * @param owner receives {@link Event}s; {@code null} for a spawned single-task worker or an executable.
     */
    static ActorRef<Command> spawn(ActorContext<?> parent, NodeContext node, LaunchSpec spec, ProcessRecord record,
                                   ActorRef<Event> owner) {
        node.processes.put(record.id, record);
        return parent.spawn(create(node, spec, record, owner), spec.id(),
            DispatcherSelector.fromConfig("troupe.process-dispatcher"));
    }

    static Behavior<Command> create(NodeContext node, LaunchSpec spec, ProcessRecord record, ActorRef<Event> owner) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers ->
            new ProcessActor(ctx, timers, node, spec, record, owner).launch()));
    }

    /**
     * Spawns the actor of a remote worker, one that dialled in and passed its handshake: there is no process to
     * launch or watch; its link is its life, and the link's end is its exit.
     */
    static ActorRef<Command> spawnRemote(ActorContext<?> parent, NodeContext node, ProcessRecord record,
                                         ActorRef<Event> owner, RemoteWorkers.Arrival arrival) {
        record.remotePid = arrival.hello().getPid();
        record.remoteHost = arrival.hello().getHost().isEmpty() ? "?" : arrival.hello().getHost();
        node.processes.put(record.id, record);
        LaunchSpec spec = new LaunchSpec(record.id, true, List.of(), List.of(), java.util.Map.of(), null);
        return parent.spawn(Behaviors.<Command>setup(ctx -> Behaviors.withTimers(timers -> {
            ProcessActor a = new ProcessActor(ctx, timers, node, spec, record, owner);
            record.actor = ctx.getSelf();
            timers.startTimerWithFixedDelay(Tick.INSTANCE, node.settings.heartbeatInterval);
            a.onConnected(new Connected(arrival.handshake(), arrival.hello()));
            return a.receiving();
        })), record.id, DispatcherSelector.fromConfig("troupe.process-dispatcher"));
    }

    /**
     * Spawns the actor of a worker that another cluster node starts for this one
     * ({@link dev.troupe.spi.WorkerLending}):
     * the node is asked to start it; it dials this node's remote-worker server with its launch token. Its link is
     * its life here; its node reports its exit, or that the node was lost.
     */
    static ActorRef<Command> spawnLent(ActorContext<?> parent, NodeContext node, ProcessRecord record,
                                       ActorRef<Event> owner, String nodeId, String pool, LaunchSpec spec) {
        record.lentTo = nodeId;
        int hash = nodeId.indexOf('#');
        record.remoteHost = hash > 0 ? nodeId.substring(0, hash) : nodeId;
        node.processes.put(record.id, record);
        return parent.spawn(Behaviors.<Command>setup(ctx -> Behaviors.withTimers(timers ->
                new ProcessActor(ctx, timers, node, spec, record, owner).lend(pool))), record.id,
            DispatcherSelector.fromConfig("troupe.process-dispatcher"));
    }

    private Behavior<Command> lend(String pool) {
        record.actor = context.getSelf();
        byte[] token = new byte[32];
        RANDOM.nextBytes(token);
        ActorRef<Command> self = context.getSelf();
        NodeServer server = node.remoteServer;
        dev.troupe.spi.WorkerLending lending = node.lending;
        String nodeId = record.lentTo;
        server.expect(spec.id(), token, (handshake, hello) -> self.tell(new Connected(handshake, hello)));
        record.remoteKill = () -> lending.kill(nodeId, spec.id());
        timers.startSingleTimer(StartTimedOut.INSTANCE, node.settings.startTimeout);
        timers.startTimerWithFixedDelay(Tick.INSTANCE, node.settings.heartbeatInterval);
        lending.lend(nodeId, new dev.troupe.spi.WorkerLending.LendRequest(pool, spec.id(), token, server.address(),
            spec.jvmOptions()), new dev.troupe.spi.WorkerLending.LendListener() {
                @Override
                public void started(long pid, String host) {
                    self.tell(new LentStarted(pid, host));
                }

                @Override
                public void failed(String reason) {
                    self.tell(new LentFailed(reason));
                }

                @Override
                public void retire(String reason) {
                    self.tell(new Retire(reason));
                }

                @Override
                public void exited(int exitCode) {
                    self.tell(new LentExited(exitCode));
                }

                @Override
                public void lost(String reason) {
                    self.tell(new NodeLost(reason));
                }

                @Override
                public void suspended(boolean suspended) {
                    self.tell(new LentSuspended(suspended));
                }
            });
        return receiving();
    }

    private boolean isLent() {
        return record.lentTo != null;
    }

    private Behavior<Command> onLentStarted(LentStarted m) {
        if (record.remotePid < 0) {
            record.remotePid = m.pid();
        }
        if (!m.host().isEmpty()) {
            record.remoteHost = m.host();
        }
        return Behaviors.same();
    }

    private Behavior<Command> onLentFailed(LentFailed m) {
        if (record.state == ProcessState.EXITED) {
            return Behaviors.same();
        }
        return finish(null, new WorkerStartException("node " + record.lentTo + " could not start worker " + spec.id()
            + ": " + m.reason()));
    }

    private Behavior<Command> onLentExited(LentExited m) {
        int code = m.exitCode();
        if (connection != null && !linkClosed) {
            pendingExit = code;
            timers.startSingleTimer(ReaderDrainTimedOut.INSTANCE, LINK_LOST_GRACE);
            return Behaviors.same();
        }
        return finish(code, null);
    }

    private Behavior<Command> onRetire(Retire m) {
        if (connection != null && owner != null && record.state != ProcessState.EXITED) {
            owner.tell(new WorkerRetiring(record, connection, m.reason()));
            return Behaviors.same();
        }
        return onStop(new Stop(m.reason()));
    }

    private Behavior<Command> onNodeLost(NodeLost m) {
        nodeLostReason = m.reason();
        if (connection != null && !linkClosed) {
            // The link's end finishes the actor, once its reader has delivered what arrived.
            connection.link.close(new LinkClosedException(m.reason()));
            return Behaviors.same();
        }
        return finish(null, connection == null
            ? new WorkerStartException("worker " + spec.id() + " was to start on a node that was lost: " + m.reason())
            : null);
    }

    private Behavior<Command> launch() {
        record.actor = context.getSelf();
        byte[] token = new byte[32];
        RANDOM.nextBytes(token);
        ProcessBuilder pb;
        if (spec.worker()) {
            WorkerLauncher launcher = WorkerLauncher.of(node);
            pb = new ProcessBuilder(launcher.command(spec.jvmOptions(), spec.taskClasses()));
            pb.environment().putAll(spec.environment());
            pb.environment().putAll(launcher.environment(spec.id(), token));
            ActorRef<Command> self = context.getSelf();
            node.server.expect(spec.id(), token, (handshake, hello) -> self.tell(new Connected(handshake, hello)));
        } else {
            pb = new ProcessBuilder(spec.command());
            pb.environment().putAll(spec.environment());
        }
        command = pb.command();
        Process process;
        try {
            process = pb.start();
        } catch (IOException | RuntimeException e) {
            WorkerStartException failure = new WorkerStartException("cannot start " + spec.id() + " ("
                + String.join(" ", pb.command()) + "): " + e.getMessage(), e);
            return finish(null, failure);
        }
        record.process = process;
        long pid = process.pid();
        OutputPump stdout = OutputPump.start(process.getInputStream(), false, spec.id(), pid);
        stderr = OutputPump.start(process.getErrorStream(), true, spec.id(), pid);
        ActorRef<Command> self = context.getSelf();
        // Report the exit once the output is read to its end, so error messages hold the last lines.
        process.onExit().thenCompose(p -> CompletableFuture.allOf(stdout.done(), stderr.done())
                .completeOnTimeout(null, 2, TimeUnit.SECONDS))
            .whenComplete((v, e) -> self.tell(new Exited(process.exitValue())));
        if (spec.worker()) {
            timers.startSingleTimer(StartTimedOut.INSTANCE, node.settings.startTimeout);
            timers.startTimerWithFixedDelay(Tick.INSTANCE, node.settings.heartbeatInterval);
        } else {
            record.state = ProcessState.READY;
            record.started.complete(record);
        }
        return receiving();
    }

    private Behavior<Command> receiving() {
        return Behaviors.receive(Command.class)
            .onMessage(Connected.class, this::onConnected)
            .onMessage(Claimed.class, this::onClaimed)
            .onMessage(LinkClosed.class, this::onLinkClosed)
            .onMessage(Exited.class, this::onExited)
            .onMessage(Stop.class, this::onStop)
            .onMessageEquals(Tick.INSTANCE, this::onTick)
            .onMessageEquals(StartTimedOut.INSTANCE, this::onStartTimedOut)
            .onMessageEquals(ForceKill.INSTANCE, this::onForceKill)
            .onMessageEquals(ReaderDrainTimedOut.INSTANCE, () -> finish(pendingExit, null))
            .onMessage(LentStarted.class, this::onLentStarted)
            .onMessage(LentFailed.class, this::onLentFailed)
            .onMessage(LentExited.class, this::onLentExited)
            .onMessage(NodeLost.class, this::onNodeLost)
            .onMessage(LentSuspended.class, m -> {
                if (owner != null && record.state != ProcessState.EXITED) {
                    owner.tell(new WorkerSuspended(record, m.suspended()));
                }
                return Behaviors.same();
            })
            .onMessage(Retire.class, this::onRetire)
            .onMessageEquals(LinkLostGraceOver.INSTANCE, () -> finish(pendingExit, null))
            .build();
    }

    private Behavior<Command> onConnected(Connected c) {
        if (record.state != ProcessState.STARTING || stopRequested) {
            c.handshake().link.close();
            return Behaviors.same();
        }
        if (isLent()) {
            record.remotePid = c.hello().getPid();
        } else if (!record.isRemote() && c.hello().getPid() != record.pid()) {
            c.handshake().link.close(new MalformedFrameException("worker " + spec.id() + " connected from pid "
                + c.hello().getPid() + " but was started as pid " + record.pid()));
            return Behaviors.same();
        }
        ActorRef<Command> self = context.getSelf();
        connection = new WorkerConnection(spec.id(), record.pid(), c.handshake().link, node.codec, node.loader,
            node.settings.maxFrameBytes, node.decoder,
            new WorkerConnection.Listener() {
                @Override
                public void onTaskFinished(WorkerConnection conn, InFlightTask task) {
                    if (owner != null) {
                        owner.tell(new TaskFinished(conn, task));
                    }
                }

                @Override
                public void onLinkClosed(WorkerConnection conn, Throwable cause) {
                    self.tell(new LinkClosed(cause));
                }
            }, node.objects);
        c.handshake().attach(connection);
        NodeSettings s = node.settings;
        connection.link.send(Envelope.newBuilder().setWelcome(Welcome.newBuilder()
            .setProtocolVersion(WireProtocol.VERSION)
            .setNodeId(node.nodeId)
            .setHeartbeatIntervalMs((int) s.heartbeatInterval.toMillis())
            .setLivenessTimeoutMs((int) s.livenessTimeout.toMillis())
            .setMaxFrameBytes(s.maxFrameBytes)
            .addCapabilities(WorkerConnection.CAPABILITY_LOG)).build());
        timers.cancel(StartTimedOut.INSTANCE);
        record.connection = connection;
        record.state = ProcessState.READY;
        log.debug("worker {} (pid {}) connected over {}", spec.id(), record.pid(), connection.link.description());
        // The owner hears of the worker before anyone waiting on `started` can act on it.
        if (owner != null) {
            owner.tell(new WorkerReady(record, connection));
        }
        record.started.complete(record);
        if (spec.job() != null) {
            connection.submit(spec.job());
        }
        if (claimedJob != null) {
            connection.submit(claimedJob);
        }
        return Behaviors.same();
    }

    private Behavior<Command> onClaimed(Claimed c) {
        if (claimHandled) {
            return Behaviors.same();
        }
        claimHandled = true;
        owner = c.owner();
        record.pool = c.pool();
        claimedJob = c.job();
        if (record.state == ProcessState.READY && connection != null) {
            // Otherwise onConnected tells the owner and sends the job, or finish says how the worker ended.
            if (c.owner() != null) {
                c.owner().tell(new WorkerReady(record, connection));
            }
            if (c.job() != null) {
                connection.submit(c.job());
            }
        }
        return Behaviors.same();
    }

    private Behavior<Command> onLinkClosed(LinkClosed m) {
        linkCause = m.cause();
        linkClosed = true;
        if (isLent()) {
            if (pendingExit != null || nodeLostReason != null) {
                return finish(pendingExit, null);
            }
            if (stopRequested) {
                return finish(0, null);
            }
            // Its node says how it ended (an exit code: the worker died) unless the node went too (no word).
            timers.startSingleTimer(LinkLostGraceOver.INSTANCE,
                owner == null ? LENT_SPAWN_EXIT_GRACE : LENT_EXIT_GRACE);
            return Behaviors.same();
        }
        if (record.isRemote()) {
            // A remote worker's link is all there is of it here.
            return finish(stopRequested || m.cause() == null ? Integer.valueOf(0) : null, null);
        }
        if (pendingExit != null) {
            // The reader has now delivered every result the worker sent before it died.
            return finish(pendingExit, null);
        }
        if (m.cause() != null && !(m.cause() instanceof LinkClosedException) && !stopRequested) {
            log.warn("link to worker {} (pid {}) closed: {}", spec.id(), record.pid(), m.cause().getMessage());
        }
        if (record.state != ProcessState.EXITED) {
            record.state = ProcessState.STOPPING;
            // A worker exits by itself when its link goes; one that does not is killed.
            timers.startSingleTimer(ForceKill.INSTANCE, record.internal ? TRAINING_EXIT_GRACE : LINK_LOST_GRACE);
        }
        return Behaviors.same();
    }

    private Behavior<Command> onExited(Exited m) {
        int code = Exits.pythonStyle(m.rawExitCode());
        if (connection != null && !linkClosed) {
            // Results may still sit unread in the link: let its reader reach the end first (bounded wait).
            pendingExit = code;
            timers.startSingleTimer(ReaderDrainTimedOut.INSTANCE, LINK_LOST_GRACE);
            return Behaviors.same();
        }
        return finish(code, null);
    }

    private Behavior<Command> finish(Integer exitCode, Throwable launchFailure) {
        if (record.spare && !claimHandled) {
            // A spare ends: taken meanwhile (the claim's message not read yet), its taker hears of it; else no one
            // may take it any more.
            Object claim = record.spareClaim.compareAndExchange(null, ProcessRecord.SPARE_GONE);
            if (claim instanceof Claimed c) {
                claimHandled = true;
                owner = c.owner();
                claimedJob = c.job();
            }
        }
        boolean wasReady = record.started.isDone() && !record.started.isCompletedExceptionally();
        if (record.state == ProcessState.EXITED) {
            return Behaviors.stopped();
        }
        record.state = ProcessState.EXITED;
        node.server.forget(spec.id());
        NodeServer remote = node.remoteServer;
        if (remote != null) {
            remote.forget(spec.id());
        }
        if (isLent() && node.lending != null) {
            node.lending.forget(spec.id());
        }
        String nodeLost = null;
        if (isLent() && exitCode == null && !stopRequested && launchFailure == null) {
            nodeLost = nodeLostReason != null ? nodeLostReason : "node " + record.lentTo + " did not say how worker "
                + spec.id() + " ended after its link was lost" + (linkCause == null ? "" : " (" + linkCause.getMessage()
                + ")");
        }
        String who = isLent() ? "worker " + spec.id() + " (pid " + record.pid() + " on " + record.remoteHost
            + ", lent by node " + record.lentTo + ")"
            : record.isRemote() ? "remote worker " + spec.id() + " (pid " + record.pid() + " on "
            + record.remoteHost + ")"
            : (spec.worker() ? "worker " : "process ") + spec.id() + " (pid " + record.pid() + ")";
        String description = who + " " + (nodeLost != null ? "was lost with its node: " + nodeLost
            : record.isRemote() && exitCode == null
            ? "lost its connection" + (linkCause == null ? "" : ": " + linkCause.getMessage())
            : Exits.describe(exitCode));
        Throwable startFailure = launchFailure;
        if (startFailure == null && record.started.isCompletedExceptionally()) {
            startFailure = record.started.handle((v, e) -> e).getNow(null);
        }
        if (startFailure == null && !record.started.isDone()) {
            String tail = stderr == null ? "" : stderr.tail();
            startFailure = new WorkerStartException(who + " " + Exits.describe(exitCode) + " before it connected"
                + (tail.isEmpty() ? " (no error output)" : "; its error output:\n" + tail)
                + WorkerLauncher.adviceFor(tail, command));
        }
        if (startFailure != null) {
            record.started.completeExceptionally(startFailure);
        }
        List<InFlightTask> orphans = connection == null ? new ArrayList<>() : connection.drainInFlight();
        if (connection != null) {
            connection.link.close();
        }
        if (owner != null) {
            owner.tell(new WorkerExited(record, exitCode, description, wasReady, startFailure, orphans, nodeLost));
        } else {
            for (InFlightTask t : orphans) {
                t.sink.fail(crash(description, t, exitCode));
            }
            for (InFlightTask job : new InFlightTask[] {spec.job(), claimedJob}) {
                if (job != null && !job.sink.isDone()) {
                    job.sink.fail(startFailure != null ? startFailure : nodeLost != null
                        ? new dev.troupe.NodeLostException(description + " while running " + job, record.lentTo)
                        : crash(description, job, exitCode));
                }
            }
        }
        if (owner == null && exitCode != null && exitCode < 0 && !stopRequested && wasReady) {
            log.warn("{}", description);
        }
        // A process elsewhere whose end nobody reported is lost, which its exit code says apart from "still runs".
        record.exited.complete(exitCode == null && record.isRemote() && !stopRequested && launchFailure == null
            ? Integer.valueOf(ManagedProcess.EXIT_LOST) : exitCode);
        node.processes.remove(record.id, record);
        return Behaviors.stopped();
    }

    WorkerCrashedException crash(String description, InFlightTask task, Integer exitCode) {
        return crashOf(description, task, spec.id(), record.pid(), exitCode, linkCause);
    }

    static WorkerCrashedException crashOf(String description, InFlightTask task, String workerId, long pid,
                                          Integer exitCode, Throwable linkCause) {
        WorkerCrashedException e = new WorkerCrashedException(description + " while running " + task, workerId,
            pid, exitCode);
        if (linkCause != null) {
            e.initCause(linkCause);
        }
        return e;
    }

    private Behavior<Command> onStop(Stop m) {
        if (record.state == ProcessState.EXITED) {
            return Behaviors.same();
        }
        stopRequested = true;
        record.state = ProcessState.STOPPING;
        if (connection != null && connection.link.isOpen()) {
            connection.shutdown(0, m.reason());
        } else if (record.process != null) {
            record.process.destroy();
        }
        timers.startSingleTimer(ForceKill.INSTANCE, node.settings.stopGrace);
        return Behaviors.same();
    }

    private Behavior<Command> onTick() {
        WorkerConnection c = connection;
        if (c != null && c.link.isOpen()) {
            // Workers over TCP watch their link for silence (a remote one has no parent pid to watch).
            c.link.send(Envelope.newBuilder().setHeartbeat(dev.troupe.wire.Heartbeat.newBuilder()
                .setSentAt(System.nanoTime())).build());
        }
        if (c != null && c.link.isOpen()) {
            long silentNanos = System.nanoTime() - c.lastHeardNanos();
            if (silentNanos > node.settings.livenessTimeout.toNanos()) {
                c.link.close(new LinkClosedException("no heartbeat from worker " + spec.id() + " (pid "
                    + record.pid() + ") for " + TimeUnit.NANOSECONDS.toMillis(silentNanos) + " ms"));
            }
        }
        return Behaviors.same();
    }

    private Behavior<Command> onStartTimedOut() {
        if (record.state == ProcessState.STARTING && isLent()) {
            record.remoteKill.run();
            return finish(null, new WorkerStartException("worker " + spec.id() + " lent by node " + record.lentTo
                + " did not connect within " + node.settings.startTimeout.toMillis() + " ms"));
        }
        if (record.state == ProcessState.STARTING) {
            String tail = stderr == null ? "" : stderr.tail();
            record.started.completeExceptionally(new WorkerStartException("worker " + spec.id() + " (pid "
                + record.pid() + ") did not connect within " + node.settings.startTimeout.toMillis() + " ms"
                + (tail.isEmpty() ? "" : "; its error output:\n" + tail) + WorkerLauncher.adviceFor(tail, command)));
            record.state = ProcessState.STOPPING;
            record.process.destroyForcibly();
        }
        return Behaviors.same();
    }

    private Behavior<Command> onForceKill() {
        WorkerConnection c = connection;
        if (isLent()) {
            record.remoteKill.run();
            if (c == null) {
                return finish(null, new WorkerStartException("worker " + spec.id() + " was stopped before it"
                    + " connected"));
            }
        }
        if (record.isRemote() && c != null) {
            c.link.close(new LinkClosedException("remote worker " + spec.id() + " did not stop in time"));
        }
        Process p = record.process;
        if (p != null && p.isAlive()) {
            log.debug("killing {} (pid {}): it did not exit in time", spec.id(), p.pid());
            p.destroyForcibly();
        }
        return Behaviors.same();
    }
}
