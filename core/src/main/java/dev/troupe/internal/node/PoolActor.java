package dev.troupe.internal.node;

import dev.troupe.WorkerCrashedException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * INTERNAL API. Dispatches a pool's tasks to its workers (one {@link ProcessActor} each, children of this actor):
 * keeps up to {@code window} chunks in flight per worker so round trips overlap, replaces workers that die and
 * re-queues their tasks (the one that was running counts against its retry budget), and stops everything on
 * close or terminate. A single task submitted while a worker is idle and nothing is queued does not pass through
 * this actor: the caller writes it to the worker itself ({@link FastLane}), and this actor hears of it only if the
 * worker dies or the task is cancelled.
 */
final class PoolActor {

    interface Command {
    }

    /** Queue tasks; the sender counted them in the lane's backlog (callers go through {@link FastLane#enqueue}). */
    record Enqueue(List<InFlightTask> tasks) implements Command {
    }

    /** Take the tasks callers handed to the pool's lane ({@link FastLane#enqueue}), and dispatch. */
    enum Drain implements Command { INSTANCE }

    /** Finish queued work, then stop the workers; {@code done} completes when they have exited. */
    record Close(boolean terminate, CompletableFuture<Void> done) implements Command {
    }

    /** The caller cancelled a task (its sink is done already); stop it if it runs. */
    record Cancel(long taskId) implements Command {
    }

    /** A remote worker joined and was given to this pool. */
    record AdoptRemote(RemoteWorkers.Arrival arrival) implements Command {
    }

    private record Wrapped(ProcessActor.Event event) implements Command {
    }

    private record Deadline(InFlightTask task) implements Command {
    }

    private record CancelGraceOver(long taskId, WorkerConnection connection) implements Command {
    }

    /** What the pool needs to know to run. */
    record Spec(String name, int workers, int window, int maxRetries, List<String> jvmOptions,
                java.time.Duration taskTimeout, java.time.Duration cancelGrace, TaskFunction initializer,
                int maxTasksPerChild, boolean acceptRemote, dev.troupe.Placement placement,
                java.util.Set<String> nodeLabels, int perNode, int maxNodeFailovers) {
    }

    private final ActorContext<Command> context;
    private final NodeContext node;
    /** The callers' way around this actor to idle workers; open only when {@link #laneAllowed}. */
    private final FastLane lane;
    /** Whether this pool keeps no clock or count per task (no time-out, no maxTasksPerChild): see {@link FastLane}. */
    private final boolean laneAllowed;
    /** The workers the lane was last opened to. */
    private List<WorkerConnection> laneWorkers = List.of();
    private final Spec spec;
    private final ActorRef<ProcessActor.Event> events;
    private final CompletableFuture<List<ProcessRecord>> initial;
    private final List<ProcessRecord> firstWorkers = new ArrayList<>();
    /** The run time queued on one worker beyond the chunk it runs, when chunks are long: see {@link #windowOf}. */
    private static final long QUEUED_WORK_NANOS = 2_000_000;
    private final Map<WorkerConnection, ProcessRecord> ready = new LinkedHashMap<>();
    private final Map<String, ProcessRecord> live = new LinkedHashMap<>();
    private final ArrayDeque<InFlightTask> queue = new ArrayDeque<>();
    /** Chunks each worker has finished, for maxTasksPerChild. */
    private final Map<WorkerConnection, Integer> finished = new java.util.HashMap<>();
    /** The ids of lent workers whose node is unreachable: no new work until it is reachable again. */
    private final java.util.Set<String> suspended = new java.util.HashSet<>();
    /** Workers past maxTasksPerChild: no new work; stopped once idle. */
    private final Map<WorkerConnection, ProcessRecord> retiring = new java.util.HashMap<>();
    private CompletableFuture<Void> closed;
    private boolean terminating;
    private int consecutiveStartFailures;

    private final org.apache.pekko.actor.typed.javadsl.TimerScheduler<Command> timers;

    private PoolActor(ActorContext<Command> context,
                      org.apache.pekko.actor.typed.javadsl.TimerScheduler<Command> timers, NodeContext node,
                      Spec spec, FastLane lane, CompletableFuture<List<ProcessRecord>> initial) {
        this.context = context;
        this.lane = lane;
        this.laneAllowed = spec.taskTimeout() == null && spec.maxTasksPerChild() == 0;
        this.timers = timers;
        this.node = node;
        this.spec = spec;
        this.initial = initial;
        this.events = context.messageAdapter(ProcessActor.Event.class, Wrapped::new);
    }

    /**
     * @param lane    the pool's lane, which callers use once this actor opens it to its workers; counts the tasks
     *                told to this actor ({@link Enqueue}) until they are written to a worker.
     * @param initial completes with the first workers' records once the actor has launched them.
     */
    static Behavior<Command> create(NodeContext node, Spec spec, FastLane lane,
                                    CompletableFuture<List<ProcessRecord>> initial) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers ->
            new PoolActor(ctx, timers, node, spec, lane, initial).start()));
    }

    private Behavior<Command> start() {
        for (String target : place(spec.workers())) {
            firstWorkers.add(launchOn(target));
        }
        initial.complete(List.copyOf(firstWorkers));
        if (spec.acceptRemote()) {
            node.remoteWorkers.addPool(context.getSelf());
        }
        return Behaviors.receive(Command.class)
            .onMessage(Enqueue.class, this::onEnqueue)
            .onMessageEquals(Drain.INSTANCE, this::onDrain)
            .onMessage(AdoptRemote.class, this::onAdoptRemote)
            .onMessage(Close.class, this::onClose)
            .onMessage(Cancel.class, this::onCancel)
            .onMessage(Deadline.class, this::onDeadline)
            .onMessage(CancelGraceOver.class, this::onCancelGraceOver)
            .onMessage(Wrapped.class, w -> onEvent(w.event()))
            .onSignal(org.apache.pekko.actor.typed.PostStop.class, signal -> {
                if (spec.acceptRemote()) {
                    node.remoteWorkers.poolStopped(context.getSelf());
                }
                return Behaviors.same();
            })
            .build();
    }

    private Behavior<Command> next() {
        return closed != null && closed.isDone() ? Behaviors.stopped() : Behaviors.same();
    }

    /** The lending service when this pool may place workers on other nodes; else {@code null}. */
    private dev.troupe.spi.WorkerLending lending() {
        dev.troupe.spi.WorkerLending lending = node.lending;
        return lending == null || node.remoteServer == null || spec.placement() == dev.troupe.Placement.LOCAL
            ? null : lending;
    }

    /** Where {@code n} new workers start: node ids, or {@code null} for this node. */
    private List<String> place(int n) {
        dev.troupe.spi.WorkerLending lending = lending();
        List<String> out = new ArrayList<>();
        if (lending == null) {
            for (int i = 0; i < n; i++) {
                out.add(null);
            }
            return out;
        }
        Map<String, Integer> current = new java.util.HashMap<>();
        for (ProcessRecord r : live.values()) {
            current.merge(r.lentTo != null ? r.lentTo : lending.selfId(), 1, Integer::sum);
        }
        List<String> targets;
        try {
            long now = System.nanoTime();
            avoidNodes.values().removeIf(at -> now - at > AVOID_LOST_NODE_NANOS);
            targets = lending.place(new dev.troupe.spi.WorkerLending.PlacementRequest(spec.name(), spec.placement(),
                spec.nodeLabels(), spec.perNode(), avoidNodes.keySet()), n, current);
        } catch (RuntimeException e) {
            context.getLog().warn("pool {}: cannot place workers on the cluster ({}); starting them here",
                spec.name(), e.toString());
            targets = List.of();
        }
        for (int i = 0; i < n; i++) {
            String t = i < targets.size() ? targets.get(i) : null;
            out.add(t == null || t.equals(lending.selfId()) ? null : t);
        }
        return out;
    }

    /** Nodes where this pool lost workers with their node, or that are leaving, and since when: avoided a while. */
    private final Map<String, Long> avoidNodes = new java.util.HashMap<>();
    /** How long a node where workers were lost is avoided: past the cluster's own verdict on it, by default. */
    private static final long AVOID_LOST_NODE_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(60);

    private ProcessRecord launchOn(String target) {
        if (target == null) {
            return launchWorker();
        }
        ProcessRecord record = new ProcessRecord(node.nextWorkerId());
        ProcessActor.spawnLent(context, node, record, events, target, spec.name(),
            new LaunchSpec(record.id, true, List.of(), spec.jvmOptions(), Map.of(), null));
        live.put(record.id, record);
        return record;
    }

    private ProcessRecord launchWorker() {
        Spares spares = node.spares;
        ProcessRecord spare = spares == null ? null
            : spares.take(spec.jvmOptions(), List.of(), events, null, context.getSelf().path().name());
        if (spare != null) {
            live.put(spare.id, spare);
            return spare;
        }
        ProcessRecord record = new ProcessRecord(node.nextWorkerId());
        LaunchSpec launch = new LaunchSpec(record.id, true, List.of(), spec.jvmOptions(), Map.of(), null);
        ProcessActor.spawn(context, node, launch, record, events);
        live.put(record.id, record);
        return record;
    }

    private Behavior<Command> onAdoptRemote(AdoptRemote m) {
        RemoteWorkers.Arrival a = m.arrival();
        node.remoteWorkers.settled(a);
        if (terminating || (closed != null && queue.isEmpty())) {
            // Too late for this pool: the worker goes back and joins again.
            a.handshake().link.send(dev.troupe.wire.Envelope.newBuilder().setShutdown(
                dev.troupe.wire.Shutdown.newBuilder().setReason("pool " + spec.name() + " closed")).build());
            a.handshake().link.close();
            return Behaviors.same();
        }
        ProcessRecord record = new ProcessRecord(node.nextRemoteId());
        ProcessActor.spawnRemote(context, node, record, events, a);
        live.put(record.id, record);
        context.getLog().info("pool {}: {} joined as {}", spec.name(), a.describe(), record.id);
        return Behaviors.same();
    }

    private Behavior<Command> onDrain() {
        List<InFlightTask> tasks = new ArrayList<>();
        lane.drainTo(tasks);
        if (!tasks.isEmpty()) {
            return onEnqueue(new Enqueue(tasks));
        }
        dispatch(); // workers freed slots while tasks waited
        return next();
    }

    private Behavior<Command> onEnqueue(Enqueue m) {
        if (closed != null) {
            lane.backlog.addAndGet(-m.tasks().size());
            for (InFlightTask t : m.tasks()) {
                t.sink.fail(new IllegalStateException("pool " + spec.name() + " is closed"));
            }
            return Behaviors.same();
        }
        queue.addAll(m.tasks());
        if (live.isEmpty() && !spec.acceptRemote()) {
            // Every worker failed to start: say so rather than let the work wait for nobody.
            failQueued(new dev.troupe.WorkerStartException("pool " + spec.name() + " has no workers: they keep"
                + " failing to start (see the log)"));
        }
        dispatch();
        return Behaviors.same();
    }

    private void dispatch() {
        // Deal queued tasks out one at a time to the workers with room in their window, so a burst of chunks is
        // shared evenly; then write each worker's share with one call.
        Map<WorkerConnection, List<InFlightTask>> shares = new LinkedHashMap<>();
        List<WorkerConnection> open = new ArrayList<>(ready.size());
        for (Map.Entry<WorkerConnection, ProcessRecord> e : ready.entrySet()) {
            if (suspended.isEmpty() || !suspended.contains(e.getValue().id)) {
                open.add(e.getKey());
            }
        }
        if (open.size() > 1) {
            // The least busy first: chunks that arrive one at a time (imap) go round the workers instead of filling
            // the first one's window while another, on this node or another, waits with none.
            open.sort(java.util.Comparator.comparingInt(WorkerConnection::inFlightCount));
        }
        while (!queue.isEmpty() && !open.isEmpty()) {
            for (Iterator<WorkerConnection> it = open.iterator(); it.hasNext() && !queue.isEmpty(); ) {
                WorkerConnection c = it.next();
                List<InFlightTask> share = shares.computeIfAbsent(c, k -> new ArrayList<>());
                if (!ready.containsKey(c) || c.inFlightCount() + share.size() >= windowOf(c)) {
                    it.remove();
                    continue;
                }
                InFlightTask t = queue.poll();
                if (t.sink.isDone()) {
                    lane.backlog.decrementAndGet();
                    continue;
                }
                share.add(t);
                if (spec.maxTasksPerChild() > 0) {
                    countAndMaybeRetire(c);
                }
            }
        }
        for (Map.Entry<WorkerConnection, List<InFlightTask>> e : shares.entrySet()) {
            List<InFlightTask> share = e.getValue();
            if (share.isEmpty()) {
                continue;
            }
            int taken = e.getKey().submitAll(share);
            for (int i = share.size() - 1; i >= taken; i--) {
                queue.addFirst(share.get(i));
            }
            // Only once they are in flight: until then a caller's task could overtake them on the lane.
            lane.backlog.addAndGet(-taken);
            if (spec.taskTimeout() != null) {
                for (int i = 0; i < taken; i++) {
                    timers.startSingleTimer(share.get(i), new Deadline(share.get(i)), spec.taskTimeout());
                }
            }
        }
        maybeFinishClose();
    }

    /**
     * How many chunks to keep in flight on a worker: enough queued work to hide a round trip, and no more, so
     * that long chunks are not stuck behind each other on one worker while another is idle. Short chunks get the
     * whole window; chunks of a few milliseconds get two.
     */
    private int windowOf(WorkerConnection c) {
        long run = c.averageRunNanos();
        if (run == 0) {
            return spec.window();
        }
        long fit = QUEUED_WORK_NANOS / run + 1;
        return (int) Math.min(spec.window(), Math.max(2, fit));
    }

    private Behavior<Command> onEvent(ProcessActor.Event e) {
        if (e instanceof ProcessActor.TaskFinished) {
            ProcessActor.TaskFinished f = (ProcessActor.TaskFinished) e;
            if (spec.taskTimeout() != null && f.task() != null && !(f.task().decoding && !f.task().sink.isDone())) {
                // A result still decoding keeps its time-out: the value itself may be what takes for ever.
                timers.cancel(f.task());
            }
            ProcessRecord r = retiring.get(f.connection());
            if (r != null && f.connection().inFlightCount() == 0) {
                retiring.remove(f.connection());
                r.actor.tell(new ProcessActor.Stop(r.lentTo != null ? "its node is leaving"
                    : "recycled after " + spec.maxTasksPerChild() + " tasks"));
            }
            dispatch();
        } else if (e instanceof ProcessActor.WorkerRetiring) {
            ProcessActor.WorkerRetiring w = (ProcessActor.WorkerRetiring) e;
            // Closed to callers before its load is read below: see FastLane.
            w.connection().closeLane();
            ProcessRecord r = ready.remove(w.connection());
            publishLane();
            if (r != null) {
                context.getLog().info("pool {}: {} gets no more tasks: {}", spec.name(), r.id, w.reason());
                if (r.lentTo != null) {
                    avoidNodes.put(r.lentTo, System.nanoTime());
                }
                if (w.connection().inFlightCount() == 0) {
                    r.actor.tell(new ProcessActor.Stop(w.reason()));
                } else {
                    retiring.put(w.connection(), r);
                }
            }
        } else if (e instanceof ProcessActor.WorkerReady) {
            ProcessActor.WorkerReady r = (ProcessActor.WorkerReady) e;
            consecutiveStartFailures = 0;
            if (terminating || (closed != null && queue.isEmpty())) {
                r.record().actor.tell(new ProcessActor.Stop("pool closing"));
            } else {
                ready.put(r.connection(), r.record());
                if (spec.initializer() != null) {
                    runInitializer(r.connection(), r.record());
                }
                publishLane();
                dispatch();
            }
        } else if (e instanceof ProcessActor.WorkerExited) {
            onWorkerExited((ProcessActor.WorkerExited) e);
        } else if (e instanceof ProcessActor.WorkerSuspended) {
            onWorkerSuspended((ProcessActor.WorkerSuspended) e);
        }
        return next();
    }

    /**
     * A lent worker's node became unreachable, or reachable again: while it is, the worker keeps the tasks it has
     * (they run again elsewhere only if the node is lost) and gets no new ones.
     */
    private void onWorkerSuspended(ProcessActor.WorkerSuspended s) {
        String id = s.record().id;
        if (!live.containsKey(id)) {
            return;
        }
        if (s.suspended()) {
            if (suspended.add(id)) {
                publishLane();
                context.getLog().info("pool {}: {} gets no new tasks while its node {} is unreachable", spec.name(),
                    id, s.record().lentTo);
            }
        } else if (suspended.remove(id)) {
            publishLane();
            context.getLog().info("pool {}: {} takes tasks again: its node {} is reachable", spec.name(), id,
                s.record().lentTo);
            dispatch();
        }
    }

    private void onWorkerExited(ProcessActor.WorkerExited x) {
        live.remove(x.record().id);
        suspended.remove(x.record().id);
        ready.values().remove(x.record());
        retiring.values().remove(x.record());
        publishLane();
        finished.keySet().removeIf(c -> c.workerId.equals(x.record().id));
        List<InFlightTask> orphans = x.orphans();
        if (x.nodeLost() != null && !orphans.isEmpty() && !terminating) {
            context.getLog().warn("pool {}: {}; its {} task(s) in flight run again on other workers", spec.name(),
                x.description(), orphans.size());
        }
        for (int i = orphans.size() - 1; i >= 0; i--) {
            InFlightTask t = orphans.get(i);
            if (t.sink.isDone()) {
                continue;
            }
            if (terminating) {
                t.sink.fail(new CancellationException("pool " + spec.name() + " was terminated"));
                continue;
            }
            if (x.nodeLost() != null) {
                // The node failed, not the task: a failover, not a retry.
                t.nodeFailovers++;
                if (t.nodeFailovers > spec.maxNodeFailovers()) {
                    t.sink.fail(new dev.troupe.NodeLostException(t + " was lost with the node of its worker "
                        + x.record().id + " " + (spec.maxNodeFailovers() + 1) + " times (maxNodeFailovers "
                        + spec.maxNodeFailovers() + "); last: " + x.nodeLost(), x.record().lentTo));
                    continue;
                }
                requeue(t);
                continue;
            }
            if (i == 0) {
                // The one that was running when the worker died: it may be what killed it.
                t.crashes++;
                if (t.crashes > spec.maxRetries()) {
                    WorkerCrashedException crash = ProcessActor.crashOf(x.description(), t, x.record().id,
                        x.record().pid(), x.exitCode(), null);
                    t.sink.fail(spec.maxRetries() == 0 ? crash : new WorkerCrashedException(crash.getMessage()
                        + " (retried " + spec.maxRetries() + " times)", crash.workerId(), crash.pid(),
                        crash.exitCode()));
                    continue;
                }
            }
            requeue(t);
        }
        if (x.record().lentTo != null) {
            replaceLent(x);
        } else if (x.record().isRemote()) {
            if (x.wasReady() && !Integer.valueOf(0).equals(x.exitCode()) && !terminating) {
                context.getLog().warn("pool {}: {}", spec.name(), x.description());
            }
        } else if (!terminating && (closed == null || (!queue.isEmpty() && live.isEmpty()))) {
            if (x.startFailure() != null) {
                consecutiveStartFailures++;
            }
            if (consecutiveStartFailures > spec.workers() * 3) {
                context.getLog().error("pool {}: workers keep failing to start; failing queued tasks: {}",
                    spec.name(), x.startFailure().getMessage());
                failQueued(x.startFailure());
            } else {
                if (x.wasReady() && !Integer.valueOf(0).equals(x.exitCode())) {
                    context.getLog().warn("pool {}: {}; starting a replacement", spec.name(), x.description());
                }
                launchWorker();
            }
        }
        dispatch();
        maybeFinishClose();
    }

    /**
     * A worker another node lent is gone: unless the pool is closing, a replacement is placed again (the lost node
     * is no longer a candidate); one that could not start is replaced here, so the pool never waits on a node
     * that cannot serve it.
     */
    private void replaceLent(ProcessActor.WorkerExited x) {
        if (terminating || (closed != null && (queue.isEmpty() || !live.isEmpty()))) {
            return;
        }
        if (x.nodeLost() != null) {
            avoidNodes.put(x.record().lentTo, System.nanoTime());
        }
        if (x.startFailure() != null) {
            context.getLog().warn("pool {}: {}; starting a worker here instead", spec.name(),
                x.startFailure().getMessage());
            launchWorker();
            return;
        }
        if (x.nodeLost() == null && x.wasReady() && !Integer.valueOf(0).equals(x.exitCode())) {
            context.getLog().warn("pool {}: {}; starting a replacement", spec.name(), x.description());
        }
        launchOn(place(1).get(0));
    }

    private Behavior<Command> onClose(Close m) {
        if (closed == null) {
            closed = new CompletableFuture<>();
        }
        // Before any worker's load is read (maybeFinishClose): see FastLane.
        for (WorkerConnection c : ready.keySet()) {
            c.closeLane();
        }
        publishLane();
        closed.whenComplete((v, e) -> m.done().complete(null));
        if (spec.acceptRemote() && m.terminate()) {
            // Closing (not terminating) keeps taking remote workers until the queued work is done.
            node.remoteWorkers.removePool(context.getSelf());
        }
        if (m.terminate() && !terminating) {
            terminating = true;
            failQueued(new CancellationException("pool " + spec.name() + " was terminated"));
            for (ProcessRecord r : live.values()) {
                kill(r);
            }
        }
        maybeFinishClose();
        return next();
    }

    private void countAndMaybeRetire(WorkerConnection c) {
        int n = finished.merge(c, 1, Integer::sum);
        if (n >= spec.maxTasksPerChild()) {
            c.closeLane();
            ProcessRecord r = ready.remove(c);
            finished.remove(c);
            if (r != null) {
                retiring.put(c, r);
            }
        }
    }

    /** Runs the pool's initializer first on a new worker; a worker whose initializer throws is replaced. */
    private void runInitializer(WorkerConnection c, ProcessRecord r) {
        String pool = spec.name();
        org.slf4j.Logger log = context.getLog();
        c.submit(new InFlightTask(node.nextTaskId(), spec.initializer(),
            node.codec.encodeList(java.util.Collections.singletonList(null)), 1, new TaskSink() {
                private volatile boolean done;

                @Override
                public void succeed(List<Object> outputs) {
                    done = true;
                }

                @Override
                public void fail(Throwable error) {
                    done = true;
                    if (error instanceof dev.troupe.RemoteTaskException) {
                        log.error("pool {}: initializer failed on {}; replacing the worker: {}", pool, c,
                            error.getMessage());
                        kill(r);
                    }
                }

                @Override
                public boolean isDone() {
                    return done;
                }
            }));
    }

    private WorkerConnection holderOf(long taskId) {
        for (WorkerConnection c : ready.keySet()) {
            if (c.holds(taskId)) {
                return c;
            }
        }
        return null;
    }

    private Behavior<Command> onCancel(Cancel m) {
        WorkerConnection c = holderOf(m.taskId());
        if (c != null) {
            c.cancel(m.taskId());
            if (c.isRunning(m.taskId())) {
                timers.startSingleTimer(new CancelGraceOver(m.taskId(), c), spec.cancelGrace());
            } else {
                // Still waiting on the worker, which drops it: free its slot now.
                c.take(m.taskId());
                dispatch();
            }
        }
        return Behaviors.same();
    }

    private Behavior<Command> onCancelGraceOver(CancelGraceOver m) {
        if (m.connection().holds(m.taskId())) {
            context.getLog().warn("pool {}: {} ignored the cancel of task {} for {} ms; killing it", spec.name(),
                m.connection(), m.taskId(), spec.cancelGrace().toMillis());
            kill(m.connection());
        }
        return Behaviors.same();
    }

    private Behavior<Command> onDeadline(Deadline m) {
        InFlightTask t = m.task();
        WorkerConnection c = holderOf(t.taskId);
        if (c == null && t.decoding && !t.sink.isDone()) {
            // The worker answered; it is the node that is still reading the answer. Nobody to stop: the decoder
            // gives it up once its own budget runs out, and the caller hears now.
            t.sink.fail(new java.util.concurrent.TimeoutException(t + " exceeded its timeout of "
                + spec.taskTimeout().toMillis() + " ms: its result was still being decoded"));
            return Behaviors.same();
        }
        if (c == null || t.sink.isDone()) {
            return Behaviors.same();
        }
        if (!c.isRunning(t.taskId)) {
            // Still waiting behind another task on that worker: its clock starts again.
            timers.startSingleTimer(t, new Deadline(t), spec.taskTimeout());
            return Behaviors.same();
        }
        t.sink.fail(new java.util.concurrent.TimeoutException(t + " exceeded its timeout of "
            + spec.taskTimeout().toMillis() + " ms on " + c + "; the worker is replaced"));
        kill(c);
        return Behaviors.same();
    }

    private void kill(WorkerConnection c) {
        ProcessRecord r = ready.get(c);
        if (r != null) {
            kill(r);
        }
    }

    private static void kill(ProcessRecord r) {
        r.kill("was stopped by its pool");
    }

    /** Puts a task that was in flight back at the head of the queue. */
    private void requeue(InFlightTask t) {
        lane.backlog.incrementAndGet();
        queue.addFirst(t);
    }

    private void failQueued(Throwable why) {
        InFlightTask t;
        while ((t = queue.poll()) != null) {
            lane.backlog.decrementAndGet();
            t.sink.fail(why);
        }
    }

    /**
     * Opens the lane to the workers that take new tasks (ready, not suspended, the pool open) and closes it to the
     * rest; a worker's lane is closed before the actor reads its load to retire or stop it.
     */
    private void publishLane() {
        List<WorkerConnection> open = new ArrayList<>(ready.size());
        for (Map.Entry<WorkerConnection, ProcessRecord> e : ready.entrySet()) {
            WorkerConnection c = e.getKey();
            if (laneAllowed && closed == null && !suspended.contains(e.getValue().id)) {
                c.openLane(lane);
                open.add(c);
            } else {
                c.closeLane();
            }
        }
        for (WorkerConnection c : laneWorkers) {
            if (!open.contains(c)) {
                c.closeLane(); // gone from ready: exited, retired
            }
        }
        laneWorkers = open;
        lane.publish(open);
    }

    private void maybeFinishClose() {
        if (closed == null) {
            return;
        }
        boolean busy = !queue.isEmpty();
        for (WorkerConnection c : ready.keySet()) {
            busy |= c.inFlightCount() > 0;
        }
        if (busy && !terminating) {
            return;
        }
        for (ProcessRecord r : live.values()) {
            if (r.actor != null && r.state != dev.troupe.ProcessState.STOPPING) {
                r.actor.tell(new ProcessActor.Stop("pool closing"));
            }
        }
        if (live.isEmpty() && !closed.isDone() && (terminating || queue.isEmpty())) {
            if (spec.acceptRemote()) {
                node.remoteWorkers.removePool(context.getSelf());
            }
            closed.complete(null);
        }
    }
}
