package dev.troupe.internal.worker;

import com.google.protobuf.ByteString;
import dev.troupe.CodecException;
import dev.troupe.Task;
import dev.troupe.internal.WorkerLaunch;
import dev.troupe.wire.WireProtocol;
import dev.troupe.internal.codec.JavaSerialization;
import dev.troupe.internal.codec.PackedNumbers;
import dev.troupe.internal.codec.PayloadCodec;
import dev.troupe.internal.objects.LinkObjects;
import dev.troupe.internal.objects.ObjectBackends;
import dev.troupe.internal.codec.RemoteErrors;
import dev.troupe.wire.Cancel;
import dev.troupe.wire.DefineFunction;
import dev.troupe.wire.Envelope;
import dev.troupe.wire.Failure;
import dev.troupe.wire.Heartbeat;
import dev.troupe.wire.Hello;
import dev.troupe.wire.Result;
import dev.troupe.wire.Stats;
import dev.troupe.wire.Submit;
import dev.troupe.wire.Welcome;
import dev.troupe.wire.FrameCodec;
import dev.troupe.wire.FrameTooLargeException;
import dev.troupe.spi.Link;
import dev.troupe.spi.LinkHandler;
import dev.troupe.spi.TransportProvider;
import dev.troupe.spi.TransportSettings;
import dev.troupe.spi.Transports;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * INTERNAL API. One worker's life: connect, handshake, then run the tasks the node sends, one at a time, in
 * order, on the main thread, while the link's reader thread stays free to take cancellations and to notice
 * the node going away.
 */
final class WorkerRuntime implements LinkHandler {
    private static final long PARENT_CHECK_MILLIS = 500;
    /** {@code troupe.worker.idle-spin} of the node, handed over in {@link WorkerLaunch#ENV_IDLE_SPIN_NANOS}. */
    private final long idleSpinNanos;

    private final String workerId;
    private final String address;
    /** The class of the address's transport provider, as the node named it; {@code null} if it did not. */
    private final String transportClass;
    private final String host;
    private final byte[] token;
    private final long parentPid;
    private final TransportSettings settings;
    private final PayloadCodec codec;
    /** A worker that dialled in by hand: it outlives its link (see {@link RemoteWorkerMain}). */
    private final boolean remote;
    /** The link was lost (remote workers only; a local worker halts instead). */
    private volatile boolean lost;
    static final int LINK_LOST = -1;
    /** Why the node let this worker go: its last {@code Shutdown}'s reason, empty when it gave none. */
    private volatile String shutdownReason = "";
    private static final Envelope LOST_MARKER = Envelope.newBuilder()
        .setShutdown(dev.troupe.wire.Shutdown.newBuilder().setExitCode(LINK_LOST)).build();
    private final ClassLoader loader = WorkerRuntime.class.getClassLoader();

    private final BlockingQueue<Envelope> work = new LinkedBlockingQueue<>();
    /**
     * Results held back while more work is queued, written together when the queue runs dry, the batch is big,
     * or the eldest has waited {@link #MAX_OUTBOX_DELAY_NANOS}: short tasks share a write, and a long task's
     * result is never held behind the next one.
     */
    private final List<Envelope> outbox = new ArrayList<>();
    private long outboxBytes;
    private long outboxSinceNanos;
    private static final int MAX_OUTBOX = 64;
    private static final long MAX_OUTBOX_BYTES = 32 * 1024;
    private static final long MAX_OUTBOX_DELAY_NANOS = 50_000;
    private final CompletableFuture<Welcome> welcome = new CompletableFuture<>();
    private final Map<Long, Object> functions = new HashMap<>();
    private final Set<Long> cancelledQueued = ConcurrentHashMap.newKeySet();
    /** Guards interrupting the task thread: only inside {@code Task.apply}, never while it writes to the link. */
    private final Object interruptLock = new Object();
    private long runningTask = -1;
    private volatile boolean runningCancelled;
    private volatile boolean stopping;
    private volatile Thread taskThread;
    private volatile long tasksCompleted;
    private volatile long tasksFailed;
    private Link link;
    /** Calls on the node's managed objects; set once the node welcomed this worker. */
    private volatile LinkObjects objects;

    WorkerRuntime(Map<String, String> env) {
        this(env, WorkerLaunch.decodeOptions(env.get(WorkerLaunch.ENV_TRANSPORT_OPTIONS)), false);
    }

    /**
     * @param env              the launch contract (see {@link WorkerLaunch}); a remote worker's has no token.
     * @param transportOptions the options of the transport it connects with.
     * @param remote           whether it outlives its link, to connect again.
     */
    WorkerRuntime(Map<String, String> env, Map<String, String> transportOptions, boolean remote) {
        this.remote = remote;
        this.workerId = env.get(WorkerLaunch.ENV_WORKER_ID);
        this.address = env.get(WorkerLaunch.ENV_CONNECT);
        this.transportClass = env.get(WorkerLaunch.ENV_TRANSPORT_CLASS);
        this.host = env.getOrDefault(WorkerLaunch.ENV_HOST, hostName());
        this.token = Base64.getDecoder().decode(env.getOrDefault(WorkerLaunch.ENV_TOKEN, ""));
        this.parentPid = Long.parseLong(env.getOrDefault(WorkerLaunch.ENV_PARENT_PID, "-1"));
        int maxFrame = Integer.parseInt(env.getOrDefault(WorkerLaunch.ENV_MAX_FRAME,
            String.valueOf(TransportSettings.DEFAULT_MAX_FRAME_BYTES)));
        Path runDir = Path.of(env.getOrDefault(WorkerLaunch.ENV_RUN_DIR, System.getProperty("java.io.tmpdir")));
        int maxPendingWrite = Integer.parseInt(env.getOrDefault(WorkerLaunch.ENV_MAX_PENDING_WRITE,
            String.valueOf(TransportSettings.DEFAULT_MAX_PENDING_WRITE_BYTES)));
        this.settings = new TransportSettings(runDir, maxFrame, maxPendingWrite, transportOptions);
        this.idleSpinNanos = Long.parseLong(env.getOrDefault(WorkerLaunch.ENV_IDLE_SPIN_NANOS, "0"));
        this.codec = new PayloadCodec(new JavaSerialization(
            env.getOrDefault(WorkerLaunch.ENV_SERIAL_FILTER, JavaSerialization.DEFAULT_FILTER),
            Boolean.parseBoolean(env.getOrDefault(WorkerLaunch.ENV_JAVA_VALUES, "true")),
            Long.parseLong(env.getOrDefault(WorkerLaunch.ENV_MAX_DECODE_NANOS,
                Long.toString(JavaSerialization.DEFAULT_MAX_DECODE_NANOS)))));
    }

    /** The settings it connects with (for tests). */
    TransportSettings transportSettings() {
        return settings;
    }

    /** How long it polls for work before it parks (for tests). */
    long idleSpinNanos() {
        return idleSpinNanos;
    }

    /**
     * Connects, serves until told to stop or (remote workers) until the link is lost, and returns the exit code:
     * the node's {@code Shutdown} code, or {@link #LINK_LOST}.
     */
    int run() throws Exception {
        TransportProvider provider = Transports.forAddress(address, transportClass);
        return run(provider.connect(address, settings));
    }

    /** Why the node let this worker go ({@code Shutdown.reason}); empty when it gave none or the link was lost. */
    String shutdownReason() {
        return shutdownReason;
    }

    /** As {@link #run()}, on a link already connected. */
    int run(Link connected) throws Exception {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "troupe-worker-timer");
            t.setDaemon(true);
            return t;
        });
        if (parentPid > 0) {
            timer.scheduleWithFixedDelay(this::checkParent, PARENT_CHECK_MILLIS, PARENT_CHECK_MILLIS,
                TimeUnit.MILLISECONDS);
        }
        try {
            return serve(connected, timer);
        } finally {
            timer.shutdownNow();
        }
    }

    private int serve(Link connected, ScheduledExecutorService timer) throws Exception {
        link = connected;
        link.start(this);
        link.send(Envelope.newBuilder().setHello(Hello.newBuilder()
            .setProtocolVersion(WireProtocol.VERSION)
            .setWorkerId(workerId)
            .setPid(ProcessHandle.current().pid())
            .setToken(ByteString.copyFrom(token))
            .setHost(host)
            .setJavaVersion(Runtime.version().toString())
            .addCapabilities("cancel")
            .addCapabilities("stats")).build());
        Welcome w;
        try {
            w = welcome.get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            // Remote worker: the link closed before the node welcomed it.
            return LINK_LOST;
        }
        if (w.getProtocolVersion() != WireProtocol.VERSION) {
            System.err.println("troupe worker " + workerId + ": node speaks protocol " + w.getProtocolVersion()
                + ", this worker " + WireProtocol.VERSION);
            return WorkerLaunch.EXIT_HANDSHAKE_FAILED;
        }
        objects = new LinkObjects(link, codec, loader);
        ObjectBackends.bindWorker(objects);
        long beat = Math.max(50, w.getHeartbeatIntervalMs());
        timer.scheduleAtFixedRate(this::heartbeat, beat, beat, TimeUnit.MILLISECONDS);
        taskThread = Thread.currentThread();
        // A local worker's output reaches the node through its pipes; a remote one's only through the link.
        boolean forward = remote && w.getCapabilitiesList().contains("log");
        if (forward) {
            OutputForwarder.attach(link);
        }
        try {
            return workLoop();
        } finally {
            if (forward) {
                OutputForwarder.attach(null);
            }
        }
    }

    private int workLoop() throws InterruptedException {
        while (true) {
            Envelope e;
            if (!outbox.isEmpty() && (work.isEmpty() || outbox.size() >= MAX_OUTBOX || outboxBytes >= MAX_OUTBOX_BYTES
                || System.nanoTime() - outboxSinceNanos >= MAX_OUTBOX_DELAY_NANOS)) {
                flushOutbox();
            }
            try {
                e = nextWork();
            } catch (InterruptedException interrupted) {
                // A cancel aimed at a task that just finished: nothing to interrupt any more.
                continue;
            }
            switch (e.getBodyCase()) {
                case DEFINE:
                    define(e.getDefine());
                    break;
                case FORGET:
                    functions.remove(e.getForget().getFunctionId());
                    break;
                case SUBMIT:
                    runChunk(e.getSubmit());
                    break;
                case SHUTDOWN:
                    if (e == LOST_MARKER) {
                        return LINK_LOST;
                    }
                    flushOutbox();
                    shutdownReason = e.getShutdown().getReason();
                    stopping = true;
                    link.close();
                    return e.getShutdown().getExitCode();
                default:
                    break;
            }
        }
    }

    /**
     * Polls for the next task for {@code troupe.worker.idle-spin} of the node before it parks, so a task that arrives
     * right after the previous result is picked up without a thread wake-up. It yields the CPU between polls: with as
     * many workers as cores, a plain spin would take the CPU that the node's threads need.
     */
    private Envelope nextWork() throws InterruptedException {
        Envelope e = work.poll();
        if (e != null) {
            return e;
        }
        long until = System.nanoTime() + idleSpinNanos;
        while (System.nanoTime() - until < 0) {
            Thread.yield();
            e = work.poll();
            if (e != null) {
                return e;
            }
        }
        return work.take();
    }

    private void define(DefineFunction d) {
        try {
            functions.put(d.getFunctionId(), codec.javaSerialization().deserialize(
                d.getSerializedTask().toByteArray(), loader, "task " + d.getDescription()));
        } catch (CodecException ex) {
            // Remember why, so each submit of this function fails with the reason instead of "unknown".
            functions.put(d.getFunctionId(), ex);
        }
    }

    @SuppressWarnings("unchecked")
    private void runChunk(Submit submit) {
        long taskId = submit.getTaskId();
        if (cancelledQueued.remove(taskId)) {
            sendFailure(taskId, 0, new java.util.concurrent.CancellationException("cancelled before it ran"), true);
            return;
        }
        Object fn = functions.get(submit.getFunctionId());
        if (!(fn instanceof Task)) {
            Throwable why = fn instanceof Throwable ? (Throwable) fn
                : new IllegalStateException("function " + submit.getFunctionId() + " was never defined on worker "
                    + workerId);
            sendFailure(taskId, 0, why, false);
            return;
        }
        Task<Object, Object> task = (Task<Object, Object>) fn;
        long start = System.nanoTime();
        // A packed list of numbers is read in place and its results packed as they come (see PackedNumbers).
        PackedNumbers packed;
        List<Object> inputs = null;
        try {
            packed = PackedNumbers.read(submit.getInputs());
            if (packed == null) {
                inputs = codec.decodeList(submit.getInputs(), loader);
            }
        } catch (RuntimeException ex) {
            sendFailure(taskId, 0, ex, false);
            return;
        }
        int count = packed != null ? packed.size() : inputs.size();
        PackedNumbers.Writer packing = packed != null && count > 1 ? new PackedNumbers.Writer(count) : null;
        List<Object> outputs = packing != null ? null : new ArrayList<>(count);
        runningCancelled = false;
        synchronized (interruptLock) {
            runningTask = taskId;
            // A cancel that came while the inputs were decoding found no running task and was parked here.
            if (cancelledQueued.remove(taskId)) {
                runningCancelled = true;
            }
        }
        Throwable failure = runningCancelled ? new java.util.concurrent.CancellationException("cancelled") : null;
        int failedAt = 0;
        try {
            for (int i = 0; i < count && failure == null; i++) {
                Object input = packed != null ? packed.get(i) : inputs.get(i);
                try {
                    Object output = task.apply(input);
                    if (packing == null) {
                        outputs.add(output);
                    } else if (!packing.add(output)) { // not of the same kind as the first: go on with a list
                        outputs = packing.toList();
                        outputs.add(output);
                        packing = null;
                    }
                    if (runningCancelled) {
                        failure = new java.util.concurrent.CancellationException("cancelled");
                        failedAt = i;
                    }
                } catch (Throwable t) {
                    failure = explainInputMismatch(task, input, t);
                    failedAt = i;
                }
            }
        } finally {
            synchronized (interruptLock) {
                runningTask = -1;
                Thread.interrupted();
            }
        }
        if (failure != null) {
            sendFailure(taskId, failedAt, failure, runningCancelled);
            return;
        }
        ByteString encoded;
        try {
            encoded = packing != null ? packing.finish() : codec.encodeList(outputs);
        } catch (RuntimeException ex) {
            sendFailure(taskId, 0, ex, false);
            return;
        }
        try {
            Envelope result = Envelope.newBuilder().setResult(Result.newBuilder()
                .setTaskId(taskId).setOutputs(encoded).setRunNanos(System.nanoTime() - start)).build();
            long frameBytes = (long) result.getSerializedSize() + FrameCodec.HEADER_BYTES;
            if (frameBytes > settings.maxFrameBytes()) {
                throw new FrameTooLargeException(frameBytes, settings.maxFrameBytes());
            }
            if (outbox.isEmpty()) {
                outboxSinceNanos = start;
            }
            outbox.add(result);
            outboxBytes += frameBytes;
            tasksCompleted++;
        } catch (FrameTooLargeException ex) {
            sendFailure(taskId, 0, new CodecException("result of task " + taskId + " is too large to send: "
                + ex.getMessage(), ex), false);
        }
    }

    private void flushOutbox() {
        if (!outbox.isEmpty()) {
            link.sendAll(new ArrayList<>(outbox));
            outbox.clear();
            outboxBytes = 0;
        }
    }

    /**
     * A {@link ClassCastException} thrown by the entry method of a lambda or method reference, where the input is
     * not of the type the task was compiled for, has one usual cause: javac tells serializable method references of
     * one class apart by method, not by the type they were used at, so the same reference used for two input types
     * deserializes as whichever comes first. Says so, and what to do, rather than leave a bare cast error; any other
     * throwable is returned as it is.
     */
    static Throwable explainInputMismatch(Object task, Object input, Throwable t) {
        if (!(t instanceof ClassCastException) || input == null || !task.getClass().isSynthetic()) {
            return t;
        }
        // The JVM hides the frames of the JDK-generated lambda class: a cast that failed in its entry method shows
        // the caller of Task.apply on top.
        StackTraceElement[] trace = t.getStackTrace();
        boolean atEntry = trace.length > 0 && (trace[0].getClassName().equals(task.getClass().getName())
            || trace[0].getClassName().equals(WorkerRuntime.class.getName())
            && trace[0].getMethodName().equals("runChunk"));
        Class<?> expected = instantiatedInputType(task);
        if (!atEntry || expected == null || expected.isInstance(input)) {
            return t;
        }
        return new IllegalArgumentException("the task was compiled for " + expected.getName() + " inputs and got a "
            + input.getClass().getName() + ". javac deserializes one serializable method reference per method and"
            + " class, so a class that uses the same method reference (say Util::hash) as tasks of two input types"
            + " sends one of them for both. Use a lambda (x -> Util.hash(x)) or a second method for one of the"
            + " types.", t);
    }

    /** The input type a lambda or method reference was instantiated at, or {@code null} when it cannot be told. */
    private static Class<?> instantiatedInputType(Object task) {
        try {
            java.lang.reflect.Method writeReplace = task.getClass().getDeclaredMethod("writeReplace");
            writeReplace.setAccessible(true);
            Object replaced = writeReplace.invoke(task);
            if (!(replaced instanceof java.lang.invoke.SerializedLambda)) {
                return null;
            }
            java.lang.invoke.MethodType type = java.lang.invoke.MethodType.fromMethodDescriptorString(
                ((java.lang.invoke.SerializedLambda) replaced).getInstantiatedMethodType(),
                task.getClass().getClassLoader());
            return type.parameterCount() == 0 ? null : type.parameterType(0);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    private void sendFailure(long taskId, int index, Throwable t, boolean cancelled) {
        tasksFailed++;
        flushOutbox();
        link.send(Envelope.newBuilder().setFailure(Failure.newBuilder()
            .setTaskId(taskId).setIndex(index).setError(RemoteErrors.toWire(t)).setCancelled(cancelled)).build());
    }

    @Override
    public void onEnvelope(Link l, Envelope e) {
        switch (e.getBodyCase()) {
            case WELCOME:
                welcome.complete(e.getWelcome());
                break;
            case REFUSED:
                System.err.println("troupe worker " + workerId + ": node refused the handshake: "
                    + e.getRefused().getReason());
                System.err.flush();
                Runtime.getRuntime().halt(WorkerLaunch.EXIT_HANDSHAKE_FAILED);
                break;
            case CANCEL:
                cancel(e.getCancel());
                break;
            case OBJECT_REPLY: {
                LinkObjects o = objects;
                if (o != null) {
                    o.complete(e.getObjectReply());
                }
                break;
            }
            case HEARTBEAT:
                break;
            case DEFINE:
            case FORGET:
            case SUBMIT:
            case SHUTDOWN:
                work.add(e);
                break;
            default:
                System.err.println("troupe worker " + workerId + ": ignoring unexpected " + e.getBodyCase());
        }
    }

    private void cancel(Cancel c) {
        long id = c.getTaskId();
        synchronized (interruptLock) {
            if (runningTask == id) {
                runningCancelled = true;
                taskThread.interrupt();
                return;
            }
        }
        cancelledQueued.add(id);
    }

    @Override
    public void onClosed(Link l, Throwable cause) {
        LinkObjects o = objects;
        if (o != null) {
            o.close("the link to the node closed" + (cause == null ? "" : ": " + cause.getMessage()));
        }
        if (remote && !stopping) {
            lost = true;
            System.err.println("troupe worker " + workerId + ": link to node lost ("
                + (cause == null ? "closed" : cause.getMessage()) + ")");
            welcome.completeExceptionally(new java.io.IOException("link lost"));
            work.clear();
            work.add(LOST_MARKER);
            synchronized (interruptLock) {
                if (runningTask >= 0) {
                    // Its result has nowhere to go: stop it, so the worker can join again.
                    runningCancelled = true;
                    taskThread.interrupt();
                }
            }
            return;
        }
        if (!stopping) {
            System.err.println("troupe worker " + workerId + ": link to node lost ("
                + (cause == null ? "closed" : cause.getMessage()) + "); exiting");
            Runtime.getRuntime().halt(WorkerLaunch.EXIT_PARENT_GONE);
        }
    }

    private void heartbeat() {
        Link l = link;
        if (l == null || !l.isOpen()) {
            return;
        }
        l.send(Envelope.newBuilder().setHeartbeat(Heartbeat.newBuilder().setSentAt(System.nanoTime())).build());
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        l.send(Envelope.newBuilder().setStats(Stats.newBuilder()
            .setTasksCompleted(tasksCompleted)
            .setTasksFailed(tasksFailed)
            .setHeapUsedBytes(heap.getUsed())
            .setHeapMaxBytes(heap.getMax())
            .setCpuTimeNanos(ProcessHandle.current().info().totalCpuDuration().map(d -> d.toNanos()).orElse(-1L))
            .setThreadCount(threads.getThreadCount())).build());
    }

    private void checkParent() {
        boolean alive = ProcessHandle.of(parentPid).map(ProcessHandle::isAlive).orElse(false);
        if (!alive) {
            System.err.println("troupe worker " + workerId + ": node (pid " + parentPid + ") is gone; exiting");
            Runtime.getRuntime().halt(WorkerLaunch.EXIT_PARENT_GONE);
        }
    }

    private static String hostName() {
        // Not InetAddress.getLocalHost(): a slow resolver would hold up every worker start.
        String host = System.getenv("HOSTNAME");
        return host == null || host.isEmpty() ? "localhost" : host;
    }
}
