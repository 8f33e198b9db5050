package dev.troupe.internal.node;

import com.typesafe.config.Config;
import dev.troupe.ManagedProcess;
import dev.troupe.Task;
import dev.troupe.TroupeException;
import dev.troupe.WorkerProcess;
import dev.troupe.WorkerStartException;
import dev.troupe.internal.codec.JavaSerialization;
import dev.troupe.internal.codec.PayloadCodec;
import dev.troupe.internal.objects.LocalObjects;
import dev.troupe.internal.objects.ObjectHost;
import dev.troupe.spi.NodeExtension;
import dev.troupe.spi.TransportProvider;
import dev.troupe.spi.TransportSettings;
import dev.troupe.spi.Transports;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.actor.typed.ActorSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * INTERNAL API. The implementation behind {@link dev.troupe.Troupe}: one Pekko actor system, one link server,
 * one run directory, and the processes started from here.
 */
public final class Node implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Node.class);
    /** The transport remote workers use. */
    private static final String REMOTE_TRANSPORT = "tcp";

    private final NodeContext context;
    private final TransportProvider provider;
    private final ActorSystem<NodeGuardian.Command> system;
    private final Functions functions;
    private final List<dev.troupe.Pool> pools = Collections.synchronizedList(new ArrayList<>());
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Completes when {@link #close()} has finished. */
    private final CompletableFuture<Void> closeDone = new CompletableFuture<>();
    private volatile Thread closingThread;
    private final Thread shutdownHook;
    /** The names of the node extensions on the class path, taking part or not. */
    private final List<String> extensionNames;
    /** The started extensions, in start order. */
    private final List<NodeExtension.Handle> extensions = new CopyOnWriteArrayList<>();

    private Node(NodeContext context, TransportProvider provider, ActorSystem<NodeGuardian.Command> system,
                 List<String> extensionNames) {
        this.context = context;
        this.provider = provider;
        this.system = system;
        this.extensionNames = List.copyOf(extensionNames);
        this.functions = new Functions(context.codec.javaSerialization());
        this.shutdownHook = new Thread(this::killAll, "troupe-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * Starts a node.
     *
     * @param config the configuration, with Troupe's {@code reference.conf} as fallback.
     * @return the running node.
     * @throws TroupeException when the transport is missing, the server cannot start or a node extension cannot
     *                         start (an extension's own {@link TroupeException} passes unchanged).
     */
    public static Node start(Config config) {
        requireReferenceConfig(config);
        List<String> extensionNames = new ArrayList<>();
        List<NodeExtension> active = new ArrayList<>();
        config = configureExtensions(config, extensionNames, active);
        NodeSettings settings = new NodeSettings(config);
        TransportProvider provider;
        try {
            provider = Transports.find(settings.transport);
        } catch (IllegalStateException e) {
            throw new TroupeException("cannot start the Troupe node: " + e.getMessage(), e);
        }
        RunDirectory runDir = null;
        ScheduledExecutorService timer = null;
        NodeServer server = null;
        NodeServer remoteServer = null;
        Node node;
        try {
            runDir = RunDirectory.create(settings.runDirectory);
            timer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "troupe-node-timer");
                t.setDaemon(true);
                return t;
            });
            TransportSettings ts = new TransportSettings(runDir.path(), settings.maxFrameBytes,
                settings.maxPendingWriteBytes, settings.transportOptions(provider.name()));
            server = new NodeServer(provider, ts, timer, settings.handshakeTimeout);
            if (!settings.remoteListen.isEmpty()) {
                remoteServer = provider.name().equals(REMOTE_TRANSPORT) ? server
                    : new NodeServer(Transports.find(REMOTE_TRANSPORT),
                    ts.withOptions(settings.transportOptions(REMOTE_TRANSPORT)), timer, settings.handshakeTimeout);
            }
            PayloadCodec codec = new PayloadCodec(new JavaSerialization(settings.serialFilter, settings.javaValues,
                settings.maxDecodeNanos));
            ClassLoader loader = Thread.currentThread().getContextClassLoader() != null
                ? Thread.currentThread().getContextClassLoader() : Node.class.getClassLoader();
            NodeContext ctx = new NodeContext(settings, server, codec, runDir, timer,
                "node-" + ProcessHandle.current().pid(), loader);
            if (remoteServer != null) {
                ctx.remoteServer = remoteServer;
                remoteServer.acceptRemoteWorkers(ctx.remoteWorkers);
                long beat = settings.heartbeatInterval.toMillis();
                timer.scheduleAtFixedRate(ctx.remoteWorkers::beat, beat, beat, TimeUnit.MILLISECONDS);
                LOG.info("taking remote workers on {}", remoteServer.address());
            }
            ActorSystem<NodeGuardian.Command> system = ActorSystem.create(NodeGuardian.create(ctx),
                NodeExtension.ACTOR_SYSTEM_NAME, config);
            ctx.objects = new LocalObjects(new ObjectHost(config.getBytes("troupe.manager.max-bytes")), codec, loader,
                ctx.nodeId);
            node = new Node(ctx, provider, system, extensionNames);
        } catch (IOException | RuntimeException e) {
            if (remoteServer != null && remoteServer != server) {
                remoteServer.close();
            }
            if (server != null) {
                server.close();
            }
            if (timer != null) {
                timer.shutdownNow();
            }
            if (runDir != null) {
                runDir.close();
            }
            throw new TroupeException("cannot start the Troupe node: " + e.getMessage(), e);
        }
        node.context.classData = new ClassDataArchive(ClassDataArchive.directoryOf(settings), node::train);
        if (settings.workerSpares > 0) {
            Spares spares = new Spares(node.context, settings.workerSpares,
                (spec, record) -> node.system.tell(new NodeGuardian.StartProcess(spec, record)),
                () -> new InFlightTask(node.context.nextTaskId(), node.functions.of(WarmUpTask.TASK),
                    node.context.codec.encodeList(List.of(WarmUpTask.INPUT)), 1, WarmUpTask.sink()));
            node.context.spares = spares;
            spares.start();
        }
        node.startExtensions(active, config);
        node.context.lending = node.service(dev.troupe.spi.WorkerLending.class).orElse(null);
        node.context.objects.extend(node.service(dev.troupe.spi.ObjectHandler.class).orElse(null));
        return node;
    }

    /**
     * Asks each node extension on the class path whether it takes part, and lays the settings of those that do over
     * the configuration.
     *
     * @throws TroupeException when an extension cannot be loaded or refuses the configuration.
     */
    private static Config configureExtensions(Config config, List<String> names, List<NodeExtension> active) {
        Config out = config;
        try {
            for (NodeExtension extension : ServiceLoader.load(NodeExtension.class, Node.class.getClassLoader())) {
                names.add(extension.name());
                Optional<Config> extra = extension.configure(out);
                if (extra.isPresent()) {
                    out = extra.get().withFallback(out).resolve();
                    active.add(extension);
                }
            }
        } catch (ServiceConfigurationError | RuntimeException e) {
            throw new TroupeException("cannot start the Troupe node: " + e.getMessage(), e);
        }
        return out;
    }

    /** Starts the extensions that take part; on a failure closes what was started, this node included. */
    private void startExtensions(List<NodeExtension> active, Config config) {
        NodeExtension.Context extensionContext = new ExtensionContext(config);
        for (NodeExtension extension : active) {
            try {
                extensions.add(extension.start(extensionContext));
            } catch (Exception e) {
                close();
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                if (e instanceof TroupeException te) {
                    throw te;
                }
                throw new TroupeException("cannot start the Troupe node: extension '" + extension.name() + "': "
                    + e.getMessage(), e);
            }
        }
    }

    /**
     * Fails with the fix when a library's defaults are missing: each of Pekko, Troupe core and the TCP transport
     * ships a {@code reference.conf}, and a fat jar merged without appending them keeps only one.
     *
     * @throws TroupeException naming the missing defaults and the shade transformer that keeps them all.
     */
    static void requireReferenceConfig(Config config) {
        List<String> missing = new ArrayList<>();
        if (!config.hasPath("pekko.version")) {
            missing.add("Apache Pekko's (no 'pekko.version')");
        }
        if (!config.hasPath("troupe.worker")) {
            missing.add("Troupe core's (no 'troupe.worker')");
        }
        if (!missing.isEmpty()) {
            throw new TroupeException("cannot start the Troupe node: " + String.join(" and ", missing)
                + " default settings are missing,"
                + " so their reference.conf is not on the class path. A fat jar must concatenate every library's"
                + " reference.conf rather than keep one: with maven-shade-plugin add <transformer implementation=\""
                + "org.apache.maven.plugins.shade.resource.AppendingTransformer\"><resource>reference.conf"
                + "</resource></transformer>; with Gradle Shadow, append('reference.conf').");
        }
    }

    /**
     * A part of the public API a node extension provides, such as {@link dev.troupe.Cluster}.
     *
     * @param type the API type.
     * @param <T>  that type.
     * @return the first started extension's implementation, or empty.
     */
    public <T> Optional<T> service(Class<T> type) {
        for (NodeExtension.Handle h : extensions) {
            Optional<T> s = h.service(type);
            if (s.isPresent()) {
                return s;
            }
        }
        return Optional.empty();
    }

    /**
     * @return the names of the node extensions on the class path, whether they take part in this node or not.
     */
    public List<String> extensionNames() {
        return extensionNames;
    }

    /**
     * The node extensions on the class path, whether they take part or not.
     *
     * @return their names.
     * @throws TroupeException when one cannot be loaded.
     */
    public static List<String> availableExtensions() {
        List<String> names = new ArrayList<>();
        try {
            for (NodeExtension extension : ServiceLoader.load(NodeExtension.class, Node.class.getClassLoader())) {
                names.add(extension.name());
            }
        } catch (ServiceConfigurationError e) {
            throw new TroupeException("cannot load the Troupe node extensions: " + e.getMessage(), e);
        }
        return names;
    }

    /** The name of the transport local workers use. */
    public String transportName() {
        return provider.name();
    }

    /** The address workers connect to. */
    public String address() {
        return context.server.address();
    }

    /** The maps and lists of {@link dev.troupe.Troupe#manager()}. */
    public dev.troupe.internal.objects.ObjectBackend objects() {
        return context.objects;
    }

    /** The address remote workers dial in to ({@code troupe.tcp.listen}), or {@code null} when none. */
    public String remoteAddress() {
        NodeServer r = context.remoteServer;
        return r == null ? null : r.address();
    }

    /** The processes this node started that have not exited, pool workers included. */
    public List<ManagedProcess> processes() {
        List<ManagedProcess> out = new ArrayList<>();
        for (ProcessRecord r : context.processes.values()) {
            if (r.listed()) {
                out.add(new ProcessHandleImpl(r));
            }
        }
        return out;
    }

    /**
     * What this node runs now; see {@link NodeExtension.Context#snapshot()}. Reads the records the process actors
     * publish (no actor is asked) and each local process's figures from the operating system.
     */
    dev.troupe.spi.NodeSnapshot snapshot() {
        boolean clustered = context.lending != null && context.remoteServer != null;
        Map<String, dev.troupe.PoolOptions> poolOptions = new java.util.HashMap<>();
        synchronized (pools) {
            for (dev.troupe.Pool p : pools) {
                PoolImpl impl = (PoolImpl) p;
                poolOptions.put(impl.name(), impl.options());
            }
        }
        Map<String, int[]> poolCounts = new java.util.TreeMap<>();
        List<dev.troupe.spi.NodeSnapshot.ProcessEntry> processes = new ArrayList<>();
        for (ProcessRecord r : context.processes.values()) {
            if (r.exited.isDone() || !r.listed()) {
                continue;
            }
            String pool = PoolImpl.poolOf(r);
            boolean lent = r.lentTo != null;
            dev.troupe.spi.NodeSnapshot.Role role;
            if (pool == null) {
                role = r.id.startsWith(NodeContext.EXEC_ID_PREFIX) ? dev.troupe.spi.NodeSnapshot.Role.EXECUTABLE
                    : dev.troupe.spi.NodeSnapshot.Role.SPAWNED;
            } else {
                role = lent ? dev.troupe.spi.NodeSnapshot.Role.LENT : r.isRemote()
                    ? dev.troupe.spi.NodeSnapshot.Role.REMOTE : dev.troupe.spi.NodeSnapshot.Role.POOL_WORKER;
                WorkerConnection c = r.connection;
                int[] counts = poolCounts.computeIfAbsent(pool, k -> new int[3]);
                counts[0]++;
                counts[1] += lent ? 1 : 0;
                counts[2] += c == null ? 0 : c.inFlightCount();
            }
            dev.troupe.ProcessStats stats = null;
            long pid = r.pid();
            // A lent worker's figures are read by the member that runs it.
            if (!lent && r.isRemote()) {
                WorkerConnection c = r.connection;
                if (c != null) {
                    dev.troupe.wire.Stats s = c.lastStats();
                    stats = new dev.troupe.ProcessStats(pid, Duration.ofNanos(Math.max(0, s.getCpuTimeNanos())), -1,
                        s.getThreadCount());
                }
            } else if (!lent && pid > 0) {
                stats = OsStats.tryRead(pid).orElse(null);
            }
            String host = r.remoteHost == null ? "localhost" : r.remoteHost;
            processes.add(new dev.troupe.spi.NodeSnapshot.ProcessEntry(r.id, pid, host, role, pool, r.lentTo,
                r.state(), stats));
        }
        List<dev.troupe.spi.NodeSnapshot.PoolEntry> poolEntries = new ArrayList<>();
        for (Map.Entry<String, dev.troupe.PoolOptions> e : new java.util.TreeMap<>(poolOptions).entrySet()) {
            int[] counts = poolCounts.getOrDefault(e.getKey(), new int[3]);
            dev.troupe.Placement placement = clustered ? e.getValue().placement() : dev.troupe.Placement.LOCAL;
            poolEntries.add(new dev.troupe.spi.NodeSnapshot.PoolEntry(e.getKey(), placement, counts[0], counts[1],
                counts[2]));
        }
        return new dev.troupe.spi.NodeSnapshot(processes, poolEntries);
    }

    /** See {@link dev.troupe.Troupe#spawn}. */
    public <I, O> WorkerProcess<O> spawn(Task<I, O> task, I input, List<String> jvmOptions) {
        checkOpen();
        return spawnHere(task, input, List.copyOf(jvmOptions), List.of(task.getClass()), false);
    }

    /**
     * Starts a worker here that runs one task: a spare one when one fits, else a new one.
     *
     * @param internal whether the node runs it for itself (not listed, never a spare).
     */
    private <I, O> WorkerProcess<O> spawnHere(Task<I, O> task, I input, List<String> jvmOptions,
                                              List<Class<?>> taskClasses, boolean internal) {
        TaskFunction function = functions.of(task);
        com.google.protobuf.ByteString inputs = context.codec.encodeList(Collections.singletonList(input));
        CompletableFuture<O> result = new CompletableFuture<>();
        Spares spares = context.spares;
        if (spares != null && !internal) {
            SpawnSink<O> sink = new SpawnSink<>(result);
            ProcessRecord spare = spares.take(jvmOptions, taskClasses, null,
                new InFlightTask(context.nextTaskId(), function, inputs, 1, sink), null);
            if (spare != null) {
                sink.bind(spare);
                awaitStart(spare);
                return new WorkerHandle<>(spare, result);
            }
        }
        ProcessRecord record = new ProcessRecord(context.nextWorkerId());
        record.internal = internal;
        InFlightTask job = new InFlightTask(context.nextTaskId(), function, inputs, 1, new SpawnSink<>(record, result));
        LaunchSpec spec = new LaunchSpec(record.id, true, List.of(), jvmOptions, Map.of(), job, taskClasses);
        system.tell(new NodeGuardian.StartProcess(spec, record));
        awaitStart(record);
        return new WorkerHandle<>(record, result);
    }

    /**
     * Runs a class-data training run ({@link ClassDataArchive}) on a thread of its own: a worker, not listed among
     * the node's processes, that runs {@link WarmUpTask#TASK} and exits, its JVM writing the archive.
     */
    private void train(ClassDataArchive.Training training) {
        Thread t = new Thread(() -> {
            String failure = null;
            try {
                WorkerProcess<Integer> p = spawnHere(WarmUpTask.TASK, WarmUpTask.INPUT,
                    training.jvmOptions(), training.taskClasses(), true);
                p.result().get(context.settings.startTimeout.toMillis(), TimeUnit.MILLISECONDS);
                if (!p.join(Duration.ofSeconds(60))) {
                    p.kill();
                    failure = "the training worker did not exit within 60 s";
                } else if (!Integer.valueOf(0).equals(p.exitCode())) {
                    failure = "the training worker exited with code " + p.exitCode();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failure = e.toString();
            } catch (Exception e) {
                failure = closed.get() ? "the node closed" : e.toString();
            }
            training.finished(failure);
        }, "troupe-class-data");
        t.setDaemon(true);
        t.start();
    }

    /** See {@link dev.troupe.Troupe#spawn(Task, Object, dev.troupe.SpawnOptions)}. */
    public <I, O> WorkerProcess<O> spawn(Task<I, O> task, I input, dev.troupe.SpawnOptions options) {
        dev.troupe.NodeSelector selector = options.node();
        if (selector == null) {
            return spawn(task, input, options.jvmOptions());
        }
        checkOpen();
        dev.troupe.spi.WorkerLending lending = context.lending;
        if (lending == null || context.remoteServer == null) {
            throw new IllegalStateException("cannot spawn on " + selector + ": this node is not a cluster member (add"
                + " dev.troupe:troupe-cluster and set troupe.cluster.seed-nodes, or use Troupe.cluster(config))");
        }
        String target = selector.nodeId();
        if (target == null) {
            target = lending.place(new dev.troupe.spi.WorkerLending.PlacementRequest("spawn",
                dev.troupe.Placement.SPREAD, selector.labels(), 0, java.util.Set.of()), 1, Map.of()).get(0);
        }
        if (target.equals(lending.selfId())) {
            return spawn(task, input, options.jvmOptions());
        }
        TaskFunction function = functions.of(task);
        CompletableFuture<O> result = new CompletableFuture<>();
        ProcessRecord record = new ProcessRecord(context.nextWorkerId());
        InFlightTask job = new InFlightTask(context.nextTaskId(), function,
            context.codec.encodeList(Collections.singletonList(input)), 1, new SpawnSink<>(record, result));
        LaunchSpec spec = new LaunchSpec(record.id, true, List.of(), options.jvmOptions(), Map.of(), job,
            List.of(task.getClass()));
        system.tell(new NodeGuardian.StartLent(spec, record, target));
        awaitStart(record);
        return new WorkerHandle<>(record, result);
    }

    /** See {@link dev.troupe.Troupe#pool}. */
    public dev.troupe.Pool pool(dev.troupe.PoolOptions options) {
        checkOpen();
        return new PoolImpl(this, options);
    }

    /** See {@link dev.troupe.Troupe#exec}. */
    public ManagedProcess exec(List<String> command, Map<String, String> environment) {
        checkOpen();
        ProcessRecord record = new ProcessRecord(context.nextExecId());
        LaunchSpec spec = new LaunchSpec(record.id, false, List.copyOf(command), List.of(), Map.copyOf(environment),
            null);
        system.tell(new NodeGuardian.StartProcess(spec, record));
        awaitStart(record);
        return new ProcessHandleImpl(record);
    }

    private void awaitStart(ProcessRecord record) {
        Duration limit = context.settings.startTimeout.plusSeconds(5);
        try {
            record.started.get(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof WorkerStartException) {
                // Rethrow a fresh one so the caller's stack trace is in it too.
                throw new WorkerStartException(cause.getMessage(), cause);
            }
            throw new WorkerStartException("cannot start " + record.id + ": " + cause, cause);
        } catch (TimeoutException e) {
            throw new WorkerStartException(record.id + " did not start within " + limit.toMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WorkerStartException("interrupted while starting " + record.id, e);
        }
    }

    private void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("this Troupe node is closed");
        }
    }

    /**
     * Stops every process (gracefully, then by force after the stop grace), removes the socket files and the
     * run directory, closes the node extensions, and stops the actor system. Idempotent: a second call waits for the
     * first to finish.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            awaitClosed();
            return;
        }
        closingThread = Thread.currentThread();
        try {
            doClose();
        } finally {
            closeDone.complete(null);
        }
    }

    private void awaitClosed() {
        if (Thread.currentThread() == closingThread) {
            return;
        }
        try {
            closeDone.get(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("the node did not finish closing in time: {}", e.toString());
        }
    }

    /** Closes this node on a thread of its own; see {@link NodeExtension.Context#closeNode}. */
    private CompletionStage<Void> closeAsync(String reason) {
        if (!closed.get()) {
            Thread closer = new Thread(() -> {
                LOG.info("closing the Troupe node: {}", reason);
                close();
            }, "troupe-node-close");
            // Not a daemon: a program whose main returns meanwhile still stops its workers.
            closer.start();
        }
        return closeDone.copy();
    }

    private void doClose() {
        Spares spares = context.spares;
        if (spares != null) {
            spares.close();
        }
        LocalObjects objects = context.objects;
        if (objects != null) {
            objects.close("node " + context.nodeId + " is closing");
        }
        NodeServer remote = context.remoteServer;
        if (remote != null && remote != context.server) {
            // No new remote workers while the node closes; those released by closing pools find it gone.
            remote.close();
        }
        List<dev.troupe.Pool> openPools;
        synchronized (pools) {
            openPools = new ArrayList<>(pools);
        }
        for (dev.troupe.Pool p : openPools) {
            try {
                // As Python's Pool.__exit__: stop now rather than wait for queued work.
                p.terminate();
            } catch (RuntimeException e) {
                LOG.warn("closing pool failed: {}", e.toString());
            }
        }
        List<ProcessRecord> live = new ArrayList<>(context.processes.values());
        for (ProcessRecord r : live) {
            if (r.actor != null) {
                r.actor.tell(new ProcessActor.Stop("node closing"));
            }
        }
        long deadline = System.nanoTime() + context.settings.stopGrace.plusSeconds(1).toNanos();
        for (ProcessRecord r : live) {
            awaitExit(r, deadline);
        }
        killAll();
        for (ProcessRecord r : live) {
            awaitExit(r, System.nanoTime() + TimeUnit.SECONDS.toNanos(5));
        }
        context.server.close();
        context.remoteWorkers.close();
        List<NodeExtension.Handle> started = new ArrayList<>(extensions);
        Collections.reverse(started);
        for (NodeExtension.Handle h : started) {
            try {
                h.close();
            } catch (RuntimeException e) {
                LOG.warn("closing a node extension failed: {}", e.toString());
            }
        }
        system.terminate();
        try {
            system.getWhenTerminated().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("actor system did not stop in time: {}", e.toString());
        }
        context.timer.shutdownNow();
        context.decoder.shutdownNow();
        context.callbacks.shutdown();
        context.runDirectory.close();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException ignored) {
            // the JVM is already shutting down
        }
    }

    private static void awaitExit(ProcessRecord r, long deadlineNanos) {
        long left = deadlineNanos - System.nanoTime();
        if (left <= 0) {
            return;
        }
        try {
            r.exited.get(left, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException ignored) {
            // killed next
        }
    }

    /** Last resort, also run by the JVM shutdown hook: no child outlives the node. */
    private void killAll() {
        for (ProcessRecord r : context.processes.values()) {
            Process p = r.process;
            if (p != null && p.isAlive()) {
                p.destroyForcibly();
            }
        }
        if (closed.get() || Thread.currentThread() == shutdownHook) {
            context.runDirectory.close();
        }
    }

    NodeContext context() {
        return context;
    }

    /** What the node extensions see of this node. */
    private final class ExtensionContext implements NodeExtension.Context {
        private final Config config;

        ExtensionContext(Config config) {
            this.config = config;
        }

        @Override
        public ActorSystem<?> system() {
            return system;
        }

        @Override
        public Config config() {
            return config;
        }

        @Override
        public String nodeId() {
            return context.nodeId;
        }

        @Override
        public CompletionStage<Void> closeNode(String reason) {
            return closeAsync(reason);
        }

        @Override
        public Process startLentWorker(dev.troupe.spi.WorkerLending.LendRequest request,
                                       Map<String, String> transportOptions, Map<String, String> environment)
            throws IOException {
            WorkerLauncher launcher = new WorkerLauncher(context.settings, request.connect(),
                Transports.forAddress(request.connect()).name(), context.runDirectory.path(), context.loader);
            ProcessBuilder pb = new ProcessBuilder(launcher.command(request.jvmOptions(), List.of()));
            pb.environment().putAll(environment);
            pb.environment().putAll(launcher.environment(request.workerId(), request.token(), transportOptions));
            Process process = pb.start();
            String id = request.pool() + "/" + request.workerId();
            OutputPump.start(process.getInputStream(), false, id, process.pid());
            OutputPump.start(process.getErrorStream(), true, id, process.pid());
            return process;
        }

        @Override
        public dev.troupe.spi.NodeSnapshot snapshot() {
            return Node.this.snapshot();
        }

        @Override
        public Optional<dev.troupe.ProcessStats> processStats(long pid) {
            return OsStats.tryRead(pid);
        }
    }

    ActorSystem<NodeGuardian.Command> system() {
        return system;
    }

    Functions functions() {
        return functions;
    }

    void registerPool(dev.troupe.Pool pool) {
        pools.add(pool);
    }

    void unregisterPool(dev.troupe.Pool pool) {
        pools.remove(pool);
    }
}
