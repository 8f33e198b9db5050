package dev.troupe.internal.node;

import dev.troupe.ProcessState;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * INTERNAL API. What the {@link ProcessActor} publishes about its process for handles on other threads to read.
 * Written only by the actor.
 */
final class ProcessRecord {
    final String id;
    /** Completes when the process is ready (a worker after its handshake); fails with why it could not start. */
    final CompletableFuture<ProcessRecord> started = new CompletableFuture<>();
    /** Completes with the exit code (Python style) once the process has exited and the actor is done with it. */
    final CompletableFuture<Integer> exited = new CompletableFuture<>();
    volatile ActorRef<ProcessActor.Command> actor;
    volatile Process process;
    volatile WorkerConnection connection;
    volatile ProcessState state = ProcessState.STARTING;
    /** For a remote worker (one that dialled in): its pid and host as it said in its Hello; else -1 and null. */
    volatile long remotePid = -1;
    volatile String remoteHost;
    /** For a worker another cluster node started for this one (lent): that node's id; else {@code null}. */
    volatile String lentTo;
    /** For a lent worker: asks its node to kill it; else {@code null}. */
    volatile Runnable remoteKill;
    /** Whether this is a spare worker ({@link Spares}), taken or not. Set before the actor starts. */
    volatile boolean spare;
    /**
     * For a spare: the {@link ProcessActor.Claimed} of whoever took it, or {@link #SPARE_GONE} once it ended
     * untaken; set once, by compare-and-set, so a spare is taken at most once and never after it ended.
     */
    final java.util.concurrent.atomic.AtomicReference<Object> spareClaim =
        new java.util.concurrent.atomic.AtomicReference<>();
    static final Object SPARE_GONE = new Object();
    /** The name of the pool that took this worker as a spare, or {@code null}. */
    volatile String pool;
    /** Whether the node runs this process for itself (a class-data training run), not for the user. */
    volatile boolean internal;

    ProcessRecord(String id) {
        this.id = id;
    }

    /** The state, with a ready worker that has tasks in flight reported as busy. */
    ProcessState state() {
        ProcessState s = state;
        WorkerConnection c = connection;
        return s == ProcessState.READY && c != null && c.inFlightCount() > 0 ? ProcessState.BUSY : s;
    }

    long pid() {
        Process p = process;
        return p == null ? remotePid : p.pid();
    }

    /** Whether the user sees this process among the node's: not an untaken spare, not the node's own. */
    boolean listed() {
        return !internal && (!spare || spareClaim.get() instanceof ProcessActor.Claimed);
    }

    boolean isRemote() {
        return remoteHost != null;
    }

    /**
     * Kills a local process (SIGKILL); has a lent worker's node kill it; cuts a remote worker's link, which ends its
     * part in this node (it cannot be signalled from here).
     *
     * @param why for the remote worker's link-closed cause.
     */
    void kill(String why) {
        Process p = process;
        WorkerConnection c = connection;
        Runnable k = remoteKill;
        if (k != null) {
            // A lent worker: its node sends the SIGKILL (the link ends with the process, and the exit code is the
            // signal's, not that of a worker that lost its link). Were that node gone, its loss ends the worker here.
            k.run();
        } else if (p != null) {
            p.destroyForcibly();
        } else if (c != null) {
            c.link.close(new dev.troupe.spi.LinkClosedException("remote worker " + id + " " + why));
        }
    }
}
