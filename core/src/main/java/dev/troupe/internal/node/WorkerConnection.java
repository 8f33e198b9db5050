package dev.troupe.internal.node;

import com.google.protobuf.ByteString;
import dev.troupe.CodecException;
import dev.troupe.RemoteTaskException;
import dev.troupe.internal.codec.PayloadCodec;
import dev.troupe.internal.codec.RemoteErrors;
import dev.troupe.internal.objects.LocalObjects;
import dev.troupe.wire.Cancel;
import dev.troupe.wire.DefineFunction;
import dev.troupe.wire.Envelope;
import dev.troupe.wire.Failure;
import dev.troupe.wire.Forget;
import dev.troupe.wire.PayloadList;
import dev.troupe.wire.FrameCodec;
import dev.troupe.wire.FrameTooLargeException;
import dev.troupe.wire.Result;
import dev.troupe.wire.Shutdown;
import dev.troupe.wire.Stats;
import dev.troupe.wire.Submit;
import dev.troupe.spi.Link;
import dev.troupe.spi.LinkHandler;
import dev.troupe.wire.MalformedFrameException;
import dev.troupe.wire.ObjectCall;
import dev.troupe.wire.ObjectReply;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * INTERNAL API. The node's side of one handshaken worker link: sends work, matches results to tasks, and
 * tells its listener about finished tasks and the link's end.
 *
 * <p>Thread-safe. {@link #submit} may be called from any thread (the owning actor in practice); inbound
 * envelopes arrive on the link's thread, which completes the task sinks directly, so a result reaches its
 * caller without an actor hop. A result that carries Java-serialized values is decoded on the node's decoder
 * threads instead, so that a value whose decoding takes long (or never ends) holds up its own task only, not the
 * worker's later results. The in-flight map decides races: whoever removes a task from it delivers its outcome.
 */
final class WorkerConnection implements LinkHandler {
    /**
     * The most a {@code Submit} envelope adds to its inputs: two 10-byte varints with their tags, and the tag and
     * 5-byte length of the inputs and of the envelope's field.
     */
    private static final int SUBMIT_OVERHEAD_BYTES = 34;
    /** The {@code Welcome} capability that says this node takes {@code LogLine}s. */
    static final String CAPABILITY_LOG = "log";
    /** Functions remembered per worker before the least recently used is forgotten. */
    private static final int MAX_DEFINED_FUNCTIONS = 256;

    interface Listener {
        /**
         * A task left the in-flight map with an outcome, or ({@code task} null) a caller gave back its claim on this
         * worker: a slot is free. Called on the link's thread (or the caller's), and only when the pool needs to
         * hear it (see {@link #slotFreedTold}).
         */
        void onTaskFinished(WorkerConnection connection, InFlightTask task);

        /** The link closed. Called exactly once, on the link's thread. */
        void onLinkClosed(WorkerConnection connection, Throwable cause);
    }

    final String workerId;
    final long pid;
    final Link link;
    private final PayloadCodec codec;
    private final int maxFrameBytes;
    private final ClassLoader loader;
    private final Executor decoder;
    private final Listener listener;
    /** Where the worker's calls on managed objects go. */
    private final LocalObjects objects;
    private final ConcurrentHashMap<Long, InFlightTask> inFlight = new ConcurrentHashMap<>();
    /**
     * Tasks in flight, and a caller's claim on this worker before its task is in flight: raised before a task enters
     * {@link #inFlight} and lowered after it leaves, so it is never below the map's size.
     */
    private final AtomicInteger load = new AtomicInteger();
    /** The pool's lane this worker is in (see {@link FastLane}), or {@code null}. */
    private volatile FastLane lane;
    /** Whether callers may claim this worker; while not, every finished task is told to the listener. */
    private volatile boolean laneOpen;
    private final AtomicLong dispatchSequence = new AtomicLong();
    /** Functions this worker knows, least recently used first; also the lock that orders sends and the drain. */
    private final Map<Long, Boolean> defined = new LinkedHashMap<>(16, 0.75f, true);
    private boolean drained;
    private volatile long lastHeardNanos = System.nanoTime();
    /**
     * Whether the link's thread is inside {@link #onEnvelope}: completing a future runs the user's callbacks on
     * it, and while one runs, the worker's later messages wait unread; that silence is ours, not the worker's.
     */
    private volatile boolean delivering;
    private volatile long averageRunNanos;
    private volatile Stats lastStats = Stats.getDefaultInstance();
    /** Writes the replies to this worker's calls on managed objects, in the order they are ready. */
    private final ReplyWriter replies = new ReplyWriter();

    WorkerConnection(String workerId, long pid, Link link, PayloadCodec codec, ClassLoader loader,
                     int maxFrameBytes, Executor decoder, Listener listener, LocalObjects objects) {
        this.decoder = decoder;
        this.objects = objects;
        this.maxFrameBytes = maxFrameBytes;
        this.workerId = workerId;
        this.pid = pid;
        this.link = link;
        this.codec = codec;
        this.loader = loader;
        this.listener = listener;
    }

    /**
     * Sends a task, defining its function on this worker first if needed. From here on the task is in flight:
     * if the link is closed by now it stays in the map and {@link #drainInFlight()} hands it back.
     *
     * @return {@code false} when the in-flight tasks were drained already; the caller keeps the task.
     */
    boolean submit(InFlightTask task) {
        return submitAll(List.of(task)) == 1;
    }

    /**
     * Opens this worker to callers of {@code pool}'s lane; called by the pool's actor. From here on a finished task
     * is told to the listener only when the pool's actor has work queued or this worker's lane is closed again.
     */
    void openLane(FastLane pool) {
        lane = pool;
        laneOpen = true;
    }

    /**
     * Closes this worker to callers; called by the pool's actor before it retires or stops the worker, or when the
     * pool closes. A caller that claimed it meanwhile gives the claim back. Every later finished task is told.
     */
    void closeLane() {
        laneOpen = false;
    }

    /**
     * Claims this worker for one task when it has none in flight and its lane is open: the caller must then call
     * {@link #submitClaimed} at once.
     */
    boolean tryClaimIdle() {
        return laneOpen && load.get() == 0 && load.compareAndSet(0, 1);
    }

    /**
     * Sends a task on the claim {@link #tryClaimIdle} made, on the caller's thread.
     *
     * @return {@code false} when the worker's lane closed or its tasks were drained since the claim: the claim is
     *     given back and the caller keeps the task; {@code true} once the task is in flight (or failed, when it
     *     cannot be sent at all).
     */
    boolean submitClaimed(InFlightTask task) {
        if (laneOpen && submitAll(List.of(task), true) == 1) {
            return true;
        }
        slotFreed();
        slotFreedTold(null);
        return false;
    }

    /**
     * Sends tasks in order, written together where the transport can.
     *
     * @return how many were taken, from the front of the list; fewer than all only once drained.
     */
    int submitAll(List<InFlightTask> tasks) {
        return submitAll(tasks, false);
    }

    /** As {@link #submitAll(List)}; {@code claimed}: the first task's slot is counted in {@link #load} already. */
    private int submitAll(List<InFlightTask> tasks, boolean claimed) {
        List<InFlightTask> refused = null;
        List<CodecException> reasons = null;
        synchronized (defined) {
            if (drained) {
                return 0;
            }
            List<Envelope> out = new ArrayList<>(tasks.size() + 1);
            for (InFlightTask task : tasks) {
                long fid = task.function.id();
                Envelope define = defined.get(fid) != null ? null : Envelope.newBuilder().setDefine(
                    DefineFunction.newBuilder()
                        .setFunctionId(fid)
                        .setSerializedTask(task.function.serialized())
                        .setDescription(task.function.description())).build();
                Envelope submit = Envelope.newBuilder().setSubmit(Submit.newBuilder()
                    .setTaskId(task.taskId).setFunctionId(fid).setInputs(task.inputs)).build();
                CodecException tooLarge = tooLarge(task, define, submit);
                if (tooLarge != null) {
                    // The link would refuse the frame by throwing, out of the actor that dispatches: fail this task.
                    refused = refused == null ? new ArrayList<>() : refused;
                    reasons = reasons == null ? new ArrayList<>() : reasons;
                    refused.add(task);
                    reasons.add(tooLarge);
                    continue;
                }
                task.dispatchSequence = dispatchSequence.incrementAndGet();
                if (!claimed || task != tasks.get(0)) {
                    load.incrementAndGet();
                }
                inFlight.put(task.taskId, task);
                if (define != null) {
                    defined.put(fid, Boolean.TRUE);
                    out.add(define);
                    Long forgotten = eldestToForget();
                    if (forgotten != null) {
                        out.add(Envelope.newBuilder().setForget(Forget.newBuilder().setFunctionId(forgotten)).build());
                    }
                }
                out.add(submit);
            }
            if (!out.isEmpty()) {
                link.sendAll(out);
            }
        }
        boolean claimRefused = claimed && refused != null && refused.get(0) == tasks.get(0);
        if (claimRefused) {
            slotFreed();
        }
        for (int i = 0; refused != null && i < refused.size(); i++) {
            refused.get(i).sink.fail(reasons.get(i));
        }
        if (claimRefused) {
            slotFreedTold(null);
        }
        return tasks.size();
    }

    /**
     * Why a task's frames cannot be sent, or {@code null} when they fit. The sizes are what the link computes again
     * for its own check: a few varint lengths for a {@code Submit}, protobuf's memoized size for a definition.
     */
    private CodecException tooLarge(InFlightTask task, Envelope define, Envelope submit) {
        boolean defineFits = define == null
            || (long) FrameCodec.bodySize(define) + FrameCodec.HEADER_BYTES <= maxFrameBytes;
        try {
            FrameCodec.checkBodySize(defineFits ? FrameCodec.bodySize(submit) : FrameCodec.bodySize(define),
                maxFrameBytes);
            return null;
        } catch (FrameTooLargeException e) {
            return new CodecException(task + " cannot be sent to " + this + (defineFits ? ": "
                : " (the task object itself, with what it captures, is too large): ") + e.getMessage(), e);
        }
    }

    /**
     * Refuses a task that could never be defined on a worker, where the caller can be told at once.
     *
     * @param what names the task in the message, such as "the pool's initializer".
     * @throws CodecException when its {@code DefineFunction} would exceed {@code maxFrameBytes}.
     */
    static void checkDefinitionFits(TaskFunction function, String what, int maxFrameBytes) {
        Envelope define = Envelope.newBuilder().setDefine(DefineFunction.newBuilder()
            .setFunctionId(function.id())
            .setSerializedTask(function.serialized())
            .setDescription(function.description())).build();
        try {
            FrameCodec.checkBodySize(FrameCodec.bodySize(define), maxFrameBytes);
        } catch (FrameTooLargeException e) {
            throw new CodecException(what + " (" + function.description() + ") is too large to send, with what it"
                + " captures: " + e.getMessage(), e);
        }
    }

    /**
     * Refuses inputs that could never be sent, on the caller's thread, as an encoding error would be.
     *
     * @param count how many values {@code inputs} holds, for the message.
     * @return {@code inputs}.
     * @throws CodecException when a {@code Submit} carrying them would exceed {@code maxFrameBytes}.
     */
    static ByteString checkInputsFit(ByteString inputs, int count, int maxFrameBytes) {
        long frame = (long) inputs.size() + SUBMIT_OVERHEAD_BYTES + FrameCodec.HEADER_BYTES;
        if (frame > maxFrameBytes) {
            throw new CodecException((count == 1 ? "the input" : "a chunk of " + count + " inputs")
                + " is too large to send: " + inputs.size() + " bytes encoded, over the maximum frame size of "
                + maxFrameBytes + " bytes (troupe.max-frame-size); send smaller values or raise the limit",
                new FrameTooLargeException(frame, maxFrameBytes));
        }
        return inputs;
    }

    private Long eldestToForget() {
        if (defined.size() <= MAX_DEFINED_FUNCTIONS) {
            return null;
        }
        Iterator<Long> it = defined.keySet().iterator();
        long eldest = it.next();
        it.remove();
        return eldest;
    }

    /** Asks the worker to interrupt or drop a task; the outcome still arrives (as a cancelled failure). */
    void cancel(long taskId) {
        link.send(Envelope.newBuilder().setCancel(Cancel.newBuilder().setTaskId(taskId)).build());
    }

    /** Asks the worker to finish what it has and exit with {@code exitCode}. */
    void shutdown(int exitCode, String reason) {
        link.send(Envelope.newBuilder().setShutdown(Shutdown.newBuilder().setExitCode(exitCode).setReason(reason))
            .build());
    }

    /**
     * Takes every task still in flight, the one running first, and refuses later submits. Nobody else will
     * complete the tasks returned.
     */
    List<InFlightTask> drainInFlight() {
        synchronized (defined) {
            drained = true;
        }
        List<InFlightTask> out = new ArrayList<>();
        for (Long id : new ArrayList<>(inFlight.keySet())) {
            InFlightTask t = inFlight.remove(id);
            if (t != null) {
                load.decrementAndGet();
                out.add(t);
            }
        }
        out.sort(Comparator.comparingLong(t -> t.dispatchSequence));
        return out;
    }

    /** Removes one task from the in-flight map; {@code null} when it already has an outcome. */
    InFlightTask take(long taskId) {
        InFlightTask t = inFlight.remove(taskId);
        if (t != null) {
            load.decrementAndGet();
        }
        return t;
    }

    /** A task left {@link #inFlight} (or a claim was given back): lowered before its caller hears, see below. */
    private void slotFreed() {
        load.decrementAndGet();
    }

    /**
     * After {@link #slotFreed}, tells the pool's actor what it needs to hear: each task when it watches this worker
     * (lane closed: retiring, stopping, closing) or keeps no lane (a clock or count per task); otherwise only that it
     * may dispatch, when it has work queued, in one message for any number of freed slots ({@link FastLane}). The
     * load was lowered before the backlog and the flag are read here: see {@link FastLane}. A caller waiting for the
     * result is answered before this runs.
     */
    private void slotFreedTold(InFlightTask t) {
        FastLane l = lane;
        if (l == null || !laneOpen) {
            listener.onTaskFinished(this, t);
        } else if (l.backlog.get() > 0) {
            l.askDispatch();
        }
    }

    /** Whether the task is still in flight on this worker. */
    boolean holds(long taskId) {
        return inFlight.containsKey(taskId);
    }

    /** Whether {@code task} is the oldest in flight here, that is, the one the worker is running. */
    boolean isRunning(long taskId) {
        InFlightTask task = inFlight.get(taskId);
        if (task == null) {
            return false;
        }
        for (InFlightTask other : inFlight.values()) {
            if (other.dispatchSequence < task.dispatchSequence) {
                return false;
            }
        }
        return true;
    }

    /** Tasks in flight, counting a caller's claim that is about to send one. */
    int inFlightCount() {
        return load.get();
    }

    /** A moving average of how long this worker took to run a chunk, or 0 before its first result. */
    long averageRunNanos() {
        return averageRunNanos;
    }

    long lastHeardNanos() {
        return delivering ? System.nanoTime() : lastHeardNanos;
    }

    Stats lastStats() {
        return lastStats;
    }

    @Override
    public void onEnvelope(Link l, Envelope e) {
        lastHeardNanos = System.nanoTime();
        delivering = true;
        try {
            deliver(l, e);
        } finally {
            delivering = false;
            lastHeardNanos = System.nanoTime();
        }
    }

    private void deliver(Link l, Envelope e) {
        switch (e.getBodyCase()) {
            case RESULT:
                onResult(e.getResult());
                break;
            case FAILURE:
                onFailure(e.getFailure());
                break;
            case HEARTBEAT:
                break;
            case STATS:
                lastStats = e.getStats();
                break;
            case LOG:
                // A remote worker's output: its own stdout and stderr go to its own host, not to this node.
                OutputPump.forward(e.getLog().getStream() == dev.troupe.wire.LogLine.Stream.STDERR, workerId, pid,
                    e.getLog().getLine());
                break;
            case OBJECT_CALL: {
                ObjectCall call = e.getObjectCall();
                // Answered at once for the node's own objects: written here, on this link's own reader thread (a
                // write that blocks while the worker is slow to read holds up only this worker). Answered later,
                // from another thread (an actor's, Artery's), for an extension's: written by this connection's
                // reply writer, never by the thread that completes the call.
                Thread reader = Thread.currentThread();
                objects.handle(this, call, reply -> {
                    if (Thread.currentThread() == reader) {
                        writeReply(call, fit(call, reply));
                    } else {
                        replies.add(call, fit(call, reply));
                    }
                });
                break;
            }
            default:
                l.close(new MalformedFrameException("worker " + workerId + " (pid " + pid + ") sent an unexpected "
                    + e.getBodyCase() + " on " + l.description()));
        }
    }

    /** A managed object's reply to this worker, or an error when it would not fit in a frame. */
    private ObjectReply fit(ObjectCall call, ObjectReply reply) {
        long frame = (long) reply.getSerializedSize() + FrameCodec.HEADER_BYTES + 16;
        if (frame <= maxFrameBytes) {
            return reply;
        }
        return ObjectReply.newBuilder().setCallId(call.getCallId()).setError("its answer of " + frame
            + " bytes is over the maximum frame size of " + maxFrameBytes + " bytes (troupe.max-frame-size)").build();
    }

    private void onResult(Result r) {
        InFlightTask t = inFlight.remove(r.getTaskId());
        if (t == null) {
            return;
        }
        slotFreed();
        long run = Math.max(1, r.getRunNanos());
        long avg = averageRunNanos;
        averageRunNanos = avg == 0 ? run : avg + (run - avg) / 8; // only the link's reader thread writes it
        PayloadList outputs = null;
        List<Object> numbers;
        try {
            // Packed numbers (a map's usual chunk) are read straight from the bytes; the rest is parsed first.
            numbers = PayloadCodec.unpackNumbers(r.getOutputs());
            if (numbers == null) {
                outputs = PayloadCodec.parseList(r.getOutputs());
            }
        } catch (RuntimeException ex) {
            t.sink.fail(ex);
            slotFreedTold(t);
            return;
        }
        if (numbers != null) {
            t.sink.succeed(numbers);
            slotFreedTold(t);
        } else if (PayloadCodec.carriesJava(outputs)) {
            t.decoding = true;
            slotFreedTold(t);
            PayloadList java = outputs;
            decoder.execute(() -> decode(t, java));
        } else {
            decode(t, outputs);
            slotFreedTold(t);
        }
    }

    private void decode(InFlightTask t, PayloadList outputs) {
        if (t.sink.isDone()) {
            // Cancelled or timed out while it waited: nobody wants it decoded.
            return;
        }
        try {
            t.sink.succeed(codec.decodeValues(outputs, loader));
        } catch (RuntimeException ex) {
            t.sink.fail(ex);
        }
    }

    private void onFailure(Failure f) {
        InFlightTask t = inFlight.remove(f.getTaskId());
        if (t == null) {
            return;
        }
        slotFreed();
        if (f.getCancelled()) {
            t.sink.fail(new CancellationException("task " + f.getTaskId() + " was cancelled"));
        } else {
            t.sink.fail(new RemoteTaskException(RemoteErrors.fromWire(f.getError()), workerId, pid));
        }
        slotFreedTold(t);
    }

    @Override
    public void onClosed(Link l, Throwable cause) {
        objects.callerClosed(this);
        listener.onLinkClosed(this, cause);
    }

    /**
     * The replies to this worker's calls on managed objects, written in order by one task at a time on a thread of
     * {@link #REPLY_THREADS}: a write that blocks because this worker is slow to read (or stopped) holds that thread
     * only, never the actor or Artery thread that completed the call. At most one thread per connection is busy.
     */
    private final class ReplyWriter implements Runnable {
        private final java.util.concurrent.ConcurrentLinkedQueue<Answer> pending =
            new java.util.concurrent.ConcurrentLinkedQueue<>();
        private final java.util.concurrent.atomic.AtomicBoolean writing =
            new java.util.concurrent.atomic.AtomicBoolean();

        void add(ObjectCall call, ObjectReply reply) {
            pending.add(new Answer(call, reply));
            if (writing.compareAndSet(false, true)) {
                REPLY_THREADS.execute(this);
            }
        }

        @Override
        public void run() {
            while (true) {
                Answer a;
                while ((a = pending.poll()) != null) {
                    writeReply(a.call(), a.reply());
                }
                writing.set(false);
                if (pending.isEmpty() || !writing.compareAndSet(false, true)) {
                    return;
                }
            }
        }
    }

    /** Writes a reply to this worker; a got message it can no longer be given goes back to its queue. */
    private void writeReply(ObjectCall call, ObjectReply r) {
        boolean sent = false;
        try {
            sent = link.send(Envelope.newBuilder().setObjectReply(r).build());
        } catch (RuntimeException e) {
            link.close(e);
        }
        if (!sent && call.getOp() == ObjectCall.Op.QUEUE_GET && r.getFound()) {
            // The worker will never see the message it got: back to the head of its queue.
            objects.handle(ObjectCall.newBuilder().setObject(call.getObject())
                .setOp(ObjectCall.Op.QUEUE_RETURN).setValue(r.getValue()).build(), x -> { });
        }
    }

    /** A call and its reply. */
    private record Answer(ObjectCall call, ObjectReply reply) {
    }

    /** Threads made on demand for {@link ReplyWriter}s, kept for 30 s; at most one per connection writing. */
    private static final java.util.concurrent.ExecutorService REPLY_THREADS = new java.util.concurrent
        .ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, java.util.concurrent.TimeUnit.SECONDS,
        new java.util.concurrent.SynchronousQueue<>(), new java.util.concurrent.ThreadFactory() {
            private final AtomicLong ids = new AtomicLong();

            @Override
            public Thread newThread(Runnable r) {
                Thread t = new Thread(r, "troupe-object-reply-" + ids.incrementAndGet());
                t.setDaemon(true);
                return t;
            }
        });

    @Override
    public String toString() {
        return "worker " + workerId + " (pid " + pid + ")";
    }
}
